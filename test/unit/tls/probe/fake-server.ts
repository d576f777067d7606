import type { ProbeAnswer } from '../../../../src/tls/probe/exchange.js';
import type { Offer } from '../../../../src/tls/probe/offer.js';
import { cipherSuiteByCode } from '../../../../src/tls/registry/index.js';

// A scripted TLS server for the prober's algorithms: it answers offers (protocol, suites, groups)
// the way a server of some stack would, with no sockets and no bytes, deterministically. Each
// behaviour the prober must cope with is one option: accepted suites per protocol, its own order
// or the client's, suites whose mere presence makes it refuse or stall, the ECDSA certificate's
// curve it needs among the groups, Go's order that depends on the client's first suite, a limit on
// hello size.

type TlsProtocol = Exclude<Offer['protocol'], 'SSLv2'>;

const WIRE: Record<TlsProtocol, number> = { SSLv3: 0x0300, 'TLSv1.0': 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };

export interface FakeProtocol {
  /** Suites it accepts. */
  suites: number[];
  /** 'client': the first acceptable suite in the client's order (default); 'server': the first of `suites` that was offered. */
  order?: 'client' | 'server';
  /** Go's crypto/tls: its own order, AES-GCM first when the client's first suite is AES-GCM, else ChaCha20 first. */
  goStyleOrder?: boolean;
  /** ECDHE groups it accepts (TLS ≤ 1.2), in its preference (used when `order` is 'server'); default x25519, secp256r1. */
  groups?: number[];
  /** TLS 1.3 groups for the HelloRetryRequest (its preference); default x25519. */
  tls13Groups?: number[];
}

export interface FakeServerOptions {
  protocols: Partial<Record<TlsProtocol, FakeProtocol>>;
  /** How it says "no suite I accept": an alert (default handshake_failure) or a close. */
  refusal?: 'handshake_failure' | 'insufficient_security' | 'close';
  /** Hellos containing one of these are refused, whatever else they hold. */
  poison?: { suites: number[]; answer: 'close' | 'handshake_failure' | 'stall' };
  /** ECDSA-only: the certificate's curve must be among the offered groups, or the hello is refused. */
  certificateCurve?: number;
  /** DER of the leaf it "sends" with TLS ≤ 1.2 hellos. */
  certificate?: Buffer;
  /** Closes the connection on hellos with more suites. */
  maxSuites?: number;
}

export interface FakeServer {
  send(offer: Offer): Promise<ProbeAnswer>;
  /** Offers it was sent, in order. */
  readonly offers: Offer[];
}

const AES_GCM = (code: number) => /^AES_\d+_GCM$/.test(cipherSuiteByCode(code)?.encryption ?? '');
const CHACHA = (code: number) => (cipherSuiteByCode(code)?.encryption ?? '').startsWith('CHACHA20');

export function fakeServer(o: FakeServerOptions): FakeServer {
  const offers: Offer[] = [];
  const send = async (offer: Offer): Promise<ProbeAnswer> => {
    offers.push(offer);
    if (offer.protocol === 'SSLv2') return { kind: 'closed', reset: false };
    if (o.maxSuites !== undefined && offer.suites.length > o.maxSuites) return { kind: 'closed', reset: false };
    const p = o.protocols[offer.protocol];
    if (!p) return alert('protocol_version');
    if (o.poison && offer.suites.some((c) => o.poison!.suites.includes(c))) {
      if (o.poison.answer === 'stall') return { kind: 'timeout' };
      return o.poison.answer === 'close' ? { kind: 'closed', reset: false } : alert('handshake_failure');
    }
    const groups = offer.groups ?? [0x001d, 0x0017, 0x0018, 0x0019, 0x001e];
    const tls13 = offer.protocol === 'TLSv1.3';
    const needsCurve = (code: number) => !tls13 && o.certificateCurve !== undefined && cipherSuiteByCode(code)?.authentication === 'ECDSA';
    const usable = (code: number) => p.suites.includes(code) && (!needsCurve(code) || groups.includes(o.certificateCurve as number));
    const suite = pickSuite(p, offer.suites, usable);
    if (suite === undefined) return o.refusal === 'close' ? { kind: 'closed', reset: false } : alert(o.refusal ?? 'handshake_failure');
    const kx = cipherSuiteByCode(suite)?.keyExchange;
    let group: number | null = null;
    if (tls13 || kx === 'ECDHE') {
      const mine = tls13 ? (p.tls13Groups ?? [0x001d]) : (p.groups ?? [0x001d, 0x0017]);
      group = p.order === 'server' ? (mine.find((g) => groups.includes(g)) ?? null) : (groups.find((g) => mine.includes(g)) ?? null);
      if (group === null) return alert('handshake_failure');
    }
    return hello(offer.protocol, suite, group, offer.keyShare === 'none', o.certificate ?? null);
  };
  return { send, offers };
}

function pickSuite(p: FakeProtocol, offered: number[], usable: (code: number) => boolean): number | undefined {
  if (p.goStyleOrder) {
    const aesFirst = AES_GCM(offered[0] as number);
    const rank = (c: number) => (AES_GCM(c) ? (aesFirst ? 0 : 1) : CHACHA(c) ? (aesFirst ? 1 : 0) : 2);
    const mine = [...p.suites].sort((a, b) => rank(a) - rank(b) || p.suites.indexOf(a) - p.suites.indexOf(b));
    return mine.find((c) => offered.includes(c) && usable(c));
  }
  if (p.order === 'server') return p.suites.find((c) => offered.includes(c) && usable(c));
  return offered.find(usable);
}

function alert(name: string): ProbeAnswer {
  const codes: Record<string, number> = { handshake_failure: 40, protocol_version: 70, insufficient_security: 71 };
  return { kind: 'alert', alert: { level: 2, levelName: 'fatal', description: codes[name] ?? 80, name } };
}

function hello(protocol: TlsProtocol, cipherSuite: number, group: number | null, helloRetry: boolean, certificate: Buffer | null): ProbeAnswer {
  const tls13 = protocol === 'TLSv1.3';
  const serverHello = {
    version: tls13 ? 0x0303 : WIRE[protocol],
    random: Buffer.alloc(32),
    sessionId: Buffer.alloc(0),
    cipherSuite,
    compressionMethod: 0,
    extensions: new Map<number, Buffer>(),
    isHelloRetryRequest: tls13 && helloRetry,
    selectedVersion: WIRE[protocol],
    secureRenegotiation: !tls13,
    extendedMasterSecret: false,
    encryptThenMac: false,
    sessionTicket: false,
    keyShareGroup: tls13 ? group : null,
    keyShare: null,
    alpn: null,
    ecPointFormats: null,
    downgradeSentinel: null,
  };
  const serverKeyExchange =
    !tls13 && group !== null ? { kind: 'ecdhe' as const, curveType: 3, namedGroup: group, publicKey: Buffer.alloc(32), rest: Buffer.alloc(0) } : null;
  return {
    kind: 'hello',
    serverHello,
    flight: { certificates: tls13 || !certificate ? null : [certificate], serverKeyExchange, certificateRequest: null, complete: !tls13 },
  } as ProbeAnswer;
}
