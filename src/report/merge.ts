import { type BucketOrder, compareRows, sortBuckets } from './aggregate.js';
import type { Bucket, ModeSummary, SurveyReport } from './types.js';

// The reports of a sharded fleet's replicas (each its daemon's /report.json) → one survey report,
// the same as one daemon scanning every target would write. That is possible without the scan
// results because shards are disjoint sets of domains and every count of a mode summary counts each
// (domain, mode) at most once: counts add up, distributions add up key by key. Pure.
//
// It refuses what would make a wrong survey: a shard missing, two replicas answering for one shard
// or one target, replicas disagreeing on the shard count or on the grading profile.

export interface ReplicaReport {
  /** Where it came from (a URL, a file), for messages. */
  from: string;
  report: SurveyReport;
}

export class MergeError extends Error {
  override name = 'MergeError';
}

export interface MergedReport {
  report: SurveyReport;
  /** Not wrong, but worth saying: a replica has not scanned all its targets yet. */
  warnings: string[];
}

// How aggregate() orders each distribution, by its path in ModeSummary; a merged list is sorted the same way.
const BUCKET_ORDER: Readonly<Record<string, BucketOrder>> = {
  'certificates.selfSignedInChainIssuers': 'count',
  'keys.rsaBits': 'numeric',
  'keys.ecCurves': 'count',
  'keys.other': 'count',
  'dh.sizes': 'numeric',
  'software.products': 'count',
  'software.versions': 'count',
  'software.unknownReasons': 'count',
  'simulation.cannotConnect': 'key',
};

/** Merges the replicas' reports; throws a MergeError naming the replicas when they are not one complete fleet. */
export function mergeReports(parts: readonly ReplicaReport[], source: string): MergedReport {
  if (parts.length === 0) throw new MergeError('no replica reports to merge');
  const warnings = checkShards(parts);
  checkTargetsOnce(parts);
  const profiles = new Map<string, string[]>();
  for (const { from, report } of parts) if (report.profile !== null) profiles.set(report.profile, [...(profiles.get(report.profile) ?? []), from]);
  if (profiles.size > 1) {
    const which = [...profiles].map(([profile, froms]) => `${profile} (${froms.join(', ')})`).join('; ');
    throw new MergeError(`the replicas grade with different profiles: ${which}; give them one grading.profile`);
  }

  const modes = (['c2s', 's2s'] as const).flatMap((mode) => {
    const summaries = parts.flatMap((p) => p.report.modes.filter((m) => m.mode === mode));
    return summaries.length === 0 ? [] : [summaries.reduce((a, b) => addSummaries(a, b) as ModeSummary)];
  });
  const first = parts[0]!.report;
  return {
    report: {
      reportVersion: first.reportVersion,
      // Expiry days were counted from each replica's time; they are seconds apart. The earliest is the honest one.
      generatedAt: parts.map((p) => p.report.generatedAt).sort()[0]!,
      profile: (profiles.keys().next().value as SurveyReport['profile'] | undefined) ?? null,
      source,
      scanner: first.scanner,
      modes,
      domains: parts.flatMap((p) => p.report.domains).sort(compareRows),
    },
    warnings,
  };
}

/** Every shard 0…count-1 exactly once, one count; returns the warnings (replicas still scanning). */
function checkShards(parts: readonly ReplicaReport[]): string[] {
  const missingShard = parts.find((p) => !p.report.shard);
  if (missingShard) throw new MergeError(`${missingShard.from}: the report says no shard (not a daemon's /report.json, or a daemon older than sharding)`);
  const counts = new Set(parts.map((p) => p.report.shard!.count));
  if (counts.size > 1) {
    const which = parts.map((p) => `${p.from} is ${p.report.shard!.index}/${p.report.shard!.count}`).join(', ');
    throw new MergeError(`the replicas disagree on the number of shards: ${which}`);
  }
  const count = [...counts][0]!;
  const byIndex = new Map<number, string[]>();
  for (const p of parts) byIndex.set(p.report.shard!.index, [...(byIndex.get(p.report.shard!.index) ?? []), p.from]);
  const twice = [...byIndex].filter(([, froms]) => froms.length > 1);
  if (twice.length > 0)
    throw new MergeError(twice.map(([index, froms]) => `shard ${index}/${count} answered by ${froms.length} replicas: ${froms.join(', ')}`).join('; '));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new MergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: no replica given answered for ${missing.length > 1 ? 'them' : 'it'} (the report would leave out its targets)`,
    );
  return parts
    .filter((p) => p.report.domains.length < p.report.shard!.targets)
    .map(
      (p) => `${p.from} (shard ${p.report.shard!.index}/${count}) has results for ${p.report.domains.length} of its ${p.report.shard!.targets} targets so far`,
    );
}

function checkTargetsOnce(parts: readonly ReplicaReport[]): void {
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for (const { from, report } of parts) {
    for (const row of report.domains) {
      const key = `${row.domain} (${row.mode})`;
      const other = owner.get(key);
      if (other !== undefined && other !== from) clashes.push(`${key} in ${other} and ${from}`);
      owner.set(key, from);
    }
  }
  if (clashes.length > 0) {
    const shown = clashes.slice(0, 5).join('; ') + (clashes.length > 5 ? `; and ${clashes.length - 5} more` : '');
    throw new MergeError(`two replicas claim the same target: ${shown} (do they share one shard configuration?)`);
  }
}

/** a + b, field by field: numbers add, distributions add key by key, anything else must be equal (mode) or null (s2s of c2s). */
function addSummaries(a: unknown, b: unknown, path = ''): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return addBuckets(a as Bucket[], b as Bucket[], BUCKET_ORDER[path] ?? 'count');
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      out[key] = addSummaries((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    }
    return out;
  }
  if (a === b) return a;
  throw new MergeError(`cannot merge ${path || 'the summaries'}: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

function addBuckets(a: readonly Bucket[], b: readonly Bucket[], order: BucketOrder): Bucket[] {
  const sum = new Map<string, number>();
  for (const { key, count } of [...a, ...b]) sum.set(key, (sum.get(key) ?? 0) + count);
  return sortBuckets(
    [...sum].map(([key, count]) => ({ key, count })),
    order,
  );
}
