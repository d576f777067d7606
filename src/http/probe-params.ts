import { normalizeDomain } from '../discovery/index.js';
import type { Mode } from '../result/types.js';

// Parameters of `GET /probe?target=DOMAIN&mode=c2s|s2s`, the multi-target exporter pattern
// (blackbox_exporter): Prometheus relabels each target into the `target` parameter and tells us in
// X-Prometheus-Scrape-Timeout-Seconds how long it will wait for the answer.

export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';
/** Prometheus' default scrape_timeout: what we assume when the header is missing. */
export const DEFAULT_SCRAPE_TIMEOUT_SECONDS = 10;
/** Kept back from the scrape timeout for rendering and sending the answer (blackbox_exporter's timeout_offset). */
export const SCRAPE_TIMEOUT_MARGIN_SECONDS = 0.5;
/**
 * Longest probe deadline we take from the header: one day (a scan's own budget, timeouts.scanSeconds,
 * is far shorter; and Node's timers cannot wait past ~24.8 days: a bigger delay fires at once).
 */
export const MAX_PROBE_TIMEOUT_SECONDS = 86_400;

export type ProbeParams = { ok: true; target: string; mode: Mode } | { ok: false; message: string };

/** Validates `target` (an XMPP domain, returned normalised: IDNA A-labels, lower case) and `mode`. */
export function parseProbeParams(query: URLSearchParams): ProbeParams {
  const targets = query.getAll('target');
  const modes = query.getAll('mode');
  if (targets.length === 0 || targets[0] === '') return { ok: false, message: 'missing parameter "target" (an XMPP domain, e.g. target=example.org)' };
  if (targets.length > 1) return { ok: false, message: 'parameter "target" given more than once' };
  if (modes.length === 0 || modes[0] === '') return { ok: false, message: 'missing parameter "mode" (c2s or s2s)' };
  if (modes.length > 1) return { ok: false, message: 'parameter "mode" given more than once' };
  const mode = modes[0];
  if (mode !== 'c2s' && mode !== 's2s') return { ok: false, message: `bad parameter "mode": ${JSON.stringify(mode)} (expected c2s or s2s)` };
  let target: string;
  try {
    target = normalizeDomain(targets[0]!);
  } catch (err) {
    return { ok: false, message: `bad parameter "target": ${(err as Error).message}` };
  }
  return { ok: true, target, mode };
}

/**
 * Seconds the probe may take: the scrape timeout Prometheus announces (default 10 s) less a margin
 * of 0.5 s, but never less than half of it (a 0.6 s scrape timeout gives 0.3 s, not 0.1 s), and
 * at most MAX_PROBE_TIMEOUT_SECONDS.
 * Throws on a header that is not a positive number (the caller answers 400).
 */
export function probeTimeoutSeconds(header: string | string[] | undefined): number {
  const raw = Array.isArray(header) ? header[0] : header;
  let scrape = DEFAULT_SCRAPE_TIMEOUT_SECONDS;
  if (raw !== undefined && raw.trim() !== '') {
    const text = raw.trim();
    scrape = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(scrape) || scrape <= 0) {
      throw new Error(`bad X-Prometheus-Scrape-Timeout-Seconds header ${JSON.stringify(raw)}: expected a positive number of seconds`);
    }
  }
  return Math.min(Math.max(scrape - SCRAPE_TIMEOUT_MARGIN_SECONDS, scrape / 2), MAX_PROBE_TIMEOUT_SECONDS);
}
