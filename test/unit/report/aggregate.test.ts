import { describe, expect, test } from '@jest/globals';
import { aggregate, domainStatus } from '../../../src/report/aggregate.js';
import { flattenCounts } from '../../../src/report/compare.js';
import { resultsOfStore } from '../../../src/report/store-results.js';
import type { ProtocolName, ScanResult } from '../../../src/result/types.js';
import { makeEndpoint, suite } from '../grading/fixtures.js';
import {
  NOW,
  expiredSelfSigned,
  good,
  grade,
  mixedLegacy,
  noTls,
  notServing,
  result,
  s2sServer,
  selfSignedInChain,
  unknownIssuer,
  unreachable,
  withDane,
  withSimulations,
  withSoftware,
} from './fixtures.js';

/** A domain whose one endpoint accepts just the suite `name`. */
const accepting = (name: string, protocol: ProtocolName = 'TLSv1.0'): ScanResult =>
  result(`${name.toLowerCase()}.example`, [makeEndpoint({ protocols: [protocol], suites: [suite(name, protocol)] })], grade('F', 'F', 20));

const c2s = (results: ScanResult[]) => flattenCounts(aggregate(results, { now: NOW }).modes.find((m) => m.mode === 'c2s'));
const s2s = (results: ScanResult[]) => flattenCounts(aggregate(results, { now: NOW }).modes.find((m) => m.mode === 's2s'));

// [what, results, count path (as in the JSON report), expected]
const CASES: [string, ScanResult[], string, number][] = [
  // reachability
  ['every domain is tested', [good(), notServing(), unreachable(), noTls()], 'reachability.tested', 4],
  ['a DNS failure is "not serving"', [good(), notServing()], 'reachability.notServing', 1],
  ['refused connections are "unreachable"', [good(), unreachable()], 'reachability.unreachable', 1],
  ['no STARTTLS is "no TLS"', [good(), noTls()], 'reachability.noTls', 1],
  ['reachable = TLS + no TLS', [good(), noTls(), unreachable()], 'reachability.reachable', 2],
  ['STARTTLS required needs every endpoint', [good('a.example'), good('b.example'), mixedLegacy()], 'reachability.starttlsRequired', 2],
  ['probed = domains with raw TLS results', [good(), noTls(), unreachable()], 'reachability.tlsProbed', 1],
  [
    'partial DNS: domains scanned despite a failed SRV lookup',
    [
      good('a.example'),
      {
        ...good('b.example'),
        warnings: [
          { code: 'dns_partial_failure', message: 'SRV _xmpps-client._tcp.b.example: ETIMEOUT', name: '_xmpps-client._tcp.b.example', condition: 'ETIMEOUT' },
        ],
      },
    ],
    'reachability.dnsPartialFailure',
    1,
  ],
  // grades: the domain grade (worst endpoint), once per domain
  ['A+ counted', [good('a.example'), good('b.example'), mixedLegacy()], 'grades.letters.A+', 2],
  ['a mixed domain counts at its worst letter', [good(), mixedLegacy()], 'grades.letters.F', 1],
  ['T counted', [expiredSelfSigned(), unknownIssuer()], 'grades.letters.T', 2],
  ['ignoring trust: T becomes its TLS letter', [expiredSelfSigned(), unknownIssuer()], 'grades.lettersIgnoringTrust.B', 1],
  ['ignoring trust A+', [good(), unknownIssuer()], 'grades.lettersIgnoringTrust.A+', 2],
  ['ungraded domains', [good(), notServing(), unreachable(), noTls()], 'grades.ungraded', 3],
  // certificates: several problems may apply to one domain
  ['with a certificate', [good(), expiredSelfSigned(), noTls(), unreachable()], 'certificates.withCertificate', 2],
  ['valid', [good(), expiredSelfSigned()], 'certificates.valid', 1],
  ['untrusted', [good(), expiredSelfSigned(), unknownIssuer()], 'certificates.untrusted', 2],
  ['expired', [good(), expiredSelfSigned()], 'certificates.problems.expired', 1],
  ['self-signed', [good(), expiredSelfSigned()], 'certificates.problems.self_signed', 1],
  ['not valid for the host', [good(), expiredSelfSigned()], 'certificates.problems.hostname_mismatch', 1],
  ['self-signed in chain', [selfSignedInChain('x.example', 'CN=Evil Root'), good()], 'certificates.problems.self_signed_in_chain', 1],
  ['unknown issuer', [unknownIssuer(), good()], 'certificates.problems.unknown_issuer', 1],
  ['incomplete chain', [unknownIssuer(), good()], 'certificates.problems.incomplete_chain', 1],
  ['expiring within 30 days (not yet expired)', [unknownIssuer(), expiredSelfSigned(), good()], 'certificates.expiringWithin30Days', 1],
  [
    'top self-signed issuers in chains',
    [selfSignedInChain('x.example', 'CN=Evil Root'), selfSignedInChain('y.example', 'CN=Evil Root'), selfSignedInChain('z.example', 'CN=Other Root')],
    'certificates.selfSignedInChainIssuers.CN=Evil Root',
    2,
  ],
  // protocols: any endpoint
  ['TLS 1.3 support', [good(), mixedLegacy(), expiredSelfSigned()], 'protocols.supported.TLSv1.3', 2],
  ['SSLv3 on one endpoint counts for the domain', [good(), mixedLegacy()], 'protocols.supported.SSLv3', 1],
  ['TLS 1.0', [good(), mixedLegacy(), expiredSelfSigned()], 'protocols.supported.TLSv1.0', 2],
  ['SSLv2 nowhere', [good(), mixedLegacy()], 'protocols.supported.SSLv2', 0],
  // keys: a domain counts once per distinct key
  ['RSA 2048', [good(), mixedLegacy(), expiredSelfSigned()], 'keys.rsaBits.2048', 2],
  ['RSA 1024', [good(), mixedLegacy()], 'keys.rsaBits.1024', 1],
  ['RSA 4096', [unknownIssuer()], 'keys.rsaBits.4096', 1],
  ['EC P-256', [good(), expiredSelfSigned()], 'keys.ecCurves.P-256', 1],
  // suites
  // weak: under 112 bits of strength, EXPORT, NULL or anonymous (as xmpp_tls_cipher_suites{class="weak"})
  ['weak: EXPORT, DES', [good(), mixedLegacy()], 'suites.weak', 1],
  ['weak: DES (56 bits)', [good(), accepting('TLS_RSA_WITH_DES_CBC_SHA')], 'suites.weak', 1],
  ['weak: NULL', [good(), accepting('TLS_RSA_WITH_NULL_SHA')], 'suites.weak', 1],
  ['weak: anonymous, even with 128 bits', [good(), accepting('TLS_DH_anon_WITH_AES_128_CBC_SHA')], 'suites.weak', 1],
  ['not weak: 3DES (112 bits)', [good(), accepting('TLS_RSA_WITH_3DES_EDE_CBC_SHA')], 'suites.weak', 0],
  ['not weak: RC4 with 128 bits (counted as RC4)', [good(), accepting('TLS_RSA_WITH_RC4_128_SHA')], 'suites.weak', 0],
  [
    'weak: each domain once, however many weak suites it accepts',
    [accepting('TLS_RSA_WITH_DES_CBC_SHA'), accepting('TLS_RSA_WITH_NULL_SHA'), mixedLegacy()],
    'suites.weak',
    3,
  ],
  ['EXPORT', [good(), mixedLegacy()], 'suites.export', 1],
  ['RC4', [good(), mixedLegacy()], 'suites.rc4', 1],
  ['at least one forward-secret suite', [good(), mixedLegacy()], 'suites.forwardSecrecy', 2],
  ['forward secrecy only', [good(), mixedLegacy()], 'suites.forwardSecrecyOnly', 1],
  ['AEAD', [good(), mixedLegacy(), expiredSelfSigned()], 'suites.aead', 3],
  // DH
  ['DHE accepted', [good(), mixedLegacy()], 'dh.dhe', 1],
  ['DH below 2048', [good(), mixedLegacy()], 'dh.below2048', 1],
  ['DH size 1024', [good(), mixedLegacy()], 'dh.sizes.1024', 1],
  // Who can connect: a profile reaches a domain when any endpoint accepts it
  ['simulated domains', [withSimulations('a.example', [['openssl_3_0', true]]), good('b.example')], 'simulation.of', 1],
  [
    'a profile that no endpoint accepts cannot connect',
    [
      withSimulations('a.example', [
        ['openssl_3_0', false],
        ['openssl_3_0', true],
      ]),
      withSimulations('b.example', [['openssl_3_0', false]]),
    ],
    'simulation.cannotConnect.openssl_3_0',
    1,
  ],
  ['a profile that connects everywhere counts 0', [withSimulations('a.example', [['openssl_1_0_1', true]])], 'simulation.cannotConnect.openssl_1_0_1', 0],
  [
    'domains a current profile cannot connect to (historic ones do not count)',
    [withSimulations('a.example', [['openssl_3_0', false]]), withSimulations('b.example', [['openssl_1_0_1', false]])],
    'simulation.someCurrentCannot',
    1,
  ],
  // DANE: a domain counts when any of its endpoints does
  ['DANE checked', [withDane('a.example', ['valid']), withDane('b.example', ['none']), good('c.example')], 'dane.of', 2],
  ['DANE: publishing TLSA', [withDane('a.example', ['valid']), withDane('b.example', ['none']), withDane('c.example', ['insecure'])], 'dane.publishing', 2],
  ['DANE: valid needs every endpoint with records', [withDane('a.example', ['valid', 'valid']), withDane('b.example', ['valid', 'mismatch'])], 'dane.valid', 1],
  [
    'DANE: one mismatching endpoint makes a mismatching domain',
    [withDane('a.example', ['valid', 'mismatch']), withDane('b.example', ['valid'])],
    'dane.mismatch',
    1,
  ],
  ['DANE: bogus', [withDane('a.example', ['bogus']), withDane('b.example', ['valid'])], 'dane.bogus', 1],
  ['DANE: errors', [withDane('a.example', ['error']), withDane('b.example', ['none'])], 'dane.error', 1],
];

describe('aggregate: c2s counts', () => {
  test.each(CASES)('%s', (_what, results, path, expected) => {
    expect(c2s(results).get(path)).toBe(expected);
  });
});

describe('aggregate: s2s and software', () => {
  test.each([
    ['s2s domains that answered', 's2s.of', 2],
    ['client certificate required', 's2s.clientCertificateRequired', 1],
    ['SASL EXTERNAL offered', 's2s.saslExternalOffered', 1],
    ['dialback', 's2s.dialback', 1],
  ])('%s', (_what, path, expected) => {
    const results = [s2sServer(), { ...good('plain-s2s.example', 's2s') }, notServing('gone.example', 's2s')];
    expect(s2s(results).get(path)).toBe(expected);
  });

  test('the c2s summary has no s2s section; a domain in both modes counts once in each', () => {
    const report = aggregate([good('both.example'), good('both.example', 's2s')], { now: NOW });
    expect(report.modes.map((m) => [m.mode, m.reachability.tested, m.s2s === null])).toEqual([
      ['c2s', 1, true],
      ['s2s', 1, false],
    ]);
  });

  test('software from the result when present; absent or an error is unknown', () => {
    const results = [
      withSoftware(good('a.example'), { name: 'Prosody', version: '0.12.4', os: 'Linux' }),
      withSoftware(good('b.example'), { name: 'Prosody', version: '13.0.1', os: null }),
      withSoftware(good('c.example'), { error: { code: 'timeout', message: 'no answer' } }),
      good('d.example'),
      notServing(),
    ];
    const report = aggregate(results, { now: NOW });
    const sw = report.modes[0]!.software;
    expect(sw).toMatchObject({ known: 2, unknown: 2 });
    expect(sw.products).toEqual([{ key: 'Prosody', count: 2 }]);
    expect(sw.versions.map((b) => b.key).sort()).toEqual(['Prosody 0.12.4', 'Prosody 13.0.1']);
    expect(report.domains.find((r) => r.domain === 'a.example')?.software).toBe('Prosody 0.12.4 (Linux)');
    expect(sw.unknownReasons.map((b) => [b.key, b.count]).sort()).toEqual([
      ['not asked', 1],
      ['timeout', 1],
    ]);
  });

  test("the daemon's results: the latest scan, but a failed version query keeps the last answer", () => {
    const answered = { name: 'Prosody', version: '0.12.4', os: 'Linux', queriedAt: '2026-01-01T00:00:00.000Z' };
    const failed = { name: null, version: null, os: null, queriedAt: '2026-01-02T00:00:00.000Z', error: { code: 'timeout', message: 'no answer' } };
    const older = withSoftware(good('a.example'), answered);
    const latest = withSoftware({ ...good('a.example'), startedAt: '2026-01-02T00:00:00.000Z' }, failed);
    const [r] = resultsOfStore([{ domain: 'a.example', mode: 'c2s', latest, lastGood: older }]);
    expect(r?.startedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(r?.software).toEqual(answered);
    // Nothing answered ever: the latest scan as it is.
    expect(resultsOfStore([{ domain: 'a.example', mode: 'c2s', latest, lastGood: latest }])[0]).toBe(latest);
  });

  test.each([
    ['no software field (no account, older document)', undefined, 'not asked'],
    ['null', null, 'not asked'],
    ['a stanza error: its condition', { error: { code: 'stanza_error', message: 'x', condition: 'service-unavailable' } }, 'service-unavailable'],
    ['a login failure: its code', { error: { code: 'auth_failed', message: 'x' } }, 'auth_failed'],
    ['an error with text that is not a code', { error: { code: 'Robert"); DROP', message: 'x' } }, 'failed'],
    ['an answer with nothing in it', { name: null, version: null, os: null }, 'empty answer'],
  ])('why the software is unknown: %s', (_name, software, reason) => {
    const r = software === undefined ? good('x.example') : withSoftware(good('x.example'), software);
    expect(aggregate([r], { now: NOW }).modes[0]!.software.unknownReasons).toEqual([{ key: reason, count: 1 }]);
  });
});

describe('aggregate: rows and report', () => {
  test('status of each kind of domain', () => {
    expect([good(), noTls(), unreachable(), notServing()].map(domainStatus)).toEqual(['ok', 'no_tls', 'unreachable', 'not_serving']);
  });

  test('rows are worst first; expiry counted from the report time', () => {
    const report = aggregate([good(), mixedLegacy(), expiredSelfSigned(), notServing(), unreachable()], { now: NOW });
    expect(report.domains.map((r) => r.domain)).toEqual(['down.example', 'nxdomain.example', 'expired.example', 'legacy.example', 'good.example']);
    const expired = report.domains.find((r) => r.domain === 'expired.example')!;
    expect(expired).toMatchObject({ grade: 'T', gradeIgnoringTrust: 'B', status: 'ok', protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'] });
    expect(expired.certificate?.daysToExpiry).toBe(-31);
    expect(expired.certificateProblems).toEqual(['expired', 'self_signed', 'hostname_mismatch']);
    expect(report.domains.find((r) => r.domain === 'down.example')).toMatchObject({
      status: 'unreachable',
      error: 'connection_refused',
      endpoints: 1,
      endpointsReached: 0,
    });
    expect(report.domains.find((r) => r.domain === 'legacy.example')).toMatchObject({ mixed: true, protocols: ['SSLv3', 'TLSv1.0', 'TLSv1.2', 'TLSv1.3'] });
  });

  test('the newest of two results for one target wins; metadata', () => {
    const older = { ...good(), startedAt: '2025-01-01T00:00:00.000Z' };
    const newer = { ...expiredSelfSigned('good.example'), startedAt: '2025-05-31T00:00:00.000Z' };
    const report = aggregate([newer, older], { now: NOW, source: 'test' });
    expect(report.domains).toHaveLength(1);
    expect(report.domains[0]!.grade).toBe('T');
    expect(report).toMatchObject({ reportVersion: 1, generatedAt: NOW.toISOString(), profile: 'ssllabs-2009r', source: 'test' });
  });

  test('no results: an empty report', () => {
    const report = aggregate([], { now: NOW });
    expect(report.modes).toEqual([]);
    expect(report.domains).toEqual([]);
    expect(report.profile).toBeNull();
  });
});
