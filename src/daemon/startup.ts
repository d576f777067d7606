import { constants, existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { TrustStore } from '../certificate/index.js';
import {
  type Config,
  ConfigError,
  type TargetConfig,
  TargetSources,
  buildTrustStore,
  loadClientCertificate,
  loadConfig,
  resolveTargets,
  versionAccountOptions,
} from '../config/index.js';
import type { ClientCertificate } from '../connector/index.js';
// The HTTP server's start-up checks, not the server: check-config must not load it.
import { createBasicAuthVerifier } from '../http/auth.js';
import { checkKeyPair, loadWebTls } from '../http/web-tls.js';
import { type Shard, checkShard, ordinalOfHostname, ownsDomain, parseShard } from '../scheduler/index.js';
import type { VersionAccountOptions } from '../software/index.js';

// Everything the daemon needs from its configuration, loaded and checked in one place before
// anything runs: `serve` (at start and on reload) and `check-config` go through loadSettings(),
// so the check says exactly what the daemon will say. Nothing here writes anything.

/** Why the daemon cannot start: `config` (exit 2) is the file's fault, `environment` (exit 1) the machine's. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly kind: 'config' | 'environment',
    message: string,
  ) {
    super(message);
  }
}

export interface Settings {
  config: Config;
  targets: TargetConfig[];
  /** Problems of URL target sources (not fatal: a URL may be unreachable for a while). */
  targetWarnings: string[];
  trustStore: TrustStore;
  clientCertificate: ClientCertificate | undefined;
  versionAccount: VersionAccountOptions | undefined;
  /** The target sources the targets came from: pass them to the next load (reload, refresh). */
  sources: TargetSources;
  /** This replica's share (`shard`, the environment, the host name): `targets` holds only the domains it owns. */
  shard: Shard;
  /** Every configured target, whichever replica owns it: /probe answers for all of them on any replica. */
  fleetTargets: TargetConfig[];
}

export interface LoadSettingsOptions {
  /** Target sources kept across reloads (a failing source keeps its last good list, a URL its ETag); default new ones. */
  sources?: TargetSources;
  refreshUrls?: 'due' | 'all';
  /** false: leave URL sources out (check-config cannot know whether they are reachable from where it runs). Default true. */
  fetchUrls?: boolean;
}

/**
 * Loads the configuration file and everything it names: trust anchors, client certificate and
 * key, the version query's account, the web server's certificate, key and users, the target
 * files, and the database's folder. Throws StartupError with one message naming the file and
 * the cause (ConfigError's message: one line per problem).
 */
export async function loadSettings(configFile: string, opts: LoadSettingsOptions = {}): Promise<Settings> {
  let config: Config;
  try {
    config = await loadConfig(configFile);
  } catch (err) {
    throw new StartupError('config', err instanceof ConfigError ? err.message : `${configFile}: ${(err as Error).message}`);
  }
  const configProblem = (what: string, err: unknown) => new StartupError('config', `${configFile}: ${what}: ${(err as Error).message}`);

  let trustStore: TrustStore;
  try {
    trustStore = buildTrustStore(config);
  } catch (err) {
    throw configProblem('scanner.caFiles', err);
  }
  let clientCertificate: ClientCertificate | undefined;
  try {
    clientCertificate = loadClientCertificate(config);
    const cc = config.scanner.clientCertificate;
    if (clientCertificate && cc) checkKeyPair(clientCertificate, { cert: `the certificate file ${cc.certFile}`, key: `the key file ${cc.keyFile}` });
  } catch (err) {
    throw configProblem('scanner.clientCertificate', err);
  }
  let versionAccount: VersionAccountOptions | undefined;
  try {
    versionAccount = versionAccountOptions(config);
  } catch (err) {
    throw configProblem('version.caFiles', err);
  }
  try {
    await loadWebTls(config.web);
  } catch (err) {
    throw configProblem('web', err);
  }
  try {
    if (Object.keys(config.web.basicAuthUsers).length > 0) createBasicAuthVerifier(config.web.basicAuthUsers);
  } catch (err) {
    throw configProblem('web.basicAuthUsers', err);
  }

  const forLoad: Config = opts.fetchUrls === false ? { ...config, targetSources: { ...config.targetSources, urls: [] } } : config;
  const sources = opts.sources ?? new TargetSources();
  const resolved = await resolveTargets(forLoad, { sources, ...(opts.refreshUrls ? { refreshUrls: opts.refreshUrls } : {}) });
  // A target file that cannot be read or has bad lines is the configuration's fault; a URL may
  // just be unreachable for a while (its last good list, if any, is kept).
  const fileErrors = resolved.sources.filter((s) => s.kind === 'file' || s.kind === 'file_sd').flatMap((s) => s.errors);
  if (fileErrors.length > 0) throw new StartupError('config', fileErrors.map((e) => `${configFile}: ${e}`).join('\n'));
  const targetWarnings = resolved.sources.filter((s) => s.kind === 'url').flatMap((s) => s.errors);

  let shard: Shard;
  try {
    shard = resolveShard(config.shard);
  } catch (err) {
    throw configProblem('shard', err);
  }

  await checkWritable(config.store.path);
  const targets = ownedTargets(resolved.targets, shard);
  return { config, targets, targetWarnings, trustStore, clientCertificate, versionAccount, sources, shard, fleetTargets: resolved.targets };
}

/** The environment variable that overrides `shard` (and that `serve --shard I/N` sets). */
export const SHARD_ENV = 'XMPP_TLS_EXPORTER_SHARD';

/** This replica's shard: XMPP_TLS_EXPORTER_SHARD=I/N, else the configuration (its index from the host name with fromHostname). */
export function resolveShard(setting: Config['shard'], env: NodeJS.ProcessEnv = process.env, host = hostname()): Shard {
  const fromEnv = env[SHARD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseShard(fromEnv);
  const shard = { index: setting.fromHostname ? ordinalOfHostname(host) : setting.index, count: setting.count };
  checkShard(shard);
  return shard;
}

/** The targets this replica owns (all of them with one replica). */
export function ownedTargets(targets: TargetConfig[], shard: Shard): TargetConfig[] {
  return shard.count <= 1 ? targets : targets.filter((t) => ownsDomain(t.domain, shard));
}

/**
 * The database must be writable (it is written after every scan): check now. Its folder may not
 * exist yet (it is created at open): the nearest existing ancestor must be writable.
 */
async function checkWritable(file: string): Promise<void> {
  const fail = (err: unknown) => new StartupError('environment', `the database ${file} cannot be written: ${(err as Error).message}`);
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a regular file');
    await access(file, constants.R_OK | constants.W_OK);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(err);
  }
  let dir = dirname(file);
  for (;;) {
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) throw new Error(`${dir} is not a directory`);
      await access(dir, constants.W_OK | constants.X_OK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw fail(err);
      dir = dirname(dir);
    }
  }
}

/** The settings that changed but only take effect at the next start: the HTTP server (listen, web), the logger (log) and the database (store.path). */
export function restartNeeded(old: Config, next: Config): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed: string[] = (['listen', 'web', 'log'] as const).filter((k) => !same(old[k], next[k]));
  // The retention applies at once; the file is opened once.
  if (old.store.path !== next.store.path) changed.push('store.path');
  return changed;
}

export interface CheckOutcome {
  /** 0 valid, 2 a configuration problem, 1 an environment problem (what serve would exit with). */
  exitCode: 0 | 1 | 2;
  /** What to print, one line each: the problems, or a summary of what would be scanned. */
  lines: string[];
}

/**
 * `check-config` / `serve --config.check`: exactly the checks `serve` runs at start (loadSettings),
 * except binding the listen address and fetching URL target sources (they may not be reachable
 * from where the check runs).
 */
export async function checkConfig(file: string): Promise<CheckOutcome> {
  let settings: Settings;
  try {
    settings = await loadSettings(file, { fetchUrls: false });
  } catch (err) {
    if (err instanceof StartupError) return { exitCode: err.kind === 'config' ? 2 : 1, lines: err.message.split('\n') };
    throw err;
  }
  const { config, targets } = settings;
  // A database that exists must open (serve would refuse a damaged one or one from a newer version); opened read-only, nothing written.
  if (existsSync(config.store.path)) {
    // Loaded here, not at the top: the SQLite driver is only needed when there is a database to open.
    const { ResultDatabase, StoreError } = await import('../store/index.js');
    try {
      ResultDatabase.open(config.store.path, { readonly: true }).close();
    } catch (err) {
      if (err instanceof StoreError && err.kind !== 'io') return { exitCode: 1, lines: [err.message] };
    }
  }
  const scans = targets.reduce((n, t) => n + t.modes.length, 0);
  const urls = config.targetSources.urls.length;
  const address = `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
  return {
    exitCode: 0,
    lines: [
      `${file}: OK: ${targets.length} domains, ${scans} scans (domain × mode)${urls > 0 ? `, plus ${urls} URL sources (not fetched)` : ''}; listen ${address}`,
      ...(config.version
        ? [`${file}: software version query as ${config.version.jid} (password from ${config.version.passwordSource}; the login is not tried here)`]
        : []),
    ],
  };
}
