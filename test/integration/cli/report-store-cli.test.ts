import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ReportDiff, SurveyReport } from '../../../src/report/types.js';
import type { ResultDatabase } from '../../../src/store/database.js';
import { daysAgo, ensureBuilt, historyScans, runBuilt as run, writeDatabase } from './store-fixture.js';

// `report --store` and `report --since` with the built CLI against a real SQLite file with a known
// history (store-fixture.ts), still open for writing as the daemon keeps it: today's results, and
// the comparison with the state of an earlier date through --compare's machinery.
// (Against a running daemon's real scans: test/integration/report/report-cli.test.ts.)

const now = Date.now();
let dir: string;
let file: string;
let db: ResultDatabase;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'xte-report-store-'));
  file = join(dir, 'results.db');
  db = writeDatabase(file, historyScans(now));
}, 120_000);

afterAll(async () => {
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

const row = (r: SurveyReport, domain: string, mode: string) => r.domains.find((d) => d.domain === domain && d.mode === mode);

test('report --store: each target as its latest scan found it, nothing scanned', async () => {
  const r = await run(['report', '--store', file, '--format', 'json']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  const report = JSON.parse(r.stdout) as SurveyReport;
  expect(report.source).toBe(`database ${file}`);
  expect(report.domains.map((d) => [d.domain, d.mode]).sort()).toEqual([
    ['example.org', 'c2s'],
    ['example.org', 's2s'],
    ['other.example', 'c2s'],
  ]);
  expect(row(report, 'example.org', 'c2s')).toMatchObject({ status: 'ok', protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] });
  expect(row(report, 'example.org', 'c2s')!.grade).not.toBe('A+');
  expect(row(report, 'example.org', 's2s')).toMatchObject({ status: 'unreachable', grade: null });
  const md = await run(['report', '--store', file, '--mode', 'c2s']);
  expect(md.code).toBe(0);
  expect(md.stdout).toContain('| example.org | c2s |');
  expect(md.stdout).not.toContain('| example.org | s2s |');
  const regraded = await run(['report', '--store', file, '--format', 'json', '--profile', 'xmppoke-2015']);
  expect(regraded.code).toBe(0);
  expect((JSON.parse(regraded.stdout) as SurveyReport).profile).toBe('xmppoke-2015');
});

describe('report --since', () => {
  let latestGrade: string;
  beforeAll(async () => {
    latestGrade = row(JSON.parse((await run(['report', '--store', file, '--format', 'json'])).stdout) as SurveyReport, 'example.org', 'c2s')!.grade!;
  });

  test('30d: TLS 1.0 enabled since (grade and protocols worse), the targets first seen since are new', async () => {
    const r = await run(['report', '--store', file, '--since', '30d', '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const diff = JSON.parse(r.stdout) as ReportDiff;
    const changed = diff.domains.find((d) => d.domain === 'example.org' && d.mode === 'c2s')!;
    expect(changed.kind).toBe('changed');
    expect(changed.changes).toContainEqual({ field: 'grade', old: 'A+', new: latestGrade, direction: 'worse' });
    expect(changed.changes).toContainEqual({ field: 'protocols', old: 'TLSv1.2 TLSv1.3', new: 'TLSv1.0 TLSv1.2 TLSv1.3', direction: null });
    // 30 days ago the certificate had already been replaced (40 days ago): not a change since.
    expect(changed.changes.map((c) => c.field)).not.toContain('certificate');
    expect(
      diff.domains
        .filter((d) => d.kind === 'added')
        .map((d) => [d.domain, d.mode])
        .sort(),
    ).toEqual([
      ['example.org', 's2s'],
      ['other.example', 'c2s'],
    ]);
    expect(diff.totals).toContainEqual({ mode: 'c2s', path: 'protocols.supported.TLSv1.0', old: 0, new: 1 });
    // The old side is the database as it was then, generated "at" that time.
    expect(Math.abs(Date.parse(diff.old.generatedAt) - (now - 30 * 86_400_000))).toBeLessThan(3_600_000);
    expect(diff.old.source).toMatch(new RegExp(`^database ${file.replace(/[.\\/]/g, '\\$&')} as of `));
  });

  test('an ISO date before the certificate was replaced: the certificate change too; Markdown as --compare prints it', async () => {
    const since = daysAgo(now, 45).slice(0, 10);
    const r = await run(['report', '--store', file, '--since', since]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`| example.org | c2s | grade | A+ | ${latestGrade} | worse |`);
    expect(r.stdout).toMatch(/\| example\.org \| c2s \| certificate \| expires 2027-06-01, SHA-256 AA:BB:CC:DD \| expires 2027-09-01, SHA-256 11:22:33:44 \|/);
  });

  test('--mode s2s, --format html, --output', async () => {
    const out = join(dir, 'changes.html');
    const r = await run(['report', '--store', file, '--since', '3d', '--mode', 's2s', '--format', 'html', '--output', out]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('example.org');
    expect(html).not.toContain('other.example');
  });

  test('--config FILE --since: the database of its store.path', async () => {
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'store:\n  path: results.db\ntargets: [example.org]\n');
    const r = await run(['report', '--config', config, '--since', '30d', '--format', 'json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ReportDiff).new.source).toBe(`database ${file}`);
  });

  test("--save-json keeps today's report, to --compare against later", async () => {
    const saved = join(dir, 'today.json');
    expect((await run(['report', '--store', file, '--since', '30d', '--save-json', saved])).code).toBe(0);
    const again = await run(['report', '--store', file, '--compare', saved, '--format', 'json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as ReportDiff).domains).toEqual([]);
  });

  test.each([
    ['no database', ['--since', '30d'], /--since compares with the results database: give --store FILE, or --config FILE to use its store\.path/],
    ['a bad --since', ['--store', 'results.db', '--since', '30 days'], /--since "30 days": not a duration or a date/],
    ['a future --since', ['--store', 'results.db', '--since', '2999-01-01'], /--since "2999-01-01": a time in the future/],
    ['--store and --config', ['--store', 'results.db', '--config', 'config.yaml', '--since', '30d'], /give exactly one of/],
  ])('usage error, exit 2: %s', async (_name, args, message) => {
    const r = await run(['report', ...args], { cwd: dir });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(message);
  });

  test('a corrupt database: exit 2, the file named', async () => {
    const garbage = join(dir, 'garbage.db');
    await writeFile(garbage, 'this is not a database at all, only text '.repeat(100));
    const r = await run(['report', '--store', garbage, '--since', '30d']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`xmpp-tls-exporter report: the database ${garbage} is not a readable SQLite database`);
  });
});
