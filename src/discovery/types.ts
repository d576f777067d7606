import type { EndpointLocation, Mode, ScanErrorInfo, ScanWarning } from '../result/types.js';

/** One SRV resource record (RFC 2782), target without the trailing dot (as Node returns it). */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** One address to scan: a (host, port, address, TLS flavour) tuple, in the order a client would try it. */
export interface DiscoveredEndpoint extends EndpointLocation {
  /** Why this endpoint is listed but must not be scanned (no_ipv6_route, dns_no_address, dns_failure). */
  skip: ScanErrorInfo | null;
}

/** What discovery found: the endpoints, and domain-level problems it got past. */
export interface Discovery {
  endpoints: DiscoveredEndpoint[];
  /** `dns_partial_failure`: an SRV lookup failed while another gave records. */
  warnings: ScanWarning[];
}

export interface DiscoveryOptions {
  mode: Mode;
  /** DNS server to ask instead of the system's: "IP", "IP:PORT" or "[IPv6]:PORT". */
  resolver?: string;
  /** "HOST:PORT" override: no SRV lookup. The XMPP domain (to=, SNI, identity) stays the same. */
  connect?: string;
  /** Only XEP-0368 direct TLS (`_xmpps-*`) records; with `connect`, connect with direct TLS. */
  directTls?: boolean;
  /** Upper bound for each DNS query, in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Ends every query at once when it aborts (the scan's deadline): they fail with its error. */
  signal?: AbortSignal;
  /** Source of uniform numbers in [0, 1) for the SRV weighted choice; injectable for tests. */
  random?: () => number;
  /** Does this host have a route to that IPv6 address? Injectable for tests; default asks the kernel. */
  hasIpv6Route?: (address: string) => Promise<boolean>;
}
