import { inSuiteClass, SUITE_CLASSES, type SuiteClass, suiteClassesOf, WEAK_SUITES } from '../../../src/result/suite-classes.js';
import type { ProtocolName } from '../../../src/result/types.js';
import { ENDPOINT_FAMILIES } from '../../../src/metrics/families.js';
import { reportSections } from '../../../src/report/sections.js';
import { aggregate } from '../../../src/report/aggregate.js';
import { suite, sslv2Suite } from '../grading/fixtures.js';
import { good } from '../report/fixtures.js';

// The one definition of the suite classes: xmpp_tls_cipher_suites, the report and the text output take them from here.

// [suite, protocol, the classes it is in]
const CASES: [string, ProtocolName, SuiteClass[]][] = [
  ['TLS_AES_128_GCM_SHA256', 'TLSv1.3', ['all', 'forward_secrecy', 'aead']],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2', ['all', 'forward_secrecy', 'aead']],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLSv1.2', ['all', 'forward_secrecy', 'aead']],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'TLSv1.0', ['all', 'forward_secrecy']],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', ['all', 'aead']],
  // 112 bits of strength: not weak, a class of its own
  ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.0', ['all', '3des']],
  ['TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.0', ['all', 'forward_secrecy', '3des']],
  // 128-bit RC4: not weak, counted as rc4
  ['TLS_RSA_WITH_RC4_128_SHA', 'TLSv1.0', ['all', 'rc4']],
  // under 112 bits
  ['TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.0', ['all', 'weak']],
  ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'SSLv3', ['all', 'weak', 'export', 'rc4']],
  ['TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 'SSLv3', ['all', 'weak', 'export']],
  ['TLS_RSA_WITH_NULL_SHA', 'TLSv1.0', ['all', 'weak', 'null']],
  // anonymous: weak whatever its bits
  ['TLS_DH_anon_WITH_AES_128_CBC_SHA', 'TLSv1.0', ['all', 'weak', 'anonymous']],
  ['TLS_ECDH_anon_WITH_AES_256_CBC_SHA', 'TLSv1.0', ['all', 'weak', 'anonymous']],
];

describe('suite classes', () => {
  test.each(CASES)('%s (%s): %j', (name, protocol, classes) => {
    const s = suite(name, protocol);
    expect(suiteClassesOf(s)).toEqual(classes);
    for (const c of SUITE_CLASSES) expect(inSuiteClass(s, c)).toBe(classes.includes(c));
  });

  test.each([
    ['DES_192_EDE3_CBC_WITH_MD5', ['all', '3des']],
    ['DES_64_CBC_WITH_MD5', ['all', 'weak']],
    ['RC2_128_CBC_EXPORT40_WITH_MD5', ['all', 'weak', 'export']],
    ['RC4_128_WITH_MD5', ['all', 'rc4']],
  ] as [string, SuiteClass[]][])('SSLv2 %s: %j', (name, classes) => {
    expect(suiteClassesOf(sslv2Suite(name))).toEqual(classes);
  });

  test('the classes, in the order the metrics list them', () => {
    expect(SUITE_CLASSES).toEqual(['all', 'forward_secrecy', 'aead', 'weak', 'export', 'null', 'anonymous', 'rc4', '3des']);
  });

  test('one meaning of weak, in the same words in the metric help and the report', () => {
    expect(WEAK_SUITES).toBe('under 112 bits of strength, EXPORT, NULL or anonymous');
    expect(ENDPOINT_FAMILIES.cipherSuites.help).toContain(`weak (${WEAK_SUITES})`);
    const suites = reportSections(aggregate([good()])).find((s) => s.id === 'suites');
    expect(JSON.stringify(suites)).toContain(`weak (${WEAK_SUITES})`);
  });
});
