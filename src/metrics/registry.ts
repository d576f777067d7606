// The expositions of /metrics and /probe, derived from the result store at each scrape, so removed targets leave no
// stale series and certificate expiry is counted from the scrape time.
//
// One path: the exporter's own families (targets, endpoints, exporter stats, /probe) are rendered here (render.ts),
// never through prom-client: a store of a few thousand endpoints holds some 10^5 series, which prom-client builds and
// renders an order of magnitude slower. Each target's lines come from the per-target cache (target-lines.ts); only
// xmpp_tls_certificate_expiry_seconds and the few exporter or probe series are computed at every scrape. The text
// is written into reused 1 MiB blocks (blocks.ts), never one big string. `metrics.detail: domain` renders one set of
// series per target instead of one per endpoint (samples.ts addDomainTargetSamples; /probe always has every endpoint).
//
// prom-client keeps what is a prom-client metric by nature: the Node.js process metrics and the scan start-delay
// histogram, in a registry of their own (`promClient`) whose text follows the exporter's families.
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { scanSucceeded, type StoredEntry } from '../store/index.js';
import { SCANNER } from '../version.js';
import { BlockPool, BlockWriter, renderedLines } from './blocks.js';
import { ENDPOINT_FAMILIES, EXPORTER_FAMILIES, type Family, type MetricsDetail, PROBE_FAMILIES } from './families.js';
import { familyHeader, renderSamples, sampleLine } from './render.js';
import { addExporterSamples, type ExporterStats, expirySeconds, SampleSink, uniqueTargets } from './samples.js';
import { createTargetLinesCache, type TargetLines, type TargetLinesCache, targetFamilies } from './target-lines.js';

export interface MetricsRegistryOptions {
  /** The stored targets, read once per scrape (ResultStore.all). */
  entries: () => StoredEntry[];
  /** The daemon's counters, read once per scrape. */
  stats: () => ExporterStats;
  /** The clock for certificate expiry; default the system clock. */
  now?: () => Date;
  /** Node.js process metrics (process_*, nodejs_*); default true. */
  defaultMetrics?: boolean;
  /**
   * `metrics.detail` (resolved: metricsDetail()), read at each scrape: every endpoint's series, or one set per target
   * (domain, mode) holding its worst endpoint's values. Default every endpoint.
   */
  detail?: () => MetricsDetail;
}

export interface ProbeRegistryOptions {
  now?: () => Date;
  /**
   * probe_success: did the probe succeed? Default: there is at least one entry and every entry's latest scan
   * succeeded.
   */
  success?: boolean;
  /** probe_duration_seconds. Default: the longest duration of the entries' latest scans (0 without entries). */
  durationSeconds?: number;
}

/** The text of /metrics or /probe (the Prometheus text format 0.0.4). */
export interface MetricsRegistry {
  /** The Content-Type of the text. */
  readonly contentType: string;
  /** The metrics that are prom-client objects (process metrics, the start-delay histogram), exposed after ours. */
  readonly promClient: Registry;
  /** The text as UTF-8 blocks of up to 1 MiB: what /metrics sends. */
  exposition(): Promise<Buffer[]>;
  /** Hands the blocks of an exposition() back for reuse once they are sent (optional). */
  release(blocks: readonly Buffer[]): void;
  /** The same text as one string (/probe, tests). */
  metrics(): Promise<string>;
}

const EXPIRY = ENDPOINT_FAMILIES.certificateExpirySeconds.name;

/** Blocks kept for reuse: enough for ~64 MiB of exposition. */
const POOLED_BLOCKS = 64;

/** Where a StoreRegistry takes its series from. */
interface Source {
  entries: () => readonly StoredEntry[];
  now: () => Date;
  detail: () => MetricsDetail;
  /** Families not derived from the targets (exporter or probe metrics), computed at each scrape, in order. */
  others: readonly Family[];
  addOthers: (sink: SampleSink) => void;
}

class StoreRegistry implements MetricsRegistry {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly promClient = new Registry();
  /** Lines at one detail: a change of detail (a reload) starts a new cache and lets the old one go. */
  private cache: TargetLinesCache = createTargetLinesCache('endpoint');
  private readonly pool = new BlockPool(POOLED_BLOCKS);

  constructor(private readonly source: Source) {}

  async metrics(): Promise<string> {
    const blocks = await this.exposition();
    const text = Buffer.concat(blocks).toString('utf8');
    this.release(blocks);
    return text;
  }

  release(blocks: readonly Buffer[]): void {
    this.pool.give(blocks);
  }

  async exposition(): Promise<Buffer[]> {
    const detail = this.source.detail();
    if (this.cache.detail !== detail) this.cache = createTargetLinesCache(detail);
    // One scrape of 20,000 targets is seconds of work the first time (every document decoded) and
    // writes tens of MB after: /healthz, /probe and the scans' I/O get a turn every ~10 ms of it.
    const turns = new EventLoopTurns();
    // This scrape's cache, even if a concurrent one with another detail replaces it while this one yields.
    const targets = await targetLines(this.cache, uniqueTargets(this.source.entries()), turns);
    const nowMs = this.source.now().getTime();
    const others = new SampleSink();
    this.source.addOthers(others);
    const foreign = this.promClient.getMetricsAsArray().length > 0 ? await this.promClient.metrics() : null;

    // A family's lines, then an empty line before the next family (as prom-client separates its families).
    const out = new BlockWriter(this.pool);
    for (const [i, f] of targetFamilies(detail).entries()) {
      if (turns.due()) await turns.take();
      if (i > 0) out.line('');
      for (const header of familyHeader(f)) out.line(header);
      if (f.name === EXPIRY) {
        for (const t of targets) for (const e of t.expiry) out.line(sampleLine(f.name, e.labels, expirySeconds(e.notAfterSeconds, nowMs)));
        continue;
      }
      for (const t of targets) t.writeTo(out, f.name);
    }
    for (const f of this.source.others) {
      out.line('');
      const lines = familyHeader(f);
      renderSamples(f, others.samples.get(f.name) ?? [], lines);
      for (const line of lines) out.line(line);
    }
    if (foreign !== null) {
      out.line('');
      out.lines(renderedLines(foreign));
    }
    return out.finish();
  }
}

/** Longest stretch of rendering between two turns of the event loop. */
const RENDER_SLICE_MS = 10;

/** Tells a long piece of work when it has held the event loop for RENDER_SLICE_MS, and gives it a turn. */
class EventLoopTurns {
  private since = performance.now();

  due(): boolean {
    return performance.now() - this.since > RENDER_SLICE_MS;
  }

  async take(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}

/** Each target's lines from the cache, rendering those rescanned since the last scrape (each decodes its stored result). */
async function targetLines(cache: TargetLinesCache, entries: readonly StoredEntry[], turns: EventLoopTurns): Promise<TargetLines[]> {
  const lines: TargetLines[] = [];
  for (const entry of entries) {
    lines.push(cache.get(entry));
    if (turns.due()) await turns.take();
  }
  return lines;
}

/** prom-client default metrics that are gauges named `_total`, removed so promtool finds nothing to report. */
const NODEJS_TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/**
 * The registry behind /metrics: every stored target's series, the exporter's own metrics and (unless
 * `defaultMetrics: false`) the Node.js process metrics.
 */
export function createMetricsRegistry(opts: MetricsRegistryOptions): MetricsRegistry {
  const build = { version: SCANNER.version, nodeVersion: process.version };
  const registry = new StoreRegistry({
    entries: opts.entries,
    now: opts.now ?? (() => new Date()),
    detail: opts.detail ?? (() => 'endpoint'),
    others: Object.values(EXPORTER_FAMILIES),
    addOthers: (sink) => addExporterSamples(sink, opts.stats(), build),
  });
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry.promClient });
    // prom-client also registers nodejs_active_{handles,requests,resources}_total, gauges with a `_total` suffix
    // that `promtool check metrics` rejects (the suffix is for counters). The same totals stay available without
    // the suffix: nodejs_active_handles, nodejs_active_requests and nodejs_active_resources (by type).
    for (const name of NODEJS_TOTAL_GAUGES) registry.promClient.removeSingleMetric(name);
  }
  return registry;
}

/**
 * xmpp_tls_scan_start_delay_seconds, on `registry`'s /metrics: how long each scan waited for a free slot after it
 * was due (the daemon observes it when a scan starts). Scans that start late say `concurrency.domains` is too low,
 * or that slow targets hold the slots.
 */
export function createScanStartDelayHistogram(registry: MetricsRegistry): Histogram {
  return new Histogram({
    name: 'xmpp_tls_scan_start_delay_seconds',
    help: 'Time scans waited for a free slot after they were due (their jittered tick, a start-up scan or a /probe request), in seconds.',
    buckets: [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers: [registry.promClient],
  });
}

/**
 * The registry of a blackbox-style /probe answer: the series of `entries` (the probed target's, usually its c2s
 * and s2s entries), probe_success and probe_duration_seconds; no exporter or process metrics.
 */
export function createProbeRegistry(entries: StoredEntry[], opts: ProbeRegistryOptions = {}): MetricsRegistry {
  const success = opts.success ?? (entries.length > 0 && entries.every((e) => scanSucceeded(e.latest)));
  const duration = opts.durationSeconds ?? entries.reduce((max, e) => Math.max(max, e.latest.durationSeconds), 0);
  return new StoreRegistry({
    entries: () => entries,
    now: opts.now ?? (() => new Date()),
    // /probe answers for one target: always every endpoint.
    detail: () => 'endpoint',
    others: Object.values(PROBE_FAMILIES),
    addOthers: (sink) => {
      sink.add(PROBE_FAMILIES.probeSuccess, null, null, success ? 1 : 0);
      sink.add(PROBE_FAMILIES.probeDuration, null, null, duration);
    },
  });
}
