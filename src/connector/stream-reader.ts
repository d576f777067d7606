import type { Duplex } from 'node:stream';
import { MAX_TIMER_MS, ScanError } from '../result/errors.js';
import type { Phase } from '../result/types.js';
import { describeUnexpectedBytes, socketErrorToScanError } from './socket-errors.js';
import { type StreamEvent, XmlStreamError, XmppStreamParser } from './xml-stream.js';

/**
 * Reads XMPP stream events from a socket one at a time with a timeout per wait, so every phase
 * (stream header, features, proceed, …) gets its own typed timeout error. `detach()` stops
 * reading without consuming more bytes: after <proceed/> the socket belongs to TLS.
 */
export class StreamReader {
  private parser = new XmppStreamParser();
  private queue: StreamEvent[] = [];
  private failure: ScanError | null = null;
  private ended = false;
  private firstBytes: Buffer | null = null;
  private waiter: (() => void) | null = null;
  private readonly onData = (chunk: Buffer) => this.handleData(chunk);
  private readonly onEnd = () => this.handleEnd();
  private readonly onError = (err: Error) => this.handleError(err);

  constructor(
    private readonly socket: Duplex,
    private readonly describePeer: string,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Starts a fresh XML document (after STARTTLS or SASL success the stream restarts). */
  restart(): void {
    this.parser = new XmppStreamParser();
    this.queue = [];
    this.firstBytes = null;
  }

  /**
   * Waits for the next stream event, or throws a ScanError naming the phase. `timeoutMs` is a
   * total for this wait: bytes that arrive without completing an event (a header dripped one byte
   * at a time, whitespace keep-alives) do not extend it.
   */
  async next(phase: Phase, timeoutMs: number, what: string): Promise<StreamEvent> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake();
    }, Math.min(timeoutMs, MAX_TIMER_MS));
    try {
      for (;;) {
        const event = this.queue.shift();
        if (event) return event;
        if (this.failure) throw this.failure.phase ? this.failure : this.failure.withPhase(phase);
        if (this.ended) {
          throw new ScanError('connection_closed', `${this.describePeer} closed the connection while we waited for ${what}`, { phase });
        }
        if (timedOut) {
          throw new ScanError('timeout', `no ${what} from ${this.describePeer} within ${timeoutMs / 1000} s`, { phase, deadline: 'phase' });
        }
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      clearTimeout(timer);
      this.waiter = null;
    }
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
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
      this.queue.push(...this.parser.write(chunk));
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
    this.ended = true;
    this.wake();
  }

  private handleError(err: Error): void {
    if (!this.failure) this.failure = err instanceof ScanError ? err : socketErrorToScanError(err, this.describePeer);
    this.wake();
  }
}
