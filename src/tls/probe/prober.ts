import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { DEFAULTS } from '../../defaults.js';
import { ScanError, abortError, toErrorInfo } from '../../result/errors.js';
import { socketErrorToScanError } from '../../result/socket-errors.js';
import type { CipherOrder, CipherSuiteFinding, DhFinding, GroupFinding, IntolerantSuite, ProtocolName, ScanErrorInfo, TlsResult } from '../../result/types.js';
import {
  type CipherSuite,
  SSLV2_CIPHER_SPECS,
  cipherSuiteByCode,
  groupByCode,
  identifyDhPrime,
  sslv2CipherSpecByCode,
  suitesForProtocol,
} from '../registry/index.js';
import { hex4 } from '../wire/index.js';
import { type AcceptedSuite, type HelloAnswer, MAX_SUITES_PER_HELLO, type Settled, SuiteEnumeration, type Verdict, halves } from './enumerate.js';
import { type ProbeAnswer, exchange } from './exchange.js';
import { cipherSuiteFinding } from './findings.js';
import { TLS12_GROUPS, TLS13_GROUPS, WIRE_VERSION } from './hellos.js';
import { ConnectionLimiter, sleep } from './limiter.js';
import { type Offer, type SendOffer, type TlsProtocol, helloBytes } from './offer.js';
import { clientOrder, isPoisonProne } from './suite-order.js';

// The raw TLS prober. It knows nothing of XMPP: `openSocket` yields a socket ready for TLS bytes
// (after <proceed/>, or a plain TCP socket for direct TLS). Each probe is one fresh connection and
// one ClientHello. Speed comes from running independent probes concurrently under the per-host
// connection cap: enumeration runs over disjoint chunks of the suite list in parallel, and all
// protocols are probed at once. The algorithms only make offers (offer.ts) and read answers, so
// tests can answer them from a scripted fake server (`send`) instead of a socket.

export type OpenTlsSocket = () => Promise<Socket>;

export interface ProberOptions {
  /** A socket ready for TLS bytes, one per probe. Required unless `send` is given. */
  openSocket?: OpenTlsSocket;
  /** Answers offers instead of openSocket + ClientHello + reading the answer (tests: a scripted fake server). */
  send?: SendOffer;
  /** SNI; null for none (IP literals). */
  serverName: string | null;
  /** Connections to this endpoint at once (default DEFAULTS.concurrency.connectionsPerHost; 1 allowed). */
  maxConnections?: number;
  /** Minimum time between two connection starts, ms (default DEFAULTS.concurrency.connectionDelayMs). */
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
const MIN_SPLIT_GROUPS = 4;
const PROTOCOL_BY_WIRE = new Map(Object.entries(WIRE_VERSION).map(([name, v]) => [v, name as TlsProtocol]));

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
  private readonly legacyAnswers: HelloAnswer[] = [];
  private readonly send: SendOffer;
  /** A probe was cut short or not started because the signal aborted: the findings are partial. */
  private cut = false;
  /** The server answered some hello (hello, alert or close): it is alive. */
  private answeredAny = false;

  constructor(private readonly opts: ProberOptions) {
    this.limiter = new ConnectionLimiter(
      opts.maxConnections ?? DEFAULTS.concurrency.connectionsPerHost,
      opts.delayMs ?? DEFAULTS.concurrency.connectionDelayMs,
    );
    this.timeoutMs = opts.probeTimeoutMs ?? 10_000;
    this.retries = opts.retries ?? 2;
    const openSocket = opts.openSocket;
    if (opts.send) this.send = opts.send;
    else if (openSocket)
      this.send = async (offer) => exchange(await openSocket(), helloBytes(offer, opts.serverName), { timeoutMs: this.timeoutMs, keyExchangeOf });
    else throw new TypeError('probeTls needs openSocket or send');
  }

  async run(): Promise<TlsResult> {
    const started = performance.now();
    const wanted = this.opts.protocols ?? ALL_PROTOCOLS;
    const protocols = Object.fromEntries(ALL_PROTOCOLS.map((p) => [p, false])) as Record<ProtocolName, boolean>;
    const protocolErrors: Partial<Record<ProtocolName, ScanErrorInfo>> = {};
    const accepted = new Map<ProtocolName, AcceptedSuite[]>();
    const sslv2Specs: number[] = [];
    const intolerantSuites: IntolerantSuite[] = [];

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
          const { found: suites, intolerant: refusedSuites } = await this.enumerateSuites(protocol);
          for (const code of refusedSuites) intolerantSuites.push(intolerantFinding(protocol, code));
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
      intolerantSuites: intolerantSuites.sort((a, b) => ALL_PROTOCOLS.indexOf(a.protocol) - ALL_PROTOCOLS.indexOf(b.protocol) || a.code.localeCompare(b.code)),
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

  /** One offer (one hello on one fresh connection), retried with backoff when the server stalls or the connection fails. */
  private async probe(offer: Offer): Promise<Settled> {
    const { protocol } = offer;
    const offered = offer.suites.length;
    let lastError: unknown = null;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      this.stopIfAborted();
      if (attempt > 0) await sleep(500 * 3 ** (attempt - 1), this.opts.signal);
      const t0 = performance.now();
      try {
        const answer = await this.limiter.run(async () => {
          this.stopIfAborted();
          this.probeCount++;
          return this.send(offer);
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
          this.answeredAny = true;
          if (answer.kind === 'hello' || answer.kind === 'sslv2') this.largestAnsweredOffer = Math.max(this.largestAnsweredOffer, offered);
          if (answer.kind === 'hello' && answer.serverHello.selectedVersion <= 0x0303 && !answer.serverHello.isHelloRetryRequest) {
            this.legacyAnswers.push(answer);
          }
          if (attempt > 0) this.notes.push(`${protocol}: the server needed ${attempt} retr${attempt > 1 ? 'ies' : 'y'} (slow or rate-limiting)`);
          return answer;
        }
        lastError = new ScanError('timeout', `no answer to a ${protocol} ClientHello within ${this.timeoutMs / 1000} s`, {
          phase: 'tls_handshake',
          deadline: 'phase',
        });
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
    const answer = await this.probe({ protocol: 'SSLv2', suites: offered });
    if (answer.kind !== 'sslv2') return [];
    // A server may list specs we did not offer; only shared ones count.
    return answer.serverHello.cipherSpecs.filter((c) => offered.includes(c));
  }

  /** Every suite the server accepts with `protocol` (enumerate.ts), in a modern client's order. */
  private async enumerateSuites(protocol: TlsProtocol): Promise<{ found: AcceptedSuite[]; intolerant: number[] }> {
    const candidates = clientOrder(suitesForProtocol(protocol).map((s) => s.code));
    let openGate = () => {};
    this.firstAnswers.push(new Promise<void>((resolve) => (openGate = resolve)));
    const enumeration = new SuiteEnumeration(
      {
        offer: (suites) => this.probe({ protocol, suites }),
        judge: (answer, offered) => this.judge(protocol, answer, offered),
        spareConnections: () => this.limiter.spareConnections(),
        helloSizeWorks: (n) => this.helloSizeWorks(n),
        noServerHelloAnywhere: () => this.noServerHelloAnywhere(),
        pause: (ms) => sleep(ms, this.opts.signal),
        answersOthers: () => this.answeredAny,
        note: (text) => this.notes.push(`${protocol}: ${text}`),
      },
      candidates,
      // TLS 1.3 servers must ignore suites they do not know (RFC 8446 §4.1.2; GREASE keeps them
      // honest): one list, no poison-prone chunks.
      protocol === 'TLSv1.3' ? () => false : isPoisonProne,
    );
    const r = await enumeration.run(openGate);
    this.passedOver.set(protocol, r.passedOver);
    if (r.rejected) {
      if (r.found.length > 0) this.notes.push(`${protocol}: the server accepted some hellos and refused the protocol in others`);
      return { found: [], intolerant: [] };
    }
    if (r.closedOnBigHello && r.found.length > 0) this.notes.push(`${protocol}: the server closed the connection on large hellos; smaller ones worked`);
    if (r.intolerant.length > 0) {
      const names = r.intolerant.map((c) => cipherSuiteByCode(c)?.name ?? hex4(c));
      this.notes.push(
        `${protocol}: a hello fails (refused unlike "no shared suite", or never answered) when it offers ${names.length === 1 ? 'this suite' : 'one of these suites'}: ${names.join(', ')}`,
      );
    }
    if (r.failure !== null) {
      // Nothing learnt: the protocol is undecided. Something learnt: keep it, say it may be partial.
      if (r.found.length === 0) throw r.failure;
      this.notes.push(`${protocol}: some probes failed (${(r.failure as Error).message}); the suite list may be incomplete`);
    }
    return { found: r.found, intolerant: r.intolerant };
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
  private judge(protocol: TlsProtocol, answer: Settled, offered: number[]): Verdict {
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
   * Server preference. Two offers of the accepted suites, both in a modern client's order (so a
   * server that reads the client's order, like Go's, sees the same kind of client both times),
   * the second with its first two suites swapped: a server that follows the client picks each
   * offer's first suite; one with its own order picks the same suite both times, and its order is
   * then read out by removing the chosen one. When the swapped offer's first suite was passed over
   * in enumeration and is picked now, the server follows the client: one probe is enough.
   */
  private async cipherOrder(protocol: TlsProtocol, suites: AcceptedSuite[]): Promise<CipherOrder> {
    const codes = clientOrder(suites.map((a) => a.code));
    if (codes.length < 2) return { protocol, serverEnforced: null, order: codes.map(hex4) };
    const pick = async (offer: number[]) => {
      const answer = await this.probe({ protocol, suites: offer.slice(0, MAX_SUITES_PER_HELLO) }).catch(() => null);
      return answer?.kind === 'hello' ? answer.serverHello.cipherSuite : null;
    };
    const swapped = [codes[1] as number, codes[0] as number, ...codes.slice(2)];
    const fromSwapped = await pick(swapped);
    if (fromSwapped === null) return { protocol, serverEnforced: null, order: [] };
    // A server with its own order never passes over its favourite: this one is not it.
    if (fromSwapped === swapped[0] && this.passedOver.get(protocol)?.has(fromSwapped)) return { protocol, serverEnforced: false, order: [] };
    const fromModern = await pick(codes);
    if (fromModern === null) return { protocol, serverEnforced: null, order: [] };
    if (fromModern !== fromSwapped) return { protocol, serverEnforced: false, order: [] };
    const order = [fromModern];
    let remaining = codes.filter((c) => c !== fromModern);
    while (remaining.length > 1) {
      const next = await pick(remaining);
      if (next === null || !remaining.includes(next)) break;
      order.push(next);
      remaining = remaining.filter((c) => c !== next);
    }
    if (remaining.length === 1) order.push(remaining[0] as number);
    return { protocol, serverEnforced: true, order: order.map(hex4) };
  }

  /**
   * ECDHE groups for TLS ≤ 1.2, read from the ServerKeyExchange of hellos offering only ECDHE
   * suites. A server whose ECDHE suites all need its ECDSA certificate (OpenSSL, mbedTLS) also needs
   * the certificate's curve among the offered groups, whatever group it picks for the key
   * exchange: that curve is kept, last, in every offer.
   */
  private async ecdheGroups(protocol: TlsProtocol, suites: AcceptedSuite[]): Promise<GroupFinding[]> {
    const ecdhe = clientOrder(suites.map((a) => a.code).filter(isEcdhe));
    const certificateCurve = ecdhe.every(isEcdsa) ? curveOfCertificate(suites) : null;
    const codes = await this.removeChosen(
      TLS12_GROUPS,
      async (groups) => {
        const answer = await this.probe({ protocol, suites: ecdhe, groups });
        const kx = answer.kind === 'hello' ? answer.flight.serverKeyExchange : null;
        return kx?.kind === 'ecdhe' ? kx.namedGroup : null;
      },
      certificateCurve,
    );
    return codes.map((c) => groupFinding(c, 'TLSv1.2'));
  }

  /** TLS 1.3 groups, from HelloRetryRequests to hellos with no key share. */
  private async tls13Groups(suites: AcceptedSuite[]): Promise<GroupFinding[]> {
    const codes13 = clientOrder(suites.map((a) => a.code));
    const codes = await this.removeChosen(TLS13_GROUPS, async (groups) => {
      const answer = await this.probe({ protocol: 'TLSv1.3', suites: codes13, groups, keyShare: 'none' });
      return answer.kind === 'hello' ? answer.serverHello.keyShareGroup : null;
    });
    return codes.map((c) => groupFinding(c, 'TLSv1.3'));
  }

  /**
   * Remove-chosen over a candidate list; `pick` returns the chosen item or null. Like suite
   * enumeration, one list first, split in two only when connections would otherwise sit idle.
   * `always` (if any) ends every offer: once the server picks it, nothing before it was acceptable.
   */
  private async removeChosen(candidates: number[], pick: (offer: number[]) => Promise<number | null>, always: number | null = null): Promise<number[]> {
    const chosen: number[] = [];
    const loop = async (list: number[]): Promise<void> => {
      let remaining = list;
      while (remaining.length > 0) {
        const offer = always === null ? remaining : [...remaining, always];
        const c = await pick(offer).catch(() => null);
        if (c === null || !offer.includes(c)) return;
        chosen.push(c);
        if (c === always) return;
        remaining = remaining.filter((x) => x !== c);
        if (remaining.length >= 2 * MIN_SPLIT_GROUPS && this.limiter.spareConnections() >= 2) {
          await Promise.all(halves(remaining).map(loop));
          return;
        }
      }
    };
    await loop(always === null ? candidates : candidates.filter((c) => c !== always));
    return [...new Set(chosen)];
  }

  /** CRIME: does the server accept DEFLATE when offered? */
  private async testCompression(supported: TlsProtocol[], accepted: Map<ProtocolName, AcceptedSuite[]>): Promise<boolean | null> {
    const protocol = supported.find((p) => p !== 'TLSv1.3');
    if (!protocol) return null;
    const suites = (accepted.get(protocol) ?? []).map((a) => a.code).slice(0, MAX_SUITES_PER_HELLO);
    const answer = await this.probe({ protocol, suites, compression: true }).catch(() => null);
    return answer?.kind === 'hello' ? answer.serverHello.compressionMethod === 1 : null;
  }

  /** RFC 7507: a hello for a lower version with TLS_FALLBACK_SCSV must get inappropriate_fallback. */
  private async testFallbackScsv(supported: TlsProtocol[], accepted: Map<ProtocolName, AcceptedSuite[]>): Promise<boolean | null> {
    const lower = supported.filter((p) => p !== 'TLSv1.3');
    // Needs a version below the best one; the best may be TLS 1.3.
    const target = supported[0] === 'TLSv1.3' ? lower[0] : lower[1];
    if (!target) return null;
    const suites = (accepted.get(target) ?? []).map((a) => a.code).slice(0, MAX_SUITES_PER_HELLO);
    const answer = await this.probe({ protocol: target, suites, fallbackScsv: true }).catch(() => null);
    if (!answer) return null;
    if (answer.kind === 'alert') return answer.alert.name === 'inappropriate_fallback';
    if (answer.kind !== 'hello') return null;
    if (answer.serverHello.downgradeSentinel) {
      this.notes.push(`${target}: the server marks the downgrade in its random (RFC 8446) but does not refuse TLS_FALLBACK_SCSV`);
    }
    return false;
  }
}

/** openSocket may throw plain Node socket errors (a non-XMPP caller): the one translation gives them our codes. */
function toScanError(err: unknown): ScanError {
  if (err instanceof ScanError) return err;
  if (err instanceof Error && (err as NodeJS.ErrnoException).code) return socketErrorToScanError(err, 'the server', 'connect');
  return new ScanError('internal_error', `unexpected error while probing: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function isEcdhe(code: number): boolean {
  return cipherSuiteByCode(code)?.keyExchange.startsWith('ECDHE') ?? false;
}

function isEcdsa(code: number): boolean {
  return cipherSuiteByCode(code)?.authentication === 'ECDSA';
}

/** TLS group codes of the curves an ECDSA certificate can have (node's names for them). */
const GROUP_OF_CURVE: Record<string, number> = { prime256v1: 0x0017, secp384r1: 0x0018, secp521r1: 0x0019 };

/** The named curve of the ECDSA certificate the server sent with one of these suites, as a group code. */
function curveOfCertificate(suites: AcceptedSuite[]): number | null {
  for (const a of suites) {
    const leaf = isEcdsa(a.code) ? a.answer.flight.certificates?.[0] : undefined;
    if (!leaf) continue;
    try {
      const curve = new X509Certificate(leaf).publicKey.asymmetricKeyDetails?.namedCurve;
      if (curve && GROUP_OF_CURVE[curve] !== undefined) return GROUP_OF_CURVE[curve];
    } catch {
      // Not a certificate we can read: then we cannot know its curve.
    }
  }
  return null;
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

function intolerantFinding(protocol: ProtocolName, code: number): IntolerantSuite {
  return { protocol, code: hex4(code), name: cipherSuiteByCode(code)?.name ?? hex4(code) };
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
