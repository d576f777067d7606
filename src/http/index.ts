// The daemon's HTTP server: /metrics, /probe, health, the JSON API and the status page (server.ts),
// and the start-up checks of its TLS files and users. Only what src/daemon uses; tests import the
// internals from their own files.
export {
  startHttpServer,
  type HttpLogger,
  type HttpServerOptions,
  type RunningHttpServer,
  type WebOptions,
} from './server.js';
export type { HttpResponseBody, ProbeResponse } from './reply.js';
export { checkKeyPair, loadWebTls } from './web-tls.js';
export { createBasicAuthVerifier, type BasicAuthVerifier } from './auth.js';
