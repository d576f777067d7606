import type { Mode, ScanResult } from '../result/types.js';
import { type HistoryEntry, parseSince, scanSucceeded, type StoredEntry } from '../store/index.js';

// The JSON API over the result store.
//
//   GET /api/v1/results[?mode=c2s|s2s]          every target: an array of ResultsApiEntry
//   GET /api/v1/results/DOMAIN[?mode=c2s|s2s]   that domain's targets (one per mode): an array too
//   GET /api/v1/results/DOMAIN/history[?mode=c2s|s2s][&since=30d|2026-11-01]
//                                               what changed, from the results database: a HistoryApiAnswer
//
// The first two also say which shard answered (SHARD_HEADER, TARGETS_HEADER below).
//
// Each entry carries both scans in full (the result document, docs/result.md): `latest`, what the
// most recent scan found whether or not it worked, and `lastGood`, the most recent scan that
// succeeded (null when none ever did), which is where the facts shown on the status page and in
// the metrics come from while a target is failing. `latestSucceeded` says whether they are the same
// scan, so clients need not repeat the store's success rule. When the latest scan succeeded the
// two are the same document, sent twice: a simple, uniform shape is worth the bytes here (use
// `?mode=` or the per-domain route to fetch less).

/** Which share of the fleet this replica scans (docs/configuration.md#shard). */
export interface ShardStatus {
  /** 0-based. */
  index: number;
  count: number;
  /** Targets (domain × mode) this replica owns. */
  targets: number;
  /** Targets of the whole configured fleet. */
  fleetTargets: number;
}

/**
 * Sent with every /api/v1/results answer, so that a client merging replicas knows whose share it
 * got: `Xmpp-Tls-Exporter-Shard: 1/3` and `Xmpp-Tls-Exporter-Targets: 42` (the targets this replica
 * owns). Headers rather than fields: the answer stays the array it always was.
 */
export const SHARD_HEADER = 'Xmpp-Tls-Exporter-Shard';
export const TARGETS_HEADER = 'Xmpp-Tls-Exporter-Targets';

export function shardHeaders(shard: ShardStatus): Record<string, string> {
  return { [SHARD_HEADER]: `${shard.index}/${shard.count}`, [TARGETS_HEADER]: String(shard.targets) };
}

export interface ResultsApiEntry {
  domain: string;
  mode: Mode;
  /** The latest scan succeeded (resolved, at least one endpoint scanned): then `lastGood` is the same scan. */
  latestSucceeded: boolean;
  latest: ScanResult;
  lastGood: ScanResult | null;
}

export function toApiEntry(e: StoredEntry): ResultsApiEntry {
  return { domain: e.domain, mode: e.mode, latestSucceeded: scanSucceeded(e.latest), latest: e.latest, lastGood: e.lastGood };
}

/** `?mode=`: absent → no filter; c2s/s2s → that mode; anything else → an error message. */
export function parseModeFilter(query: URLSearchParams): { ok: true; mode: Mode | null } | { ok: false; message: string } {
  const modes = query.getAll('mode');
  if (modes.length === 0) return { ok: true, mode: null };
  const [mode] = modes;
  if (modes.length > 1) return { ok: false, message: 'parameter "mode" given more than once' };
  if (mode !== 'c2s' && mode !== 's2s') return { ok: false, message: `bad parameter "mode": ${JSON.stringify(mode)} (expected c2s or s2s)` };
  return { ok: true, mode };
}

/**
 * `GET /api/v1/results/DOMAIN/history`: the states the domain's targets were in, oldest first (both
 * modes, interleaved by time, unless `mode`); with `since`, those current at that moment or later.
 * Each state says what changed from the one before (`changes`, empty for the first state recorded)
 * and how long it lasted (`at` … `lastSeenAt`, over `scans` scans).
 */
export interface HistoryApiAnswer {
  domain: string;
  mode: Mode | null;
  /** The moment `since` named, as an ISO time; null without it. */
  since: string | null;
  history: HistoryEntry[];
}

/** `?since=`: absent → no limit; a duration back from `now` (30d, 12h) or an ISO date/time → that moment; anything else → an error message. */
export function parseSinceFilter(query: URLSearchParams, now: Date): { ok: true; since: Date | null } | { ok: false; message: string } {
  const values = query.getAll('since');
  if (values.length === 0) return { ok: true, since: null };
  if (values.length > 1) return { ok: false, message: 'parameter "since" given more than once' };
  try {
    return { ok: true, since: parseSince(values[0]!, now) };
  } catch (err) {
    return { ok: false, message: `bad parameter "since": ${(err as Error).message}` };
  }
}
