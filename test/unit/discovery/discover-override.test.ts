// discoverEndpoints paths that need no DNS at all: input validation and IP-literal overrides.
import { discoverEndpoints } from '../../../src/discovery/discover.js';

const noRouteCheck = async (): Promise<boolean> => {
  throw new Error('no IPv6 route check expected');
};

describe('discoverEndpoints without DNS', () => {
  it('rejects an invalid domain with invalid_domain', async () => {
    await expect(discoverEndpoints('not a domain', { mode: 'c2s' })).rejects.toMatchObject({ code: 'invalid_domain' });
  });

  it('rejects an IP address as domain, even with a connect override', async () => {
    await expect(discoverEndpoints('192.0.2.1', { mode: 'c2s', connect: '192.0.2.1:5222' })).rejects.toMatchObject({ code: 'invalid_domain' });
  });

  it('rejects a resolver that is not an IP address', async () => {
    await expect(discoverEndpoints('example.test', { mode: 'c2s', resolver: 'dns.example.test' })).rejects.toMatchObject({
      code: 'dns_failure',
      message: expect.stringMatching(/must be an IP address/),
    });
  });

  it('rejects a bad connect override', async () => {
    await expect(discoverEndpoints('example.test', { mode: 'c2s', connect: '127.0.0.1:99999' })).rejects.toMatchObject({ code: 'invalid_domain' });
  });

  it.each([
    ['c2s', 5222],
    ['s2s', 5269],
  ] as const)('uses an IPv4 override as is, default port for %s', async (mode, port) => {
    const { endpoints } = await discoverEndpoints('Example.TEST', { mode, connect: '192.0.2.9', hasIpv6Route: noRouteCheck });
    expect(endpoints).toEqual([
      { host: '192.0.2.9', port, address: '192.0.2.9', family: 4, directTls: false, source: 'override', priority: null, weight: null, skip: null },
    ]);
  });

  it('marks a direct TLS override and keeps its port', async () => {
    const { endpoints } = await discoverEndpoints('example.test', { mode: 'c2s', connect: '192.0.2.9:5223', directTls: true, hasIpv6Route: noRouteCheck });
    expect(endpoints).toMatchObject([{ port: 5223, directTls: true, source: 'override' }]);
  });

  it.each([
    [true, null],
    [false, { code: 'no_ipv6_route', message: 'IPv6 address 2001:db8::5 skipped: this host has no IPv6 route to it' }],
  ])('an IPv6 override with route=%p has skip %j', async (routable, skip) => {
    const checked: string[] = [];
    const { endpoints } = await discoverEndpoints('example.test', {
      mode: 's2s',
      connect: '[2001:db8::5]:5270',
      hasIpv6Route: async (address) => {
        checked.push(address);
        return routable;
      },
    });
    expect(checked).toEqual(['2001:db8::5']);
    expect(endpoints).toEqual([
      { host: '2001:db8::5', port: 5270, address: '2001:db8::5', family: 6, directTls: false, source: 'override', priority: null, weight: null, skip },
    ]);
  });
});
