import { readFile, rename } from 'node:fs/promises';
import type { ScanResult } from '../result/types.js';
import type { ResultDatabase } from './database.js';
import type { StoredEntry } from './store.js';

// The JSON state file of earlier versions (one document: the latest and last good result of each
// target), imported once into an empty database and then renamed FILE.imported, so that an
// upgrade keeps what was known and the file is never read twice.

/** The state file format this version reads. */
export const STATE_VERSION = 1;

export class StateFileError extends Error {
  constructor(
    /** `newer`: written by a newer version (refused, left as it is); `unreadable`: not a state file at all. */
    readonly kind: 'newer' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'StateFileError';
  }
}

/**
 * Reads a state file: its entries, or null when there is no such file. Throws StateFileError
 * (`newer` for a format this version does not know, `unreadable` for anything else).
 */
export async function readStateFile(file: string): Promise<StoredEntry[] | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError('unreadable', `cannot read the state file ${file}: ${(err as Error).message}`);
  }
  let doc: { version?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new StateFileError('unreadable', `the state file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc.version === 'number' && doc.version > STATE_VERSION) {
    throw new StateFileError(
      'newer',
      `the state file ${file} was written by a newer version of xmpp-tls-exporter (format ${doc.version}; this version reads ${STATE_VERSION}): nothing imported, nothing deleted; run the newer version, or move the file away to start without it`,
    );
  }
  if (doc.version !== STATE_VERSION || !Array.isArray(doc.entries)) {
    throw new StateFileError('unreadable', `the state file ${file} has an unknown format (version ${String(doc.version)})`);
  }
  const entries: StoredEntry[] = [];
  for (const e of doc.entries as Partial<StoredEntry>[]) {
    if (!e || typeof e.domain !== 'string' || (e.mode !== 'c2s' && e.mode !== 's2s') || !isResult(e.latest)) continue;
    entries.push({ domain: e.domain, mode: e.mode, latest: e.latest, lastGood: isResult(e.lastGood) ? e.lastGood : null });
  }
  return entries;
}

/**
 * Imports `file` into `db` (the last good result first when it is older than the latest, so the
 * history starts with it) and renames the file to FILE.imported. Returns the targets imported, or
 * null when there is no such file. Throws StateFileError; the file is then left where it is.
 */
export async function importStateFile(db: ResultDatabase, file: string): Promise<number | null> {
  const entries = await readStateFile(file);
  if (entries === null) return null;
  for (const e of entries) {
    if (e.lastGood && e.lastGood.startedAt < e.latest.startedAt) db.record(e.lastGood);
    db.record(e.latest);
  }
  await rename(file, `${file}.imported`);
  return entries.length;
}

function isResult(r: unknown): r is ScanResult {
  const x = r as Partial<ScanResult> | null | undefined;
  return !!x && typeof x.domain === 'string' && typeof x.startedAt === 'string' && Array.isArray(x.endpoints);
}
