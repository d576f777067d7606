// The per-target cache: each target's lines are rendered once per stored result and kept (keyed by the stored
// documents, or the result objects of a plain entry, which never change: a rescan stores new ones) until the target
// is rescanned or removed. A hit decodes nothing.
// Only xmpp_tls_certificate_expiry_seconds depends on the scrape time: the cache keeps what it is computed from.
import { resultIdentity, type StoredEntry } from '../store/index.js';
import { type RenderedLines, renderedLines } from './blocks.js';
import { DOMAIN_DETAIL_FAMILIES, ENDPOINT_FAMILIES, type Family, type MetricsDetail, PER_TARGET_FAMILIES } from './families.js';
import { renderSamples, sampleLabelText } from './render.js';
import { addDomainTargetSamples, addTargetSamples, SampleSink } from './samples.js';

const EXPIRY = ENDPOINT_FAMILIES.certificateExpirySeconds.name;

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
  /** The detail its lines have. */
  readonly detail: MetricsDetail;
  /** The lines of `entry`: the same object as long as the store holds the same result objects for the target. */
  get(entry: StoredEntry): TargetLines;
}

interface Cached extends TargetLines {
  domain: string;
  mode: string;
  lastGood: object | null;
  lastChanges: StoredEntry['lastChanges'];
}

/** The families a target's lines are rendered for, in order, at each detail. */
export function targetFamilies(detail: MetricsDetail): readonly Family[] {
  return detail === 'domain' ? DOMAIN_DETAIL_FAMILIES : PER_TARGET_FAMILIES;
}

/**
 * A cache keyed by the target's latest result (weakly: a result the store dropped takes its lines with it), of lines
 * at one detail (`metrics.detail`; default every endpoint).
 */
export function createTargetLinesCache(detail: MetricsDetail = 'endpoint'): TargetLinesCache {
  const cache = new WeakMap<object, Cached>();
  return {
    detail,
    get(entry) {
      // Keyed without decoding a stored entry's documents: a hit costs no JSON.parse.
      const identity = resultIdentity(entry);
      const cached = cache.get(identity.latest);
      if (
        cached &&
        cached.lastGood === identity.lastGood &&
        cached.lastChanges === entry.lastChanges &&
        cached.domain === entry.domain &&
        cached.mode === entry.mode
      )
        return cached;
      const lines = renderTarget(entry, detail, identity.lastGood);
      cache.set(identity.latest, lines);
      return lines;
    },
  };
}

function renderTarget(entry: StoredEntry, detail: MetricsDetail, lastGoodIdentity: object | null): Cached {
  const sink = new SampleSink();
  // Expiry is computed at each scrape: rendered with the clock at 0, its samples hold the notAfter.
  if (detail === 'domain') addDomainTargetSamples(sink, entry, 0);
  else addTargetSamples(sink, entry, 0);
  const families = new Map<string, RenderedLines>();
  for (const f of targetFamilies(detail)) {
    const samples = sink.samples.get(f.name);
    if (f.name === EXPIRY || !samples?.length) continue;
    const lines: string[] = [];
    renderSamples(f, samples, lines);
    families.set(f.name, renderedLines(`${lines.join('\n')}\n`));
  }
  const expiry = (sink.samples.get(EXPIRY) ?? []).map((s) => ({ labels: sampleLabelText(s), notAfterSeconds: s.value }));
  return { domain: entry.domain, mode: entry.mode, lastGood: lastGoodIdentity, lastChanges: entry.lastChanges, families, expiry };
}
