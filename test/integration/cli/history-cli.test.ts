import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FactChange, HistoryEntry } from '../../../src/store/index.js';
import type { ResultDatabase } from '../../../src/store/database.js';
import { SCHEMA_VERSION } from '../../../src/store/migrations.js';
import { daysAgo, ensureBuilt, historyScans, runBuilt as run, writeDatabase } from './store-fixture.js';

// `xmpp-tls-exporter history` end to end: the built CLI reads a real SQLite file that is still
// open for writing, as the daemon keeps it (WAL: the reader does not wait for the writer), with a
// known history (store-fixture.ts): the text and JSON outputs, --mode, --since, where the
// database comes from, and the exit codes of every kind of bad input.

const now = Date.now();
let dir: string;
let file: string;
/** The writer, open for the whole test like the daemon's connection. */
let db: ResultDatabase;
/** What each scan changed, in the order recorded. */
let recorded: FactChange[][];

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'xte-history-'));
  file = join(dir, 'results.db');
  db = writeDatabase(file, []);
  recorded = historyScans(now).map((s) => db.record(s).changes);
}, 120_000);

afterAll(async () => {
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

/** As the CLI prints times: "2026-11-30 14:02 UTC". */
const at = (days: number) => {
  const iso = daysAgo(now, days);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
};
const summaries = (changes: FactChange[]) => changes.map((c) => c.summary).join('; ');

describe('history DOMAIN', () => {
  test('text: one line per state, oldest first, what changed; "seen again" when later scans found the same', async () => {
    const r = await run(['history', 'example.org', '--store', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tlsv10 = recorded[4]!;
    // The fixture's changes are the ones the lines must say.
    expect(tlsv10.map((c) => c.summary)).toContain('TLSv1.0 enabled');
    expect(tlsv10.map((c) => c.summary)).toContainEqual(expect.stringMatching(/^grade A\+ → [B-F]$/));
    const pad = ' '.repeat(`${at(0)}  c2s  `.length);
    expect(r.stdout.split('\n')).toEqual([
      `${at(60)}  c2s  first seen: grade A+, TLSv1.2, TLSv1.3, certificate AA:BB:CC… until 2027-06-01 (trusted), STARTTLS required`,
      `${pad}seen again until ${at(50)} (2 scans)`,
      `${at(40)}  c2s  certificate replaced: 11:22:33… until 2027-09-01`,
      `${at(20)}  s2s  first seen: grade A+, TLSv1.2, TLSv1.3, certificate AA:BB:CC… until 2027-06-01 (trusted), STARTTLS required`,
      `${at(10)}  c2s  ${summaries(tlsv10)}`,
      `${pad}seen again until ${at(1)} (2 scans)`,
      `${at(2)}  s2s  unreachable (connection_refused)`,
      '',
    ]);
  });

  test('--json: the HistoryEntry list, as the store gives it', async () => {
    const r = await run(['history', 'example.org', '--store', file, '--json']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as HistoryEntry[];
    expect(entries).toEqual(db.history('example.org'));
    expect(entries.map((e) => [e.mode, e.at, e.lastSeenAt, e.scans, e.changes.map((c) => c.what)])).toEqual([
      ['c2s', daysAgo(now, 60), daysAgo(now, 50), 2, []],
      ['c2s', daysAgo(now, 40), daysAgo(now, 40), 1, ['certificate']],
      ['s2s', daysAgo(now, 20), daysAgo(now, 20), 1, []],
      ['c2s', daysAgo(now, 10), daysAgo(now, 1), 2, recorded[4]!.map((c) => c.what)],
      ['s2s', daysAgo(now, 2), daysAgo(now, 2), 1, ['reachability']],
    ]);
    expect(entries[1]!.changes[0]).toEqual({
      what: 'certificate',
      from: 'AA:BB:CC:DD:EE:FF:00:11 until 2027-06-01',
      to: '11:22:33:44:55:66:77:88 until 2027-09-01',
      summary: 'certificate replaced: 11:22:33… until 2027-09-01',
    });
    expect(entries[3]!.facts).toMatchObject({ reachability: 'reachable', protocols: 'TLSv1.0, TLSv1.2, TLSv1.3', trust: 'trusted' });
  });

  test.each([
    ['--mode c2s', ['--mode', 'c2s'], [60, 40, 10]],
    ['--mode s2s', ['--mode', 's2s'], [20, 2]],
    // The state current 30 days ago (first seen 40 days ago) and those after it.
    ['--since 30d', ['--since', '30d'], [40, 20, 10, 2]],
    ['--since 720h --mode c2s', ['--since', '720h', '--mode', 'c2s'], [40, 10]],
    ['--since 3w', ['--since', '3w'], [40, 20, 10, 2]],
    ['--since 90m', ['--since', '90m'], [10, 2]],
    ['--since an ISO date', ['--since', daysAgo(now, 45).slice(0, 10)], [60, 40, 20, 10, 2]],
    // An hour before the certificate was replaced, written in +02:00: the first state was still current.
    [
      '--since an ISO date-time with an offset',
      ['--since', `${new Date(Date.parse(daysAgo(now, 40)) - 3_600_000 + 7_200_000).toISOString().slice(0, 19)}+02:00`],
      [60, 40, 20, 10, 2],
    ],
    ['--since an ISO date-time in UTC', ['--since', `${daysAgo(now, 39).slice(0, 16)}Z`], [40, 20, 10, 2]],
  ])('%s', async (_name, args, days) => {
    const r = await run(['history', 'example.org', '--store', file, '--json', ...args]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as HistoryEntry[]).map((e) => e.at)).toEqual(days.map((d) => daysAgo(now, d)));
  });

  test('the domain is normalised as everywhere else (case, trailing dot)', async () => {
    const r = await run(['history', 'Example.ORG.', '--store', file, '--mode', 's2s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${at(2)}  s2s  unreachable (connection_refused)`);
  });

  test('--config: the database its store.path names (relative to the configuration file)', async () => {
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'store:\n  path: results.db\ntargets: [example.org]\n');
    const r = await run(['history', 'other.example', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${at(5)}  c2s  first seen: grade A+, TLSv1.2, TLSv1.3, certificate AA:BB:CC… until 2027-06-01 (trusted), STARTTLS required\n`);
  });

  test('without --store or --config: ./data/xmpp-tls-exporter.db', async () => {
    const cwd = join(dir, 'default');
    const other = writeDatabase(join(cwd, 'data', 'xmpp-tls-exporter.db'), historyScans(now).slice(5, 6));
    other.close();
    const r = await run(['history', 'other.example', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as HistoryEntry[]).map((e) => e.at)).toEqual([daysAgo(now, 5)]);
  });
});

describe('exit codes', () => {
  test('nothing recorded for the domain (or in that mode): exit 1, a message on stderr; [] with --json', async () => {
    const unknown = await run(['history', 'unknown.example', '--store', file]);
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toBe(`xmpp-tls-exporter history: nothing recorded for unknown.example in ${file}\n`);
    const mode = await run(['history', 'other.example', '--store', file, '--mode', 's2s', '--json']);
    expect([mode.code, mode.stdout]).toEqual([1, '[]\n']);
    expect(mode.stderr).toContain('nothing recorded for other.example (s2s)');
  });

  test.each([
    ['an unknown unit', ['example.org', '--since', '30x'], /--since "30x": not a duration or a date; expected a duration \(90m, 12h, 30d, 2w\) or an ISO date/],
    ['words', ['example.org', '--since', 'yesterday'], /--since "yesterday": not a duration or a date/],
    ['a zero duration', ['example.org', '--since', '0d'], /--since "0d": a zero duration/],
    ['a date that does not exist', ['example.org', '--since', '2026-02-30'], /--since "2026-02-30": no such date or time/],
    ['a time that does not exist', ['example.org', '--since', '2026-02-01T24:30Z'], /no such date or time/],
    ['the future', ['example.org', '--since', new Date(now + 400 * 86_400_000).toISOString().slice(0, 10)], /a time in the future/],
    ['an invalid domain', ['bad..name'], /invalid domain "bad\.\.name": empty label/],
    ['an IP address', ['192.0.2.1'], /an IP address is not a domain/],
    ['a mode that is not one', ['example.org', '--mode', 'tcp'], /argument 'tcp' is invalid/],
    ['--store and --config together', ['example.org', '--config', 'x.yaml'], /give either --store FILE or --config FILE, not both/],
    ['no domain', [], /missing required argument 'domain'/],
  ])('usage error, exit 2: %s', async (_name, args, message) => {
    const r = await run(['history', ...args, '--store', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('a configuration that does not load: exit 2, its problem named', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'store:\n  path: 42\n');
    const r = await run(['history', 'example.org', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${config}:2:`);
  });

  describe('a database that cannot be read: exit 2, the message names the file', () => {
    test('missing', async () => {
      const missing = join(dir, 'nowhere', 'results.db');
      const r = await run(['history', 'example.org', '--store', missing]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`xmpp-tls-exporter history: cannot read the database ${missing}: no such file (give --store FILE or --config FILE)\n`);
    });

    test('not SQLite (garbage)', async () => {
      const garbage = join(dir, 'garbage.db');
      await writeFile(garbage, 'this is a text file, not a database, and it is long enough to have a header'.repeat(50));
      const r = await run(['history', 'example.org', '--store', garbage]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`the database ${garbage} is not a readable SQLite database`);
    });

    test('from a newer version', async () => {
      const newer = join(dir, 'newer', 'results.db');
      await mkdir(join(dir, 'newer'));
      writeDatabase(newer, historyScans(now).slice(0, 1)).close();
      const raw = new Database(newer);
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      const r = await run(['history', 'example.org', '--store', newer]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`the database ${newer} was written by a newer version of xmpp-tls-exporter`);
    });
  });
});

test('--help: the database, the output, the JSON shape, exit codes, examples', async () => {
  const r = await run(['history', '--help']);
  expect(r.code).toBe(0);
  for (const s of [
    '--mode <mode>',
    '--since <when>',
    '--json',
    '--store <file>',
    '--config <file>',
    '"lastSeenAt"',
    'Exit codes:',
    'nothing recorded',
    'Examples:',
  ])
    expect(r.stdout).toContain(s);
});
