// Domain-level DNS failures, and the `connect` override that bypasses SRV.
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

describe('DNS failures', () => {
  it('throws dns_failure naming the query and the error when the server refuses', async () => {
    await expect(discoverEndpoints('refused.test', options())).rejects.toMatchObject({
      name: 'ScanError',
      code: 'dns_failure',
      phase: 'dns',
      message: expect.stringMatching(/SRV _xmpps?-client\._tcp\.refused\.test failed: EREFUSED/),
    });
  });

  it('throws dns_failure (ETIMEOUT) instead of hanging when the server never answers', async () => {
    await expect(discoverEndpoints('silent.test', options({ timeoutMs: 300 }))).rejects.toMatchObject({
      code: 'dns_failure',
      message: expect.stringMatching(/silent\.test failed: ETIMEOUT/),
    });
  });

  it('throws dns_failure when nothing listens on the resolver port', async () => {
    await dns.stop();
    try {
      await expect(discoverEndpoints('order.test', options({ timeoutMs: 1000 }))).rejects.toMatchObject({ code: 'dns_failure' });
    } finally {
      dns = await startDnsmasq(ZONE);
    }
  });
});

describe('connect override', () => {
  it('uses an IP literal without any DNS query, keeping the given port', async () => {
    const { endpoints } = await discoverEndpoints('refused.test', options({ connect: '127.0.0.1:5999' }));
    expect(endpoints).toEqual([
      { host: '127.0.0.1', port: 5999, address: '127.0.0.1', family: 4, directTls: false, source: 'override', priority: null, weight: null, skip: null },
    ]);
  });

  it('resolves a name to all its addresses through the given resolver, default port per mode', async () => {
    const { endpoints } = await discoverEndpoints('order.test', options({ mode: 's2s', connect: 'Dual.Addresses.test' }));
    expect(endpoints.map(brief)).toEqual(['override dual.addresses.test:5269 127.0.0.1 starttls', 'override dual.addresses.test:5269 ::1 starttls']);
  });

  it('marks override endpoints direct TLS when asked', async () => {
    const { endpoints } = await discoverEndpoints('order.test', options({ connect: '[::1]:5223', directTls: true }));
    expect(endpoints.map(brief)).toEqual(['override ::1:5223 ::1 tls']);
  });

  it('lists an override name without address with dns_no_address', async () => {
    const { endpoints } = await discoverEndpoints('order.test', options({ connect: 'ghost.addresses.test:5222' }));
    expect(endpoints.map(brief)).toEqual(['override ghost.addresses.test:5222 - starttls skip=dns_no_address']);
  });

  it('without a resolver, resolves the name with the system lookup (hosts file)', async () => {
    const { resolver: _unused, ...withoutResolver } = options({ connect: 'localhost:5222' });
    const { endpoints } = await discoverEndpoints('order.test', withoutResolver);
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.map((e) => e.address)).toContain('127.0.0.1');
    for (const e of endpoints) expect(e).toMatchObject({ host: 'localhost', port: 5222, source: 'override', skip: null });
  });
});
