import { readFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Reads the bundled Grafana dashboards (grafana/dashboards/*.json) and lists every query of every panel, so
// tests can run them against a real Prometheus with the template variables filled in as Grafana would.

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DASHBOARD_DIR = join(ROOT, 'grafana/dashboards');
export const DASHBOARD_FILES = ['xmpp-tls-fleet.json', 'xmpp-tls-domain.json'] as const;

export interface GrafanaTarget {
  refId: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  id: null | number;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  panelType: string;
  refId: string;
  expr: string;
  /** Grafana runs it as an instant query (stat, table, bar gauge) rather than over the time range. */
  instant: boolean;
}

export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard;
}

/** Every panel, those inside rows included. */
export function allPanels(d: Dashboard): GrafanaPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function panelQueries(d: Dashboard): PanelQuery[] {
  return allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.expr !== undefined)
      .map((t) => ({ dashboard: d.title, panel: p.title, panelType: p.type, refId: t.refId, expr: t.expr as string, instant: t.instant === true })),
  );
}

/**
 * Fills in the template variables as Grafana does for Prometheus: a multi-value variable becomes a regex
 * alternation `(a|b)`, `$__range`/`$__interval`/`$__rate_interval` durations.
 */
export function substitute(expr: string, vars: Record<string, string>, durations = { range: '5m', interval: '15s', rateInterval: '1m' }): string {
  let out = expr.replaceAll('$__rate_interval', durations.rateInterval).replaceAll('$__interval', durations.interval).replaceAll('$__range', durations.range);
  // Longest names first, so $domain never eats a prefix of a longer variable name.
  for (const name of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(`\${${name}}`, vars[name] as string).replaceAll(`$${name}`, vars[name] as string);
  }
  return out;
}

/** The metric names a PromQL expression uses (xmpp_tls_*, and Prometheus' own ALERTS). */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\b(xmpp_tls_[a-z0-9_]+|ALERTS)\b/g) ?? [])];
}

/** An instant query's samples keyed by their label sets (sorted), to compare what two Prometheus servers answer. */
export function answerByLabels(samples: readonly { metric: Record<string, string>; value?: [number, string] }[]): Map<string, number> {
  return new Map(samples.map((s) => [JSON.stringify(Object.entries(s.metric).sort()), Number(s.value?.[1])]));
}

/**
 * Expects two answers to `promql` to be the same: the same label sets, and values equal but for what
 * moves between two queries or two scans: days to expiry (`/ 86400`) within a hundredth of a day,
 * ages from `time()` within `ageSeconds`.
 */
export function expectSameAnswers(a: Map<string, number>, b: Map<string, number>, promql: string, ageSeconds: number): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  const tolerance = promql.includes('/ 86400') ? 0.01 : promql.includes('time()') ? ageSeconds : 1e-9;
  for (const [labels, v] of a) expect([labels, Math.abs((b.get(labels) ?? Number.NaN) - v) <= tolerance]).toEqual([labels, true]);
}
