import { createHash } from 'node:crypto';
import { rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import { type Config, type TargetConfig, matchesPattern, resolveTargets, toScanOptions, watchFiles, watchedFiles } from '../config/index.js';
import { startHttpServer } from '../http/index.js';
import {
  type ExporterStats,
  type MetricsDetail,
  createMetricsRegistry,
  createProbeRegistry,
  createScanStartDelayHistogram,
  metricsDetail,
} from '../metrics/index.js';
import { ScanError } from '../result/errors.js';
import type { Mode, ScanResult } from '../result/types.js';
import { type ScanOptions, scanDomain } from '../scan/index.js';
import { VersionQueryClient } from '../software/index.js';
import { AUTO_MIN_SLOTS, autoSlots, capacityProblem, type Job, SINGLE_SHARD, ScanTimeMean, Scheduler } from '../scheduler/index.js';
import {
  ResultDatabase,
  ResultStore,
  StateFileError,
  StoreError,
  type StoredEntry,
  importStateFile,
  isWriteFailure,
  scanSucceeded,
  targetKey,
} from '../store/index.js';
import { SCANNER } from '../version.js';
import { type Settings, StartupError, loadSettings, ownedTargets, restartNeeded } from './startup.js';

// The daemon: configuration → scheduler → scans → result store → /metrics, /probe, API, page.
// Everything a scan finds goes through the store, and everything served is derived from it.

const SHUTDOWN_GRACE_MS = 10_000;
/** After a failed database write, the results kept in memory are written again this often. */
const STORE_RETRY_MS = 30_000;
/** Retention pruning: first a minute after start, then this often; rows deleted in batches between which the event loop runs. */
const PRUNE_EVERY_MS = 6 * 3600_000;
const PRUNE_FIRST_MS = 60_000;
const PRUNE_BATCH = 5_000;
/** Targets read from the database at a time at start (a few ms of work each page). */
const LOAD_PAGE = 200;

export interface DaemonOptions {
  configFile: string;
  logger: Logger;
  /** The checked settings when the caller already loaded them (serve does, to configure its logger). */
  settings?: Settings;
}

/** Why a scan was cancelled at shutdown: its partial result is dropped, never stored. */
const SHUTDOWN = new ScanError('aborted', 'the exporter is shutting down');

export class Daemon {
  private applied!: Settings;
  private readonly stats: ExporterStats = {
    scansTotal: { success: 0, failure: 0 },
    probesTotal: 0,
    scansInProgress: 0,
    configReloadSuccessful: true,
    configReloadTimestampSeconds: Date.now() / 1000,
    storeErrorsTotal: 0,
    targets: 0,
    scheduleLagSeconds: 0,
    scanSlots: 0,
    shard: SINGLE_SHARD,
  };
  /** Mean scan time, for `concurrency.domains: auto` and the capacity warning. */
  private readonly scanTimes = new ScanTimeMean();
  /** The capacity warning in force (scheduler/sizing.ts), null when the slots keep up. */
  private capacityWarning: string | null = null;
  private scheduler!: Scheduler;
  private http: { url: string; port: number; close(): Promise<void> } | null = null;
  private stopWatching: () => void = () => {};
  private urlTimer: NodeJS.Timeout | null = null;
  /** Results the database refused (disk full, read-only): kept in memory and written again, in order. */
  private unwritten: ScanResult[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  /** The last write was refused: the next one that succeeds says so. */
  private storeFailing = false;
  private pruneTimer: NodeJS.Timeout | null = null;
  private ready = false;
  /** Results of /probe scans of targets that are not configured (allowed by pattern), by key. */
  private readonly probeCache = new Map<string, ScanResult>();
  /** The software version query's client (one shared session), and the settings it was made from. */
  private version: { client: VersionQueryClient; key: string } | null = null;
  private stopping = false;
  /** What /metrics exposes (metrics.detail, `auto` resolved by the number of targets); null until first applied. */
  private detail: MetricsDetail | null = null;

  private constructor(
    private readonly opts: DaemonOptions,
    private readonly store: ResultStore,
    private readonly db: ResultDatabase,
  ) {}

  get log(): Logger {
    return this.opts.logger;
  }

  get url(): string {
    return this.http?.url ?? '';
  }

  /**
   * Loads and checks everything (loadSettings), opens the results database (importing an old
   * state file into an empty one), binds the HTTP server, and only then schedules the first scans. Throws StartupError (nothing scanned, nothing written):
   * `config` for the configuration's problems, `environment` for the machine's (port in use).
   */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const settings = opts.settings ?? (await loadSettings(opts.configFile));
    const { config } = settings;
    const db = await openDatabase(config, opts.logger);
    const store = new ResultStore();
    const daemon = new Daemon(opts, store, db);
    daemon.scheduler = new Scheduler({
      maxConcurrent: config.concurrency.domains === 'auto' ? AUTO_MIN_SLOTS : config.concurrency.domains,
      jitterSeconds: config.schedule.jitterSeconds,
      logger: opts.logger,
      onStart: (_key, waited) => startDelay.observe(waited),
    });
    // The detail of the configuration from the first scrape on (scrapes are answered while the results load).
    const initialDetail = metricsDetail(config.metrics.detail, targetCount(settings.targets));
    const metricsRegistry = createMetricsRegistry({
      entries: () => store.all(),
      stats: () => daemon.currentStats(),
      detail: () => daemon.detail ?? initialDetail,
    });
    const startDelay = createScanStartDelayHistogram(metricsRegistry);
    try {
      daemon.http = await startHttpServer({
        host: config.listen.host,
        port: config.listen.port,
        store: () => store.all(),
        metrics: async () => {
          const blocks = await metricsRegistry.exposition();
          return { contentType: metricsRegistry.contentType, body: blocks, sent: () => metricsRegistry.release(blocks) };
        },
        probe: (target, mode, timeoutSeconds, signal) => daemon.probe(target, mode, timeoutSeconds, signal),
        ready: () => daemon.ready,
        web: config.web,
        logger: opts.logger,
        version: SCANNER.version,
        // Until apply() below, the settings being applied.
        profile: () => (daemon.ready ? daemon.applied : settings).config.grading.profile,
        nextScan: (domain, mode) => daemon.scheduler.nextScan(targetKey(domain, mode)),
        history: (domain, query) => daemon.db.history(domain, query),
        shard: () => {
          const { shard, targets, fleetTargets } = daemon.ready ? daemon.applied : settings;
          return { ...shard, targets: targetCount(targets), fleetTargets: targetCount(fleetTargets) };
        },
      });
    } catch (err) {
      db.close();
      const address = `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
      throw new StartupError('environment', `cannot listen on ${address} (listen): ${(err as Error).message}`);
    }
    // Listening already: /healthz answers and /readyz says 503 while the results load.
    try {
      await daemon.loadStoredResults(new Set(settings.targets.flatMap((t) => t.modes.map((mode) => targetKey(t.domain, mode)))));
    } catch (err) {
      await daemon.http.close();
      db.close();
      throw new StartupError('environment', `the database ${config.store.path} cannot be read: ${(err as Error).message}`);
    }
    daemon.apply(settings);
    daemon.ready = true;
    daemon.schedulePrune(PRUNE_FIRST_MS);
    opts.logger.info({ url: daemon.url, targets: daemon.applied.targets.length }, 'listening');
    return daemon;
  }

  /** Re-reads the configuration (the same checks as at start); a bad one keeps the running one and is reported. */
  async reload(): Promise<boolean> {
    try {
      // The same sources: a failing one keeps its last good list, a URL its ETag.
      const settings = await loadSettings(this.opts.configFile, { sources: this.applied.sources });
      const restart = restartNeeded(this.applied.config, settings.config);
      if (restart.length) this.log.warn({ settings: restart }, 'these settings changed but take effect only after a restart');
      this.apply(settings);
      this.stats.configReloadSuccessful = true;
      this.stats.configReloadTimestampSeconds = Date.now() / 1000;
      this.log.info({ targets: this.applied.targets.length }, 'configuration reloaded');
      return true;
    } catch (err) {
      this.stats.configReloadSuccessful = false;
      this.log.error({ err: (err as Error).message }, 'configuration reload failed: keeping the running configuration');
      return false;
    }
  }

  /**
   * Stops scheduling, gives running scans SHUTDOWN_GRACE_MS and cancels the rest (their partial
   * results are dropped), saves the state and closes the HTTP server. serve bounds the whole of it.
   */
  async stop(): Promise<void> {
    this.log.info('shutting down');
    this.stopping = true;
    this.stopWatching();
    if (this.urlTimer) clearInterval(this.urlTimer);
    await this.scheduler.stop(SHUTDOWN_GRACE_MS, SHUTDOWN);
    await this.version?.client.close();
    this.version = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.writeUnwritten();
    if (this.unwritten.length) this.log.error({ results: this.unwritten.length }, 'the database still refuses writes: these results are lost');
    this.db.close();
    await this.http?.close();
  }

  /** What is still running: what a shutdown that runs out of time abandons. */
  pendingWork(): string[] {
    return this.scheduler.runningKeys().map((k) => `scan ${k}`);
  }

  private currentStats(): ExporterStats {
    return {
      ...this.stats,
      scansInProgress: this.scheduler.inProgress,
      targets: this.scheduler.jobCount,
      scheduleLagSeconds: this.scheduler.lagSeconds(),
      scanSlots: this.scheduler.maxConcurrent,
      shard: this.applied.shard,
    };
  }

  private apply(settings: Settings): void {
    const { config } = settings;
    for (const e of settings.targetWarnings) this.log.warn({ err: e }, 'target source failed: using its last good list');
    this.applied = settings;
    this.applyVersion(settings);
    this.setTargets(settings.targets);
    this.stopWatching();
    this.stopWatching = watchFiles(watchedFiles(this.opts.configFile, config), () => void this.reload());
    // URL sources are refreshed on their own interval (each one only when due).
    if (this.urlTimer) clearInterval(this.urlTimer);
    const urlPeriods = config.targetSources.urls.map((u) => u.refreshSeconds);
    if (urlPeriods.length) this.urlTimer = setInterval(() => void this.refreshTargets(), Math.min(...urlPeriods) * 1000);
  }

  /** The targets' jobs; targets never scanned are scanned now, those no longer configured are forgotten. */
  private setTargets(targets: TargetConfig[]): void {
    const { config } = this.applied;
    const jobs: Job[] = [];
    const neverScanned: string[] = [];
    for (const t of targets) {
      for (const mode of t.modes) {
        const key = targetKey(t.domain, mode);
        jobs.push({
          key,
          cron: t.schedule ?? config.schedule.cron,
          run: (signal) => this.runScan(t, mode, signal),
          suspect: () => isSuspect(this.store.get(t.domain, mode)),
        });
        if (!this.store.get(t.domain, mode)) neverScanned.push(key);
      }
    }
    this.scheduler.setJobs(jobs);
    this.applyMetricsDetail(jobs.length);
    this.sizeSlots();
    const removed = this.store.retain(new Set(jobs.map((j) => j.key)));
    if (removed.length) this.log.info({ removed }, 'targets removed from the configuration');
    for (const key of neverScanned) this.scheduler.trigger(key);
  }

  /**
   * The scan slots: concurrency.domains, or with `auto` enough for the targets to start within the
   * jitter window at the measured scan time (scheduler/sizing.ts). Warns when a round of scans
   * cannot fit in the schedule's period. Called when the targets change and every 25 scans.
   */
  private sizeSlots(): void {
    const { config } = this.applied;
    const targets = this.scheduler.jobCount;
    const meanScanSeconds = this.scanTimes.seconds;
    const setting = config.concurrency.domains;
    const slots = setting === 'auto' ? autoSlots({ targets, meanScanSeconds, jitterSeconds: config.schedule.jitterSeconds }) : setting;
    if (slots !== this.scheduler.maxConcurrent) {
      this.log.info({ slots, setting, targets, meanScanSeconds: Math.round(meanScanSeconds * 10) / 10 }, 'scan slots sized');
      this.scheduler.setMaxConcurrent(slots);
    }
    // Logged when it starts to hold and when it stops, not every 25 scans.
    const problem = capacityProblem({ targets, meanScanSeconds, slots, periodSeconds: this.scheduler.periodSeconds() });
    if (problem && !this.capacityWarning) this.log.warn({ slots, targets }, problem);
    if (!problem && this.capacityWarning) this.log.info({ slots, targets }, 'the scan slots keep up with the schedule again');
    this.capacityWarning = problem;
  }

  /** metrics.detail for `targets` targets: logged at start and when it changes (a reload, a target source's new list). */
  private applyMetricsDetail(targets: number): void {
    const setting = this.applied.config.metrics.detail;
    const detail = metricsDetail(setting, targets);
    if (detail === this.detail) return;
    this.log.info(
      { detail, setting, targets },
      `metrics: ${detail === 'domain' ? 'one set of series per target (its worst endpoint)' : 'series for every endpoint'}`,
    );
    this.detail = detail;
  }

  /** The URL sources' periodic refresh (files are read again too; a failing source keeps its last good list). */
  private async refreshTargets(): Promise<void> {
    try {
      const resolved = await resolveTargets(this.applied.config, { sources: this.applied.sources, refreshUrls: 'due' });
      for (const e of resolved.errors) this.log.warn({ err: e }, 'target source failed: using its last good list');
      const targets = ownedTargets(resolved.targets, this.applied.shard);
      this.applied = { ...this.applied, targets, fleetTargets: resolved.targets };
      this.setTargets(targets);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'target refresh failed');
    }
  }

  /**
   * One VersionQueryClient (one logged-in session shared by all scans) while `version:` is set; a
   * reload that changes the account or its settings replaces it, one that does not keeps its session.
   */
  private applyVersion(settings: Settings): void {
    const { config, versionAccount: options } = settings;
    const key = options
      ? createHash('sha256')
          .update(JSON.stringify([config.version, config.version?.password.reveal(), config.timeouts, config.scanner.resolver]))
          .digest('hex')
      : '';
    if (this.version && this.version.key === key) return;
    const old = this.version;
    this.version = null;
    // Queries already running on the old client may finish (a scan asks at its end).
    if (old) void old.client.close({ drainMs: 30_000 });
    if (!options) return;
    this.version = { client: new VersionQueryClient({ ...options, logger: this.log.child({ component: 'version-query' }) }), key };
    this.log.info({ jid: options.jid, passwordFrom: config.version?.passwordSource }, 'software version query enabled');
  }

  /**
   * The scan's software query when an account is configured. The client is looked up when the
   * scan asks (at its end), so a reload during the scan hands it the new one.
   */
  private softwareQuery(): Pick<ScanOptions, 'softwareQuery'> {
    if (!this.version) return {};
    const started = this.version.client;
    return { softwareQuery: (domain, signal) => (this.version?.client ?? started).query(domain, signal) };
  }

  private async runScan(target: TargetConfig, mode: Mode, signal: AbortSignal): Promise<void> {
    const { config, trustStore, clientCertificate } = this.applied;
    const result = await scanDomain(target.domain, {
      ...toScanOptions(config, target, mode, { trustStore, ...(clientCertificate ? { clientCertificate } : {}) }),
      ...this.softwareQuery(),
      signal,
    });
    // Cancelled at shutdown: half a scan is not a finding (and must never become the "last good" one).
    if (signal.aborted) {
      this.log.warn({ domain: result.domain, mode }, 'scan cancelled by the shutdown: its partial result is dropped');
      return;
    }
    this.record(result);
  }

  private record(result: ScanResult): StoredEntry {
    // Written: the entry reads its documents back from the database when needed (nothing held in memory).
    const lastChanges = this.persist(result);
    const entry = this.store.put(result, lastChanges, lastChanges ? this.db.documentsOf(result.domain, result.mode) : undefined);
    const ok = scanSucceeded(result);
    this.stats.scansTotal[ok ? 'success' : 'failure']++;
    this.scanTimes.add(result.durationSeconds);
    if ((this.stats.scansTotal.success + this.stats.scansTotal.failure) % 25 === 0) this.sizeSlots();
    this.stats.probesTotal += result.endpoints.reduce((n, e) => n + (e.tls?.probeCount ?? 0), 0);
    const fields = {
      domain: result.domain,
      mode: result.mode,
      grade: result.grade?.letter ?? null,
      durationSeconds: result.durationSeconds,
      endpoints: result.endpoints.length,
      ...(result.warnings?.length ? { warnings: result.warnings.map((w) => `${w.code}: ${w.message}`) } : {}),
      ...(result.software
        ? {
            software: result.software.error ? { error: result.software.error.code } : [result.software.name, result.software.version].filter(Boolean).join(' '),
          }
        : {}),
    };
    if (ok) this.log.info(fields, 'scan finished');
    else this.log.warn({ ...fields, error: failureSummary(result) }, 'scan failed');
    for (const ep of result.endpoints) {
      this.log.debug(
        {
          domain: result.domain,
          mode: result.mode,
          endpoint: `${ep.host}:${ep.port}`,
          status: ep.status,
          probes: ep.tls?.probeCount ?? 0,
          error: ep.error?.code,
        },
        'endpoint',
      );
    }
    return entry;
  }

  /**
   * The stored results, read page by page with the event loop free in between: with 20,000
   * targets the whole load takes seconds (mostly JSON.parse and the garbage it leaves), during
   * which scrapes and health checks are answered. Scans are scheduled only after it. Targets no
   * longer configured keep their history in the database but are not decoded.
   */
  private async loadStoredResults(configured: ReadonlySet<string>): Promise<void> {
    const started = performance.now();
    for (const page of this.db.lazyPages(LOAD_PAGE, (domain, mode) => configured.has(targetKey(domain, mode)))) {
      for (const entry of page) this.store.load(entry);
      await new Promise((r) => setImmediate(r));
    }
    this.log.info({ database: this.db.file, targets: this.store.size, seconds: Math.round(performance.now() - started) / 1000 }, 'loaded previous results');
  }

  /**
   * Writes the result to the database (one transaction) and returns when each kind of fact last
   * changed. A refused write (disk full, read-only, …) is counted and logged; the result is kept in
   * memory and written again later, after the ones refused before it.
   */
  private persist(result: ScanResult): StoredEntry['lastChanges'] {
    this.unwritten.push(result);
    return this.writeUnwritten().get(result);
  }

  /**
   * Writes the results not written yet, oldest first, until the database refuses one (then they
   * wait for the retry timer). Returns when each kind of fact last changed, for each result written.
   */
  private writeUnwritten(): Map<ScanResult, StoredEntry['lastChanges']> {
    const written = new Map<ScanResult, StoredEntry['lastChanges']>();
    const wasFailing = this.storeFailing;
    while (this.unwritten.length) {
      const result = this.unwritten[0]!;
      try {
        const outcome = this.db.record(result);
        written.set(result, outcome.lastChanges);
        if (outcome.changes.length) {
          this.log.info({ domain: result.domain, mode: result.mode, changes: outcome.changes.map((c) => c.summary) }, 'changed');
        }
        // A result kept in memory since: the store gets its change times now.
        const entry = this.store.get(result.domain, result.mode);
        if (entry?.latest === result) this.store.put(result, outcome.lastChanges, this.db.documentsOf(result.domain, result.mode));
      } catch (err) {
        this.storeFailed(err);
        return written;
      }
      this.unwritten.shift();
    }
    this.storeFailing = false;
    if (wasFailing) this.log.info({ written: written.size }, 'the database accepts writes again: the results kept in memory are written');
    return written;
  }

  private storeFailed(err: unknown): void {
    this.stats.storeErrorsTotal++;
    this.storeFailing = true;
    const why = isWriteFailure(err) ? 'the disk refused the write' : 'unexpected database error';
    this.log.error(
      { err: (err as Error).message, code: (err as { code?: string }).code, kept: this.unwritten.length },
      `${why}: results are kept in memory and written again later`,
    );
    if (!this.retryTimer && !this.stopping) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.unwritten.length) this.writeUnwritten();
      }, STORE_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** Deletes history past the retention, in batches with the event loop free between them. */
  private schedulePrune(delayMs: number): void {
    this.pruneTimer = setTimeout(() => void this.prune(), delayMs);
    this.pruneTimer.unref();
  }

  private async prune(): Promise<void> {
    const { retention } = this.applied.config.store;
    const total = { scans: 0, changes: 0 };
    try {
      for (;;) {
        const deleted = this.db.prune(retention, new Date(), PRUNE_BATCH);
        total.scans += deleted.scans;
        total.changes += deleted.changes;
        if (deleted.scans < PRUNE_BATCH && deleted.changes < PRUNE_BATCH) break;
        await new Promise((r) => setImmediate(r));
        if (this.stopping) return;
      }
      if (total.scans || total.changes) this.log.info({ ...total, retention }, 'history pruned');
    } catch (err) {
      // Nothing is kept in memory for a prune: counted, logged, and tried again next time.
      this.stats.storeErrorsTotal++;
      this.log.error({ err: (err as Error).message, code: (err as { code?: string }).code }, 'could not prune the history: tried again later');
    } finally {
      if (!this.stopping) this.schedulePrune(PRUNE_EVERY_MS);
    }
  }

  /** Blackbox-exporter style: a fresh enough stored result, or a scan now within the scrape deadline. */
  private async probe(domain: string, mode: Mode, timeoutSeconds: number, signal: AbortSignal): Promise<{ status: number; contentType: string; body: string }> {
    if (!this.ready) return { status: 503, contentType: 'text/plain; charset=utf-8', body: 'starting: the stored results are still loading\n' };
    const { config, targets, fleetTargets, trustStore, clientCertificate } = this.applied;
    const configured = targets.find((t) => t.domain === domain && t.modes.includes(mode));
    // A target another replica owns is scanned here as it is configured (/probe is stateless).
    const ofFleet = configured ? undefined : fleetTargets.find((t) => t.domain === domain && t.modes.includes(mode));
    if (!configured && !ofFleet && !probeAllowed(config, domain)) {
      return {
        status: 403,
        contentType: 'text/plain; charset=utf-8',
        body: `target ${domain} is not allowed by the /probe policy (probe.allow: ${config.probe.allow})\n`,
      };
    }
    const started = performance.now();
    const maxAgeMs = config.probe.maxAgeSeconds * 1000;
    const fresh = (r: ScanResult | undefined | null) => r && Date.now() - Date.parse(r.startedAt) <= maxAgeMs;
    let entry: StoredEntry | undefined;
    if (configured) {
      entry = this.store.get(domain, mode);
      if (!fresh(entry?.latest) && !this.stopping) {
        this.scheduler.trigger(targetKey(domain, mode));
        await Promise.race([this.scheduler.idle(targetKey(domain, mode)), aborted(signal)]);
        entry = this.store.get(domain, mode);
      }
    } else {
      let result = this.probeCache.get(targetKey(domain, mode));
      if (!result || !fresh(result)) {
        const target: TargetConfig = ofFleet ?? { domain, modes: [mode] };
        result = await scanDomain(domain, {
          ...toScanOptions(config, target, mode, { trustStore, ...(clientCertificate ? { clientCertificate } : {}) }),
          ...this.softwareQuery(),
          signal,
          ...probeBudgets(config, timeoutSeconds),
        });
        this.probeCache.set(targetKey(domain, mode), result);
        if (this.probeCache.size > 1000) this.probeCache.delete(this.probeCache.keys().next().value as string);
      }
      entry = { domain, mode, latest: result, lastGood: scanSucceeded(result) ? result : null };
    }
    const success = entry !== undefined && !signal.aborted && scanSucceeded(entry.latest);
    const registry = createProbeRegistry(entry ? [entry] : [], { success, durationSeconds: (performance.now() - started) / 1000 });
    return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/**
 * Within a scrape deadline: the scan's budget is the deadline (or timeouts.scanSeconds, if shorter),
 * and phases are short enough for a whole inspection to fit.
 */
function probeBudgets(config: Config, timeoutSeconds: number): Pick<ScanOptions, 'timeouts' | 'endpointTimeoutMs' | 'scanTimeoutMs'> {
  const scanMs = Math.min(timeoutSeconds, config.timeouts.scanSeconds) * 1000;
  const phaseMs = Math.max(500, Math.floor(scanMs / 4));
  const t = config.timeouts;
  return {
    timeouts: {
      connectMs: Math.min(phaseMs, t.connectSeconds * 1000),
      readMs: Math.min(phaseMs, t.readSeconds * 1000),
      handshakeMs: Math.min(phaseMs, t.handshakeSeconds * 1000),
    },
    endpointTimeoutMs: Math.min(scanMs, t.endpointSeconds * 1000),
    scanTimeoutMs: scanMs,
  };
}

/** Each entry's verdict, worked out once: the scheduler asks often, and a stored entry decodes its result to answer. */
const suspectEntries = new WeakMap<StoredEntry, boolean>();

/** A target whose latest scan failed, or hit a deadline somewhere: the scheduler keeps it to its share of the slots. */
function isSuspect(entry: StoredEntry | undefined): boolean {
  if (!entry) return false;
  let suspect = suspectEntries.get(entry);
  if (suspect === undefined) {
    const r = entry.latest;
    suspect = !scanSucceeded(r) || r.endpoints.some((ep) => ep.error?.code === 'timeout');
    suspectEntries.set(entry, suspect);
  }
  return suspect;
}

/** Why a scan failed, for its log line: the domain-level error, or the endpoints' error codes. */
function failureSummary(r: ScanResult): string {
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  if (r.endpoints.length === 0) return 'no endpoint found';
  const counts = new Map<string, number>();
  for (const ep of r.endpoints) {
    const code = ep.error ? `${ep.error.code}${ep.error.phase ? ` (${ep.error.phase})` : ''}` : ep.status;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const first = r.endpoints.find((ep) => ep.error)?.error;
  const list = [...counts].map(([code, n]) => `${n} × ${code}`).join(', ');
  return `every endpoint failed: ${list}${first ? `; first: ${first.message}` : ''}`;
}

/**
 * Opens the database (a damaged one, or one from a newer version, stops the start: StartupError
 * naming the file, nothing written to it). An empty database imports the state file of earlier
 * versions: one that cannot be read is moved aside (FILE.unreadable-TIMESTAMP); one from a newer
 * version stops the start and is left where it is.
 */
async function openDatabase(config: Config, logger: Logger): Promise<ResultDatabase> {
  let db: ResultDatabase;
  try {
    db = ResultDatabase.open(config.store.path);
  } catch (err) {
    if (err instanceof StoreError) throw new StartupError('environment', err.message);
    throw err;
  }
  if (config.stateFileSet)
    logger.warn({ stateFile: config.stateFile }, 'stateFile is deprecated: results are kept in the database (store.path); the file is only imported once');
  if (!db.isEmpty()) return db;
  const file = config.stateFile;
  try {
    const imported = await importStateFile(db, file);
    if (imported !== null) logger.info({ stateFile: file, targets: imported, renamedTo: `${file}.imported` }, 'state file imported into the database');
  } catch (err) {
    if (!(err instanceof StateFileError)) {
      db.close();
      throw new StartupError('environment', `cannot import the state file ${file}: ${(err as Error).message}`);
    }
    if (err.kind === 'newer') {
      db.close();
      throw new StartupError('environment', err.message);
    }
    const backup = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(file, backup);
    } catch (renameErr) {
      db.close();
      throw new StartupError('environment', `${err.message}; it cannot be moved aside either (${(renameErr as Error).message})`);
    }
    logger.error({ err: err.message, backup }, 'state file unreadable: moved aside, nothing imported');
  }
  return db;
}

/** Targets (domain × mode) of a target list. */
function targetCount(targets: readonly TargetConfig[]): number {
  return targets.reduce((n, t) => n + t.modes.length, 0);
}

/** The /probe policy for targets that are not configured. */
export function probeAllowed(config: Config, domain: string): boolean {
  if (config.probe.allow === 'any') return true;
  if (config.probe.allow !== 'patterns') return false;
  return config.probe.patterns.some((p) => matchesPattern(domain, p));
}
