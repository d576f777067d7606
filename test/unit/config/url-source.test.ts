import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load.js';
import { TargetSources } from '../../../src/config/targets.js';
import { UrlTargetSource } from '../../../src/config/targets.js';

// A target list served by a local HTTP server on 127.0.0.1, with an ETag.

interface Served {
  status: number;
  body: string;
  etag?: string;
}

let server: Server;
let base: string;
let served: Served;
let requests: Array<{ url: string; headers: IncomingHttpHeaders }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/hang') return; // never answers
    if (served.etag && req.headers['if-none-match'] === served.etag) {
      res.writeHead(304, { etag: served.etag }).end();
      return;
    }
    res.writeHead(served.status, { 'content-type': 'text/plain', ...(served.etag ? { etag: served.etag } : {}) }).end(served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
  served = { status: 200, body: 'a.example\nb.example s2s\n', etag: '"v1"' };
});

test('the list is fetched, then revalidated with If-None-Match: a 304 keeps it', async () => {
  const source = new UrlTargetSource(`${base}/list`, 300);
  const first = await source.fetchOnce();
  expect(first).toEqual({
    status: 'updated',
    targets: [
      { domain: 'a.example', modes: ['c2s', 's2s'] },
      { domain: 'b.example', modes: ['s2s'] },
    ],
    errors: [],
  });
  expect(requests[0]!.headers['if-none-match']).toBeUndefined();
  expect(requests[0]!.headers['user-agent']).toMatch(/^xmpp-tls-exporter\//);

  const second = await source.fetchOnce();
  expect(requests[1]!.headers['if-none-match']).toBe('"v1"');
  expect(second).toEqual({ status: 'unchanged', targets: first.targets, errors: [] });

  served = { status: 200, body: 'c.example c2s\n', etag: '"v2"' };
  const third = await source.fetchOnce();
  expect(third.status).toBe('updated');
  expect(third.targets).toEqual([{ domain: 'c.example', modes: ['c2s'] }]);
});

test('a 500 keeps the previous list and reports an error', async () => {
  const source = new UrlTargetSource(`${base}/list`, 300);
  await source.fetchOnce();
  served = { status: 500, body: 'oops' };
  const failed = await source.fetchOnce();
  expect(failed).toEqual({
    status: 'failed',
    targets: [
      { domain: 'a.example', modes: ['c2s', 's2s'] },
      { domain: 'b.example', modes: ['s2s'] },
    ],
    errors: [`URL ${base}/list: HTTP 500 Internal Server Error (keeping the 2 targets of the last good fetch)`],
  });
  expect(source.lastError).toBe(failed.errors[0]);
});

test('an unreachable URL gives a clear error and no targets', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const result = await new UrlTargetSource(`http://127.0.0.1:${port}/targets`, 300).fetchOnce();
  expect(result).toEqual({
    status: 'failed',
    targets: null,
    errors: [`URL http://127.0.0.1:${port}/targets: cannot fetch: connect ECONNREFUSED 127.0.0.1:${port} (no targets from it yet)`],
  });
});

test('a server that does not answer in time is a failure', async () => {
  const result = await new UrlTargetSource(`${base}/hang`, 300, { timeoutMs: 300 }).fetchOnce();
  expect(result.status).toBe('failed');
  expect(result.errors).toEqual([`URL ${base}/hang: no answer within 0.3 s (no targets from it yet)`]);
});

test('file_sd JSON is recognised; bad entries are reported with the list', async () => {
  served = { status: 200, body: JSON.stringify([{ targets: ['sd.example', 'bad..example'], labels: { mode: 'c2s' } }]), etag: '"sd"' };
  const source = new UrlTargetSource(`${base}/sd.json`, 300);
  const result = await source.fetchOnce();
  expect(result.targets).toEqual([{ domain: 'sd.example', modes: ['c2s'] }]);
  expect(result.errors).toEqual([`URL ${base}/sd.json: [0].targets[1]: invalid domain "bad..example": empty label`]);
});

test('user:password in the URL is sent as basic auth and left out of messages', async () => {
  served = { status: 403, body: 'no' };
  const source = new UrlTargetSource(`http://reader:s3cret@127.0.0.1:${new URL(base).port}/private`, 300);
  const result = await source.fetchOnce();
  expect(requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
  expect(result.errors).toEqual([`URL ${base}/private: HTTP 403 Forbidden (no targets from it yet)`]);
  expect(result.errors.join()).not.toContain('s3cret');
});

test('TargetSources fetches a URL when its refreshSeconds have passed, revalidating it', async () => {
  let now = 1_000_000;
  const sources = new TargetSources({ now: () => now });
  const config = parseConfig(
    `targets: [inline.example]\ntargetSources:\n  urls:\n    - url: "${base}/list"\n      refreshSeconds: 60\n`,
    join('/tmp', 'c.yaml'),
  );

  const first = await sources.resolve(config);
  expect(first.targets.map((t) => t.domain)).toEqual(['inline.example', 'a.example', 'b.example']);
  expect(requests).toHaveLength(1);
  expect(sources.nextUrlRefreshMs()).toBe(60_000);

  now += 30_000; // not due: the list in hand is used
  await sources.resolve(config);
  expect(requests).toHaveLength(1);

  now += 30_000; // due: revalidated, 304
  served.status = 500; // (only a full response would say so)
  const third = await sources.resolve(config);
  expect(requests).toHaveLength(2);
  expect(requests[1]!.headers['if-none-match']).toBe('"v1"');
  expect(third.targets.map((t) => t.domain)).toEqual(['inline.example', 'a.example', 'b.example']);
  expect(third.errors).toEqual([]);

  now += 60_000;
  served = { status: 500, body: '' };
  const failed = await sources.resolve(config);
  expect(failed.targets.map((t) => t.domain)).toEqual(['inline.example', 'a.example', 'b.example']);
  expect(failed.errors).toEqual([`URL ${base}/list: HTTP 500 Internal Server Error (keeping the 2 targets of the last good fetch)`]);

  const forced = await sources.resolve(config, { refreshUrls: 'all' });
  expect(requests).toHaveLength(4);
  expect(forced.errors).toHaveLength(1);
});
