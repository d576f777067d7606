import { letterRank } from '../grading/index.js';
import type { GradeLetter } from '../grading/index.js';
import type { Mode } from '../result/types.js';
import { REPORT_VERSION } from './types.js';
import type { DomainDiff, DomainRow, DomainStatus, ModeSummary, ReportDiff, RowChange, SurveyReport, TotalDiff } from './types.js';

// Two survey reports → what changed: per (domain, mode) the grade, the grade ignoring trust, the
// status (newly unreachable…), the protocols, the certificate (renewed or replaced) and the
// software; and every count of the summaries that moved. Pure, like aggregate().

/** Throws when `value` is not a report document this version can compare (a JSON file read from disk). */
export function parseReport(value: unknown, name: string): SurveyReport {
  const r = value as Partial<SurveyReport> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${name}: not a report (expected a JSON object)`);
  if (r.reportVersion !== REPORT_VERSION)
    throw new Error(`${name}: not a report of version ${REPORT_VERSION} (reportVersion ${JSON.stringify(r.reportVersion)})`);
  if (!Array.isArray(r.modes) || !Array.isArray(r.domains) || typeof r.generatedAt !== 'string')
    throw new Error(`${name}: not a report (modes, domains or generatedAt missing)`);
  return r as SurveyReport;
}

const STATUS_GOODNESS: Readonly<Record<DomainStatus, number>> = { ok: 2, no_tls: 1, unreachable: 0, not_serving: 0 };

function direction(a: number | null, b: number | null): RowChange['direction'] {
  if (a === null || b === null || a === b) return null;
  return b > a ? 'better' : 'worse';
}

function rank(letter: GradeLetter | null): number | null {
  try {
    return letter === null ? null : letterRank(letter);
  } catch {
    return null; // a letter this version does not know
  }
}

function certificateText(row: DomainRow): string | null {
  const c = row.certificate;
  return c ? `expires ${c.notAfter.slice(0, 10)}, SHA-256 ${c.fingerprintSha256.slice(0, 11)}` : null;
}

function rowChanges(a: DomainRow, b: DomainRow): RowChange[] {
  const changes: RowChange[] = [];
  const add = (field: RowChange['field'], o: string | null, n: string | null, dir: RowChange['direction'] = null) => {
    if (o !== n) changes.push({ field, old: o, new: n, direction: dir });
  };
  add('status', a.status, b.status, direction(STATUS_GOODNESS[a.status] ?? null, STATUS_GOODNESS[b.status] ?? null));
  add('grade', a.grade, b.grade, direction(rank(a.grade), rank(b.grade)));
  add('gradeIgnoringTrust', a.gradeIgnoringTrust, b.gradeIgnoringTrust, direction(rank(a.gradeIgnoringTrust), rank(b.gradeIgnoringTrust)));
  add('protocols', a.protocols.join(' ') || null, b.protocols.join(' ') || null);
  // Another fingerprint or expiry is another certificate (renewed, replaced); the dates say which way.
  if (a.certificate?.fingerprintSha256 !== b.certificate?.fingerprintSha256 || a.certificate?.notAfter !== b.certificate?.notAfter) {
    add('certificate', certificateText(a), certificateText(b));
  }
  add('software', a.software, b.software);
  return changes;
}

/** Every number of a summary, by path (`grades.letters.A+`, `keys.rsaBits.2048`); distributions keyed by their bucket. */
export function flattenCounts(value: unknown, path = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number') out.set(path, value);
  else if (Array.isArray(value)) {
    for (const b of value as { key?: unknown; count?: unknown }[])
      if (typeof b?.key === 'string' && typeof b.count === 'number') out.set(`${path}.${b.key}`, b.count);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenCounts(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

function totals(oldModes: readonly ModeSummary[], newModes: readonly ModeSummary[]): TotalDiff[] {
  const out: TotalDiff[] = [];
  for (const mode of ['c2s', 's2s'] as const) {
    const before = flattenCounts(oldModes.find((m) => m.mode === mode) ?? {});
    const after = flattenCounts(newModes.find((m) => m.mode === mode) ?? {});
    for (const path of new Set([...before.keys(), ...after.keys()])) {
      const o = before.get(path) ?? 0;
      const n = after.get(path) ?? 0;
      if (o !== n) out.push({ mode, path, old: o, new: n });
    }
  }
  return out;
}

const key = (r: { mode: Mode; domain: string }) => `${r.mode}:${r.domain}`;

function appeared(row: DomainRow, kind: 'added' | 'removed'): DomainDiff {
  const pair = (v: string | null): [string | null, string | null] => (kind === 'added' ? [null, v] : [v, null]);
  const changes: RowChange[] = [
    { field: 'status', old: pair(row.status)[0], new: pair(row.status)[1], direction: null },
    { field: 'grade', old: pair(row.grade)[0], new: pair(row.grade)[1], direction: null },
  ];
  return { domain: row.domain, mode: row.mode, kind, changes };
}

/** Worse changes first, then added and removed domains, then the rest; by name within each. */
function diffOrder(d: DomainDiff): number {
  if (d.changes.some((c) => c.direction === 'worse')) return 0;
  if (d.kind !== 'changed') return 1;
  return d.changes.some((c) => c.direction === 'better') ? 3 : 2;
}

export function compareReports(oldReport: SurveyReport, newReport: SurveyReport): ReportDiff {
  const before = new Map(oldReport.domains.map((r) => [key(r), r]));
  const after = new Map(newReport.domains.map((r) => [key(r), r]));
  const domains: DomainDiff[] = [];
  let unchanged = 0;
  for (const [k, b] of after) {
    const a = before.get(k);
    if (!a) {
      domains.push(appeared(b, 'added'));
      continue;
    }
    const changes = rowChanges(a, b);
    if (changes.length === 0) unchanged++;
    else domains.push({ domain: b.domain, mode: b.mode, kind: 'changed', changes });
  }
  for (const [k, a] of before) if (!after.has(k)) domains.push(appeared(a, 'removed'));
  domains.sort((x, y) => diffOrder(x) - diffOrder(y) || x.domain.localeCompare(y.domain) || x.mode.localeCompare(y.mode));
  const meta = (r: SurveyReport) => ({ generatedAt: r.generatedAt, profile: r.profile, source: r.source ?? '' });
  return { old: meta(oldReport), new: meta(newReport), totals: totals(oldReport.modes, newReport.modes), domains, unchanged };
}
