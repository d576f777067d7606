// The test PKI must produce certificates that OpenSSL (hence Prosody) reads as intended,
// especially the otherName SANs, which are easy to encode wrongly.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createIntermediate, createLeaf, writePemFiles } from '../../harness/pki.js';
import { needTool } from '../../harness/tools.js';

function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
}

describe('test PKI harness', () => {
  beforeAll(() => needTool('/usr/bin/openssl', 'openssl'));

  it('encodes SRVName and XmppAddr otherNames the way OpenSSL decodes them', async () => {
    const ca = await createCa();
    const leaf = await createLeaf(ca, { dns: ['example.org'], srv: ['_xmpp-client.example.org'], xmppAddr: ['example.org'], ip: ['127.0.0.1'] });
    const text = opensslText(leaf.pem);
    expect(text).toContain('DNS:example.org');
    expect(text).toContain('othername: SRVName::_xmpp-client.example.org');
    expect(text).toContain('othername: XmppAddr::example.org');
    expect(text).toContain('IP Address:127.0.0.1');
  });

  it('builds chains that openssl verify accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pki-'));
    try {
      const ca = await createCa();
      const intermediate = await createIntermediate(ca);
      const leaf = await createLeaf(intermediate, { dns: ['example.org'] });
      const { certFile, keyFile } = await writePemFiles(dir, 'example.org', leaf, [intermediate]);
      await writePemFiles(dir, 'ca', ca);
      const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-untrusted', certFile, certFile]).toString();
      expect(out.trim()).toBe(`${certFile}: OK`);
      expect(await readFile(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      // The key file holds the leaf's key: OpenSSL derives the same public key from both.
      const fromKey = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout']).toString();
      const fromCert = execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: leaf.pem }).toString();
      expect(fromKey).toBe(fromCert);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the leaf then the chain into <name>.crt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pki-'));
    try {
      const ca = await createCa();
      const leaf = await createLeaf(ca, { dns: ['example.org'] });
      const { certFile } = await writePemFiles(dir, 'server', leaf, [ca]);
      expect(await readFile(certFile, 'utf8')).toBe(leaf.pem + ca.pem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
