import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/index.js';
import { DEFAULTS } from '../defaults.js';
import { ResultDatabase, StoreError, parseSince } from '../store/index.js';
import { UsageError } from './scanner-options.js';

// What `history` and `report --store/--since` share: which results database to read (--store,
// else the configuration's store.path), opening it read-only (the daemon may be writing it: WAL
// lets both run), and the --since value. A database that cannot be read is the user's file
// argument, so every problem with it is a usage error (exit 2) whose message names the file.

/** The database named by --store, else by --config's store.path; `fallback` when neither is given. */
export async function databaseFile(flags: { store?: string; config?: string }, fallback?: string): Promise<string | null> {
  if (flags.store !== undefined && flags.config !== undefined) throw new UsageError('give either --store FILE or --config FILE, not both');
  if (flags.store !== undefined) return resolve(flags.store);
  if (flags.config !== undefined) {
    try {
      // Only store.path is needed: the files the scanner would read (CA files, keys) are not checked.
      return (await loadConfig(flags.config, { checkFiles: false })).store.path;
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  return fallback === undefined ? null : resolve(fallback);
}

/** The default database of `history`: the configuration's default store.path, from the current folder. */
export const DEFAULT_DATABASE = DEFAULTS.store.path;

/** Opens the database read-only; a missing, damaged, newer or unmigrated file is a UsageError naming it. */
export function openDatabase(file: string): ResultDatabase {
  // SQLite's own words for a missing file ("unable to open database file") do not say which.
  if (!existsSync(file)) throw new UsageError(`cannot read the database ${file}: no such file (give --store FILE or --config FILE)`);
  try {
    return ResultDatabase.open(file, { readonly: true });
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(err.message);
    throw err;
  }
}

/** --since (src/store/since.ts: a duration back from now or an ISO date or date-time); a bad one is a UsageError. */
export function sinceOption(text: string, now: Date = new Date()): Date {
  try {
    return parseSince(text, now);
  } catch (err) {
    throw new UsageError(`--since ${(err as Error).message}`);
  }
}
