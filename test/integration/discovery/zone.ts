// The DNS data the discovery integration tests run against, and helpers to read the host's
// routing table independently of the code under test.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { DiscoveredEndpoint } from '../../../src/discovery/types.js';
import type { DnsmasqOptions } from '../../harness/dnsmasq.js';

const client = (domain: string): string => `_xmpp-client._tcp.${domain}`;
const clientTls = (domain: string): string => `_xmpps-client._tcp.${domain}`;
const server = (domain: string): string => `_xmpp-server._tcp.${domain}`;
const serverTls = (domain: string): string => `_xmpps-server._tcp.${domain}`;

export const ZONE: DnsmasqOptions = {
  srv: [
    // order.test: two priorities, weights within priority 10, one direct TLS record in between.
    { service: client('order.test'), target: 'low.order.test', port: 5222, priority: 20, weight: 0 },
    { service: client('order.test'), target: 'spare.order.test', port: 5222, priority: 20, weight: 5 },
    { service: client('order.test'), target: 'light.order.test', port: 5222, priority: 10, weight: 10 },
    { service: client('order.test'), target: 'heavy.order.test', port: 5222, priority: 10, weight: 90 },
    { service: clientTls('order.test'), target: 'tls.order.test', port: 5223, priority: 15, weight: 0 },
    { service: server('order.test'), target: 's2s.order.test', port: 5269, priority: 0, weight: 0 },
    { service: serverTls('order.test'), target: 's2s.order.test', port: 5270, priority: 5, weight: 0 },
    // half-dot.test: STARTTLS decidedly not offered, direct TLS is.
    { service: client('half-dot.test') },
    { service: clientTls('half-dot.test'), target: 'tls.half-dot.test', port: 5223, priority: 0, weight: 0 },
    // dot.test: neither; dot-absent.test: one service ".", the other absent.
    { service: client('dot.test') },
    { service: clientTls('dot.test') },
    { service: clientTls('dot-absent.test') },
    { service: server('dot-absent.test') },
    // addresses.test: A+AAAA, AAAA-only outside this host, no address, a dead zone, an IP literal.
    { service: client('addresses.test'), target: 'dual.addresses.test', port: 5222, priority: 0, weight: 0 },
    { service: client('addresses.test'), target: 'doc6.addresses.test', port: 5222, priority: 1, weight: 0 },
    { service: client('addresses.test'), target: 'ghost.addresses.test', port: 5222, priority: 2, weight: 0 },
    { service: client('addresses.test'), target: 'host.refused.test', port: 5222, priority: 3, weight: 0 },
    { service: client('addresses.test'), target: '127.0.0.5', port: 5222, priority: 4, weight: 0 },
    // dup.test: the same target and port twice (two priorities) and over both services.
    { service: client('dup.test'), target: 'h.dup.test', port: 5222, priority: 10, weight: 0 },
    { service: client('dup.test'), target: 'h.dup.test', port: 5222, priority: 20, weight: 0 },
    { service: clientTls('dup.test'), target: 'h.dup.test', port: 5223, priority: 30, weight: 0 },
    // xn--bcher-kva.test (bücher.test): an IDN domain.
    { service: client('xn--bcher-kva.test'), target: 'xmpp.xn--bcher-kva.test', port: 5222, priority: 0, weight: 0 },
  ],
  hosts: [
    { name: 'low.order.test', addresses: ['127.0.0.1'] },
    { name: 'spare.order.test', addresses: ['127.0.0.11'] },
    { name: 'light.order.test', addresses: ['127.0.0.2'] },
    { name: 'heavy.order.test', addresses: ['127.0.0.3'] },
    { name: 'tls.order.test', addresses: ['127.0.0.4'] },
    { name: 's2s.order.test', addresses: ['127.0.0.6'] },
    { name: 'tls.half-dot.test', addresses: ['127.0.0.7'] },
    { name: 'fallback.test', addresses: ['127.0.0.8'] },
    { name: 'dual.addresses.test', addresses: ['127.0.0.1', '::1'] },
    { name: 'doc6.addresses.test', addresses: ['2001:db8::1'] },
    { name: 'h.dup.test', addresses: ['127.0.0.9', '::1'] },
    { name: 'xmpp.xn--bcher-kva.test', addresses: ['127.0.0.10'] },
  ],
  refuse: ['refused.test'],
  unresponsive: ['silent.test'],
};

/** The fields that say which endpoint it is, for compact expectations. */
export function brief(e: DiscoveredEndpoint): string {
  return `${e.source} ${e.host}:${e.port} ${e.address || '-'} ${e.directTls ? 'tls' : 'starttls'}${e.skip ? ` skip=${e.skip.code}` : ''}`;
}

/** Is ::1 configured on this host? (Binding to it needs no route lookup and sends nothing.) */
export function hasLoopbackIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp6');
    socket.once('error', () => resolve(false));
    socket.bind(0, '::1', () => socket.close(() => resolve(true)));
  });
}

/**
 * Would the kernel route a packet to `address`? Read from /proc/net/ipv6_route (longest prefix,
 * then lowest metric; reject routes count as none), independently of the connect() probe under
 * test. No file: IPv6 is off, so no route.
 */
export function routingTableHasRoute(address: string): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/ipv6_route', 'utf8');
  } catch {
    return false;
  }
  const target = BigInt(`0x${expandIpv6(address)}`);
  let best: { prefix: number; metric: number; reject: boolean } | undefined;
  for (const line of table.trim().split('\n')) {
    const [dest, prefixHex, , , , metricHex, , , flagsHex] = line.trim().split(/\s+/);
    if (dest === undefined || prefixHex === undefined || metricHex === undefined || flagsHex === undefined) continue;
    const prefix = parseInt(prefixHex, 16);
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
    if ((BigInt(`0x${dest}`) & mask) !== (target & mask)) continue;
    const metric = parseInt(metricHex, 16);
    const reject = (parseInt(flagsHex, 16) & 0x0200) !== 0; // RTF_REJECT
    if (best === undefined || prefix > best.prefix || (prefix === best.prefix && metric < best.metric)) best = { prefix, metric, reject };
  }
  return best !== undefined && !best.reject;
}

function expandIpv6(address: string): string {
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return groups.map((g) => g.padStart(4, '0')).join('');
}
