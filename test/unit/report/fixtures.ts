// Hand-built scan results for the report tests: one function per kind of server the survey has to
// count. Grades are written out (not computed), so these tests check the counting, not grading.
import type { GradeLetter, TrustIgnoringLetter } from '../../../src/grading/types.js';
import type { DaneResult, DomainGrade, EndpointResult, Mode, ScanResult } from '../../../src/result/types.js';
import { chainEntry, makeEndpoint, suite } from '../grading/fixtures.js';
import { scan } from '../metrics/fixtures.js';

/** The report time of every test. */
export const NOW = new Date('2025-06-01T00:00:00.000Z');

export function grade(letter: GradeLetter, ignoring: TrustIgnoringLetter = letter as TrustIgnoringLetter, score = 90): DomainGrade {
  return { profile: 'ssllabs-2009r', letter, letterIgnoringTrust: ignoring, score, mixed: false, letters: [letter], endpointsGraded: 1, endpointsUngraded: 0 };
}

export function result(domain: string, endpoints: EndpointResult[], g: DomainGrade | null, mode: Mode = 'c2s'): ScanResult {
  return scan({ domain, mode, endpoints, grade: g });
}

/** TLS 1.2 + 1.3, ECDHE/AEAD only, STARTTLS required, trusted RSA 2048 valid until 2026: A+. */
export function good(domain = 'good.example', mode: Mode = 'c2s'): ScanResult {
  return result(domain, [makeEndpoint()], grade('A+', 'A+', 95), mode);
}

/** Expired, self-signed, naming another host; TLS 1.0–1.2: T (B ignoring trust). */
export function expiredSelfSigned(domain = 'expired.example'): ScanResult {
  const ep = makeEndpoint({
    protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'],
    cert: {
      subject: 'CN=other.example',
      issuer: 'CN=other.example',
      notAfter: '2025-05-01T00:00:00.000Z',
      daysToExpiry: -31,
      trusted: false,
      trustErrors: ['expired', 'self_signed'],
      hostnameValid: false,
      selfSigned: true,
      keyType: 'EC',
      keyBits: 256,
      curve: 'P-256',
    },
  });
  return result(domain, [ep], grade('T', 'B', 70));
}

/** A chain that carries a self-signed certificate (the would-be root named `root`): T (A- ignoring trust). */
export function selfSignedInChain(domain: string, root: string): ScanResult {
  const ep = makeEndpoint({
    cert: {
      trusted: false,
      trustErrors: ['self_signed_in_chain'],
      chain: [chainEntry({ subject: `CN=${domain}`, issuer: root }), chainEntry({ subject: root, issuer: root })],
      // The path ends at the self-signed certificate, which is no trust anchor.
      builtChain: [chainEntry({ subject: `CN=${domain}`, issuer: root }), chainEntry({ subject: root, issuer: root })],
      notAfter: '2025-06-20T00:00:00.000Z',
    },
  });
  return result(domain, [ep], grade('T', 'A-', 88));
}

/** Unknown issuer and an incomplete chain, RSA 4096, expiring in 10 days: T. */
export function unknownIssuer(domain = 'unknown.example'): ScanResult {
  const ep = makeEndpoint({
    cert: { trusted: false, trustErrors: ['unknown_issuer', 'incomplete_chain'], notAfter: '2025-06-11T12:00:00.000Z', keyBits: 4096 },
  });
  return result(domain, [ep], grade('T', 'A+', 95));
}

/** No XMPP service: the domain never resolved. */
export function notServing(domain = 'nxdomain.example', mode: Mode = 'c2s'): ScanResult {
  return scan({ domain, mode, error: { code: 'dns_failure', message: 'NXDOMAIN' } });
}

/** Endpoints found, every connection refused. */
export function unreachable(domain = 'down.example'): ScanResult {
  const ep: EndpointResult = {
    ...makeEndpoint(),
    status: 'error',
    error: { code: 'connection_refused', message: 'refused', phase: 'connect' },
    xmpp: null,
    certificate: null,
    session: null,
    tls: null,
  };
  return result(domain, [ep], null);
}

/** A server that speaks XMPP but offers no STARTTLS. */
export function noTls(domain = 'plain.example'): ScanResult {
  const ep = makeEndpoint({ starttls: 'none', cert: null, probed: false, status: 'error', error: { code: 'starttls_not_offered', message: 'no STARTTLS' } });
  return result(domain, [ep], null);
}

/**
 * Two endpoints: one modern with STARTTLS required, one legacy with STARTTLS merely offered,
 * SSLv3, EXPORT, RC4, DES and a 1024-bit DHE prime: F (worst endpoint).
 */
export function mixedLegacy(domain = 'legacy.example'): ScanResult {
  const legacy = makeEndpoint({
    protocols: ['SSLv3', 'TLSv1.0'],
    starttls: 'offered',
    suites: [
      suite('TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'SSLv3'),
      suite('TLS_RSA_WITH_RC4_128_SHA', 'TLSv1.0'),
      suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.0'),
      suite('TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'TLSv1.0', { dhBits: 1024 }),
    ],
    dh: [1024],
    cert: { keyBits: 1024 },
  });
  legacy.address = '192.0.2.2';
  return result(domain, [makeEndpoint(), legacy], { ...grade('F', 'F', 20), mixed: true, letters: ['A+', 'F'], endpointsGraded: 2 });
}

/** s2s: dialback, a client certificate required on one endpoint, SASL EXTERNAL offered. */
export function s2sServer(domain = 's2s.example'): ScanResult {
  const ep = makeEndpoint({ dh: [2048], extraSuites: [suite('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] });
  ep.xmpp = {
    ...ep.xmpp!,
    dialback: true,
    clientCertificateRequired: true,
    saslMechanismsAfterTls: ['EXTERNAL'],
    saslExternal: { offered: true, attempted: false, succeeded: null, failure: null },
  };
  return result(domain, [ep], grade('A+'), 's2s');
}

/** A result carrying the XEP-0092 `software` field (added to the document separately; cast so this compiles either way). */
export function withSoftware(r: ScanResult, software: unknown): ScanResult {
  return { ...r, software } as ScanResult;
}

/** A domain with one endpoint per (profile, connects) given, each with that one simulation. */
export function withSimulations(domain: string, sims: [string, boolean][]): ScanResult {
  const endpoints = sims.map(([profile, connects], i) => ({
    ...makeEndpoint(),
    address: `192.0.2.${i + 1}`,
    simulations: [
      {
        profile,
        connects,
        protocol: null,
        cipherSuite: null,
        cipherSuiteCode: null,
        group: null,
        forwardSecrecy: null,
        failure: connects ? null : { reason: 'no_shared_protocol' as const, message: 'no shared protocol' },
      },
    ],
  }));
  return result(domain, endpoints, grade('A+', 'A+', 95));
}

/** A domain with one endpoint per DANE status given (each with one TLSA record unless `none`). */
export function withDane(domain: string, statuses: DaneResult['status'][]): ScanResult {
  const endpoints = statuses.map((status, i) => ({
    ...makeEndpoint(),
    address: `192.0.2.${i + 1}`,
    dane: {
      status,
      name: `_5222._tcp.${domain}`,
      dnssec: { srv: null, address: 'secure' as const, tlsa: 'secure' as const },
      records: status === 'none' ? [] : [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
      matched: [],
      problems: [],
    },
  }));
  return result(domain, endpoints, grade('A+', 'A+', 95));
}

/** The report's sections, in order, as ids in the HTML (the render and CLI tests expect exactly these). */
export const SECTION_IDS = [
  'overview',
  'grades',
  'grades-ignoring-trust',
  'certificates',
  'protocols',
  'keys',
  'suites',
  'dh',
  's2s',
  'simulation',
  'dane',
  'software',
  'domains',
];
