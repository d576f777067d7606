import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Mode, ScanResult } from '../result/types.js';
import { type ChangeFacts, type ChangeKind, type FactChange, changeFacts, diffFacts } from './changes.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { decodeDocument, encodeDocument, StoredDocument } from './document.js';
import { CompactEntry, type DatabaseDocuments, databaseDocuments, type StoredEntry, scanSucceeded } from './store.js';

// The results database: SQLite through better-sqlite3 (synchronous, so one finished scan is one
// short transaction and nothing else can interleave with it). WAL mode: readers (the `history`
// command, a report) never block the daemon's writes, and a crash (kill -9) loses at most the
// transaction under way. Nothing is ever rewritten whole: a scan updates its target's row, adds a
// scan row, and adds a change row only when its facts differ from the state before (changes.ts).

/** When each kind of fact last changed (ISO time), per target. */
export type LastChanges = Partial<Record<ChangeKind, string>>;

export interface StoredTarget extends StoredEntry {
  lastChanges: LastChanges;
}

/** One state a target was in, and what changed to get there. */
export interface HistoryEntry {
  domain: string;
  mode: Mode;
  /** When the state was first seen (the scan's start). */
  at: string;
  /** When it was last seen. */
  lastSeenAt: string;
  /** How many scans saw it. */
  scans: number;
  /** What changed from the state before (empty for the first state recorded). */
  changes: FactChange[];
  facts: ChangeFacts;
}

export interface RecordOutcome {
  /** What changed with this scan (empty: seen again). */
  changes: FactChange[];
  lastChanges: LastChanges;
}

export interface Retention {
  /** States (changes) last seen longer ago are deleted; each target keeps its current state. */
  changesDays: number;
  /** Scan rows older are deleted. */
  scansDays: number;
}

/** Why the database cannot be used: the message names the file and says what to do. */
export class StoreError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'newer' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** SQLite error codes that mean the disk or the file refused a write: the daemon keeps the result in memory and retries. */
export function isWriteFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|BUSY|LOCKED|PERM)/.test(code);
}

interface TargetRow {
  id: number;
  domain: string;
  mode: Mode;
  latest: Buffer;
  last_good: Buffer | null;
  last_good_is_latest: number;
  facts: string;
  last_changes: string;
}

interface ChangeRow {
  id: number;
  domain: string;
  mode: Mode;
  at: string;
  last_seen_at: string;
  scans: number;
  facts: string;
  diff: string;
}

const DAY_MS = 86_400_000;

export class ResultDatabase {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof statements>;
  private readonly recordTx: (r: ScanResult) => RecordOutcome;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.sql = statements(db);
    this.recordTx = db.transaction((r: ScanResult) => this.write(r));
  }

  /**
   * Opens (creating it and its folder unless `readonly`) and migrates the database. Throws
   * StoreError naming the file: `corrupt` (not SQLite, or damaged), `newer` (a schema this version
   * does not know), `io` (cannot be opened). Nothing is written to a file that failed the checks.
   */
  static open(file: string, opts: { readonly?: boolean } = {}): ResultDatabase {
    let db: Database.Database;
    try {
      if (!opts.readonly) mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true });
    } catch (err) {
      throw new StoreError('io', `cannot open the database ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          'newer',
          `the database ${file} was written by a newer version of xmpp-tls-exporter (schema ${version}; this version knows up to ${SCHEMA_VERSION}): run that version, or point store.path elsewhere; the file is left as it is`,
        );
      }
      // A damaged file is found now, not halfway through a write.
      const check = db.pragma('quick_check', { simple: true }) as string;
      if (check !== 'ok')
        throw new StoreError('corrupt', `the database ${file} is damaged (${check}): restore it from a backup, or move it away to start afresh`);
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        // In WAL mode NORMAL loses no committed transaction on a process crash (only on power loss).
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db, version);
      } else if (version < SCHEMA_VERSION) {
        throw new StoreError('io', `the database ${file} has schema ${version}; start the daemon once to migrate it to ${SCHEMA_VERSION}`);
      }
      db.pragma('busy_timeout = 5000');
    } catch (err) {
      db.close();
      if (err instanceof StoreError) throw err;
      const code = (err as { code?: string }).code ?? '';
      if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
        throw new StoreError(
          'corrupt',
          `the database ${file} is not a readable SQLite database (${code}): restore it from a backup, or move it away to start afresh`,
          {
            cause: err,
          },
        );
      }
      throw new StoreError('io', `cannot use the database ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new ResultDatabase(file, db);
  }

  close(): void {
    this.db.close();
  }

  /** No target recorded yet (a state file may be imported). */
  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM targets LIMIT 1').get() === undefined;
  }

  /** Every target's latest and last good result, with when each kind of fact last changed. */
  loadAll(): StoredTarget[] {
    const all = [...this.pages(1000)].flat();
    return all.sort((a, b) => a.domain.localeCompare(b.domain) || a.mode.localeCompare(b.mode));
  }

  /**
   * The stored targets, `limit` rows at a time: a caller that must not hold the event loop for
   * the whole load (the daemon at start) lets other work run between pages. Each page is its own
   * query, so nothing stays open between them. Rows `keep` refuses (targets no longer configured)
   * are not decoded.
   */
  *pages(limit: number, keep: (domain: string, mode: Mode) => boolean = () => true): Generator<StoredTarget[]> {
    for (const rows of rowPages<TargetRow>(this.sql.targetsPage, limit)) yield rows.filter((row) => keep(row.domain, row.mode)).map(toStoredTarget);
  }

  /**
   * Like pages(), for the daemon: the entries read their documents from this database when
   * something needs them (a scrape rendering the target's lines, the API), so none is held in
   * memory and none is read at start. Valid while the database is open.
   */
  *lazyPages(limit: number, keep: (domain: string, mode: Mode) => boolean = () => true): Generator<StoredTarget[]> {
    type Row = Pick<TargetRow, 'id' | 'domain' | 'mode' | 'last_good_is_latest' | 'last_changes'> & { has_last_good: number };
    for (const rows of rowPages<Row>(this.sql.targetsPageWithoutDocuments, limit)) {
      yield rows
        .filter((row) => keep(row.domain, row.mode))
        .map((row) => {
          const { latest, lastGood } = databaseDocuments(this.documentsOf(row.domain, row.mode));
          const hasLastGood = row.last_good_is_latest || row.has_last_good;
          return new CompactEntry(row.domain, row.mode, latest, hasLastGood ? lastGood : null, JSON.parse(row.last_changes) as LastChanges) as StoredTarget;
        });
    }
  }

  /** Reads a target's documents as its row holds them at the time of each call (store.ts: DatabaseDocuments). */
  documentsOf(domain: string, mode: Mode): DatabaseDocuments {
    const row = () => {
      const r = this.sql.documents.get(domain, mode) as Pick<TargetRow, 'latest' | 'last_good' | 'last_good_is_latest'> | undefined;
      if (!r) throw new StoreError('io', `${this.file}: no stored result for ${mode}:${domain}`);
      return r;
    };
    return {
      latest: () => row().latest,
      lastGood: () => {
        const r = row();
        return r.last_good_is_latest ? r.latest : r.last_good;
      },
    };
  }

  /** Records a finished scan in one transaction. Throws the driver's error when the disk refuses (isWriteFailure). */
  record(result: ScanResult): RecordOutcome {
    return this.recordTx(result);
  }

  private write(r: ScanResult): RecordOutcome {
    const { sql } = this;
    const at = r.startedAt;
    const finishedAt = new Date(Date.parse(at) + Math.round(r.durationSeconds * 1000)).toISOString();
    const ok = scanSucceeded(r);
    const previous = sql.target.get(r.domain, r.mode) as TargetRow | undefined;
    const before = previous ? (JSON.parse(previous.facts) as ChangeFacts) : null;
    const facts = changeFacts(r, before);
    const document = encodeDocument(r);
    const changes = before ? diffFacts(before, facts) : [];
    const lastChanges: LastChanges = previous ? (JSON.parse(previous.last_changes) as LastChanges) : {};
    for (const c of changes) lastChanges[c.what] = at;
    // The last good document: this one when it succeeded; else the one kept so far (the previous
    // latest, when that was the last good one).
    const lastGood = ok || !previous ? null : previous.last_good_is_latest ? previous.latest : previous.last_good;
    const factsText = JSON.stringify(facts);
    const lastChangesText = JSON.stringify(lastChanges);
    let targetId: number;
    if (previous) {
      targetId = previous.id;
      sql.updateTarget.run(document, lastGood, ok ? 1 : 0, factsText, lastChangesText, targetId);
    } else {
      targetId = Number(sql.insertTarget.run(r.domain, r.mode, document, lastGood, ok ? 1 : 0, factsText, lastChangesText).lastInsertRowid);
    }
    const current = previous ? (sql.currentChange.get(targetId) as { id: number } | undefined) : undefined;
    let changeId: number;
    if (current && changes.length === 0) {
      changeId = current.id;
      sql.seenAgain.run(at, changeId);
    } else {
      changeId = Number(sql.insertChange.run(targetId, at, at, factsText, JSON.stringify(changes), document).lastInsertRowid);
    }
    const errorCode = r.error?.code ?? (ok ? null : (r.endpoints.find((e) => e.error)?.error?.code ?? null));
    sql.insertScan.run(targetId, at, finishedAt, ok ? 1 : 0, errorCode, r.grade?.letter ?? null, changeId);
    return { changes, lastChanges };
  }

  /** The states of a domain (both modes unless `mode`), oldest first: those current at `since` or later (all without it). */
  history(domain: string, opts: { mode?: Mode; since?: Date } = {}): HistoryEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT c.id, t.domain, t.mode, c.at, c.last_seen_at, c.scans, c.facts, c.diff,
                  lead(c.at) OVER (PARTITION BY c.target_id ORDER BY c.at, c.id) AS next_at
             FROM changes c JOIN targets t ON t.id = c.target_id
            WHERE t.domain = ? AND (? IS NULL OR t.mode = ?))
          WHERE next_at IS NULL OR next_at > ?
          ORDER BY at, id`,
      )
      .all(domain, opts.mode ?? null, opts.mode ?? null, opts.since?.toISOString() ?? '') as ChangeRow[];
    return rows.map((row) => ({
      domain: row.domain,
      mode: row.mode,
      at: row.at,
      lastSeenAt: row.last_seen_at,
      scans: row.scans,
      changes: JSON.parse(row.diff) as FactChange[],
      facts: JSON.parse(row.facts) as ChangeFacts,
    }));
  }

  /**
   * What the store knew at `date`: for each target seen by then, the document of the state it was
   * in (the first scan of that state). For `report --since`.
   */
  stateAt(date: Date): ScanResult[] {
    const rows = this.db
      .prepare(
        `SELECT (SELECT c.document FROM changes c WHERE c.target_id = t.id AND c.at <= ? ORDER BY c.at DESC, c.id DESC LIMIT 1) AS document
           FROM targets t ORDER BY t.domain, t.mode`,
      )
      .all(date.toISOString()) as { document: Buffer | null }[];
    return rows.flatMap((r) => (r.document ? [decodeDocument<ScanResult>(r.document)] : []));
  }

  /**
   * Deletes scans and states past the retention (a target's current state is always kept), at most
   * `batch` rows of each per call so that a caller can let other work run between calls. Returns
   * the rows deleted.
   */
  prune(retention: Retention, now: Date, batch = Number.MAX_SAFE_INTEGER): { scans: number; changes: number } {
    const scanCutoff = new Date(now.getTime() - retention.scansDays * DAY_MS).toISOString();
    const changeCutoff = new Date(now.getTime() - retention.changesDays * DAY_MS).toISOString();
    const scans = this.db.prepare('DELETE FROM scans WHERE id IN (SELECT id FROM scans WHERE started_at < ? LIMIT ?)').run(scanCutoff, batch).changes;
    const changes = this.db
      .prepare(
        `DELETE FROM changes WHERE id IN (
           SELECT c.id FROM changes c
            WHERE c.last_seen_at < ?
              AND c.id <> (SELECT c2.id FROM changes c2 WHERE c2.target_id = c.target_id ORDER BY c2.at DESC, c2.id DESC LIMIT 1)
            LIMIT ?)`,
      )
      .run(changeCutoff, batch).changes;
    return { scans, changes };
  }

  /** Rows per table, for tests and benches. */
  counts(): { targets: number; changes: number; scans: number } {
    const n = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { targets: n('targets'), changes: n('changes'), scans: n('scans') };
  }

  /** PRAGMA integrity_check: 'ok' or the first problems. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }
}

/** The targets table `limit` rows at a time, in id order (each page its own query: nothing stays open between them). */
function* rowPages<R extends { id: number }>(statement: Database.Statement, limit: number): Generator<R[]> {
  for (let afterId = 0; ; ) {
    const rows = statement.all(afterId, limit) as R[];
    yield rows;
    if (rows.length < limit) return;
    afterId = rows.at(-1)!.id;
  }
}

/** A target as stored: its documents stay encoded until something reads them. */
function toStoredTarget(row: TargetRow): StoredTarget {
  const latest = StoredDocument.fromBytes(row.latest);
  const lastGood = row.last_good_is_latest ? latest : row.last_good ? StoredDocument.fromBytes(row.last_good) : null;
  return new CompactEntry(row.domain, row.mode, latest, lastGood, JSON.parse(row.last_changes) as LastChanges) as StoredTarget;
}

function migrate(db: Database.Database, from: number): void {
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/** The statements a scan's write runs, prepared once. */
function statements(db: Database.Database) {
  return {
    target: db.prepare('SELECT * FROM targets WHERE domain = ? AND mode = ?'),
    targetsPage: db.prepare('SELECT * FROM targets WHERE id > ? ORDER BY id LIMIT ?'),
    targetsPageWithoutDocuments: db.prepare(
      'SELECT id, domain, mode, last_good IS NOT NULL AS has_last_good, last_good_is_latest, last_changes FROM targets WHERE id > ? ORDER BY id LIMIT ?',
    ),
    documents: db.prepare('SELECT latest, last_good, last_good_is_latest FROM targets WHERE domain = ? AND mode = ?'),
    updateTarget: db.prepare('UPDATE targets SET latest = ?, last_good = ?, last_good_is_latest = ?, facts = ?, last_changes = ? WHERE id = ?'),
    insertTarget: db.prepare('INSERT INTO targets (domain, mode, latest, last_good, last_good_is_latest, facts, last_changes) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    currentChange: db.prepare('SELECT id FROM changes WHERE target_id = ? ORDER BY at DESC, id DESC LIMIT 1'),
    seenAgain: db.prepare('UPDATE changes SET last_seen_at = max(last_seen_at, ?), scans = scans + 1 WHERE id = ?'),
    insertChange: db.prepare('INSERT INTO changes (target_id, at, last_seen_at, scans, facts, diff, document) VALUES (?, ?, ?, 1, ?, ?, ?)'),
    insertScan: db.prepare('INSERT INTO scans (target_id, started_at, finished_at, success, error_code, grade, change_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  };
}
