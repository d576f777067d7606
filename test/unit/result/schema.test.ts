import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { analyzeChain } from '../../../src/certificate/index.js';
import { gradeDomain, gradeEndpoint } from '../../../src/grading/index.js';
import type {
  GradeCap,
  GradeCapCode,
  GradeLetter,
  GradeWarning,
  GradeWarningCode,
  ProfileName,
  TrustIgnoringLetter,
} from '../../../src/grading/types.js';
import { ScanError } from '../../../src/result/errors.js';
import type {
  CertificateDetails,
  CertificateResult,
  ChainEntry,
  CipherOrder,
  CipherSuiteFinding,
  DhFinding,
  DeadlineKind,
  DomainGrade,
  EndpointGrade,
  EndpointResult,
  EndpointStatus,
  ErrorCode,
  GroupFinding,
  IdentityCheck,
  IntolerantSuite,
  KeyType,
  Mode,
  Phase,
  ProtocolName,
  SaslExternalResult,
  ScanErrorInfo,
  ScanResult,
  ScanWarning,
  ScanWarningCode,
  SoftwareErrorCode,
  SoftwareErrorInfo,
  SoftwareInfo,
  StarttlsState,
  SubjectAltNames,
  TlsResult,
  TlsSessionFacts,
  TrustError,
  XmppFacts,
} from '../../../src/result/types.js';
import { createCa, createIntermediate, createLeaf } from '../../harness/pki.js';

// docs/result.schema.json must describe exactly what src/result/types.ts declares. tsc checks the
// typed constants below against the types; these tests check the same constants against the
// schema, so drift on either side fails one or the other.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const schemaUrl = new URL('../../../docs/result.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as JsonObject;
const defs = schema.$defs as Record<string, JsonObject>;

// ajv is CommonJS: under Node's ESM loader the default import is module.exports (the class, which
// also carries itself as `.default`); TypeScript's NodeNext view of it is the module namespace.
const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false, allErrors: true });
const validate = ajv.compile<ScanResult>(schema);

function errorsOf(doc: unknown): { instancePath: string; keyword: string }[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(({ instancePath, keyword }) => ({ instancePath, keyword }));
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---- Every member of each union type, checked both ways at compile time -------------------------

/** Compiles only when `T[]` holds exactly the members of the union `U`. */
function allOf<U>() {
  return <const T extends readonly U[]>(values: T & ([U] extends [T[number]] ? unknown : 'missing members')): T => values;
}

const ERROR_CODES = allOf<ErrorCode>()([
  'invalid_domain',
  'dns_failure',
  'dns_no_address',
  'service_not_offered',
  'no_ipv6_route',
  'connection_refused',
  'connection_reset',
  'connection_closed',
  'host_unreachable',
  'timeout',
  'not_xml',
  'protocol_violation',
  'stream_error',
  'starttls_not_offered',
  'starttls_failure',
  'tls_handshake_failed',
  'response_too_large',
  'aborted',
  'internal_error',
]);
const DEADLINE_KINDS = allOf<DeadlineKind>()(['phase', 'endpoint', 'scan']);
const SCAN_WARNING_CODES = allOf<ScanWarningCode>()(['dns_partial_failure']);
const PHASES = allOf<Phase>()([
  'dns',
  'connect',
  'stream_header',
  'features',
  'proceed',
  'tls_handshake',
  'stream_header_after_tls',
  'features_after_tls',
  'sasl_external',
]);
const TRUST_ERRORS = allOf<TrustError>()([
  'expired',
  'not_yet_valid',
  'self_signed',
  'self_signed_in_chain',
  'unknown_issuer',
  'not_a_ca',
  'path_length_exceeded',
  'bad_key_usage',
  'bad_extended_key_usage',
  'name_constraint_violation',
  'unknown_critical_extension',
  'anchor_expired',
  'incomplete_chain',
  'weak_signature',
  'weak_key',
]);
const KEY_TYPES = allOf<KeyType>()(['RSA', 'DSA', 'EC', 'Ed25519', 'Ed448', 'unknown']);
const STARTTLS_STATES = allOf<StarttlsState>()(['none', 'offered', 'required']);
const STATUSES = allOf<EndpointStatus>()(['ok', 'error', 'skipped']);
const MODES = allOf<Mode>()(['c2s', 's2s']);
const ENDPOINT_SOURCES = allOf<EndpointResult['source']>()(['srv', 'fallback', 'override']);
const CHAIN_SOURCES = allOf<ChainEntry['source']>()(['presented', 'trust_store', 'ca_file', 'aia']);
const MATCHED_BY = allOf<IdentityCheck['matchedBy']>()(['dns', 'srv', 'xmppAddr', 'cn', null]);
const FAMILIES = allOf<EndpointResult['family']>()([4, 6]);
const PROTOCOL_NAMES = allOf<ProtocolName>()(['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const GROUP_PROTOCOLS = allOf<GroupFinding['protocol']>()(['TLSv1.2', 'TLSv1.3']);
const GRADE_LETTERS = allOf<GradeLetter>()(['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F', 'T', 'M']);
const TRUST_IGNORING_LETTERS = allOf<TrustIgnoringLetter>()(['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F']);
const PROFILE_NAMES = allOf<ProfileName>()(['ssllabs-2009r', 'xmppoke-2015']);
const CAP_CODES = allOf<GradeCapCode>()([
  'sslv2_supported',
  'sslv3_best_protocol',
  'export_suites',
  'anonymous_suites',
  'rsa_key_below_1024',
  'dh_below_1024',
  'md5_signature',
  'weak_cipher_below_112_bits',
  'rc4_only',
  'no_tls12_or_tls13',
  'rc4_with_modern_protocols',
  '64bit_block_cipher_with_modern_protocols',
  'sslv3_cbc_poodle',
  'tls_compression',
  'sslv3_supported',
  'tls10_or_tls11_supported',
  'rc4_supported',
  'rsa_key_below_2048',
  'dh_below_2048',
  'no_forward_secrecy',
  'no_aead',
  'incomplete_chain',
  'certificate_not_trusted',
  'certificate_name_mismatch',
  'certificate_unavailable',
]);
const SOFTWARE_ERROR_CODES = allOf<SoftwareErrorCode>()([
  'login_failed',
  'auth_failed',
  'timeout',
  'stanza_error',
  'invalid_reply',
  'connection_lost',
  'internal_error',
]);
const WARNING_CODES = allOf<GradeWarningCode>()([
  'no_tls13',
  'some_suites_without_forward_secrecy',
  'encryption_not_required',
  'no_secure_renegotiation',
  'sha1_signature',
  'protocols_undetermined',
]);

// ---- Every property of each interface: `satisfies` rejects missing and unknown keys ---------------

type Keys<T> = Record<keyof T, true>;
const KEYS = {
  ScanResult: {
    schemaVersion: true,
    domain: true,
    mode: true,
    startedAt: true,
    durationSeconds: true,
    error: true,
    warnings: true,
    endpoints: true,
    grade: true,
    scanner: true,
    software: true,
  } satisfies Keys<ScanResult>,
  ScanWarning: { code: true, message: true, name: true, condition: true } satisfies Keys<ScanWarning>,
  SoftwareInfo: { name: true, version: true, os: true, queriedAt: true, error: true } satisfies Keys<SoftwareInfo>,
  SoftwareErrorInfo: { code: true, message: true, condition: true } satisfies Keys<SoftwareErrorInfo>,
  ScanErrorInfo: { code: true, message: true, phase: true, condition: true, text: true, deadline: true } satisfies Keys<ScanErrorInfo>,
  EndpointResult: {
    host: true,
    port: true,
    address: true,
    family: true,
    directTls: true,
    source: true,
    priority: true,
    weight: true,
    status: true,
    error: true,
    xmpp: true,
    certificate: true,
    session: true,
    tls: true,
    grade: true,
    durationSeconds: true,
  } satisfies Keys<EndpointResult>,
  XmppFacts: {
    streamFrom: true,
    streamVersion: true,
    starttls: true,
    saslMechanisms: true,
    saslMechanismsAfterTls: true,
    dialback: true,
    compression: true,
    featuresBeforeTls: true,
    featuresAfterTls: true,
    clientCertificateRequired: true,
    saslExternal: true,
  } satisfies Keys<XmppFacts>,
  SaslExternalResult: { offered: true, attempted: true, succeeded: true, failure: true } satisfies Keys<SaslExternalResult>,
  SubjectAltNames: { dns: true, srv: true, xmppAddr: true, ip: true, uri: true, email: true } satisfies Keys<SubjectAltNames>,
  CertificateDetails: {
    subject: true,
    issuer: true,
    commonName: true,
    sans: true,
    serial: true,
    fingerprintSha1: true,
    fingerprintSha256: true,
    notBefore: true,
    notAfter: true,
    keyType: true,
    keyBits: true,
    curve: true,
    signatureAlgorithm: true,
    isCa: true,
    selfIssued: true,
    ocspUrls: true,
    caIssuersUrls: true,
    crlUrls: true,
    pem: true,
  } satisfies Keys<CertificateDetails>,
  /** Only what CertificateResult adds to CertificateDetails (the schema has it through allOf). */
  CertificateResult: {
    daysToExpiry: true,
    trusted: true,
    trustErrors: true,
    trustErrorDetails: true,
    extendedKeyUsage: true,
    clientAuth: true,
    hostnameValid: true,
    identity: true,
    selfSigned: true,
    chain: true,
    chainLength: true,
    builtChain: true,
  } satisfies Keys<Omit<CertificateResult, keyof CertificateDetails>>,
  IdentityCheck: { matchedBy: true, matchedValue: true } satisfies Keys<IdentityCheck>,
  ChainEntry: {
    subject: true,
    issuer: true,
    fingerprintSha256: true,
    notBefore: true,
    notAfter: true,
    keyType: true,
    keyBits: true,
    signatureAlgorithm: true,
    source: true,
  } satisfies Keys<ChainEntry>,
  TlsSessionFacts: { protocol: true, cipher: true } satisfies Keys<TlsSessionFacts>,
  TlsResult: {
    protocols: true,
    protocolErrors: true,
    cipherSuites: true,
    intolerantSuites: true,
    serverPreference: true,
    groups: true,
    dh: true,
    compression: true,
    secureRenegotiation: true,
    fallbackScsv: true,
    clientCertificateRequested: true,
    certificateChain: true,
    notes: true,
    partial: true,
    probeCount: true,
    durationSeconds: true,
  } satisfies Keys<TlsResult>,
  CipherSuiteFinding: {
    protocol: true,
    code: true,
    name: true,
    openssl: true,
    bits: true,
    effectiveBits: true,
    keyExchange: true,
    authentication: true,
    encryption: true,
    mac: true,
    aead: true,
    forwardSecrecy: true,
    export: true,
    anonymous: true,
    null: true,
    rc4: true,
    blockSize64: true,
    kxGroup: true,
    dhBits: true,
  } satisfies Keys<CipherSuiteFinding>,
  CipherOrder: { protocol: true, serverEnforced: true, order: true } satisfies Keys<CipherOrder>,
  IntolerantSuite: { protocol: true, code: true, name: true } satisfies Keys<IntolerantSuite>,
  GroupFinding: { code: true, name: true, protocol: true, kind: true, bits: true } satisfies Keys<GroupFinding>,
  DhFinding: { bits: true, name: true, protocol: true } satisfies Keys<DhFinding>,
  GradeCap: { code: true, limit: true, message: true } satisfies Keys<GradeCap>,
  GradeWarning: { code: true, message: true } satisfies Keys<GradeWarning>,
  EndpointGrade: {
    profile: true,
    letter: true,
    letterIgnoringTrust: true,
    score: true,
    protocolScore: true,
    keyExchangeScore: true,
    cipherScore: true,
    caps: true,
    warnings: true,
  } satisfies Keys<EndpointGrade>,
  DomainGrade: {
    profile: true,
    letter: true,
    letterIgnoringTrust: true,
    score: true,
    mixed: true,
    letters: true,
    endpointsGraded: true,
    endpointsUngraded: true,
  } satisfies Keys<DomainGrade>,
};
/** TlsResult.protocols and .protocolErrors are keyed by protocol name: all required, and all optional. */
const PROTOCOL_KEYS = {
  'SSLv2': true,
  'SSLv3': true,
  'TLSv1.0': true,
  'TLSv1.1': true,
  'TLSv1.2': true,
  'TLSv1.3': true,
} satisfies Keys<TlsResult['protocols']> & Keys<Required<TlsResult['protocolErrors']>>;
/** The only optional properties in the types; everything else is required (null when absent). */
const OPTIONAL = new Set([
  'ScanErrorInfo.phase',
  'ScanErrorInfo.condition',
  'ScanErrorInfo.text',
  'ScanErrorInfo.deadline',
  'ScanWarning.name',
  'ScanWarning.condition',
  // Absent in documents written before deadlines and partial DNS existed.
  'ScanResult.warnings',
  'TlsResult.partial',
  'TlsResult.intolerantSuites',
  'CertificateResult.trustErrorDetails',
  'CertificateResult.extendedKeyUsage',
  'CertificateResult.clientAuth',
  'CertificateResult.chainLength',
  // Absent in documents written before the software query existed.
  'ScanResult.software',
  'SoftwareInfo.error',
  'SoftwareErrorInfo.condition',
]);

// ---- A full document: every optional field present, every nullable object filled in -------------

const FP256 = 'AB:'.repeat(31) + 'CD';
const leafEntry: ChainEntry = {
  subject: 'CN=chat.example.net',
  issuer: 'CN=Example Issuing CA R1, O=Example CA, C=US',
  fingerprintSha256: FP256,
  notBefore: '2026-09-01T00:00:00.000Z',
  notAfter: '2026-11-30T23:59:59.000Z',
  keyType: 'RSA',
  keyBits: 2048,
  signatureAlgorithm: 'sha256WithRSAEncryption',
  source: 'presented',
};
const fullCertificate: CertificateResult = {
  subject: 'CN=chat.example.net',
  issuer: 'CN=Example Issuing CA R1, O=Example CA, C=US',
  commonName: 'chat.example.net',
  sans: {
    dns: ['chat.example.net', '*.chat.example.net'],
    srv: ['_xmpp-server.example.net'],
    xmppAddr: ['example.net'],
    ip: ['192.0.2.7', '2001:db8::7'],
    uri: ['xmpp:example.net'],
    email: ['hostmaster@example.net'],
  },
  serial: '04A1B2C3D4E5F60718293A4B5C6D7E8F9012',
  fingerprintSha1: '12:'.repeat(19) + '34',
  fingerprintSha256: FP256,
  notBefore: '2026-09-01T00:00:00.000Z',
  notAfter: '2026-11-30T23:59:59.000Z',
  keyType: 'RSA',
  keyBits: 2048,
  curve: null,
  signatureAlgorithm: 'sha256WithRSAEncryption',
  isCa: false,
  selfIssued: false,
  ocspUrls: ['http://ocsp.example-ca.invalid'],
  caIssuersUrls: ['http://ca.example-ca.invalid/r1.der'],
  crlUrls: ['http://crl.example-ca.invalid/r1.crl'],
  pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  daysToExpiry: 5.5,
  trusted: true,
  trustErrors: ['incomplete_chain', 'weak_signature'],
  hostnameValid: true,
  identity: { matchedBy: 'srv', matchedValue: '_xmpp-server.example.net' },
  selfSigned: false,
  chain: [leafEntry],
  builtChain: [
    leafEntry,
    { ...leafEntry, subject: leafEntry.issuer, issuer: 'CN=Example Root X1', keyBits: null, source: 'aia' },
    { ...leafEntry, subject: 'CN=Example Root X1', issuer: 'CN=Example Root X1', keyType: 'EC', keyBits: 384, source: 'trust_store' },
  ],
};
/** A suite as the prober reports it: the registry's properties, plus what the handshake showed. */
function suite(protocol: ProtocolName, code: string, name: string, openssl: string, rest: Partial<CipherSuiteFinding> = {}): CipherSuiteFinding {
  return {
    protocol,
    code,
    name,
    openssl,
    bits: 128,
    effectiveBits: 128,
    keyExchange: 'ECDHE',
    authentication: 'RSA',
    encryption: 'AES_128_GCM',
    mac: 'AEAD',
    aead: true,
    forwardSecrecy: true,
    export: false,
    anonymous: false,
    null: false,
    rc4: false,
    blockSize64: false,
    kxGroup: 'x25519',
    dhBits: null,
    ...rest,
  };
}
const fullTls: TlsResult = {
  protocols: { 'SSLv2': false, 'SSLv3': false, 'TLSv1.0': false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
  protocolErrors: { SSLv2: { code: 'timeout', message: 'no answer to a SSLv2 ClientHello within 10 s', phase: 'tls_handshake', deadline: 'phase' } },
  cipherSuites: [
    suite('TLSv1.2', '0x009E', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256', { keyExchange: 'DHE', kxGroup: null, dhBits: 2048 }),
    suite('TLSv1.2', '0xC02F', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'),
    suite('TLSv1.2', '0xC030', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', { bits: 256, effectiveBits: 256, encryption: 'AES_256_GCM' }),
    suite('TLSv1.3', '0x1301', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256', { keyExchange: 'ANY', authentication: 'ANY' }),
    suite('TLSv1.3', '0x1302', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', {
      keyExchange: 'ANY',
      authentication: 'ANY',
      bits: 256,
      effectiveBits: 256,
      encryption: 'AES_256_GCM',
    }),
  ],
  intolerantSuites: [{ protocol: 'TLSv1.2', code: '0xC050', name: 'TLS_RSA_WITH_ARIA_128_GCM_SHA256' }],
  serverPreference: [
    { protocol: 'TLSv1.3', serverEnforced: false, order: [] },
    { protocol: 'TLSv1.2', serverEnforced: true, order: ['0xC030', '0xC02F', '0x009E'] },
  ],
  groups: [
    { code: '0x001D', name: 'x25519', protocol: 'TLSv1.2', kind: 'ecx', bits: 256 },
    { code: '0x0017', name: 'secp256r1', protocol: 'TLSv1.2', kind: 'ec', bits: 256 },
    { code: '0x11EC', name: 'X25519MLKEM768', protocol: 'TLSv1.3', kind: 'hybrid-pq', bits: 256 },
    { code: '0x001D', name: 'x25519', protocol: 'TLSv1.3', kind: 'ecx', bits: 256 },
    { code: '0x0201', name: 'MLKEM768', protocol: 'TLSv1.3', kind: 'pq', bits: null },
  ],
  dh: [{ bits: 2048, name: 'ffdhe2048', protocol: 'TLSv1.2' }],
  compression: false,
  secureRenegotiation: true,
  fallbackScsv: true,
  clientCertificateRequested: true,
  certificateChain: ['MIIFazCCBFOgAwIBAgISA0Ex', 'MIIEVzCCAz+gAwIBAgIRAIo='],
  notes: ['TLSv1.3: the server needed 1 retry (slow or rate-limiting)'],
  partial: false,
  probeCount: 63,
  durationSeconds: 3.412,
};
/** What the grader makes of the facts above: TLS 1.2 and 1.3, AEAD suites with forward secrecy, a 2048-bit RSA key and
 * 2048-bit DHE (key exchange 90), AES-128 to AES-256 (cipher 90); capped at B by the chain fetched from AIA, and SSLv2
 * undecided. */
const fullGrade: EndpointGrade = {
  profile: 'ssllabs-2009r',
  letter: 'B',
  letterIgnoringTrust: 'B',
  score: 93,
  protocolScore: 100,
  keyExchangeScore: 90,
  cipherScore: 90,
  caps: [
    {
      code: 'incomplete_chain',
      limit: 'B',
      message: 'The server does not send its complete certificate chain (an issuer had to be fetched from AIA): the grade is capped at B',
    },
  ],
  warnings: [{ code: 'protocols_undetermined', message: 'Support for SSLv2 (timeout) could not be determined: the grade may be too high' }],
};
const FULL: ScanResult = {
  schemaVersion: 1,
  domain: 'example.net',
  mode: 's2s',
  startedAt: '2026-11-25T12:00:00.000Z',
  durationSeconds: 5.618,
  error: null,
  warnings: [
    {
      code: 'dns_partial_failure',
      message: 'DNS lookup of SRV _xmpps-server._tcp.example.net failed: ETIMEOUT (no answer from the DNS server in time); the endpoints of the other SRV records were scanned',
      name: '_xmpps-server._tcp.example.net',
      condition: 'ETIMEOUT',
    },
  ],
  endpoints: [
    {
      host: 'chat.example.net',
      port: 5269,
      address: '192.0.2.7',
      family: 4,
      directTls: false,
      source: 'srv',
      priority: 0,
      weight: 5,
      status: 'error',
      error: {
        code: 'stream_error',
        message: 'chat.example.net (192.0.2.7) port 5269 closed the stream with error <see-other-host/>: xmpp2.example.net',
        phase: 'features_after_tls',
        condition: 'see-other-host',
        text: 'xmpp2.example.net',
      },
      xmpp: {
        streamFrom: 'example.net',
        streamVersion: '1.0',
        starttls: 'required',
        saslMechanisms: [],
        saslMechanismsAfterTls: ['EXTERNAL'],
        dialback: true,
        compression: ['zlib'],
        featuresBeforeTls: ['urn:ietf:params:xml:ns:xmpp-tls#starttls', 'urn:xmpp:features:dialback#dialback'],
        featuresAfterTls: ['urn:ietf:params:xml:ns:xmpp-sasl#mechanisms'],
        clientCertificateRequired: null,
        saslExternal: { offered: true, attempted: true, succeeded: false, failure: 'not-authorized' },
      },
      certificate: fullCertificate,
      session: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
      tls: fullTls,
      grade: fullGrade,
      durationSeconds: 5.2,
    },
    {
      host: 'example.net',
      port: 5269,
      address: '',
      family: 4,
      directTls: false,
      source: 'fallback',
      priority: null,
      weight: null,
      status: 'skipped',
      error: { code: 'dns_no_address', message: 'example.net has no address' },
      xmpp: null,
      certificate: null,
      session: null,
      tls: null,
      grade: null,
      durationSeconds: 0,
    },
  ],
  grade: {
    profile: 'ssllabs-2009r',
    letter: 'B',
    letterIgnoringTrust: 'B',
    score: 93,
    mixed: false,
    letters: ['B'],
    endpointsGraded: 1,
    endpointsUngraded: 1,
  },
  scanner: { name: 'xmpp-tls-exporter', version: '0.1.0' },
  software: { name: 'Prosody', version: '0.12.4', os: 'Linux', queriedAt: '2026-11-25T12:00:05.600Z' },
};

/** The first ```json block of docs/result.md. */
function docsExample(): unknown {
  const markdown = readFileSync(new URL('../../../docs/result.md', import.meta.url), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(markdown);
  if (!block?.[1]) throw new Error('docs/result.md has no ```json example');
  return JSON.parse(block[1]);
}

// ---- Tests --------------------------------------------------------------------------------------

describe('docs/result.schema.json', () => {
  it('is a draft 2020-12 schema with the v1 $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://xmpp-tls-exporter.invalid/schema/result-v1.json');
  });

  it('describes every property and titles every definition', () => {
    const undocumented: string[] = [];
    const walk = (node: Json, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}/${i}`));
      if (node === null || typeof node !== 'object') return;
      for (const [name, prop] of Object.entries((node.properties ?? {}) as JsonObject)) {
        const description = (prop as JsonObject).description;
        if (typeof description !== 'string' || description.length < 5) undocumented.push(`${path}/properties/${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(undocumented).toEqual([]);
    const untitled = Object.entries(defs).filter(([, def]) => typeof def.title !== 'string' || typeof def.description !== 'string');
    expect(untitled.map(([name]) => name)).toEqual([]);
  });

  it.each([
    ['ErrorCode', defs.ErrorCode?.enum, ERROR_CODES],
    ['DeadlineKind', defs.DeadlineKind?.enum, DEADLINE_KINDS],
    ['ScanWarning.code', (defs.ScanWarning?.properties as JsonObject).code, SCAN_WARNING_CODES],
    ['Phase', defs.Phase?.enum, PHASES],
    ['TrustError', defs.TrustError?.enum, TRUST_ERRORS],
    ['KeyType', defs.KeyType?.enum, KEY_TYPES],
    ['StarttlsState', defs.StarttlsState?.enum, STARTTLS_STATES],
    ['EndpointStatus', defs.EndpointStatus?.enum, STATUSES],
    ['Mode', defs.Mode?.enum, MODES],
    ['EndpointResult.source', (defs.EndpointResult?.properties as JsonObject).source, ENDPOINT_SOURCES],
    ['EndpointResult.family', (defs.EndpointResult?.properties as JsonObject).family, FAMILIES],
    ['ChainEntry.source', (defs.ChainEntry?.properties as JsonObject).source, CHAIN_SOURCES],
    ['IdentityCheck.matchedBy', (defs.IdentityCheck?.properties as JsonObject).matchedBy, MATCHED_BY],
    ['ProtocolName', defs.ProtocolName?.enum, PROTOCOL_NAMES],
    ['GroupFinding.protocol', (defs.GroupFinding?.properties as JsonObject).protocol, GROUP_PROTOCOLS],
    ['GradeLetter', defs.GradeLetter?.enum, GRADE_LETTERS],
    ['TrustIgnoringLetter', defs.TrustIgnoringLetter?.enum, TRUST_IGNORING_LETTERS],
    ['GradeProfile', defs.GradeProfile?.enum, PROFILE_NAMES],
    ['GradeCap.code', (defs.GradeCap?.properties as JsonObject).code, CAP_CODES],
    ['GradeWarning.code', (defs.GradeWarning?.properties as JsonObject).code, WARNING_CODES],
    ['SoftwareErrorCode', defs.SoftwareErrorCode?.enum, SOFTWARE_ERROR_CODES],
  ])('enumerates exactly the %s values of the types', (_name, node, expected) => {
    const values = Array.isArray(node) ? node : ((node as JsonObject).enum as Json[]);
    expect([...values].sort()).toEqual([...(expected as readonly Json[])].sort());
  });

  it.each(Object.entries(KEYS))('has exactly the properties of %s, required unless optional in the type', (name, keys) => {
    const def = defs[name];
    expect(def).toBeDefined();
    const properties = Object.keys((def?.properties ?? {}) as JsonObject);
    expect(properties.sort()).toEqual(Object.keys(keys).sort());
    const required = Object.keys(keys).filter((key) => !OPTIONAL.has(`${name}.${key}`));
    expect([...((def?.required ?? []) as string[])].sort()).toEqual(required.sort());
  });

  it('keys TlsResult.protocols (all required) and .protocolErrors (all optional) by exactly the protocol names', () => {
    const properties = defs.TlsResult?.properties as Record<string, JsonObject>;
    const names = Object.keys(PROTOCOL_KEYS).sort();
    expect([...PROTOCOL_NAMES].sort()).toEqual(names);
    expect(Object.keys(properties.protocols?.properties as JsonObject).sort()).toEqual(names);
    expect([...(properties.protocols?.required as string[])].sort()).toEqual(names);
    expect(properties.protocols?.additionalProperties).toBe(false);
    expect(Object.keys(properties.protocolErrors?.properties as JsonObject).sort()).toEqual(names);
    expect(properties.protocolErrors?.required).toBeUndefined();
    expect(properties.protocolErrors?.additionalProperties).toBe(false);
  });

  it('has the same scanner object as the type', () => {
    const scanner = (defs.ScanResult?.properties as Record<string, JsonObject>).scanner;
    expect(Object.keys(scanner?.properties as JsonObject).sort()).toEqual(Object.keys({ name: '', version: '' } satisfies ScanResult['scanner']).sort());
  });

  it('accepts a full document with every optional and nullable field filled in', () => {
    expect(errorsOf(FULL)).toEqual([]);
  });

  it('accepts a document with a domain-level error and no endpoints', () => {
    const doc: ScanResult = {
      ...clone(FULL),
      domain: 'nothing.example',
      error: { code: 'service_not_offered', message: 'nothing.example does not offer XMPP client service', phase: 'dns' },
      endpoints: [],
    };
    expect(errorsOf(doc)).toEqual([]);
  });

  it('accepts software as a failed query, as null and absent (older documents), and rejects what the sanitiser never writes', () => {
    const failed: ScanResult = {
      ...clone(FULL),
      software: {
        name: null,
        version: null,
        os: null,
        queriedAt: '2026-11-25T12:00:05.600Z',
        error: { code: 'stanza_error', message: 'example.net answered the version query with <service-unavailable/>', condition: 'service-unavailable' },
      },
    };
    expect(errorsOf(failed)).toEqual([]);
    expect(errorsOf({ ...clone(FULL), software: null })).toEqual([]);
    const { software: _dropped, ...older } = clone(FULL);
    expect(errorsOf(older)).toEqual([]);
    const tooLong = { ...clone(FULL), software: { ...FULL.software!, name: 'x'.repeat(101) } };
    expect(errorsOf(tooLong).map((e) => e.keyword)).toContain('maxLength');
    const badCode = { ...clone(failed), software: { ...failed.software!, error: { code: 'nope', message: 'x' } } };
    expect(errorsOf(badCode).length).toBeGreaterThan(0);
  });

  it('accepts the example of docs/result.md', () => {
    const example = docsExample();
    expect(errorsOf(example)).toEqual([]);
    expect(example).toMatchObject({
      mode: 'c2s',
      endpoints: [
        {
          status: 'ok',
          directTls: false,
          tls: { protocols: { 'TLSv1.2': true, 'TLSv1.3': true }, cipherSuites: expect.arrayContaining([expect.objectContaining({ code: '0xC02B' })]) },
        },
        { status: 'skipped', family: 6, tls: null, grade: null },
      ],
      grade: { letter: 'A-', endpointsGraded: 1, endpointsUngraded: 1 },
    });
  });

  /** A grade without its messages, whose wording may change. */
  const codesOnly = (g: EndpointGrade | null) =>
    g && { ...g, caps: g.caps.map(({ code, limit }) => ({ code, limit })), warnings: g.warnings.map(({ code }) => ({ code })) };

  it.each([
    ['the full document', () => FULL],
    ['the example of docs/result.md', () => docsExample() as ScanResult],
  ])('has in %s the grades the grader computes from its facts', (_what, get) => {
    const doc = get();
    const computed = doc.endpoints.map((ep) => gradeEndpoint(ep, 'ssllabs-2009r'));
    expect(computed.map(codesOnly)).toEqual(doc.endpoints.map((ep) => codesOnly(ep.grade)));
    expect(gradeDomain(computed)).toEqual(doc.grade);
  });

  it('accepts T and M grades, a mixed domain grade, and xmppoke-2015 grades', () => {
    const doc = clone(FULL);
    const untrusted: EndpointGrade = {
      ...fullGrade,
      letter: 'T',
      caps: [...fullGrade.caps, { code: 'certificate_not_trusted', limit: 'T', message: 'The certificate is not trusted (self-signed): the grade is T' }],
    };
    doc.endpoints = [
      { ...doc.endpoints[0]!, grade: untrusted },
      { ...doc.endpoints[0]!, address: '192.0.2.8', grade: { ...fullGrade, letter: 'M', caps: [{ code: 'certificate_name_mismatch', limit: 'M', message: 'x' }] } },
      doc.endpoints[1]!,
    ];
    doc.grade = { ...doc.grade!, letter: 'T', mixed: true, letters: ['M', 'T'], endpointsGraded: 2 };
    expect(errorsOf(doc)).toEqual([]);
    const xmppoke: EndpointGrade = { ...untrusted, profile: 'xmppoke-2015', letter: 'F', letterIgnoringTrust: 'A', caps: [{ ...untrusted.caps[1]!, limit: 'F' }], warnings: [] };
    doc.endpoints = [{ ...doc.endpoints[0]!, grade: xmppoke }];
    doc.grade = { ...doc.grade, profile: 'xmppoke-2015', letter: 'F', letterIgnoringTrust: 'A', mixed: false, letters: ['F'], endpointsGraded: 1, endpointsUngraded: 0 };
    expect(errorsOf(doc)).toEqual([]);
  });

  it('accepts an SSLv2 cipher spec (three-byte code), and a TLS 1.3-only result with nothing undecided', () => {
    const doc = clone(FULL);
    const tls = doc.endpoints[0]!.tls!;
    tls.protocols.SSLv2 = true;
    tls.cipherSuites.push(
      suite('SSLv2', '0x0700C0', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5', 'DES-CBC3-MD5', {
        bits: 168,
        effectiveBits: 112,
        keyExchange: 'RSA',
        encryption: '3DES_EDE_CBC',
        mac: 'MD5',
        aead: false,
        forwardSecrecy: false,
        blockSize64: true,
        kxGroup: null,
      }),
    );
    expect(errorsOf(doc)).toEqual([]);
    doc.endpoints[0]!.tls = {
      ...tls,
      protocols: { ...tls.protocols, 'TLSv1.2': false, 'SSLv2': false },
      protocolErrors: {},
      cipherSuites: tls.cipherSuites.filter((s) => s.protocol === 'TLSv1.3'),
      serverPreference: [{ protocol: 'TLSv1.3', serverEnforced: null, order: [] }],
      groups: [],
      dh: [],
      compression: null,
      secureRenegotiation: null,
      fallbackScsv: null,
      clientCertificateRequested: null,
      certificateChain: [],
      notes: [],
    };
    expect(errorsOf(doc)).toEqual([]);
  });

  it('accepts what the certificate analysis and ScanError really produce', async () => {
    const ca = await createCa({ key: { type: 'EC', curve: 'P-384' } });
    const intermediate = await createIntermediate(ca, { key: { type: 'EC', curve: 'P-384' } });
    const leaf = await createLeaf(intermediate, {
      dns: ['example.org'],
      srv: ['_xmpp-client.example.org'],
      xmppAddr: ['example.org'],
      ip: ['192.0.2.1'],
      uri: ['xmpp:example.org'],
      ocspUrl: 'http://ocsp.example.invalid',
      caIssuersUrl: 'http://ca.example.invalid/int.der',
      crlUrl: 'http://crl.example.invalid/int.crl',
    });
    const store = { anchors: [{ cert: new X509Certificate(ca.der), source: 'ca_file' as const }] };
    const trusted = analyzeChain([leaf.der, intermediate.der], { domain: 'example.org', mode: 'c2s', now: new Date(), store });
    const selfSigned = analyzeChain([(await createLeaf(null, { selfSigned: true, key: { type: 'Ed25519' } })).der], {
      domain: 'example.org',
      mode: 'c2s',
      now: new Date(),
      store,
    });
    expect(trusted.builtChain).toHaveLength(3);
    expect(selfSigned.trustErrors).toContain('self_signed');

    const [template] = FULL.endpoints;
    const error = new ScanError('tls_handshake_failed', 'TLS handshake failed', { phase: 'tls_handshake', condition: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    const doc: ScanResult = {
      ...FULL,
      endpoints: [
        { ...template!, status: 'ok', error: null, certificate: trusted },
        { ...template!, status: 'error', error: error.toJSON(), certificate: selfSigned },
      ],
    };
    // Through JSON, as consumers see it.
    expect(errorsOf(clone(doc))).toEqual([]);
  });

  // Each case breaks one thing in an otherwise valid document; the validator must point at it.
  type Mutation = [what: string, mutate: (doc: any) => void, instancePath: string, keyword: string];
  const invalid: Mutation[] = [
    ['a missing top-level field', (d) => delete d.mode, '', 'required'],
    ['a missing endpoint field', (d) => delete d.endpoints[0].durationSeconds, '/endpoints/0', 'required'],
    ['a missing certificate field', (d) => delete d.endpoints[0].certificate.pem, '/endpoints/0/certificate', 'required'],
    ['a missing added certificate field', (d) => delete d.endpoints[0].certificate.trusted, '/endpoints/0/certificate', 'required'],
    ['a missing nullable field (null is not the same as absent)', (d) => delete d.endpoints[1].xmpp, '/endpoints/1', 'required'],
    ['a missing error message', (d) => delete d.endpoints[0].error.message, '/endpoints/0/error', 'required'],
    ['another schemaVersion', (d) => (d.schemaVersion = 2), '/schemaVersion', 'const'],
    ['an unknown mode', (d) => (d.mode = 'c2c'), '/mode', 'enum'],
    ['an unknown error code', (d) => (d.endpoints[0].error.code = 'dns_timeout'), '/endpoints/0/error/code', 'enum'],
    ['an unknown phase', (d) => (d.endpoints[0].error.phase = 'handshake'), '/endpoints/0/error/phase', 'enum'],
    ['an unknown status', (d) => (d.endpoints[0].status = 'failed'), '/endpoints/0/status', 'enum'],
    ['an unknown endpoint source', (d) => (d.endpoints[0].source = 'a'), '/endpoints/0/source', 'enum'],
    ['an unknown STARTTLS state', (d) => (d.endpoints[0].xmpp.starttls = 'optional'), '/endpoints/0/xmpp/starttls', 'enum'],
    ['an unknown trust error', (d) => d.endpoints[0].certificate.trustErrors.push('revoked'), '/endpoints/0/certificate/trustErrors/2', 'enum'],
    ['an unknown key type', (d) => (d.endpoints[0].certificate.keyType = 'rsa'), '/endpoints/0/certificate/keyType', 'enum'],
    ['an unknown chain source', (d) => (d.endpoints[0].certificate.chain[0].source = 'cache'), '/endpoints/0/certificate/chain/0/source', 'enum'],
    ['an unknown identity type', (d) => (d.endpoints[0].certificate.identity.matchedBy = 'uri'), '/endpoints/0/certificate/identity/matchedBy', 'enum'],
    ['IP family 5', (d) => (d.endpoints[0].family = 5), '/endpoints/0/family', 'enum'],
    ['a port as a string', (d) => (d.endpoints[0].port = '5222'), '/endpoints/0/port', 'type'],
    ['a fractional port', (d) => (d.endpoints[0].port = 52.22), '/endpoints/0/port', 'type'],
    ['a port above 65535', (d) => (d.endpoints[0].port = 65536), '/endpoints/0/port', 'maximum'],
    ['a negative duration', (d) => (d.durationSeconds = -1), '/durationSeconds', 'minimum'],
    ['endpoints as an object', (d) => (d.endpoints = {}), '/endpoints', 'type'],
    ['directTls as a string', (d) => (d.endpoints[0].directTls = 'false'), '/endpoints/0/directTls', 'type'],
    ['a SASL mechanism that is not a string', (d) => d.endpoints[0].xmpp.saslMechanismsAfterTls.push(1), '/endpoints/0/xmpp/saslMechanismsAfterTls/1', 'type'],
    ['a null domain', (d) => (d.domain = null), '/domain', 'type'],
    ['a lower-case fingerprint', (d) => (d.endpoints[0].certificate.fingerprintSha256 = FP256.toLowerCase()), '/endpoints/0/certificate/fingerprintSha256', 'pattern'],
    ['a fingerprint without colons', (d) => (d.endpoints[0].certificate.chain[0].fingerprintSha256 = 'AB'.repeat(32)), '/endpoints/0/certificate/chain/0/fingerprintSha256', 'pattern'],
    ['an unknown top-level field', (d) => (d.rating = 'A'), '', 'additionalProperties'],
    ['an unknown endpoint field', (d) => (d.endpoints[0].rating = 'A'), '/endpoints/0', 'additionalProperties'],
    ['an unknown error field', (d) => (d.endpoints[0].error.stack = 'at …'), '/endpoints/0/error', 'additionalProperties'],
    ['an unknown certificate field', (d) => (d.endpoints[0].certificate.revoked = false), '/endpoints/0/certificate', 'unevaluatedProperties'],
    ['an unknown scanner field', (d) => (d.scanner.build = 'abc'), '/scanner', 'additionalProperties'],
    // tls
    ['a missing tls field (null when not run)', (d) => delete d.endpoints[1].tls, '/endpoints/1', 'required'],
    ['a missing TLS result field', (d) => delete d.endpoints[0].tls.fallbackScsv, '/endpoints/0/tls', 'required'],
    ['a TLS result without protocols', (d) => delete d.endpoints[0].tls.protocols, '/endpoints/0/tls', 'required'],
    ['a protocol missing from protocols', (d) => delete d.endpoints[0].tls.protocols['TLSv1.0'], '/endpoints/0/tls/protocols', 'required'],
    ['an unknown protocol in protocols', (d) => (d.endpoints[0].tls.protocols['TLSv1'] = false), '/endpoints/0/tls/protocols', 'additionalProperties'],
    ['a protocol flag as a string', (d) => (d.endpoints[0].tls.protocols['TLSv1.2'] = 'yes'), '/endpoints/0/tls/protocols/TLSv1.2', 'type'],
    ['an unknown protocol in protocolErrors', (d) => (d.endpoints[0].tls.protocolErrors.TLSv1 = { code: 'timeout', message: 'x' }), '/endpoints/0/tls/protocolErrors', 'additionalProperties'],
    ['a protocol error without code', (d) => delete d.endpoints[0].tls.protocolErrors.SSLv2.code, '/endpoints/0/tls/protocolErrors/SSLv2', 'required'],
    ['an unknown suite protocol', (d) => (d.endpoints[0].tls.cipherSuites[0].protocol = 'TLSv1'), '/endpoints/0/tls/cipherSuites/0/protocol', 'enum'],
    ['a lower-case suite code', (d) => (d.endpoints[0].tls.cipherSuites[1].code = '0xc02f'), '/endpoints/0/tls/cipherSuites/1/code', 'pattern'],
    ['a suite code as a number', (d) => (d.endpoints[0].tls.cipherSuites[1].code = 0xc02f), '/endpoints/0/tls/cipherSuites/1/code', 'type'],
    ['a suite without forwardSecrecy', (d) => delete d.endpoints[0].tls.cipherSuites[1].forwardSecrecy, '/endpoints/0/tls/cipherSuites/1', 'required'],
    ['an unknown suite field', (d) => (d.endpoints[0].tls.cipherSuites[1].recommended = 'Y'), '/endpoints/0/tls/cipherSuites/1', 'additionalProperties'],
    ['fractional suite bits', (d) => (d.endpoints[0].tls.cipherSuites[1].bits = 127.5), '/endpoints/0/tls/cipherSuites/1/bits', 'type'],
    ['a bad code in a server order', (d) => (d.endpoints[0].tls.serverPreference[1].order[0] = 'C030'), '/endpoints/0/tls/serverPreference/1/order/0', 'pattern'],
    ['serverEnforced as a string', (d) => (d.endpoints[0].tls.serverPreference[0].serverEnforced = 'no'), '/endpoints/0/tls/serverPreference/0/serverEnforced', 'type'],
    ['a three-byte group code', (d) => (d.endpoints[0].tls.groups[0].code = '0x00001D'), '/endpoints/0/tls/groups/0/code', 'pattern'],
    ['a group seen with TLS 1.1', (d) => (d.endpoints[0].tls.groups[0].protocol = 'TLSv1.1'), '/endpoints/0/tls/groups/0/protocol', 'enum'],
    ['DH bits as a string', (d) => (d.endpoints[0].tls.dh[0].bits = '2048'), '/endpoints/0/tls/dh/0/bits', 'type'],
    ['an unknown DH protocol', (d) => (d.endpoints[0].tls.dh[0].protocol = 'TLS1.2'), '/endpoints/0/tls/dh/0/protocol', 'enum'],
    ['fallbackScsv as a string', (d) => (d.endpoints[0].tls.fallbackScsv = 'true'), '/endpoints/0/tls/fallbackScsv', 'type'],
    ['a PEM certificate in the chain', (d) => (d.endpoints[0].tls.certificateChain[0] = '-----BEGIN CERTIFICATE-----'), '/endpoints/0/tls/certificateChain/0', 'pattern'],
    ['a fractional probe count', (d) => (d.endpoints[0].tls.probeCount = 1.5), '/endpoints/0/tls/probeCount', 'type'],
    ['tls as an array', (d) => (d.endpoints[0].tls = []), '/endpoints/0/tls', 'type'],
    ['an unknown TLS result field', (d) => (d.endpoints[0].tls.heartbleed = false), '/endpoints/0/tls', 'additionalProperties'],
    // grade
    ['a missing endpoint grade (null when not graded)', (d) => delete d.endpoints[1].grade, '/endpoints/1', 'required'],
    ['a missing domain grade', (d) => delete d.grade, '', 'required'],
    ['a grade as a bare letter', (d) => (d.endpoints[0].grade = 'B'), '/endpoints/0/grade', 'anyOf'],
    ['an unknown letter', (d) => (d.endpoints[0].grade.letter = 'A++'), '/endpoints/0/grade/letter', 'enum'],
    ['a lower-case letter', (d) => (d.grade.letter = 'b'), '/grade/letter', 'enum'],
    ['T in letterIgnoringTrust', (d) => (d.endpoints[0].grade.letterIgnoringTrust = 'T'), '/endpoints/0/grade/letterIgnoringTrust', 'enum'],
    ['M in the domain letterIgnoringTrust', (d) => (d.grade.letterIgnoringTrust = 'M'), '/grade/letterIgnoringTrust', 'enum'],
    ['an unknown profile', (d) => (d.endpoints[0].grade.profile = 'ssllabs-2020'), '/endpoints/0/grade/profile', 'enum'],
    ['a grade without caps', (d) => delete d.endpoints[0].grade.caps, '/endpoints/0/grade', 'required'],
    ['a grade without warnings', (d) => delete d.endpoints[0].grade.warnings, '/endpoints/0/grade', 'required'],
    ['a grade without cipherScore', (d) => delete d.endpoints[0].grade.cipherScore, '/endpoints/0/grade', 'required'],
    ['a score above 100', (d) => (d.endpoints[0].grade.score = 101), '/endpoints/0/grade/score', 'maximum'],
    ['a negative sub-score', (d) => (d.endpoints[0].grade.keyExchangeScore = -1), '/endpoints/0/grade/keyExchangeScore', 'minimum'],
    ['a score as a string', (d) => (d.grade.score = '93'), '/grade/score', 'type'],
    ['an unknown cap code', (d) => (d.endpoints[0].grade.caps[0].code = 'heartbleed'), '/endpoints/0/grade/caps/0/code', 'enum'],
    ['a cap limit that is not a letter', (d) => (d.endpoints[0].grade.caps[0].limit = 'X'), '/endpoints/0/grade/caps/0/limit', 'enum'],
    ['a cap without message', (d) => delete d.endpoints[0].grade.caps[0].message, '/endpoints/0/grade/caps/0', 'required'],
    ['a cap as a string', (d) => (d.endpoints[0].grade.caps[0] = 'incomplete_chain'), '/endpoints/0/grade/caps/0', 'type'],
    ['an unknown warning code', (d) => (d.endpoints[0].grade.warnings[0].code = 'no_hsts'), '/endpoints/0/grade/warnings/0/code', 'enum'],
    ['an unknown warning field', (d) => (d.endpoints[0].grade.warnings[0].limit = 'A-'), '/endpoints/0/grade/warnings/0', 'additionalProperties'],
    ['an unknown endpoint grade field', (d) => (d.endpoints[0].grade.rank = 6), '/endpoints/0/grade', 'additionalProperties'],
    ['mixed as a string', (d) => (d.grade.mixed = 'no'), '/grade/mixed', 'type'],
    ['a domain grade without letters', (d) => (d.grade.letters = []), '/grade/letters', 'minItems'],
    ['a letter twice in letters', (d) => d.grade.letters.push('B'), '/grade/letters', 'uniqueItems'],
    ['a domain grade from no graded endpoint', (d) => (d.grade.endpointsGraded = 0), '/grade/endpointsGraded', 'minimum'],
    ['a fractional ungraded count', (d) => (d.grade.endpointsUngraded = 0.5), '/grade/endpointsUngraded', 'type'],
    ['a domain grade without mixed', (d) => delete d.grade.mixed, '/grade', 'required'],
    ['an unknown domain grade field', (d) => (d.grade.worstEndpoint = 0), '/grade', 'additionalProperties'],
  ];

  it.each(invalid)('rejects %s', (_what, mutate, instancePath, keyword) => {
    const doc = clone(FULL);
    mutate(doc);
    expect(errorsOf(doc)).toContainEqual({ instancePath, keyword });
  });

  it('rejects things that are not a result document at all', () => {
    for (const doc of [null, [], 'result', 1, {}]) expect(validate(doc)).toBe(false);
  });
});
