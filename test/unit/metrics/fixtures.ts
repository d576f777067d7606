// Hand-built stored entries for the metrics tests. Grades are written out (not computed) so that these tests check
// the metrics, not the grading rules.
import type { EndpointGrade, EndpointResult, ScanResult } from '../../../src/result/types.js';
import type { StoredEntry } from '../../../src/store/store.js';
import { makeEndpoint, suite } from '../grading/fixtures.js';

/** The scrape time of every test. */
export const NOW = new Date('2025-06-01T00:00:00.000Z');

export function scan(o: Partial<ScanResult> & Pick<ScanResult, 'domain' | 'mode'>): ScanResult {
  return {
    schemaVersion: 1,
    startedAt: '2025-05-31T23:00:00.000Z',
    durationSeconds: 12.5,
    error: null,
    endpoints: [],
    grade: null,
    scanner: { name: 'xmpp-tls-exporter', version: '0.1.0' },
    ...o,
  };
}

/**
 * example.org c2s: TLS 1.1 and 1.2 (no 1.3), one 1024-bit DHE suite, one suite without forward secrecy: a B
 * (two caps, two warnings). The certificate expires in 92.5 days at NOW.
 */
export function modernEndpoint(): EndpointResult {
  const ep = makeEndpoint({
    protocols: ['TLSv1.1', 'TLSv1.2'],
    suites: [
      suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLSv1.1'),
      suite('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2'),
      suite('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { dhBits: 1024 }),
      suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2'),
    ],
    dh: [1024],
    cert: {
      subject: 'CN=example.org',
      issuer: 'CN=Test Intermediate,O=Test CA',
      serial: '0A1B2C',
      fingerprintSha256: 'AB:CD:EF',
      notBefore: '2025-03-03T12:00:00.000Z',
      notAfter: '2025-09-01T12:00:00.000Z',
      keyType: 'RSA',
      keyBits: 2048,
    },
  });
  ep.xmpp = {
    ...ep.xmpp!,
    saslMechanisms: [],
    saslMechanismsAfterTls: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN'],
  };
  ep.grade = {
    profile: 'ssllabs-2009r',
    letter: 'B',
    letterIgnoringTrust: 'B',
    score: 87,
    protocolScore: 95,
    keyExchangeScore: 80,
    cipherScore: 90,
    caps: [
      { code: 'tls10_or_tls11_supported', limit: 'B', message: 'TLS 1.1 is supported' },
      { code: 'dh_below_2048', limit: 'B', message: 'DH parameters of 1024 bits' },
    ],
    warnings: [
      { code: 'no_tls13', message: 'TLS 1.3 is not supported' },
      { code: 'some_suites_without_forward_secrecy', message: '1 of 4 suites lack forward secrecy' },
    ],
  } satisfies EndpointGrade;
  ep.simulations = [
    {
      profile: 'openssl_3_0',
      connects: true,
      protocol: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      cipherSuiteCode: '0xC030',
      group: 'x25519',
      forwardSecrecy: true,
      failure: null,
    },
    {
      profile: 'openssl_1_0_1',
      connects: false,
      protocol: null,
      cipherSuite: null,
      cipherSuiteCode: null,
      group: null,
      forwardSecrecy: null,
      failure: { reason: 'no_shared_protocol', message: 'the server accepts none of TLSv1.0, TLSv1.1, TLSv1.2' },
    },
  ];
  ep.dane = {
    status: 'valid',
    name: '_5222._tcp.xmpp.example.org',
    dnssec: { srv: 'secure', address: 'secure', tlsa: 'secure' },
    records: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
    matched: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32), depth: 0 }],
    problems: [],
  };
  return ep;
}

/** The IPv6 address of the same host, skipped (no IPv6 route from the exporter). */
export function skippedIpv6Endpoint(): EndpointResult {
  return {
    ...makeEndpoint(),
    address: '2001:db8::1',
    family: 6,
    status: 'skipped',
    error: { code: 'no_ipv6_route', message: 'no IPv6 route' },
    xmpp: null,
    certificate: null,
    session: null,
    tls: null,
    grade: null,
    durationSeconds: 0,
  };
}

/** `ep` refusing the connection: nothing found beyond its address. */
function refusedEndpoint(ep: EndpointResult): EndpointResult {
  return {
    ...ep,
    status: 'error',
    error: { code: 'connection_refused', message: 'connection refused', phase: 'connect' },
    xmpp: null,
    certificate: null,
    session: null,
    tls: null,
    grade: null,
    dane: null,
  };
}

export function exampleOrg(): StoredEntry {
  const result = scan({
    domain: 'example.org',
    mode: 'c2s',
    // _xmpps-client timed out; _xmpp-client gave the endpoints below.
    warnings: [
      {
        code: 'dns_partial_failure',
        message: 'DNS lookup of SRV _xmpps-client._tcp.example.org failed: ETIMEOUT',
        name: '_xmpps-client._tcp.example.org',
        condition: 'ETIMEOUT',
      },
    ],
    endpoints: [modernEndpoint(), skippedIpv6Endpoint()],
    grade: {
      profile: 'ssllabs-2009r',
      letter: 'B',
      letterIgnoringTrust: 'B',
      score: 87,
      mixed: false,
      letters: ['B'],
      endpointsGraded: 1,
      endpointsUngraded: 1,
    },
    software: { name: 'Prosody', version: '0.12.4', os: 'Linux', queriedAt: '2025-05-31T23:00:12.000Z' },
  });
  // As the results database recorded them: the certificate was renewed on May 20, the grade changed with the latest scan.
  const lastChanges = { certificate: '2025-05-20T00:00:00.000Z', grade: '2025-05-31T23:00:00.000Z' };
  return { domain: 'example.org', mode: 'c2s', latest: result, lastGood: result, lastChanges };
}

/**
 * broken.example s2s: the latest scan failed (connection refused); the last good one, a day earlier, saw a direct
 * TLS endpoint on an IPv6 literal host with an expired, untrusted certificate (T) and legacy suites.
 */
export function brokenExample(): StoredEntry {
  const legacy: EndpointResult = {
    ...makeEndpoint({
      directTls: true,
      protocols: ['SSLv3', 'TLSv1.0'],
      suites: [
        suite('TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'SSLv3'),
        suite('TLS_RSA_WITH_RC4_128_SHA', 'TLSv1.0'),
        suite('TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.0'),
        suite('TLS_DH_anon_WITH_AES_128_CBC_SHA', 'TLSv1.0'),
        suite('TLS_RSA_WITH_NULL_SHA', 'TLSv1.0'),
      ],
      compression: true,
      secureRenegotiation: false,
      cert: {
        subject: 'CN=broken.example',
        issuer: 'CN=broken.example',
        serial: '01',
        fingerprintSha256: '11:22',
        signatureAlgorithm: 'sha1WithRSAEncryption',
        notBefore: '2024-05-30T00:00:00.000Z',
        notAfter: '2025-05-30T00:00:00.000Z',
        keyType: 'EC',
        keyBits: 256,
        trusted: false,
        trustErrors: ['expired', 'self_signed'],
        hostnameValid: false,
        extendedKeyUsage: ['serverAuth'],
        clientAuth: false,
      },
    }),
    host: '2001:db8::5',
    port: 5270,
    address: '2001:db8::5',
    family: 6,
    source: 'override',
  };
  legacy.xmpp = { ...legacy.xmpp!, starttls: 'none', saslMechanismsAfterTls: ['EXTERNAL'], clientCertificateRequired: null };
  legacy.tls = { ...legacy.tls!, clientCertificateRequested: true };
  legacy.grade = {
    profile: 'xmppoke-2015',
    letter: 'F',
    letterIgnoringTrust: 'F',
    score: 0,
    protocolScore: 40,
    keyExchangeScore: 0,
    cipherScore: 20,
    caps: [{ code: 'export_suites', limit: 'F', message: 'EXPORT suites' }],
    warnings: [{ code: 'protocols_undetermined', message: 'TLS 1.2 could not be determined' }],
  };
  const lastGood = scan({
    domain: 'broken.example',
    mode: 's2s',
    startedAt: '2025-05-31T00:00:00.000Z',
    durationSeconds: 30,
    endpoints: [legacy],
    grade: {
      profile: 'xmppoke-2015',
      letter: 'F',
      letterIgnoringTrust: 'F',
      score: 0,
      mixed: false,
      letters: ['F'],
      endpointsGraded: 1,
      endpointsUngraded: 0,
    },
    // The last answer: kept while later queries fail.
    software: { name: 'ejabberd', version: '23.01', os: null, queriedAt: '2025-05-31T00:00:30.000Z' },
  });
  const refused = refusedEndpoint(legacy);
  const latest = scan({
    domain: 'broken.example',
    mode: 's2s',
    durationSeconds: 0.25,
    endpoints: [refused],
    software: {
      name: null,
      version: null,
      os: null,
      queriedAt: '2025-05-31T23:00:00.250Z',
      error: { code: 'stanza_error', message: 'remote-server-not-found', condition: 'remote-server-not-found' },
    },
  });
  return { domain: 'broken.example', mode: 's2s', latest, lastGood };
}

/** nxdomain.example s2s: the domain never resolved. */
export function nxdomainExample(): StoredEntry {
  const latest = scan({
    domain: 'nxdomain.example',
    mode: 's2s',
    durationSeconds: 0.5,
    error: { code: 'dns_failure', message: 'NXDOMAIN' },
  });
  return { domain: 'nxdomain.example', mode: 's2s', latest, lastGood: null };
}

/** Text a hostile server might send: quotes, backslashes, newlines and a would-be exposition line. */
export const HOSTILE = 'EVIL"} 1\nxmpp_tls_pwned{a="b"} 1\\';

/** The software name odd.example reports: quotes, backslashes and a would-be sample, on one line. */
export const ODD_SOFTWARE = 'EVIL"} 1 xmpp_tls_pwned{a="b"} 1\\';

/** odd.example c2s: a server whose certificate and SASL mechanisms carry HOSTILE text. */
export function oddExample(): StoredEntry {
  const ep = makeEndpoint({
    protocols: ['TLSv1.3'],
    suites: [suite('TLS_AES_128_GCM_SHA256', 'TLSv1.3')],
    compression: null,
    secureRenegotiation: null,
    cert: {
      subject: `CN=${HOSTILE}`,
      issuer: `O=Quote " Backslash \\ Newline \n End`,
      serial: HOSTILE,
      fingerprintSha256: HOSTILE,
      signatureAlgorithm: HOSTILE,
      keyBits: null,
    },
  });
  ep.host = 'odd.example';
  ep.address = '198.51.100.7';
  ep.xmpp = {
    ...ep.xmpp!,
    streamFrom: HOSTILE,
    saslMechanisms: [HOSTILE, 'plain'],
    saslMechanismsAfterTls: ['SCRAM-SHA-256-PLUS', HOSTILE, 'X-EVIL-2', 'X-EVIL-2'],
    compression: [HOSTILE],
    clientCertificateRequired: true,
  };
  ep.error = null;
  // Software text survives sanitising with quotes and backslashes (no newlines): still escaped in the label.
  const software = { name: ODD_SOFTWARE, version: null, os: 'Quote " Backslash \\', queriedAt: '2025-05-31T23:00:12.000Z' };
  const result = scan({ domain: 'odd.example', mode: 'c2s', endpoints: [ep], software });
  return { domain: 'odd.example', mode: 'c2s', latest: result, lastGood: result };
}

export const EXPORTER_STATS = {
  scansTotal: { success: 41, failure: 2 },
  probesTotal: 9001,
  scansInProgress: 3,
  configReloadSuccessful: true,
  configReloadTimestampSeconds: 1748736000,
  storeErrorsTotal: 0,
  targets: 4,
  scheduleLagSeconds: 12.5,
  scanSlots: 16,
  shard: { index: 0, count: 1 },
};

/**
 * example.net c2s, four endpoints of one SRV host, for `metrics.detail: domain`: on IPv4 the B server of example.org
 * (STARTTLS required); on IPv6 the same but STARTTLS only offered, PLAIN before TLS, no secure renegotiation and a
 * chain served incomplete; direct TLS on IPv4 a TLS 1.3-only A+ with its own EC certificate expiring in 30 days at
 * NOW and SCRAM-SHA-256-PLUS; direct TLS on IPv6 refused.
 */
export function multiExample(): StoredEntry {
  const on = (ep: EndpointResult, o: Partial<EndpointResult>): EndpointResult => ({ ...ep, host: 'xmpp.example.net', ...o });
  const v4 = on(modernEndpoint(), { address: '192.0.2.21' });
  const v6 = on(modernEndpoint(), { address: '2001:db8::21', family: 6 });
  v6.xmpp = { ...v6.xmpp!, starttls: 'offered', saslMechanisms: ['PLAIN'] };
  v6.tls = { ...v6.tls!, secureRenegotiation: false };
  v6.certificate = { ...v6.certificate!, trustErrors: ['incomplete_chain'] };
  const direct = on(
    makeEndpoint({
      directTls: true,
      protocols: ['TLSv1.3'],
      compression: null,
      secureRenegotiation: null,
      cert: {
        subject: 'CN=example.net',
        issuer: 'CN=Other CA',
        serial: '0D',
        fingerprintSha256: 'DE:AD',
        signatureAlgorithm: 'ecdsa-with-SHA256',
        notBefore: '2025-04-01T00:00:00.000Z',
        notAfter: '2025-07-01T00:00:00.000Z',
        keyType: 'EC',
        keyBits: 256,
      },
    }),
    { address: '192.0.2.21' },
  );
  direct.xmpp = { ...direct.xmpp!, saslMechanismsAfterTls: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] };
  // Its own TLSA records (port 5223) pin another key: at domain level the target has a valid and a mismatching endpoint.
  direct.dane = {
    status: 'mismatch',
    name: '_5223._tcp.xmpp.example.net',
    dnssec: { srv: 'secure', address: 'secure', tlsa: 'secure' },
    records: [
      { usage: 3, selector: 1, matchingType: 1, data: 'cd'.repeat(32) },
      { usage: 2, selector: 0, matchingType: 1, data: 'ef'.repeat(32) },
    ],
    matched: [],
    problems: [{ code: 'no_match', message: 'matches nothing', record: 0 }],
  };
  direct.grade = {
    profile: 'ssllabs-2009r',
    letter: 'A+',
    letterIgnoringTrust: 'A+',
    score: 100,
    protocolScore: 100,
    keyExchangeScore: 90,
    cipherScore: 100,
    caps: [],
    warnings: [],
  };
  const refused = refusedEndpoint({ ...direct, address: '2001:db8::21', family: 6 });
  const result = scan({
    domain: 'example.net',
    mode: 'c2s',
    endpoints: [v4, v6, direct, refused],
    grade: {
      profile: 'ssllabs-2009r',
      letter: 'B',
      letterIgnoringTrust: 'B',
      score: 87,
      mixed: true,
      letters: ['A+', 'B'],
      endpointsGraded: 3,
      endpointsUngraded: 1,
    },
  });
  return { domain: 'example.net', mode: 'c2s', latest: result, lastGood: result };
}
