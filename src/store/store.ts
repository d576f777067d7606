import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mode, ScanResult, SoftwareInfo } from '../result/types.js';

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
}

export const STATE_VERSION = 1;

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

export function targetKey(domain: string, mode: Mode): string {
  return `${mode}:${domain}`;
}

export class ResultStore {
  private readonly entries = new Map<string, StoredEntry>();

  put(result: ScanResult): StoredEntry {
    const key = targetKey(result.domain, result.mode);
    const previous = this.entries.get(key);
    const entry: StoredEntry = {
      domain: result.domain,
      mode: result.mode,
      latest: result,
      lastGood: scanSucceeded(result) ? result : (previous?.lastGood ?? null),
    };
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

  /** Atomic: write a temporary file beside the state file, then rename it over. */
  async save(file: string): Promise<void> {
    const doc = { version: STATE_VERSION, savedAt: new Date().toISOString(), entries: this.all() };
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(doc));
    await rename(tmp, file);
  }

  /**
   * Loads a state file. A missing file is an empty store; an unreadable or foreign one is an
   * error with the file name (the caller logs it and starts empty rather than dying).
   */
  static async load(file: string): Promise<ResultStore> {
    const store = new ResultStore();
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw new Error(`cannot read state file ${file}: ${(err as Error).message}`);
    }
    let doc: { version?: unknown; entries?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch (err) {
      throw new Error(`state file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (doc.version !== STATE_VERSION || !Array.isArray(doc.entries)) {
      throw new Error(`state file ${file} has an unknown format (version ${String(doc.version)})`);
    }
    for (const e of doc.entries as StoredEntry[]) {
      if (e && typeof e.domain === 'string' && (e.mode === 'c2s' || e.mode === 's2s') && e.latest) {
        store.entries.set(targetKey(e.domain, e.mode), { domain: e.domain, mode: e.mode, latest: e.latest, lastGood: e.lastGood ?? null });
      }
    }
    return store;
  }
}
