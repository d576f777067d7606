import net from 'node:net';
import tls from 'node:tls';
import { MAX_TIMER_MS, ScanError, abortError } from '../result/errors.js';
import type { Mode, SaslExternalResult, TlsSessionFacts, XmppFacts } from '../result/types.js';
import { NS_SASL, NS_TLS, type StreamFeatures, failureCondition, isStreamElement, parseFeatures, streamErrorFrom } from './features.js';
import { isCertificateRequiredError, socketErrorToScanError } from '../result/socket-errors.js';
import { MAX_SENT_CHAIN_BYTES, sentCertificateChain } from '../tls/index.js';
import { XmppStream, closeStream, deadlineIn, streamHeader } from './stream.js';
import { TappedSocket } from './tap.js';
import { upgradeToTls } from './tls-upgrade.js';

// The connector speaks just enough XMPP to get a socket to the point where TLS bytes flow
// (after <proceed/>, or straight away for direct TLS), and to read the stream features on both
// sides of TLS. It knows nothing of cipher suites: the TLS prober takes `openTlsReadySocket`.

/** Each phase's deadline: a total for the phase, which bytes that trickle in do not extend. */
export interface Timeouts {
  /** TCP connect. */
  connectMs: number;
  /** Each wait for the server: stream header, features, proceed, SASL outcome. */
  readMs: number;
  /** The TLS handshake. */
  handshakeMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5000, readMs: 10000, handshakeMs: 10000 };

export interface XmppTarget {
  /** The XMPP domain: goes into `to=`, SNI and the identity check, whatever we connect to. */
  domain: string;
  mode: Mode;
  /** Host name we connect to (for messages), and the address we really connect to. */
  host: string;
  address: string;
  port: number;
  directTls: boolean;
  /** s2s: our own domain in `from=`. */
  from: string;
  timeouts: Timeouts;
  signal?: AbortSignal;
}

export interface ClientCertificate {
  cert: string | Buffer;
  key: string | Buffer;
}

/** What the server said before TLS (null for direct TLS, where nothing is said before TLS). */
export interface PreTlsStream {
  streamFrom: string | null;
  streamVersion: string | null;
  features: StreamFeatures;
}

export interface EndpointInspection {
  /** null when the server failed before sending any stream features. */
  xmpp: XmppFacts | null;
  /** DER certificates as the server sent them, leaf first (as Node rebuilt them when the handshake could not be read). */
  peerCertificates: Buffer[];
  session: TlsSessionFacts | null;
  /** The first thing that went wrong; facts gathered before it are kept above. */
  error: ScanError | null;
}

export function describePeer(t: Pick<XmppTarget, 'host' | 'address' | 'port'>): string {
  const addr = t.address.includes(':') ? `[${t.address}]` : t.address;
  return t.host === t.address ? `${addr}:${t.port}` : `${t.host} (${addr}) port ${t.port}`;
}

export async function connectTcp(t: XmppTarget): Promise<net.Socket> {
  const peer = describePeer(t);
  if (t.signal?.aborted) throw abortError(t.signal, 'connect');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: t.address, port: t.port });
    const timer = setTimeout(
      () => fail(new ScanError('timeout', `TCP connect to ${peer} timed out after ${t.timeouts.connectMs / 1000} s`, { phase: 'connect', deadline: 'phase' })),
      Math.min(t.timeouts.connectMs, MAX_TIMER_MS),
    );
    const onAbort = () => fail(abortError(t.signal as AbortSignal, 'connect'));
    t.signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    }
    function fail(err: ScanError) {
      cleanup();
      socket.destroy();
      reject(err);
    }
    function onError(err: Error) {
      fail(socketErrorToScanError(err, peer, 'connect'));
    }
    socket.once('error', onError);
    socket.once('connect', () => {
      cleanup();
      socket.setNoDelay(true);
      // Ends the socket if the scan is aborted later on (a deadline, or shutdown): whoever reads
      // from it gets the abort's error.
      if (t.signal) {
        const signal = t.signal;
        const abort = () => socket.destroy(abortError(signal));
        t.signal.addEventListener('abort', abort, { once: true });
        socket.once('close', () => t.signal?.removeEventListener('abort', abort));
      }
      resolve(socket);
    });
  });
}

/** Opens the stream and reads the header and the features. `pipelined` is sent right after the header. */
async function openStream(stream: XmppStream, t: XmppTarget, afterTls: boolean, pipelined = ''): Promise<PreTlsStream> {
  stream.send(streamHeader({ mode: t.mode, to: t.domain, ...(t.mode === 's2s' ? { from: t.from } : {}) }) + pipelined);
  const socket = stream.socket;
  const stopNudging = socket instanceof tls.TLSSocket ? nudgeAfterSessionTickets(socket) : () => {};
  try {
    return await readStreamStart(stream, t, afterTls);
  } finally {
    stopNudging();
  }
}

async function readStreamStart(stream: XmppStream, t: XmppTarget, afterTls: boolean): Promise<PreTlsStream> {
  const peer = stream.peer;
  const headerPhase = afterTls ? 'stream_header_after_tls' : 'stream_header';
  const featuresPhase = afterTls ? 'features_after_tls' : 'features';
  const open = await stream.next({ phase: headerPhase, what: 'stream header', deadline: deadlineIn(t.timeouts.readMs) });
  if (open.type !== 'open') throw new ScanError('protocol_violation', `${peer} did not open a stream`, { phase: headerPhase });
  const first = await stream.next({ phase: featuresPhase, what: '<stream:features/>', deadline: deadlineIn(t.timeouts.readMs) });
  if (first.type === 'close') throw new ScanError('connection_closed', `${peer} closed the stream before sending features`, { phase: featuresPhase });
  if (first.type === 'element' && isStreamElement(first.element, 'error')) throw streamErrorFrom(first.element, peer, featuresPhase);
  if (first.type !== 'element' || !isStreamElement(first.element, 'features')) {
    const got = first.type === 'element' ? `<${first.element.name}>` : first.type;
    throw new ScanError('protocol_violation', `${peer} sent ${got} where <stream:features/> was expected`, { phase: featuresPhase });
  }
  return { streamFrom: open.attrs.from ?? null, streamVersion: open.attrs.version ?? null, features: parseFeatures(first.element) };
}

/**
 * TLS 1.3 servers send session tickets right after our Finished, each as its own small write. A
 * server with Nagle's algorithm on (Prosody) sends one and holds the next ticket and the stream
 * features until we acknowledge it, and our kernel delays that ACK by ~40 ms, per ticket.
 * Answering each ticket with a whitespace keep-alive (legal between stanzas, RFC 6120 4.6.1)
 * carries the ACK at once. The write is deferred: a write from inside the 'session' callback is
 * not flushed until the next read. Returns the function that stops it (once features arrived).
 */
function nudgeAfterSessionTickets(socket: tls.TLSSocket): () => void {
  const onTicket = () => {
    setImmediate(() => {
      if (socket.writable) socket.write(' ');
    });
  };
  socket.on('session', onTicket);
  return () => socket.off('session', onTicket);
}

/**
 * TCP connect, then (unless direct TLS) stream header, features, <starttls/> and <proceed/>. The
 * returned socket is ready for a ClientHello. This is the socket factory the TLS prober uses.
 */
export async function openTlsReadySocket(
  t: XmppTarget,
  opts: { pipelineStarttls?: boolean } = {},
): Promise<{ socket: net.Socket; preTls: PreTlsStream | null }> {
  const socket = await connectTcp(t);
  if (t.directTls) return { socket, preTls: null };
  const stream = new XmppStream(socket, describePeer(t));
  try {
    // Pipelining <starttls/> with the stream header saves one round trip per connection; only
    // for servers known to offer STARTTLS (the caller learnt it from a first, normal connection).
    const preTls = await openStream(stream, t, false, opts.pipelineStarttls ? STARTTLS : '');
    await negotiateStarttls(stream, t, preTls, opts.pipelineStarttls === true);
    stream.detach();
    return { socket, preTls };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

const STARTTLS = `<starttls xmlns='${NS_TLS}'/>`;

/** How long the server gets to close its stream in kind after ours, before we drop the connection. */
const CLOSE_GRACE_MS = 200;

async function negotiateStarttls(stream: XmppStream, t: XmppTarget, preTls: PreTlsStream, alreadySent = false): Promise<void> {
  const peer = stream.peer;
  if (preTls.features.starttls === 'none') {
    throw new ScanError('starttls_not_offered', `${peer} does not offer STARTTLS: the stream would be unencrypted`, { phase: 'features' });
  }
  if (!alreadySent) stream.send(STARTTLS);
  const answer = await stream.next({ phase: 'proceed', what: '<proceed/>', deadline: deadlineIn(t.timeouts.readMs) });
  if (answer.type === 'element' && answer.element.ns === NS_TLS && answer.element.name === 'proceed') return;
  if (answer.type === 'element' && answer.element.ns === NS_TLS && answer.element.name === 'failure') {
    throw new ScanError('starttls_failure', `${peer} answered <starttls/> with <failure/>`, { phase: 'proceed' });
  }
  if (answer.type === 'element' && isStreamElement(answer.element, 'error')) throw streamErrorFrom(answer.element, peer, 'proceed');
  const got = answer.type === 'element' ? `<${answer.element.name}>` : answer.type;
  throw new ScanError('protocol_violation', `${peer} answered <starttls/> with ${got}`, { phase: 'proceed' });
}

export interface HandshakeOptions {
  clientCertificate?: ClientCertificate;
}

/** The permissive handshake's context, one per client certificate (or none): an OpenSSL context per handshake was measurable in a fleet sweep. */
const contexts = new WeakMap<object, tls.SecureContext>();
const NO_CLIENT_CERTIFICATE = {};

function permissiveContext(clientCertificate: ClientCertificate | undefined): tls.SecureContext {
  const key = clientCertificate ?? NO_CLIENT_CERTIFICATE;
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({
      ca: [],
      minVersion: 'TLSv1',
      ciphers: 'ALL:@SECLEVEL=0',
      ...(clientCertificate ? { cert: clientCertificate.cert, key: clientCertificate.key } : {}),
    });
    contexts.set(key, context);
  }
  return context;
}

/**
 * A permissive handshake with Node's TLS: we want to see whatever certificate the server has, so
 * nothing is rejected here (the certificate stage judges it) and legacy protocols are allowed.
 * `ca: []` keeps Node from appending roots from its store to the chain it reports. The socket
 * goes through a TappedSocket so that the chain exactly as sent can be read from the handshake
 * bytes (`sentChain`, null when it could not; src/tls/sent-chain.ts says why Node's is not it).
 */
async function handshake(socket: net.Socket, t: XmppTarget, opts: HandshakeOptions): Promise<{ tlsSocket: tls.TLSSocket; sentChain: Buffer[] | null }> {
  const tap = new TappedSocket(socket, MAX_SENT_CHAIN_BYTES);
  const keylog: string[] = [];
  const onKeylog = (line: Buffer) => keylog.push(line.toString('latin1'));
  const options: tls.ConnectionOptions = {
    servername: t.domain,
    rejectUnauthorized: false,
    secureContext: permissiveContext(opts.clientCertificate),
    ...(t.directTls ? { ALPNProtocols: [t.mode === 'c2s' ? 'xmpp-client' : 'xmpp-server'] } : {}),
  };
  let started: tls.TLSSocket | undefined;
  const ctx = { peer: describePeer(t), timeoutMs: t.timeouts.handshakeMs, ...(t.signal ? { signal: t.signal } : {}) };
  try {
    const tlsSocket = await upgradeToTls(tap, options, {
      ...ctx,
      onStart: (s) => {
        started = s;
        s.on('keylog', onKeylog);
      },
    });
    const bytes = tap.serverBytes();
    tap.stopKeeping();
    return { tlsSocket, sentChain: bytes === null ? null : sentCertificateChain(bytes, keylog) };
  } finally {
    started?.off('keylog', onKeylog);
  }
}

/**
 * The chain read from the handshake when it starts with the leaf Node saw; else the chain Node
 * rebuilt (leaf first, each next certificate an issuer of the previous one).
 */
function chainAsSent(sent: Buffer[] | null, tlsSocket: tls.TLSSocket): Buffer[] {
  const rebuilt = peerChain(tlsSocket);
  return sent !== null && sent.length > 0 && rebuilt.length > 0 && sent[0]!.equals(rebuilt[0]!) ? sent : rebuilt;
}

function peerChain(tlsSocket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert = tlsSocket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function emptyFacts(): XmppFacts {
  return {
    streamFrom: null,
    streamVersion: null,
    starttls: 'none',
    saslMechanisms: [],
    saslMechanismsAfterTls: [],
    dialback: false,
    compression: [],
    featuresBeforeTls: [],
    featuresAfterTls: [],
    clientCertificateRequired: null,
    saslExternal: null,
  };
}

/**
 * One full look at an endpoint: features before TLS, STARTTLS, a handshake that captures the
 * certificate chain, features after TLS and (s2s with a client certificate) SASL EXTERNAL.
 * Never throws for expected failures: the error comes back with every fact gathered before it.
 */
export async function inspectEndpoint(t: XmppTarget, opts: HandshakeOptions = {}): Promise<EndpointInspection> {
  const facts = emptyFacts();
  const result: EndpointInspection = { xmpp: null, peerCertificates: [], session: null, error: null };
  let rawSocket: net.Socket | null = null;
  let tlsSocket: tls.TLSSocket | null = null;
  try {
    rawSocket = await connectTcp(t);
    if (!t.directTls) {
      const before = new XmppStream(rawSocket, describePeer(t));
      const pre = await openStream(before, t, false);
      result.xmpp = facts;
      facts.streamFrom = pre.streamFrom;
      facts.streamVersion = pre.streamVersion;
      facts.starttls = pre.features.starttls;
      facts.saslMechanisms = pre.features.saslMechanisms;
      facts.dialback = pre.features.dialback;
      facts.compression = pre.features.compression;
      facts.featuresBeforeTls = pre.features.namespaces;
      await negotiateStarttls(before, t, pre);
      before.detach();
    }
    const done = await handshake(rawSocket, t, opts);
    tlsSocket = done.tlsSocket;
    result.peerCertificates = chainAsSent(done.sentChain, tlsSocket);
    result.session = { protocol: tlsSocket.getProtocol() ?? null, cipher: tlsSocket.getCipher()?.standardName ?? null };

    const stream = new XmppStream(tlsSocket, describePeer(t));
    const post = await openStream(stream, t, true);
    result.xmpp = facts;
    if (t.directTls) {
      facts.streamFrom = post.streamFrom;
      facts.streamVersion = post.streamVersion;
      facts.compression = post.features.compression;
    }
    facts.saslMechanismsAfterTls = post.features.saslMechanisms;
    facts.dialback = facts.dialback || post.features.dialback;
    facts.featuresAfterTls = post.features.namespaces;
    // The stream after TLS opened without a certificate from us: none was required.
    if (!opts.clientCertificate) facts.clientCertificateRequired = false;
    if (t.mode === 's2s' && opts.clientCertificate) {
      facts.saslExternal = await trySaslExternal(stream, t, post.features.saslMechanisms.includes('EXTERNAL'));
    }
  } catch (err) {
    if (isCertificateRequiredError(err)) {
      facts.clientCertificateRequired = true;
      result.xmpp = facts;
    }
    result.error = err instanceof ScanError ? err : new ScanError('internal_error', `unexpected error: ${(err as Error).message}`, { cause: err });
  } finally {
    await closeStream(tlsSocket ?? rawSocket, CLOSE_GRACE_MS);
  }
  return result;
}

async function trySaslExternal(stream: XmppStream, t: XmppTarget, offered: boolean): Promise<SaslExternalResult> {
  if (!offered) return { offered: false, attempted: false, succeeded: null, failure: null };
  // XEP-0178: the initiating server sends no authorization identity ("=").
  stream.send(`<auth xmlns='${NS_SASL}' mechanism='EXTERNAL'>=</auth>`);
  const answer = await stream.next({ phase: 'sasl_external', what: 'SASL EXTERNAL outcome', deadline: deadlineIn(t.timeouts.readMs) });
  if (answer.type === 'element' && answer.element.ns === NS_SASL && answer.element.name === 'success') {
    return { offered: true, attempted: true, succeeded: true, failure: null };
  }
  if (answer.type === 'element' && answer.element.ns === NS_SASL && answer.element.name === 'failure') {
    return { offered: true, attempted: true, succeeded: false, failure: failureCondition(answer.element) };
  }
  if (answer.type === 'element' && isStreamElement(answer.element, 'error')) throw streamErrorFrom(answer.element, describePeer(t), 'sasl_external');
  return { offered: true, attempted: true, succeeded: false, failure: 'unexpected-answer' };
}
