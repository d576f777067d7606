// The database schema, as the list of steps that build it: step N takes a database at
// user_version N-1 to N. A released step is never edited; a change is a new step at the end.
// database.ts applies the missing ones at open, each in its own transaction.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'targets, scans and changes',
    sql: `
      -- One row per (domain, mode) ever scanned: its latest and last good documents (what the
      -- daemon serves after a restart), the facts of its current state and when each kind of fact
      -- last changed (xmpp_tls_last_change_timestamp_seconds).
      CREATE TABLE targets (
        id INTEGER PRIMARY KEY,
        domain TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('c2s', 's2s')),
        latest BLOB NOT NULL,
        -- NULL when the latest scan is the last good one, or when none succeeded (last_good_is_latest says which).
        last_good BLOB,
        last_good_is_latest INTEGER NOT NULL,
        facts TEXT NOT NULL,
        last_changes TEXT NOT NULL,
        UNIQUE (domain, mode)
      );

      -- One row per state a target was in: the facts, what changed from the state before, the
      -- document of the first scan that saw it, and when it was first and last seen.
      CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        scans INTEGER NOT NULL,
        facts TEXT NOT NULL,
        diff TEXT NOT NULL,
        document BLOB NOT NULL
      );
      CREATE INDEX changes_by_target ON changes (target_id, at);

      -- One row per scan (kept for store.retention.scansDays): when, how it went, which state it saw.
      CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        target_id INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        success INTEGER NOT NULL,
        error_code TEXT,
        grade TEXT,
        change_id INTEGER REFERENCES changes (id) ON DELETE SET NULL
      );
      CREATE INDEX scans_by_target ON scans (target_id, started_at);
      CREATE INDEX scans_by_time ON scans (started_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
