import { normalizeDomain } from '../discovery/index.js';
import type { Mode } from '../result/types.js';
import { type HistoryEntry, seenAgain, shortCertificates, utcMinute } from '../store/index.js';
import { DEFAULT_DATABASE, databaseFile, openDatabase, sinceOption } from './results-database.js';
import { UsageError } from './scanner-options.js';

// `xmpp-tls-exporter history DOMAIN`: what changed for a domain, from the results database the
// daemon writes (read-only, so it works while the daemon runs). The states and their changes are
// the store's (src/store/changes.ts); this file only picks the database and prints them.

interface HistoryFlags {
  mode?: Mode;
  since?: string;
  json?: boolean;
  store?: string;
  config?: string;
}

/** Exit codes: 0 history printed, 1 nothing recorded for the domain, 2 usage (or database) error. */
export async function historyCommand(input: string, raw: Record<string, unknown>): Promise<number> {
  const flags = raw as HistoryFlags;
  let entries: HistoryEntry[];
  let file: string;
  let domain: string;
  try {
    domain = domainOf(input);
    const since = flags.since === undefined ? undefined : sinceOption(flags.since);
    file = (await databaseFile(flags, DEFAULT_DATABASE))!;
    const db = openDatabase(file);
    try {
      entries = db.history(domain, { ...(flags.mode ? { mode: flags.mode } : {}), ...(since ? { since } : {}) });
    } finally {
      db.close();
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`xmpp-tls-exporter history: ${err.message}\n`);
    return 2;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  if (entries.length === 0) {
    process.stderr.write(`xmpp-tls-exporter history: nothing recorded for ${domain}${flags.mode ? ` (${flags.mode})` : ''} in ${file}\n`);
    return 1;
  }
  if (!flags.json) process.stdout.write(entries.map(formatEntry).join(''));
  return 0;
}

function domainOf(input: string): string {
  try {
    return normalizeDomain(input);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * One state: when it was first seen, the mode, what changed to get there (its facts when it is
 * the first state recorded), and, when later scans found it unchanged, until when.
 */
export function formatEntry(e: HistoryEntry): string {
  const when = utcMinute(e.at);
  const what = e.changes.length > 0 ? e.changes.map((c) => c.summary).join('; ') : `first seen: ${describeFacts(e.facts)}`;
  let text = `${when}  ${e.mode}  ${what}\n`;
  const seen = seenAgain(e);
  if (seen) text += `${' '.repeat(when.length + 2 + e.mode.length + 2)}${seen}\n`;
  return text;
}

const STARTTLS_WORDS: Readonly<Record<string, string>> = { required: 'STARTTLS required', offered: 'STARTTLS offered', none: 'no STARTTLS' };

/** A first state in a few words: "grade A, TLSv1.2, TLSv1.3, certificate AA:BB:CC… until 2027-06-01 (trusted), STARTTLS required". */
function describeFacts(f: HistoryEntry['facts']): string {
  // A failed scan knows nothing but why it failed.
  if (f.reachability !== 'reachable') return f.reachability;
  const parts: string[] = [];
  if (f.grade !== 'none') parts.push(`grade ${f.grade}`);
  if (f.protocols !== 'none' && f.protocols !== 'not probed') parts.push(f.protocols);
  if (f.certificate !== 'none') {
    parts.push(`certificate ${shortCertificates(f.certificate)} (${f.trust})`);
  }
  parts.push(
    f.starttls
      .split(', ')
      .map((s) => STARTTLS_WORDS[s] ?? s)
      .join(', '),
  );
  if (f.software !== 'not asked' && f.software !== 'unknown') parts.push(f.software);
  return parts.join(', ');
}
