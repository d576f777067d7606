import type { GradeLetter } from '../grading/index.js';
import { renderDomainGrade, ungradedReason } from '../grading/index.js';
import type { CertificateResult, DomainGrade, Mode, ScanResult } from '../result/types.js';
import { answeredSoftware, scanSucceeded, type StoredEntry } from '../store/index.js';
import type { ShardStatus } from './results-api.js';

// The status page at `/`: one self-contained HTML document (inline CSS, no script, no external
// assets; the server sends it with a Content-Security-Policy that allows nothing else), one row per
// target, each domain linking to its own page (domain-page.ts: the same table, and the history).
// Every string that comes from a scanned server or the database (domains, certificate subjects,
// error messages, software names, even dates and letters) goes through escapeHtml: a certificate
// subject is attacker-controlled text.
//
// The grade and certificate columns describe the last good scan (lastGood, else the latest one),
// like the metrics: a failing rescan does not blank them. The "last scan" columns describe the
// latest scan, so a stale grade shows next to a failure.

export interface StatusPageInput {
  entries: readonly StoredEntry[];
  version: string;
  ready: boolean;
  now: Date;
  /** When a target scans next (the scheduler's answer); without it, the column is left out. */
  nextScan?: (domain: string, mode: Mode) => NextScan;
  /** This replica's share of the fleet; said on the page when there are several shards. */
  shard?: ShardStatus;
}

/** A scan running now, waiting for a slot, due at a time, or not scheduled. */
export type NextScan = 'running' | 'queued' | Date | null;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

// CSS class per letter from a fixed table: a letter read from the database never reaches the markup unescaped.
const LETTER_CLASS: Readonly<Record<GradeLetter, string>> = {
  'A+': 'g-ap',
  A: 'g-a',
  'A-': 'g-am',
  B: 'g-b',
  C: 'g-c',
  D: 'g-d',
  E: 'g-e',
  F: 'g-f',
  M: 'g-m',
  T: 'g-t',
};

function letterCell(letter: string | null | undefined, title?: string): string {
  if (!letter) return '<td class="none">—</td>';
  const cls = Object.hasOwn(LETTER_CLASS, letter) ? LETTER_CLASS[letter as GradeLetter] : 'g-unknown';
  const t = title ? ` title="${escapeHtml(title)}"` : '';
  return `<td class="grade ${cls}"${t}>${escapeHtml(letter)}</td>`;
}

const DAY_MS = 86_400_000;

/** The certificate of the result's endpoints that expires first, with whole days left (negative: expired). */
export function soonestExpiry(result: ScanResult | null, now: Date): { days: number; certificate: CertificateResult } | null {
  let best: { days: number; certificate: CertificateResult; at: number } | null = null;
  for (const ep of result?.endpoints ?? []) {
    const c = ep.certificate;
    if (!c) continue;
    const at = Date.parse(c.notAfter);
    if (!Number.isFinite(at)) continue;
    if (!best || at < best.at) best = { days: Math.floor((at - now.getTime()) / DAY_MS), certificate: c, at };
  }
  return best && { days: best.days, certificate: best.certificate };
}

function expiryCell(result: ScanResult | null, now: Date): string {
  const soonest = soonestExpiry(result, now);
  if (!soonest) return '<td class="none">—</td>';
  const { days, certificate } = soonest;
  const cls = days < 0 ? 'bad' : days < 14 ? 'warn' : 'good';
  const text = days < 0 ? `expired ${-days} d ago` : `${days} d`;
  const title = `${certificate.subject}, not after ${certificate.notAfter}`;
  return `<td class="num ${cls}" title="${escapeHtml(title)}">${escapeHtml(text)}</td>`;
}

/** Why a scan failed, in one line: the domain-level error, else the first endpoint error. */
function failureReason(r: ScanResult): string {
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  const ep = r.endpoints.find((e) => e.error);
  if (ep?.error) return `${ep.error.code}: ${ep.error.message}`;
  return 'no endpoint could be scanned';
}

/** renderDomainGrade, or nothing for a grade that is not well formed (an old or edited state file). */
function gradeSummary(grade: DomainGrade): string | undefined {
  try {
    return renderDomainGrade(grade);
  } catch {
    return undefined;
  }
}

/** The software the domain reported (XEP-0092), as it sent it (escaped); — without an answer. */
function softwareCell(e: StoredEntry): string {
  const s = answeredSoftware(e);
  if (!s) return '<td class="none">—</td>';
  const text = [s.name, s.version].filter((x) => x).join(' ') || '—';
  return `<td${s.os ? ` title="${escapeHtml(s.os)}"` : ''}>${escapeHtml(text)}</td>`;
}

/**
 * Why the grade is what it is, in a few words: the most severe cap of the endpoint that set the
 * domain's letter ("F: EXPORT suites"), or why there is no grade.
 */
export function gradeReason(r: ScanResult): string {
  const letter = r.grade?.letter;
  if (!letter) {
    if (r.error) return `no grade: ${r.error.code}`;
    const ep = r.endpoints.find((x) => x.status !== 'skipped') ?? r.endpoints[0];
    return ep ? `no grade: ${ungradedReason(ep)?.code ?? 'not graded'}` : 'no grade: no endpoint';
  }
  const worst = r.endpoints.find((ep) => ep.grade?.letter === letter)?.grade;
  const cap = worst?.caps[0];
  if (!cap) return worst?.warnings.length ? `${letter}: ${worst.warnings.map((w) => w.code.replaceAll('_', ' ')).join(', ')}` : letter;
  return `${letter}: ${cap.code.replaceAll('_', ' ')}`;
}

/** "3 h ago", "in 20 min", "just now": for a person; the exact time goes in the title. */
export function relativeTime(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  const [n, unit] = abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86_400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86_400), 'd'];
  return seconds < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

function timeCell(iso: string, now: Date): string {
  const at = new Date(iso);
  if (!Number.isFinite(at.getTime())) return `<td>${escapeHtml(iso)}</td>`;
  return `<td><time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${escapeHtml(relativeTime(at, now))}</time></td>`;
}

function nextScanCell(next: NextScan, now: Date): string {
  if (next === null) return '<td class="none">—</td>';
  if (next === 'running') return '<td>running now</td>';
  if (next === 'queued') return '<td>waiting for a slot</td>';
  return timeCell(next.toISOString(), now);
}

/** What the results table needs besides the entries. */
export interface ResultsTableInput {
  now: Date;
  nextScan?: (domain: string, mode: Mode) => NextScan;
  /** Put before the table's relative links: '' on `/`, '../' on a page one level down. */
  base: string;
}

function row(e: StoredEntry, input: ResultsTableInput): string {
  const { now, base } = input;
  const domainPath = escapeHtml(encodeURIComponent(e.domain));
  const facts = e.lastGood ?? e.latest;
  const grade = facts.grade;
  const ok = scanSucceeded(e.latest);
  const cells = [
    `<td class="domain"><a href="${base}domain/${domainPath}">${escapeHtml(e.domain)}</a></td>`,
    `<td>${escapeHtml(e.mode)}</td>`,
    letterCell(grade?.letter, grade ? gradeSummary(grade) : undefined),
    `<td>${escapeHtml(gradeReason(facts))}</td>`,
    letterCell(grade?.letterIgnoringTrust),
    expiryCell(e.lastGood, now),
    timeCell(e.latest.startedAt, now),
    ...(input.nextScan ? [nextScanCell(input.nextScan(e.domain, e.mode), now)] : []),
    softwareCell(e),
    ok ? '<td class="good">ok</td>' : `<td class="bad">failed: ${escapeHtml(failureReason(e.latest))}</td>`,
    `<td><a href="${base}api/v1/results/${domainPath}?mode=${escapeHtml(encodeURIComponent(e.mode))}">JSON</a></td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

export const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem;margin-bottom:.2rem}
.meta{color:#666}p.meta{margin-top:0}
table{border-collapse:collapse;margin-top:1rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.grade{font-weight:bold;text-align:center;color:#fff}
td.num{text-align:right}
td.none{color:#999;text-align:center}
h2{font-size:1.1rem;margin-top:1.5rem}
ul.changes{padding-left:1.2rem}ul.changes li{margin:.3rem 0}
.g-ap,.g-a{background:#2e7d32}.g-am{background:#558b2f}.g-b{background:#9e9d24}.g-c{background:#f9a825}
.g-d{background:#ef6c00}.g-e{background:#e65100}.g-f{background:#c62828}.g-m,.g-t{background:#6a1b9a}.g-unknown{background:#757575}
.good{color:#2e7d32}.warn{color:#ef6c00;font-weight:bold}.bad{color:#c62828;font-weight:bold}
`;

/** Under the table, on both pages. */
export const TABLE_NOTE =
  'Grades and certificate expiry come from the last successful scan of each target; "Last scan" and "Result" from the most recent one. "Why" names the most severe reason capping the grade (hover a grade for all of them); hover a time for the exact one.';

/** The table of targets, one row per entry; each domain links to its page (`domain/DOMAIN`, domain-page.ts). */
export function resultsTable(entries: readonly StoredEntry[], input: ResultsTableInput): string {
  const headers = [
    'Domain',
    'Mode',
    'Grade',
    'Why',
    'Ignoring trust',
    'Certificate expiry',
    'Last scan',
    ...(input.nextScan ? ['Next scan'] : []),
    'Software',
    'Result',
    'Details',
  ];
  const rows = entries.length ? entries.map((e) => row(e, input)).join('\n') : `<tr><td colspan="${headers.length}" class="none">No results yet.</td></tr>`;
  return `<table>
<thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** " · shard 1/3: owns 42 of the fleet's 130 targets" (nothing without sharding). */
function shardText(shard: ShardStatus | undefined): string {
  if (!shard || shard.count === 1) return '';
  return ` · shard ${shard.index}/${shard.count}: owns ${shard.targets} of the fleet's ${shard.fleetTargets} targets`;
}

/** The whole page. Relative links, so it also works behind a reverse proxy under a path prefix. */
export function renderStatusPage(input: StatusPageInput): string {
  const { entries, version, ready, now } = input;
  const readiness = ready ? 'ready' : 'not ready (state not loaded or configuration not applied yet)';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xmpp-tls-exporter</title>
<style>${STYLE}</style>
</head>
<body>
<h1>xmpp-tls-exporter</h1>
<p class="meta">Version ${escapeHtml(version)} · ${escapeHtml(readiness)} · ${entries.length} target${entries.length === 1 ? '' : 's'}${shardText(input.shard)} · page generated ${escapeHtml(now.toISOString())}</p>
<p><a href="metrics">Metrics</a> · <a href="api/v1/results">Results (JSON)</a> · <a href="report">Survey report</a></p>
${resultsTable(entries, { ...input, base: '' })}
<p class="meta">${TABLE_NOTE} Click a domain for its history of changes.</p>
</body>
</html>
`;
}
