// The per-target cache: each target's lines are rendered once per stored result and kept (keyed by the stored
// documents, or the result objects of a plain entry, which never change: a rescan stores new ones) until the target
// is rescanned or removed. A hit decodes nothing.
// Only xmpp_tls_certificate_expiry_seconds depends on the scrape time: the cache keeps what it is computed from.
import { resultIdentity, type StoredEntry } from '../store/index.js';
import { type BlockWriter, type RenderedLines, renderedLines } from './blocks.js';
import { DOMAIN_DETAIL_FAMILIES, ENDPOINT_FAMILIES, type Family, type MetricsDetail, PER_TARGET_FAMILIES } from './families.js';
import { renderSamples, sampleLabelText } from './render.js';
import { addDomainTargetSamples, addTargetSamples, SampleSink } from './samples.js';

const EXPIRY = ENDPOINT_FAMILIES.certificateExpirySeconds.name;

/** One target's rendered lines. */
export interface TargetLines {
  /** Appends the target's lines of `family` (none for xmpp_tls_certificate_expiry_seconds: see `expiry`). */
  writeTo(out: BlockWriter, family: string): void;
  /**
   * Family name → the target's lines of that family, each ending in a newline; families without a line are absent,
   * and so is xmpp_tls_certificate_expiry_seconds. Built on each call (for tests and tools, not the scrape).
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

/** Where each family's lines are in a target's text, by family index of its detail. */
const familyIndexes = new Map<MetricsDetail, ReadonlyMap<string, number>>();

function familyIndex(detail: MetricsDetail): ReadonlyMap<string, number> {
  let index = familyIndexes.get(detail);
  if (!index) {
    index = new Map(targetFamilies(detail).map((f, i) => [f.name, i]));
    familyIndexes.set(detail, index);
  }
  return index;
}

/**
 * A target's lines as one string, with each family's start and end in it: ~4 KB a target and a few hundred bytes
 * more, where a map of a string and an object per family cost twice that (20,000 targets: ~100 MB less).
 */
class Cached implements TargetLines {
  constructor(
    readonly domain: string,
    readonly mode: string,
    readonly lastGood: object | null,
    readonly lastChanges: StoredEntry['lastChanges'],
    private readonly text: string,
    private readonly ascii: boolean,
    private readonly index: ReadonlyMap<string, number>,
    /** [start, end) of family i at 2i, 2i+1; equal when the target has no line of it. */
    private readonly bounds: Uint32Array,
    readonly expiry: TargetLines['expiry'],
  ) {}

  writeTo(out: BlockWriter, family: string): void {
    const i = this.index.get(family);
    if (i === undefined) return;
    const start = this.bounds[2 * i]!;
    const end = this.bounds[2 * i + 1]!;
    if (end > start) out.slice(this.text, start, end, this.ascii);
  }

  get families(): ReadonlyMap<string, RenderedLines> {
    const families = new Map<string, RenderedLines>();
    for (const [name, i] of this.index) {
      const start = this.bounds[2 * i]!;
      const end = this.bounds[2 * i + 1]!;
      if (end > start) families.set(name, renderedLines(this.text.slice(start, end)));
    }
    return families;
  }
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
  const families = targetFamilies(detail);
  const bounds = new Uint32Array(2 * families.length);
  const pieces: string[] = [];
  let length = 0;
  families.forEach((f, i) => {
    bounds[2 * i] = length;
    const samples = sink.samples.get(f.name);
    if (f.name !== EXPIRY && samples?.length) {
      const lines: string[] = [];
      renderSamples(f, samples, lines);
      const piece = `${lines.join('\n')}\n`;
      pieces.push(piece);
      length += piece.length;
    }
    bounds[2 * i + 1] = length;
  });
  // join() makes one flat string (a chain of += would be a tree of pieces).
  const text = pieces.join('');
  const expiry = (sink.samples.get(EXPIRY) ?? []).map((s) => ({ labels: sampleLabelText(s), notAfterSeconds: s.value }));
  return new Cached(
    entry.domain,
    entry.mode,
    lastGoodIdentity,
    entry.lastChanges,
    text,
    Buffer.byteLength(text) === text.length,
    familyIndex(detail),
    bounds,
    expiry,
  );
}
