// The per-target cache: each target's lines are rendered once per stored result and kept (keyed by the result
// objects, which the store never changes: a rescan stores a new object) until the target is rescanned or removed.
// Only xmpp_tls_certificate_expiry_seconds depends on the scrape time: the cache keeps what it is computed from.
import type { ScanResult } from '../result/types.js';
import type { StoredEntry } from '../store/index.js';
import { type RenderedLines, renderedLines } from './blocks.js';
import { ENDPOINT_FAMILIES, PER_TARGET_FAMILIES } from './families.js';
import { renderSamples, sampleLabelText } from './render.js';
import { addTargetSamples, SampleSink } from './samples.js';

const EXPIRY = ENDPOINT_FAMILIES.certificateExpirySeconds;
const NOT_AFTER = ENDPOINT_FAMILIES.certificateNotAfter;

/** One target's rendered lines. */
export interface TargetLines {
  /**
   * Family name → the target's lines of that family, each ending in a newline; families without a line are absent,
   * and so is xmpp_tls_certificate_expiry_seconds (see `expiry`).
   */
  readonly families: ReadonlyMap<string, RenderedLines>;
  /** Label text and notAfter of each certificate, for xmpp_tls_certificate_expiry_seconds at the scrape time. */
  readonly expiry: readonly { labels: string; notAfterSeconds: number }[];
}

export interface TargetLinesCache {
  /** The lines of `entry`: the same object as long as the store holds the same result objects for the target. */
  get(entry: StoredEntry): TargetLines;
}

interface Cached extends TargetLines {
  domain: string;
  mode: string;
  lastGood: ScanResult | null;
  lastChanges: StoredEntry['lastChanges'];
}

/** A cache keyed by the target's latest result (weakly: a result the store dropped takes its lines with it). */
export function createTargetLinesCache(): TargetLinesCache {
  const cache = new WeakMap<ScanResult, Cached>();
  return {
    get(entry) {
      const cached = cache.get(entry.latest);
      if (
        cached &&
        cached.lastGood === entry.lastGood &&
        cached.lastChanges === entry.lastChanges &&
        cached.domain === entry.domain &&
        cached.mode === entry.mode
      )
        return cached;
      const lines = renderTarget(entry);
      cache.set(entry.latest, lines);
      return lines;
    },
  };
}

function renderTarget(entry: StoredEntry): Cached {
  const sink = new SampleSink();
  addTargetSamples(sink, entry, 0); // expiry is computed at each scrape from the notAfter samples
  const families = new Map<string, RenderedLines>();
  for (const f of PER_TARGET_FAMILIES) {
    const samples = sink.samples.get(f.name);
    if (f === EXPIRY || !samples?.length) continue;
    const lines: string[] = [];
    renderSamples(f, samples, lines);
    families.set(f.name, renderedLines(`${lines.join('\n')}\n`));
  }
  const expiry = (sink.samples.get(NOT_AFTER.name) ?? []).map((s) => ({ labels: sampleLabelText(s), notAfterSeconds: s.value }));
  return { domain: entry.domain, mode: entry.mode, lastGood: entry.lastGood, lastChanges: entry.lastChanges, families, expiry };
}
