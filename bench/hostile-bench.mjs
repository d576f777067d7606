// One scan of each hostile server (test/harness/hostile-servers.mjs), from dist/, with every
// phase timeout at 3 s (the CLI's `--timeout 3`) and everything else at its default:
// how long the scan takes, the worst event-loop stall during it, and the error it reports.
// A scan still running after 150 s is abandoned and reported as such. With --rtt MS the scans go
// through test/harness/latency-proxy.mjs, which adds that round-trip time.
//
//   npm run build && node bench/hostile-bench.mjs [--rtt MS] [behaviour ...]
//
// Results go to BENCHMARKS.md ("Hostile servers"). Run it on two builds (before/after a change)
// on the same machine to compare.
import { HOSTILE_BEHAVIOURS, startHostileServer } from '../test/harness/hostile-servers.mjs';
import { startLatencyProxy } from '../test/harness/latency-proxy.mjs';
import { startStallMeter } from '../test/harness/stall-meter.mjs';

const { scanDomain } = await import('../dist/scan/index.js');
const { loadTrustStore } = await import('../dist/certificate/index.js');

const ABANDON_MS = 150_000;
const args = process.argv.slice(2);
const rttIndex = args.indexOf('--rtt');
const rttMs = rttIndex >= 0 ? Number(args.splice(rttIndex, 2)[1]) : 0;
const names = args.length ? args : Object.keys(HOSTILE_BEHAVIOURS);
const trustStore = loadTrustStore({ systemRoots: false });

if (rttMs > 0) console.log(`Round-trip time ${rttMs} ms (test/harness/latency-proxy.mjs).\n`);
console.log('| server | scan time (s) | worst event-loop stall (ms) | connections | endpoint error |');
console.log('|---|---|---|---|---|');
for (const name of names) {
  const server = await startHostileServer(name);
  const proxy = rttMs > 0 ? await startLatencyProxy({ targetPort: server.port, delayMs: rttMs / 2 }) : null;
  const stall = startStallMeter();
  const controller = new AbortController();
  const t0 = performance.now();
  const abandon = setTimeout(() => controller.abort(new Error('abandoned by the bench')), ABANDON_MS);
  const result = await scanDomain('hostile.test', {
    mode: 'c2s',
    connect: `127.0.0.1:${proxy?.port ?? server.port}`,
    trustStore,
    fetchAia: false,
    timeouts: { connectMs: 3000, readMs: 3000, handshakeMs: 3000 },
    signal: controller.signal,
  });
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(abandon);
  const worstStallMs = stall.stop();
  const ep = result.endpoints[0];
  const err = ep?.error ?? result.error;
  const what = err ? `${err.code}${err.phase ? ` (${err.phase}${err.deadline ? `, ${err.deadline} deadline` : ''})` : ''}` : 'none';
  const cut = seconds * 1000 >= ABANDON_MS - 50 ? ' (abandoned at 150 s)' : '';
  console.log(`| ${name} | ${seconds.toFixed(1)}${cut} | ${worstStallMs.toFixed(0)} | ${server.stats.connections} | ${what} |`);
  await proxy?.close();
  await server.stop();
}
