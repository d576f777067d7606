import type { Mode, ScanResult, SoftwareInfo } from '../result/types.js';
import type { ChangeKind } from './changes.js';
import { StoredDocument } from './document.js';

// What the daemon knows: the latest scan result per (domain, mode), and the latest one that
// succeeded. Metrics, the API and reports are derived from it at read time. A failed rescan never
// erases the last good facts (users hate metrics that vanish exactly when a certificate breaks).

export interface StoredEntry {
  domain: string;
  mode: Mode;
  /** The most recent scan, successful or not. */
  latest: ScanResult;
  /** The most recent scan that succeeded (null if none ever did). */
  lastGood: ScanResult | null;
  /**
   * When each kind of fact (changes.ts: grade, certificate, protocols, …) last changed, as ISO
   * times: xmpp_tls_last_change_timestamp_seconds. Absent for results not kept in the database
   * (/probe of a target that is not configured).
   */
  lastChanges?: Partial<Record<ChangeKind, string>>;
}

/** A scan succeeded when the domain resolved and at least one endpoint was scanned without error. */
export function scanSucceeded(r: ScanResult): boolean {
  return r.error === null && r.endpoints.some((e) => e.status === 'ok');
}

/**
 * The server software a stored target reported: the newest answered version query of its latest
 * or last good scan (a failed query keeps the last answer); null without an answer.
 */
export function answeredSoftware(entry: Pick<StoredEntry, 'latest' | 'lastGood'>): SoftwareInfo | null {
  let best: SoftwareInfo | null = null;
  for (const s of [entry.latest.software, entry.lastGood?.software]) {
    if (!s || s.error || (s.name === null && s.version === null && s.os === null)) continue;
    if (!best || s.queriedAt > best.queriedAt) best = s;
  }
  return best;
}

/**
 * How to read a target's documents from the database, as its row holds them now. By role, not by
 * scan: after a failed scan is written, `lastGood` still reads the good one (a document that read
 * "the row's latest" would then read the failure).
 */
export interface DatabaseDocuments {
  latest(): Buffer;
  lastGood(): Buffer | null;
}

/** A target's two documents read from the database; `decoded`: the result just written, shared while something holds it. */
export function databaseDocuments(documents: DatabaseDocuments, decoded: ScanResult | null = null): { latest: StoredDocument; lastGood: StoredDocument } {
  return {
    latest: StoredDocument.inDatabase(() => documents.latest(), decoded),
    lastGood: StoredDocument.inDatabase(() => documents.lastGood() ?? documents.latest(), decoded),
  };
}

export function targetKey(domain: string, mode: Mode): string {
  return `${mode}:${domain}`;
}

/**
 * A stored entry whose results stay out of the heap (document.ts): read back from the database
 * when written, else kept encoded (~4 KB a result instead of ~30 KB of objects), which is what lets
 * one daemon hold 20,000 targets in a few hundred MB. `latest` and `lastGood` decode on demand; an
 * entry never changes (a rescan stores a new one).
 */
export class CompactEntry implements StoredEntry {
  declare readonly lastChanges?: Partial<Record<ChangeKind, string>>;

  constructor(
    readonly domain: string,
    readonly mode: Mode,
    readonly latestDocument: StoredDocument,
    readonly lastGoodDocument: StoredDocument | null,
    lastChanges?: Partial<Record<ChangeKind, string>>,
  ) {
    if (lastChanges) this.lastChanges = lastChanges;
  }

  get latest(): ScanResult {
    return this.latestDocument.result;
  }

  get lastGood(): ScanResult | null {
    return this.lastGoodDocument?.result ?? null;
  }

  /** As JSON, the plain entry it stands for (decoded), not its encodings. */
  toJSON(): StoredEntry {
    return {
      domain: this.domain,
      mode: this.mode,
      latest: this.latest,
      lastGood: this.lastGood,
      ...(this.lastChanges ? { lastChanges: this.lastChanges } : {}),
    };
  }
}

/**
 * What identifies an entry's results without decoding them: the stored documents of a
 * CompactEntry, the result objects of any other entry (the metrics cache's keys).
 */
export function resultIdentity(entry: StoredEntry): { latest: object; lastGood: object | null } {
  if (entry instanceof CompactEntry) return { latest: entry.latestDocument, lastGood: entry.lastGoodDocument };
  return { latest: entry.latest, lastGood: entry.lastGood };
}

export class ResultStore {
  private readonly entries = new Map<string, StoredEntry>();

  /**
   * Stores a scan's result; `lastChanges` as the database recorded them (kept from before when absent).
   * `inDatabase`: the database holds it now (written), so the entry reads it from there when needed
   * instead of keeping its encoding.
   */
  put(result: ScanResult, lastChanges?: StoredEntry['lastChanges'], inDatabase?: DatabaseDocuments): StoredEntry {
    const key = targetKey(result.domain, result.mode);
    const previous = this.entries.get(key);
    const changes = lastChanges ?? previous?.lastChanges;
    const written = inDatabase ? databaseDocuments(inDatabase, result) : null;
    const latest = written?.latest ?? StoredDocument.of(result);
    let lastGood: StoredDocument | null;
    if (!scanSucceeded(result)) lastGood = previous ? lastGoodDocumentOf(previous) : null;
    else lastGood = written?.lastGood ?? latest;
    const entry = new CompactEntry(result.domain, result.mode, latest, lastGood, changes);
    this.entries.set(key, entry);
    return entry;
  }

  get(domain: string, mode: Mode): StoredEntry | undefined {
    return this.entries.get(targetKey(domain, mode));
  }

  all(): StoredEntry[] {
    return [...this.entries.values()].sort((a, b) => a.domain.localeCompare(b.domain) || a.mode.localeCompare(b.mode));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every target not in `keys` (targets removed from the configuration: no stale series). */
  retain(keys: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    for (const key of this.entries.keys()) {
      if (!keys.has(key)) {
        this.entries.delete(key);
        removed.push(key);
      }
    }
    return removed;
  }

  /** Adds an entry as it was stored (loaded from the database): no "last good" bookkeeping. */
  load(entry: StoredEntry): void {
    this.entries.set(targetKey(entry.domain, entry.mode), entry);
  }

  /** A store holding these entries. */
  static of(entries: readonly StoredEntry[]): ResultStore {
    const store = new ResultStore();
    for (const e of entries) store.load(e);
    return store;
  }
}

function lastGoodDocumentOf(entry: StoredEntry): StoredDocument | null {
  if (entry instanceof CompactEntry) return entry.lastGoodDocument;
  return entry.lastGood ? StoredDocument.of(entry.lastGood) : null;
}
