// Are the default budgets big enough? One full c2s scan of the legacy bench server (TLS 1.0–1.3,
// every suite OpenSSL 3.0 still has: the most probes a real server needs) through
// test/harness/latency-proxy.mjs at several round-trip times, with every option at its default
// (timeouts.endpointSeconds 120, scanSeconds 300): how long it takes, how many probes, and whether
// a deadline cut it short.
//
//   npm run build && node bench/budget-bench.mjs [RTT_MS ...]      (default 50 150 300)
//
// Results go to BENCHMARKS.md ("Default budgets").
import { startLatencyProxy } from '../test/harness/latency-proxy.mjs';
import { startBenchServer } from './bench-servers.mjs';

const { scanDomain, DEFAULT_ENDPOINT_TIMEOUT_MS } = await import('../dist/scan/index.js');

const rtts = process.argv.slice(2).map(Number);
const server = await startBenchServer('legacy');
console.log(`| RTT (ms) | scan (s) | endpoint (s) | share of the endpoint budget | probes | suites found | partial | error |`);
console.log('|---|---|---|---|---|---|---|---|');
try {
  for (const rtt of rtts.length ? rtts : [50, 150, 300]) {
    const proxy = await startLatencyProxy({ targetPort: server.port, delayMs: rtt / 2 });
    const r = await scanDomain(server.domain, { mode: 'c2s', connect: `127.0.0.1:${proxy.port}`, fetchAia: false });
    const ep = r.endpoints[0];
    const share = ((ep.durationSeconds * 1000) / DEFAULT_ENDPOINT_TIMEOUT_MS) * 100;
    console.log(
      `| ${rtt} | ${r.durationSeconds.toFixed(1)} | ${ep.durationSeconds.toFixed(1)} | ${share.toFixed(0)} % | ${ep.tls?.probeCount ?? 0} | ${ep.tls?.cipherSuites.length ?? 0} | ${ep.tls?.partial ?? false} | ${ep.error ? `${ep.error.code} (${ep.error.deadline ?? ''})` : 'none'} |`,
    );
    await proxy.close();
  }
} finally {
  await server.stop();
}
