import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeChain, fetchAiaIssuers } from '../../../src/certificate/aia.js';
import { loadTrustStore, type TrustStore } from '../../../src/certificate/trust-store.js';
import { createCa, createIntermediate, createLeaf, toPkcs7, writeCertFile, type TestCert } from '../../harness/pki.js';

// A loopback HTTP server whose routes are set per test; unknown paths get 404, /hang never answers.
let server: Server;
let base: string;
const routes = new Map<string, { type: string; body: Buffer | string }>();
let requests: string[] = [];

let dir: string;
let ca: TestCert;
let store: TrustStore;
const now = new Date();
const domain = 'example.org';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/hang') return; // never answered: exercises the timeout
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/int.der' }).end();
      return;
    }
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'aia-'));
  ca = await createCa();
  store = loadTrustStore({ caFiles: [await writeCertFile(join(dir, 'ca.crt'), [ca])], systemRoots: false });
});
beforeEach(() => {
  routes.clear();
  requests = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const options = { timeoutMs: 2000 };

describe('fetchAiaIssuers', () => {
  it.each<[string, (c: TestCert) => { type: string; body: Buffer | string }]>([
    ['DER', (c) => ({ type: 'application/pkix-cert', body: c.der })],
    ['PEM', (c) => ({ type: 'application/x-pem-file', body: c.pem })],
    ['PKCS#7 (DER)', (c) => ({ type: 'application/pkcs7-mime', body: toPkcs7([c]) })],
    ['PKCS#7 (PEM)', (c) => ({ type: 'application/pkcs7-mime', body: toPkcs7([c], 'pem') })],
  ])('decodes a %s response', async (_name, encode) => {
    const intermediate = await createIntermediate(ca);
    routes.set('/int', encode(intermediate));
    const fetched = await fetchAiaIssuers({ caIssuersUrls: [`${base}/int`] }, options);
    expect(fetched).toEqual([intermediate.der]);
  });

  it('follows redirects', async () => {
    const intermediate = await createIntermediate(ca);
    routes.set('/int.der', { type: 'application/pkix-cert', body: intermediate.der });
    expect(await fetchAiaIssuers({ caIssuersUrls: [`${base}/redirect`] }, options)).toEqual([intermediate.der]);
  });

  it('returns what it could get when some URLs fail', async () => {
    const intermediate = await createIntermediate(ca);
    routes.set('/int.der', { type: 'application/pkix-cert', body: intermediate.der });
    routes.set('/junk', { type: 'text/plain', body: 'not a certificate' });
    const urls = [`${base}/missing`, `${base}/junk`, 'http://127.0.0.1:1/refused', `${base}/int.der`];
    expect(await fetchAiaIssuers({ caIssuersUrls: urls }, options)).toEqual([intermediate.der]);
  });

  it('gives up on a server that does not answer in time', async () => {
    expect(await fetchAiaIssuers({ caIssuersUrls: [`${base}/hang`] }, { timeoutMs: 100 })).toEqual([]);
  });

  it('refuses a response larger than maxBytes', async () => {
    const intermediate = await createIntermediate(ca);
    routes.set('/int.der', { type: 'application/pkix-cert', body: intermediate.der });
    expect(await fetchAiaIssuers({ caIssuersUrls: [`${base}/int.der`] }, { timeoutMs: 2000, maxBytes: 100 })).toEqual([]);
  });

  it('only fetches http and https URLs', async () => {
    expect(await fetchAiaIssuers({ caIssuersUrls: ['ldap://127.0.0.1/cn=ca', 'file:///etc/passwd'] }, options)).toEqual([]);
    expect(requests).toEqual([]);
  });
});

describe('completeChain', () => {
  it('fetches a missing intermediate: trusted, but an incomplete chain', async () => {
    const intermediate = await createIntermediate(ca);
    routes.set('/int.der', { type: 'application/pkix-cert', body: intermediate.der });
    const leaf = await createLeaf(intermediate, { dns: [domain], caIssuersUrl: `${base}/int.der` });
    const result = await completeChain([leaf.der], { domain, mode: 'c2s', now, store, ...options });
    expect(result.trusted).toBe(true);
    expect(result.trustErrors).toEqual(['incomplete_chain']);
    expect(result.builtChain.map((e) => e.source)).toEqual(['presented', 'aia', 'ca_file']);
    expect(result.chain).toHaveLength(1);
  });

  it('follows AIA over several hops', async () => {
    const upper = await createIntermediate(ca);
    const lower = await createIntermediate(upper, { caIssuersUrl: `${base}/upper.der` });
    routes.set('/upper.der', { type: 'application/pkix-cert', body: upper.der });
    routes.set('/lower.der', { type: 'application/pkix-cert', body: lower.der });
    const leaf = await createLeaf(lower, { dns: [domain], caIssuersUrl: `${base}/lower.der` });
    const result = await completeChain([leaf.der], { domain, mode: 'c2s', now, store, ...options });
    expect(result.trustErrors).toEqual(['incomplete_chain']);
    expect(result.builtChain.map((e) => e.source)).toEqual(['presented', 'aia', 'aia', 'ca_file']);
    expect(requests).toEqual(['/lower.der', '/upper.der']);
  });

  it('fetches nothing when the chain is complete', async () => {
    const intermediate = await createIntermediate(ca);
    const leaf = await createLeaf(intermediate, { dns: [domain], caIssuersUrl: `${base}/int.der` });
    const result = await completeChain([leaf.der, intermediate.der], { domain, mode: 'c2s', now, store, ...options });
    expect(result.trustErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('keeps unknown_issuer when the AIA URL gives nothing usable', async () => {
    const intermediate = await createIntermediate(ca);
    const leaf = await createLeaf(intermediate, { dns: [domain], caIssuersUrl: `${base}/missing.der` });
    const result = await completeChain([leaf.der], { domain, mode: 'c2s', now, store, ...options });
    expect(result.trustErrors).toEqual(['unknown_issuer']);
    expect(requests).toEqual(['/missing.der']);
  });

  it('stops when AIA serves an unrelated certificate', async () => {
    const intermediate = await createIntermediate(ca);
    const unrelated = await createCa();
    routes.set('/int.der', { type: 'application/pkix-cert', body: unrelated.der });
    const leaf = await createLeaf(intermediate, { dns: [domain], caIssuersUrl: `${base}/int.der` });
    const result = await completeChain([leaf.der], { domain, mode: 'c2s', now, store, ...options });
    expect(result.trustErrors).toEqual(['unknown_issuer']);
    expect(requests).toEqual(['/int.der']);
  });
});
