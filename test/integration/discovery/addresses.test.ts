// Resolving SRV targets to every A/AAAA address, IPv6 route checks, and per-target DNS problems.
import { discoverEndpoints } from '../../../src/discovery/discover.js';
import { hasIpv6Route } from '../../../src/discovery/ipv6-route.js';
import type { DiscoveryOptions } from '../../../src/discovery/types.js';
import { startDnsmasq, type DnsmasqInstance } from '../../harness/dnsmasq.js';
import { brief, hasLoopbackIpv6, routingTableHasRoute, ZONE } from './zone.js';

let dns: DnsmasqInstance;
beforeAll(async () => {
  dns = await startDnsmasq(ZONE);
});
afterAll(async () => {
  await dns?.stop();
});

const options = (extra: Partial<DiscoveryOptions> = {}): DiscoveryOptions => ({ mode: 'c2s', resolver: dns.server, timeoutMs: 3000, ...extra });

describe('target addresses', () => {
  it('lists every address of every target, and why some cannot be scanned', async () => {
    const { endpoints } = await discoverEndpoints('addresses.test', options({ hasIpv6Route: async () => true }));
    expect(endpoints.map(brief)).toEqual([
      'srv dual.addresses.test:5222 127.0.0.1 starttls',
      'srv dual.addresses.test:5222 ::1 starttls',
      'srv doc6.addresses.test:5222 2001:db8::1 starttls',
      'srv ghost.addresses.test:5222 - starttls skip=dns_no_address',
      'srv host.refused.test:5222 - starttls skip=dns_failure',
      'srv 127.0.0.5:5222 127.0.0.5 starttls', // an IP literal target is used as is
    ]);
    expect(endpoints.find((e) => e.address === '::1')?.family).toBe(6);
    expect(endpoints.find((e) => e.host === 'ghost.addresses.test')?.skip?.message).toMatch(/ghost\.addresses\.test has no IPv4 or IPv6 address/);
    expect(endpoints.find((e) => e.host === 'host.refused.test')?.skip).toEqual({
      code: 'dns_failure',
      phase: 'dns',
      message: expect.stringMatching(/host\.refused\.test failed: EREFUSED/),
    });
  });

  it('skips IPv6 addresses without a route, checking each address once', async () => {
    const checked: string[] = [];
    const { endpoints } = await discoverEndpoints(
      'addresses.test',
      options({
        hasIpv6Route: async (address) => {
          checked.push(address);
          return address === '::1';
        },
      }),
    );
    expect(checked.sort()).toEqual(['2001:db8::1', '::1']);
    expect(endpoints.find((e) => e.address === '2001:db8::1')?.skip).toEqual({
      code: 'no_ipv6_route',
      message: 'IPv6 address 2001:db8::1 skipped: this host has no IPv6 route to it',
    });
    expect(endpoints.find((e) => e.address === '::1')?.skip).toBeNull();
  });

  it('caches the route check per address across targets and ports', async () => {
    const checked: string[] = [];
    await discoverEndpoints(
      'dup.test',
      options({
        hasIpv6Route: async (a) => {
          checked.push(a);
          return true;
        },
      }),
    );
    expect(checked).toEqual(['::1']);
  });

  it('with the real route check: ::1 and 2001:db8::1 are skipped exactly when the routing table says so', async () => {
    // Nothing is sent to 2001:db8::1: the check is a UDP connect(), i.e. a kernel route lookup.
    const { endpoints } = await discoverEndpoints('addresses.test', options());
    const loopbackSkip = endpoints.find((e) => e.address === '::1')?.skip?.code ?? null;
    const documentationSkip = endpoints.find((e) => e.address === '2001:db8::1')?.skip?.code ?? null;
    expect(loopbackSkip).toBe((await hasLoopbackIpv6()) ? null : 'no_ipv6_route');
    expect(documentationSkip).toBe(routingTableHasRoute('2001:db8::1') ? null : 'no_ipv6_route');
  });
});

describe('hasIpv6Route', () => {
  it('finds a route to ::1 when it is configured', async () => {
    expect(await hasIpv6Route('::1')).toBe(await hasLoopbackIpv6());
  });

  it('finds no route to a link-local address without an interface', async () => {
    expect(await hasIpv6Route('fe80::1')).toBe(false);
  });

  it('answers false, without any lookup, for something that is not an IPv6 address', async () => {
    expect(await hasIpv6Route('not-an-address.invalid')).toBe(false);
    expect(await hasIpv6Route('127.0.0.1')).toBe(false);
  });
});
