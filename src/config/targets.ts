import { readFile as fsReadFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { DEFAULTS } from '../defaults.js';
import { normalizeDomain, parseHostPort } from '../discovery/index.js';
import { SCANNER } from '../version.js';
import { cronProblem } from './cron.js';
import { type Config, DEFAULT_MODES, type Mode, type TargetConfig } from './types.js';

// Where targets come from besides the inline `targets:` list: text files, Prometheus file_sd
// files, and URLs. A source that fails keeps the list of its last good read (so a transient
// failure doesn't make targets, and their metrics, vanish) and yields an error string; the other
// sources still count. The final list holds each (domain, mode) once, from its first source.

/** The part of fetch() used here (undici's fetch fits; tests may pass their own). */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal; redirect: 'follow' },
) => Promise<{ status: number; statusText: string; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export type ReadFileLike = (path: string) => Promise<string>;

export interface ParsedTargets {
  targets: TargetConfig[];
  /** Entries skipped, each "WHERE: what is wrong". */
  errors: string[];
}

export interface SourceReport {
  kind: 'inline' | 'file' | 'file_sd' | 'url';
  /** File path or URL (credentials removed); "targets" for the inline list. */
  source: string;
  /** Targets this source contributed before de-duplication. */
  count: number;
  errors: string[];
}

export interface ResolvedTargets {
  targets: TargetConfig[];
  errors: string[];
  sources: SourceReport[];
}

const MODE_WORDS = new Set<string>(['c2s', 's2s']);

// --- formats ----------------------------------------------------------------------------------

/**
 * The list format: one target a line, "DOMAIN [MODE…]" (modes c2s/s2s separated by spaces or
 * commas; none means both); '#' starts a comment; blank lines are ignored.
 */
export function parseTargetList(text: string, name: string): ParsedTargets {
  const targets: TargetConfig[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') return;
    const [first, ...rest] = line.split(/[\s,]+/).filter(Boolean);
    const where = `${name}:${i + 1}`;
    let domain: string;
    try {
      domain = normalizeDomain(first!);
    } catch (err) {
      errors.push(`${where}: ${(err as Error).message}`);
      return;
    }
    const bad = rest.filter((m) => !MODE_WORDS.has(m));
    if (bad.length > 0) {
      errors.push(`${where}: ${JSON.stringify(bad[0])} is not a mode (c2s or s2s)`);
      return;
    }
    const modes = rest.length > 0 ? ([...new Set(rest)] as Mode[]) : [...DEFAULT_MODES];
    targets.push({ domain, modes });
  });
  return { targets, errors };
}

/** Thrown when a file_sd document can't be used at all (the source then counts as failed). */
export class SourceFormatError extends Error {}

/**
 * Prometheus file_sd (JSON or YAML): [{targets: [DOMAIN | HOST:PORT …], labels: {…}}]. Labels
 * used: `mode` ("c2s", "s2s", "c2s,s2s"; default both), `direct_tls` ("true"/"false"),
 * `schedule` (cron). Other labels are ignored. "HOST:PORT" scans domain HOST at that address
 * (like `connect: HOST:PORT`).
 */
export function parseFileSd(text: string, name: string): ParsedTargets {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false, logLevel: 'error' });
  } catch (err) {
    throw new SourceFormatError(`${name}: not valid JSON or YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return { targets: [], errors: [] };
  if (!Array.isArray(doc)) throw new SourceFormatError(`${name}: a file_sd document must be a list of {targets, labels} groups`);
  const targets: TargetConfig[] = [];
  const errors: string[] = [];
  doc.forEach((group: unknown, g) => {
    const where = `${name}: [${g}]`;
    if (group === null || typeof group !== 'object' || Array.isArray(group)) {
      errors.push(`${where}: must be a mapping with targets (and labels)`);
      return;
    }
    const { targets: list, labels = {} } = group as { targets?: unknown; labels?: unknown };
    if (!Array.isArray(list)) {
      errors.push(`${where}.targets: must be a list`);
      return;
    }
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
      errors.push(`${where}.labels: must be a mapping of strings`);
      return;
    }
    const settings = labelSettings(labels as Record<string, unknown>, `${where}.labels`);
    if ('error' in settings) {
      errors.push(settings.error);
      return;
    }
    list.forEach((entry: unknown, t) => {
      const at = `${where}.targets[${t}]`;
      if (typeof entry !== 'string') {
        errors.push(`${at}: must be a string`);
        return;
      }
      try {
        targets.push({ ...fileSdTarget(entry), ...settings, modes: [...settings.modes] });
      } catch (err) {
        errors.push(`${at}: ${(err as Error).message}`);
      }
    });
  });
  return { targets, errors };
}

function labelSettings(labels: Record<string, unknown>, where: string): { modes: Mode[]; directTls?: boolean; schedule?: string } | { error: string } {
  const out: { modes: Mode[]; directTls?: boolean; schedule?: string } = { modes: [...DEFAULT_MODES] };
  const mode = labels.mode;
  if (mode !== undefined) {
    const words = String(mode)
      .split(/[\s,]+/)
      .filter(Boolean);
    const bad = words.find((w) => !MODE_WORDS.has(w));
    if (bad !== undefined || words.length === 0) return { error: `${where}.mode: must be c2s, s2s or "c2s,s2s" (got ${JSON.stringify(mode)})` };
    out.modes = [...new Set(words)] as Mode[];
  }
  const direct = labels.direct_tls;
  if (direct !== undefined) {
    if (String(direct) !== 'true' && String(direct) !== 'false')
      return { error: `${where}.direct_tls: must be "true" or "false" (got ${JSON.stringify(direct)})` };
    out.directTls = String(direct) === 'true';
  }
  const schedule = labels.schedule;
  if (schedule !== undefined) {
    const problem = cronProblem(String(schedule));
    if (problem) return { error: `${where}.schedule: ${problem}` };
    out.schedule = String(schedule);
  }
  return out;
}

function fileSdTarget(entry: string): { domain: string; connect?: string } {
  const s = entry.trim();
  if (!s.includes(':')) return { domain: normalizeDomain(s) };
  const { host, port } = parseHostPort(s);
  if (isIP(host) !== 0) throw new Error(`${JSON.stringify(s)}: an IP address is not an XMPP domain (use DOMAIN:PORT)`);
  return { domain: host, connect: `${host}:${port}` };
}

/** A body from a URL: file_sd when it starts (after comments) with "[" or "- ", the list format otherwise. */
export function parseTargetDocument(text: string, name: string): ParsedTargets {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  return /^\s*(\[|-(\s|$))/.test(firstLine) ? parseFileSd(text, name) : parseTargetList(text, name);
}

/** Each (domain, mode) once, from its first list; a target keeps its settings for the modes left. */
export function mergeTargets(lists: readonly (readonly TargetConfig[])[]): TargetConfig[] {
  const taken = new Set<string>();
  const out: TargetConfig[] = [];
  for (const list of lists) {
    for (const t of list) {
      const modes = t.modes.filter((m) => !taken.has(`${m}:${t.domain}`));
      if (modes.length === 0) continue;
      for (const m of modes) taken.add(`${m}:${t.domain}`);
      out.push({ ...t, modes });
    }
  }
  return out;
}

// --- URL source -------------------------------------------------------------------------------

export interface UrlSourceOptions {
  fetch?: FetchLike;
  /** Deadline of one fetch (default 30 s). */
  timeoutMs?: number;
  now?: () => number;
}

export interface UrlFetchResult {
  /** updated: a new list; unchanged: 304, the previous list stands; failed: the previous list stands. */
  status: 'updated' | 'unchanged' | 'failed';
  /** The list now in force (null: never fetched successfully). */
  targets: TargetConfig[] | null;
  /** The failure (status failed) and the entries skipped in the list in force. */
  errors: string[];
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A target list served over HTTP(S), fetched with If-None-Match / If-Modified-Since. */
export class UrlTargetSource {
  /** The list of the last good fetch (null before one). */
  targets: TargetConfig[] | null = null;
  /** Entries skipped in that list. */
  entryErrors: string[] = [];
  /** The failure of the last fetch, or null when it succeeded. */
  lastError: string | null = null;
  /** When the last fetch started (ms, opts.now clock), or null. */
  lastAttemptAt: number | null = null;
  private etag: string | null = null;
  private lastModified: string | null = null;
  private readonly requestUrl: string;
  private readonly authorization: string | null;
  /** The URL without credentials, for messages. */
  readonly displayUrl: string;

  constructor(
    readonly url: string,
    public refreshSeconds: number = DEFAULTS.urlSource.refreshSeconds,
    private readonly opts: UrlSourceOptions = {},
  ) {
    const u = new URL(url);
    this.authorization =
      u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : null;
    u.username = '';
    u.password = '';
    this.requestUrl = u.toString();
    this.displayUrl = this.requestUrl;
  }

  /** Whether refreshSeconds have passed since the last fetch (or there was none). */
  isDue(now = (this.opts.now ?? Date.now)()): boolean {
    return this.lastAttemptAt === null || now - this.lastAttemptAt >= this.refreshSeconds * 1000;
  }

  async fetchOnce(): Promise<UrlFetchResult> {
    this.lastAttemptAt = (this.opts.now ?? Date.now)();
    const headers: Record<string, string> = {
      accept: 'application/json, application/yaml, text/plain;q=0.9, */*;q=0.1',
      'user-agent': `${SCANNER.name}/${SCANNER.version}`,
    };
    if (this.authorization) headers.authorization = this.authorization;
    if (this.targets !== null) {
      if (this.etag) headers['if-none-match'] = this.etag;
      if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    }
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const doFetch = this.opts.fetch ?? defaultFetch;
    try {
      const res = await doFetch(this.requestUrl, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
      if (res.status === 304 && this.targets !== null) {
        await res.text().catch(() => '');
        this.lastError = null;
        return { status: 'unchanged', targets: this.targets, errors: [...this.entryErrors] };
      }
      if (res.status !== 200) {
        await res.text().catch(() => '');
        return this.fail(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
      }
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_BODY_BYTES) return this.fail(`the body is too large (${length} bytes; at most ${MAX_BODY_BYTES})`);
      const body = await res.text();
      if (Buffer.byteLength(body) > MAX_BODY_BYTES) return this.fail(`the body is too large (at most ${MAX_BODY_BYTES} bytes)`);
      let parsed: ParsedTargets;
      try {
        parsed = parseTargetDocument(body, `URL ${this.displayUrl}`);
      } catch (err) {
        return this.fail((err as Error).message.replace(`URL ${this.displayUrl}: `, ''));
      }
      this.targets = parsed.targets;
      this.entryErrors = parsed.errors;
      this.etag = res.headers.get('etag');
      this.lastModified = res.headers.get('last-modified');
      this.lastError = null;
      return { status: 'updated', targets: this.targets, errors: [...this.entryErrors] };
    } catch (err) {
      return this.fail(describeFetchError(err, timeoutMs));
    }
  }

  private fail(reason: string): UrlFetchResult {
    const kept = this.targets === null ? 'no targets from it yet' : `keeping the ${this.targets.length} targets of the last good fetch`;
    this.lastError = `URL ${this.displayUrl}: ${reason} (${kept})`;
    return { status: 'failed', targets: this.targets, errors: [this.lastError, ...this.entryErrors] };
  }
}

// undici is loaded on first use (URL target sources only): it costs ~0.1 s of start-up.
const defaultFetch: FetchLike = async (url, init) => (await import('undici')).fetch(url, init);

/** A failed fetch() in one line: the deadline, or the connection error (each address tried, for happy eyeballs). */
export function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e?.cause as (Error & { code?: string; errors?: Error[] }) | undefined;
  if (cause) {
    // Several addresses tried (happy eyeballs): AggregateError with one error each.
    if (Array.isArray(cause.errors) && cause.errors.length > 0) return `cannot fetch: ${cause.errors.map((x) => x.message).join('; ')}`;
    if (cause.message) return `cannot fetch: ${cause.message}`;
    if (cause.code) return `cannot fetch: ${cause.code}`;
  }
  return `cannot fetch: ${e?.message ?? String(err)}`;
}

// --- all sources together ---------------------------------------------------------------------

export interface TargetSourcesOptions {
  fetch?: FetchLike;
  readFile?: ReadFileLike;
  now?: () => number;
  /** Deadline of one URL fetch (default 30 s). */
  urlTimeoutMs?: number;
}

/**
 * The long-lived view of every target source: keeps the last good list of each (and each URL's
 * ETag), so the daemon resolves again on reload, on a watched file's change and on a timer.
 */
export class TargetSources {
  private readonly lastGood = new Map<string, TargetConfig[]>();
  private readonly urls = new Map<string, UrlTargetSource>();

  constructor(private readonly opts: TargetSourcesOptions = {}) {}

  /**
   * Inline targets, files, file_sd files and URLs merged. URLs are fetched when due (their
   * refreshSeconds have passed), or all of them with `refreshUrls: 'all'`.
   */
  async resolve(config: Config, how: { refreshUrls?: 'due' | 'all' } = {}): Promise<ResolvedTargets> {
    const readFile = this.opts.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
    const reports: SourceReport[] = [{ kind: 'inline', source: 'targets', count: config.targets.length, errors: [] }];
    const lists: TargetConfig[][] = [config.targets];

    const fileJobs = [
      ...config.targetSources.files.map((path) => ({ kind: 'file' as const, path, parse: parseTargetList, label: `targets file ${path}` })),
      ...config.targetSources.fileSd.map((path) => ({ kind: 'file_sd' as const, path, parse: parseFileSd, label: `file_sd ${path}` })),
    ];
    const fileResults = await Promise.all(
      fileJobs.map(async (job) => {
        const key = `${job.kind}:${job.path}`;
        try {
          const parsed = job.parse(await readFile(job.path), job.label);
          this.lastGood.set(key, parsed.targets);
          return { job, targets: parsed.targets, errors: parsed.errors };
        } catch (err) {
          const previous = this.lastGood.get(key);
          const reason = err instanceof SourceFormatError ? err.message : `${job.label}: cannot read: ${(err as Error).message}`;
          const kept = previous ? `keeping the ${previous.length} targets of the last good read` : 'no targets from it';
          return { job, targets: previous ?? [], errors: [`${reason} (${kept})`] };
        }
      }),
    );
    for (const r of fileResults) {
      lists.push(r.targets);
      reports.push({ kind: r.job.kind, source: r.job.path, count: r.targets.length, errors: r.errors });
    }

    const wanted = new Set(config.targetSources.urls.map((u) => u.url));
    for (const url of this.urls.keys()) if (!wanted.has(url)) this.urls.delete(url);
    const urlResults = await Promise.all(
      config.targetSources.urls.map(async ({ url, refreshSeconds }) => {
        let source = this.urls.get(url);
        if (!source) {
          source = new UrlTargetSource(url, refreshSeconds, {
            ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
            ...(this.opts.now ? { now: this.opts.now } : {}),
            ...(this.opts.urlTimeoutMs !== undefined ? { timeoutMs: this.opts.urlTimeoutMs } : {}),
          });
          this.urls.set(url, source);
        }
        source.refreshSeconds = refreshSeconds;
        if (how.refreshUrls === 'all' || source.isDue()) await source.fetchOnce();
        const errors = [...(source.lastError ? [source.lastError] : []), ...source.entryErrors];
        return { source, targets: source.targets ?? [], errors };
      }),
    );
    for (const r of urlResults) {
      lists.push(r.targets);
      reports.push({ kind: 'url', source: r.source.displayUrl, count: r.targets.length, errors: r.errors });
    }

    return { targets: mergeTargets(lists), errors: reports.flatMap((r) => r.errors), sources: reports };
  }

  /** Milliseconds until the next URL source is due (null without URL sources): when to resolve again. */
  nextUrlRefreshMs(now = (this.opts.now ?? Date.now)()): number | null {
    let next: number | null = null;
    for (const s of this.urls.values()) {
      const due = s.lastAttemptAt === null ? 0 : Math.max(0, s.lastAttemptAt + s.refreshSeconds * 1000 - now);
      next = next === null ? due : Math.min(next, due);
    }
    return next;
  }
}

/**
 * One-off resolution (check-config, tests). The daemon keeps a TargetSources (pass it as
 * `sources`) so failed sources keep their last good list and URLs their ETag.
 */
export async function resolveTargets(
  config: Config,
  opts: TargetSourcesOptions & { sources?: TargetSources; refreshUrls?: 'due' | 'all' } = {},
): Promise<ResolvedTargets> {
  const sources = opts.sources ?? new TargetSources(opts);
  return sources.resolve(config, opts.refreshUrls ? { refreshUrls: opts.refreshUrls } : {});
}
