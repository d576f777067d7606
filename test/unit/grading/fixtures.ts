// Hand-built scan results for the grading tests. Suites come from the real registry tables, so their properties
// (export, rc4, blockSize64, forwardSecrecy, aead, …) are what the prober would report.
import type {
  CertificateResult,
  ChainEntry,
  CipherSuiteFinding,
  EndpointResult,
  EndpointStatus,
  GroupFinding,
  ProtocolName,
  ScanErrorInfo,
  SimulationResult,
  StarttlsState,
  TlsResult,
} from '../../../src/result/types.js';
import { cipherSuiteFinding } from '../../../src/tls/probe/findings.js';
import { cipherSuiteByName, groupByName, SSLV2_CIPHER_SPECS } from '../../../src/tls/registry/index.js';

/** An accepted TLS suite; ECDHE and TLS 1.3 suites get x25519, DHE suites a 2048-bit prime unless `extra` says otherwise. */
export function suite(name: string, protocol: ProtocolName, extra: Partial<CipherSuiteFinding> = {}): CipherSuiteFinding {
  const s = cipherSuiteByName(name);
  if (!s) throw new Error(`no such suite: ${name}`);
  const ecdhe = (s.keyExchange === 'ECDHE' || protocol === 'TLSv1.3') && !s.anonymous;
  return {
    ...cipherSuiteFinding(protocol, s, { kxGroup: ecdhe ? 'x25519' : null, dhBits: s.keyExchange === 'DHE' ? 2048 : null }),
    ...extra,
  };
}

/** An accepted SSLv2 cipher spec, as the prober reports it (name without SSL_CK_). */
export function sslv2Suite(name: string): CipherSuiteFinding {
  const s = SSLV2_CIPHER_SPECS.find((x) => x.name === name);
  if (!s) throw new Error(`no such SSLv2 cipher spec: ${name}`);
  return {
    protocol: 'SSLv2',
    code: s.hex,
    name: `SSL_CK_${s.name}`,
    openssl: s.openssl,
    bits: s.bits,
    effectiveBits: s.effectiveBits,
    keyExchange: 'RSA',
    authentication: 'RSA',
    encryption: s.encryption,
    mac: 'MD5',
    aead: false,
    forwardSecrecy: false,
    export: s.export,
    anonymous: false,
    null: false,
    rc4: s.encryption === 'RC4',
    blockSize64: s.blockSize64,
    kxGroup: null,
    dhBits: null,
  };
}

/** A group the server accepted, from the registry. */
export function group(name: string, protocol: 'TLSv1.2' | 'TLSv1.3'): GroupFinding {
  const g = groupByName(name);
  if (!g) throw new Error(`no such group: ${name}`);
  return { code: g.hex, name: g.name, protocol, kind: g.kind, bits: g.bits };
}

/** Typical suites of each protocol; the defaults of makeEndpoint. */
export function defaultSuites(protocols: readonly ProtocolName[]): CipherSuiteFinding[] {
  return protocols.flatMap((p): CipherSuiteFinding[] => {
    switch (p) {
      case 'SSLv2':
        return [sslv2Suite('DES_192_EDE3_CBC_WITH_MD5')];
      case 'SSLv3':
        return [suite('TLS_RSA_WITH_AES_128_CBC_SHA', p)];
      case 'TLSv1.0':
      case 'TLSv1.1':
        return [suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', p)];
      case 'TLSv1.2':
        return [suite('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', p), suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', p)];
      case 'TLSv1.3':
        return [suite('TLS_AES_256_GCM_SHA384', p), suite('TLS_AES_128_GCM_SHA256', p)];
    }
    throw new Error(`no default suites for ${p satisfies never}`);
  });
}

export function chainEntry(o: Partial<ChainEntry> = {}): ChainEntry {
  return {
    subject: 'CN=example.org',
    issuer: 'CN=Test Intermediate',
    fingerprintSha256: '00',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2026-01-01T00:00:00.000Z',
    keyType: 'RSA',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    source: 'presented',
    ...o,
  };
}

/** A trusted RSA 2048 certificate for example.org, SHA-256 signed, with an intermediate and a trust-store root. */
export function makeCertificate(o: Partial<CertificateResult> = {}): CertificateResult {
  return {
    subject: 'CN=example.org',
    issuer: 'CN=Test Intermediate',
    commonName: 'example.org',
    sans: { dns: ['example.org'], srv: [], xmppAddr: [], ip: [], uri: [], email: [] },
    serial: '01',
    fingerprintSha1: '00',
    fingerprintSha256: '00',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2026-01-01T00:00:00.000Z',
    keyType: 'RSA',
    keyBits: 2048,
    curve: null,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    isCa: false,
    selfIssued: false,
    ocspUrls: [],
    caIssuersUrls: [],
    crlUrls: [],
    pem: '',
    daysToExpiry: 200,
    trusted: true,
    trustErrors: [],
    hostnameValid: true,
    identity: { matchedBy: 'dns', matchedValue: 'example.org' },
    selfSigned: false,
    chain: [],
    builtChain: [
      chainEntry(),
      chainEntry({ subject: 'CN=Test Intermediate', issuer: 'CN=Test Root' }),
      chainEntry({ subject: 'CN=Test Root', issuer: 'CN=Test Root', source: 'trust_store' }),
    ],
    ...o,
  };
}

export interface EndpointOptions {
  /** Supported protocols; default TLS 1.2 and 1.3. */
  protocols?: ProtocolName[];
  /** Accepted suites; default defaultSuites(protocols). */
  suites?: CipherSuiteFinding[];
  /** Added to the suites. */
  extraSuites?: CipherSuiteFinding[];
  /** Changes to the default certificate, or null for none. */
  cert?: Partial<CertificateResult> | null;
  starttls?: StarttlsState;
  directTls?: boolean;
  compression?: boolean | null;
  secureRenegotiation?: boolean | null;
  /** DH prime sizes seen (tls.dh). */
  dh?: number[];
  groups?: GroupFinding[];
  protocolErrors?: TlsResult['protocolErrors'];
  status?: EndpointStatus;
  error?: ScanErrorInfo | null;
  /** false: TLS not probed (tls: null). */
  probed?: boolean;
  /** A deadline stopped the prober (tls.partial). */
  partial?: boolean;
  /** Handshake simulation: these profile ids connect, those of `cannotConnect` do not. */
  simulations?: { connect?: string[]; cannotConnect?: string[] };
}

function simulationsOf(o: NonNullable<EndpointOptions['simulations']>): SimulationResult[] {
  const connecting = (profile: string): SimulationResult => ({
    profile,
    connects: true,
    protocol: 'TLSv1.3',
    cipherSuite: 'TLS_AES_256_GCM_SHA384',
    cipherSuiteCode: '0x1302',
    group: 'x25519',
    forwardSecrecy: true,
    failure: null,
  });
  const failing = (profile: string): SimulationResult => ({
    profile,
    connects: false,
    protocol: null,
    cipherSuite: null,
    cipherSuiteCode: null,
    group: null,
    forwardSecrecy: null,
    failure: { reason: 'no_shared_protocol', message: 'the server accepts none of the versions the client offers' },
  });
  return [...(o.connect ?? []).map(connecting), ...(o.cannotConnect ?? []).map(failing)];
}

/** A scanned STARTTLS endpoint (STARTTLS required) of example.org; by default a modern server graded A+. */
export function makeEndpoint(o: EndpointOptions = {}): EndpointResult {
  const protocols = o.protocols ?? ['TLSv1.2', 'TLSv1.3'];
  const directTls = o.directTls ?? false;
  const tls: TlsResult = {
    protocols: {
      SSLv2: protocols.includes('SSLv2'),
      SSLv3: protocols.includes('SSLv3'),
      'TLSv1.0': protocols.includes('TLSv1.0'),
      'TLSv1.1': protocols.includes('TLSv1.1'),
      'TLSv1.2': protocols.includes('TLSv1.2'),
      'TLSv1.3': protocols.includes('TLSv1.3'),
    },
    protocolErrors: o.protocolErrors ?? {},
    cipherSuites: [...(o.suites ?? defaultSuites(protocols)), ...(o.extraSuites ?? [])],
    serverPreference: [],
    groups: o.groups ?? [],
    dh: (o.dh ?? []).map((bits) => ({ bits, name: null, protocol: 'TLSv1.2' as const })),
    compression: o.compression === undefined ? false : o.compression,
    secureRenegotiation: o.secureRenegotiation === undefined ? true : o.secureRenegotiation,
    fallbackScsv: true,
    clientCertificateRequested: false,
    certificateChain: [],
    notes: [],
    probeCount: 1,
    durationSeconds: 1,
  };
  // Cast rather than annotate: the object also carries `grade`, whether or not EndpointResult declares it yet.
  return {
    host: 'xmpp.example.org',
    port: directTls ? 5223 : 5222,
    address: '192.0.2.1',
    family: 4,
    directTls,
    source: 'srv',
    priority: 0,
    weight: 0,
    status: o.status ?? 'ok',
    error: o.error ?? null,
    xmpp: {
      streamFrom: 'example.org',
      streamVersion: '1.0',
      starttls: o.starttls ?? (directTls ? 'none' : 'required'),
      saslMechanisms: [],
      saslMechanismsAfterTls: ['SCRAM-SHA-1'],
      dialback: false,
      compression: [],
      featuresBeforeTls: [],
      featuresAfterTls: [],
      clientCertificateRequired: false,
      saslExternal: null,
    },
    certificate: o.cert === null ? null : makeCertificate(o.cert ?? {}),
    session: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    tls: o.probed === false ? null : o.partial ? { ...tls, partial: true } : tls,
    grade: null,
    ...(o.simulations ? { simulations: simulationsOf(o.simulations) } : {}),
    durationSeconds: 1,
  } as EndpointResult;
}
