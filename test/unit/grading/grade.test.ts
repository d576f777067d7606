import { gradeDomain, gradeEndpoint, ungradedReason } from '../../../src/grading/grade.js';
import { PROFILES } from '../../../src/grading/profiles.js';
import type { EndpointGrade, GradeCapCode, GradeLetter, GradeWarningCode, ProfileName, TrustIgnoringLetter } from '../../../src/grading/types.js';
import type { DaneResult, EndpointResult, SimulationResult } from '../../../src/result/types.js';
import { chainEntry, defaultSuites, group, makeEndpoint, suite, sslv2Suite, type EndpointOptions } from './fixtures.js';

const MODERN: EndpointOptions['protocols'] = ['TLSv1.2', 'TLSv1.3'];

const rsa = (keyBits: number) => ({ cert: { keyType: 'RSA' as const, keyBits } });
const dhe = (dhBits: number, protocol: 'TLSv1.1' | 'TLSv1.2' = 'TLSv1.2') => suite('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', protocol, { dhBits });
const dheDes = (dhBits: number, protocol: 'TLSv1.1' | 'TLSv1.2' = 'TLSv1.2') => suite('TLS_DHE_RSA_WITH_DES_CBC_SHA', protocol, { dhBits });
const chainWithIntermediate = (signatureAlgorithm: string) => ({
  builtChain: [
    chainEntry(),
    chainEntry({ subject: 'CN=Test Intermediate', issuer: 'CN=Test Root', signatureAlgorithm }),
    chainEntry({ subject: 'CN=Test Root', issuer: 'CN=Test Root', source: 'trust_store' }),
  ],
});
const timeout = { code: 'timeout' as const, message: 'no answer within 10 s' };

function grade(o: EndpointOptions, profile: ProfileName): EndpointGrade {
  const g = gradeEndpoint(makeEndpoint(o), profile);
  if (!g) throw new Error('expected a grade');
  return g;
}

interface Case {
  name: string;
  ep: EndpointOptions;
  letter: GradeLetter;
  /** Default: same as letter. */
  ignoring?: TrustIgnoringLetter;
  caps: GradeCapCode[];
  warnings?: GradeWarningCode[];
  /** [protocol, key exchange, cipher, total] */
  scores?: [number, number, number, number];
}

// ---- ssllabs-2009r ----

const SSLLABS_CASES: Case[] = [
  { name: 'modern server', ep: {}, letter: 'A+', caps: [], scores: [100, 90, 90, 93] },
  // F caps
  {
    name: 'SSLv2 next to TLS 1.2/1.3',
    ep: { protocols: ['SSLv2', 'TLSv1.2', 'TLSv1.3'] },
    letter: 'F',
    caps: ['sslv2_supported'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [50, 90, 60, 66],
  },
  {
    name: 'SSLv2 only (protocol score 0 → total 0)',
    ep: { protocols: ['SSLv2'] },
    letter: 'F',
    caps: ['sslv2_supported', 'no_tls12_or_tls13', 'no_forward_secrecy', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [0, 90, 20, 0],
  },
  {
    name: 'SSLv3 the best protocol',
    ep: { protocols: ['SSLv3'] },
    letter: 'F',
    caps: ['sslv3_best_protocol', 'no_tls12_or_tls13', 'sslv3_cbc_poodle', 'sslv3_supported', 'no_forward_secrecy', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [80, 90, 80, 83],
  },
  {
    name: 'EXPORT suite',
    ep: { protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'], extraSuites: [suite('TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 'TLSv1.0')] },
    letter: 'F',
    caps: ['export_suites', 'weak_cipher_below_112_bits', 'tls10_or_tls11_supported'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [95, 40, 60, 64.5],
  },
  {
    name: 'anonymous DH suite (key exchange 0 → total 0)',
    ep: { extraSuites: [suite('TLS_DH_anon_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { dhBits: 2048 })] },
    letter: 'F',
    caps: ['anonymous_suites'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [100, 0, 90, 0],
  },
  { name: 'RSA key 1023 bits', ep: rsa(1023), letter: 'F', caps: ['rsa_key_below_1024'], scores: [100, 40, 90, 78] },
  { name: 'RSA key 1024 bits', ep: rsa(1024), letter: 'B', caps: ['rsa_key_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'RSA key 2047 bits', ep: rsa(2047), letter: 'B', caps: ['rsa_key_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'RSA key 2048 bits', ep: rsa(2048), letter: 'A+', caps: [], scores: [100, 90, 90, 93] },
  { name: 'DSA key 1023 bits', ep: { cert: { keyType: 'DSA', keyBits: 1023 } }, letter: 'F', caps: ['rsa_key_below_1024'] },
  { name: 'DSA key 1024 bits', ep: { cert: { keyType: 'DSA', keyBits: 1024 } }, letter: 'B', caps: ['rsa_key_below_2048'] },
  { name: 'EC P-256 key (no RSA/DSA cap)', ep: { cert: { keyType: 'EC', keyBits: 256, curve: 'P-256' } }, letter: 'A+', caps: [], scores: [100, 90, 90, 93] },
  { name: 'DH 1023 bits', ep: { extraSuites: [dhe(1023)] }, letter: 'F', caps: ['dh_below_1024'], scores: [100, 40, 90, 78] },
  { name: 'DH 1024 bits', ep: { extraSuites: [dhe(1024)] }, letter: 'B', caps: ['dh_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'DH 2047 bits', ep: { extraSuites: [dhe(2047)] }, letter: 'B', caps: ['dh_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'DH 2048 bits', ep: { extraSuites: [dhe(2048)] }, letter: 'A+', caps: [], scores: [100, 90, 90, 93] },
  {
    name: 'DH size only in the DH findings',
    ep: { extraSuites: [suite('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { dhBits: null })], dh: [1024] },
    letter: 'B',
    caps: ['dh_below_2048'],
    scores: [100, 80, 90, 90],
  },
  { name: 'MD5-signed certificate', ep: { cert: { signatureAlgorithm: 'md5WithRSAEncryption' } }, letter: 'F', caps: ['md5_signature'] },
  { name: 'MD2-signed certificate', ep: { cert: { signatureAlgorithm: 'md2WithRSAEncryption' } }, letter: 'F', caps: ['md5_signature'] },
  { name: 'MD5-signed intermediate', ep: { cert: chainWithIntermediate('md5WithRSAEncryption') }, letter: 'F', caps: ['md5_signature'] },
  {
    name: 'MD5-signed root from the trust store (not judged)',
    ep: {
      cert: {
        builtChain: [
          chainEntry(),
          chainEntry({ subject: 'CN=Old Root', issuer: 'CN=Old Root', signatureAlgorithm: 'md5WithRSAEncryption', source: 'trust_store' }),
        ],
      },
    },
    letter: 'A+',
    caps: [],
  },
  {
    name: 'DES (56 bits) with TLS 1.2',
    ep: { extraSuites: [suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.2')] },
    letter: 'F',
    caps: ['weak_cipher_below_112_bits', '64bit_block_cipher_with_modern_protocols'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [100, 90, 60, 81],
  },
  {
    name: 'NULL cipher',
    ep: { extraSuites: [suite('TLS_RSA_WITH_NULL_SHA256', 'TLSv1.2')] },
    letter: 'F',
    caps: ['weak_cipher_below_112_bits'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [100, 90, 50, 77],
  },
  {
    name: 'RC4 only',
    ep: { protocols: ['TLSv1.0'], suites: [suite('TLS_RSA_WITH_RC4_128_SHA', 'TLSv1.0')] },
    letter: 'F',
    caps: ['rc4_only', 'no_tls12_or_tls13', 'tls10_or_tls11_supported', 'rc4_supported', 'no_forward_secrecy', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [90, 90, 80, 86],
  },
  {
    name: 'exactly 80 points still capped (DES)',
    ep: { cert: { keyBits: 4096 }, suites: [suite('TLS_AES_128_GCM_SHA256', 'TLSv1.3', { kxGroup: 'secp384r1' }), dheDes(4096)] },
    letter: 'F',
    caps: ['weak_cipher_below_112_bits', '64bit_block_cipher_with_modern_protocols'],
    scores: [100, 100, 50, 80],
  },
  // C caps
  {
    name: 'TLS 1.0 only',
    ep: { protocols: ['TLSv1.0'] },
    letter: 'C',
    caps: ['no_tls12_or_tls13', 'tls10_or_tls11_supported', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [90, 90, 80, 86],
  },
  {
    name: 'TLS 1.0 with 3DES only: the score decides (C)',
    ep: { protocols: ['TLSv1.0'], suites: [suite('TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.0')], cert: { keyBits: 1024 } },
    letter: 'C',
    caps: ['no_tls12_or_tls13', 'tls10_or_tls11_supported', 'rsa_key_below_2048', 'no_forward_secrecy', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [90, 80, 20, 59],
  },
  {
    name: 'RC4 with TLS 1.2',
    ep: { extraSuites: [suite('TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLSv1.2')] },
    letter: 'C',
    caps: ['rc4_with_modern_protocols', 'rc4_supported'],
  },
  {
    name: 'RC4 with TLS 1.0 only',
    ep: { protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'], extraSuites: [suite('TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLSv1.0')] },
    letter: 'B',
    caps: ['tls10_or_tls11_supported', 'rc4_supported'],
  },
  {
    name: '3DES with TLS 1.2',
    ep: { extraSuites: [suite('TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.2')] },
    letter: 'C',
    caps: ['64bit_block_cipher_with_modern_protocols'],
    scores: [100, 90, 60, 81],
  },
  {
    name: '3DES with TLS 1.0 only',
    ep: { protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'], extraSuites: [suite('TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.0')] },
    letter: 'B',
    caps: ['tls10_or_tls11_supported'],
  },
  {
    name: 'SSLv3 with CBC (POODLE)',
    ep: { protocols: ['SSLv3', 'TLSv1.2', 'TLSv1.3'] },
    letter: 'C',
    caps: ['sslv3_cbc_poodle', 'sslv3_supported'],
    warnings: ['some_suites_without_forward_secrecy'],
    scores: [90, 90, 90, 90],
  },
  { name: 'TLS compression', ep: { compression: true }, letter: 'C', caps: ['tls_compression'] },
  // B caps
  {
    name: 'SSLv3 with RC4 only (no POODLE)',
    ep: { protocols: ['SSLv3', 'TLSv1.2', 'TLSv1.3'], suites: [...defaultSuites(MODERN), suite('TLS_RSA_WITH_RC4_128_SHA', 'SSLv3')] },
    letter: 'B',
    caps: ['sslv3_supported', 'rc4_supported'],
    warnings: ['some_suites_without_forward_secrecy'],
  },
  {
    name: 'TLS 1.1 supported',
    ep: { protocols: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] },
    letter: 'B',
    caps: ['tls10_or_tls11_supported'],
    scores: [97.5, 90, 90, 92.25],
  },
  { name: 'TLS 1.0 and 1.1 supported', ep: { protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }, letter: 'B', caps: ['tls10_or_tls11_supported'] },
  {
    name: 'no forward secrecy',
    ep: { protocols: ['TLSv1.2'], suites: [suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] },
    letter: 'B',
    caps: ['no_forward_secrecy'],
    warnings: ['no_tls13'],
    scores: [100, 90, 80, 89],
  },
  {
    name: 'no AEAD',
    ep: { protocols: ['TLSv1.2'], suites: [suite('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'TLSv1.2')] },
    letter: 'B',
    caps: ['no_aead'],
    warnings: ['no_tls13'],
  },
  { name: 'incomplete chain', ep: { cert: { trustErrors: ['incomplete_chain'] } }, letter: 'B', caps: ['incomplete_chain'] },
  // Warnings: A-
  { name: 'no TLS 1.3', ep: { protocols: ['TLSv1.2'] }, letter: 'A-', caps: [], warnings: ['no_tls13'], scores: [100, 90, 90, 93] },
  {
    name: 'some suites without forward secrecy',
    ep: { extraSuites: [suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] },
    letter: 'A-',
    caps: [],
    warnings: ['some_suites_without_forward_secrecy'],
  },
  { name: 'STARTTLS offered, not required', ep: { starttls: 'offered' }, letter: 'A-', caps: [], warnings: ['encryption_not_required'] },
  { name: 'STARTTLS not advertised', ep: { starttls: 'none' }, letter: 'A-', caps: [], warnings: ['encryption_not_required'] },
  { name: 'direct TLS counts as required', ep: { directTls: true }, letter: 'A+', caps: [] },
  { name: 'no secure renegotiation', ep: { secureRenegotiation: false }, letter: 'A-', caps: [], warnings: ['no_secure_renegotiation'] },
  { name: 'renegotiation is moot with TLS 1.3 only', ep: { protocols: ['TLSv1.3'], secureRenegotiation: false }, letter: 'A+', caps: [] },
  { name: 'SHA-1-signed certificate', ep: { cert: { signatureAlgorithm: 'sha1WithRSAEncryption' } }, letter: 'A-', caps: [], warnings: ['sha1_signature'] },
  { name: 'SHA-1-signed intermediate', ep: { cert: chainWithIntermediate('ecdsa-with-SHA1') }, letter: 'A-', caps: [], warnings: ['sha1_signature'] },
  {
    name: 'SHA-1 self-signed root sent by the server (not judged)',
    ep: {
      cert: {
        builtChain: [
          chainEntry(),
          chainEntry({ subject: 'CN=Test Intermediate', issuer: 'CN=Test Intermediate', signatureAlgorithm: 'sha1WithRSAEncryption' }),
        ],
      },
    },
    letter: 'A+',
    caps: [],
  },
  { name: 'a protocol undetermined', ep: { protocolErrors: { SSLv3: timeout } }, letter: 'A-', caps: [], warnings: ['protocols_undetermined'] },
  {
    name: 'a current client cannot connect (a historic one failing is no warning)',
    ep: { simulations: { connect: ['jsse_17'], cannotConnect: ['openssl_3_0', 'openssl_1_0_1'] } },
    letter: 'A-',
    caps: [],
    warnings: ['current_client_cannot_connect'],
  },
  { name: 'only a historic client fails', ep: { simulations: { connect: ['openssl_3_0'], cannotConnect: ['openssl_1_0_1'] } }, letter: 'A+', caps: [] },
  {
    name: 'warnings leave a B alone',
    ep: { protocols: ['TLSv1.2'], suites: [suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')], starttls: 'offered' },
    letter: 'B',
    caps: ['no_forward_secrecy'],
    warnings: ['no_tls13', 'encryption_not_required'],
  },
  // Certificate trust: T and M
  {
    name: 'self-signed certificate',
    ep: { cert: { trusted: false, trustErrors: ['self_signed'], selfSigned: true } },
    letter: 'T',
    ignoring: 'A+',
    caps: ['certificate_not_trusted'],
  },
  { name: 'expired certificate', ep: { cert: { trusted: false, trustErrors: ['expired'] } }, letter: 'T', ignoring: 'A+', caps: ['certificate_not_trusted'] },
  {
    name: 'untrusted and for another domain: T, not M',
    ep: { cert: { trusted: false, trustErrors: ['unknown_issuer'], hostnameValid: false } },
    letter: 'T',
    ignoring: 'A+',
    caps: ['certificate_not_trusted'],
  },
  { name: 'trusted, for another domain', ep: { cert: { hostnameValid: false } }, letter: 'M', ignoring: 'A+', caps: ['certificate_name_mismatch'] },
  {
    name: 'trusted, for another domain, TLS 1.1',
    ep: { cert: { hostnameValid: false }, protocols: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] },
    letter: 'M',
    ignoring: 'B',
    caps: ['certificate_name_mismatch', 'tls10_or_tls11_supported'],
  },
  {
    name: 'untrusted with SSLv2',
    ep: { cert: { trusted: false, trustErrors: ['self_signed'] }, protocols: ['SSLv2', 'TLSv1.2', 'TLSv1.3'] },
    letter: 'T',
    ignoring: 'F',
    caps: ['certificate_not_trusted', 'sslv2_supported'],
    warnings: ['some_suites_without_forward_secrecy'],
  },
  { name: 'no certificate obtained', ep: { cert: null }, letter: 'T', ignoring: 'A+', caps: ['certificate_unavailable'], scores: [100, 90, 90, 93] },
  {
    name: 'SSLv3-only server without a certificate (nothing measurable in the key exchange)',
    ep: { protocols: ['SSLv3'], cert: null },
    letter: 'T',
    ignoring: 'F',
    caps: ['certificate_unavailable', 'sslv3_best_protocol', 'no_tls12_or_tls13', 'sslv3_cbc_poodle', 'sslv3_supported', 'no_forward_secrecy', 'no_aead'],
    warnings: ['no_tls13'],
    scores: [80, 100, 80, 86],
  },
];

// ---- xmppoke-2015 ----

const XMPPOKE_CASES: Case[] = [
  { name: 'modern server: A, never A+', ep: {}, letter: 'A', caps: [], scores: [100, 90, 90, 93] },
  { name: 'EC certificate key scores 100', ep: { cert: { keyType: 'EC', keyBits: 256, curve: 'P-256' } }, letter: 'A', caps: [], scores: [100, 100, 90, 96] },
  { name: 'SSLv2 scores 20', ep: { protocols: ['SSLv2', 'TLSv1.2'] }, letter: 'F', caps: ['sslv2_supported'], scores: [60, 90, 60, 69] },
  {
    name: 'SSLv3 the best protocol',
    ep: { protocols: ['SSLv3'] },
    letter: 'F',
    caps: ['sslv3_best_protocol', 'no_tls12_or_tls13', 'sslv3_supported'],
    scores: [80, 90, 80, 83],
  },
  { name: 'SSLv3 supported', ep: { protocols: ['SSLv3', 'TLSv1.2'] }, letter: 'B', caps: ['sslv3_supported'] },
  { name: 'RSA key 1023 bits', ep: rsa(1023), letter: 'F', caps: ['rsa_key_below_1024'], scores: [100, 40, 90, 78] },
  { name: 'RSA key 1024 bits', ep: rsa(1024), letter: 'B', caps: ['rsa_key_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'RSA key 2047 bits', ep: rsa(2047), letter: 'B', caps: ['rsa_key_below_2048'] },
  { name: 'RSA key 2048 bits', ep: rsa(2048), letter: 'A', caps: [] },
  { name: 'MD5-signed certificate', ep: { cert: { signatureAlgorithm: 'md5WithRSAEncryption' } }, letter: 'F', caps: ['md5_signature'] },
  { name: 'SHA-1-signed certificate: no rule', ep: { cert: { signatureAlgorithm: 'sha1WithRSAEncryption' } }, letter: 'A', caps: [] },
  { name: 'TLS compression', ep: { compression: true }, letter: 'C', caps: ['tls_compression'] },
  { name: 'RC4 with TLS 1.2', ep: { extraSuites: [suite('TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLSv1.2')] }, letter: 'C', caps: ['rc4_with_modern_protocols'] },
  {
    name: 'RC4 with TLS 1.0 only: no rule',
    ep: { protocols: ['TLSv1.0', 'TLSv1.2'], extraSuites: [suite('TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLSv1.0')] },
    letter: 'A',
    caps: [],
    scores: [95, 90, 90, 91.5],
  },
  { name: 'no TLS 1.2', ep: { protocols: ['TLSv1.0'] }, letter: 'C', caps: ['no_tls12_or_tls13'] },
  { name: 'TLS 1.3 only', ep: { protocols: ['TLSv1.3'] }, letter: 'A', caps: [] },
  {
    name: '3DES with TLS 1.2: no rule',
    ep: { extraSuites: [suite('TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.2')] },
    letter: 'A',
    caps: [],
    scores: [100, 90, 60, 81],
  },
  { name: 'DH 1023 bits: B, not F', ep: { extraSuites: [dhe(1023)] }, letter: 'B', caps: ['dh_below_2048'], scores: [100, 40, 90, 78] },
  { name: 'DH 1024 bits', ep: { extraSuites: [dhe(1024)] }, letter: 'B', caps: ['dh_below_2048'], scores: [100, 80, 90, 90] },
  { name: 'DH 2047 bits', ep: { extraSuites: [dhe(2047)] }, letter: 'B', caps: ['dh_below_2048'] },
  { name: 'DH 2048 bits', ep: { extraSuites: [dhe(2048)] }, letter: 'A', caps: [] },
  {
    name: 'untrusted certificate: F',
    ep: { cert: { trusted: false, trustErrors: ['unknown_issuer'] } },
    letter: 'F',
    ignoring: 'A',
    caps: ['certificate_not_trusted'],
  },
  { name: 'certificate for another domain: F', ep: { cert: { hostnameValid: false } }, letter: 'F', ignoring: 'A', caps: ['certificate_name_mismatch'] },
  {
    name: 'untrusted and for another domain',
    ep: { cert: { trusted: false, trustErrors: ['self_signed'], hostnameValid: false } },
    letter: 'F',
    ignoring: 'A',
    caps: ['certificate_not_trusted', 'certificate_name_mismatch'],
  },
  { name: 'no certificate obtained', ep: { cert: null }, letter: 'F', ignoring: 'A', caps: ['certificate_unavailable'], scores: [100, 100, 90, 96] },
  {
    name: 'EXPORT suite: key exchange 40',
    ep: { extraSuites: [suite('TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 'TLSv1.2')] },
    letter: 'B',
    caps: [],
    scores: [100, 40, 60, 66],
  },
  {
    name: 'anonymous suite: total 0',
    ep: { extraSuites: [suite('TLS_DH_anon_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] },
    letter: 'F',
    caps: [],
    scores: [100, 0, 90, 0],
  },
  { name: 'STARTTLS not required: no rule', ep: { starttls: 'offered' }, letter: 'A', caps: [] },
  {
    name: 'a protocol undetermined: said, letter kept',
    ep: { protocolErrors: { SSLv3: timeout } },
    letter: 'A',
    caps: [],
    warnings: ['protocols_undetermined'],
  },
  {
    name: 'a current client cannot connect: said, letter kept',
    ep: { simulations: { cannotConnect: ['gnutls_3_7'] } },
    letter: 'A',
    caps: [],
    warnings: ['current_client_cannot_connect'],
  },
  // Score bands end to end (xmppoke-2015 has no cipher caps, so the score decides).
  {
    name: 'score exactly 80 → A',
    ep: { protocols: ['TLSv1.2'], suites: [dhe(4096), dheDes(4096)], cert: { keyBits: 4096 } },
    letter: 'A',
    caps: [],
    scores: [100, 100, 50, 80],
  },
  {
    name: 'score 79.25 → B',
    ep: { protocols: ['TLSv1.1', 'TLSv1.2'], suites: [dhe(4096), dheDes(4096), dheDes(4096, 'TLSv1.1')], cert: { keyBits: 4096 } },
    letter: 'B',
    caps: [],
    scores: [97.5, 100, 50, 79.25],
  },
  {
    name: 'score exactly 65 → B',
    ep: { protocols: ['TLSv1.2'], suites: [suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.2')] },
    letter: 'B',
    caps: [],
    scores: [100, 90, 20, 65],
  },
  {
    name: 'score 64.25 → C',
    ep: { protocols: ['TLSv1.1', 'TLSv1.2'], suites: [suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.1'), suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.2')] },
    letter: 'C',
    caps: [],
    scores: [97.5, 90, 20, 64.25],
  },
  {
    name: 'score exactly 50 → C (under a B cap)',
    ep: { protocols: ['TLSv1.2'], suites: [dheDes(1000)], cert: { keyBits: 4096 } },
    letter: 'C',
    caps: ['dh_below_2048'],
    scores: [100, 40, 20, 50],
  },
  {
    name: 'score 49.25 → D (under a B cap)',
    ep: { protocols: ['TLSv1.1', 'TLSv1.2'], suites: [dheDes(1000, 'TLSv1.1'), dheDes(1000)], cert: { keyBits: 4096 } },
    letter: 'D',
    caps: ['dh_below_2048'],
    scores: [97.5, 40, 20, 49.25],
  },
];

describe.each<[ProfileName, Case[]]>([
  ['ssllabs-2009r', SSLLABS_CASES],
  ['xmppoke-2015', XMPPOKE_CASES],
])('gradeEndpoint, %s', (profile, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const g = grade(c.ep, profile);
    expect(g.profile).toBe(profile);
    expect(g.letter).toBe(c.letter);
    expect(g.letterIgnoringTrust).toBe(c.ignoring ?? c.letter);
    expect(g.caps.map((x) => x.code).sort()).toEqual([...c.caps].sort());
    expect(g.warnings.map((x) => x.code).sort()).toEqual([...(c.warnings ?? [])].sort());
    if (c.scores) expect([g.protocolScore, g.keyExchangeScore, g.cipherScore, g.score]).toEqual(c.scores);
    for (const x of [...g.caps, ...g.warnings]) expect(x.message).toMatch(/^[A-Z0-9].{10,}[^.]$/);
  });

  it('has a case for every cap and warning of the profile', () => {
    const rules = [...PROFILES[profile].caps.map((r) => r.code), ...PROFILES[profile].warnings.map((r) => r.code)];
    const covered = new Set(cases.flatMap((c) => [...c.caps, ...(c.warnings ?? [])]));
    expect(rules.filter((code) => !covered.has(code))).toEqual([]);
  });
});

describe('key exchange score (ssllabs-2009r)', () => {
  const rsaOnly = { protocols: ['TLSv1.2' as const], suites: [suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] };
  it.each([
    [511, 20],
    [512, 40],
    [1023, 40],
    [1024, 80],
    [2047, 80],
    [2048, 90],
    [4095, 90],
    [4096, 100],
  ])('RSA key of %i bits → %i', (keyBits, score) => {
    expect(grade({ ...rsaOnly, cert: { keyBits } }, 'ssllabs-2009r').keyExchangeScore).toBe(score);
  });

  const ecdsa = (kxGroup: string) => ({ protocols: ['TLSv1.2' as const], suites: [suite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { kxGroup })] });
  it.each<['EC' | 'Ed25519' | 'Ed448', number, number]>([
    ['EC', 159, 40],
    ['EC', 160, 80],
    ['EC', 223, 80],
    ['EC', 224, 90],
    ['EC', 256, 90],
    ['EC', 383, 90],
    ['EC', 384, 100],
    ['EC', 521, 100],
    ['Ed25519', 256, 90],
    ['Ed448', 456, 100],
  ])('%s key of %i bits → %i (RSA-equivalent)', (keyType, keyBits, score) => {
    expect(grade({ ...ecdsa('secp384r1'), cert: { keyType, keyBits } }, 'ssllabs-2009r').keyExchangeScore).toBe(score);
  });

  it.each([
    ['secp256r1', 90],
    ['x25519', 90],
    ['secp384r1', 100],
    ['secp521r1', 100],
    ['x448', 100],
    ['secp224r1', 90],
    ['secp192r1', 80],
    ['secp160r1', 80],
    ['0xFAFA', 100], // not a known group: not rated
  ])('ECDHE over %s with an RSA 4096 key → %i', (kxGroup, score) => {
    const ep = { protocols: ['TLSv1.2' as const], suites: [suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { kxGroup })], cert: { keyBits: 4096 } };
    expect(grade(ep, 'ssllabs-2009r').keyExchangeScore).toBe(score);
  });

  it.each([
    ['ffdhe2048', 90],
    ['ffdhe4096', 100],
    ['X25519MLKEM768', 90],
    ['MLKEM768', 100], // pure ML-KEM: no classical size to rate
  ])('TLS 1.3 over %s with an RSA 4096 key → %i', (kxGroup, score) => {
    const ep = { protocols: ['TLSv1.3' as const], suites: [suite('TLS_AES_128_GCM_SHA256', 'TLSv1.3', { kxGroup })], cert: { keyBits: 4096 } };
    expect(grade(ep, 'ssllabs-2009r').keyExchangeScore).toBe(score);
  });

  it('counts the weakest group the server accepts for the protocol family', () => {
    const base = {
      protocols: ['TLSv1.2' as const],
      suites: [suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { kxGroup: 'secp384r1' })],
      cert: { keyBits: 4096 },
    };
    expect(grade({ ...base, groups: [group('secp384r1', 'TLSv1.2'), group('secp192r1', 'TLSv1.2')] }, 'ssllabs-2009r').keyExchangeScore).toBe(80);
    expect(grade({ ...base, groups: [group('secp192r1', 'TLSv1.3')] }, 'ssllabs-2009r').keyExchangeScore).toBe(100);
  });

  it('takes the weakest suite: the certificate key bounds an ECDHE suite too', () => {
    const ep = {
      suites: [suite('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', { kxGroup: 'secp521r1' })],
      protocols: ['TLSv1.2' as const],
      cert: { keyBits: 2048 },
    };
    expect(grade(ep, 'ssllabs-2009r').keyExchangeScore).toBe(90);
  });

  it('xmppoke-2015 rates neither ECDHE groups nor EC key sizes', () => {
    const ep = { ...ecdsa('secp192r1'), cert: { keyType: 'EC' as const, keyBits: 192 } };
    expect(grade(ep, 'xmppoke-2015').keyExchangeScore).toBe(100);
    expect(grade(ep, 'ssllabs-2009r').keyExchangeScore).toBe(80);
  });

  it.each([
    [511, 20],
    [512, 40],
    [1023, 40],
    [1024, 80],
    [2047, 80],
    [2048, 90],
    [4095, 90],
    [4096, 100],
  ])('xmppoke-2015: DHE prime of %i bits → %i', (dhBits, score) => {
    expect(grade({ protocols: ['TLSv1.2'], suites: [dhe(dhBits)], cert: { keyBits: 4096 } }, 'xmppoke-2015').keyExchangeScore).toBe(score);
  });
});

describe('protocol and cipher scores', () => {
  it.each<[ProfileName, EndpointOptions['protocols'], number]>([
    ['ssllabs-2009r', ['TLSv1.3'], 100],
    ['ssllabs-2009r', ['TLSv1.2'], 100],
    ['ssllabs-2009r', ['TLSv1.1', 'TLSv1.2'], 97.5],
    ['ssllabs-2009r', ['TLSv1.0', 'TLSv1.3'], 95],
    ['ssllabs-2009r', ['TLSv1.1'], 95],
    ['ssllabs-2009r', ['TLSv1.0'], 90],
    ['ssllabs-2009r', ['SSLv3', 'TLSv1.2'], 90],
    ['ssllabs-2009r', ['SSLv3'], 80],
    ['ssllabs-2009r', ['SSLv2', 'TLSv1.3'], 50],
    ['ssllabs-2009r', ['SSLv2'], 0],
    ['xmppoke-2015', ['SSLv2', 'TLSv1.2'], 60],
    ['xmppoke-2015', ['SSLv2'], 20],
    ['xmppoke-2015', ['TLSv1.3'], 100],
  ])('%s: %j → %d', (profile, protocols, score) => {
    expect(grade({ protocols }, profile).protocolScore).toBe(score);
  });

  it.each<[string, number, string[]]>([
    ['AES-256 only', 100, ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']],
    ['ChaCha20 only', 100, ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256']],
    ['AES-128 only', 80, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']],
    ['AES-256 and AES-128', 90, ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']],
    ['3DES only (112 bits)', 20, ['TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA']],
    ['AES-256 and 3DES', 60, ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA']],
    ['AES-256 and NULL', 50, ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_NULL_SHA']],
  ])('cipher score, %s → %d', (_name, score, names) => {
    const suites = names.map((n) => suite(n, 'TLSv1.2'));
    expect(grade({ protocols: ['TLSv1.2'], suites }, 'ssllabs-2009r').cipherScore).toBe(score);
  });

  it('the SSLv2 cipher specs count like suites', () => {
    const g = grade({ protocols: ['SSLv2', 'TLSv1.2'], suites: [...defaultSuites(['TLSv1.2']), sslv2Suite('RC4_128_EXPORT40_WITH_MD5')] }, 'ssllabs-2009r');
    expect(g.cipherScore).toBe(60);
    expect(g.keyExchangeScore).toBe(40);
    expect(g.caps.map((c) => c.code)).toEqual(expect.arrayContaining(['export_suites', 'weak_cipher_below_112_bits', 'rc4_supported']));
  });
});

describe('cap order and messages', () => {
  it('lists caps most severe first, trust caps first of all', () => {
    const g = grade({ protocols: ['SSLv2'], cert: { trusted: false, trustErrors: ['unknown_issuer'] } }, 'ssllabs-2009r');
    expect(g.caps.map((c) => [c.limit, c.code])).toEqual([
      ['T', 'certificate_not_trusted'],
      ['F', 'sslv2_supported'],
      ['C', 'no_tls12_or_tls13'],
      ['B', 'no_forward_secrecy'],
      ['B', 'no_aead'],
    ]);
  });

  it.each<[string, EndpointOptions, GradeCapCode | GradeWarningCode, string]>([
    ['DH', { extraSuites: [dhe(1024)] }, 'dh_below_2048', 'DH parameters of 1024 bits (< 2048) cap the grade at B'],
    ['DH F', { extraSuites: [dhe(768)] }, 'dh_below_1024', 'DH parameters of 768 bits (< 1024) cap the grade at F'],
    ['RSA', rsa(1023), 'rsa_key_below_1024', "The certificate's RSA key of 1023 bits (< 1024) caps the grade at F"],
    ['DSA', { cert: { keyType: 'DSA', keyBits: 1024 } }, 'rsa_key_below_2048', "The certificate's DSA key of 1024 bits (< 2048) caps the grade at B"],
    [
      'TLS 1.0/1.1',
      { protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'] },
      'tls10_or_tls11_supported',
      'TLS 1.0 and TLS 1.1 are supported: the grade is capped at B',
    ],
    ['TLS 1.1', { protocols: ['TLSv1.1', 'TLSv1.2'] }, 'tls10_or_tls11_supported', 'TLS 1.1 is supported: the grade is capped at B'],
    [
      'weak cipher',
      { extraSuites: [suite('TLS_RSA_WITH_DES_CBC_SHA', 'TLSv1.2')] },
      'weak_cipher_below_112_bits',
      'Cipher suites with fewer than 112 effective bits are accepted (TLS_RSA_WITH_DES_CBC_SHA 56 bits): the grade is capped at F',
    ],
    [
      'export, listed with a limit',
      {
        extraSuites: [
          'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
          'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5',
          'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
          'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA',
        ].map((n) => suite(n, 'TLSv1.0')),
      },
      'export_suites',
      'EXPORT cipher suites are accepted (TLS_RSA_EXPORT_WITH_RC4_40_MD5, TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5, TLS_RSA_EXPORT_WITH_DES40_CBC_SHA and 1 more): the grade is capped at F',
    ],
    [
      'MD5 intermediate',
      { cert: chainWithIntermediate('md5WithRSAEncryption') },
      'md5_signature',
      'The intermediate certificate CN=Test Intermediate is signed with md5WithRSAEncryption: the grade is capped at F',
    ],
    [
      'untrusted',
      { cert: { trusted: false, trustErrors: ['expired', 'unknown_issuer', 'weak_key'] } },
      'certificate_not_trusted',
      'The certificate is not trusted (expired, unknown issuer): the grade is T',
    ],
    [
      'untrusted and mismatched',
      {
        cert: {
          trusted: false,
          trustErrors: ['self_signed'],
          hostnameValid: false,
          sans: { dns: ['other.example'], srv: [], xmppAddr: [], ip: [], uri: [], email: [] },
          commonName: null,
        },
      },
      'certificate_not_trusted',
      'The certificate is not trusted (self-signed), and no identity in it matches the domain (it is for other.example): the grade is T',
    ],
    [
      'mismatch',
      {
        cert: { hostnameValid: false, sans: { dns: ['a.example', '*.a.example'], srv: [], xmppAddr: [], ip: [], uri: [], email: [] }, commonName: 'a.example' },
      },
      'certificate_name_mismatch',
      'The certificate is trusted but no identity in it matches the domain (it is for a.example, *.a.example): the grade is M',
    ],
    ['STARTTLS', { starttls: 'offered' }, 'encryption_not_required', 'STARTTLS is offered but not required: the stream can go on unencrypted'],
    ['SHA-1', { cert: { signatureAlgorithm: 'sha1WithRSAEncryption' } }, 'sha1_signature', 'The server certificate is signed with sha1WithRSAEncryption'],
    [
      'forward secrecy',
      { extraSuites: [suite('TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2')] },
      'some_suites_without_forward_secrecy',
      '1 of 5 accepted cipher suites lack forward secrecy (TLS_RSA_WITH_AES_128_GCM_SHA256)',
    ],
    [
      'undetermined',
      { protocolErrors: { SSLv3: timeout } },
      'protocols_undetermined',
      'Support for SSLv3 (timeout) could not be determined: the grade may be too high',
    ],
  ])('%s', (_name, ep, code, message) => {
    const g = grade(ep, 'ssllabs-2009r');
    expect([...g.caps, ...g.warnings].find((x) => x.code === code)?.message).toBe(message);
  });
});

describe('endpoints without a grade', () => {
  it.each<[string, EndpointOptions, string]>([
    ['skipped', { status: 'skipped', error: { code: 'no_ipv6_route', message: 'no IPv6 route' }, probed: false, cert: null }, 'skipped'],
    ['connection refused', { status: 'error', error: { code: 'connection_refused', message: 'refused' }, probed: false, cert: null }, 'not_probed'],
    ['TLS probing off', { probed: false }, 'not_probed'],
    ['no protocol accepted', { protocols: [], protocolErrors: { 'TLSv1.2': timeout } }, 'no_protocol'],
    ['no suite found', { suites: [] }, 'no_cipher_suites'],
    [
      'a deadline cut the probe short',
      { status: 'error', error: { code: 'timeout', message: 'budget', phase: 'tls_handshake', deadline: 'endpoint' }, partial: true },
      'partial',
    ],
    [
      'hellos answered, but no handshake completed and no certificate seen',
      { status: 'error', error: { code: 'tls_handshake_failed', message: 'handshake failure', phase: 'tls_handshake' }, cert: null },
      'handshake_failed',
    ],
  ])('%s', (_name, o, code) => {
    const ep = makeEndpoint(o);
    expect(gradeEndpoint(ep)).toBeNull();
    expect(gradeEndpoint(ep, 'xmppoke-2015')).toBeNull();
    const reason = ungradedReason(ep);
    expect(reason?.code).toBe(code);
    expect(reason?.message).toMatch(/^The |^No /);
  });

  it('the reason carries the error', () => {
    const ep = makeEndpoint({ status: 'skipped', error: { code: 'no_ipv6_route', message: 'no IPv6 route' }, probed: false });
    expect(ungradedReason(ep)?.message).toBe('The endpoint was skipped (no_ipv6_route: no IPv6 route)');
  });

  it('an endpoint whose full handshake failed is graded from the probe, with the certificate the probe saw', () => {
    const ep = makeEndpoint({
      status: 'error',
      error: { code: 'tls_handshake_failed', message: 'no shared protocol', phase: 'tls_handshake' },
      protocols: ['SSLv3'],
    });
    expect(ungradedReason(ep)).toBeNull();
    expect(gradeEndpoint(ep)).toMatchObject({ letter: 'F', letterIgnoringTrust: 'F' });
  });

  it('a completed handshake without a certificate (anonymous suites only) is graded, capped by certificate_unavailable', () => {
    const ep = makeEndpoint({ cert: null });
    expect(ungradedReason(ep)).toBeNull();
    expect(gradeEndpoint(ep)).toMatchObject({ letter: 'T', caps: [expect.objectContaining({ code: 'certificate_unavailable' })] });
  });

  it('rejects an unknown profile', () => {
    expect(() => gradeEndpoint(makeEndpoint(), 'nope' as ProfileName)).toThrow(/unknown grading profile/);
  });
});

describe('gradeDomain', () => {
  const a = grade({}, 'ssllabs-2009r'); // A+ 93
  const aMinus = grade({ protocols: ['TLSv1.2'] }, 'ssllabs-2009r'); // A- 93
  const b = grade({ protocols: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }, 'ssllabs-2009r'); // B 92.25
  const f = grade({ protocols: ['SSLv3'] }, 'ssllabs-2009r'); // F 83
  const t = grade({ cert: { trusted: false, trustErrors: ['self_signed'] } }, 'ssllabs-2009r'); // T (A+) 93
  const m = grade({ cert: { hostnameValid: false } }, 'ssllabs-2009r'); // M (A+) 93

  it('the fixtures are what the roll-up cases assume', () => {
    expect([a, aMinus, b, f, t, m].map((g) => [g.letter, g.letterIgnoringTrust])).toEqual([
      ['A+', 'A+'],
      ['A-', 'A-'],
      ['B', 'B'],
      ['F', 'F'],
      ['T', 'A+'],
      ['M', 'A+'],
    ]);
  });

  it('all endpoints agree', () => {
    expect(gradeDomain([a, a])).toEqual({
      profile: 'ssllabs-2009r',
      letter: 'A+',
      letterIgnoringTrust: 'A+',
      score: 93,
      mixed: false,
      letters: ['A+'],
      endpointsGraded: 2,
      endpointsUngraded: 0,
    });
  });

  it('takes the worst endpoint and marks the disagreement', () => {
    expect(gradeDomain([a, b, aMinus, null])).toEqual({
      profile: 'ssllabs-2009r',
      letter: 'B',
      letterIgnoringTrust: 'B',
      score: 92.25,
      mixed: true,
      letters: ['A+', 'A-', 'B'],
      endpointsGraded: 3,
      endpointsUngraded: 1,
    });
  });

  it.each<[string, EndpointGrade[], GradeLetter, TrustIgnoringLetter]>([
    ['T below F', [f, t], 'T', 'F'],
    ['M below F', [m, f], 'M', 'F'],
    ['T below M', [m, t], 'T', 'A+'],
    ['trust-ignored letters roll up separately', [t, b], 'T', 'B'],
  ])('%s', (_name, grades, letter, ignoring) => {
    const d = gradeDomain(grades);
    expect(d?.letter).toBe(letter);
    expect(d?.letterIgnoringTrust).toBe(ignoring);
    expect(d?.mixed).toBe(true);
  });

  it('no graded endpoint: no domain grade', () => {
    expect(gradeDomain([])).toBeNull();
    expect(gradeDomain([null, null])).toBeNull();
  });

  it('refuses to mix profiles', () => {
    expect(() => gradeDomain([a, grade({}, 'xmppoke-2015')])).toThrow(/different profiles/);
  });
});

// ---- DANE (XMPP-specific, both profiles) ----

describe('a DNSSEC-secure DANE-EE/DANE-TA match authenticates the server (RFC 7673)', () => {
  const data = 'ab'.repeat(32);
  const dane = (status: DaneResult['status'], usages: number[]): DaneResult => ({
    status,
    name: '_5222._tcp.xmpp.example.org',
    dnssec: { srv: 'secure', address: 'secure', tlsa: 'secure' },
    records: usages.map((usage) => ({ usage, selector: 1, matchingType: 1, data })),
    matched: status === 'valid' ? usages.map((usage) => ({ usage, selector: 1, matchingType: 1, data, depth: usage === 2 ? 1 : 0 })) : [],
    problems: [],
  });
  const selfSigned = { trusted: false, trustErrors: ['self_signed' as const], selfSigned: true };
  const withDane = (cert: EndpointOptions['cert'], d: DaneResult | null): EndpointResult => ({ ...makeEndpoint({ cert }), dane: d });

  test.each([
    // name, profile, cert, dane, letter, caps, note
    ['self-signed, DANE-EE valid', 'ssllabs-2009r', selfSigned, dane('valid', [3]), 'A+', [], 'certificate_not_trusted'],
    ['self-signed, DANE-TA valid', 'ssllabs-2009r', selfSigned, dane('valid', [2]), 'A+', [], 'certificate_not_trusted'],
    ['self-signed, DANE-EE valid (xmppoke-2015: F lifted too)', 'xmppoke-2015', selfSigned, dane('valid', [3]), 'A', [], 'certificate_not_trusted'],
    ['trusted, another name, DANE-EE valid: M lifted', 'ssllabs-2009r', { hostnameValid: false }, dane('valid', [3]), 'A+', [], 'certificate_name_mismatch'],
    ['self-signed, PKIX-EE "valid" cannot be (PKIX failed): still T', 'ssllabs-2009r', selfSigned, dane('valid', [1]), 'T', ['certificate_not_trusted'], null],
    ['self-signed, DANE mismatch: the grade is untouched', 'ssllabs-2009r', selfSigned, dane('mismatch', [3]), 'T', ['certificate_not_trusted'], null],
    ['self-signed, TLSA insecure: ignored', 'ssllabs-2009r', selfSigned, dane('insecure', [3]), 'T', ['certificate_not_trusted'], null],
    ['trusted, DANE-EE valid: nothing to lift, no note', 'ssllabs-2009r', {}, dane('valid', [3]), 'A+', [], null],
    ['no DANE result (older documents)', 'ssllabs-2009r', selfSigned, null, 'T', ['certificate_not_trusted'], null],
  ] as const)('%s', (_name, profile, cert, d, letter, caps, lifted) => {
    const g = gradeEndpoint(withDane(cert as EndpointOptions['cert'], d), profile)!;
    expect(g.letter).toBe(letter);
    expect(g.caps.map((c) => c.code)).toEqual(caps);
    if (lifted === null) expect(g.notes).toBeUndefined();
    else expect(g.notes).toEqual([{ code: 'dane_authenticated', message: expect.stringContaining(`so ${lifted} does not limit the grade`) }]);
  });
});

// ---- Handshake simulation: a warning, not a cap ----

describe('a current mainstream client profile that cannot connect is a warning', () => {
  const sim = (profile: string, connects: boolean): SimulationResult => ({
    profile,
    connects,
    protocol: connects ? 'TLSv1.3' : null,
    cipherSuite: connects ? 'TLS_AES_128_GCM_SHA256' : null,
    cipherSuiteCode: connects ? '0x1301' : null,
    group: connects ? 'x25519' : null,
    forwardSecrecy: connects ? true : null,
    failure: connects ? null : { reason: 'no_shared_protocol', message: 'the server accepts none of the versions offered' },
  });
  test.each([
    // name, simulations, letter (ssllabs-2009r), warning expected
    ['every profile connects', [sim('openssl_3_0', true), sim('openssl_1_0_1', true)], 'A+', false],
    ['only a historic profile fails: no warning', [sim('openssl_3_0', true), sim('openssl_1_0_1', false)], 'A+', false],
    ['a current profile fails: A- with the warning', [sim('openssl_3_0', false), sim('openssl_1_0_1', false)], 'A-', true],
    ['no simulation', null, 'A+', false],
  ] as const)('%s', (_name, simulations, letter, warned) => {
    const ep: EndpointResult = { ...makeEndpoint({}), simulations: simulations === null ? null : [...simulations] };
    const g = gradeEndpoint(ep, 'ssllabs-2009r')!;
    expect(g.letter).toBe(letter);
    const warning = g.warnings.find((w) => w.code === 'current_client_cannot_connect');
    if (warned) expect(warning?.message).toMatch(/^A current client cannot connect: OpenSSL 3\.0.* \(no_shared_protocol\)$/);
    else expect(warning).toBeUndefined();
    // xmppoke-2015: the same warning, no letter changes
    const old = gradeEndpoint(ep, 'xmppoke-2015')!;
    expect(old.letter).toBe('A');
    expect(old.warnings.some((w) => w.code === 'current_client_cannot_connect')).toBe(warned);
  });
});
