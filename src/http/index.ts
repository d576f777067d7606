// The daemon's HTTP server: /metrics, /probe, health, the JSON API and the status page (server.ts).
export {
  checkKeyPair,
  loadWebTls,
  startHttpServer,
  type HttpLogger,
  type HttpResponseBody,
  type HttpServerOptions,
  type ProbeResponse,
  type RunningHttpServer,
  type WebOptions,
} from './server.js';
export { createBasicAuthVerifier, parseBasicAuthorization, PASSWORD_HASH_PREFIX, sha256PasswordHash, type BasicAuthVerifier } from './auth.js';
export {
  DEFAULT_SCRAPE_TIMEOUT_SECONDS,
  parseProbeParams,
  probeTimeoutSeconds,
  SCRAPE_TIMEOUT_HEADER,
  SCRAPE_TIMEOUT_MARGIN_SECONDS,
  type ProbeParams,
} from './probe-params.js';
export { parseModeFilter, toApiEntry, type ResultsApiEntry } from './results-api.js';
export { escapeHtml, renderStatusPage, soonestExpiry, type StatusPageInput } from './status-page.js';
