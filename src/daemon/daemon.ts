import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { TrustStore } from '../certificate/index.js';
import {
  type Config,
  type TargetConfig,
  TargetSources,
  buildTrustStore,
  loadClientCertificate,
  loadConfig,
  matchesPattern,
  resolveTargets,
  toScanOptions,
  versionAccountOptions,
  watchFiles,
  watchedFiles,
} from '../config/index.js';
import type { ClientCertificate } from '../connector/index.js';
import { startHttpServer } from '../http/index.js';
import { type ExporterStats, createMetricsRegistry, createProbeRegistry } from '../metrics/index.js';
import type { Mode, ScanResult } from '../result/types.js';
import { type ScanOptions, scanDomain } from '../scan/index.js';
import { VersionQueryClient } from '../software/index.js';
import { type Job, Scheduler } from '../scheduler/index.js';
import { ResultStore, type StoredEntry, scanSucceeded, targetKey } from '../store/index.js';
import { SCANNER } from '../version.js';

// The daemon: configuration → scheduler → scans → result store → /metrics, /probe, API, page.
// Everything a scan finds goes through the store, and everything served is derived from it.

const SHUTDOWN_GRACE_MS = 10_000;
const SAVE_DEBOUNCE_MS = 1_000;

export interface DaemonOptions {
  configFile: string;
  logger: Logger;
}

interface Applied {
  config: Config;
  targets: TargetConfig[];
  trustStore: TrustStore;
  clientCertificate: ClientCertificate | undefined;
}

export class Daemon {
  private applied!: Applied;
  private readonly stats: ExporterStats = {
    scansTotal: { success: 0, failure: 0 },
    probesTotal: 0,
    scansInProgress: 0,
    configReloadSuccessful: true,
    configReloadTimestampSeconds: Date.now() / 1000,
  };
  private scheduler!: Scheduler;
  private http: { url: string; port: number; close(): Promise<void> } | null = null;
  private stopWatching: () => void = () => {};
  /** Target sources live across reloads: a failing source keeps its last good list, URLs their ETag. */
  private readonly sources = new TargetSources();
  private urlTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private ready = false;
  /** Results of /probe scans of targets that are not configured (allowed by pattern), by key. */
  private readonly probeCache = new Map<string, ScanResult>();
  /** The software version query's client (one shared session), and the settings it was made from. */
  private version: { client: VersionQueryClient; key: string } | null = null;

  private constructor(
    private readonly opts: DaemonOptions,
    private readonly store: ResultStore,
  ) {}

  get log(): Logger {
    return this.opts.logger;
  }

  get url(): string {
    return this.http?.url ?? '';
  }

  static async start(opts: DaemonOptions): Promise<Daemon> {
    const config = await loadConfig(opts.configFile);
    let store: ResultStore;
    try {
      store = await ResultStore.load(config.stateFile);
      opts.logger.info({ stateFile: config.stateFile, targets: store.size }, 'loaded previous results');
    } catch (err) {
      opts.logger.error({ err: (err as Error).message }, 'state file unreadable: starting with no results');
      store = new ResultStore();
    }
    const daemon = new Daemon(opts, store);
    daemon.scheduler = new Scheduler({
      maxConcurrent: config.concurrency.domains,
      jitterSeconds: config.schedule.jitterSeconds,
      logger: opts.logger,
    });
    await daemon.apply(config);
    const metricsRegistry = createMetricsRegistry({ entries: () => store.all(), stats: () => daemon.currentStats() });
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
    });
    daemon.ready = true;
    opts.logger.info({ url: daemon.url, targets: daemon.applied.targets.length }, 'listening');
    return daemon;
  }

  /** Re-reads the configuration; a bad one keeps the running one and is reported. */
  async reload(): Promise<boolean> {
    try {
      const config = await loadConfig(this.opts.configFile);
      await this.apply(config);
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

  async stop(): Promise<void> {
    this.log.info('shutting down');
    this.stopWatching();
    if (this.urlTimer) clearInterval(this.urlTimer);
    await this.scheduler.stop(SHUTDOWN_GRACE_MS);
    await this.version?.client.close();
    this.version = null;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    await this.saveState();
    await this.http?.close();
  }

  private currentStats(): ExporterStats {
    return { ...this.stats, scansInProgress: this.scheduler.inProgress };
  }

  private async apply(config: Config, refreshUrls: 'due' | 'all' = 'all'): Promise<void> {
    const trustStore = buildTrustStore(config);
    const clientCertificate = loadClientCertificate(config);
    const { targets, errors } = await resolveTargets(config, { sources: this.sources, refreshUrls });
    for (const e of errors) this.log.warn({ err: e }, 'target source failed: using its last good list');
    this.applied = { config, targets, trustStore, clientCertificate };
    this.applyVersion(config);
    const jobs: Job[] = [];
    const neverScanned: string[] = [];
    for (const t of targets) {
      for (const mode of t.modes) {
        const key = targetKey(t.domain, mode);
        jobs.push({ key, cron: t.schedule ?? config.schedule.cron, run: (signal) => this.runScan(t, mode, signal) });
        if (!this.store.get(t.domain, mode)) neverScanned.push(key);
      }
    }
    this.scheduler.setJobs(jobs);
    const removed = this.store.retain(new Set(jobs.map((j) => j.key)));
    if (removed.length) this.log.info({ removed }, 'targets removed from the configuration');
    // First scan at start-up (and after a reload) for targets never scanned.
    for (const key of neverScanned) this.scheduler.trigger(key);
    this.stopWatching();
    this.stopWatching = watchFiles(watchedFiles(this.opts.configFile, config), () => void this.reload());
    // URL sources are refreshed on their own interval (each one only when due).
    if (this.urlTimer) clearInterval(this.urlTimer);
    const urlPeriods = config.targetSources.urls.map((u) => u.refreshSeconds);
    if (urlPeriods.length) {
      this.urlTimer = setInterval(() => void this.apply(this.applied.config, 'due').catch((err: Error) => this.log.error({ err: err.message }, 'target refresh failed')), Math.min(...urlPeriods) * 1000);
    }
  }

  /**
   * One VersionQueryClient (one logged-in session shared by all scans) while `version:` is set; a
   * reload that changes the account or its settings replaces it, one that does not keeps its session.
   */
  private applyVersion(config: Config): void {
    const options = versionAccountOptions(config);
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
    this.record(result);
  }

  private record(result: ScanResult): StoredEntry {
    const entry = this.store.put(result);
    const ok = scanSucceeded(result);
    this.stats.scansTotal[ok ? 'success' : 'failure']++;
    this.stats.probesTotal += result.endpoints.reduce((n, e) => n + (e.tls?.probeCount ?? 0), 0);
    this.log.info(
      {
        domain: result.domain,
        mode: result.mode,
        grade: result.grade?.letter ?? null,
        durationSeconds: result.durationSeconds,
        endpoints: result.endpoints.length,
        ...(result.error ? { error: result.error.code } : {}),
        ...(result.software ? { software: result.software.error ? { error: result.software.error.code } : [result.software.name, result.software.version].filter(Boolean).join(' ') } : {}),
      },
      ok ? 'scan finished' : 'scan failed',
    );
    for (const ep of result.endpoints) {
      this.log.debug({ domain: result.domain, mode: result.mode, endpoint: `${ep.host}:${ep.port}`, status: ep.status, probes: ep.tls?.probeCount ?? 0, error: ep.error?.code }, 'endpoint');
    }
    this.scheduleSave();
    return entry;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.saveState();
    }, SAVE_DEBOUNCE_MS);
  }

  private async saveState(): Promise<void> {
    try {
      await this.store.save(this.applied.config.stateFile);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not save the state file');
    }
  }

  /** Blackbox-exporter style: a fresh enough stored result, or a scan now within the scrape deadline. */
  private async probe(domain: string, mode: Mode, timeoutSeconds: number, signal: AbortSignal): Promise<{ status: number; contentType: string; body: string }> {
    const { config, targets, trustStore, clientCertificate } = this.applied;
    const configured = targets.find((t) => t.domain === domain && t.modes.includes(mode));
    if (!configured && !probeAllowed(config, domain)) {
      return { status: 403, contentType: 'text/plain; charset=utf-8', body: `target ${domain} is not allowed by the /probe policy (probe.allow: ${config.probe.allow})\n` };
    }
    const started = performance.now();
    const maxAgeMs = config.probe.maxAgeSeconds * 1000;
    const fresh = (r: ScanResult | undefined | null) => r && Date.now() - Date.parse(r.startedAt) <= maxAgeMs;
    let entry: StoredEntry | undefined;
    if (configured) {
      entry = this.store.get(domain, mode);
      if (!fresh(entry?.latest)) {
        this.scheduler.trigger(targetKey(domain, mode));
        await Promise.race([this.scheduler.idle(targetKey(domain, mode)), aborted(signal)]);
        entry = this.store.get(domain, mode);
      }
    } else {
      let result = this.probeCache.get(targetKey(domain, mode));
      if (!result || !fresh(result)) {
        const target: TargetConfig = { domain, modes: [mode] };
        result = await scanDomain(domain, {
          ...toScanOptions(config, target, mode, { trustStore, ...(clientCertificate ? { clientCertificate } : {}) }),
          ...this.softwareQuery(),
          signal,
          ...probeTimeouts(timeoutSeconds),
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

/** Within a scrape deadline, phases must be short enough for a whole scan to fit. */
function probeTimeouts(timeoutSeconds: number): { timeouts: { connectMs: number; readMs: number; handshakeMs: number } } {
  const ms = Math.max(500, Math.floor((timeoutSeconds * 1000) / 4));
  return { timeouts: { connectMs: ms, readMs: ms, handshakeMs: ms } };
}

/** The /probe policy for targets that are not configured. */
export function probeAllowed(config: Config, domain: string): boolean {
  if (config.probe.allow === 'any') return true;
  if (config.probe.allow !== 'patterns') return false;
  return config.probe.patterns.some((p) => matchesPattern(domain, p));
}
