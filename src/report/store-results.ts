import type { ScanResult } from '../result/types.js';
import { answeredSoftware, type StoredEntry } from '../store/index.js';

/**
 * The results a report of the daemon's store describes: each target's latest scan, failed or
 * not. A survey says what is true now, so a server that stopped answering counts as unreachable
 * (the status page and metrics keep showing its last good facts instead). The one exception is
 * the server software: a version query that failed this time does not make the software
 * unknown, so the last answer is kept, as the status page and xmpp_tls_server_info do.
 */
export function resultsOfStore(entries: readonly StoredEntry[]): ScanResult[] {
  return entries.map((e) => {
    const software = answeredSoftware(e);
    return software && e.latest.software !== software ? { ...e.latest, software } : e.latest;
  });
}
