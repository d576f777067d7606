import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sha256PasswordHash } from '../../../src/http/auth.js';
import type { HistoryApiAnswer } from '../../../src/http/results-api.js';
import { type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import type { Mode, ProtocolName, ScanResult } from '../../../src/result/types.js';
import { ResultDatabase } from '../../../src/store/database.js';
import { scanResult } from '../../unit/store/fixtures.js';
import { basic, fetchText, serverOptions, withServer } from './fixtures.js';

// The history of a domain over HTTP, from a real results database (an SQLite file filled with
// ResultDatabase.record(), as the daemon does after each scan): GET /api/v1/results/DOMAIN/history
// and the domain's page /domain/DOMAIN, with their parameters, errors, HEAD and basic auth.

const HOSTILE = '<script>alert("x")</script>';

interface Scan {
  at: string;
  domain?: string;
  mode?: Mode;
  protocols?: ProtocolName[];
  fail?: boolean;
  software?: { name: string; version: string };
}

const scan = (o: Scan): ScanResult => scanResult(o);

const prosody = { name: 'Prosody', version: '0.12.4' };

// example.org c2s: three states (the same scan three times; TLS 1.0 enabled; a new, hostile,
// software name); s2s: two (then unreachable). other.example: one state. busy.example: more
// states than the page shows.
const SCANS: Scan[] = [
  { at: '2025-01-10T08:00:00.000Z', software: prosody },
  { at: '2025-01-10T08:05:00.000Z', mode: 's2s' },
  { at: '2025-01-10T09:00:00.000Z', domain: 'other.example' },
  { at: '2025-01-11T08:00:00.000Z', software: prosody },
  { at: '2025-01-12T08:00:00.000Z', software: prosody },
  { at: '2025-02-01T00:00:00.000Z', mode: 's2s', fail: true },
  { at: '2025-02-28T14:02:30.000Z', software: prosody, protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] },
  { at: '2025-03-01T14:02:00.000Z', software: prosody, protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] },
  { at: '2025-03-05T09:00:00.000Z', software: { name: HOSTILE, version: '13.0' }, protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] },
  // 52 states, TLS 1.3 on and off every day.
  ...Array.from({ length: 52 }, (_, i): Scan => {
    const at = new Date(Date.UTC(2025, 0, 1 + i)).toISOString();
    return { at, domain: 'busy.example', protocols: i % 2 ? ['TLSv1.2'] : ['TLSv1.2', 'TLSv1.3'] };
  }),
];

let dir: string;
let db: ResultDatabase;
let server: RunningHttpServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-http-history-'));
  db = ResultDatabase.open(join(dir, 'results.db'));
  for (const s of SCANS) db.record(scan(s));
  server = await startHttpServer(serverOptions({ store: () => db.loadAll(), history: (domain, query) => db.history(domain, query) }));
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function history(path: string): Promise<HistoryApiAnswer> {
  const r = await fetchText(server, path);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(r.body) as HistoryApiAnswer;
}

/** Each state as "mode at", to compare lists. */
const states = (a: HistoryApiAnswer) => a.history.map((h) => `${h.mode} ${h.at}`);

describe('GET /api/v1/results/DOMAIN/history', () => {
  test('every state of both modes, oldest first, each saying what changed old → new and how long it lasted', async () => {
    const answer = await history('/api/v1/results/example.org/history');
    expect(answer).toMatchObject({ domain: 'example.org', mode: null, since: null });
    expect(states(answer)).toEqual([
      'c2s 2025-01-10T08:00:00.000Z',
      's2s 2025-01-10T08:05:00.000Z',
      's2s 2025-02-01T00:00:00.000Z',
      'c2s 2025-02-28T14:02:30.000Z',
      'c2s 2025-03-05T09:00:00.000Z',
    ]);
    // What the database says, as it says it.
    expect(answer.history).toEqual(db.history('example.org'));
    const [first, , down, tls10, software] = answer.history;
    expect(first).toMatchObject({ lastSeenAt: '2025-01-12T08:00:00.000Z', scans: 3, changes: [] });
    expect(first!.facts).toMatchObject({ reachability: 'reachable', protocols: 'TLSv1.2, TLSv1.3', software: 'Prosody 0.12.4' });
    expect(down!.changes).toEqual([
      { what: 'reachability', from: 'reachable', to: 'unreachable (connection_refused)', summary: 'unreachable (connection_refused)' },
    ]);
    expect(tls10).toMatchObject({ lastSeenAt: '2025-03-01T14:02:00.000Z', scans: 2 });
    expect(tls10!.changes.find((c) => c.what === 'protocols')).toEqual({
      what: 'protocols',
      from: 'TLSv1.2, TLSv1.3',
      to: 'TLSv1.0, TLSv1.2, TLSv1.3',
      summary: 'TLSv1.0 enabled',
    });
    const grade = tls10!.changes.find((c) => c.what === 'grade');
    expect(grade?.from).toBe(first!.facts.grade);
    expect(grade?.to).not.toBe(grade?.from);
    expect(software!.changes).toEqual([
      { what: 'software', from: 'Prosody 0.12.4', to: `${HOSTILE} 13.0`, summary: `software Prosody 0.12.4 → ${HOSTILE} 13.0` },
    ]);
  });

  // [query, the moment echoed, the states]
  test.each<[string, string | null, string[]]>([
    ['mode=s2s', null, ['s2s 2025-01-10T08:05:00.000Z', 's2s 2025-02-01T00:00:00.000Z']],
    // The states current at `since` (c2s since January 10, s2s since February 1) and the later ones.
    [
      'since=2025-02-15',
      '2025-02-15T00:00:00.000Z',
      ['c2s 2025-01-10T08:00:00.000Z', 's2s 2025-02-01T00:00:00.000Z', 'c2s 2025-02-28T14:02:30.000Z', 'c2s 2025-03-05T09:00:00.000Z'],
    ],
    [
      'since=2025-03-01T00:00:00%2B01:00',
      '2025-02-28T23:00:00.000Z',
      ['s2s 2025-02-01T00:00:00.000Z', 'c2s 2025-02-28T14:02:30.000Z', 'c2s 2025-03-05T09:00:00.000Z'],
    ],
    ['mode=c2s&since=2025-03-02T00:00Z', '2025-03-02T00:00:00.000Z', ['c2s 2025-02-28T14:02:30.000Z', 'c2s 2025-03-05T09:00:00.000Z']],
  ])('?%s', async (query, since, expected) => {
    const answer = await history(`/api/v1/results/example.org/history?${query}`);
    expect(answer.since).toBe(since);
    expect(answer.mode).toBe(query.includes('mode=') ? /mode=(\w+)/.exec(query)![1] : null);
    expect(states(answer)).toEqual(expected);
  });

  test('since as a duration: back from now (the scans are older than 30 days: each target’s current state)', async () => {
    const before = Date.now();
    const answer = await history('/api/v1/results/example.org/history?since=30d');
    const since = Date.parse(answer.since!);
    expect(since).toBeGreaterThanOrEqual(before - 30 * 86_400_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 30 * 86_400_000);
    expect(states(answer)).toEqual(['s2s 2025-02-01T00:00:00.000Z', 'c2s 2025-03-05T09:00:00.000Z']);
  });

  test('the domain is matched in its normalised form (case, trailing dot, percent-encoding)', async () => {
    for (const path of ['/api/v1/results/EXAMPLE.org./history', '/api/v1/results/%45xample.org/history']) {
      const answer = await history(path);
      expect(answer.domain).toBe('example.org');
      expect(answer.history).toHaveLength(5);
    }
  });

  // [path, the JSON error]
  test.each<[string, string]>([
    ['/api/v1/results/example.org/history?mode=tls', 'bad parameter "mode": "tls" (expected c2s or s2s)'],
    ['/api/v1/results/example.org/history?mode=c2s&mode=s2s', 'parameter "mode" given more than once'],
    [
      '/api/v1/results/example.org/history?since=yesterday',
      'bad parameter "since": "yesterday": not a duration or a date; expected a duration (90m, 12h, 30d, 2w) or an ISO date or date-time (2026-11-01, 2026-11-01T12:00Z)',
    ],
    ['/api/v1/results/example.org/history?since=2025-02-30', 'bad parameter "since": "2025-02-30": no such date or time; expected a duration'],
    ['/api/v1/results/example.org/history?since=0d', 'bad parameter "since": "0d": a zero duration; expected'],
    ['/api/v1/results/example.org/history?since=9999-01-01', 'bad parameter "since": "9999-01-01": a time in the future; expected'],
    ['/api/v1/results/example.org/history?since=', 'bad parameter "since": "": not a duration or a date'],
    ['/api/v1/results/example.org/history?since=1d&since=2d', 'parameter "since" given more than once'],
    ['/api/v1/results/exa_mple.org/history', 'invalid domain "exa_mple.org": only letters, digits, "-" and "." are allowed'],
    ['/api/v1/results/%E0%A4%A/history', 'bad percent-encoding in the domain'],
  ])('%s: 400 with a JSON error', async (path, error) => {
    const r = await fetchText(server, path);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(r.body) as { error: string }).error).toContain(error);
  });

  // [path, the JSON error]
  test.each<[string, string]>([
    ['/api/v1/results/unknown.example/history', 'no history for unknown.example'],
    ['/api/v1/results/other.example/history?mode=s2s', 'no history for other.example (s2s)'],
  ])('%s: 404 with a JSON error', async (path, error) => {
    const r = await fetchText(server, path);
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual({ error });
  });

  test('no history kept (no history option): 404 saying so; bad parameters are still a 400', async () => {
    await withServer(serverOptions({ store: () => db.loadAll() }), async (s) => {
      const r = await fetchText(s, '/api/v1/results/example.org/history');
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body)).toEqual({ error: 'no history is kept (this exporter has no results database)' });
      expect((await fetchText(s, '/api/v1/results/example.org/history?mode=x')).status).toBe(400);
    });
  });

  test('HEAD: the headers of GET, no body', async () => {
    const get = await fetchText(server, '/api/v1/results/example.org/history');
    const head = await fetchText(server, '/api/v1/results/example.org/history', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.body).toBe('');
  });

  test('other methods: 405 with Allow', async () => {
    const r = await fetchText(server, '/api/v1/results/example.org/history', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });
});

/** The change lines of the page's list for `mode`, tags removed and entities decoded as a browser would show them. */
function changeLines(html: string, mode: Mode): string[] {
  const section = new RegExp(`<h2>Changes \\(${mode}\\)</h2>\\n<ul class="changes">\\n(.*?)\\n</ul>`, 's').exec(html);
  if (!section) throw new Error(`no changes list for ${mode} in:\n${html}`);
  return section[1]!.split('\n').map((li) =>
    li
      .replace(/<[^>]*>/g, '')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&'),
  );
}

describe('the domain page /domain/DOMAIN', () => {
  test('linked from each row of the status page', async () => {
    const { body } = await fetchText(server, '/');
    expect(body).toContain('<td class="domain"><a href="domain/example.org">example.org</a></td><td>c2s</td>');
    expect(body).toContain('<td class="domain"><a href="domain/example.org">example.org</a></td><td>s2s</td>');
  });

  test('the targets as on the status page, then what changed per mode, newest first, with how long each state lasted', async () => {
    const r = await fetchText(server, '/domain/example.org');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const html = r.body;
    expect(html).toContain('<h1>example.org</h1>');
    expect(html).toContain('<a href="../">All targets</a>');
    expect(html).toContain('<a href="../api/v1/results/example.org/history">History (JSON)</a>');
    // The status page's rows, links one level up.
    expect(html).toContain('<td class="domain"><a href="../domain/example.org">example.org</a></td><td>c2s</td>');
    expect(html).toContain('<td class="domain"><a href="../domain/example.org">example.org</a></td><td>s2s</td>');
    expect(html).toContain('<a href="../api/v1/results/example.org?mode=s2s">JSON</a>');
    expect(html).toContain('<td class="bad">failed: connection_refused: refused</td>');

    const [first, , software] = db.history('example.org', { mode: 'c2s' });
    const c2s = changeLines(html, 'c2s');
    expect(c2s).toHaveLength(3);
    expect(c2s[0]).toBe(`software Prosody 0.12.4 → ${HOSTILE} 13.0 on 2025-03-05 09:00 UTC · seen once`);
    expect(c2s[1]).toMatch(
      new RegExp(
        `^grade ${first!.facts.grade.replace('+', '\\+')} → \\S+ on 2025-02-28 14:02 UTC: .*TLSv1\\.0 enabled.* · seen again until 2025-03-01 14:02 UTC \\(2 scans\\)$`,
      ),
    );
    expect(c2s[2]).toBe(`first seen on 2025-01-10 08:00 UTC: grade ${first!.facts.grade} · seen again until 2025-01-12 08:00 UTC (3 scans)`);
    expect(software!.changes).toHaveLength(1);
    expect(changeLines(html, 's2s')).toEqual([
      'unreachable (connection_refused) on 2025-02-01 00:00 UTC · seen once',
      `first seen on 2025-01-10 08:05 UTC: grade ${first!.facts.grade} · seen once`,
    ]);
  });

  test('a hostile software name is escaped, in the change line and in the table', async () => {
    const { body } = await fetchText(server, '/domain/example.org');
    expect(body).not.toContain('<script');
    expect(body).not.toMatch(/<(?!\/?(?:!DOCTYPE|html|head|meta|title|style|body|h1|h2|p|a|table|thead|tbody|tr|th|td|time|ul|li|span)\b)/i);
    expect(body).toContain('software Prosody 0.12.4 → &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 13.0 on 2025-03-05 09:00 UTC');
    expect(body).toContain('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 13.0</td>');
  });

  test('a long history: the newest 50 states, and a link to the rest as JSON', async () => {
    const { status, body } = await fetchText(server, '/domain/busy.example');
    expect(status).toBe(200);
    const lines = changeLines(body, 'c2s');
    expect(lines).toHaveLength(50);
    expect(lines[0]).toMatch(/^grade A\+ → A- on 2025-02-21 00:00 UTC: .*TLSv1\.3 disabled/);
    expect(lines[49]).toMatch(/ on 2025-01-03 00:00 UTC/);
    expect(body).toContain('2 older states not shown: see <a href="../api/v1/results/busy.example/history?mode=c2s">the history as JSON</a>.');
  });

  test('the domain is matched in its normalised form', async () => {
    const r = await fetchText(server, '/domain/EXAMPLE.org.');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<h1>example.org</h1>');
  });

  // [path, status, text]
  test.each<[string, number, string]>([
    ['/domain/unknown.example', 404, 'no results for unknown.example\n'],
    ['/domain/exa_mple.org', 400, 'bad domain: invalid domain "exa_mple.org": only letters, digits, "-" and "." are allowed\n'],
    ['/domain/%E0%A4%A', 400, 'bad domain: bad percent-encoding in the domain\n'],
  ])('%s: %d', async (path, status, body) => {
    const r = await fetchText(server, path);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toBe(body);
  });

  test('HEAD: the headers of GET, no body', async () => {
    const head = await fetchText(server, '/domain/other.example', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body).toBe('');
  });

  test('no history kept: the targets, and a line saying so', async () => {
    await withServer(serverOptions({ store: () => db.loadAll() }), async (s) => {
      const { status, body } = await fetchText(s, '/domain/example.org');
      expect(status).toBe(200);
      expect(body).toContain('<td class="domain"><a href="../domain/example.org">example.org</a></td><td>c2s</td>');
      expect(body).toContain('No history is kept (no results database).');
      expect(body).not.toContain('History (JSON)');
    });
  });
});

describe('basic auth guards the history and the domain page', () => {
  test.each(['/api/v1/results/example.org/history', '/domain/example.org'])('%s: 401 without credentials, 200 with', async (path) => {
    const options = serverOptions({
      store: () => db.loadAll(),
      history: (domain, query) => db.history(domain, query),
      web: { basicAuthUsers: { prometheus: sha256PasswordHash('s3cret') } },
    });
    await withServer(options, async (s) => {
      for (const method of ['GET', 'HEAD'] as const) {
        const denied = await fetchText(s, path, { method });
        expect(denied.status).toBe(401);
        expect(denied.headers['www-authenticate']).toMatch(/^Basic realm="xmpp-tls-exporter"/);
        expect((await fetchText(s, path, { method, headers: { authorization: basic('prometheus', 'wrong') } })).status).toBe(401);
        expect((await fetchText(s, path, { method, headers: { authorization: basic('prometheus', 's3cret') } })).status).toBe(200);
      }
    });
  });
});
