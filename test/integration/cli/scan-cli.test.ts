import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ScanResult } from '../../../src/result/types.js';
import { runCli as run } from '../../harness/cli.js';
import { type DnsmasqInstance, startDnsmasq } from '../../harness/dnsmasq.js';
import { resultSchemaErrors } from '../../harness/result-schema.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';

// The `scan` command end to end: real DNS (dnsmasq) with SRV records pointing at a real Prosody,
// STARTTLS and direct TLS endpoints, the JSON document and the exit codes.

let world: TestWorld;
let dns: DnsmasqInstance;

beforeAll(async () => {
  world = await startWorld();
  const p = world.prosody.ports;
  dns = await startDnsmasq({
    srv: [
      { service: '_xmpp-client._tcp.trusted.test', target: 'xmpp.trusted.test', port: p.c2s, priority: 10, weight: 0 },
      { service: '_xmpps-client._tcp.trusted.test', target: 'xmpp.trusted.test', port: p.c2sDirectTls!, priority: 5, weight: 0 },
      { service: '_xmpp-server._tcp.trusted.test', target: 'xmpp.trusted.test', port: p.s2s, priority: 0, weight: 0 },
      { service: '_xmpp-client._tcp.closed.test' },
      // SRV to a port nothing listens on: the endpoint fails, the scan goes on.
      { service: '_xmpp-client._tcp.expired.test', target: 'xmpp.trusted.test', port: p.c2s, priority: 0, weight: 0 },
      { service: '_xmpp-client._tcp.expired.test', target: 'dead.trusted.test', port: 1, priority: 1, weight: 0 },
    ],
    hosts: [
      { name: 'xmpp.trusted.test', addresses: ['127.0.0.1'] },
      { name: 'dead.trusted.test', addresses: ['127.0.0.1'] },
    ],
  });
}, 60_000);
afterAll(async () => {
  await dns?.stop();
  await world?.stop();
});

describe('scan through SRV discovery', () => {
  test('c2s: STARTTLS and direct-TLS endpoints from SRV, in priority order, both trusted', async () => {
    const { code, out } = await run('scan', 'trusted.test', '--resolver', dns.server, '--ca-file', world.caFile, '--no-system-roots', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScanResult;
    expect(resultSchemaErrors(r)).toEqual([]);
    expect(r).toMatchObject({ schemaVersion: 1, domain: 'trusted.test', mode: 'c2s', error: null });
    expect(r.endpoints.map((e) => [e.host, e.port, e.directTls, e.source, e.priority])).toEqual([
      ['xmpp.trusted.test', world.prosody.ports.c2sDirectTls, true, 'srv', 5],
      ['xmpp.trusted.test', world.prosody.ports.c2s, false, 'srv', 10],
    ]);
    for (const ep of r.endpoints) {
      expect(ep.status).toBe('ok');
      expect(ep.address).toBe('127.0.0.1');
      expect(ep.certificate?.trusted).toBe(true);
      expect(ep.certificate?.hostnameValid).toBe(true);
    }
  });

  test('s2s uses the _xmpp-server records', async () => {
    const { code, out } = await run('scan', 'trusted.test', '--mode', 's2s', '--resolver', dns.server, '--ca-file', world.caFile, '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScanResult;
    expect(r.endpoints).toHaveLength(1);
    expect(r.endpoints[0]).toMatchObject({ port: world.prosody.ports.s2s, directTls: false, status: 'ok' });
    expect(r.endpoints[0]!.xmpp?.dialback).toBe(true);
  });

  test('one dead endpoint does not stop the others; exit code 1', async () => {
    const { code, out } = await run('scan', 'expired.test', '--resolver', dns.server, '--ca-file', world.caFile, '--json', '--timeout', '3');
    expect(code).toBe(1);
    const r = JSON.parse(out) as ScanResult;
    expect(resultSchemaErrors(r)).toEqual([]);
    expect(r.endpoints.map((e) => e.status)).toEqual(['ok', 'error']);
    expect(r.endpoints[0]!.certificate?.trustErrors).toEqual(['expired']);
    expect(r.endpoints[1]!.error?.code).toBe('connection_refused');
  });

  test('a "." target: service not offered, exit code 1, readable report', async () => {
    const { code, out } = await run('scan', 'closed.test', '--resolver', dns.server, '--no-color');
    expect(code).toBe(1);
    expect(out).toContain('service_not_offered');
  });

  test('human report of a good scan', async () => {
    const { code, out } = await run('scan', 'trusted.test', '--resolver', dns.server, '--ca-file', world.caFile);
    expect(code).toBe(0);
    expect(out).toMatch(/STARTTLS\s+required/);
    expect(out).toMatch(/Certificate\s+trusted/);
    expect(out).toMatch(/Identity\s+valid for the domain \(dns: trusted.test\)/);
  });
});

describe('usage', () => {
  test('--help on the command documents the exit codes', async () => {
    const { code, out } = await run('scan', '--help');
    expect(code).toBe(0);
    expect(out).toContain('Exit codes:');
    expect(out).toContain('--connect <host:port>');
  });

  test('bad option values are usage errors (exit 2)', async () => {
    expect((await run('scan', 'a.test', '--mode', 'x2s')).code).toBe(2);
    expect((await run('scan', 'a.test', '--timeout', '-1')).code).toBe(2);
    expect((await run('scan', 'a.test', '--ca-file', '/nonexistent.pem')).code).toBe(2);
    expect((await run('scan', 'a.test', '--client-cert', world.caFile)).code).toBe(2);
  });

  test('an invalid domain is reported in the document, not thrown', async () => {
    const { code, out } = await run('scan', 'not a domain!', '--json');
    expect(code).toBe(1);
    const r = JSON.parse(out) as ScanResult;
    expect(resultSchemaErrors(r)).toEqual([]);
    expect(r.error?.code).toBe('invalid_domain');
  });
});
