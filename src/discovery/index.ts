// Endpoint discovery for XMPP: RFC 6120 §3.2 (SRV, fallback), RFC 2782 (ordering), XEP-0368 (direct TLS).
export { discoverEndpoints } from './discover.js';
export { normalizeDomain } from './domain.js';
export { parseHostPort } from './host-port.js';
export type { DiscoveredEndpoint, Discovery, DiscoveryOptions } from './types.js';
