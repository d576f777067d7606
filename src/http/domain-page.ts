import type { Mode } from '../result/types.js';
import { type HistoryEntry, type StoredEntry, seenAgain, utcMinute } from '../store/index.js';
import { escapeHtml, type NextScan, resultsTable, STYLE, TABLE_NOTE } from './status-page.js';

// A domain's page at `/domain/DOMAIN`, linked from each row of the status page: the same table for
// that domain's targets, then, per mode, what changed, newest first, one line per state of the
// results database: "grade A → B on 2026-11-30 14:02 UTC: TLSv1.0 enabled", "seen again until …
// (N scans)". Like the status page: self-contained, no script, everything escaped (a software
// name or an error text in a change summary comes from the scanned server).

export interface DomainPageInput {
  domain: string;
  /** The domain's targets (one per mode). */
  entries: readonly StoredEntry[];
  /** The domain's states, oldest first, as the database gives them; null when no history is kept. */
  history: readonly HistoryEntry[] | null;
  version: string;
  now: Date;
  nextScan?: (domain: string, mode: Mode) => NextScan;
}

/** States shown per mode; the older ones are in the JSON history. */
export const RECENT_STATES = 50;

const MODES: readonly Mode[] = ['c2s', 's2s'];

/**
 * One state in words: its first change, when, then the others ("grade A → B on 2026-11-30 14:02 UTC:
 * TLSv1.0 enabled"). The changes come in CHANGE_KINDS order, so reachability, then the grade, lead.
 * The first state recorded changed nothing: "first seen on …", with its grade.
 */
export function changeText(h: HistoryEntry): string {
  const when = utcMinute(h.at);
  if (h.changes.length === 0) return `first seen on ${when}${h.facts.grade && h.facts.grade !== 'none' ? `: grade ${h.facts.grade}` : ''}`;
  const [first, ...rest] = h.changes.map((c) => c.summary);
  return `${first} on ${when}${rest.length ? `: ${rest.join('; ')}` : ''}`;
}

/** How long the state lasted: "seen again until … (N scans)", or "seen once". */
export function seenText(h: HistoryEntry): string {
  return seenAgain(h) ?? 'seen once';
}

function changesSection(domainPath: string, mode: Mode, states: readonly HistoryEntry[]): string {
  const heading = `<h2>Changes (${escapeHtml(mode)})</h2>`;
  if (states.length === 0) return `${heading}\n<p class="meta">Nothing recorded yet.</p>`;
  const recent = states.slice(-RECENT_STATES).reverse();
  const items = recent.map((h) => `<li>${escapeHtml(changeText(h))} <span class="meta">· ${escapeHtml(seenText(h))}</span></li>`);
  const older = states.length - recent.length;
  const more = older
    ? `\n<p class="meta">${older} older state${older === 1 ? '' : 's'} not shown: see <a href="../api/v1/results/${domainPath}/history?mode=${mode}">the history as JSON</a>.</p>`
    : '';
  return `${heading}\n<ul class="changes">\n${items.join('\n')}\n</ul>${more}`;
}

/** The whole page. Its links are relative to `/domain/`, so it also works under a path prefix. */
export function renderDomainPage(input: DomainPageInput): string {
  const { domain, entries, history, version, now } = input;
  const domainPath = escapeHtml(encodeURIComponent(domain));
  const modes = MODES.filter((m) => entries.some((e) => e.mode === m) || history?.some((h) => h.mode === m));
  const changes =
    history === null
      ? '<p class="meta">No history is kept (no results database).</p>'
      : modes
          .map((m) =>
            changesSection(
              domainPath,
              m,
              history.filter((h) => h.mode === m),
            ),
          )
          .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(domain)} · xmpp-tls-exporter</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(domain)}</h1>
<p class="meta">xmpp-tls-exporter ${escapeHtml(version)} · page generated ${escapeHtml(now.toISOString())}</p>
<p><a href="../">All targets</a> · <a href="../api/v1/results/${domainPath}">Results (JSON)</a>${history === null ? '' : ` · <a href="../api/v1/results/${domainPath}/history">History (JSON)</a>`}</p>
${resultsTable(entries, { now, base: '../', ...(input.nextScan ? { nextScan: input.nextScan } : {}) })}
<p class="meta">${TABLE_NOTE}</p>
${changes}
</body>
</html>
`;
}
