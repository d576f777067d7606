import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { ungradedReason } from '../../../src/grading/grade.js';
import type { ScanResult } from '../../../src/result/types.js';
import { type ScanOptions, scanDomain } from '../../../src/scan/scan.js';
import { type DnsmasqInstance, startDnsmasq } from '../../harness/dnsmasq.js';
import { type HostileBehaviourName, type HostileServer, startHostileServer } from '../../harness/hostile-servers.mjs';
import { type LatencyProxy, startLatencyProxy } from '../../harness/latency-proxy.mjs';
import { freeTcpPort } from '../../harness/ports.js';
import { startStallMeter } from '../../harness/stall-meter.mjs';
import { CERT_CASES, type TestWorld, startWorld } from './fixtures.js';

// Servers that misbehave the way the internet's do: every one ends as a typed error on the
// endpoint, within the deadline that applies plus a generous margin (a bound, not a speed claim),
// and nothing they send blocks the event loop for long.

const servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const trustStore = loadTrustStore({ systemRoots: false });
/** Every phase 1 s: what a hostile server can stretch, if anything, shows at once. */
const PHASE_MS = 1000;
/** Slack for a loaded CI machine on top of a deadline: generous, it only catches "never ends". */
const MARGIN_MS = 8000;

/** The longest the event loop was blocked while `run` ran. */
async function withStallMeter<T>(run: () => Promise<T>): Promise<{ value: T; worstStallMs: number }> {
  const meter = startStallMeter();
  let worstStallMs = 0;
  let value: T;
  try {
    value = await run();
  } finally {
    worstStallMs = meter.stop();
  }
  return { value, worstStallMs };
}

async function scanHostile(behaviour: HostileBehaviourName, extra: Partial<ScanOptions> = {}) {
  const server = await startHostileServer(behaviour);
  servers.push(server);
  const t0 = performance.now();
  const { value: result, worstStallMs } = await withStallMeter(() =>
    scanDomain('hostile.test', {
      mode: 'c2s',
      connect: `127.0.0.1:${server.port}`,
      trustStore,
      fetchAia: false,
      timeouts: { connectMs: PHASE_MS, readMs: PHASE_MS, handshakeMs: PHASE_MS },
      ...extra,
    }),
  );
  const elapsedMs = performance.now() - t0;
  expect(result.error).toBeNull();
  expect(result.endpoints).toHaveLength(1);
  return { result, endpoint: result.endpoints[0]!, elapsedMs, worstStallMs, connections: server.stats.connections };
}

describe('bytes cannot stretch a phase: its deadline is a total', () => {
  test.each([
    ['drip', 'a stream header dripped one byte a second', 'stream_header'],
    ['keepalive', 'whitespace keep-alives and never any features', 'features'],
    ['stallAfterProceed', 'nothing after <proceed/>', 'tls_handshake'],
    ['tlsRecordDrip', 'a TLS record of 16 KB whose body comes a byte every 100 ms', 'tls_handshake'],
  ] as const)('%s (%s): timeout in %s, phase deadline', async (behaviour, _what, phase) => {
    const { endpoint, elapsedMs } = await scanHostile(behaviour);
    expect(endpoint.status).toBe('error');
    expect(endpoint.error).toMatchObject({ code: 'timeout', phase, deadline: 'phase' });
    // connect + header + features (+ proceed + handshake): at most a few phases, each a total.
    expect(elapsedMs).toBeLessThan(5 * PHASE_MS + MARGIN_MS);
  });
});

describe('hostile XML and TLS: a limit that trips ends the connection at once', () => {
  test.each([
    ['nested', '<a> nested without end', 'response_too_large'],
    ['nestedBurst', '2 MB of nesting in one write', 'response_too_large'],
    ['wideElement', 'an element with 60,000 attributes', 'response_too_large'],
    ['bomb', 'a DOCTYPE with nested entities (billion laughs)', 'protocol_violation'],
  ] as const)('%s (%s): %s, and the event loop is never blocked for long', async (behaviour, _what, code) => {
    const { endpoint, elapsedMs, worstStallMs } = await scanHostile(behaviour);
    expect(endpoint.error).toMatchObject({ code });
    expect(elapsedMs).toBeLessThan(PHASE_MS + MARGIN_MS);
    // Before the parser stopped at the first limit, nesting cost seconds of one blocked loop.
    expect(worstStallMs).toBeLessThan(1000);
  });

  test('a handshake message header claiming 16 MB: refused at once by our prober and by OpenSSL', async () => {
    const { endpoint, elapsedMs } = await scanHostile('tlsHuge');
    expect(endpoint.error).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake' });
    // The prober's hellos were answered with the same: no protocol, nothing graded.
    expect(endpoint.tls?.cipherSuites).toEqual([]);
    expect(endpoint.grade).toBeNull();
    expect(elapsedMs).toBeLessThan(2 * PHASE_MS + MARGIN_MS);
  });
});

describe('a server that fails every handshake fails fast: one hello per protocol decides', () => {
  test.each([
    ['handshakeFailure', 'a handshake_failure alert'],
    ['handshakeClose', 'closing the connection'],
  ] as const)('%s (%s)', async (behaviour, _what) => {
    const { endpoint, result, connections } = await scanHostile(behaviour);
    expect(endpoint.error).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake' });
    const tls = endpoint.tls!;
    expect(Object.values(tls.protocols).every((p) => !p)).toBe(true);
    // The inspection, then six first hellos (SSLv2 … TLS 1.3), one connection each: no chunks,
    // no splitting of the hellos it closed on (66 connections before).
    expect(tls.probeCount).toBe(6);
    expect(connections).toBe(7);
    // No grade for the endpoint, hence none for the domain.
    expect(endpoint.grade).toBeNull();
    expect(result.grade).toBeNull();
  });
});

describe('budgets above the phases', () => {
  test('the scan budget ends a scan whose phases are long: timeout, deadline scan, in the phase it was in', async () => {
    const { endpoint, elapsedMs } = await scanHostile('drip', {
      timeouts: { connectMs: 30_000, readMs: 30_000, handshakeMs: 30_000 },
      scanTimeoutMs: 1500,
    });
    expect(endpoint.error).toMatchObject({ code: 'timeout', phase: 'stream_header', deadline: 'scan' });
    expect(elapsedMs).toBeLessThan(1500 + MARGIN_MS);
  });

  test('the endpoint budget likewise (deadline endpoint)', async () => {
    const { endpoint } = await scanHostile('keepalive', {
      timeouts: { connectMs: 30_000, readMs: 30_000, handshakeMs: 30_000 },
      endpointTimeoutMs: 1500,
    });
    expect(endpoint.error).toMatchObject({ code: 'timeout', phase: 'features', deadline: 'endpoint' });
  });

  test('a cancelled scan (shutdown) says aborted, not timeout', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 500);
    const { endpoint } = await scanHostile('drip', { timeouts: { connectMs: 30_000, readMs: 30_000, handshakeMs: 30_000 }, signal: controller.signal });
    expect(endpoint.error).toMatchObject({ code: 'aborted', phase: 'stream_header' });
  });

  test('a timer too long for Node (1e10 s) is not fired at once', async () => {
    const { endpoint } = await scanHostile('drip', {
      timeouts: { connectMs: 1e13, readMs: PHASE_MS, handshakeMs: 1e13 },
      scanTimeoutMs: 1e13,
      endpointTimeoutMs: 1e13,
    });
    expect(endpoint.error).toMatchObject({ code: 'timeout', phase: 'stream_header', deadline: 'phase' });
  });
});

describe('a real server behind 300 ms of round-trip time, with an endpoint budget too short for its probes', () => {
  let world: TestWorld;
  let proxy: LatencyProxy;
  beforeAll(async () => {
    world = await startWorld(
      {},
      CERT_CASES.filter((c) => c.domain === 'trusted.test'),
    );
    proxy = await startLatencyProxy({ targetPort: world.prosody.ports.c2s, delayMs: 150 });
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.stop();
  });

  test('what was found is kept and marked partial; the endpoint is not graded', async () => {
    const result: ScanResult = await scanDomain('trusted.test', {
      mode: 'c2s',
      connect: `127.0.0.1:${proxy.port}`,
      trustStore: loadTrustStore({ caFiles: [world.caFile], systemRoots: false }),
      fetchAia: false,
      // The inspection needs ~7 round trips (~2 s); the TLS probes need far more than the rest.
      endpointTimeoutMs: 4500,
    });
    const ep = result.endpoints[0]!;
    expect(ep.error).toMatchObject({ code: 'timeout', phase: 'tls_handshake', deadline: 'endpoint' });
    expect(ep.status).toBe('error');
    expect(ep.certificate?.trusted).toBe(true);
    expect(ep.xmpp?.starttls).toBe('required');
    expect(ep.tls?.partial).toBe(true);
    expect(ep.grade).toBeNull();
    expect(ungradedReason(ep)?.code).toBe('partial');
    expect(result.grade).toBeNull();
  });
});

describe('partial DNS: one SRV lookup fails, the other gave records', () => {
  let dns: DnsmasqInstance;
  let deadPort: number;
  beforeAll(async () => {
    deadPort = await freeTcpPort();
    dns = await startDnsmasq({
      hosts: [{ name: 'xmpp.partial.test', addresses: ['127.0.0.1'] }],
      srv: [
        { service: '_xmpp-client._tcp.timeout.partial.test', target: 'xmpp.partial.test', port: deadPort },
        { service: '_xmpp-client._tcp.refused.partial.test', target: 'xmpp.partial.test', port: deadPort },
      ],
      local: ['test'],
      unresponsive: ['_xmpps-client._tcp.timeout.partial.test'],
      refuse: ['_xmpps-client._tcp.refused.partial.test'],
    });
  });
  afterAll(async () => {
    await dns?.stop();
  });

  test.each([
    ['timeout.partial.test', 'ETIMEOUT'],
    ['refused.partial.test', 'EREFUSED'],
  ])('%s: the endpoints found are scanned, the failed lookup is a dns_partial_failure warning (%s)', async (domain, condition) => {
    const result = await scanDomain(domain, {
      mode: 'c2s',
      resolver: dns.server,
      trustStore,
      fetchAia: false,
      timeouts: { connectMs: PHASE_MS, readMs: PHASE_MS, handshakeMs: PHASE_MS },
    });
    expect(result.error).toBeNull();
    expect(result.warnings).toEqual([
      { code: 'dns_partial_failure', message: expect.stringContaining(`_xmpps-client._tcp.${domain}`), name: `_xmpps-client._tcp.${domain}`, condition },
    ]);
    expect(result.endpoints).toHaveLength(1);
    expect(result.endpoints[0]).toMatchObject({ host: 'xmpp.partial.test', port: deadPort, status: 'error', error: { code: 'connection_refused' } });
  });
});
