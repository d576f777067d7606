// The Prometheus text format (0.0.4) of the exporter's samples, spelt as prom-client spells the process metrics
// that follow them on /metrics (values, escapes, `Nan`), without its per-series costs: the shared labels of an
// endpoint are escaped and joined once for its ~45 series, and no label hash map is built. With a few thousand
// endpoints a store holds some 10^5 series, which prom-client renders an order of magnitude slower
// (BENCHMARKS.md).
import type { Family } from './families.js';
import type { Labels, Sample } from './samples.js';

const NEEDS_ESCAPE = /[\\\n"]/;

/** A label value as the text format wants it: backslash, newline and double quote escaped. */
export function escapeLabelValue(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

/** A HELP text: backslash and newline escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  let s = '';
  for (const k in labels) s += `${s ? ',' : ''}${k}="${escapeLabelValue(labels[k] as string)}"`;
  return s;
}

/** A sample value as prom-client prints it. */
function valueText(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

/** The HELP and TYPE lines of a family. */
export function familyHeader(f: Family): string[] {
  return [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
}

/** The label text of a sample (`a="x",b="y"`, shared labels first), '' without labels. */
export function sampleLabelText(s: Sample): string {
  let labels = '';
  if (s.base) {
    s.base.text ??= labelText(s.base.labels);
    labels = s.base.text;
  }
  if (s.extra) {
    const extra = labelText(s.extra);
    if (extra) labels = labels ? `${labels},${extra}` : extra;
  }
  return labels;
}

/** One sample line. */
export function sampleLine(name: string, labels: string, value: number): string {
  return labels ? `${name}{${labels}} ${valueText(value)}` : `${name} ${valueText(value)}`;
}

/** Appends one line per sample to `out`. */
export function renderSamples(f: Family, samples: readonly Sample[], out: string[]): void {
  for (const s of samples) out.push(sampleLine(f.name, sampleLabelText(s), s.value));
}
