// prom-client registries whose series are derived from the result store at scrape time, so removed targets leave
// no stale series and certificate expiry is counted from the scrape time.
//
// Two ways lead from the store to the output, and give the same text (a unit test holds them side by side):
//  - every prom-client path (getMetricsAsJSON, getSingleMetricAsString, Registry.merge, default labels, …): each
//    family is a real Gauge or Counter whose collect() callback resets it and sets it from a snapshot of the store
//    taken once per scrape (samples.ts);
//  - registry.metrics(), the /metrics path, renders the families itself (render.ts). A store of a few thousand
//    endpoints holds some 10^5 series, which prom-client's path builds and renders an order of magnitude slower.
//    Each target's lines are rendered once per stored result and kept (keyed by the result objects, which the
//    store never changes: a rescan stores a new object) until the target is rescanned or removed; only
//    xmpp_tls_certificate_expiry_seconds, which depends on the scrape time, is computed at every scrape. The Node.js
//    process metrics go through prom-client as usual.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScanResult } from '../result/types.js';
import { scanSucceeded, type StoredEntry } from '../store/index.js';
import { SCANNER } from '../version.js';
import { ENDPOINT_FAMILIES, EXPORTER_FAMILIES, PROBE_FAMILIES, TARGET_FAMILIES, type Family } from './families.js';
import { familyHeader, renderSamples, sampleLabelText, sampleLine } from './render.js';
import {
  addExporterSamples,
  addTargetSamples,
  type ExporterStats,
  expirySeconds,
  SampleSink,
  sampleLabels,
  type Samples,
  uniqueTargets,
} from './samples.js';

export interface MetricsRegistryOptions {
  /** The stored targets, read once per scrape (ResultStore.all). */
  entries: () => StoredEntry[];
  /** The daemon's counters, read once per scrape. */
  stats: () => ExporterStats;
  /** The clock for certificate expiry; default the system clock. */
  now?: () => Date;
  /** Node.js process metrics (process_*, nodejs_*); default true. */
  defaultMetrics?: boolean;
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

/** The families derived from stored targets, in the order they are exposed. */
const TARGET_AND_ENDPOINT: readonly Family[] = [...Object.values(ENDPOINT_FAMILIES), ...Object.values(TARGET_FAMILIES)];
const EXPIRY = ENDPOINT_FAMILIES.certificateExpirySeconds;
const NOT_AFTER = ENDPOINT_FAMILIES.certificateNotAfter;

/** Where a DerivedRegistry takes its series from. */
interface Source {
  entries: () => readonly StoredEntry[];
  now: () => Date;
  /** Families not derived from the targets (exporter or probe metrics), computed at each scrape. */
  others: readonly Family[];
  addOthers: (sink: SampleSink) => void;
}

/** One target's rendered lines, valid while the store holds the same result objects for it. */
interface TargetLines {
  domain: string;
  mode: string;
  lastGood: ScanResult | null;
  /** Family name → that family's lines, each ending in a newline, and their UTF-8 length; families without a line are absent. */
  families: Map<string, RenderedLines>;
  /** Label text and notAfter of each certificate, for xmpp_tls_certificate_expiry_seconds. */
  expiry: { labels: string; notAfterSeconds: number }[];
}

interface RenderedLines {
  text: string;
  bytes: number;
  /** Pure ASCII (almost always): written with the cheaper latin1 encoder, which gives the same bytes. */
  ascii: boolean;
}

function renderedLines(text: string): RenderedLines {
  const bytes = Buffer.byteLength(text);
  return { text, bytes, ascii: bytes === text.length };
}

/** Where the exposition is built: fixed-size blocks filled by copying, so no 10^7-character string is made. */
const BLOCK_BYTES = 1 << 20;

/**
 * Blocks handed back after a response was sent, for the next scrape. Allocating ~30 MiB of buffers
 * per scrape made V8 run a full garbage collection every scrape or two (external memory pressure).
 */
class BlockPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly max: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES);
  }

  give(blocks: readonly Buffer[]): void {
    for (const b of blocks) {
      // The last block of an exposition is a view of the start of a whole one.
      if (b.byteOffset !== 0 || b.buffer.byteLength !== BLOCK_BYTES || this.free.length >= this.max) continue;
      this.free.push(Buffer.from(b.buffer, 0, BLOCK_BYTES));
    }
  }
}

class BlockWriter {
  readonly blocks: Buffer[] = [];
  private block: Buffer;
  private used = 0;

  constructor(private readonly pool: BlockPool) {
    this.block = pool.take();
  }

  /** Appends `text` and a newline. */
  line(text: string): void {
    this.lines(renderedLines(`${text}\n`));
  }

  /**
   * Appends rendered lines, encoded straight into the block: ~10^5 pieces per scrape, and keeping
   * them as bytes and Buffer#copy-ing them would allocate a view for each (twice as slow).
   */
  lines(r: RenderedLines): void {
    if (r.bytes > BLOCK_BYTES - this.used) {
      this.flush();
      if (r.bytes > BLOCK_BYTES) {
        this.blocks.push(Buffer.from(r.text));
        return;
      }
    }
    this.used += this.block.write(r.text, this.used, r.ascii ? 'latin1' : 'utf8');
  }

  /** The blocks written, the last one trimmed. */
  finish(): Buffer[] {
    this.flush();
    this.pool.give([this.block]);
    return this.blocks;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.blocks.push(this.used === BLOCK_BYTES ? this.block : this.block.subarray(0, this.used));
    this.block = this.pool.take();
    this.used = 0;
  }
}

/** A registry whose /metrics text can also be had as a list of buffers (what the HTTP server sends). */
export interface MetricsRegistry extends Registry {
  /** The same text as metrics(), as UTF-8 blocks of up to 1 MiB (the text format only). */
  exposition(): Promise<Buffer[]>;
  /** Hands the blocks of an exposition() back for reuse once they are sent (optional). */
  release(blocks: readonly Buffer[]): void;
}

/** Blocks kept for reuse: enough for ~64 MiB of exposition. */
const POOLED_BLOCKS = 64;

/**
 * Calls `compute` once per scrape on prom-client's own paths: its Registry runs the collect() callbacks of all the
 * metrics of one call synchronously one after another, so the first one computes and the others reuse the value
 * until the microtask queue runs. (Were they ever called apart, each would just compute afresh: still correct.)
 */
function oncePerScrape<T>(compute: () => T): () => T {
  let cached: { value: T } | null = null;
  return () => {
    if (cached) return cached.value;
    const value = compute();
    cached = { value };
    queueMicrotask(() => {
      cached = null;
    });
    return value;
  };
}

class DerivedRegistry extends Registry implements MetricsRegistry {
  private readonly derived = new Set<string>();
  /** Rendered lines per target, keyed by the target's latest result. */
  private readonly lines = new WeakMap<ScanResult, TargetLines>();
  private readonly snapshot: () => Samples;
  private readonly pool = new BlockPool(POOLED_BLOCKS);
  private hasDefaultLabels = false;

  constructor(private readonly source: Source) {
    super();
    this.snapshot = oncePerScrape(() => {
      const sink = new SampleSink();
      const nowMs = source.now().getTime();
      for (const entry of uniqueTargets(source.entries())) addTargetSamples(sink, entry, nowMs);
      source.addOthers(sink);
      return sink.samples;
    });
    for (const f of TARGET_AND_ENDPOINT) this.register(f);
    for (const f of source.others) this.register(f);
  }

  private register(f: Family): void {
    this.derived.add(f.name);
    registerDerived(this, f, this.snapshot);
  }

  override setDefaultLabels(labels: object): void {
    this.hasDefaultLabels = Object.keys(labels).length > 0;
    super.setDefaultLabels(labels);
  }

  override async metrics(): Promise<string> {
    // Default labels or OpenMetrics: prom-client's own path (through the collect() callbacks) knows how.
    if (this.hasDefaultLabels || this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return super.metrics();
    const blocks = await this.exposition();
    const text = Buffer.concat(blocks).toString('utf8');
    this.release(blocks);
    return text;
  }

  release(blocks: readonly Buffer[]): void {
    this.pool.give(blocks);
  }

  async exposition(): Promise<Buffer[]> {
    if (this.hasDefaultLabels || this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return [Buffer.from(await super.metrics())];

    const targets = uniqueTargets(this.source.entries()).map((e) => this.targetLines(e));
    const nowMs = this.source.now().getTime();
    const others = new SampleSink();
    this.source.addOthers(others);

    // Everything else in the registry (process metrics), through prom-client, concurrently as its metrics() does.
    const metrics = this.getMetricsAsArray();
    const foreign = await Promise.all(metrics.map((m) => (this.derived.has(m.name) ? null : this.getSingleMetricAsString(m.name))));

    // A family's lines, then an empty line before the next family (prom-client's '\n\n').
    const out = new BlockWriter(this.pool);
    metrics.forEach((m, i) => {
      if (i > 0) out.line('');
      const text = foreign[i];
      if (typeof text === 'string') {
        out.line(text);
        return;
      }
      const f = TARGET_AND_ENDPOINT.find((x) => x.name === m.name) ?? this.source.others.find((x) => x.name === m.name);
      if (!f) return;
      for (const header of familyHeader(f)) out.line(header);
      if (f === EXPIRY) {
        for (const t of targets) for (const e of t.expiry) out.line(sampleLine(f.name, e.labels, expirySeconds(e.notAfterSeconds, nowMs)));
      } else if (TARGET_AND_ENDPOINT.includes(f)) {
        for (const t of targets) {
          const lines = t.families.get(f.name);
          if (lines) out.lines(lines);
        }
      } else {
        const lines: string[] = [];
        renderSamples(f, others.samples.get(f.name) ?? [], lines);
        for (const line of lines) out.line(line);
      }
    });
    return out.finish();
  }

  /** The target's rendered lines: from the cache while its results are the same objects, else rendered now. */
  private targetLines(entry: StoredEntry): TargetLines {
    const cached = this.lines.get(entry.latest);
    if (cached && cached.lastGood === entry.lastGood && cached.domain === entry.domain && cached.mode === entry.mode) return cached;
    const sink = new SampleSink();
    addTargetSamples(sink, entry, 0); // expiry is recomputed at each scrape from the notAfter samples
    const families = new Map<string, RenderedLines>();
    for (const [name, samples] of sink.samples) {
      if (name === EXPIRY.name || samples.length === 0) continue;
      const f = TARGET_AND_ENDPOINT.find((x) => x.name === name);
      if (!f) continue;
      const lines: string[] = [];
      renderSamples(f, samples, lines);
      families.set(name, renderedLines(`${lines.join('\n')}\n`));
    }
    const expiry = (sink.samples.get(NOT_AFTER.name) ?? []).map((s) => ({ labels: sampleLabelText(s), notAfterSeconds: s.value }));
    const lines: TargetLines = { domain: entry.domain, mode: entry.mode, lastGood: entry.lastGood, families, expiry };
    this.lines.set(entry.latest, lines);
    return lines;
  }
}

/** Registers `f` in `registry` as a Gauge or Counter that takes its series from `snapshot()` at each collect. */
function registerDerived(registry: Registry, f: Family, snapshot: () => Samples): void {
  const labelNames = [...f.labelNames];
  if (f.type === 'counter') {
    const counter: Counter<string> = new Counter<string>({
      name: f.name,
      help: f.help,
      labelNames,
      registers: [registry],
      collect() {
        counter.reset();
        for (const s of snapshot().get(f.name) ?? []) counter.inc(sampleLabels(s), s.value);
      },
    });
    return;
  }
  const gauge: Gauge<string> = new Gauge<string>({
    name: f.name,
    help: f.help,
    labelNames,
    registers: [registry],
    collect() {
      gauge.reset();
      const list = snapshot().get(f.name);
      // A family without labels has a 0 sample after reset(): remove it when there is no value to set, so an
      // optional value is absent rather than 0.
      if (!list?.length) {
        if (labelNames.length === 0) gauge.remove();
        return;
      }
      for (const s of list) gauge.set(sampleLabels(s), s.value);
    },
  });
}

/** prom-client default metrics that are gauges named `_total`, removed so promtool finds nothing to report. */
const NODEJS_TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/**
 * The registry behind /metrics: every stored target's series, the exporter's own metrics and (unless
 * `defaultMetrics: false`) the Node.js process metrics.
 */
export function createMetricsRegistry(opts: MetricsRegistryOptions): MetricsRegistry {
  const build = { version: SCANNER.version, nodeVersion: process.version };
  const registry = new DerivedRegistry({
    entries: opts.entries,
    now: opts.now ?? (() => new Date()),
    others: Object.values(EXPORTER_FAMILIES),
    addOthers: (sink) => addExporterSamples(sink, opts.stats(), build),
  });
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client also registers nodejs_active_{handles,requests,resources}_total, gauges with a `_total` suffix
    // that `promtool check metrics` rejects (the suffix is for counters). The same totals stay available without
    // the suffix: nodejs_active_handles, nodejs_active_requests and nodejs_active_resources (by type).
    for (const name of NODEJS_TOTAL_GAUGES) registry.removeSingleMetric(name);
  }
  return registry;
}

/**
 * xmpp_tls_scan_start_delay_seconds, in `registry`: how long each scan waited for a free slot after it was due
 * (the daemon observes it when a scan starts). Scans that start late say `concurrency.domains` is too low, or that
 * slow targets hold the slots.
 */
export function createScanStartDelayHistogram(registry: Registry): Histogram {
  return new Histogram({
    name: 'xmpp_tls_scan_start_delay_seconds',
    help: 'Time scans waited for a free slot after they were due (their jittered tick, a start-up scan or a /probe request), in seconds.',
    buckets: [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
}

/**
 * The registry of a blackbox-style /probe answer: the series of `entries` (the probed target's, usually its c2s
 * and s2s entries), probe_success and probe_duration_seconds; no exporter or process metrics.
 */
export function createProbeRegistry(entries: StoredEntry[], opts: ProbeRegistryOptions = {}): MetricsRegistry {
  const success = opts.success ?? (entries.length > 0 && entries.every((e) => scanSucceeded(e.latest)));
  const duration = opts.durationSeconds ?? entries.reduce((max, e) => Math.max(max, e.latest.durationSeconds), 0);
  return new DerivedRegistry({
    entries: () => entries,
    now: opts.now ?? (() => new Date()),
    others: Object.values(PROBE_FAMILIES),
    addOthers: (sink) => {
      sink.add(PROBE_FAMILIES.probeSuccess, null, null, success ? 1 : 0);
      sink.add(PROBE_FAMILIES.probeDuration, null, null, duration);
    },
  });
}
