import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tlsModule from 'node:tls';
import type { AddressInfo } from 'node:net';
import { normalizeDomain } from '../discovery/index.js';
import { aggregate, renderHtml, resultsOfStore } from '../report/index.js';
import type { ProfileName } from '../grading/index.js';
import type { Mode } from '../result/types.js';
import type { StoredEntry } from '../store/index.js';
import { createBasicAuthVerifier, type BasicAuthVerifier } from './auth.js';
import { parseProbeParams, probeTimeoutSeconds, SCRAPE_TIMEOUT_HEADER } from './probe-params.js';
import { parseModeFilter, toApiEntry } from './results-api.js';
import { type NextScan, renderStatusPage } from './status-page.js';

// The daemon's HTTP server, on node:http / node:https (no framework). Routes:
//
//   GET /                          status page (HTML, self-contained)
//   GET /metrics                   opts.metrics()
//   GET /probe?target=D&mode=M     opts.probe(), with a deadline from X-Prometheus-Scrape-Timeout-Seconds
//   GET /healthz                   200 "ok": the process serves HTTP (liveness)
//   GET /readyz                    200 once opts.ready(), else 503 (readiness)
//   GET /api/v1/results[/DOMAIN]   JSON, see results-api.ts
//   GET /report, /report.json      the survey report of the stored results (docs/report.md)
//
// HEAD works wherever GET does; other methods get 405 with `Allow`, unknown paths 404. A handler
// that throws gets a 500 with a short message (the details go to the log only) and the server goes
// on serving.
//
// Basic auth, when users are configured, guards every route except /healthz: a liveness check
// (kubelet, Docker HEALTHCHECK) often cannot send credentials, and "ok" tells nobody anything. The
// readiness route is guarded, like everything that reveals state. TLS (node:https) when both a
// certificate and a key file are given; they are read once, at start.

export interface HttpLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface HttpResponseBody {
  contentType: string;
  /** Text, or UTF-8 blocks sent one after another (the /metrics exposition: no giant string). */
  body: string | Buffer[];
  /** Called once the body was sent or the response was abandoned (the blocks may then be reused). */
  sent?: () => void;
}

export interface ProbeResponse extends HttpResponseBody {
  status: number;
}

export interface WebOptions {
  /** PEM certificate (chain) file; with tlsKeyFile, the server speaks HTTPS. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** user → `sha256:<64 hex digits>` (see auth.ts; bcrypt is not supported). Empty or absent: no authentication. */
  basicAuthUsers?: Record<string, string>;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  /** The current results (e.g. `() => store.all()`). */
  store: () => StoredEntry[];
  /** `/metrics`: the rendered exposition and its content type. */
  metrics: () => Promise<HttpResponseBody>;
  /**
   * `/probe`: called with the normalised domain, the mode, the seconds the probe may take (the scrape
   * timeout less a margin) and a signal that aborts at that deadline, when the client goes away,
   * or when the server closes. Its answer is sent as is.
   */
  probe: (target: string, mode: Mode, timeoutSeconds: number, signal: AbortSignal) => Promise<ProbeResponse>;
  /** `/readyz`: true once the state file was loaded and the configuration applied. */
  ready: () => boolean;
  web?: WebOptions;
  logger?: HttpLogger;
  /** Shown on the status page. */
  version: string;
  /** The configured grading profile, named by the report even before any grade exists. */
  profile?: () => ProfileName;
  /** When a target scans next, for the status page. */
  nextScan?: (domain: string, mode: Mode) => NextScan;
}

export interface RunningHttpServer {
  /** e.g. `http://127.0.0.1:9750` (the configured host, brackets for IPv6). */
  url: string;
  port: number;
  /** Stops accepting, aborts running probes, waits for the responses in flight. Idempotent. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  contentType: string;
  body: string | Buffer[];
  sent?: () => void;
  headers?: Record<string, string>;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const ALLOW = 'GET, HEAD';
const REALM = 'xmpp-tls-exporter';
const RESULTS_PATH = '/api/v1/results';
/** After close(), connections still busy this long are cut. */
const CLOSE_GRACE_MS = 5_000;
// The status page has inline CSS and nothing else: forbid everything else, scripts above all.
const HTML_SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

const noop = (): void => {};
const SILENT: HttpLogger = { debug: noop, info: noop, warn: noop, error: noop };

function text(status: number, body: string, headers?: Record<string, string>): Reply {
  return { status, contentType: TEXT, body: body.endsWith('\n') ? body : `${body}\n`, headers };
}

function json(status: number, value: unknown): Reply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n` };
}

/** Resolves once `res` can take more data, or is closed. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The path and query of a request target (origin-form `/p?q`, or absolute-form `http://h/p?q`); null if neither. */
function splitTarget(raw: string | undefined): { path: string; query: URLSearchParams } | null {
  let target = raw ?? '/';
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      return null;
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/**
 * The HTTPS certificate and key of `web` (null without them), read and checked the way the server
 * will use them: PEM that OpenSSL loads, and a key that matches the certificate. Throws an Error
 * naming the file and the cause. Start-up checks (check-config) call it too.
 */
export async function loadWebTls(web: WebOptions | undefined): Promise<{ cert: Buffer; key: Buffer } | null> {
  const certFile = web?.tlsCertFile;
  const keyFile = web?.tlsKeyFile;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new Error('HTTPS needs both a certificate file and a key file (only one is configured)');
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} file ${file}: ${(err as Error).message}`);
    }
  };
  const loaded = { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
  checkKeyPair(loaded, { cert: `the TLS certificate file ${certFile}`, key: `the TLS key file ${keyFile}` });
  return loaded;
}

/**
 * Throws an Error naming the file when OpenSSL cannot load the certificate, the key, or the pair
 * (a key that does not belong to the certificate). OpenSSL's own messages name no file.
 */
export function checkKeyPair(pair: { cert: Buffer | string; key: Buffer | string }, names: { cert: string; key: string }): void {
  const attempt = (what: string, options: tlsModule.SecureContextOptions) => {
    try {
      tlsModule.createSecureContext(options);
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  };
  attempt(`${names.cert} is not a usable PEM certificate`, { cert: pair.cert });
  attempt(`${names.key} is not a usable PEM private key (unencrypted)`, { key: pair.key });
  attempt(`${names.key} does not belong to ${names.cert}`, { cert: pair.cert, key: pair.key });
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams) => Promise<Reply | null>;

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const log = opts.logger ?? SILENT;
  const users = opts.web?.basicAuthUsers ?? {};
  const auth: BasicAuthVerifier | null = Object.keys(users).length ? createBasicAuthVerifier(users) : null;
  const tls = await loadWebTls(opts.web);
  const activeProbes = new Set<AbortController>();
  let closing = false;

  const reportOptions = () => ({ source: 'exporter results', ...(opts.profile ? { profile: opts.profile() } : {}) });

  const probe: Route = async (req, res, query) => {
    const params = parseProbeParams(query);
    if (!params.ok) return text(400, params.message);
    let timeoutSeconds: number;
    try {
      timeoutSeconds = probeTimeoutSeconds(req.headers[SCRAPE_TIMEOUT_HEADER]);
    } catch (err) {
      return text(400, (err as Error).message);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(new DOMException(`the probe deadline of ${timeoutSeconds} s was reached`, 'TimeoutError'));
    }, timeoutSeconds * 1000);
    const onClose = (): void => {
      if (!res.writableFinished) controller.abort(new DOMException('the client closed the connection', 'AbortError'));
    };
    res.once('close', onClose);
    activeProbes.add(controller);
    try {
      const r = await opts.probe(params.target, params.mode, timeoutSeconds, controller.signal);
      if (!r || !Number.isInteger(r.status) || r.status < 200 || r.status > 599 || typeof r.body !== 'string' || typeof r.contentType !== 'string') {
        throw new Error('the probe handler returned an invalid response');
      }
      return { status: r.status, contentType: r.contentType, body: r.body };
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
      activeProbes.delete(controller);
    }
  };

  const routes: Record<string, Route> = {
    '/': async () => ({
      status: 200,
      contentType: HTML,
      body: renderStatusPage({ entries: opts.store(), version: opts.version, ready: opts.ready(), now: new Date(), ...(opts.nextScan ? { nextScan: opts.nextScan } : {}) }),
      headers: HTML_SECURITY_HEADERS,
    }),
    '/metrics': async () => {
      const m = await opts.metrics();
      return { status: 200, contentType: m.contentType, body: m.body, ...(m.sent ? { sent: m.sent } : {}) };
    },
    '/probe': probe,
    '/healthz': async () => text(200, 'ok'),
    '/readyz': async () => (opts.ready() ? text(200, 'ready') : text(503, 'not ready')),
    [RESULTS_PATH]: async (_req, _res, query) => {
      const filter = parseModeFilter(query);
      if (!filter.ok) return json(400, { error: filter.message });
      return json(200, opts.store().filter((e) => filter.mode === null || e.mode === filter.mode).map(toApiEntry));
    },
    '/report': async () => ({
      status: 200,
      contentType: HTML,
      body: renderHtml(aggregate(resultsOfStore(opts.store()), reportOptions())),
      headers: HTML_SECURITY_HEADERS,
    }),
    '/report.json': async () => json(200, aggregate(resultsOfStore(opts.store()), reportOptions())),
  };

  const domainResults = (segment: string): Route => async (_req, _res, query) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return json(400, { error: 'bad percent-encoding in the domain' });
    }
    let domain: string;
    try {
      domain = normalizeDomain(decoded);
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
    const filter = parseModeFilter(query);
    if (!filter.ok) return json(400, { error: filter.message });
    const entries = opts.store().filter((e) => (e.domain === domain || e.domain === decoded) && (filter.mode === null || e.mode === filter.mode));
    if (entries.length === 0) return json(404, { error: `no results for ${domain}${filter.mode ? ` (${filter.mode})` : ''}` });
    return json(200, entries.map(toApiEntry));
  };

  function route(path: string): Route | null {
    if (Object.hasOwn(routes, path)) return routes[path]!;
    const prefix = `${RESULTS_PATH}/`;
    if (path.startsWith(prefix)) {
      const segment = path.slice(prefix.length);
      if (segment !== '' && !segment.includes('/')) return domainResults(segment);
    }
    return null;
  }

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<Reply | null> {
    const target = splitTarget(req.url);
    if (!target) return text(400, 'bad request target');
    const { path, query } = target;
    if (auth && path !== '/healthz') {
      const outcome = await auth.verify(req.headers.authorization);
      if (!outcome.ok && outcome.busy) return text(429, 'too many password checks at once: try again', { 'Retry-After': '1' });
      if (!outcome.ok) return text(401, 'unauthorized', { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` });
    }
    const handler = route(path);
    if (!handler) return path.startsWith('/api/') ? json(404, { error: 'not found' }) : text(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, `method ${req.method ?? ''} not allowed`, { Allow: ALLOW });
    return handler(req, res, query);
  }

  function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    if (reply.sent) {
      const sent = reply.sent;
      if (res.headersSent || res.destroyed) sent();
      else res.once('close', sent);
    }
    if (res.headersSent || res.destroyed) return;
    const blocks = typeof reply.body === 'string' ? [Buffer.from(reply.body, 'utf8')] : reply.body;
    res.statusCode = reply.status;
    res.setHeader('Content-Type', reply.contentType);
    res.setHeader('Content-Length', blocks.reduce((n, b) => n + b.length, 0));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (closing) res.setHeader('Connection', 'close');
    if (req.method === 'HEAD') res.end();
    else void writeBlocks(res, blocks);
  }

  /** Writes the blocks in turn, waiting for the socket to drain when the client reads slowly. */
  async function writeBlocks(res: http.ServerResponse, blocks: Buffer[]): Promise<void> {
    const last = blocks.length - 1;
    for (let i = 0; i < last; i++) {
      if (res.destroyed) return;
      if (!res.write(blocks[i])) await drained(res);
    }
    if (!res.destroyed) res.end(blocks[last]);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    let reply: Reply | null;
    try {
      reply = await dispatch(req, res);
    } catch (err) {
      const gone = res.destroyed || res.writableEnded;
      log.error({ err, method: req.method, url: req.url, clientGone: gone }, 'HTTP handler failed');
      reply = text(500, 'internal server error (see the exporter log)');
    }
    if (reply) {
      try {
        send(req, res, reply);
      } catch (err) {
        log.error({ err, method: req.method, url: req.url }, 'cannot send the HTTP response');
        res.destroy();
      }
    }
    log.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'HTTP request');
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handle(req, res);
  };
  const server: http.Server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, onRequest) : http.createServer(onRequest);
  if (tls) server.on('tlsClientError', (err: Error) => log.debug({ err }, 'TLS handshake with an HTTP client failed'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'HTTP server error'));

  const port = (server.address() as AddressInfo).port;
  // '' listens on every interface; show a usable address for it.
  const shown = opts.host === '' ? 'localhost' : opts.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  log.info({ url, tls: tls !== null, basicAuth: auth !== null }, 'HTTP server listening');

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      for (const c of activeProbes) c.abort(new DOMException('the HTTP server is shutting down', 'AbortError'));
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        void (auth?.close() ?? Promise.resolve()).then(() => resolve());
      });
      server.closeIdleConnections();
    });
    return closed;
  };

  return { url, port, close };
}
