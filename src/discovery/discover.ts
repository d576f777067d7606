import { isIP } from 'node:net';
import { ScanError } from '../result/errors.js';
import type { Mode, ScanErrorInfo, ScanWarning } from '../result/types.js';
import { DnsClient, DnsQueryError } from './dns.js';
import { normalizeDomain } from './domain.js';
import { parseHostPort } from './host-port.js';
import { hasIpv6Route } from './ipv6-route.js';
import { orderSrvRecords } from './srv-order.js';
import type { DiscoveredEndpoint, Discovery, DiscoveryOptions, SrvRecord } from './types.js';

export const DEFAULT_DNS_TIMEOUT_MS = 5000;

/** RFC 6120 §3.2.2 fallback ports (STARTTLS), also the default port of a `connect` override. */
export const DEFAULT_PORTS: Record<Mode, number> = { c2s: 5222, s2s: 5269 };

/** RFC 6120 §3.2.1 (STARTTLS) and XEP-0368 (direct TLS) service names. */
export const SERVICES: Record<Mode, ReadonlyArray<{ prefix: string; directTls: boolean }>> = {
  c2s: [
    { prefix: '_xmpp-client._tcp', directTls: false },
    { prefix: '_xmpps-client._tcp', directTls: true },
  ],
  s2s: [
    { prefix: '_xmpp-server._tcp', directTls: false },
    { prefix: '_xmpps-server._tcp', directTls: true },
  ],
};

/** A host and port to connect to, before its addresses are known. */
interface Target {
  host: string;
  port: number;
  directTls: boolean;
  source: DiscoveredEndpoint['source'];
  priority: number | null;
  weight: number | null;
}

interface Address {
  address: string;
  family: 4 | 6;
}

/** What resolving one host gave: its addresses, plus reasons for entries that cannot be scanned. */
interface Resolution {
  addresses: Address[];
  problems: Array<{ family: 4 | 6; skip: ScanErrorInfo }>;
}

/**
 * Finds the endpoints (host, port, address, TLS flavour) of an XMPP service, in the order a
 * client would try them. Throws ScanError for domain-level failures: invalid_domain,
 * dns_failure (no SRV lookup gave records and one failed), service_not_offered. When one SRV
 * lookup failed but another gave records, those are used (as a client would) and the failure is
 * a `dns_partial_failure` warning. Host-level problems (no address, no IPv6 route, a failed
 * A/AAAA lookup) are reported per endpoint in `skip`.
 */
export async function discoverEndpoints(domain: string, opts: DiscoveryOptions): Promise<Discovery> {
  const name = normalizeDomain(domain);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  const server = opts.resolver === undefined ? undefined : resolverAddress(opts.resolver);
  const dns = new DnsClient({ timeoutMs, ...(server === undefined ? {} : { server }), ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    const warnings: ScanWarning[] = [];
    const targets = opts.connect === undefined ? await srvTargets(name, opts, dns, warnings) : [overrideTarget(opts.connect, opts)];
    // A user-typed override name goes through the system's lookup (hosts file and all) unless a resolver was asked for.
    const useSystemLookup = opts.connect !== undefined && opts.resolver === undefined;
    const endpoints = await toEndpoints(targets, (host) => resolveHost(host, dns, useSystemLookup), opts.hasIpv6Route ?? hasIpv6Route);
    return { endpoints, warnings };
  } finally {
    dns.close();
  }
}

/** "IP", "IP:PORT" or "[IPv6]:PORT" to the form Resolver.setServers takes. */
function resolverAddress(spec: string): string {
  let parsed: { host: string; port: number };
  try {
    parsed = parseHostPort(spec, 53);
  } catch (err) {
    throw new ScanError('dns_failure', `invalid DNS resolver ${JSON.stringify(spec)}: ${(err as Error).message}`, { phase: 'dns' });
  }
  const family = isIP(parsed.host);
  if (family === 0) throw new ScanError('dns_failure', `invalid DNS resolver ${JSON.stringify(spec)}: must be an IP address`, { phase: 'dns' });
  return family === 6 ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`;
}

function overrideTarget(connect: string, opts: DiscoveryOptions): Target {
  const { host, port } = parseHostPort(connect, DEFAULT_PORTS[opts.mode]);
  return { host, port, directTls: opts.directTls ?? false, source: 'override', priority: null, weight: null };
}

/** RFC 2782: a single record with target "." means "decidedly not available" (Node gives ""). */
function isRootTarget(record: SrvRecord): boolean {
  return record.name === '' || record.name === '.';
}

async function srvTargets(domain: string, opts: DiscoveryOptions, dns: DnsClient, warnings: ScanWarning[]): Promise<Target[]> {
  const services = SERVICES[opts.mode].filter((s) => opts.directTls !== true || s.directTls);
  const settled = await Promise.all(
    services.map(async (service) => {
      const name = `${service.prefix}.${domain}`;
      try {
        return { service, name, records: await dns.srv(name), error: null };
      } catch (err) {
        if (err instanceof DnsQueryError) return { service, name, records: [] as SrvRecord[], error: err };
        throw err;
      }
    }),
  );
  const failed = settled.filter((a) => a.error !== null);
  const answers = settled.filter((a) => a.error === null);
  // Without records from any lookup, a failed one may have hidden the only records: the domain's
  // endpoints are unknown (no fallback to the domain either, it could be wrong).
  const firstFailure = failed[0]?.error;
  if (firstFailure && !answers.some((a) => a.records.length > 0)) {
    throw new ScanError('dns_failure', firstFailure.message, { phase: 'dns', condition: firstFailure.code, cause: firstFailure });
  }
  for (const f of failed) {
    const error = f.error as DnsQueryError;
    warnings.push({
      code: 'dns_partial_failure',
      message: `${error.message}; the endpoints of the other SRV records were scanned`,
      name: f.name,
      condition: error.code,
    });
  }

  const names = answers.map((a) => a.name).join(' and ');
  const existing = answers.filter((a) => a.records.length > 0);
  if (existing.length === 0) {
    // XEP-0368 defines no fallback for direct TLS: without _xmpps records there is nothing to try.
    if (opts.directTls === true) throw new ScanError('service_not_offered', `direct TLS is not offered: no SRV records for ${names}`, { phase: 'dns' });
    return [{ host: domain, port: DEFAULT_PORTS[opts.mode], directTls: false, source: 'fallback', priority: null, weight: null }];
  }

  const records = existing.flatMap((a) => a.records.filter((r) => !isRootTarget(r)).map((r) => ({ ...r, directTls: a.service.directTls })));
  if (records.length === 0) {
    const dotted = existing.map((a) => a.name).join(' and ');
    throw new ScanError('service_not_offered', `the service is not offered: ${dotted} ${existing.length === 1 ? 'has' : 'have'} target "." (RFC 2782)`, {
      phase: 'dns',
    });
  }
  return orderSrvRecords(records, opts.random).map((r) => ({
    host: r.name.toLowerCase().replace(/\.$/, ''),
    port: r.port,
    directTls: r.directTls,
    source: 'srv',
    priority: r.priority,
    weight: r.weight,
  }));
}

function dnsFailure(err: unknown): ScanErrorInfo {
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'dns_failure', message, phase: 'dns' };
}

/** All A and AAAA addresses of a host; IP literals stand for themselves. */
async function resolveHost(host: string, dns: DnsClient, useSystemLookup: boolean): Promise<Resolution> {
  const literal = isIP(host);
  if (literal !== 0) return { addresses: [{ address: host, family: literal === 6 ? 6 : 4 }], problems: [] };
  const noAddress = (): Resolution => ({
    addresses: [],
    problems: [{ family: 4, skip: { code: 'dns_no_address', message: `${host} has no IPv4 or IPv6 address (no A or AAAA record)`, phase: 'dns' } }],
  });

  if (useSystemLookup) {
    try {
      const addresses = await dns.systemLookup(host);
      return addresses.length > 0 ? { addresses, problems: [] } : noAddress();
    } catch (err) {
      return { addresses: [], problems: [{ family: 4, skip: dnsFailure(err) }] };
    }
  }

  const [v4, v6] = await Promise.allSettled([dns.ipv4(host), dns.ipv6(host)]);
  const addresses: Address[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (v4.status === 'rejected' && v6.status === 'rejected') {
    return { addresses, problems: [{ family: 4, skip: dnsFailure(v4.reason) }] };
  }
  // One family failed: scan what the other gave and list the failure, so it is not silently lost.
  if (v4.status === 'rejected') return { addresses, problems: [{ family: 4, skip: dnsFailure(v4.reason) }] };
  if (v6.status === 'rejected') return { addresses, problems: [{ family: 6, skip: dnsFailure(v6.reason) }] };
  return addresses.length > 0 ? { addresses, problems: [] } : noAddress();
}

async function toEndpoints(
  targets: Target[],
  resolve: (host: string) => Promise<Resolution>,
  routeCheck: (address: string) => Promise<boolean>,
): Promise<DiscoveredEndpoint[]> {
  // Each host resolved and each IPv6 address route-checked once, all concurrently.
  const resolutions = new Map<string, Promise<Resolution>>();
  for (const t of targets) if (!resolutions.has(t.host)) resolutions.set(t.host, resolve(t.host));
  const routes = new Map<string, Promise<boolean>>();
  const routable = (address: string): Promise<boolean> => {
    let known = routes.get(address);
    if (known === undefined) {
      known = routeCheck(address).catch(() => false);
      routes.set(address, known);
    }
    return known;
  };

  const perTarget = await Promise.all(
    targets.map(async (target) => {
      const { addresses, problems } = await resolutions.get(target.host)!;
      const scannable = await Promise.all(
        addresses.map(async ({ address, family }): Promise<DiscoveredEndpoint> => {
          const skip: ScanErrorInfo | null =
            family === 6 && !(await routable(address))
              ? { code: 'no_ipv6_route', message: `IPv6 address ${address} skipped: this host has no IPv6 route to it` }
              : null;
          return { ...target, address, family, skip };
        }),
      );
      const unscannable = problems.map(({ family, skip }): DiscoveredEndpoint => ({ ...target, address: '', family, skip }));
      return [...scannable, ...unscannable];
    }),
  );

  const seen = new Set<string>();
  return perTarget.flat().filter((e) => {
    const key = `${e.host}|${e.port}|${e.address}|${e.family}|${e.directTls}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
