// Endpoint discovery for XMPP: RFC 6120 §3.2 (SRV, fallback), RFC 2782 (ordering), XEP-0368 (direct TLS),
// and what DANE needs from DNS (RFC 7673: TLSA and the DNSSEC status of every answer).
export { DEFAULT_DNS_TIMEOUT_MS, discoverEndpoints } from './discover.js';
export { lookupTlsa, type DaneLookupOptions, type TlsaLookup } from './dane-lookup.js';
export { normalizeDomain } from './domain.js';
export { parseHostPort } from './host-port.js';
export type { DiscoveredEndpoint, Discovery, DiscoveryOptions } from './types.js';
