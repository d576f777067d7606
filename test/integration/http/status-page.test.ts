import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import { type NextScan, gradeReason, relativeTime } from '../../../src/http/status-page.js';
import type { StoredEntry } from '../../../src/store/store.js';
import { certificate, domainGrade, endpoint, entry, fetchText, scanResult, serverOptions } from './fixtures.js';

// The status page at `/`, fetched from a real server: its content, the colours by letter, the
// expiry from the last good scan, and HTML escaping of everything a scanned server controls.

const DAY_MS = 86_400_000;
let entries: StoredEntry[] = [];
let ready = true;
let server: RunningHttpServer;

beforeAll(async () => {
  server = await startHttpServer(serverOptions({ store: () => entries, ready: () => ready, version: '9.8.7' }));
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  entries = [];
  ready = true;
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The <tr> of the table body whose first cell is `domain` (escaped as it appears in the page). */
function rowOf(html: string, domainHtml: string, mode: string): string {
  const rows = html.match(/<tr>.*?<\/tr>/gs) ?? [];
  const row = rows.find((r) => new RegExp(`^<tr><td class="domain"><a href="[^"]*">${escapeRegExp(domainHtml)}</a></td><td>${mode}</td>`).test(r));
  if (!row) throw new Error(`no row for ${domainHtml} ${mode} in:\n${html}`);
  return row;
}

test('an HTML page with title, version, readiness, links to the metrics and the API, and security headers', async () => {
  const r = await fetchText(server, '/');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(r.body).toMatch(/^<!DOCTYPE html>/);
  expect(r.body).toContain('<title>xmpp-tls-exporter</title>');
  expect(r.body).toContain('Version 9.8.7');
  expect(r.body).toContain('<a href="metrics">');
  expect(r.body).toContain('<a href="api/v1/results">');
  expect(r.body).toContain('No results yet.');
  expect(r.body).toContain(' · ready · ');
});

test('self-contained: no script and no external resource', async () => {
  entries = [entry(scanResult({ domain: 'example.org', grade: domainGrade('A+') }), null)];
  const { body } = await fetchText(server, '/');
  expect(body).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
  expect(body).not.toMatch(/https?:\/\//);
});

test('says when the exporter is not ready yet', async () => {
  ready = false;
  const { body } = await fetchText(server, '/');
  expect(body).toContain('not ready (state not loaded or configuration not applied yet)');
});

describe('why the grade, and when the next scan is', () => {
  test('the most severe cap of the endpoint that set the letter, or why there is no grade', () => {
    const capped = endpoint({});
    capped.grade = { ...capped.grade!, letter: 'F', caps: [{ code: 'export_suites', limit: 'F', message: 'EXPORT suites are accepted' }] };
    const other = endpoint({ port: 5223 });
    expect(gradeReason(scanResult({ domain: 'x.test', grade: domainGrade('F'), endpoints: [other, capped] }))).toBe('F: export suites');
    expect(gradeReason(scanResult({ domain: 'x.test', error: { code: 'dns_failure', message: 'SERVFAIL' }, endpoints: [] }))).toBe('no grade: dns_failure');
    const refused = endpoint({ status: 'error', error: { code: 'connection_refused', message: 'refused' } });
    refused.tls = null;
    expect(gradeReason(scanResult({ domain: 'x.test', endpoints: [refused] }))).toBe('no grade: not_probed');
  });

  test.each([
    [-10_000, 'just now'],
    [-5 * 60_000, '5 min ago'],
    [-3 * 3_600_000, '3 h ago'],
    [-2 * 86_400_000, '2 d ago'],
    [20 * 60_000, 'in 20 min'],
    [6 * 3_600_000, 'in 6 h'],
  ])('relativeTime %d ms → %s', (offset, text) => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(relativeTime(new Date(now.getTime() + offset), now)).toBe(text);
  });

  test('the next scan column: running, waiting for a slot, or a time', async () => {
    const r = scanResult({ domain: 'a.test', grade: domainGrade('A+') });
    const soon = new Date(Date.now() + 2 * 3_600_000);
    const next = new Map<string, NextScan>([
      ['a.test', 'running'],
      ['b.test', 'queued'],
      ['c.test', soon],
    ]);
    const s = await startHttpServer(
      serverOptions({
        store: () => ['a.test', 'b.test', 'c.test'].map((domain) => entry({ ...r, domain }, { ...r, domain })),
        nextScan: (domain) => next.get(domain) ?? null,
      }),
    );
    try {
      const { body } = await fetchText(s, '/');
      expect(body).toContain('<th>Next scan</th>');
      expect(rowOf(body, 'a.test', 'c2s')).toContain('<td>running now</td>');
      expect(rowOf(body, 'b.test', 'c2s')).toContain('<td>waiting for a slot</td>');
      expect(rowOf(body, 'c.test', 'c2s')).toContain(`<time datetime="${soon.toISOString()}" title="${soon.toISOString()}">in 2 h</time>`);
    } finally {
      await s.close();
    }
  });
});

describe('rows', () => {
  const now = Date.now();
  const good = scanResult({
    domain: 'example.org',
    mode: 'c2s',
    startedAt: '2025-04-05T06:07:08.000Z',
    grade: domainGrade('T', 'A-'),
    endpoints: [
      endpoint({ certificate: certificate({ subject: 'CN=later.example.org', notAfter: new Date(now + 80 * DAY_MS + 3_600_000) }) }),
      endpoint({ port: 5223, certificate: certificate({ subject: 'CN=sooner.example.org', notAfter: new Date(now + 30 * DAY_MS + 3_600_000) }) }),
    ],
  });

  test('domain, mode, grade and trust-ignored grade coloured by letter, soonest expiry, last scan, success, JSON link', async () => {
    entries = [entry(good, good)];
    const { body } = await fetchText(server, '/');
    const row = rowOf(body, 'example.org', 'c2s');
    expect(row).toMatch(/<td class="grade g-t" title="Domain grade T \(A- if trust issues are ignored\), score 90 \(ssllabs-2009r\)">T<\/td>/);
    expect(row).toContain('<td class="grade g-am">A-</td>');
    expect(row).toMatch(/<td class="num good" title="CN=sooner\.example\.org, not after [^"]+">30 d<\/td>/);
    // Times a person can read; the exact one in the title.
    expect(row).toMatch(/<time datetime="2025-04-05T06:07:08\.000Z" title="2025-04-05T06:07:08\.000Z">\d+ d ago<\/time>/);
    expect(row).toContain('<td class="good">ok</td>');
    expect(row).toContain('<a href="api/v1/results/example.org?mode=c2s">JSON</a>');
    // The domain links to its page (domain-page.test.ts).
    expect(row).toContain('<td class="domain"><a href="domain/example.org">example.org</a></td>');
    expect(body).toContain('1 target ·');
    expect(body).toContain('<a href="report">Survey report</a>');
  });

  test('a failed latest scan: its time and reason, with grade and expiry still from the last good scan', async () => {
    const failed = scanResult({
      domain: 'example.org',
      mode: 'c2s',
      startedAt: '2025-04-06T00:00:00.000Z',
      endpoints: [endpoint({ status: 'error', error: { code: 'connection_refused', message: 'connection refused by 192.0.2.1:5222' } })],
    });
    entries = [entry(failed, good)];
    const row = rowOf((await fetchText(server, '/')).body, 'example.org', 'c2s');
    expect(row).toContain('>T</td>');
    expect(row).toContain('>30 d</td>');
    expect(row).toContain('<time datetime="2025-04-06T00:00:00.000Z" title="2025-04-06T00:00:00.000Z">');
    expect(row).toContain('<td class="bad">failed: connection_refused: connection refused by 192.0.2.1:5222</td>');
  });

  test('the software the domain reported: name and version, os in the title, escaped; the last answer survives a failed query', async () => {
    const answered = { name: 'Prosody', version: '0.12.3 <b>', os: 'Linux "x"', queriedAt: '2025-04-05T06:07:09.000Z' };
    const failedQuery = {
      name: null,
      version: null,
      os: null,
      queriedAt: '2025-04-06T00:00:00.000Z',
      error: { code: 'timeout' as const, message: 'no answer' },
    };
    entries = [entry({ ...good, software: failedQuery }, { ...good, software: answered })];
    const row = rowOf((await fetchText(server, '/')).body, 'example.org', 'c2s');
    expect(row).toContain('<td title="Linux &quot;x&quot;">Prosody 0.12.3 &lt;b&gt;</td>');
    entries = [entry(good, good)];
    expect(rowOf((await fetchText(server, '/')).body, 'example.org', 'c2s')).toMatch(/<\/time><\/td><td class="none">—<\/td>/);
  });

  test('never succeeded: no grade, no expiry, the domain error', async () => {
    const dns = scanResult({ domain: 'broken.test', mode: 's2s', error: { code: 'dns_failure', message: 'SERVFAIL' }, endpoints: [] });
    entries = [entry(dns, null)];
    const row = rowOf((await fetchText(server, '/')).body, 'broken.test', 's2s');
    // grade, grade ignoring trust, expiry, software
    expect(row.match(/<td class="none">—<\/td>/g)).toHaveLength(4);
    expect(row).toContain('<td class="bad">failed: dns_failure: SERVFAIL</td>');
  });

  test('expiry colours: soon is a warning, past is expired', async () => {
    const soon = scanResult({ domain: 'soon.test', endpoints: [endpoint({ certificate: certificate({ notAfter: new Date(now + 5 * DAY_MS + 3_600_000) }) })] });
    const past = scanResult({ domain: 'past.test', endpoints: [endpoint({ certificate: certificate({ notAfter: new Date(now - 3 * DAY_MS + 3_600_000) }) })] });
    entries = [entry(soon, soon), entry(past, past)];
    const { body } = await fetchText(server, '/');
    expect(rowOf(body, 'soon.test', 'c2s')).toMatch(/<td class="num warn" title="[^"]*">5 d<\/td>/);
    expect(rowOf(body, 'past.test', 'c2s')).toMatch(/<td class="num bad" title="[^"]*">expired 3 d ago<\/td>/);
  });

  test.each([
    ['A+', 'g-ap'],
    ['B', 'g-b'],
    ['C', 'g-c'],
    ['F', 'g-f'],
    ['M', 'g-m'],
  ] as const)('grade %s has class %s', async (letter, cls) => {
    const r = scanResult({ domain: 'x.test', grade: domainGrade(letter, letter === 'M' ? 'A+' : letter) });
    entries = [entry(r, r)];
    expect(rowOf((await fetchText(server, '/')).body, 'x.test', 'c2s')).toContain(`<td class="grade ${cls}" title="`);
  });
});

describe('HTML escaping', () => {
  const hostileDomain = '<script>alert("domain")</script>';
  const hostileSubject = `CN="><img src=x onerror=alert('subject')>`;
  const hostileMessage = '<b onmouseover="alert(1)">stream error</b> & more';

  test('a hostile domain, certificate subject and error text are escaped in text and attributes', async () => {
    const good = scanResult({
      domain: hostileDomain,
      endpoints: [endpoint({ certificate: certificate({ subject: hostileSubject, notAfter: new Date(Date.now() + 40 * DAY_MS) }) })],
      grade: domainGrade('A+'),
    });
    const failed = scanResult({
      domain: hostileDomain,
      startedAt: '"><i>time</i>',
      endpoints: [endpoint({ status: 'error', error: { code: 'stream_error', message: hostileMessage } })],
    });
    entries = [entry(failed, good)];
    const { status, body } = await fetchText(server, '/');
    expect(status).toBe(200);
    for (const raw of [hostileDomain, hostileSubject, hostileMessage, '<script', '<img', '<b ', '<i>']) expect(body).not.toContain(raw);
    expect(body).toContain(
      `<td class="domain"><a href="domain/${encodeURIComponent(hostileDomain)}">&lt;script&gt;alert(&quot;domain&quot;)&lt;/script&gt;</a></td>`,
    );
    expect(body).toContain('title="CN=&quot;&gt;&lt;img src=x onerror=alert(&#39;subject&#39;)&gt;, not after ');
    expect(body).toContain('failed: stream_error: &lt;b onmouseover=&quot;alert(1)&quot;&gt;stream error&lt;/b&gt; &amp; more</td>');
    // Not a date: shown as it is, escaped.
    expect(body).toContain('<td>&quot;&gt;&lt;i&gt;time&lt;/i&gt;</td>');
    // The link percent-encodes the domain: nothing can break out of the href.
    expect(body).toContain(`<a href="api/v1/results/${encodeURIComponent(hostileDomain)}?mode=c2s">JSON</a>`);
  });

  test('a grade letter that is not a letter (edited state file) is escaped and gets a neutral class', async () => {
    const grade = { ...domainGrade('A+'), letter: '<u>X</u>' as 'A+', letterIgnoringTrust: '"Y"' as 'A+' };
    const r = scanResult({ domain: 'odd.test', grade });
    entries = [entry(r, r)];
    const row = rowOf((await fetchText(server, '/')).body, 'odd.test', 'c2s');
    expect(row).toContain('<td class="grade g-unknown" title="Domain grade &lt;u&gt;X&lt;/u&gt;');
    expect(row).toContain('>&lt;u&gt;X&lt;/u&gt;</td>');
    expect(row).toContain('<td class="grade g-unknown">&quot;Y&quot;</td>');
  });
});
