// The survey report ("State of TLS on XMPP"): scan results → counts and per-domain rows
// (aggregate), rendered as Markdown, HTML or JSON, and compared with an earlier report.
// Everything but progress.ts is pure. docs/report.md documents the JSON shape and how domains count.
export { type AggregateOptions, aggregate, CERTIFICATE_PROBLEMS, compareRows, domainRow, domainStatus, PROTOCOLS, summarizeMode } from './aggregate.js';
export { compareReports, flattenCounts, parseReport } from './compare.js';
export { escapeXml, renderDiffHtml, renderHtml, svgChart } from './html.js';
export { mdCell, renderDiffMarkdown, renderMarkdown } from './markdown.js';
export { createProgress, eta, formatDuration, type Progress, progressLine } from './progress.js';
export { reportSections, type Section } from './sections.js';
export { type KnownSoftware, softwareLabel, softwareOf } from './software.js';
export type * from './types.js';
export { REPORT_VERSION } from './types.js';

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
