import type { Duplex } from 'node:stream';
import { MAX_TIMER_MS, ScanError } from '../result/errors.js';
import { socketErrorToScanError } from '../result/socket-errors.js';
import type { Mode, Phase } from '../result/types.js';
import { describeUnexpectedBytes } from './unexpected-bytes.js';
import { type StreamEvent, type StreamParserLimits, XmlStreamError, XmppStreamParser, escapeXml } from './xml-stream.js';

// The one XMPP stream layer: the scanner's short look at an endpoint and the XEP-0092 client's
// long-lived session both read and write through XmppStream. It reads stream events one at a time
// with deadlines, or hands them to a listener once a session is up, and ends the stream politely.
// Every failure is a ScanError with a code (callers that speak another error type translate it
// once, at their boundary).

/** A deadline for one phase: a total shared by every wait of the phase, so trickling bytes or unrelated stanzas do not extend it. */
export interface PhaseDeadline {
  /** performance.now() time at which it runs out. */
  at: number;
  /** The phase's length, for messages. */
  ms: number;
}

export function deadlineIn(ms: number): PhaseDeadline {
  return { at: performance.now() + ms, ms };
}

/** What the stream is waiting for, for typed errors: the result's phase (if any) and words for the message. */
export interface Wait {
  phase?: Phase;
  what: string;
  deadline: PhaseDeadline;
}

/** The opening of our stream. `from` is written when given (s2s: our domain; c2s after TLS: the account). */
export function streamHeader(o: { mode: Mode; to: string; from?: string }): string {
  const ns = o.mode === 'c2s' ? 'jabber:client' : 'jabber:server';
  const dialback = o.mode === 's2s' ? ` xmlns:db='jabber:server:dialback'` : '';
  const from = o.from ? ` from='${escapeXml(o.from)}'` : '';
  return `<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams'${dialback}${from} to='${escapeXml(o.to)}' version='1.0' xml:lang='en'>`;
}

export class XmppStream {
  private parser: XmppStreamParser;
  private queue: StreamEvent[] = [];
  private failure: ScanError | null = null;
  private ended = false;
  private firstBytes: Buffer | null = null;
  private waiter: (() => void) | null = null;
  private listener: { onEvent: (ev: StreamEvent) => void; onEnd: (reason: ScanError | null) => void } | null = null;
  private readonly onData = (chunk: Buffer) => this.handleData(chunk);
  private readonly onEnd = () => this.handleEnd();
  private readonly onError = (err: Error) => this.handleError(err);

  /** `limits`: the parser's (a long-lived session lifts the per-stream byte cap; elements stay capped). */
  constructor(
    readonly socket: Duplex,
    readonly peer: string,
    private readonly limits: Partial<StreamParserLimits> = {},
  ) {
    this.parser = new XmppStreamParser(limits);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  send(xml: string): void {
    this.socket.write(xml);
  }

  /** Starts a fresh XML document (after STARTTLS or SASL success the stream restarts). */
  restart(): void {
    this.parser = new XmppStreamParser(this.limits);
    this.queue = [];
    this.firstBytes = null;
  }

  /** Waits for the next stream event, or throws a ScanError (timeout, connection_closed, bad XML, socket error) naming the phase. */
  async next(wait: Wait): Promise<StreamEvent> {
    const { phase, what, deadline } = wait;
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        this.wake();
      },
      Math.min(Math.max(0, deadline.at - performance.now()), MAX_TIMER_MS),
    );
    const inPhase = phase ? { phase } : {};
    try {
      for (;;) {
        const event = this.queue.shift();
        if (event) return event;
        if (this.failure) throw this.failure.phase || !phase ? this.failure : this.failure.withPhase(phase);
        if (this.ended) throw new ScanError('connection_closed', `${this.peer} closed the connection while we waited for ${what}`, inPhase);
        if (timedOut) throw new ScanError('timeout', `no ${what} from ${this.peer} within ${deadline.ms / 1000} s`, { ...inPhase, deadline: 'phase' });
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      clearTimeout(timer);
      this.waiter = null;
    }
  }

  /**
   * From now on every event goes to `onEvent` (a session answering stanzas as they come), and the
   * end of the connection to `onEnd` with the failure that ended it, if any.
   */
  listen(onEvent: (ev: StreamEvent) => void, onEnd: (reason: ScanError | null) => void): void {
    this.listener = { onEvent, onEnd };
    for (const ev of this.queue.splice(0)) onEvent(ev);
    if (this.ended) onEnd(this.failure);
  }

  /** Stops reading without consuming more bytes: after <proceed/> the socket belongs to TLS. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
  }

  /**
   * Polite close: end our stream, give the server `graceMs` to answer in kind, then drop the
   * connection. Resolves when the socket is closed, so callers can count connections exactly.
   */
  close(graceMs: number): Promise<void> {
    return closeStream(this.socket, graceMs);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private handleData(chunk: Buffer): void {
    if (this.failure) return;
    if (!this.firstBytes) this.firstBytes = chunk.subarray(0, 64);
    try {
      const events = this.parser.write(chunk);
      if (this.listener) for (const ev of events) this.listener.onEvent(ev);
      else this.queue.push(...events);
    } catch (err) {
      if (err instanceof XmlStreamError) {
        const hint = this.firstBytes ? describeUnexpectedBytes(this.firstBytes) : null;
        const code = err.kind === 'too_large' ? 'response_too_large' : err.kind;
        this.failure = new ScanError(code, hint ?? err.message);
      } else {
        this.failure = new ScanError('internal_error', `XML parser failed: ${(err as Error).message}`);
      }
      this.socket.destroy();
    }
    this.wake();
  }

  private handleEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
    this.listener?.onEnd(this.failure);
  }

  private handleError(err: Error): void {
    if (!this.failure) this.failure = err instanceof ScanError ? err : socketErrorToScanError(err, this.peer);
    this.wake();
  }
}

/** Ends our stream, gives the server `graceMs` to close in kind, then drops the connection; resolves once closed. */
export function closeStream(socket: Duplex | null, graceMs: number): Promise<void> {
  if (!socket || socket.closed) return Promise.resolve();
  socket.on('error', () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.writable) socket.end('</stream:stream>');
    else socket.destroy();
  });
}
