import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { parseCertificate } from '../../../src/certificate/parse.js';
import { createCa, createLeaf, type CertOptions } from '../../harness/pki.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

describe('parseCertificate', () => {
  it('reads every SAN type, including SRVName and XmppAddr otherNames', async () => {
    const ca = await createCa();
    const leaf = await createLeaf(ca, {
      dns: ['example.org', '*.example.org'],
      srv: ['_xmpp-client.example.org', '_xmpp-server.example.org'],
      xmppAddr: ['example.org', 'bücher.example'],
      ip: ['192.0.2.1', '2001:db8::1'],
      uri: ['xmpp:example.org'],
    });
    const details = parseCertificate(leaf.der);
    expect(details.sans).toEqual({
      dns: ['example.org', '*.example.org'],
      srv: ['_xmpp-client.example.org', '_xmpp-server.example.org'],
      xmppAddr: ['example.org', 'bücher.example'],
      ip: ['192.0.2.1', '2001:db8::1'],
      uri: ['xmpp:example.org'],
      email: [],
    });
  });

  it('reports an empty SAN list and the CN for a certificate without SAN extension', async () => {
    const leaf = await createLeaf(null, { cn: 'legacy.example.org' });
    const details = parseCertificate(leaf.der);
    expect(details.sans).toEqual({ dns: [], srv: [], xmppAddr: [], ip: [], uri: [], email: [] });
    expect(details.commonName).toBe('legacy.example.org');
  });

  it.each<[string, CertOptions['key'], { keyType: string; keyBits: number; curve: string | null }]>([
    ['RSA 1024', { type: 'RSA', bits: 1024 }, { keyType: 'RSA', keyBits: 1024, curve: null }],
    ['RSA 2048', { type: 'RSA', bits: 2048 }, { keyType: 'RSA', keyBits: 2048, curve: null }],
    ['EC P-256', { type: 'EC', curve: 'P-256' }, { keyType: 'EC', keyBits: 256, curve: 'P-256' }],
    ['EC P-384', { type: 'EC', curve: 'P-384' }, { keyType: 'EC', keyBits: 384, curve: 'P-384' }],
    ['Ed25519', { type: 'Ed25519' }, { keyType: 'Ed25519', keyBits: 256, curve: null }],
  ])('describes a %s key', async (_name, key, expected) => {
    const leaf = await createLeaf(null, { dns: ['example.org'], key });
    const { keyType, keyBits, curve } = parseCertificate(leaf.der);
    expect({ keyType, keyBits, curve }).toEqual(expected);
  });

  it.each<[string, CertOptions, string]>([
    ['RSA, SHA-256', { key: { type: 'RSA' } }, 'sha256WithRSAEncryption'],
    ['RSA, SHA-1', { key: { type: 'RSA' }, hash: 'SHA-1' }, 'sha1WithRSAEncryption'],
    ['RSA, SHA-384', { key: { type: 'RSA' }, hash: 'SHA-384' }, 'sha384WithRSAEncryption'],
    ['ECDSA, SHA-256', { key: { type: 'EC' } }, 'ecdsa-with-SHA256'],
    ['ECDSA, SHA-1', { key: { type: 'EC' }, hash: 'SHA-1' }, 'ecdsa-with-SHA1'],
    ['ECDSA, SHA-384', { key: { type: 'EC', curve: 'P-384' }, hash: 'SHA-384' }, 'ecdsa-with-SHA384'],
    ['Ed25519', { key: { type: 'Ed25519' } }, 'ED25519'],
  ])('names the %s signature algorithm as OpenSSL does', async (_name, opts, expected) => {
    const leaf = await createLeaf(null, { dns: ['example.org'], ...opts });
    const details = parseCertificate(leaf.der);
    expect(details.signatureAlgorithm).toBe(expected);
    if (hasOpenssl) {
      const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: leaf.pem }).toString();
      expect(text).toContain(`Signature Algorithm: ${expected}`);
    }
  });

  it('gives fingerprints, serial, PEM and validity in the documented formats', async () => {
    const leaf = await createLeaf(null, {
      dns: ['example.org'],
      serial: '00a1b2c3d4e5f6',
      notBefore: new Date('2020-01-02T03:04:05Z'),
      notAfter: new Date('2021-01-02T03:04:05Z'),
    });
    const details = parseCertificate(leaf.der);
    const node = new X509Certificate(leaf.der);
    expect(details.fingerprintSha256).toBe(node.fingerprint256);
    expect(details.fingerprintSha1).toBe(node.fingerprint);
    expect(details.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(details.fingerprintSha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(details.serial).toBe('A1B2C3D4E5F6');
    expect(details.notBefore).toBe('2020-01-02T03:04:05.000Z');
    expect(details.notAfter).toBe('2021-01-02T03:04:05.000Z');
    expect(details.pem).toBe(leaf.pem);
    if (hasOpenssl) {
      const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-serial'], { input: leaf.pem }).toString();
      expect(out).toContain(`=${details.fingerprintSha256}`);
      expect(out).toContain(`serial=${details.serial}`);
    }
  });

  it('gives subject, issuer, CA flag and self-issued flag', async () => {
    const ca = await createCa({ cn: 'Parse Test CA', organization: 'Test Org' });
    const leaf = await createLeaf(ca, { cn: 'example.org', dns: ['example.org'] });
    const caDetails = parseCertificate(ca.der);
    const leafDetails = parseCertificate(leaf.der);
    expect(caDetails).toMatchObject({ subject: 'CN=Parse Test CA, O=Test Org', issuer: 'CN=Parse Test CA, O=Test Org', isCa: true, selfIssued: true });
    expect(leafDetails).toMatchObject({ subject: 'CN=example.org', issuer: 'CN=Parse Test CA, O=Test Org', isCa: false, selfIssued: false });
    expect(leafDetails.commonName).toBe('example.org');
  });

  it('reads the AIA (OCSP, CA issuers) and CRL distribution point URLs', async () => {
    const leaf = await createLeaf(null, {
      dns: ['example.org'],
      ocspUrl: 'http://ocsp.example.net',
      caIssuersUrl: ['http://ca.example.net/int.der', 'http://ca.example.net/int.p7c'],
      crlUrl: 'http://crl.example.net/int.crl',
    });
    const details = parseCertificate(leaf.der);
    expect(details.ocspUrls).toEqual(['http://ocsp.example.net']);
    expect(details.caIssuersUrls).toEqual(['http://ca.example.net/int.der', 'http://ca.example.net/int.p7c']);
    expect(details.crlUrls).toEqual(['http://crl.example.net/int.crl']);
  });

  it('has no AIA or CRL URLs when the extensions are absent', async () => {
    const leaf = await createLeaf(null, { dns: ['example.org'] });
    expect(parseCertificate(leaf.der)).toMatchObject({ ocspUrls: [], caIssuersUrls: [], crlUrls: [] });
  });

  it('accepts a Uint8Array view into a larger buffer', async () => {
    const leaf = await createLeaf(null, { dns: ['example.org'] });
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), leaf.der, Buffer.from([4])]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 3, leaf.der.length);
    expect(parseCertificate(view).fingerprintSha256).toBe(new X509Certificate(leaf.der).fingerprint256);
  });

  it.each<[string, Buffer]>([
    ['empty input', Buffer.alloc(0)],
    ['random bytes', Buffer.from('not a certificate at all')],
    ['a DER SEQUENCE that is not a certificate', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])],
    ['a SEQUENCE claiming a huge length', Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00])],
  ])('throws a clear error on %s', (_name, der) => {
    expect(() => parseCertificate(der)).toThrow(/^malformed certificate/);
  });

  it('throws on a truncated certificate', async () => {
    const leaf = await createLeaf(null, { dns: ['example.org'] });
    expect(() => parseCertificate(leaf.der.subarray(0, leaf.der.length - 10))).toThrow(/^malformed certificate/);
  });
});

describe('parseCertificate on real-world certificates', () => {
  it("parses every root of Node's Mozilla bundle consistently with node:crypto", () => {
    for (const pem of rootCertificates) {
      const node = new X509Certificate(pem);
      const details = parseCertificate(node.raw);
      expect(details).toMatchObject({ fingerprintSha256: node.fingerprint256, isCa: true, selfIssued: true });
      expect(details.keyType === 'RSA' || details.keyType === 'EC').toBe(true);
      expect(details.signatureAlgorithm).toMatch(/^(sha\d+WithRSAEncryption|ecdsa-with-SHA\d+)$/);
    }
  });
});
