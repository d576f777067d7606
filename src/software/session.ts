import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { checkIdentity, parseCertificate, type TrustStore } from '../certificate/index.js';
import {
  NS_SASL,
  type StreamEvent,
  type Timeouts,
  type XmlElement,
  type XmppTarget,
  XmppStream,
  child,
  deadlineIn,
  describePeer,
  escapeXml,
  isStreamElement,
  openTlsReadySocket,
  parseFeatures,
  streamErrorFrom,
  streamHeader,
  upgradeToTls,
} from '../connector/index.js';
import { ScanError } from '../result/errors.js';
import { SoftwareQueryError, saslFailureOf, sanitizeSoftwareText } from './reply.js';
import { SCRAM_MECHANISMS, ScramClient, ScramError, type ScramMechanism } from './scram.js';

// One logged-in XMPP client session (RFC 6120): TCP, STARTTLS or direct TLS with the server's
// certificate verified (chain against the configured trust anchors, identity per RFC 6125 for
// XMPP), SASL SCRAM, resource binding, then IQ requests matched to their answers by id.
//
// Why not @xmpp/client: it was tried (0.14, Node 20, ESM) and works, but its STARTTLS upgrade
// calls tls.connect with only the host name, so neither our CA files nor an XMPP-aware identity
// check (SRV-ID, XmppAddr) can be passed in without patching it; it offers SCRAM-SHA-1 and PLAIN
// but not SCRAM-SHA-256, and brings ~35 packages (SASL2, FAST, stream management, WebSocket,
// reconnect) that this one request/answer use never needs. What we need is small and already
// here: the connector's stream layer (STARTTLS preamble, TLS upgrade with our options, XmppStream
// over its streaming XML parser) and node:crypto for SCRAM.

export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
export const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
export const NS_PING = 'urn:xmpp:ping';

export interface SessionOptions {
  /** The account: `local@domain` (bare JID; the domain is normalised by the caller). */
  localpart: string;
  domain: string;
  password: string;
  /** Where to connect: an endpoint of the account's domain (from discovery or `connect`). */
  host: string;
  address: string;
  port: number;
  directTls: boolean;
  /** Trust anchors for the server's certificate. */
  trustStore: TrustStore;
  /** Also accept SASL PLAIN (over the verified TLS) when the server offers no SCRAM. */
  allowPlain: boolean;
  /** Resource to bind; the server picks one when absent. */
  resource?: string;
  timeouts: Timeouts;
}

/** Our own session lives for many queries: no cap on the bytes of one stream (elements stay capped). */
const SESSION_STREAM_LIMITS = { maxStreamBytes: Number.MAX_SAFE_INTEGER };

/** How long the server gets to close its stream in kind after ours. */
const CLOSE_GRACE_MS = 500;

interface Pending {
  resolve: (iq: XmlElement) => void;
  reject: (err: SoftwareQueryError) => void;
  timer: NodeJS.Timeout;
}

export class XmppClientSession {
  private readonly pending = new Map<string, Pending>();
  private closeListeners: (() => void)[] = [];
  private closedReason: SoftwareQueryError | null = null;
  /** The full JID the server bound. */
  jid = '';

  private constructor(
    private readonly stream: XmppStream,
    readonly peer: string,
    readonly mechanism: string,
  ) {}

  get closed(): boolean {
    return this.closedReason !== null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /**
   * Connects and logs in. Throws SoftwareQueryError: `auth_failed` when the server refused the
   * credentials, `login_failed` for everything else (network, TLS, stream, mechanisms, bind).
   */
  static async open(o: SessionOptions): Promise<XmppClientSession> {
    const target: XmppTarget = {
      domain: o.domain,
      mode: 'c2s',
      host: o.host,
      address: o.address,
      port: o.port,
      directTls: o.directTls,
      from: '',
      timeouts: o.timeouts,
    };
    const peer = describePeer(target);
    let raw: net.Socket;
    try {
      raw = (await openTlsReadySocket(target)).socket;
    } catch (err) {
      throw loginError(err, peer);
    }
    let socket: tls.TLSSocket;
    try {
      socket = await upgradeToTls(raw, verifiedTlsOptions(o), { peer, timeoutMs: o.timeouts.handshakeMs });
    } catch (err) {
      raw.destroy();
      throw loginError(err, peer);
    }
    const stream = new XmppStream(socket, peer, SESSION_STREAM_LIMITS);
    try {
      const features = await openStream(stream, o);
      const mechanism = await authenticate(stream, o, features);
      stream.restart();
      const after = await openStream(stream, o);
      const session = new XmppClientSession(stream, peer, mechanism);
      await session.bind(after, o);
      stream.listen(
        (ev) => session.dispatch(ev),
        (reason) => session.shutdown(new SoftwareQueryError('connection_lost', reason?.message ?? `${peer} closed the client connection`, reason?.condition)),
      );
      socket.setKeepAlive(true, 60_000);
      return session;
    } catch (err) {
      socket.destroy();
      throw loginError(err, peer);
    }
  }

  /**
   * Sends `<iq type='get' to=TO>payload</iq>` and resolves with the answer (type result or
   * error). Rejects with SoftwareQueryError `timeout` or `connection_lost`.
   */
  get(to: string, payload: string, timeoutMs: number, signal?: AbortSignal): Promise<XmlElement> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    const id = `xte-${randomBytes(9).toString('base64url')}`;
    return new Promise<XmlElement>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const onAbort = () => {
        done();
        reject(new SoftwareQueryError('timeout', `the version query of ${to} was aborted (scan cancelled)`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new SoftwareQueryError('timeout', `no answer to the version query from ${to} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (iq) => {
          done();
          resolve(iq);
        },
        reject: (err) => {
          done();
          reject(err);
        },
        timer,
      });
      this.stream.send(`<iq type='get' id='${id}' to='${escapeXml(to)}'>${payload}</iq>`);
    });
  }

  /** Ends the stream politely and closes the connection. */
  async close(): Promise<void> {
    this.shutdown(new SoftwareQueryError('connection_lost', 'the client session was closed'));
    await this.stream.close(CLOSE_GRACE_MS);
  }

  private shutdown(reason: SoftwareQueryError): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of [...this.pending.values()]) p.reject(reason);
    this.pending.clear();
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const l of listeners) l();
  }

  private async bind(features: XmlElement, o: SessionOptions): Promise<void> {
    if (!child(features, 'bind', NS_BIND)) throw new SoftwareQueryError('login_failed', `${this.peer} offers no resource binding after login`);
    const resource = o.resource ? `<resource>${escapeXml(o.resource)}</resource>` : '';
    this.stream.send(`<iq type='set' id='bind'><bind xmlns='${NS_BIND}'>${resource}</bind></iq>`);
    const answer = await this.nextIq('bind', o.timeouts.readMs, 'the resource binding result');
    if (answer.attrs.type !== 'result') throw new SoftwareQueryError('login_failed', `${this.peer} refused to bind a resource`);
    this.jid = child(child(answer, 'bind', NS_BIND) ?? answer, 'jid', NS_BIND)?.text.trim() ?? '';
    // RFC 3921 sessions: only when the server still asks for one (no <optional/>).
    const sessionFeature = child(features, 'session', NS_SESSION);
    if (sessionFeature && !child(sessionFeature, 'optional', NS_SESSION)) {
      this.stream.send(`<iq type='set' id='session'><session xmlns='${NS_SESSION}'/></iq>`);
      const s = await this.nextIq('session', o.timeouts.readMs, 'the session result');
      if (s.attrs.type !== 'result') throw new SoftwareQueryError('login_failed', `${this.peer} refused to establish a session`);
    }
  }

  /** During login: the next IQ with this id (other stanzas are ignored). */
  private async nextIq(id: string, timeoutMs: number, what: string): Promise<XmlElement> {
    const deadline = deadlineIn(timeoutMs);
    for (;;) {
      const ev = await this.stream.next({ what, deadline });
      if (ev.type === 'close') throw new SoftwareQueryError('login_failed', `${this.peer} closed the stream while we waited for ${what}`);
      if (ev.type !== 'element') continue;
      if (isStreamElement(ev.element, 'error')) throw loginError(streamErrorFrom(ev.element, this.peer, 'features_after_tls'), this.peer);
      if (ev.element.name === 'iq' && ev.element.attrs.id === id) return ev.element;
    }
  }

  private dispatch(ev: StreamEvent): void {
    if (ev.type === 'close') {
      this.shutdown(new SoftwareQueryError('connection_lost', `${this.peer} closed the client stream`));
      this.stream.socket.end();
      return;
    }
    if (ev.type !== 'element') return;
    const el = ev.element;
    if (isStreamElement(el, 'error')) {
      const err = streamErrorFrom(el, this.peer, 'features_after_tls');
      this.shutdown(new SoftwareQueryError('connection_lost', sanitizeSoftwareText(err.message, 300) ?? 'stream error', err.condition));
      this.stream.socket.destroy();
      return;
    }
    if (el.name !== 'iq') return; // messages and presences: not for us
    const type = el.attrs.type;
    const id = el.attrs.id ?? '';
    if (type === 'result' || type === 'error') {
      this.pending.get(id)?.resolve(el);
      return;
    }
    if (type === 'get' || type === 'set') this.answerIq(el);
  }

  /** RFC 6120 §8.2.3: every get/set is answered. Pings get a result, everything else service-unavailable. */
  private answerIq(el: XmlElement): void {
    const to = el.attrs.from ? ` to='${escapeXml(el.attrs.from)}'` : '';
    const id = escapeXml(el.attrs.id ?? '');
    if (el.attrs.type === 'get' && child(el, 'ping', NS_PING)) {
      this.stream.send(`<iq type='result' id='${id}'${to}/>`);
      return;
    }
    this.stream.send(`<iq type='error' id='${id}'${to}><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
  }
}

/** TLS with verification: the chain against the trust anchors, the name per RFC 6125 for XMPP (DNS-ID, SRV-ID, XmppAddr). */
function verifiedTlsOptions(o: SessionOptions): tls.ConnectionOptions {
  return {
    servername: o.domain,
    ca: o.trustStore.anchors.map((a) => a.cert.toString()),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    checkServerIdentity: (_host, cert) => {
      try {
        const identity = checkIdentity(parseCertificate(cert.raw), o.domain, 'c2s');
        if (identity.matchedBy !== null) return undefined;
      } catch {
        // unparsable: not a match
      }
      return new Error(`the certificate does not name ${o.domain}`);
    },
    ...(o.directTls ? { ALPNProtocols: ['xmpp-client'] } : {}),
  };
}

async function openStream(stream: XmppStream, o: SessionOptions): Promise<XmlElement> {
  const peer = stream.peer;
  stream.send(streamHeader({ mode: 'c2s', to: o.domain, from: `${o.localpart}@${o.domain}` }));
  const open = await stream.next({ what: 'a stream header', deadline: deadlineIn(o.timeouts.readMs) });
  if (open.type !== 'open') throw new SoftwareQueryError('login_failed', `${peer} did not open a stream`);
  const deadline = deadlineIn(o.timeouts.readMs);
  for (;;) {
    const ev = await stream.next({ what: 'stream features', deadline });
    if (ev.type === 'close') throw new SoftwareQueryError('login_failed', `${peer} closed the stream before sending features`);
    if (ev.type !== 'element') continue;
    if (isStreamElement(ev.element, 'error')) throw loginError(streamErrorFrom(ev.element, peer, 'features_after_tls'), peer);
    if (isStreamElement(ev.element, 'features')) return ev.element;
    throw new SoftwareQueryError('login_failed', `${peer} sent <${ev.element.name}> where stream features were expected`);
  }
}

/** SASL: the best SCRAM the server offers (PLAIN only when allowed and no SCRAM is there). Returns the mechanism. */
async function authenticate(stream: XmppStream, o: SessionOptions, features: XmlElement): Promise<string> {
  const peer = stream.peer;
  const offered = parseFeatures(features).saslMechanisms.map((m) => m.toUpperCase());
  const scram = SCRAM_MECHANISMS.find((m) => offered.includes(m));
  const plain = !scram && o.allowPlain && offered.includes('PLAIN');
  if (!scram && !plain) {
    const wanted = [...SCRAM_MECHANISMS, ...(o.allowPlain ? ['PLAIN'] : [])].join(', ');
    const list =
      offered
        .map((m) => sanitizeSoftwareText(m, 40))
        .filter(Boolean)
        .join(', ') || 'none';
    throw new SoftwareQueryError('login_failed', `${peer} offers none of the SASL mechanisms we use (${wanted}); it offers: ${list}`);
  }
  const mechanism = scram ?? 'PLAIN';
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const scramClient = scram ? new ScramClient(scram as ScramMechanism, o.localpart, o.password) : null;
  const initial = scramClient ? scramClient.first() : `\u0000${o.localpart}\u0000${o.password}`;
  stream.send(`<auth xmlns='${NS_SASL}' mechanism='${mechanism}'>${b64(initial)}</auth>`);
  let answered = false;
  let verified = false;
  // Renewed each time we answer: every step of the exchange gets its own readMs.
  let deadline = deadlineIn(o.timeouts.readMs);
  try {
    for (;;) {
      const ev = await stream.next({ what: 'the SASL outcome', deadline });
      if (ev.type === 'close') throw new SoftwareQueryError('login_failed', `${peer} closed the stream during SASL`);
      if (ev.type !== 'element') continue;
      const el = ev.element;
      if (isStreamElement(el, 'error')) throw loginError(streamErrorFrom(el, peer, 'features_after_tls'), peer);
      if (el.ns !== NS_SASL) continue;
      const data = Buffer.from(el.text.trim(), 'base64').toString('utf8');
      if (el.name === 'failure') {
        const { condition, text } = saslFailureOf(el);
        throw new SoftwareQueryError(
          'auth_failed',
          `${peer} refused the login of ${o.localpart}@${o.domain} with ${mechanism}: <${condition}/>${text ? `: ${text}` : ''}`,
          condition,
        );
      }
      if (el.name === 'challenge') {
        if (!scramClient) throw new SoftwareQueryError('login_failed', `${peer} sent a SASL challenge to PLAIN`);
        if (!answered) {
          stream.send(`<response xmlns='${NS_SASL}'>${b64(await scramClient.final(data))}</response>`);
          answered = true;
          deadline = deadlineIn(o.timeouts.readMs);
        } else {
          // The server-final-message as a last challenge rather than in <success/> (RFC 6120 §6.4.6 allows both).
          scramClient.verify(data);
          verified = true;
          stream.send(`<response xmlns='${NS_SASL}'/>`);
          deadline = deadlineIn(o.timeouts.readMs);
        }
        continue;
      }
      if (el.name === 'success') {
        if (scramClient) {
          if (!answered) throw new SoftwareQueryError('login_failed', `${peer} reported SCRAM success before the exchange`);
          if (data !== '') scramClient.verify(data);
          else if (!verified) throw new SoftwareQueryError('login_failed', `${peer} reported SCRAM success without proving it knows the password`);
        }
        return mechanism;
      }
    }
  } catch (err) {
    if (err instanceof ScramError) throw new SoftwareQueryError('login_failed', `SCRAM with ${peer} failed: ${err.message}`);
    throw err;
  }
}

/** The one translation of the stream layer's typed errors into the client's: everything before the login succeeded is `login_failed`. */
function loginError(err: unknown, peer: string): SoftwareQueryError {
  if (err instanceof SoftwareQueryError) return err;
  if (err instanceof ScanError && err.code === 'tls_handshake_failed') {
    const code = err.condition ? ` (${err.condition})` : '';
    return new SoftwareQueryError(
      'login_failed',
      `${err.message}${code}; the account's server must present a certificate trusted by version.caFiles or the system roots`,
      err.condition,
    );
  }
  if (err instanceof ScanError) return new SoftwareQueryError('login_failed', `cannot log in: ${err.message}`, err.condition);
  return new SoftwareQueryError('login_failed', `cannot log in to ${peer}: ${err instanceof Error ? err.message : String(err)}`);
}
