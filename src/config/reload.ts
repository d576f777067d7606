import { loadConfig } from './load.js';
import { resolveTargets } from './targets.js';
import { type Config, ConfigError, formatIssue } from './types.js';

// Reload (SIGHUP, or a watched file changed) and check-config.

export interface ReloadOutcome {
  /** The configuration in force: the new one, or `current` when the new one is bad. */
  config: Config;
  /** Whether the new file was taken. */
  applied: boolean;
  /** Why the new file was refused (the old configuration keeps running). */
  error: ConfigError | null;
  /** Settings that changed but only take effect on restart (e.g. "listen"). */
  restartNeeded: string[];
}

/** Loads `file` again; a bad file leaves `current` in force and is reported in `error`. */
export async function reloadConfig(file: string, current: Config): Promise<ReloadOutcome> {
  try {
    const config = await loadConfig(file);
    return { config, applied: true, error: null, restartNeeded: restartNeeded(current, config) };
  } catch (err) {
    const error = err instanceof ConfigError ? err : new ConfigError(file, [{ path: '', message: (err as Error).message }]);
    return { config: current, applied: false, error, restartNeeded: [] };
  }
}

/**
 * The settings that changed but only take effect at the next start: the HTTP server (listen, web)
 * and the logger (log) are set up once.
 */
export function restartNeeded(old: Config, next: Config): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (['listen', 'web', 'log'] as const).filter((k) => !same(old[k], next[k]));
}

export interface CheckOutcome {
  ok: boolean;
  /** What to print, one line each: problems, or a summary of what would be scanned. */
  lines: string[];
  config?: Config;
}

/**
 * `check-config` / `serve --config.check`: validates the file and reads the target sources.
 * Files and file_sd must be usable; URLs are only fetched with `fetchUrls` (they may not be
 * reachable from where the check runs), and a URL failure is then reported but not fatal.
 */
export async function checkConfig(file: string, opts: { fetchUrls?: boolean } = {}): Promise<CheckOutcome> {
  let config: Config;
  try {
    config = await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, lines: err.issues.map((i) => formatIssue(file, i)) };
    return { ok: false, lines: [`${file}: ${(err as Error).message}`] };
  }
  const forCheck: Config = opts.fetchUrls ? config : { ...config, targetSources: { ...config.targetSources, urls: [] } };
  const resolved = await resolveTargets(forCheck);
  const fileErrors = resolved.sources.filter((s) => s.kind === 'file' || s.kind === 'file_sd').flatMap((s) => s.errors);
  const scans = resolved.targets.reduce((n, t) => n + t.modes.length, 0);
  const lines = [
    ...resolved.errors.map((e) => `${file}: ${e}`),
    `${file}: ${fileErrors.length > 0 ? 'INVALID' : 'OK'}: ${resolved.targets.length} domains, ${scans} scans (domain × mode)` +
      (config.targetSources.urls.length > 0 && !opts.fetchUrls ? `, plus ${config.targetSources.urls.length} URL sources (not fetched)` : ''),
    ...(config.version ? [`${file}: software version query as ${config.version.jid} (password from ${config.version.passwordSource}; the login is not tried here)`] : []),
  ];
  return { ok: fileErrors.length === 0, lines, config };
}
