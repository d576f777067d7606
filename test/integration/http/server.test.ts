import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { ProbeResponse } from '../../../src/http/reply.js';
import { type HttpServerOptions, type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import type { Mode } from '../../../src/result/types.js';
import type { StoredEntry } from '../../../src/store/store.js';
import { endpoint, entry, fetchText, memoryLogger, scanResult, serverOptions } from './fixtures.js';

// The HTTP server on a real socket (127.0.0.1, port 0): routes, status codes, content types,
// /probe parameter validation, the scrape timeout and the abort signal, the JSON API, errors.

interface ProbeCall {
  target: string;
  mode: Mode;
  timeoutSeconds: number;
  signal: AbortSignal;
}

const log = memoryLogger();
let entries: StoredEntry[] = [];
let ready = true;
let metricsFails = false;
/** When set, /metrics answers with these blocks instead of the one-line text. */
let metricsBlocks: Buffer[] | null = null;
let blocksSent = 0;
let storeFails = false;
let probeImpl: (call: ProbeCall) => Promise<ProbeResponse>;
const probeCalls: ProbeCall[] = [];
let server: RunningHttpServer;

const okGood = scanResult({ domain: 'example.org', mode: 'c2s', startedAt: '2025-03-01T10:00:00.000Z' });
const s2sFailed = scanResult({
  domain: 'example.org',
  mode: 's2s',
  startedAt: '2025-03-01T11:00:00.000Z',
  endpoints: [endpoint({ status: 'error', error: { code: 'connection_refused', message: 'refused' } })],
});
const s2sOld = scanResult({ domain: 'example.org', mode: 's2s', startedAt: '2025-02-01T11:00:00.000Z' });
const neverGood = scanResult({ domain: 'other.test', mode: 'c2s', error: { code: 'dns_failure', message: 'SERVFAIL' }, endpoints: [] });

beforeAll(async () => {
  server = await startHttpServer(
    serverOptions({
      store: () => {
        if (storeFails) throw new Error('store exploded');
        return entries;
      },
      metrics: async () => {
        if (metricsFails) throw new Error('registry exploded');
        if (metricsBlocks) return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: metricsBlocks, sent: () => blocksSent++ };
        return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP up test\n# TYPE up gauge\nup 1\n' };
      },
      probe: (target, mode, timeoutSeconds, signal) => {
        const call = { target, mode, timeoutSeconds, signal };
        probeCalls.push(call);
        return probeImpl(call);
      },
      ready: () => ready,
      logger: log,
    }),
  );
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  entries = [entry(okGood, okGood), entry(s2sFailed, s2sOld), entry(neverGood, null)];
  ready = true;
  metricsFails = false;
  metricsBlocks = null;
  storeFails = false;
  probeCalls.length = 0;
  log.calls.length = 0;
  probeImpl = async (c) => ({
    status: 200,
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    body: `probe_success{target="${c.target}",mode="${c.mode}"} 1\n`,
  });
});

test('the server reports its URL and port', () => {
  expect(server.port).toBeGreaterThan(0);
  expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
});

describe('/metrics', () => {
  test('serves what metrics() renders, with its content type', async () => {
    const r = await fetchText(server, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toBe('# HELP up test\n# TYPE up gauge\nup 1\n');
  });

  test('a body of several blocks arrives whole and in order, with their total length', async () => {
    // Blocks of 1 MiB, as the registry's exposition() makes them: more than a socket takes at once.
    metricsBlocks = ['a', 'b', 'c', 'd'].map((c) => Buffer.alloc(1 << 20, c));
    metricsBlocks.push(Buffer.from('é\n'));
    const r = await fetchText(server, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(4 * (1 << 20) + 3));
    expect(r.body).toBe(`${'a'.repeat(1 << 20)}${'b'.repeat(1 << 20)}${'c'.repeat(1 << 20)}${'d'.repeat(1 << 20)}é\n`);
    // The blocks are handed back (for reuse) once, after the response.
    for (let i = 0; i < 50 && blocksSent === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(blocksSent).toBe(1);
  });

  test('HEAD: the headers of GET, no body', async () => {
    const r = await fetchText(server, '/metrics', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength('# HELP up test\n# TYPE up gauge\nup 1\n')));
    expect(r.body).toBe('');
  });
});

describe('/healthz and /readyz', () => {
  test('healthz is 200 ok', async () => {
    const r = await fetchText(server, '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body.trim()).toBe('ok');
  });

  test('readyz follows ready(): 503 before, 200 after', async () => {
    ready = false;
    const before = await fetchText(server, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body.trim()).toBe('not ready');
    ready = true;
    const after = await fetchText(server, '/readyz');
    expect(after.status).toBe(200);
    expect(after.body.trim()).toBe('ready');
  });

  test('healthz stays 200 while not ready', async () => {
    ready = false;
    expect((await fetchText(server, '/healthz')).status).toBe(200);
  });
});

describe('/probe', () => {
  test('passes target, mode, the scrape timeout less the margin and a live signal; the answer goes out as is', async () => {
    const r = await fetchText(server, '/probe?target=example.org&mode=s2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '30' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toBe('probe_success{target="example.org",mode="s2s"} 1\n');
    expect(probeCalls).toHaveLength(1);
    const [call] = probeCalls;
    expect(call!.target).toBe('example.org');
    expect(call!.mode).toBe('s2s');
    expect(typeof call!.timeoutSeconds).toBe('number');
    expect(call!.timeoutSeconds).toBe(29.5);
    expect(call!.signal).toBeInstanceOf(AbortSignal);
  });

  test('without the header: the default 10 s less the margin', async () => {
    await fetchText(server, '/probe?target=example.org&mode=c2s');
    expect(probeCalls[0]!.timeoutSeconds).toBe(9.5);
  });

  test('fractional header values; a tiny timeout keeps half of itself rather than going to zero', async () => {
    await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2.5' } });
    await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.6' } });
    expect(probeCalls.map((c) => c.timeoutSeconds)).toEqual([2, 0.3]);
  });

  test('a huge header (past what Node timers can wait) is capped at a day: the probe is not cut short at once', async () => {
    await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '3e6' } });
    expect(probeCalls[0]!.timeoutSeconds).toBe(86_400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probeCalls[0]!.signal.aborted).toBe(false);
  });

  test.each(['abc', '-5', '0', '1s', 'NaN', 'Infinity'])('a bad scrape timeout header %j is a 400 and no probe', async (value) => {
    const r = await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': value } });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(/X-Prometheus-Scrape-Timeout-Seconds/);
    expect(probeCalls).toHaveLength(0);
  });

  test('the signal fires at the deadline, as a TimeoutError', async () => {
    probeImpl = (c) =>
      new Promise((resolve) => {
        c.signal.addEventListener('abort', () => {
          const reason = c.signal.reason as DOMException;
          resolve({ status: 200, contentType: 'text/plain; charset=utf-8', body: `aborted ${reason.name}: ${reason.message}\n` });
        });
      });
    const r = await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.4' } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('aborted TimeoutError: the probe deadline of 0.2 s was reached\n');
    expect(probeCalls[0]!.signal.aborted).toBe(true);
  });

  test('the signal does not fire for a probe that finishes in time', async () => {
    await fetchText(server, '/probe?target=example.org&mode=c2s', { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.4' } });
    // The deadline timer was cleared with the answer: wait past it, the signal stays quiet.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(probeCalls[0]!.signal.aborted).toBe(false);
  });

  test('the signal fires when the client goes away, as an AbortError', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((resolve) => (started = resolve));
    let aborted!: (reason: unknown) => void;
    const abortedP = new Promise<unknown>((resolve) => (aborted = resolve));
    probeImpl = (c) =>
      new Promise((resolve) => {
        c.signal.addEventListener('abort', () => {
          aborted(c.signal.reason);
          resolve({ status: 200, contentType: 'text/plain', body: 'too late\n' });
        });
        started();
      });
    const client = new AbortController();
    const pending = fetchText(server, '/probe?target=example.org&mode=c2s', { signal: client.signal });
    await startedP;
    client.abort();
    await expect(pending).rejects.toThrow();
    const reason = (await abortedP) as DOMException;
    expect(reason.name).toBe('AbortError');
    expect(reason.message).toMatch(/client closed/);
  });

  test('the target is normalised: case, trailing dot, IDNA', async () => {
    await fetchText(server, '/probe?target=Example.ORG.&mode=c2s');
    await fetchText(server, `/probe?target=${encodeURIComponent('bücher.example')}&mode=c2s`);
    expect(probeCalls.map((c) => c.target)).toEqual(['example.org', 'xn--bcher-kva.example']);
  });

  test('the probe handler decides the status (e.g. 403 for a target outside the policy)', async () => {
    probeImpl = async () => ({ status: 403, contentType: 'text/plain; charset=utf-8', body: 'target not allowed\n' });
    const r = await fetchText(server, '/probe?target=example.org&mode=c2s');
    expect(r.status).toBe(403);
    expect(r.body).toBe('target not allowed\n');
  });

  test.each([
    ['/probe', /missing parameter "target"/],
    ['/probe?mode=c2s', /missing parameter "target"/],
    ['/probe?target=&mode=c2s', /missing parameter "target"/],
    ['/probe?target=example.org', /missing parameter "mode"/],
    ['/probe?target=example.org&mode=', /missing parameter "mode"/],
    ['/probe?target=example.org&mode=xyz', /bad parameter "mode": "xyz" \(expected c2s or s2s\)/],
    ['/probe?target=example.org&mode=C2S', /bad parameter "mode"/],
    ['/probe?target=a.org&target=b.org&mode=c2s', /"target" given more than once/],
    ['/probe?target=example.org&mode=c2s&mode=s2s', /"mode" given more than once/],
    ['/probe?target=exa%20mple.org&mode=c2s', /bad parameter "target": invalid domain "exa mple.org"/],
    ['/probe?target=http://example.org/&mode=c2s', /bad parameter "target": invalid domain/],
    ['/probe?target=example.org:5222&mode=c2s', /bad parameter "target": invalid domain/],
    ['/probe?target=192.0.2.1&mode=c2s', /bad parameter "target": .*IP address/],
    ['/probe?target=%3Cscript%3E&mode=c2s', /bad parameter "target"/],
  ])('%s → 400 %p', async (path, message) => {
    const r = await fetchText(server, path);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(message);
    expect(probeCalls).toHaveLength(0);
  });

  test('a probe handler that throws: 500, logged, and the server goes on', async () => {
    probeImpl = async () => {
      throw new Error('scanner exploded');
    };
    const r = await fetchText(server, '/probe?target=example.org&mode=c2s');
    expect(r.status).toBe(500);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(/internal server error/);
    expect(r.body).not.toMatch(/exploded/);
    const logged = log.calls.find((c) => c.level === 'error');
    expect((logged?.obj as { err?: Error } | undefined)?.err?.message).toBe('scanner exploded');
    probeImpl = async () => ({ status: 200, contentType: 'text/plain', body: 'fine\n' });
    expect((await fetchText(server, '/probe?target=example.org&mode=c2s')).body).toBe('fine\n');
  });

  test('a probe handler returning garbage: 500', async () => {
    probeImpl = async () => ({ status: 42, contentType: 'text/plain', body: 'x' });
    expect((await fetchText(server, '/probe?target=example.org&mode=c2s')).status).toBe(500);
    probeImpl = async () => ({ status: 200, contentType: 'text/plain', body: undefined as unknown as string });
    expect((await fetchText(server, '/probe?target=example.org&mode=c2s')).status).toBe(500);
  });
});

describe('/api/v1/results', () => {
  test('every target, with latest, lastGood and latestSucceeded', async () => {
    const r = await fetchText(server, '/api/v1/results');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(r.body) as { domain: string; mode: string; latestSucceeded: boolean; latest: unknown; lastGood: unknown }[];
    expect(body).toEqual([
      { domain: 'example.org', mode: 'c2s', latestSucceeded: true, latest: okGood, lastGood: okGood },
      { domain: 'example.org', mode: 's2s', latestSucceeded: false, latest: s2sFailed, lastGood: s2sOld },
      { domain: 'other.test', mode: 'c2s', latestSucceeded: false, latest: neverGood, lastGood: null },
    ]);
  });

  test('?mode= filters', async () => {
    const r = await fetchText(server, '/api/v1/results?mode=s2s');
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { domain: string; mode: string }[]).map((e) => `${e.mode}:${e.domain}`)).toEqual(['s2s:example.org']);
  });

  test('a bad ?mode= is a 400 with a JSON error', async () => {
    const r = await fetchText(server, '/api/v1/results?mode=x2s');
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual({ error: 'bad parameter "mode": "x2s" (expected c2s or s2s)' });
  });

  test('an empty store is an empty array', async () => {
    entries = [];
    const r = await fetchText(server, '/api/v1/results');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([]);
  });

  test('/api/v1/results/DOMAIN: both modes of that domain', async () => {
    const r = await fetchText(server, '/api/v1/results/example.org');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(r.body) as { domain: string; mode: string; latest: unknown; lastGood: unknown }[];
    expect(body.map((e) => `${e.mode}:${e.domain}`)).toEqual(['c2s:example.org', 's2s:example.org']);
    expect(body[1]).toMatchObject({ latestSucceeded: false, latest: s2sFailed, lastGood: s2sOld });
  });

  test('the domain is matched in its normalised form', async () => {
    const r = await fetchText(server, '/api/v1/results/EXAMPLE.org.');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveLength(2);
  });

  test('/api/v1/results/DOMAIN?mode=', async () => {
    const r = await fetchText(server, '/api/v1/results/example.org?mode=c2s');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([{ domain: 'example.org', mode: 'c2s', latestSucceeded: true, latest: okGood, lastGood: okGood }]);
    const none = await fetchText(server, '/api/v1/results/other.test?mode=s2s');
    expect(none.status).toBe(404);
    expect(JSON.parse(none.body)).toEqual({ error: 'no results for other.test (s2s)' });
  });

  test('an unknown domain: 404 with a JSON error', async () => {
    const r = await fetchText(server, '/api/v1/results/unknown.test');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual({ error: 'no results for unknown.test' });
  });

  test('a malformed domain: 400 with a JSON error', async () => {
    for (const path of ['/api/v1/results/bad%20domain', '/api/v1/results/%E0%A4%A', '/api/v1/results/1.2.3.4']) {
      const r = await fetchText(server, path);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error: expect.any(String) });
    }
  });

  test('deeper paths under the API: 404 JSON', async () => {
    for (const path of ['/api/v1/results/example.org/c2s', '/api/v1/results/', '/api/v2/results']) {
      const r = await fetchText(server, path);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(r.body)).toEqual({ error: 'not found' });
    }
  });
});

describe('errors and methods', () => {
  test('unknown paths: 404 text', async () => {
    for (const path of ['/nope', '/metrics/', '/probe/x', '//metrics', '/index.html']) {
      const r = await fetchText(server, path);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    }
  });

  test.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)('%s on a route: 405 with Allow', async (method) => {
    for (const path of ['/', '/metrics', '/probe?target=example.org&mode=c2s', '/healthz', '/api/v1/results', '/api/v1/results/example.org']) {
      const r = await fetchText(server, path, { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    expect(probeCalls).toHaveLength(0);
  });

  test('HEAD works on every route', async () => {
    for (const path of ['/', '/healthz', '/readyz', '/api/v1/results', '/api/v1/results/example.org']) {
      const r = await fetchText(server, path, { method: 'HEAD' });
      expect(r.status).toBe(200);
      expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
      expect(r.body).toBe('');
    }
  });

  test('metrics() throwing: 500 with a short message, logged; then the server still serves', async () => {
    metricsFails = true;
    const r = await fetchText(server, '/metrics');
    expect(r.status).toBe(500);
    expect(r.body).toBe('internal server error (see the exporter log)\n');
    expect(log.calls.filter((c) => c.level === 'error').map((c) => (c.obj as { err: Error }).err.message)).toEqual(['registry exploded']);
    expect((await fetchText(server, '/healthz')).status).toBe(200);
    metricsFails = false;
    expect((await fetchText(server, '/metrics')).status).toBe(200);
  });

  test('store() throwing: 500 on the page and the API', async () => {
    storeFails = true;
    expect((await fetchText(server, '/')).status).toBe(500);
    expect((await fetchText(server, '/api/v1/results')).status).toBe(500);
    expect((await fetchText(server, '/api/v1/results/example.org')).status).toBe(500);
    storeFails = false;
    expect((await fetchText(server, '/api/v1/results')).status).toBe(200);
  });

  test('responses are not cached and not sniffed', async () => {
    const r = await fetchText(server, '/api/v1/results');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('lifecycle', () => {
  function opts(overrides: Partial<HttpServerOptions> = {}): HttpServerOptions {
    return serverOptions(overrides);
  }

  test('a port in use: start rejects', async () => {
    await expect(startHttpServer(opts({ port: server.port }))).rejects.toThrow(/EADDRINUSE/);
  });

  test('close() aborts running probes, lets them answer, and is idempotent', async () => {
    let started!: () => void;
    const startedP = new Promise<void>((resolve) => (started = resolve));
    let seen: unknown;
    const s = await startHttpServer(
      opts({
        probe: (_t, _m, _s, signal) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              seen = signal.reason;
              resolve({ status: 200, contentType: 'text/plain', body: 'stopped\n' });
            });
            started();
          }),
      }),
    );
    const pending = fetchText(s, '/probe?target=example.org&mode=c2s');
    await startedP;
    const closing = s.close();
    expect(s.close()).toBe(closing);
    const r = await pending;
    await closing;
    expect(r.status).toBe(200);
    expect(r.body).toBe('stopped\n');
    expect((seen as DOMException).name).toBe('AbortError');
    expect((seen as DOMException).message).toMatch(/shutting down/);
    await expect(fetchText(s, '/healthz')).rejects.toThrow();
  });

  test('an IPv6 host gets brackets in the URL', async () => {
    let s: RunningHttpServer;
    try {
      s = await startHttpServer(opts({ host: '::1' }));
    } catch (err) {
      // No IPv6 loopback in this environment: nothing to check.
      expect((err as NodeJS.ErrnoException).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    try {
      expect(s.url).toBe(`http://[::1]:${s.port}`);
      expect((await fetchText(s, '/healthz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
