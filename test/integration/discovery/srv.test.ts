// SRV lookup, ordering, "." targets, fallback and the direct TLS restriction against a real dnsmasq.
import { discoverEndpoints } from '../../../src/discovery/discover.js';
import type { DiscoveryOptions } from '../../../src/discovery/types.js';
import { startDnsmasq, type DnsmasqInstance } from '../../harness/dnsmasq.js';
import { brief, ZONE } from './zone.js';

let dns: DnsmasqInstance;
beforeAll(async () => {
  dns = await startDnsmasq(ZONE);
});
afterAll(async () => {
  await dns?.stop();
});

const options = (extra: Partial<DiscoveryOptions> = {}): DiscoveryOptions => ({
  mode: 'c2s',
  resolver: dns.server,
  timeoutMs: 3000,
  hasIpv6Route: async () => true,
  ...extra,
});

describe('SRV discovery', () => {
  // DNS servers may return records in any order, and the running sum depends on it. The picks
  // below give the same result for either order: within priority 10 (weights 10 and 90), pick
  // 50 of [0, 100] is heavy's; within 20, zero-weight records always come first in the sum.
  it('orders by priority, then by weighted choice, merging STARTTLS and direct TLS records', async () => {
    // priority 20 (weights 0 and 5): pick 3 of [0, 5] is spare's.
    const { endpoints } = await discoverEndpoints('order.test', options({ random: () => 0.5 }));
    expect(endpoints.map(brief)).toEqual([
      'srv heavy.order.test:5222 127.0.0.3 starttls',
      'srv light.order.test:5222 127.0.0.2 starttls',
      'srv tls.order.test:5223 127.0.0.4 tls',
      'srv spare.order.test:5222 127.0.0.11 starttls',
      'srv low.order.test:5222 127.0.0.1 starttls',
    ]);
    expect(endpoints[0]).toEqual({
      host: 'heavy.order.test',
      port: 5222,
      address: '127.0.0.3',
      family: 4,
      directTls: false,
      source: 'srv',
      priority: 10,
      weight: 90,
      skip: null,
    });
  });

  it('lets the injected random decide within a priority', async () => {
    // One value per draw: priority 10 (two draws), 15 (one), 20 (two). Pick 0 in priority 20 is
    // the zero-weight record's.
    const randoms = [0.5, 0, 0, 0, 0];
    const { endpoints } = await discoverEndpoints('order.test', options({ random: () => randoms.shift() ?? 0 }));
    expect(endpoints.map((e) => e.host)).toEqual(['heavy.order.test', 'light.order.test', 'tls.order.test', 'low.order.test', 'spare.order.test']);
    expect(randoms).toEqual([]);
  });

  it('uses the server services in s2s mode', async () => {
    const { endpoints } = await discoverEndpoints('order.test', options({ mode: 's2s' }));
    expect(endpoints.map(brief)).toEqual(['srv s2s.order.test:5269 127.0.0.6 starttls', 'srv s2s.order.test:5270 127.0.0.6 tls']);
  });

  it('with directTls uses only the _xmpps records', async () => {
    const { endpoints } = await discoverEndpoints('order.test', options({ directTls: true }));
    expect(endpoints.map(brief)).toEqual(['srv tls.order.test:5223 127.0.0.4 tls']);
  });

  it('normalises the domain before querying (IDN, case, trailing dot)', async () => {
    const { endpoints } = await discoverEndpoints('BÜCHER.test.', options());
    expect(endpoints.map(brief)).toEqual(['srv xmpp.xn--bcher-kva.test:5222 127.0.0.10 starttls']);
  });

  it('lists each (host, port, address, TLS) once, at its first (best) place', async () => {
    const { endpoints } = await discoverEndpoints('dup.test', options());
    expect(endpoints.map(brief)).toEqual([
      'srv h.dup.test:5222 127.0.0.9 starttls',
      'srv h.dup.test:5222 ::1 starttls',
      'srv h.dup.test:5223 127.0.0.9 tls',
      'srv h.dup.test:5223 ::1 tls',
    ]);
    expect(endpoints[0]?.priority).toBe(10);
  });
});

describe('"." targets (service decidedly not offered)', () => {
  it('skips a service with target "." and uses the other', async () => {
    const { endpoints } = await discoverEndpoints('half-dot.test', options());
    expect(endpoints.map(brief)).toEqual(['srv tls.half-dot.test:5223 127.0.0.7 tls']);
  });

  it('throws service_not_offered when both services have target "."', async () => {
    await expect(discoverEndpoints('dot.test', options())).rejects.toMatchObject({
      name: 'ScanError',
      code: 'service_not_offered',
      phase: 'dns',
      message: expect.stringContaining('_xmpp-client._tcp.dot.test and _xmpps-client._tcp.dot.test'),
    });
  });

  it.each(['c2s', 's2s'] as const)('throws service_not_offered when one service is "." and the other absent (%s), no fallback', async (mode) => {
    await expect(discoverEndpoints('dot-absent.test', options({ mode }))).rejects.toMatchObject({ code: 'service_not_offered' });
  });
});

describe('fallback without SRV records (RFC 6120 §3.2.2)', () => {
  it.each([
    ['c2s', 5222],
    ['s2s', 5269],
  ] as const)('%s falls back to the domain on port %i with STARTTLS', async (mode, port) => {
    const { endpoints } = await discoverEndpoints('fallback.test', options({ mode }));
    expect(endpoints).toEqual([
      { host: 'fallback.test', port, address: '127.0.0.8', family: 4, directTls: false, source: 'fallback', priority: null, weight: null, skip: null },
    ]);
  });

  it('lists the fallback with dns_no_address when the domain has no address either', async () => {
    const { endpoints } = await discoverEndpoints('nothing.test', options());
    expect(endpoints).toEqual([
      expect.objectContaining({ host: 'nothing.test', port: 5222, address: '', source: 'fallback', skip: expect.objectContaining({ code: 'dns_no_address' }) }),
    ]);
  });

  it('does not fall back to STARTTLS when only direct TLS was asked for', async () => {
    await expect(discoverEndpoints('fallback.test', options({ directTls: true }))).rejects.toMatchObject({
      code: 'service_not_offered',
      message: expect.stringContaining('_xmpps-client._tcp.fallback.test'),
    });
  });
});
