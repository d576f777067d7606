import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { analyzeChain } from '../../../src/certificate/trust.js';
import { gradeDomain, gradeEndpoint } from '../../../src/grading/grade.js';
import { ScanError } from '../../../src/result/errors.js';
import type { CertificateResult, ChainEntry, CipherSuiteFinding, EndpointGrade, ProtocolName, ScanResult, TlsResult } from '../../../src/result/types.js';
import { generate } from '../../../scripts/generate-schema-types.mjs';
import { createCa, createIntermediate, createLeaf } from '../../harness/pki.js';

// docs/result.schema.json and src/result/types.ts describe one document: src/result/schema.generated.ts
// is generated from the schema (the first test keeps it up to date) and src/result/schema-check.ts
// does not compile unless it is the same type as ScanResult. What the types cannot say (integers,
// bounds, patterns, closed objects) and whether real documents pass is tested here, with ajv.

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

// ---- A full document: every optional field present, every nullable object filled in -------------

const FP256 = `${'AB:'.repeat(31)}CD`;
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
  fingerprintSha1: `${'12:'.repeat(19)}34`,
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
  protocols: { SSLv2: false, SSLv3: false, 'TLSv1.0': false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
  protocolErrors: { SSLv2: { code: 'timeout', message: 'no answer to a SSLv2 ClientHello within 10 s', phase: 'tls_handshake', deadline: 'phase' } },
  cipherSuites: [
    suite('TLSv1.2', '0x009E', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256', { keyExchange: 'DHE', kxGroup: null, dhBits: 2048 }),
    suite('TLSv1.2', '0xC02F', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'),
    suite('TLSv1.2', '0xC030', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', {
      bits: 256,
      effectiveBits: 256,
      encryption: 'AES_256_GCM',
    }),
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
      message:
        'DNS lookup of SRV _xmpps-server._tcp.example.net failed: ETIMEOUT (no answer from the DNS server in time); the endpoints of the other SRV records were scanned',
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
  it('is what src/result/schema.generated.ts was generated from', async () => {
    const file = (await generate()).find((f) => f.path === 'src/result/schema.generated.ts');
    // On failure: npm run generate:schema-types (and fix what src/result/schema-check.ts then reports).
    expect(readFileSync(new URL('../../../src/result/schema.generated.ts', import.meta.url), 'utf8')).toBe(file?.text);
  });

  it('is a draft 2020-12 schema with the v1 $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://xmpp-tls-exporter.invalid/schema/result-v1.json');
  });

  it('describes every property and titles every definition', () => {
    const undocumented: string[] = [];
    const walk = (node: Json, path: string): void => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) walk(item, `${path}/${i}`);
        return;
      }
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
      {
        ...doc.endpoints[0]!,
        address: '192.0.2.8',
        grade: { ...fullGrade, letter: 'M', caps: [{ code: 'certificate_name_mismatch', limit: 'M', message: 'x' }] },
      },
      doc.endpoints[1]!,
    ];
    doc.grade = { ...doc.grade!, letter: 'T', mixed: true, letters: ['M', 'T'], endpointsGraded: 2 };
    expect(errorsOf(doc)).toEqual([]);
    const xmppoke: EndpointGrade = {
      ...untrusted,
      profile: 'xmppoke-2015',
      letter: 'F',
      letterIgnoringTrust: 'A',
      caps: [{ ...untrusted.caps[1]!, limit: 'F' }],
      warnings: [],
    };
    doc.endpoints = [{ ...doc.endpoints[0]!, grade: xmppoke }];
    doc.grade = {
      ...doc.grade,
      profile: 'xmppoke-2015',
      letter: 'F',
      letterIgnoringTrust: 'A',
      mixed: false,
      letters: ['F'],
      endpointsGraded: 1,
      endpointsUngraded: 0,
    };
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
      protocols: { ...tls.protocols, 'TLSv1.2': false, SSLv2: false },
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

  // Each case breaks, in an otherwise valid document, a rule the types cannot express (integers, bounds, patterns,
  // closed objects); the validator must point at it. The document is plain JSON then, open to any change: `at`
  // walks to the object (or array) to break.
  type Mutation = [what: string, mutate: (doc: JsonObject) => void, instancePath: string, keyword: string];
  type Node = Record<string | number, Json>;
  const at = (doc: JsonObject, ...path: (string | number)[]): Node => path.reduce((node: Node, key) => node[key] as Node, doc);
  const invalid: Mutation[] = [
    ['a fractional port', (d) => (at(d, 'endpoints', 0).port = 52.22), '/endpoints/0/port', 'type'],
    ['a port above 65535', (d) => (at(d, 'endpoints', 0).port = 65536), '/endpoints/0/port', 'maximum'],
    ['a negative duration', (d) => (d.durationSeconds = -1), '/durationSeconds', 'minimum'],
    [
      'a lower-case fingerprint',
      (d) => (at(d, 'endpoints', 0, 'certificate').fingerprintSha256 = FP256.toLowerCase()),
      '/endpoints/0/certificate/fingerprintSha256',
      'pattern',
    ],
    [
      'a fingerprint without colons',
      (d) => (at(d, 'endpoints', 0, 'certificate', 'chain', 0).fingerprintSha256 = 'AB'.repeat(32)),
      '/endpoints/0/certificate/chain/0/fingerprintSha256',
      'pattern',
    ],
    ['an unknown top-level field', (d) => (d.rating = 'A'), '', 'additionalProperties'],
    ['an unknown endpoint field', (d) => (at(d, 'endpoints', 0).rating = 'A'), '/endpoints/0', 'additionalProperties'],
    ['an unknown error field', (d) => (at(d, 'endpoints', 0, 'error').stack = 'at …'), '/endpoints/0/error', 'additionalProperties'],
    ['an unknown certificate field', (d) => (at(d, 'endpoints', 0, 'certificate').revoked = false), '/endpoints/0/certificate', 'unevaluatedProperties'],
    ['an unknown scanner field', (d) => (at(d, 'scanner').build = 'abc'), '/scanner', 'additionalProperties'],
    [
      'an unknown protocol in protocols',
      (d) => (at(d, 'endpoints', 0, 'tls', 'protocols').TLSv1 = false),
      '/endpoints/0/tls/protocols',
      'additionalProperties',
    ],
    [
      'an unknown protocol in protocolErrors',
      (d) => (at(d, 'endpoints', 0, 'tls', 'protocolErrors').TLSv1 = { code: 'timeout', message: 'x' }),
      '/endpoints/0/tls/protocolErrors',
      'additionalProperties',
    ],
    ['a lower-case suite code', (d) => (at(d, 'endpoints', 0, 'tls', 'cipherSuites', 1).code = '0xc02f'), '/endpoints/0/tls/cipherSuites/1/code', 'pattern'],
    [
      'an unknown suite field',
      (d) => (at(d, 'endpoints', 0, 'tls', 'cipherSuites', 1).recommended = 'Y'),
      '/endpoints/0/tls/cipherSuites/1',
      'additionalProperties',
    ],
    ['fractional suite bits', (d) => (at(d, 'endpoints', 0, 'tls', 'cipherSuites', 1).bits = 127.5), '/endpoints/0/tls/cipherSuites/1/bits', 'type'],
    [
      'a bad code in a server order',
      (d) => (at(d, 'endpoints', 0, 'tls', 'serverPreference', 1, 'order')[0] = 'C030'),
      '/endpoints/0/tls/serverPreference/1/order/0',
      'pattern',
    ],
    ['a three-byte group code', (d) => (at(d, 'endpoints', 0, 'tls', 'groups', 0).code = '0x00001D'), '/endpoints/0/tls/groups/0/code', 'pattern'],
    [
      'a PEM certificate in the chain',
      (d) => (at(d, 'endpoints', 0, 'tls', 'certificateChain')[0] = '-----BEGIN CERTIFICATE-----'),
      '/endpoints/0/tls/certificateChain/0',
      'pattern',
    ],
    ['a fractional probe count', (d) => (at(d, 'endpoints', 0, 'tls').probeCount = 1.5), '/endpoints/0/tls/probeCount', 'type'],
    ['an unknown TLS result field', (d) => (at(d, 'endpoints', 0, 'tls').heartbleed = false), '/endpoints/0/tls', 'additionalProperties'],
    ['a score above 100', (d) => (at(d, 'endpoints', 0, 'grade').score = 101), '/endpoints/0/grade/score', 'maximum'],
    ['a negative sub-score', (d) => (at(d, 'endpoints', 0, 'grade').keyExchangeScore = -1), '/endpoints/0/grade/keyExchangeScore', 'minimum'],
    ['an unknown warning field', (d) => (at(d, 'endpoints', 0, 'grade', 'warnings', 0).limit = 'A-'), '/endpoints/0/grade/warnings/0', 'additionalProperties'],
    ['an unknown endpoint grade field', (d) => (at(d, 'endpoints', 0, 'grade').rank = 6), '/endpoints/0/grade', 'additionalProperties'],
    ['a domain grade without letters', (d) => (at(d, 'grade').letters = []), '/grade/letters', 'minItems'],
    ['a letter twice in letters', (d) => (at(d, 'grade').letters as Json[]).push('B'), '/grade/letters', 'uniqueItems'],
    ['a domain grade from no graded endpoint', (d) => (at(d, 'grade').endpointsGraded = 0), '/grade/endpointsGraded', 'minimum'],
    ['a fractional ungraded count', (d) => (at(d, 'grade').endpointsUngraded = 0.5), '/grade/endpointsUngraded', 'type'],
    ['an unknown domain grade field', (d) => (at(d, 'grade').worstEndpoint = 0), '/grade', 'additionalProperties'],
  ];

  it.each(invalid)('rejects %s', (_what, mutate, instancePath, keyword) => {
    const doc = clone(FULL) as unknown as JsonObject;
    mutate(doc);
    expect(errorsOf(doc)).toContainEqual({ instancePath, keyword });
  });

  it('rejects things that are not a result document at all', () => {
    for (const doc of [null, [], 'result', 1, {}]) expect(validate(doc)).toBe(false);
  });
});
