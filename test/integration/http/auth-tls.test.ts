import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Agent } from 'undici';
import { MAX_QUEUED_BCRYPT, sha256PasswordHash } from '../../../src/http/auth.js';
import { createBasicAuthVerifier } from '../../../src/http/auth.js';
import { type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import { createLeaf, type TestCert, writePemFiles } from '../../harness/pki.js';
import { basic, fetchText, serverOptions, withServer } from './fixtures.js';

// Basic auth (sha256:<hex> and bcrypt password hashes) and HTTPS with a self-signed certificate.

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('basic auth', () => {
  let server: RunningHttpServer;
  const users = {
    prometheus: sha256PasswordHash('s3cret'),
    colon: sha256PasswordHash('a:b:c'),
    upper: sha256PasswordHash('Up').toUpperCase().replace('SHA256:', 'sha256:'),
  };

  beforeAll(async () => {
    server = await startHttpServer(
      serverOptions({
        web: { basicAuthUsers: users },
        probe: async (target) => ({ status: 200, contentType: 'text/plain', body: `probed ${target}\n` }),
      }),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  test('sha256PasswordHash is sha256: and the hex SHA-256 of the password', () => {
    // printf %s s3cret | sha256sum
    expect(sha256PasswordHash('s3cret')).toBe('sha256:' + '1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0');
  });

  test.each(['/', '/metrics', '/probe?target=example.org&mode=c2s', '/readyz', '/api/v1/results', '/api/v1/results/example.org', '/nope'])(
    'without credentials %s is a 401 with the challenge',
    async (path) => {
      const r = await fetchText(server, path);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="xmpp-tls-exporter", charset="UTF-8"');
      expect(r.body.trim()).toBe('unauthorized');
    },
  );

  test.each([
    ['a wrong password', basic('prometheus', 'wrong')],
    ['an unknown user', basic('nobody', 's3cret')],
    ['an empty password', basic('prometheus', '')],
    ['the hash instead of the password', basic('prometheus', users.prometheus)],
    ['another scheme', 'Bearer s3cret'],
    ['garbage', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('prometheus').toString('base64')}`],
  ])('%s is rejected', async (_what, authorization) => {
    const r = await fetchText(server, '/metrics', { headers: { authorization } });
    expect(r.status).toBe(401);
  });

  test('the right password opens every route', async () => {
    const headers = { authorization: basic('prometheus', 's3cret') };
    expect((await fetchText(server, '/metrics', { headers })).status).toBe(200);
    expect((await fetchText(server, '/', { headers })).status).toBe(200);
    expect((await fetchText(server, '/readyz', { headers })).status).toBe(200);
    const probe = await fetchText(server, '/probe?target=example.org&mode=c2s', { headers });
    expect(probe.status).toBe(200);
    expect(probe.body).toBe('probed example.org\n');
    // Authenticated, the usual answers come back for unknown paths and methods.
    expect((await fetchText(server, '/nope', { headers })).status).toBe(404);
    expect((await fetchText(server, '/metrics', { headers, method: 'POST' })).status).toBe(405);
  });

  test('a password with colons (split at the first one) and an upper-case hex hash', async () => {
    expect((await fetchText(server, '/metrics', { headers: { authorization: basic('colon', 'a:b:c') } })).status).toBe(200);
    expect((await fetchText(server, '/metrics', { headers: { authorization: basic('upper', 'Up') } })).status).toBe(200);
    expect((await fetchText(server, '/metrics', { headers: { authorization: basic('upper', 'up') } })).status).toBe(401);
  });

  test('/healthz needs no credentials', async () => {
    const r = await fetchText(server, '/healthz');
    expect(r.status).toBe(200);
    expect(r.body.trim()).toBe('ok');
  });

  test.each([
    [{ u: '$2y$10$tooshort' }, /password of user "u": not a supported password hash; use a bcrypt hash/],
    [{ u: 'plaintext' }, /password of user "u": not a supported password hash/],
    [{ u: 'sha256:abcd' }, /password of user "u": not a supported password hash/],
    [{ 'a:b': sha256PasswordHash('x') }, /invalid user name "a:b"/],
    [{ '': sha256PasswordHash('x') }, /invalid user name ""/],
  ])('a bad user table %j: the server refuses to start', async (basicAuthUsers, message) => {
    await expect(startHttpServer(serverOptions({ web: { basicAuthUsers } }))).rejects.toThrow(message);
  });

  test('bcrypt hashes as exporter-toolkit writes them: right password in, wrong one out', async () => {
    const { default: bcrypt } = await import('bcryptjs');
    const hash = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
    await withServer(serverOptions({ web: { basicAuthUsers: { prom: hash } } }), async (s) => {
      const auth = (p: string) => ({ headers: { authorization: `Basic ${Buffer.from(`prom:${p}`).toString('base64')}` } });
      expect((await fetchText(s, '/metrics', auth('s3cret'))).status).toBe(200);
      // Second time from the cache of verified credentials.
      expect((await fetchText(s, '/metrics', auth('s3cret'))).status).toBe(200);
      expect((await fetchText(s, '/metrics', auth('wrong'))).status).toBe(401);
    });
  });

  test('bcrypt: an unknown user costs the same work as a known one with a wrong password (within 2×, same run)', async () => {
    const { default: bcrypt } = await import('bcryptjs');
    const verifier = createBasicAuthVerifier({ prom: bcrypt.hashSync('s3cret', 8) });
    try {
      const timeOf = async (user: string) => {
        const t0 = performance.now();
        const outcome = await verifier.verify(basic(user, 'wrong'));
        expect(outcome.ok).toBe(false);
        return performance.now() - t0;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      // Interleaved, so load changes hit both alike; the first one starts the worker.
      await timeOf('prom');
      for (let i = 0; i < 7; i++) {
        known.push(await timeOf('prom'));
        unknown.push(await timeOf('nobody'));
      }
      const ratio = median(unknown) / median(known);
      // Before: 83 ms against 1.5 ms (an unknown user skipped bcrypt), a ratio of 0.02.
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    } finally {
      await verifier.close();
    }
  });

  test('bcrypt: wrong passwords wait in a bounded queue (429 beyond it) while a known scraper is answered at once', async () => {
    const { default: bcrypt } = await import('bcryptjs');
    await withServer(serverOptions({ web: { basicAuthUsers: { prom: bcrypt.hashSync('s3cret', 10) } } }), async (s) => {
      const good = { headers: { authorization: basic('prom', 's3cret') } };
      expect((await fetchText(s, '/metrics', good)).status).toBe(200); // verified once, then cached
      const order: string[] = [];
      const attack = Array.from({ length: 40 }, async () => {
        const r = await fetchText(s, '/metrics', { headers: { authorization: basic('prom', 'wrong') } });
        order.push(`wrong ${r.status}`);
        return r;
      });
      const scrape = fetchText(s, '/metrics', good).then((r) => {
        order.push(`scrape ${r.status}`);
        return r;
      });
      const answers = await Promise.all(attack);
      expect((await scrape).status).toBe(200);
      const statuses = answers.map((r) => r.status);
      // At most MAX_QUEUED_BCRYPT checks queue up; the rest are refused at once, with Retry-After.
      expect(statuses.filter((c) => c === 401).length).toBeLessThanOrEqual(MAX_QUEUED_BCRYPT);
      expect(statuses.filter((c) => c === 429).length).toBeGreaterThanOrEqual(40 - MAX_QUEUED_BCRYPT);
      expect(answers.find((r) => r.status === 429)?.headers['retry-after']).toBe('1');
      // The scraper did not wait for the queued bcrypt work: it was answered before the last wrong password.
      expect(order.indexOf('scrape 200')).toBeLessThan(order.lastIndexOf('wrong 401'));
    });
  });

  test('an empty user table means no authentication', async () => {
    await withServer(serverOptions({ web: { basicAuthUsers: {} } }), async (s) => {
      expect((await fetchText(s, '/metrics')).status).toBe(200);
    });
  });
});

describe('HTTPS', () => {
  let dir: string;
  let leaf: TestCert;
  let files: { certFile: string; keyFile: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xte-http-'));
    leaf = await createLeaf(null, { dns: ['localhost'], selfSigned: true });
    files = await writePemFiles(dir, 'web', leaf);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serves over TLS with the configured certificate', async () => {
    await withServer(serverOptions({ web: { tlsCertFile: files.certFile, tlsKeyFile: files.keyFile } }), async (s) => {
      expect(s.url).toBe(`https://127.0.0.1:${s.port}`);
      const insecure = new Agent({ connect: { rejectUnauthorized: false } });
      const pinned = new Agent({ connect: { ca: leaf.pem, servername: 'localhost' } });
      try {
        const r = await fetchText(s, '/metrics', { dispatcher: insecure });
        expect(r.status).toBe(200);
        expect(r.body).toContain('up 1');
        // Verified against the self-signed certificate as the only trust anchor: it is this certificate.
        expect((await fetchText(s, '/healthz', { dispatcher: pinned })).status).toBe(200);
        // Against the default trust store the self-signed certificate is refused.
        await expect(fetchText(s, '/healthz')).rejects.toThrow(/self[- ]signed|certificate/i);
        // Plain HTTP to the TLS port gets no HTTP answer.
        await expect(fetchText(s.url.replace('https:', 'http:'), '/healthz')).rejects.toThrow();
      } finally {
        await insecure.close();
        await pinned.close();
      }
    });
  });

  test('TLS and basic auth together', async () => {
    const web = { tlsCertFile: files.certFile, tlsKeyFile: files.keyFile, basicAuthUsers: { prometheus: sha256PasswordHash('s3cret') } };
    await withServer(serverOptions({ web }), async (s) => {
      const dispatcher = new Agent({ connect: { ca: leaf.pem, servername: 'localhost' } });
      try {
        expect((await fetchText(s, '/metrics', { dispatcher })).status).toBe(401);
        expect((await fetchText(s, '/metrics', { dispatcher, headers: { authorization: basic('prometheus', 's3cret') } })).status).toBe(200);
        expect((await fetchText(s, '/healthz', { dispatcher })).status).toBe(200);
      } finally {
        await dispatcher.close();
      }
    });
  });

  test('a missing key file: start rejects, naming the file', async () => {
    const keyFile = join(dir, 'missing.key');
    await expect(startHttpServer(serverOptions({ web: { tlsCertFile: files.certFile, tlsKeyFile: keyFile } }))).rejects.toThrow(
      `cannot read the TLS key file ${keyFile}`,
    );
  });

  test('a certificate without a key (or the reverse): start rejects', async () => {
    await expect(startHttpServer(serverOptions({ web: { tlsCertFile: files.certFile } }))).rejects.toThrow(/both a certificate file and a key file/);
    await expect(startHttpServer(serverOptions({ web: { tlsKeyFile: files.keyFile } }))).rejects.toThrow(/both a certificate file and a key file/);
  });

  test('a key that is not a key: start rejects', async () => {
    await expect(startHttpServer(serverOptions({ web: { tlsCertFile: files.certFile, tlsKeyFile: files.certFile } }))).rejects.toThrow();
  });
});
