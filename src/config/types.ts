import { DEFAULTS } from '../defaults.js';
import type { Mode } from '../result/types.js';
import type { RawConfig, RawTarget } from './schema.generated.js';
import type { Secret } from './secret.js';

// The daemon's configuration after loading: every default filled in, every path absolute (relative
// paths in the file are relative to the file's directory), every domain normalised. What it shares
// with the file comes from RawConfig, generated from docs/config.schema.json (the one source of the
// shape; scripts/generate-schema-types.mjs); docs/configuration.md describes each key.

export type { Mode, RawConfig, RawTarget };

/** Modes of a target that names none. */
export const DEFAULT_MODES: readonly Mode[] = DEFAULTS.target.modes;

/** A target: `domain` normalised (IDNA A-labels, lower case, no trailing dot), `modes` never empty and without repeats. */
export type TargetConfig = RawTarget;

/** The client account of the XEP-0092 software version query (`version:` in the YAML, or the environment). */
export interface VersionConfig extends Omit<NonNullable<RawConfig['version']>, 'jid' | 'password' | 'passwordFile'> {
  /** Bare JID, as configured. */
  jid: string;
  /** From `password`, `passwordFile` or the environment; prints as [redacted]. */
  password: Secret;
  /** Where the password came from, for messages: `version.password`, `version.passwordFile` or an environment variable name. */
  passwordSource: string;
}

/** Environment variables that set (and override) `version:`. */
export const VERSION_ENV = {
  jid: 'XMPP_TLS_EXPORTER_VERSION_JID',
  password: 'XMPP_TLS_EXPORTER_VERSION_PASSWORD',
  passwordFile: 'XMPP_TLS_EXPORTER_VERSION_PASSWORD_FILE',
  connect: 'XMPP_TLS_EXPORTER_VERSION_CONNECT',
} as const;

/** The sections that keep the file's shape are RawConfig's (with absolute paths, `scanner.from` normalised). */
export interface Config
  extends Pick<RawConfig, 'schedule' | 'concurrency' | 'timeouts' | 'scanner' | 'grading' | 'targetSources' | 'store' | 'probe' | 'shard' | 'metrics' | 'log'> {
  /**
   * The JSON state file of earlier versions, imported into an empty database at start: `stateFile`
   * when set (deprecated), else ./data/state.json beside the configuration. Absolute.
   */
  stateFile: string;
  /** Whether `stateFile` was set in the file (it is deprecated: a warning at start). */
  stateFileSet: boolean;
  /** `host` '' means every interface (pass `host || undefined` to server.listen); port 0 = any free port. */
  listen: { host: string; port: number };
  /** The inline `targets:` only; resolveTargets() adds the target sources. */
  targets: TargetConfig[];
  web: {
    tlsCertFile?: string;
    tlsKeyFile?: string;
    /** user → bcrypt hash ($2y$…) or "sha256:HEX" (SHA-256 of the password); see src/http/auth.ts. */
    basicAuthUsers: Record<string, string>;
  };
  /** The software version query's account; absent when none is configured. */
  version?: VersionConfig;
}

export interface ConfigIssue {
  /** Where: "targets[3].modes[0]", "" for the whole document. */
  path: string;
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
}

/** A configuration that can't be used. `message` lists every issue, one a line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
  }
}

/** "FILE:LINE:COLUMN: PATH: MESSAGE" (position and path left out when unknown). */
export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}
