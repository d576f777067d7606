import type { Socket } from 'node:net';
import { ScanError, abortError, toErrorInfo } from '../../result/errors.js';
import type {
  CipherOrder,
  CipherSuiteFinding,
  DhFinding,
  GroupFinding,
  ProtocolName,
  ScanErrorInfo,
  TlsResult,
} from '../../result/types.js';
import {
  type CipherSuite,
  SSLV2_CIPHER_SPECS,
  cipherSuiteByCode,
  groupByCode,
  identifyDhPrime,
  sslv2CipherSpecByCode,
  suitesForProtocol,
} from '../registry/index.js';
import { type ProbeAnswer, exchange } from './exchange.js';
import { cipherSuiteFinding } from './findings.js';
import { TLS12_GROUPS, TLS13_GROUPS, WIRE_VERSION, buildHello, buildSslv2Hello } from './hellos.js';
import { ConnectionLimiter } from './limiter.js';

// The raw TLS prober. It knows nothing of XMPP: `openSocket` yields a socket ready for TLS bytes
// (after <proceed/>, or a plain TCP socket for direct TLS). Each probe is one fresh connection and
// one ClientHello. Speed comes from running independent probes concurrently under the per-host
// connection cap: enumeration runs over disjoint chunks of the suite list in parallel, and all
// protocols are probed at once.

export type OpenTlsSocket = () => Promise<Socket>;

export interface ProberOptions {
  openSocket: OpenTlsSocket;
  /** SNI; null for none (IP literals). */
  serverName: string | null;
  /** Connections to this endpoint at once (default 4; 1 allowed). */
  maxConnections?: number;
  /** Minimum time between two connection starts, ms (default 0). */
  delayMs?: number;
  /** Time for the server to answer one hello, ms (default 10 s). */
  probeTimeoutMs?: number;
  /** Retries of a probe that timed out or could not connect, with backoff (default 2). */
  retries?: number;
  /** Protocols to test (default all six). */
  protocols?: ProtocolName[];
  /**
   * The endpoint already failed a full handshake: let each protocol's first hello decide. When
   * none of them gets a ServerHello, stop there (no further chunks, no splitting of hellos the
   * server closed on), instead of probing a server that never completes a handshake for a minute.
   */
  failFast?: boolean;
  /** Stops the prober (a deadline): it returns what it found so far, marked `partial`. */
  signal?: AbortSignal;
  /** Called after each probe (debug logging). */
  onProbe?: (event: { protocol: ProtocolName; offered: number; answer: ProbeAnswer['kind']; alert?: string; ms: number }) => void;
}

const ALL_PROTOCOLS: ProtocolName[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2'];
type TlsProtocol = Exclude<ProtocolName, 'SSLv2'>;
/** Some servers choke on hellos with more suites (and big hellos are rare in the wild). */
const MAX_SUITES_PER_HELLO = 128;
/** Split an enumeration chunk only when each half keeps at least this many suites. */
const MIN_SPLIT_SUITES = 8;
const MIN_SPLIT_GROUPS = 4;
const PROTOCOL_BY_WIRE = new Map(Object.entries(WIRE_VERSION).map(([name, v]) => [v, name as TlsProtocol]));

/** A probe's answer once retries are spent: a hello or a definite refusal. */
type Settled = Exclude<ProbeAnswer, { kind: 'timeout' }>;

interface AcceptedSuite {
  code: number;
  answer: Extract<ProbeAnswer, { kind: 'hello' }>;
}

export async function probeTls(opts: ProberOptions): Promise<TlsResult> {
  return new Prober(opts).run();
}

class Prober {
  private readonly limiter: ConnectionLimiter;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private probeCount = 0;
  private readonly notes: string[] = [];
  /** The most suites a hello offered that the server answered with a hello, any protocol: bigger hellos are known to work. */
  private largestAnsweredOffer = 0;
  /** One per protocol being enumerated: settles with that protocol's first answer. */
  private readonly firstAnswers: Promise<void>[] = [];
  /** Per protocol: suites that were offered in an enumeration hello and not chosen (see cipherOrder). */
  private readonly passedOver = new Map<ProtocolName, Set<number>>();
  /** Every ≤ 1.2 hello answer, for facts that any of them shows (renegotiation, DH, chain). */
  private readonly legacyAnswers: Extract<ProbeAnswer, { kind: 'hello' }>[] = [];
  /** A probe was cut short or not started because the signal aborted: the findings are partial. */
  private cut = false;

  constructor(private readonly opts: ProberOptions) {
    this.limiter = new ConnectionLimiter(opts.maxConnections ?? 4, opts.delayMs ?? 0);
    this.timeoutMs = opts.probeTimeoutMs ?? 10_000;
    this.retries = opts.retries ?? 2;
  }

  async run(): Promise<TlsResult> {
    const started = performance.now();
    const wanted = this.opts.protocols ?? ALL_PROTOCOLS;
    const protocols = Object.fromEntries(ALL_PROTOCOLS.map((p) => [p, false])) as Record<ProtocolName, boolean>;
    const protocolErrors: Partial<Record<ProtocolName, ScanErrorInfo>> = {};
    const accepted = new Map<ProtocolName, AcceptedSuite[]>();
    const sslv2Specs: number[] = [];

    // Each protocol's follow-up probes (server order, groups) start as soon as its own suites are
    // known, so that no connection waits for the slowest protocol's enumeration.
    const orders = new Map<ProtocolName, Promise<CipherOrder>>();
    const groupJobs: Promise<GroupFinding[]>[] = [];
    let legacyGroupsFrom: TlsProtocol | null = null;
    await Promise.all(
      wanted.map(async (protocol) => {
        try {
          if (protocol === 'SSLv2') {
            const specs = await this.probeSslv2();
            protocols.SSLv2 = specs.length > 0;
            sslv2Specs.push(...specs);
            return;
          }
          const suites = await this.enumerateSuites(protocol);
          protocols[protocol] = suites.length > 0;
          accepted.set(protocol, suites);
          if (suites.length === 0) return;
          orders.set(protocol, this.cipherOrder(protocol, suites));
          if (protocol === 'TLSv1.3') groupJobs.push(this.tls13Groups(suites));
          else if (protocol === 'TLSv1.2' && hasEcdhe(suites)) {
            legacyGroupsFrom = protocol;
            groupJobs.push(this.ecdheGroups(protocol, suites));
          }
        } catch (err) {
          protocolErrors[protocol] = toErrorInfo(err);
        }
      }),
    );

    const supported = ALL_PROTOCOLS.filter((p) => protocols[p] && p !== 'SSLv2') as TlsProtocol[];
    // No ECDHE with TLS 1.2: read the groups from the best older protocol that has ECDHE suites.
    const olderEcdhe = supported.find((p) => p !== 'TLSv1.3' && p !== 'SSLv3' && hasEcdhe(accepted.get(p) ?? []));
    if (legacyGroupsFrom === null && olderEcdhe) groupJobs.push(this.ecdheGroups(olderEcdhe, accepted.get(olderEcdhe) ?? []));
    const [serverPreference, groups, compression, fallbackScsv] = await Promise.all([
      Promise.all(supported.map((p) => orders.get(p) as Promise<CipherOrder>)),
      // In one stable order (the jobs finish in any order): TLS 1.3 first, then by code point.
      Promise.all(groupJobs).then((lists) => lists.flat().sort((a, b) => b.protocol.localeCompare(a.protocol) || a.code.localeCompare(b.code))),
      this.testCompression(supported, accepted),
      this.testFallbackScsv(supported, accepted),
    ]);

    const cipherSuites: CipherSuiteFinding[] = [];
    for (const p of supported) {
      for (const a of accepted.get(p) ?? []) cipherSuites.push(suiteFinding(p, a));
    }
    for (const code of sslv2Specs) cipherSuites.push(sslv2Finding(code));

    const legacy = this.legacyAnswers;
    const complete = legacy.filter((a) => a.flight.complete);
    const chain = legacy.find((a) => a.flight.certificates && a.flight.certificates.length > 0)?.flight.certificates ?? [];
    return {
      protocols,
      protocolErrors,
      cipherSuites,
      serverPreference,
      groups,
      dh: dhFindings(legacy),
      compression,
      secureRenegotiation: legacy.length ? legacy.some((a) => a.serverHello.secureRenegotiation) : null,
      fallbackScsv,
      clientCertificateRequested: complete.length ? complete.some((a) => a.flight.certificateRequest !== null) : null,
      certificateChain: chain.map((der) => der.toString('base64')),
      notes: [...new Set(this.notes)],
      partial: this.cut,
      probeCount: this.probeCount,
      durationSeconds: Math.round(performance.now() - started) / 1000,
    };
  }

  /** One hello on one fresh connection, retried with backoff when the server stalls or the connection fails. */
  private async probe(protocol: ProtocolName, offered: number, hello: Buffer): Promise<Settled> {
    let lastError: unknown = null;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      this.stopIfAborted();
      if (attempt > 0) await sleep(500 * 3 ** (attempt - 1), this.opts.signal);
      const t0 = performance.now();
      try {
        const answer = await this.limiter.run(async () => {
          this.stopIfAborted();
          this.probeCount++;
          const socket = await this.opts.openSocket();
          return exchange(socket, hello, { timeoutMs: this.timeoutMs, keyExchangeOf });
        });
        // An abort destroys the socket: the "close" that follows is ours, not the server's answer.
        this.stopIfAborted();
        this.opts.onProbe?.({
          protocol,
          offered,
          answer: answer.kind,
          ...(answer.kind === 'alert' ? { alert: answer.alert.name } : {}),
          ms: Math.round(performance.now() - t0),
        });
        if (answer.kind !== 'timeout') {
          if (answer.kind === 'hello' || answer.kind === 'sslv2') this.largestAnsweredOffer = Math.max(this.largestAnsweredOffer, offered);
          if (answer.kind === 'hello' && answer.serverHello.selectedVersion <= 0x0303 && !answer.serverHello.isHelloRetryRequest) {
            this.legacyAnswers.push(answer);
          }
          if (attempt > 0) this.notes.push(`${protocol}: the server needed ${attempt} retr${attempt > 1 ? 'ies' : 'y'} (slow or rate-limiting)`);
          return answer;
        }
        lastError = new ScanError('timeout', `no answer to a ${protocol} ClientHello within ${this.timeoutMs / 1000} s`, { phase: 'tls_handshake', deadline: 'phase' });
      } catch (err) {
        this.stopIfAborted();
        lastError = err;
      }
    }
    throw toScanError(lastError);
  }

  /** Throws the abort's error (a deadline) once the signal fired, and remembers that findings are partial. */
  private stopIfAborted(): void {
    const signal = this.opts.signal;
    if (!signal?.aborted) return;
    this.cut = true;
    throw abortError(signal, 'tls_handshake');
  }

  /** failFast: after every protocol's first answer, did none of them get a ServerHello? */
  private async noServerHelloAnywhere(): Promise<boolean> {
    if (!this.opts.failFast) return false;
    await Promise.all(this.firstAnswers);
    return this.largestAnsweredOffer === 0;
  }

  private async probeSslv2(): Promise<number[]> {
    const offered = SSLV2_CIPHER_SPECS.map((s) => s.code);
    const answer = await this.probe('SSLv2', offered.length, buildSslv2Hello(offered));
    if (answer.kind !== 'sslv2') return [];
    // A server may list specs we did not offer; only shared ones count.
    return answer.serverHello.cipherSpecs.filter((c) => offered.includes(c));
  }

  /**
   * Every suite the server accepts with `protocol`: offer a chunk, record the chosen suite, remove
   * it, repeat until the server refuses. Each chunk ends with one refusal, so chunks cost probes:
   * we start with as few as the 128-suite hello limit allows, and split a chunk in two only when
   * connections would otherwise sit idle (which is what matters at real round-trip times).
   */
  private async enumerateSuites(protocol: TlsProtocol): Promise<AcceptedSuite[]> {
    const candidates = suitesForProtocol(protocol).map((s) => s.code);
    const found: AcceptedSuite[] = [];
    const passedOver = new Set<number>();
    this.passedOver.set(protocol, passedOver);
    let rejected = false;
    let failure: unknown = null;
    let closedOnBigHello = false;
    const chunkLoop = async (chunk: number[], afterFirstAnswer?: () => void): Promise<void> => {
      let remaining = chunk;
      let acceptedHere = 0;
      let retriedClose = false;
      let firstAnswer = afterFirstAnswer;
      const answered = () => {
        firstAnswer?.();
        firstAnswer = undefined;
      };
      try {
        // Stop as soon as a sibling learnt that the protocol is refused or a probe broke for good.
        while (remaining.length > 0 && !rejected && failure === null) {
          let answer: Settled;
          try {
            answer = await this.probe(protocol, remaining.length, buildHello(protocol, remaining, this.opts.serverName));
          } catch (err) {
            failure ??= err;
            return;
          }
          // A silent close after the server already answered this protocol smells of rate limiting: once more.
          if (answer.kind === 'closed' && !retriedClose && (found.length > 0 || acceptedHere > 0)) {
            retriedClose = true;
            await sleep(250, this.opts.signal);
            continue;
          }
          const verdict = this.judge(protocol, answer, remaining);
          if (verdict === 'protocol_rejected') {
            rejected = true;
            return;
          }
          answered();
          if (verdict === 'refused') {
            // A silent close on a big first hello may be intolerance to its size: try halves. Not
            // when a hello at least as big was answered (e.g. this chunk's parent before a split):
            // then the close is just how this server refuses.
            if (
              acceptedHere === 0 &&
              answer.kind === 'closed' &&
              remaining.length > 32 &&
              !(await this.noServerHelloAnywhere()) &&
              !(await this.helloSizeWorks(remaining.length))
            ) {
              closedOnBigHello = true;
              await Promise.all(halves(remaining).map((half) => chunkLoop(half)));
            }
            return;
          }
          found.push({ code: verdict.code, answer: verdict.answer });
          for (const c of remaining) if (c !== verdict.code) passedOver.add(c);
          acceptedHere++;
          remaining = remaining.filter((c) => c !== verdict.code);
          // One connection for us, one for the other half: split only if both can start now.
          if (remaining.length >= 2 * MIN_SPLIT_SUITES && this.limiter.spareConnections() >= 2) {
            await Promise.all(halves(remaining).map((half) => chunkLoop(half)));
            return;
          }
        }
      } finally {
        answered();
      }
    };
    // The first chunk's first hello tells whether the protocol is there at all; the other chunks
    // wait for it, so a refused protocol costs one probe, not one per chunk.
    const [first = [], ...others] = chunksOf(candidates, Math.ceil(candidates.length / MAX_SUITES_PER_HELLO));
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    this.firstAnswers.push(gate);
    const loops = [
      chunkLoop(first, openGate),
      ...others.map(async (chunk) => {
        await gate;
        if (!rejected && failure === null && !(await this.noServerHelloAnywhere())) await chunkLoop(chunk);
      }),
    ];
    // Every loop settles before we return: no probe connection outlives probeTls().
    await Promise.allSettled(loops);
    if (rejected) {
      if (found.length > 0) this.notes.push(`${protocol}: the server accepted some hellos and refused the protocol in others`);
      return [];
    }
    if (closedOnBigHello && found.length > 0) this.notes.push(`${protocol}: the server closed the connection on large hellos; smaller ones worked`);
    if (failure !== null) {
      // Nothing learnt: the protocol is undecided. Something learnt: keep it, say it may be partial.
      if (found.length === 0) throw failure;
      this.notes.push(`${protocol}: some probes failed (${(failure as Error).message}); the suite list may be incomplete`);
    }
    return dedupe(found);
  }

  /**
   * Did the server answer a hello offering at least `suites` suites, in any protocol? All
   * protocols start at once, so wait for each one's first answer before saying no: a server that
   * just closes on a protocol it does not speak is then not taken for one that chokes on big hellos.
   */
  private async helloSizeWorks(suites: number): Promise<boolean> {
    if (this.largestAnsweredOffer >= suites) return true;
    await Promise.all(this.firstAnswers);
    return this.largestAnsweredOffer >= suites;
  }

  /** Reads one enumeration answer: a suite accepted with exactly this protocol, a refusal, or no such protocol. */
  private judge(protocol: TlsProtocol, answer: Settled, offered: number[]): 'refused' | 'protocol_rejected' | AcceptedSuite {
    if (answer.kind === 'alert') return answer.alert.name === 'protocol_version' ? 'protocol_rejected' : 'refused';
    if (answer.kind !== 'hello') return 'refused';
    const sh = answer.serverHello;
    const got = PROTOCOL_BY_WIRE.get(sh.selectedVersion);
    if (sh.selectedVersion !== WIRE_VERSION[protocol]) {
      if (got && WIRE_VERSION[got] < WIRE_VERSION[protocol]) this.notes.push(`${protocol} hello answered with ${got}`);
      else this.notes.push(`${protocol} hello answered with version 0x${sh.selectedVersion.toString(16)}`);
      return 'protocol_rejected';
    }
    if (!offered.includes(sh.cipherSuite)) {
      this.notes.push(`${protocol}: the server chose suite 0x${sh.cipherSuite.toString(16).padStart(4, '0')}, which we did not offer`);
      return 'refused';
    }
    return { code: sh.cipherSuite, answer };
  }

  /**
   * Server preference: offer the accepted suites in reverse order. If the server takes our first
   * one although enumeration saw it pass that suite over, it follows the client's order; otherwise
   * offer them in order too: the same choice both ways means the server's order, then read it out.
   */
  private async cipherOrder(protocol: TlsProtocol, suites: AcceptedSuite[]): Promise<CipherOrder> {
    const codes = suites.map((a) => a.code);
    if (codes.length < 2) return { protocol, serverEnforced: null, order: codes.map(hex4) };
    const pick = async (offer: number[]) => {
      const answer = await this.probe(protocol, offer.length, buildHello(protocol, offer.slice(0, MAX_SUITES_PER_HELLO), this.opts.serverName)).catch(() => null);
      return answer?.kind === 'hello' ? answer.serverHello.cipherSuite : null;
    };
    const reversed = [...codes].reverse();
    const backward = await pick(reversed);
    if (backward === null) return { protocol, serverEnforced: null, order: [] };
    // A server with its own order never passes over its favourite: this one is not it.
    if (backward === reversed[0] && this.passedOver.get(protocol)?.has(backward)) return { protocol, serverEnforced: false, order: [] };
    const forward = await pick(codes);
    if (forward === null) return { protocol, serverEnforced: null, order: [] };
    if (forward !== backward) return { protocol, serverEnforced: false, order: [] };
    const order = [forward];
    let remaining = codes.filter((c) => c !== forward);
    while (remaining.length > 1) {
      const next = await pick(remaining);
      if (next === null || !remaining.includes(next)) break;
      order.push(next);
      remaining = remaining.filter((c) => c !== next);
    }
    if (remaining.length === 1) order.push(remaining[0] as number);
    return { protocol, serverEnforced: true, order: order.map(hex4) };
  }

  /** ECDHE groups for TLS ≤ 1.2, read from the ServerKeyExchange of hellos offering only ECDHE suites. */
  private async ecdheGroups(protocol: TlsProtocol, suites: AcceptedSuite[]): Promise<GroupFinding[]> {
    const ecdhe = suites.map((a) => a.code).filter(isEcdhe);
    const codes = await this.removeChosen(TLS12_GROUPS, async (groups) => {
      const answer = await this.probe(protocol, ecdhe.length, buildHello(protocol, ecdhe, this.opts.serverName, { groups }));
      const kx = answer.kind === 'hello' ? answer.flight.serverKeyExchange : null;
      return kx?.kind === 'ecdhe' ? kx.namedGroup : null;
    });
    return codes.map((c) => groupFinding(c, 'TLSv1.2'));
  }

  /** TLS 1.3 groups, from HelloRetryRequests to hellos with no key share. */
  private async tls13Groups(suites: AcceptedSuite[]): Promise<GroupFinding[]> {
    const codes13 = suites.map((a) => a.code);
    const codes = await this.removeChosen(TLS13_GROUPS, async (groups) => {
      const answer = await this.probe('TLSv1.3', codes13.length, buildHello('TLSv1.3', codes13, this.opts.serverName, { groups, keyShares: [] }));
      return answer.kind === 'hello' ? answer.serverHello.keyShareGroup : null;
    });
    return codes.map((c) => groupFinding(c, 'TLSv1.3'));
  }

  /**
   * Remove-chosen over a candidate list; `pick` returns the chosen item or null. Like suite
   * enumeration, one list first, split in two only when connections would otherwise sit idle.
   */
  private async removeChosen(candidates: number[], pick: (offer: number[]) => Promise<number | null>): Promise<number[]> {
    const chosen: number[] = [];
    const loop = async (list: number[]): Promise<void> => {
      let remaining = list;
      while (remaining.length > 0) {
        const c = await pick(remaining).catch(() => null);
        if (c === null || !remaining.includes(c)) return;
        chosen.push(c);
        remaining = remaining.filter((x) => x !== c);
        if (remaining.length >= 2 * MIN_SPLIT_GROUPS && this.limiter.spareConnections() >= 2) {
          await Promise.all(halves(remaining).map(loop));
          return;
        }
      }
    };
    await loop(candidates);
    return [...new Set(chosen)];
  }

  /** CRIME: does the server accept DEFLATE when offered? */
  private async testCompression(supported: TlsProtocol[], accepted: Map<ProtocolName, AcceptedSuite[]>): Promise<boolean | null> {
    const protocol = supported.find((p) => p !== 'TLSv1.3');
    if (!protocol) return null;
    const suites = (accepted.get(protocol) ?? []).map((a) => a.code).slice(0, MAX_SUITES_PER_HELLO);
    const answer = await this.probe(protocol, suites.length, buildHello(protocol, suites, this.opts.serverName, { compression: true })).catch(() => null);
    return answer?.kind === 'hello' ? answer.serverHello.compressionMethod === 1 : null;
  }

  /** RFC 7507: a hello for a lower version with TLS_FALLBACK_SCSV must get inappropriate_fallback. */
  private async testFallbackScsv(supported: TlsProtocol[], accepted: Map<ProtocolName, AcceptedSuite[]>): Promise<boolean | null> {
    const lower = supported.filter((p) => p !== 'TLSv1.3');
    // Needs a version below the best one; the best may be TLS 1.3.
    const target = supported[0] === 'TLSv1.3' ? lower[0] : lower[1];
    if (!target) return null;
    const suites = (accepted.get(target) ?? []).map((a) => a.code).slice(0, MAX_SUITES_PER_HELLO);
    const answer = await this.probe(target, suites.length, buildHello(target, suites, this.opts.serverName, { fallbackScsv: true })).catch(() => null);
    if (!answer) return null;
    if (answer.kind === 'alert') return answer.alert.name === 'inappropriate_fallback';
    if (answer.kind !== 'hello') return null;
    if (answer.serverHello.downgradeSentinel) {
      this.notes.push(`${target}: the server marks the downgrade in its random (RFC 8446) but does not refuse TLS_FALLBACK_SCSV`);
    }
    return false;
  }
}

/** openSocket may throw plain Node socket errors (a non-XMPP caller): give them our codes. */
function toScanError(err: unknown): ScanError {
  if (err instanceof ScanError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED') return new ScanError('connection_refused', `connection refused: ${message}`, { phase: 'connect', cause: err });
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ScanError('connection_reset', `connection reset: ${message}`, { cause: err });
  if (code === 'ETIMEDOUT') return new ScanError('timeout', `connect timed out: ${message}`, { phase: 'connect', cause: err });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new ScanError('host_unreachable', message, { phase: 'connect', cause: err });
  return new ScanError('internal_error', `unexpected error while probing: ${message}`, { cause: err });
}

function isEcdhe(code: number): boolean {
  return cipherSuiteByCode(code)?.keyExchange.startsWith('ECDHE') ?? false;
}

function hasEcdhe(suites: AcceptedSuite[]): boolean {
  return suites.some((a) => isEcdhe(a.code));
}

function keyExchangeOf(code: number): 'dhe' | 'ecdhe' | null {
  const kx = cipherSuiteByCode(code)?.keyExchange;
  if (kx === 'DHE' || kx === 'DHE_PSK') return 'dhe';
  if (kx === 'ECDHE' || kx === 'ECDHE_PSK') return 'ecdhe';
  return null;
}

function suiteFinding(protocol: ProtocolName, a: AcceptedSuite): CipherSuiteFinding {
  const kx = a.answer.flight.serverKeyExchange;
  const tls13Group = protocol === 'TLSv1.3' ? a.answer.serverHello.keyShareGroup : null;
  const groupCode = kx?.kind === 'ecdhe' ? kx.namedGroup : tls13Group;
  return cipherSuiteFinding(protocol, cipherSuiteByCode(a.code) as CipherSuite, {
    kxGroup: groupCode !== null && groupCode !== undefined ? (groupByCode(groupCode)?.name ?? hex4(groupCode)) : null,
    dhBits: kx?.kind === 'dhe' ? kx.primeBits : null,
  });
}

function sslv2Finding(code: number): CipherSuiteFinding {
  const s = sslv2CipherSpecByCode(code);
  const name = s ? `SSL_CK_${s.name}` : `0x${code.toString(16).toUpperCase().padStart(6, '0')}`;
  return {
    protocol: 'SSLv2',
    code: s?.hex ?? name,
    name,
    openssl: s?.openssl ?? null,
    bits: s?.bits ?? 0,
    effectiveBits: s?.effectiveBits ?? 0,
    keyExchange: 'RSA',
    authentication: 'RSA',
    encryption: s?.encryption ?? 'unknown',
    mac: 'MD5',
    aead: false,
    forwardSecrecy: false,
    export: s?.export ?? false,
    anonymous: false,
    null: false,
    rc4: s?.encryption === 'RC4',
    blockSize64: s ? s.encryption !== 'RC4' : false,
    kxGroup: null,
    dhBits: null,
  };
}

function groupFinding(code: number, protocol: 'TLSv1.2' | 'TLSv1.3'): GroupFinding {
  const g = groupByCode(code);
  return { code: hex4(code), name: g?.name ?? hex4(code), protocol, kind: g?.kind ?? 'unknown', bits: g?.bits ?? null };
}

function dhFindings(answers: Extract<ProbeAnswer, { kind: 'hello' }>[]): DhFinding[] {
  const seen = new Map<string, DhFinding>();
  for (const a of answers) {
    const kx = a.flight.serverKeyExchange;
    if (kx?.kind !== 'dhe') continue;
    const protocol = PROTOCOL_BY_WIRE.get(a.serverHello.selectedVersion) ?? 'TLSv1.2';
    const known = identifyDhPrime(kx.p);
    const key = `${kx.p.toString('hex')}`;
    if (!seen.has(key)) seen.set(key, { bits: kx.primeBits, name: known?.name ?? null, protocol });
  }
  return [...seen.values()];
}

function dedupe(found: AcceptedSuite[]): AcceptedSuite[] {
  const byCode = new Map<number, AcceptedSuite>();
  for (const f of found) if (!byCode.has(f.code)) byCode.set(f.code, f);
  return [...byCode.values()].sort((a, b) => a.code - b.code);
}

/** Two round-robin halves. */
function halves<T>(items: readonly T[]): T[][] {
  return chunksOf(items, 2);
}

/** Round-robin split, so that likely-accepted suites spread over the chunks. */
function chunksOf<T>(items: readonly T[], count: number): T[][] {
  const n = Math.max(1, Math.min(count, items.length));
  const chunks: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => chunks[i % n]?.push(item));
  return chunks.filter((c) => c.length > 0);
}

function hex4(code: number): string {
  return '0x' + code.toString(16).toUpperCase().padStart(4, '0');
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks it next). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
