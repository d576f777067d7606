import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { type Document, LineCounter, type YAMLMap, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { normalizeDomain, parseHostPort } from '../discovery/index.js';
import { cronProblem } from './cron.js';
import { type PathSegment, type RawIssue, formatPath, validateSchema } from './schema.js';
import { parseBareJid } from '../software/jid.js';
import { Secret } from './secret.js';
import { LEGACY_STATE_FILE } from '../defaults.js';
import {
  type Config,
  ConfigError,
  type ConfigIssue,
  DEFAULT_MODES,
  type Mode,
  type RawConfig,
  type TargetConfig,
  VERSION_ENV,
  type VersionConfig,
} from './types.js';

// Loading: YAML → schema (shape, defaults) → semantic checks the schema can't express (cron
// syntax, domain and HOST:PORT syntax, files that must exist) → Config. Every problem found is
// reported at once, each with its path and, when possible, its line and column.

export interface ParseOptions {
  /** Check that referenced files (CA, certificates, keys) exist and are readable. Default true. */
  checkFiles?: boolean;
  /** Where the XMPP_TLS_EXPORTER_VERSION_* variables are read. Default process.env. */
  env?: Record<string, string | undefined>;
}

export async function loadConfig(file: string, opts: ParseOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the configuration: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, opts);
}

/** Parses and validates a configuration text; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string, opts: ParseOptions = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const at = /^("[^"\n]*"|'[^'\n]*'|[^:#\n]+?)\s*:/.exec(text.slice(e.pos[0]))?.[1] ?? '';
        return { path: '', message: `invalid YAML: ${yamlMessage(e.code, e.message, at)}`, line: pos.line, column: pos.col };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `invalid YAML: ${(err as Error).message}` }]);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, [
      {
        path: '',
        message: `the configuration must be a mapping of settings (got ${Array.isArray(data) ? 'a list' : JSON.stringify(data)})`,
        line: 1,
        column: 1,
      },
    ]);
  }

  const baseDir = dirname(resolve(file));
  const fromEnv = applyVersionEnv(data as Record<string, unknown>, opts.env ?? process.env);
  const schemaIssues = validateSchema(data).map((i) => mentionEnv(i, fromEnv));
  const semantic = new SemanticChecks(baseDir, opts.checkFiles !== false, fromEnv);
  semantic.run(data as Record<string, unknown>);
  // A semantic check of a value the schema already rejected would only repeat the problem.
  const rejected = schemaIssues.map((i) => formatPath(i.segments));
  const semanticIssues = semantic.issues.filter((i) => {
    const p = formatPath(i.segments);
    return !rejected.some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`));
  });
  const issues = [...schemaIssues, ...semanticIssues];
  if (issues.length > 0) throw new ConfigError(file, locate(issues, doc, lineCounter));
  return buildConfig(data as RawConfig, baseDir, semantic);
}

/** Parses "HOST:PORT", ":PORT", "[IPv6]:PORT" (host '' = every interface). Throws Error with the reason. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(value);
  if (!m) throw new Error('must be HOST:PORT, :PORT or [IPv6]:PORT');
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} out of range 0-65535`);
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw new Error(`"${m[1]}" is not an IPv6 address`);
    return { host: m[1], port };
  }
  const host = m[2] ?? '';
  if (host !== '' && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    throw new Error(`"${host}" is not an IP address or host name`);
  }
  return { host, port };
}

/** Checks a resolver address "IP", "IPv4:PORT", "[IPv6]:PORT" (what dns.Resolver#setServers takes). */
export function checkResolver(value: string): void {
  if (isIP(value) !== 0) return;
  const m = /^(?:\[([^\]]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(value);
  if (!m) throw new Error('must be IP, IPv4:PORT or [IPv6]:PORT');
  const ip = m[1] ?? m[2] ?? '';
  if (isIP(ip) !== (m[1] !== undefined ? 6 : 4)) throw new Error(`"${ip}" is not an IP address`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} out of range 1-65535`);
}

/** "*.example.org" / "example.org" → normalised pattern; throws Error with the reason. */
export function normalizePattern(pattern: string): string {
  const wildcard = pattern.startsWith('*.');
  const domain = normalizeDomain(wildcard ? pattern.slice(2) : pattern);
  return wildcard ? `*.${domain}` : domain;
}

/** Whether a (normalised) domain matches a normalised probe pattern. */
export function matchesPattern(domain: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return domain.endsWith(pattern.slice(1));
  return domain === pattern;
}

// ---------------------------------------------------------------------------------------------

/**
 * Moves the XMPP_TLS_EXPORTER_VERSION_* variables into `version:` (they override the file; a
 * password from the environment replaces both password and passwordFile). Returns which keys came
 * from the environment, and under which variable, for messages.
 */
function applyVersionEnv(data: Record<string, unknown>, env: Record<string, string | undefined>): Map<string, string> {
  const fromEnv = new Map<string, string>();
  const jid = env[VERSION_ENV.jid];
  const password = env[VERSION_ENV.password];
  const passwordFile = env[VERSION_ENV.passwordFile];
  const connect = env[VERSION_ENV.connect];
  const set = (v: string | undefined) => v !== undefined && v !== '';
  if (!set(jid) && !set(password) && !set(passwordFile) && !set(connect)) return fromEnv;
  const existing = data.version;
  if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing))) return fromEnv; // the schema reports it
  const version = { ...((existing as Record<string, unknown> | undefined) ?? {}) };
  if (set(jid)) {
    version.jid = jid;
    fromEnv.set('jid', VERSION_ENV.jid);
  }
  if (set(connect)) {
    version.connect = connect;
    fromEnv.set('connect', VERSION_ENV.connect);
  }
  if (set(password)) {
    version.password = password;
    delete version.passwordFile;
    fromEnv.set('password', VERSION_ENV.password);
  } else if (set(passwordFile)) {
    // Relative to the working directory, as paths on a command line are.
    version.passwordFile = resolve(passwordFile!);
    delete version.password;
    fromEnv.set('passwordFile', VERSION_ENV.passwordFile);
  }
  data.version = version;
  return fromEnv;
}

/** An issue about a value that came from the environment names the variable. */
function mentionEnv(issue: RawIssue, fromEnv: Map<string, string>): RawIssue {
  const [first, second] = issue.segments;
  const variable = first === 'version' && typeof second === 'string' ? fromEnv.get(second) : undefined;
  return variable ? { ...issue, envVariable: variable } : issue;
}

class SemanticChecks {
  readonly issues: RawIssue[] = [];
  /** Normalised domain per targets[i] (when valid). */
  readonly domains = new Map<number, string>();
  readonly patterns = new Map<number, string>();
  /** version: the password and where it came from, once read. */
  versionPassword: { value: string; source: string } | undefined;

  constructor(
    private readonly baseDir: string,
    private readonly checkFiles: boolean,
    private readonly fromEnv: Map<string, string> = new Map(),
  ) {}

  private add(segments: PathSegment[], message: string): void {
    this.issues.push({ segments, message });
  }

  /** An issue about version.KEY, which may have come from the environment. */
  private addVersion(key: string, message: string): void {
    this.issues.push(mentionEnv({ segments: ['version', key], message }, this.fromEnv));
  }

  run(c: Record<string, unknown>): void {
    const listen = c.listen;
    if (typeof listen === 'string') this.guard(['listen'], () => parseListen(listen));

    const schedule = obj(c.schedule);
    if (typeof schedule?.cron === 'string') this.cron(['schedule', 'cron'], schedule.cron);

    const scanner = obj(c.scanner);
    if (scanner) {
      if (typeof scanner.from === 'string') this.domain(['scanner', 'from'], scanner.from);
      if (typeof scanner.resolver === 'string') {
        const r = scanner.resolver;
        this.guard(['scanner', 'resolver'], () => checkResolver(r));
      }
      if (Array.isArray(scanner.caFiles)) for (const [i, f] of scanner.caFiles.entries()) this.file(['scanner', 'caFiles', i], f);
      const cc = obj(scanner.clientCertificate);
      if (cc) {
        this.file(['scanner', 'clientCertificate', 'certFile'], cc.certFile);
        this.file(['scanner', 'clientCertificate', 'keyFile'], cc.keyFile);
      }
    }

    if (Array.isArray(c.targets)) this.targets(c.targets);

    const sources = obj(c.targetSources);
    if (sources && Array.isArray(sources.urls)) {
      sources.urls.forEach((u, i) => {
        const url = obj(u)?.url;
        if (typeof url === 'string') this.guard(['targetSources', 'urls', i, 'url'], () => checkUrl(url));
      });
    }

    const probe = obj(c.probe);
    if (probe && Array.isArray(probe.patterns)) {
      probe.patterns.forEach((p, i) => {
        if (typeof p !== 'string') return;
        this.guard(['probe', 'patterns', i], () => this.patterns.set(i, normalizePattern(p)));
      });
      if (probe.allow === 'patterns' && probe.patterns.length === 0) this.add(['probe', 'patterns'], 'must list at least one pattern with allow: patterns');
    }

    const version = obj(c.version);
    if (version) this.version(version);

    const web = obj(c.web);
    if (web) {
      const tls = obj(web.tls_server_config);
      if (tls) {
        this.file(['web', 'tls_server_config', 'cert_file'], tls.cert_file);
        this.file(['web', 'tls_server_config', 'key_file'], tls.key_file);
      }
      const users = obj(web.basic_auth_users);
      if (users) {
        for (const user of Object.keys(users)) {
          if (user.includes(':')) this.add(['web', 'basic_auth_users', user], 'a user name cannot contain ":" (basic auth splits there)');
          else if (user === '') this.add(['web', 'basic_auth_users', user], 'the user name is empty');
        }
      }
    }
  }

  private version(v: Record<string, unknown>): void {
    const at = (key: string): PathSegment[] => ['version', key];
    if (v.jid === undefined) this.add(['version', 'jid'], `is required (or set ${VERSION_ENV.jid})`);
    else if (typeof v.jid === 'string') {
      const jid = v.jid;
      try {
        parseBareJid(jid);
      } catch (err) {
        this.addVersion('jid', (err as Error).message);
      }
    }
    if (typeof v.connect === 'string') {
      const connect = v.connect;
      try {
        parseHostPort(connect);
      } catch (err) {
        this.addVersion('connect', (err as Error).message);
      }
    }
    if (Array.isArray(v.caFiles)) for (const [i, f] of v.caFiles.entries()) this.file(['version', 'caFiles', i], f);
    if (v.password !== undefined && v.passwordFile !== undefined) {
      this.add(at('passwordFile'), 'set either password or passwordFile, not both');
      return;
    }
    if (typeof v.password === 'string') {
      this.versionPassword = { value: v.password, source: this.fromEnv.get('password') ?? 'version.password' };
    } else if (typeof v.passwordFile === 'string') {
      const path = resolve(this.baseDir, v.passwordFile);
      try {
        // One trailing newline (echo, editors) is not part of the password.
        const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
        if (value === '') this.addVersion('passwordFile', `${path} is empty`);
        else this.versionPassword = { value, source: this.fromEnv.get('passwordFile') ?? 'version.passwordFile' };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? `file not found: ${path}`
            : code === 'EISDIR'
              ? `${path} is a directory, not a file`
              : `cannot read ${path}: ${(err as Error).message}`;
        this.addVersion('passwordFile', why);
      }
    } else if (v.password === undefined && v.passwordFile === undefined) {
      this.add(at('password'), `is required: set version.password, version.passwordFile, ${VERSION_ENV.password} or ${VERSION_ENV.passwordFile}`);
    }
  }

  private targets(items: unknown[]): void {
    const seen = new Map<string, number>(); // "mode:domain" → index
    items.forEach((item, i) => {
      const t = typeof item === 'string' ? { domain: item } : obj(item);
      if (!t) return;
      const at = typeof item === 'string' ? (['targets', i] as PathSegment[]) : (['targets', i, 'domain'] as PathSegment[]);
      const domain = typeof t.domain === 'string' ? this.domain(at, t.domain) : undefined;
      if (domain !== undefined) this.domains.set(i, domain);
      if (typeof t.connect === 'string') {
        const connect = t.connect;
        this.guard(['targets', i, 'connect'], () => parseHostPort(connect));
      }
      if (typeof t.schedule === 'string') this.cron(['targets', i, 'schedule'], t.schedule);
      if (domain === undefined) return;
      const modes = Array.isArray(t.modes) ? t.modes.filter((m): m is Mode => m === 'c2s' || m === 's2s') : [...DEFAULT_MODES];
      const clash = modes.filter((m) => seen.has(`${m}:${domain}`));
      if (clash.length > 0) {
        const first = seen.get(`${clash[0]}:${domain}`)!;
        this.add(at, `${domain} (${clash.join(', ')}) is already listed at targets[${first}]`);
      }
      for (const m of modes) if (!seen.has(`${m}:${domain}`)) seen.set(`${m}:${domain}`, i);
    });
  }

  private guard(segments: PathSegment[], check: () => unknown): void {
    try {
      check();
    } catch (err) {
      this.add(segments, (err as Error).message);
    }
  }

  private domain(segments: PathSegment[], value: string): string | undefined {
    try {
      return normalizeDomain(value);
    } catch (err) {
      this.add(segments, (err as Error).message);
      return undefined;
    }
  }

  private cron(segments: PathSegment[], expr: string): void {
    const problem = cronProblem(expr);
    if (problem) this.add(segments, problem);
  }

  private file(segments: PathSegment[], value: unknown): void {
    if (!this.checkFiles || typeof value !== 'string' || value === '') return;
    const path = resolve(this.baseDir, value);
    try {
      if (statSync(path).isDirectory()) {
        this.add(segments, `${path} is a directory, not a file`);
        return;
      }
      accessSync(path, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.add(segments, code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(err as Error).message}`);
    }
  }
}

function checkUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must be an http:// or https:// URL (got ${url.protocol}//)`);
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function buildConfig(raw: RawConfig, baseDir: string, checks: SemanticChecks): Config {
  const abs = (p: string) => resolve(baseDir, p);
  const listen = parseListen(raw.listen);
  const targets: TargetConfig[] = raw.targets.map((t, i) => {
    const domain = checks.domains.get(i)!;
    if (typeof t === 'string') return { domain, modes: [...DEFAULT_MODES] };
    return {
      domain,
      modes: [...t.modes],
      ...(t.connect !== undefined ? { connect: t.connect } : {}),
      ...(t.directTls !== undefined ? { directTls: t.directTls } : {}),
      ...(t.schedule !== undefined ? { schedule: t.schedule } : {}),
    };
  });
  const s = raw.scanner;
  const tls = raw.web.tls_server_config;
  return {
    listen,
    schedule: { cron: raw.schedule.cron, jitterSeconds: raw.schedule.jitterSeconds },
    concurrency: { ...raw.concurrency },
    timeouts: { ...raw.timeouts },
    scanner: {
      from: normalizeDomain(s.from),
      ...(s.clientCertificate ? { clientCertificate: { certFile: abs(s.clientCertificate.certFile), keyFile: abs(s.clientCertificate.keyFile) } } : {}),
      caFiles: s.caFiles.map(abs),
      systemRoots: s.systemRoots,
      fetchAia: s.fetchAia,
      ...(s.resolver !== undefined ? { resolver: s.resolver } : {}),
      tlsProbe: s.tlsProbe,
      simulation: s.simulation,
      dane: s.dane,
      resolverCheckName: s.resolverCheckName,
    },
    grading: { profile: raw.grading.profile },
    targets,
    targetSources: {
      files: raw.targetSources.files.map(abs),
      fileSd: raw.targetSources.fileSd.map(abs),
      urls: raw.targetSources.urls.map((u) => ({ url: u.url, refreshSeconds: u.refreshSeconds })),
    },
    store: { path: abs(raw.store.path), retention: { ...raw.store.retention } },
    stateFile: abs(raw.stateFile ?? LEGACY_STATE_FILE),
    stateFileSet: raw.stateFile !== undefined,
    probe: {
      allow: raw.probe.allow,
      patterns: raw.probe.patterns.map((_, i) => checks.patterns.get(i)!),
      maxAgeSeconds: raw.probe.maxAgeSeconds,
    },
    web: {
      ...(tls ? { tlsCertFile: abs(tls.cert_file), tlsKeyFile: abs(tls.key_file) } : {}),
      basicAuthUsers: { ...raw.web.basic_auth_users },
    },
    shard: { index: raw.shard.index, count: raw.shard.count, fromHostname: raw.shard.fromHostname },
    metrics: { detail: raw.metrics.detail },
    log: { level: raw.log.level, format: raw.log.format },
    ...(raw.version && checks.versionPassword ? { version: buildVersion(raw.version, checks.versionPassword, abs) } : {}),
  };
}

function buildVersion(v: NonNullable<RawConfig['version']>, password: { value: string; source: string }, abs: (p: string) => string): VersionConfig {
  return {
    jid: v.jid!, // the schema lets the environment supply it; SemanticChecks reports it missing
    password: new Secret(password.value),
    passwordSource: password.source,
    ...(v.connect !== undefined ? { connect: v.connect } : {}),
    directTls: v.directTls,
    caFiles: v.caFiles.map(abs),
    systemRoots: v.systemRoots,
    allowPlain: v.allowPlain,
    timeoutSeconds: v.timeoutSeconds,
    ...(v.resource !== undefined ? { resource: v.resource } : {}),
  };
}

// --- positions --------------------------------------------------------------------------------

function yamlMessage(code: string, message: string, at: string): string {
  if (code === 'MULTIPLE_DOCS') return 'the file holds several YAML documents (---); the configuration is one';
  if (code === 'DUPLICATE_KEY' && at !== '')
    return `the key ${at.startsWith('"') || at.startsWith("'") ? at : JSON.stringify(at)} appears twice in one mapping`;
  return message;
}

function locate(issues: RawIssue[], doc: Document, lineCounter: LineCounter): ConfigIssue[] {
  const located = issues.map((issue) => {
    // A value from the environment has no place in the file.
    const offset = issue.envVariable === undefined ? offsetOf(doc, issue) : undefined;
    const from = issue.envVariable === undefined ? '' : ` (from the environment variable ${issue.envVariable})`;
    const out: ConfigIssue = { path: formatPath(issue.segments), message: issue.message + from };
    if (offset !== undefined) {
      const pos = lineCounter.linePos(offset);
      out.line = pos.line;
      out.column = pos.col;
    }
    return out;
  });
  return located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}

/** Start offset of the node at the issue's path, or of its nearest ancestor in the file. */
function offsetOf(doc: Document, issue: RawIssue): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = isNode(node) ? node.range?.[0] : undefined;
  for (let i = 0; i < issue.segments.length; i++) {
    const seg = issue.segments[i]!;
    const last = i === issue.segments.length - 1;
    if (isMap(node)) {
      const pair = (node as YAMLMap).items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      if (last && issue.at === 'key' && isNode(pair.key)) return pair.key.range?.[0] ?? best;
      node = pair.value;
      if (!isNode(node)) return isNode(pair.key) ? (pair.key.range?.[0] ?? best) : best; // "key:" with no value
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!isNode(node)) return best;
    } else {
      return best;
    }
    best = (node as YamlNode).range?.[0] ?? best;
  }
  return best;
}
