import type * as http from 'node:http';
import { normalizeDomain } from '../discovery/index.js';
import { aggregate, renderHtml, resultsOfStore, type SurveyReport } from '../report/index.js';
import type { Mode } from '../result/types.js';
import { ownerOf } from '../scheduler/index.js';
import type { HistoryEntry } from '../store/index.js';
import { renderDomainPage } from './domain-page.js';
import { parseProbeParams, probeTimeoutSeconds, SCRAPE_TIMEOUT_HEADER } from './probe-params.js';
import { HTML, json, type Reply, text } from './reply.js';
import { type HistoryApiAnswer, parseModeFilter, parseSinceFilter, shardHeaders, toApiEntry } from './results-api.js';
import type { HttpServerOptions } from './server.js';
import { renderStatusPage } from './status-page.js';

// One handler per route (the route table is in server.ts). A handler answers with a Reply, which
// the server sends; one that throws gets a 500. Each is built from the options it needs.

export interface HandlerInput {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  query: URLSearchParams;
  /** The `:name` segment of the route's path, undecoded; null for an exact path. */
  param: string | null;
}

export type Handler = (input: HandlerInput) => Promise<Reply>;

// The status page and the report have inline CSS and nothing else: forbid everything else, scripts above all.
const HTML_SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

/** `GET /`: the status page. */
export function statusPageHandler(opts: Pick<HttpServerOptions, 'store' | 'version' | 'ready' | 'nextScan' | 'shard'>): Handler {
  return async () => ({
    status: 200,
    contentType: HTML,
    body: renderStatusPage({
      entries: opts.store(),
      version: opts.version,
      ready: opts.ready(),
      now: new Date(),
      ...(opts.nextScan ? { nextScan: opts.nextScan } : {}),
      ...(opts.shard ? { shard: opts.shard() } : {}),
    }),
    headers: HTML_SECURITY_HEADERS,
  });
}

/** `GET /metrics`: the exposition as metrics() renders it (its blocks are released through `sent`). */
export function metricsHandler(metrics: HttpServerOptions['metrics']): Handler {
  return async () => {
    const m = await metrics();
    return { status: 200, contentType: m.contentType, body: m.body, ...(m.sent ? { sent: m.sent } : {}) };
  };
}

/**
 * `GET /probe?target=D&mode=M`: probe() with a deadline from X-Prometheus-Scrape-Timeout-Seconds.
 * Its signal aborts at the deadline, when the client goes away, or when the server closes (which
 * aborts every controller in `activeProbes`).
 */
export function probeHandler(probe: HttpServerOptions['probe'], activeProbes: Set<AbortController>): Handler {
  return async ({ req, res, query }) => {
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
      const r = await probe(params.target, params.mode, timeoutSeconds, controller.signal);
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
}

/** `GET /healthz`: the process serves HTTP (liveness). */
export const healthzHandler: Handler = async () => text(200, 'ok');

/** `GET /readyz`: 200 once ready(), else 503 (readiness). */
export function readyzHandler(ready: HttpServerOptions['ready']): Handler {
  return async () => (ready() ? text(200, 'ready') : text(503, 'not ready'));
}

/** `GET /api/v1/results[?mode=]`: every target (results-api.ts). */
export function resultsHandler(opts: Pick<HttpServerOptions, 'store' | 'shard'>): Handler {
  return async ({ query }) => {
    const filter = parseModeFilter(query);
    if (!filter.ok) return json(400, { error: filter.message });
    return json(
      200,
      opts
        .store()
        .filter((e) => filter.mode === null || e.mode === filter.mode)
        .map(toApiEntry),
      shardHeadersOf(opts),
    );
  };
}

function shardHeadersOf(opts: Pick<HttpServerOptions, 'shard'>): Record<string, string> | undefined {
  return opts.shard ? shardHeaders(opts.shard()) : undefined;
}

/** With several shards, which one would hold a domain this replica has no results for (asked through a load balancer, say). */
function otherShard(opts: Pick<HttpServerOptions, 'shard'>, domain: string): string {
  const shard = opts.shard?.();
  if (!shard || shard.count <= 1) return '';
  const owner = ownerOf(domain, shard.count);
  return owner === shard.index ? '' : `: this replica is shard ${shard.index}/${shard.count}, the domain belongs to shard ${owner}/${shard.count}`;
}

/** The `:domain` of a path: percent-decoded, and normalised (the form results are stored under); or why not. */
function parseDomainParam(param: string | null): { ok: true; domain: string; decoded: string } | { ok: false; message: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(param ?? '');
  } catch {
    return { ok: false, message: 'bad percent-encoding in the domain' };
  }
  try {
    return { ok: true, domain: normalizeDomain(decoded), decoded };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** The store's entries of a domain, matched as given or normalised. */
function entriesOf(store: HttpServerOptions['store'], domain: string, decoded: string, mode: Mode | null) {
  return store().filter((e) => (e.domain === domain || e.domain === decoded) && (mode === null || e.mode === mode));
}

type History = NonNullable<HttpServerOptions['history']>;

/** The domain's history under its normalised name, else under the name as given (like entriesOf). */
function historyOf(history: History, domain: string, decoded: string, query: { mode?: Mode; since?: Date }): HistoryEntry[] {
  const found = history(domain, query);
  return found.length > 0 || decoded === domain ? found : history(decoded, query);
}

/** `GET /api/v1/results/DOMAIN[?mode=]`: that domain's targets, matched as given or normalised. */
export function domainResultsHandler(opts: Pick<HttpServerOptions, 'store' | 'shard'>): Handler {
  return async ({ query, param }) => {
    const target = parseDomainParam(param);
    if (!target.ok) return json(400, { error: target.message });
    const filter = parseModeFilter(query);
    if (!filter.ok) return json(400, { error: filter.message });
    const entries = entriesOf(opts.store, target.domain, target.decoded, filter.mode);
    if (entries.length === 0) {
      const error = `no results for ${target.domain}${filter.mode ? ` (${filter.mode})` : ''}${otherShard(opts, target.domain)}`;
      return json(404, { error }, shardHeadersOf(opts));
    }
    return json(200, entries.map(toApiEntry), shardHeadersOf(opts));
  };
}

/** `GET /api/v1/results/DOMAIN/history[?mode=][&since=]`: what changed, from the results database (results-api.ts). */
export function domainHistoryHandler(history: HttpServerOptions['history']): Handler {
  return async ({ query, param }) => {
    const target = parseDomainParam(param);
    if (!target.ok) return json(400, { error: target.message });
    const filter = parseModeFilter(query);
    if (!filter.ok) return json(400, { error: filter.message });
    const since = parseSinceFilter(query, new Date());
    if (!since.ok) return json(400, { error: since.message });
    if (!history) return json(404, { error: 'no history is kept (this exporter has no results database)' });
    const states = historyOf(history, target.domain, target.decoded, {
      ...(filter.mode ? { mode: filter.mode } : {}),
      ...(since.since ? { since: since.since } : {}),
    });
    if (states.length === 0) return json(404, { error: `no history for ${target.domain}${filter.mode ? ` (${filter.mode})` : ''}` });
    const answer: HistoryApiAnswer = { domain: states[0]!.domain, mode: filter.mode, since: since.since?.toISOString() ?? null, history: states };
    return json(200, answer);
  };
}

/** `GET /domain/DOMAIN`: the domain's page (domain-page.ts): its targets and what changed. */
export function domainPageHandler(opts: Pick<HttpServerOptions, 'store' | 'version' | 'nextScan' | 'history'>): Handler {
  return async ({ param }) => {
    const target = parseDomainParam(param);
    if (!target.ok) return text(400, `bad domain: ${target.message}`);
    const entries = entriesOf(opts.store, target.domain, target.decoded, null);
    const history = opts.history ? historyOf(opts.history, target.domain, target.decoded, {}) : null;
    if (entries.length === 0 && !history?.length) return text(404, `no results for ${target.domain}`);
    const domain = entries[0]?.domain ?? history?.[0]?.domain ?? target.domain;
    return {
      status: 200,
      contentType: HTML,
      body: renderDomainPage({
        domain,
        entries,
        history,
        version: opts.version,
        now: new Date(),
        ...(opts.nextScan ? { nextScan: opts.nextScan } : {}),
      }),
      headers: HTML_SECURITY_HEADERS,
    };
  };
}

type ReportInputs = Pick<HttpServerOptions, 'store' | 'profile' | 'shard'>;

// The profile is asked for on each request: a reload may change it. The shard tells `report --from` whose share this is.
function storeReport(opts: ReportInputs): SurveyReport {
  const report = aggregate(resultsOfStore(opts.store()), { source: 'exporter results', ...(opts.profile ? { profile: opts.profile() } : {}) });
  if (!opts.shard) return report;
  const { index, count, targets } = opts.shard();
  return { ...report, shard: { index, count, targets } };
}

/** `GET /report`: the survey report of the stored results, as HTML (docs/report.md). */
export function reportHandler(opts: ReportInputs): Handler {
  return async () => ({ status: 200, contentType: HTML, body: renderHtml(storeReport(opts)), headers: HTML_SECURITY_HEADERS });
}

/** `GET /report.json`: the same report as JSON. */
export function reportJsonHandler(opts: ReportInputs): Handler {
  return async () => json(200, storeReport(opts));
}

/** No route: JSON under /api/ (its clients parse JSON), text elsewhere. */
export function notFound(path: string): Reply {
  return path.startsWith('/api/') ? json(404, { error: 'not found' }) : text(404, 'not found');
}

export function methodNotAllowed(method: string | undefined, allow: string): Reply {
  return text(405, `method ${method ?? ''} not allowed`, { Allow: allow });
}
