import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { changeFacts, diffFacts } from '../../../src/store/changes.js';
import { ResultDatabase, StoreError, isWriteFailure } from '../../../src/store/database.js';
import { importStateFile, StateFileError } from '../../../src/store/import-state.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/store/migrations.js';
import { decodeDocument } from '../../../src/store/document.js';
import { type CompactEntry, ResultStore } from '../../../src/store/store.js';
import { scanResult } from './fixtures.js';

// The results database against real SQLite files: migrations, the change rules, retention, the
// state file import and the faults a file can have.

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-db-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const fresh = () => join(dir, `db-${++n}`, 'results.db');

const scan = scanResult;

describe('migrations', () => {
  test('from empty: every step applied, user_version is the last one, the tables exist', () => {
    const file = fresh();
    ResultDatabase.open(file).close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    raw.close();
    expect(tables).toEqual(['changes', 'scans', 'targets']);
  });

  test('from the previous schema: only the missing steps run, data kept', () => {
    const file = fresh();
    const db = ResultDatabase.open(file);
    db.record(scan({ at: '2026-11-01T00:00:00.000Z' }));
    db.close();
    // Reopening at the current version runs nothing again and keeps the rows.
    const again = ResultDatabase.open(file);
    expect(again.counts()).toEqual({ targets: 1, changes: 1, scans: 1 });
    again.close();
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  test('a database from a newer version is refused, and left as it is', async () => {
    const file = fresh();
    ResultDatabase.open(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = await readFile(file);
    expect(() => ResultDatabase.open(file)).toThrow(StoreError);
    expect(() => ResultDatabase.open(file)).toThrow(new RegExp(`${file.replace(/[.\\/]/g, '\\$&')} was written by a newer version`));
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  test.each([
    ['a file that is not SQLite', async (file: string) => writeFile(file, 'this is a text file, not a database, and it is long enough to have a header')],
    [
      'a database with a damaged page',
      async (file: string) => {
        const db = ResultDatabase.open(file);
        for (let i = 0; i < 50; i++) db.record(scan({ at: `2026-11-01T00:00:${String(i).padStart(2, '0')}.000Z`, domain: `d${i}.example` }));
        db.close();
        const bytes = await readFile(file);
        // Page 2 onwards: overwrite a b-tree page with garbage (the header on page 1 stays valid).
        bytes.fill(0xa5, 4096 + 8, 4096 * 3);
        await writeFile(file, bytes);
      },
    ],
  ])('%s: StoreError corrupt naming the file; nothing written to it', async (_name, damage) => {
    const file = fresh();
    await import('node:fs/promises').then((fs) => fs.mkdir(join(file, '..'), { recursive: true }));
    await damage(file);
    const before = await readFile(file);
    let error: unknown;
    try {
      ResultDatabase.open(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe('corrupt');
    expect((error as Error).message).toContain(file);
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});

describe('change detection', () => {
  test('same facts: no new state, only "seen again"; the latest document is still the newest scan', () => {
    const db = ResultDatabase.open(fresh());
    expect(db.record(scan({ at: '2026-11-01T00:00:00.000Z' })).changes).toEqual([]);
    expect(db.record(scan({ at: '2026-11-02T00:00:00.000Z' })).changes).toEqual([]);
    expect(db.record(scan({ at: '2026-11-03T00:00:00.000Z' })).changes).toEqual([]);
    expect(db.counts()).toEqual({ targets: 1, changes: 1, scans: 3 });
    const [state] = db.history('example.org');
    expect(state).toMatchObject({ at: '2026-11-01T00:00:00.000Z', lastSeenAt: '2026-11-03T00:00:00.000Z', scans: 3, changes: [] });
    expect(db.loadAll()[0]!.latest.startedAt).toBe('2026-11-03T00:00:00.000Z');
    db.close();
  });

  test('a renewed certificate: one change, saying old → new', () => {
    const db = ResultDatabase.open(fresh());
    db.record(scan({ at: '2026-11-01T00:00:00.000Z' }));
    const outcome = db.record(scan({ at: '2026-11-02T00:00:00.000Z', fingerprint: '11:22:33:44:55:66:77:88', notAfter: '2027-09-01T00:00:00.000Z' }));
    expect(outcome.changes.map((c) => c.what)).toEqual(['certificate']);
    expect(outcome.changes[0]!.summary).toBe('certificate replaced: 11:22:33… until 2027-09-01');
    expect(outcome.lastChanges).toEqual({ certificate: '2026-11-02T00:00:00.000Z' });
    expect(db.counts().changes).toBe(2);
    expect(db.history('example.org').map((h) => h.changes.map((c) => c.what))).toEqual([[], ['certificate']]);
    db.close();
  });

  test('TLS 1.0 enabled: protocols, suites and grade change together, each saying what', () => {
    const db = ResultDatabase.open(fresh());
    db.record(scan({ at: '2026-11-01T00:00:00.000Z' }));
    const { changes } = db.record(scan({ at: '2026-11-30T00:00:00.000Z', protocols: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'] }));
    const byKind = Object.fromEntries(changes.map((c) => [c.what, c.summary]));
    expect(byKind.protocols).toBe('TLSv1.0 enabled');
    expect(byKind.grade).toMatch(/^grade A\+? → [A-F]/);
    expect(byKind.cipher_suites).toMatch(/^cipher suites: all \d+ → \d+/);
    db.close();
  });

  test('a failed scan changes reachability only; the last good result is kept; recovery is another change', () => {
    const db = ResultDatabase.open(fresh());
    db.record(scan({ at: '2026-11-01T00:00:00.000Z' }));
    const down = db.record(scan({ at: '2026-11-02T00:00:00.000Z', fail: true }));
    expect(down.changes).toEqual([
      { what: 'reachability', from: 'reachable', to: 'unreachable (connection_refused)', summary: 'unreachable (connection_refused)' },
    ]);
    const [entry] = db.loadAll();
    expect(entry!.latest.startedAt).toBe('2026-11-02T00:00:00.000Z');
    expect(entry!.lastGood?.startedAt).toBe('2026-11-01T00:00:00.000Z');
    expect(db.record(scan({ at: '2026-11-03T00:00:00.000Z' })).changes.map((c) => c.summary)).toEqual(['reachable again']);
    expect(db.loadAll()[0]!.lastGood).toEqual(db.loadAll()[0]!.latest);
    db.close();
  });

  test('a failed version query keeps the last software; a new version is a change', () => {
    const first = changeFacts(scan({ at: '2026-11-01T00:00:00.000Z', software: '0.12.4' }), null);
    const failed = changeFacts(scan({ at: '2026-11-02T00:00:00.000Z', software: 'error' }), first);
    expect(diffFacts(first, failed)).toEqual([]);
    const upgraded = changeFacts(scan({ at: '2026-11-03T00:00:00.000Z', software: '13.0.1' }), failed);
    expect(diffFacts(failed, upgraded).map((c) => c.summary)).toEqual(['software Prosody 0.12.4 → Prosody 13.0.1']);
  });

  test('a DANE status that changes is a change; a state recorded before DANE existed is not', () => {
    const withDane = (at: string, status: 'valid' | 'mismatch') => {
      const r = scan({ at });
      for (const ep of r.endpoints)
        ep.dane = { status, name: '_5222._tcp.example.org', dnssec: { srv: null, address: 'secure', tlsa: 'secure' }, records: [], matched: [], problems: [] };
      return r;
    };
    const valid = changeFacts(withDane('2026-11-01T00:00:00.000Z', 'valid'), null);
    expect(valid.dane).toBe('valid');
    const stale = changeFacts(withDane('2026-11-02T00:00:00.000Z', 'mismatch'), valid);
    expect(diffFacts(valid, stale).map((c) => c.summary)).toEqual(['DANE valid → mismatch']);
    // Facts an older version wrote have no `dane`: the first scan after the upgrade changes nothing.
    const { dane: _, ...older } = valid;
    expect(diffFacts(older as typeof valid, stale)).toEqual([]);
    expect(changeFacts(scan({ at: '2026-11-03T00:00:00.000Z' }), null).dane).toBe('not checked');
  });
});

describe('history, state at a date, retention', () => {
  test('history since a date lists the states still current then and the later ones; stateAt gives each target as it was', () => {
    const db = ResultDatabase.open(fresh());
    db.record(scan({ at: '2026-10-01T00:00:00.000Z' }));
    db.record(scan({ at: '2026-10-20T00:00:00.000Z' }));
    db.record(scan({ at: '2026-11-01T00:00:00.000Z', protocols: ['TLSv1.3'] }));
    db.record(scan({ at: '2026-11-01T00:00:00.000Z', domain: 'other.example' }));
    expect(db.history('example.org', { since: new Date('2026-10-25T00:00:00Z') }).map((h) => h.at)).toEqual([
      '2026-10-01T00:00:00.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
    expect(db.history('example.org', { since: new Date('2026-11-02T00:00:00Z') }).map((h) => h.at)).toEqual(['2026-11-01T00:00:00.000Z']);
    expect(db.history('example.org', { mode: 's2s' })).toEqual([]);
    const then = db.stateAt(new Date('2026-10-25T00:00:00Z'));
    expect(
      then.map((r) => [
        r.domain,
        Object.entries(r.endpoints[0]!.tls!.protocols)
          .filter(([, on]) => on)
          .map(([p]) => p),
      ]),
    ).toEqual([['example.org', ['TLSv1.2', 'TLSv1.3']]]);
    expect(db.stateAt(new Date('2026-12-01T00:00:00Z')).map((r) => r.domain)).toEqual(['example.org', 'other.example']);
    db.close();
  });

  test('retention: old scan rows and old states go, in batches; the current state of each target stays', () => {
    const db = ResultDatabase.open(fresh());
    db.record(scan({ at: '2025-01-01T00:00:00.000Z' }));
    db.record(scan({ at: '2025-02-01T00:00:00.000Z', protocols: ['TLSv1.3'] }));
    db.record(scan({ at: '2026-11-20T00:00:00.000Z', protocols: ['TLSv1.2', 'TLSv1.3'] }));
    db.record(scan({ at: '2025-01-01T00:00:00.000Z', domain: 'quiet.example' }));
    const now = new Date('2026-12-01T00:00:00Z');
    const retention = { changesDays: 400, scansDays: 14 };
    expect(db.prune(retention, now, 1)).toEqual({ scans: 1, changes: 1 });
    expect(db.prune(retention, now, 1)).toEqual({ scans: 1, changes: 1 });
    expect(db.prune(retention, now, 1)).toEqual({ scans: 1, changes: 0 });
    expect(db.prune(retention, now, 1)).toEqual({ scans: 0, changes: 0 });
    expect(db.counts()).toEqual({ targets: 2, changes: 2, scans: 1 });
    expect(db.history('quiet.example')).toHaveLength(1);
    db.close();
  });
});

describe('loading', () => {
  test('page by page (what the daemon reads at start with the event loop free between pages) gives what loadAll gives; refused rows are left out', () => {
    const db = ResultDatabase.open(fresh());
    for (const d of ['e.example', 'a.example', 'c.example', 'b.example', 'd.example']) db.record(scan({ at: '2026-11-01T00:00:00.000Z', domain: d }));
    const pages = [...db.pages(2)].map((page) => page.map((t) => t.domain));
    expect(pages).toEqual([['e.example', 'a.example'], ['c.example', 'b.example'], ['d.example']]);
    expect(db.loadAll().map((t) => t.domain)).toEqual(['a.example', 'b.example', 'c.example', 'd.example', 'e.example']);
    expect([...db.pages(2, (domain) => domain !== 'c.example')].map((page) => page.map((t) => t.domain))).toEqual([
      ['e.example', 'a.example'],
      ['b.example'],
      ['d.example'],
    ]);
    db.close();
  });
});

describe('state file import', () => {
  const stateDoc = (entries: unknown[], version = 1) => JSON.stringify({ version, savedAt: '2026-11-01T00:00:00.000Z', entries });

  test('imported into an empty database (last good first), then renamed FILE.imported', async () => {
    const file = join(dir, 'import-state.json');
    const good = scan({ at: '2026-10-01T00:00:00.000Z' });
    const failed = scan({ at: '2026-10-02T00:00:00.000Z', fail: true });
    await writeFile(file, stateDoc([{ domain: 'example.org', mode: 'c2s', latest: failed, lastGood: good }]));
    const db = ResultDatabase.open(fresh());
    expect(await importStateFile(db, file)).toBe(1);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.imported`)).toBe(true);
    const [entry] = db.loadAll();
    expect(entry!.latest).toEqual(failed);
    expect(entry!.lastGood).toEqual(good);
    expect(db.history('example.org').map((h) => h.changes.map((c) => c.what))).toEqual([[], ['reachability']]);
    db.close();
  });

  test('no file: null, nothing done', async () => {
    const db = ResultDatabase.open(fresh());
    expect(await importStateFile(db, join(dir, 'none.json'))).toBeNull();
    expect(db.isEmpty()).toBe(true);
    db.close();
  });

  test.each([
    ['from a newer version', stateDoc([], 2), 'newer', /newer version .*nothing imported, nothing deleted/],
    ['not JSON', '{not json', 'unreadable', /is not valid JSON/],
    ['an unknown format', '{"version": "x"}', 'unreadable', /unknown format/],
  ])('%s: StateFileError %s; the file stays where it is', async (_name, text, kind, message) => {
    const file = join(dir, `bad-${++n}.json`);
    await writeFile(file, text);
    const db = ResultDatabase.open(fresh());
    const err = await importStateFile(db, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as StateFileError).kind).toBe(kind);
    expect((err as Error).message).toMatch(message);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(db.isEmpty()).toBe(true);
    db.close();
  });
});

describe('isWriteFailure', () => {
  test.each([
    ['SQLITE_FULL', true],
    ['SQLITE_READONLY', true],
    ['SQLITE_IOERR_WRITE', true],
    ['SQLITE_CONSTRAINT_UNIQUE', false],
    [undefined, false],
  ])('%s → %s', (code, expected) => {
    expect(isWriteFailure(Object.assign(new Error('x'), code ? { code } : {}))).toBe(expected);
  });
});

describe('entries that read their documents from the database (the daemon: nothing held in memory)', () => {
  test('a good scan, then a failed one: latest follows the row, lastGood stays the good scan', () => {
    const db = ResultDatabase.open(fresh());
    const store = new ResultStore();
    const good = scan({ at: '2026-11-01T00:00:00.000Z', domain: 'a.example' });
    db.record(good);
    const first = store.put(good, {}, db.documentsOf('a.example', 'c2s')) as CompactEntry;
    expect(first.lastGood).toBe(good); // the object just scanned, while something holds it
    const failed = scan({ at: '2026-11-02T00:00:00.000Z', domain: 'a.example', fail: true });
    db.record(failed);
    const second = store.put(failed, {}, db.documentsOf('a.example', 'c2s')) as CompactEntry;
    // Decoded from the database (a fresh object), by role: the row's latest is the failure now.
    expect(decodeDocument(second.latestDocument.bytes)).toEqual(failed);
    expect(decodeDocument(second.lastGoodDocument!.bytes)).toEqual(good);
    expect(decodeDocument(first.lastGoodDocument!.bytes)).toEqual(good);
    db.close();
  });

  test('lazyPages: no document read at load; each decodes from the row when read', () => {
    const file = fresh();
    const db = ResultDatabase.open(file);
    const good = scan({ at: '2026-11-01T00:00:00.000Z', domain: 'b.example' });
    const failed = scan({ at: '2026-11-02T00:00:00.000Z', domain: 'b.example', fail: true });
    const never = scan({ at: '2026-11-02T00:00:00.000Z', domain: 'c.example', fail: true });
    for (const r of [good, failed, never]) db.record(r);
    const loaded = [...db.lazyPages(1)].flat();
    expect(loaded.map((e) => e.domain)).toEqual(['b.example', 'c.example']);
    const [b, c] = loaded as [CompactEntry, CompactEntry];
    expect(b.latest).toEqual(failed);
    expect(b.lastGood).toEqual(good);
    expect(c.latest).toEqual(never);
    expect(c.lastGood).toBeNull();
    // As eager pages() gives them.
    expect(JSON.parse(JSON.stringify(loaded))).toEqual(JSON.parse(JSON.stringify(db.loadAll())));
    db.close();
  });
});
