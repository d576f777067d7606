// Endpoint discovery for XMPP: RFC 6120 §3.2 (SRV, fallback), RFC 2782 (ordering), XEP-0368 (direct TLS).
export { discoverEndpoints, DEFAULT_DNS_TIMEOUT_MS, DEFAULT_PORTS } from './discover.js';
export { normalizeDomain } from './domain.js';
export { parseHostPort } from './host-port.js';
export { hasIpv6Route } from './ipv6-route.js';
export { orderSrvRecords } from './srv-order.js';
export type { DiscoveredEndpoint, Discovery, DiscoveryOptions, SrvRecord } from './types.js';
