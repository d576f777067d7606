import type { ProfileName } from '../grading/index.js';
import type { Mode } from '../result/types.js';
import type { Secret } from './secret.js';

// The daemon's configuration after loading: every default filled in, every path absolute (relative
// paths in the file are relative to the file's directory), every domain normalised. The YAML
// spelling of each key is in docs/config.schema.json (the single source of the rules and defaults)
// and docs/configuration.md.

export type { Mode };

export const MODES: readonly Mode[] = ['c2s', 's2s'];

/** Modes of a target that names none. */
export const DEFAULT_MODES: readonly Mode[] = ['c2s', 's2s'];

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface TargetConfig {
  /** Normalised XMPP domain (IDNA A-labels, lower case, no trailing dot). */
  domain: string;
  /** Never empty, no repeats. */
  modes: Mode[];
  /** "HOST:PORT": skip DNS and scan this address. */
  connect?: string;
  directTls?: boolean;
  /** Cron expression replacing schedule.cron for this target. */
  schedule?: string;
}

export interface UrlSourceConfig {
  url: string;
  refreshSeconds: number;
}

/** The client account of the XEP-0092 software version query (`version:` in the YAML, or the environment). */
export interface VersionConfig {
  /** Bare JID, as configured. */
  jid: string;
  /** From `password`, `passwordFile` or the environment; prints as [redacted]. */
  password: Secret;
  /** Where the password came from, for messages: `version.password`, `version.passwordFile` or an environment variable name. */
  passwordSource: string;
  /** "HOST:PORT" of the account's server instead of its SRV records. */
  connect?: string;
  directTls: boolean;
  /** Trust anchors for the account server's certificate (absolute paths), plus the bundled roots unless systemRoots is false. */
  caFiles: string[];
  systemRoots: boolean;
  allowPlain: boolean;
  timeoutSeconds: number;
  resource?: string;
}

/** Environment variables that set (and override) `version:`. */
export const VERSION_ENV = {
  jid: 'XMPP_TLS_EXPORTER_VERSION_JID',
  password: 'XMPP_TLS_EXPORTER_VERSION_PASSWORD',
  passwordFile: 'XMPP_TLS_EXPORTER_VERSION_PASSWORD_FILE',
  connect: 'XMPP_TLS_EXPORTER_VERSION_CONNECT',
} as const;

export interface Config {
  /** `host` '' means every interface (pass `host || undefined` to server.listen); port 0 = any free port. */
  listen: { host: string; port: number };
  schedule: { cron: string; jitterSeconds: number };
  concurrency: { domains: number; connectionsPerHost: number; connectionDelayMs: number };
  timeouts: { connectSeconds: number; readSeconds: number; handshakeSeconds: number; endpointSeconds: number; scanSeconds: number };
  scanner: {
    from: string;
    clientCertificate?: { certFile: string; keyFile: string };
    caFiles: string[];
    systemRoots: boolean;
    fetchAia: boolean;
    resolver?: string;
    tlsProbe: boolean;
  };
  grading: { profile: ProfileName };
  /** The inline `targets:` only; resolveTargets() adds the target sources. */
  targets: TargetConfig[];
  targetSources: { files: string[]; fileSd: string[]; urls: UrlSourceConfig[] };
  stateFile: string;
  probe: { allow: 'configured' | 'patterns' | 'any'; patterns: string[]; maxAgeSeconds: number };
  web: {
    tlsCertFile?: string;
    tlsKeyFile?: string;
    /** user → bcrypt hash ($2y$…) or "sha256:HEX" (SHA-256 of the password); see src/http/auth.ts. */
    basicAuthUsers: Record<string, string>;
  };
  log: { level: LogLevel; format: 'json' | 'pretty' | 'auto' };
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
