import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import { ChainCertificate, tryChainCertificate } from '../../../src/certificate/chain-certificate.js';
import { analyzeChain } from '../../../src/certificate/trust.js';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { outlineCertificate } from '../../../src/certificate/outline.js';
import { parseCertificate } from '../../../src/certificate/parse.js';
import { MAX_DEPTH, MAX_PATHS, type PathCertificate, buildAndValidate, keyUseOfSuite } from '../../../src/certificate/path.js';
import { createCa, createIntermediate, createLeaf, type TestCert } from '../../harness/pki.js';

// The pieces under path validation (the verdicts themselves are in
// test/integration/certificate/path-validation.test.ts, against openssl verify): the shallow
// read of a certificate, the summary it gives (the full parse is the oracle), and the bounds that
// keep a hostile server's certificate maze cheap.

const now = new Date();
const opts = { now };
const presented = (t: TestCert): PathCertificate => ({ cert: new ChainCertificate(t.der), source: 'presented', anchor: false });
const anchor = (t: TestCert): PathCertificate => ({ cert: new ChainCertificate(t.der), source: 'ca_file', anchor: true });

let certs: Record<string, TestCert>;

beforeAll(async () => {
  const root = await createCa({ cn: 'Outline Root' });
  const inter = await createIntermediate(root, { cn: 'Outline Inter' });
  certs = {
    'RSA leaf, SHA-256': await createLeaf(inter, { dns: ['example.org'] }),
    'EC P-384 leaf': await createLeaf(inter, { dns: ['example.org'], key: { type: 'EC', curve: 'P-384' }, freshKey: true }),
    'Ed25519 leaf': await createLeaf(inter, { dns: ['example.org'], key: { type: 'Ed25519' }, freshKey: true }),
    'SHA-1 signed leaf': await createLeaf(inter, { dns: ['example.org'], hash: 'SHA-1' }),
    'self-signed root': root,
    intermediate: inter,
  };
});

describe('outlineCertificate: the parts, exactly as a full parse finds them', () => {
  test.each(['RSA leaf, SHA-256', 'EC P-384 leaf', 'Ed25519 leaf', 'SHA-1 signed leaf', 'self-signed root', 'intermediate'])('%s', (name) => {
    const der = certs[name]!.der;
    const o = outlineCertificate(der);
    const full = AsnConvert.parse(der, asn1x509.Certificate);
    const tbs = full.tbsCertificate;
    expect(o.issuer).toEqual(Buffer.from(AsnConvert.serialize(tbs.issuer)));
    expect(o.subject).toEqual(Buffer.from(AsnConvert.serialize(tbs.subject)));
    expect(o.validity).toEqual(Buffer.from(AsnConvert.serialize(tbs.validity)));
    expect(o.subjectPublicKeyInfo).toEqual(Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)));
    expect(o.signatureAlgorithm).toEqual(Buffer.from(AsnConvert.serialize(full.signatureAlgorithm)));
  });

  test('every truncation and a trailing byte are rejected; no other input throws anything but an Error', () => {
    const der = certs['RSA leaf, SHA-256']!.der;
    for (let cut = 0; cut < der.length; cut++) expect(() => outlineCertificate(der.subarray(0, cut))).toThrow(Error);
    expect(() => outlineCertificate(Buffer.concat([der, Buffer.from([0])]))).toThrow('bytes after the certificate');
    // Every single-byte corruption: an outline or an Error, never anything else (and never a hang).
    for (let i = 0; i < der.length; i += 7) {
      const bad = Buffer.from(der);
      bad[i] = bad[i]! ^ 0xff;
      try {
        outlineCertificate(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });

  test.each([
    ['not a SEQUENCE', Buffer.from([0x31, 0x00])],
    ['indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
    ['a 5-byte length', Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0])],
    ['a multi-byte tag', Buffer.from([0x3f, 0x01, 0x00])],
    ['a length past the end', Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30])],
  ])('%s: rejected', (_what, bytes) => {
    expect(() => outlineCertificate(bytes)).toThrow(Error);
    expect(tryChainCertificate(bytes)).toBeNull();
  });
});

describe('ChainCertificate: the summary equals the full parse', () => {
  test.each(['RSA leaf, SHA-256', 'EC P-384 leaf', 'Ed25519 leaf', 'SHA-1 signed leaf', 'self-signed root', 'intermediate'])('%s', (name) => {
    const der = certs[name]!.der;
    const full = parseCertificate(der);
    const { subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm } = full;
    expect(new ChainCertificate(der).summary()).toEqual({ subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm });
  });
});

describe('path building: bounded on a hostile maze', () => {
  test('two CAs that issued each other (a loop): ends, untrusted, each certificate once', async () => {
    const a = await createCa({ cn: 'Loop A', freshKey: true });
    const b = await createCa({ cn: 'Loop B', freshKey: true });
    const aByB = await createIntermediate(b, { cn: 'Loop A', keyFrom: a });
    const bByA = await createIntermediate(a, { cn: 'Loop B', keyFrom: b });
    const leaf = await createLeaf(aByB, { dns: ['example.org'], freshKey: true });
    const trusted = await createCa({ cn: 'Unrelated Root', freshKey: true });
    const r = buildAndValidate(presented(leaf), [presented(aByB), presented(bByA)], [anchor(trusted)], opts);
    expect(r.end).toBe('unknown_issuer');
    const fingerprints = r.path.map((p) => p.cert.fingerprint256);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    expect(r.limitReached).toBeNull();
  });

  test('a maze of 120 cross-signed certificates with one key: the search stops at its limits and says so', async () => {
    const key = await createCa({ cn: 'Maze A', freshKey: true });
    const maze: TestCert[] = [];
    for (let i = 0; i < 60; i++) {
      // "Maze A" issued by "Maze B" and "Maze B" issued by "Maze A", all with one key: every one is an issuer of every other.
      maze.push(await createIntermediate(await createCa({ cn: 'Maze B', keyFrom: key }), { cn: 'Maze A', keyFrom: key }));
      maze.push(await createIntermediate(key, { cn: 'Maze B', keyFrom: key }));
    }
    const leaf = await createLeaf(key, { dns: ['example.org'], freshKey: true });
    const trusted = await createCa({ cn: 'Unrelated Root', freshKey: true });
    const r = buildAndValidate(presented(leaf), maze.map(presented), [anchor(trusted)], opts);
    expect(r.end).toBe('unknown_issuer');
    expect(r.path.length).toBeLessThanOrEqual(MAX_DEPTH);
    expect(r.limitReached).toMatch(new RegExp(`issuers of one certificate|${MAX_PATHS} partial paths|signature checks|a path of ${MAX_DEPTH}`));
  });

  test("a valid path is still found behind 200 certificates with the intermediate's name", async () => {
    const root = await createCa({ cn: 'Junk Root', freshKey: true });
    const inter = await createIntermediate(root, { cn: 'Junk Inter', freshKey: true });
    const leaf = await createLeaf(inter, { dns: ['example.org'], freshKey: true });
    const junkKey = await createCa({ cn: 'Junk Inter', freshKey: true });
    const junk: TestCert[] = [];
    for (let i = 0; i < 200; i++) junk.push(await createCa({ cn: 'Junk Inter', keyFrom: junkKey }));
    const r = buildAndValidate(presented(leaf), [...junk.map(presented), presented(inter)], [anchor(root)], opts);
    expect(r.end).toBe('anchor');
    expect(r.path.map((p) => p.cert.fingerprint256)).toEqual([leaf, inter, root].map((c) => new ChainCertificate(c.der).fingerprint256));
    // One signature check per key, not per certificate: the 200 junk ones share theirs.
    expect(r.limitReached).toBeNull();
  });
});

describe('keyUseOfSuite: what the negotiated key exchange needs of the server key', () => {
  test.each([
    ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'keyEncipherment'],
    ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'keyEncipherment'],
    ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'digitalSignature'],
    ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'digitalSignature'],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'digitalSignature'],
    ['TLS_AES_256_GCM_SHA384', 'digitalSignature'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'digitalSignature'],
    ['TLS_ECDH_RSA_WITH_AES_128_CBC_SHA', 'keyAgreement'],
    ['TLS_DH_DSS_WITH_AES_128_CBC_SHA', 'keyAgreement'],
    ['TLS_RSA_PSK_WITH_AES_128_CBC_SHA', null],
    ['TLS_DH_anon_WITH_AES_128_CBC_SHA', null],
    ['SOMETHING_ELSE', null],
    [null, null],
  ] as const)('%s → %s', (suite, use) => {
    expect(keyUseOfSuite(suite)).toBe(use);
  });
});

describe('junk that outlines but does not decode', () => {
  test('a certificate with a broken validity among those sent: ignored, not listed, counted', async () => {
    const root = await createCa({ cn: 'Junk Decode Root', freshKey: true });
    const inter = await createIntermediate(root, { cn: 'Junk Decode Inter', freshKey: true });
    const leaf = await createLeaf(inter, { dns: ['example.org'], freshKey: true });
    const broken = Buffer.from(inter.der);
    const validity = outlineCertificate(broken).validity;
    broken[validity.byteOffset - broken.byteOffset + 2] = 0x04; // notBefore as an OCTET STRING, not a time
    expect(tryChainCertificate(broken)?.summary()).toBeNull();
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { writeCertFile } = await import('../../harness/pki.js');
    const dir = await mkdtemp(join(tmpdir(), 'junk-decode-'));
    try {
      const store = loadTrustStore({ caFiles: [await writeCertFile(join(dir, 'ca.pem'), [root])], systemRoots: false });
      const r = analyzeChain([leaf.der, broken, inter.der], { domain: 'example.org', mode: 'c2s', now, store });
      expect(r.trusted).toBe(true);
      expect(r.chain.map((c) => c.subject)).toEqual(['CN=example.org', 'CN=Junk Decode Inter']);
      expect(r.chainLength).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
