import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEFAULT_TIMEOUTS, inspectEndpoint } from '../../../src/connector/xmpp.js';
import { sentCertificateChain } from '../../../src/tls/sent-chain.js';
import { type TestCert, createCa, createIntermediate, createLeaf } from '../../harness/pki.js';

// The chain exactly as sent (src/tls/sent-chain.ts), read from real handshakes: an OpenSSL server
// (Node's tls) sends a chain Node's own report would rebuild differently — an end-entity
// "issuer", two same-name intermediates, a duplicate, unrelated certificates, out of order —
// over TLS 1.2 (in the clear) and TLS 1.3 with each AEAD and after a HelloRetryRequest
// (encrypted: decrypted with the key log secret). The configured chain is the oracle.

let root: TestCert;
let chain: TestCert[];
let servers: tls.Server[] = [];

beforeAll(async () => {
  root = await createCa({ cn: 'Sent Chain Root' });
  const other = await createCa({ cn: 'Unrelated Root', freshKey: true });
  const inter = await createIntermediate(root, { cn: 'Sent Chain Inter', freshKey: true });
  const crossSigned = await createIntermediate(other, { cn: 'Sent Chain Inter', keyFrom: inter });
  const endEntity = await createLeaf(inter, { dns: ['innocent.test'], freshKey: true });
  const leaf = await createLeaf(endEntity, { dns: ['forged.test'], freshKey: true });
  // Leaf first, then: junk, the end-entity "issuer", both same-name intermediates, a duplicate.
  chain = [leaf, other, endEntity, crossSigned, inter, other];
}, 60_000);

afterAll(async () => {
  for (const s of servers) s.close();
  servers = [];
});

async function serve(options: tls.TlsOptions): Promise<number> {
  const server = tls.createServer({ key: chain[0]!.keyPem, cert: chain.map((c) => c.pem).join(''), ...options }, (socket) => {
    socket.on('error', () => {});
    socket.end();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function sentChainVia(port: number) {
  const r = await inspectEndpoint({
    domain: 'forged.test',
    mode: 'c2s',
    host: 'localhost',
    address: '127.0.0.1',
    port,
    directTls: true,
    from: '',
    timeouts: DEFAULT_TIMEOUTS,
  });
  return r;
}

describe('the chain as sent, through the connector', () => {
  test.each([
    // what, server options, negotiated protocol and cipher
    ['TLS 1.2 (in the clear)', { maxVersion: 'TLSv1.2' }, 'TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    ['TLS 1.3 AES-128-GCM', { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
    ['TLS 1.3 AES-256-GCM (SHA-384 key schedule)', { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' }, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
    ['TLS 1.3 ChaCha20-Poly1305', { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'],
    // Node offers an X25519 key share first; a P-384-only server answers with a HelloRetryRequest.
    ['TLS 1.3 after a HelloRetryRequest', { ecdhCurve: 'P-384' }, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ] as const)('%s: every certificate, in the order sent', async (_what, options, protocol, cipher) => {
    const r = await sentChainVia(await serve(options as tls.TlsOptions));
    expect(r.session).toEqual({ protocol, cipher });
    expect(r.peerCertificates.map((c) => c.toString('base64'))).toEqual(chain.map((c) => c.der.toString('base64')));
  });
});

describe("sentCertificateChain on what it cannot read: null (the connector then takes Node's chain)", () => {
  test.each([
    ['no bytes', Buffer.alloc(0), []],
    ['not TLS (an XMPP reply)', Buffer.from("<?xml version='1.0'?><stream:stream>"), []],
    ['a truncated record', Buffer.from([22, 3, 3, 0, 200, 2, 0]), []],
    ['more than the cap', Buffer.alloc(300 * 1024, 22), []],
  ] as const)('%s', (_what, bytes, keylog) => {
    expect(sentCertificateChain(bytes, keylog)).toBeNull();
  });

  test('TLS 1.3 bytes without the key log, or with a wrong secret', async () => {
    const port = await serve({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' });
    const { bytes, keylog, nodeChainLength } = await rawHandshake(port);
    expect(sentCertificateChain(bytes, keylog)?.length).toBe(chain.length); // the control
    // Why it exists: Node's own report stops at the leaf (its issuer is no CA).
    expect(nodeChainLength).toBe(1);
    expect(sentCertificateChain(bytes, [])).toBeNull();
    const wrong = keylog.map((l) => (l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET') ? l.replace(/[0-9a-f]{64}\s*$/, '00'.repeat(32)) : l));
    expect(sentCertificateChain(bytes, wrong)).toBeNull();
    // Every truncation of a real handshake: null or the chain, never a throw or a wrong chain.
    for (let cut = 0; cut < bytes.length; cut += 97) {
      const got = sentCertificateChain(bytes.subarray(0, cut), keylog);
      if (got !== null) expect(got.length).toBe(chain.length);
    }
  });
});

/** The server's handshake bytes and the key log of one handshake, captured by hand. */
async function rawHandshake(port: number): Promise<{ bytes: Buffer; keylog: string[]; nodeChainLength: number }> {
  const { TappedSocket } = await import('../../../src/connector/tap.js');
  const net = await import('node:net');
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  const tap = new TappedSocket(raw, 1024 * 1024);
  const keylog: string[] = [];
  const socket = tls.connect({ socket: tap, rejectUnauthorized: false, ca: [] });
  socket.on('keylog', (line) => keylog.push(line.toString('latin1')));
  await once(socket, 'secureConnect');
  const bytes = tap.serverBytes()!;
  let nodeChainLength = 0;
  const seen = new Set<string>();
  for (let c = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    nodeChainLength++;
  }
  socket.destroy();
  return { bytes, keylog, nodeChainLength };
}
