import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ProfileName } from '../grading/index.js';
import type { Mode } from '../result/types.js';
import type { HistoryEntry, StoredEntry } from '../store/index.js';
import { createBasicAuthVerifier, type BasicAuthVerifier } from './auth.js';
import {
  domainHistoryHandler,
  domainPageHandler,
  domainResultsHandler,
  type Handler,
  healthzHandler,
  methodNotAllowed,
  metricsHandler,
  notFound,
  probeHandler,
  readyzHandler,
  reportHandler,
  reportJsonHandler,
  resultsHandler,
  statusPageHandler,
} from './handlers.js';
import { type HttpResponseBody, type ProbeResponse, type Reply, sendReply, text } from './reply.js';
import { createRouter, type Route, splitTarget } from './router.js';
import type { ShardStatus } from './results-api.js';
import type { NextScan } from './status-page.js';
import { loadWebTls } from './web-tls.js';

// The daemon's HTTP server, on node:http / node:https (no framework). Routes (see httpRoutes):
//
//   GET /                          status page (HTML, self-contained)
//   GET /domain/DOMAIN             that domain's page: its targets and what changed (domain-page.ts)
//   GET /metrics                   opts.metrics()
//   GET /probe?target=D&mode=M     opts.probe(), with a deadline from X-Prometheus-Scrape-Timeout-Seconds
//   GET /healthz                   200 "ok": the process serves HTTP (liveness)
//   GET /readyz                    200 once opts.ready(), else 503 (readiness)
//   GET /api/v1/results[/DOMAIN]   JSON, see results-api.ts
//   GET /api/v1/results/DOMAIN/history?mode=&since=   what changed (opts.history), JSON, see results-api.ts
//   GET /report, /report.json      the survey report of the stored results (docs/report.md)
//
// With sharding, the status page, the /api/v1/results routes (headers Xmpp-Tls-Exporter-Shard: I/N
// and Xmpp-Tls-Exporter-Targets) and /report.json (its `shard`) say which share this replica owns,
// so that `report --from` can merge the replicas and notice one missing.
//
// HEAD works wherever GET does; other methods get 405 with `Allow`, unknown paths 404 (router.ts).
// A handler (handlers.ts) that throws gets a 500 with a short message (the details go to the log
// only) and the server goes on serving. Replies go out through reply.ts.
//
// Basic auth, when users are configured, guards every path except /healthz: a liveness check
// (kubelet, Docker HEALTHCHECK) often cannot send credentials, and "ok" tells nobody anything. The
// readiness route is guarded, like everything that reveals state. TLS (node:https) when both a
// certificate and a key file are given; they are read once, at start (web-tls.ts).

export interface HttpLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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
  /** `/readyz`: true once the stored results were loaded and the configuration applied. */
  ready: () => boolean;
  web?: WebOptions;
  logger?: HttpLogger;
  /** Shown on the status page. */
  version: string;
  /** The configured grading profile, named by the report even before any grade exists. */
  profile?: () => ProfileName;
  /** When a target scans next, for the status page. */
  nextScan?: (domain: string, mode: Mode) => NextScan;
  /** A domain's history of changes (the results database), oldest first; absent: no history is kept. */
  history?: (domain: string, opts: { mode?: Mode; since?: Date }) => HistoryEntry[];
  /** This replica's shard and how many targets it owns; absent: one replica, `store()` is the fleet. */
  shard?: () => ShardStatus;
}

export interface RunningHttpServer {
  /** e.g. `http://127.0.0.1:9750` (the configured host, brackets for IPv6). */
  url: string;
  port: number;
  /** Stops accepting, aborts running probes, waits for the responses in flight. Idempotent. */
  close(): Promise<void>;
}

const REALM = 'xmpp-tls-exporter';
/** The one path basic auth does not guard (see above). */
const UNGUARDED_PATH = '/healthz';
/** After close(), connections still busy this long are cut. */
const CLOSE_GRACE_MS = 5_000;

const noop = (): void => {};
const SILENT: HttpLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** The route table. `activeProbes` holds the controllers of the running probes, for close(). */
export function httpRoutes(opts: HttpServerOptions, activeProbes: Set<AbortController>): Route<Handler>[] {
  return [
    { path: '/', handler: statusPageHandler(opts) },
    { path: '/metrics', handler: metricsHandler(opts.metrics) },
    { path: '/probe', handler: probeHandler(opts.probe, activeProbes) },
    { path: '/healthz', handler: healthzHandler },
    { path: '/readyz', handler: readyzHandler(opts.ready) },
    { path: '/api/v1/results', handler: resultsHandler(opts) },
    { path: '/api/v1/results/:domain', handler: domainResultsHandler(opts) },
    { path: '/api/v1/results/:domain/history', handler: domainHistoryHandler(opts.history) },
    { path: '/domain/:domain', handler: domainPageHandler(opts) },
    { path: '/report', handler: reportHandler(opts) },
    { path: '/report.json', handler: reportJsonHandler(opts) },
  ];
}

/** null when the request may go on; else the 401 (or 429 when too many password checks are queued). */
async function checkBasicAuth(auth: BasicAuthVerifier, req: http.IncomingMessage): Promise<Reply | null> {
  const outcome = await auth.verify(req.headers.authorization);
  if (outcome.ok) return null;
  if (outcome.busy) return text(429, 'too many password checks at once: try again', { 'Retry-After': '1' });
  return text(401, 'unauthorized', { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` });
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const log = opts.logger ?? SILENT;
  const users = opts.web?.basicAuthUsers ?? {};
  const auth: BasicAuthVerifier | null = Object.keys(users).length ? createBasicAuthVerifier(users) : null;
  const tls = await loadWebTls(opts.web);
  const activeProbes = new Set<AbortController>();
  const router = createRouter(httpRoutes(opts, activeProbes));
  let closing = false;

  // Authentication comes before routing: without credentials, even an unknown path is a 401.
  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<Reply> {
    const target = splitTarget(req.url);
    if (!target) return text(400, 'bad request target');
    const { path, query } = target;
    if (auth && path !== UNGUARDED_PATH) {
      const denied = await checkBasicAuth(auth, req);
      if (denied) return denied;
    }
    const routed = router(req.method, path);
    if (routed.status === 404) return notFound(path);
    if (routed.status === 405) return methodNotAllowed(req.method, routed.allow);
    return routed.route.handler({ req, res, query, param: routed.param });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    let reply: Reply;
    try {
      reply = await dispatch(req, res);
    } catch (err) {
      const gone = res.destroyed || res.writableEnded;
      log.error({ err, method: req.method, url: req.url, clientGone: gone }, 'HTTP handler failed');
      reply = text(500, 'internal server error (see the exporter log)');
    }
    try {
      sendReply(req, res, reply, closing);
    } catch (err) {
      log.error({ err, method: req.method, url: req.url }, 'cannot send the HTTP response');
      res.destroy();
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
