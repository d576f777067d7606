// Benchmark: what reading the chain as sent costs the connector. One endpoint inspection (TCP,
// stream, STARTTLS, TLS handshake, stream after TLS) against the lab servers (bench/bench-servers.mjs),
// for ./dist and another build side by side: the other build's Node TLS reads the socket natively,
// ours through a JavaScript duplex that keeps the handshake bytes (src/connector/tap.ts) and
// decrypts the TLS 1.3 Certificate message (src/tls/sent-chain.ts).
//
//   npm run build && node bench/handshake-bench.mjs [OTHER_DIST] [--reps N]
//
// Results: BENCHMARKS.md.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startBenchServer } from './bench-servers.mjs';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('node bench/handshake-bench.mjs [OTHER_DIST] [--reps N]   (default 200 inspections per server and build)');
  process.exit(0);
}
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 200;
const dists = [resolve('dist'), ...args.map((a) => resolve(a))];
const builds = await Promise.all(dists.map(async (d) => ({ dist: d, connector: await import(pathToFileURL(resolve(d, 'connector/index.js')).href) })));

console.log('| server | build | protocol | certificates read | inspection, median / p95 (ms) |');
console.log('|---|---|---|---|---|');
for (const profile of ['modern', 'legacy']) {
  const server = await startBenchServer(profile);
  try {
    const target = {
      domain: server.domain,
      mode: 'c2s',
      host: server.domain,
      address: '127.0.0.1',
      port: server.port,
      directTls: false,
      from: '',
      timeouts: { connectMs: 5000, readMs: 10000, handshakeMs: 10000 },
    };
    // Interleaved, so that load on the shared machine hits both builds alike.
    const samples = builds.map(() => []);
    const last = builds.map(() => null);
    for (let i = 0; i < reps + 5; i++) {
      for (const [n, b] of builds.entries()) {
        const t0 = performance.now();
        const r = await b.connector.inspectEndpoint(target);
        const ms = performance.now() - t0;
        if (r.error) throw new Error(`${b.dist}: ${r.error.message}`);
        if (i >= 5) samples[n].push(ms);
        last[n] = r;
      }
    }
    for (const [n, b] of builds.entries()) {
      const s = samples[n].sort((x, y) => x - y);
      console.log(
        `| ${profile} | ${b.dist} | ${last[n].session.protocol} | ${last[n].peerCertificates.length} | ${s[Math.floor(s.length / 2)].toFixed(2)} / ${s[Math.floor(s.length * 0.95)].toFixed(2)} |`,
      );
    }
  } finally {
    await server.stop();
  }
}
