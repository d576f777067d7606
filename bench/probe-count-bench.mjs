// Probes (connections) per full scan of the two lab servers (bench/bench-servers.mjs), for two
// builds side by side: what a change to the prober costs a well-behaved server. The findings of
// both builds are compared too.
//
//   npm run build && node bench/probe-count-bench.mjs [OTHER_DIST] [--reps N]
//
// OTHER_DIST (e.g. an older commit, built) is measured next to ./dist. Results: BENCHMARKS.md.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBenchServer } from './bench-servers.mjs';

const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 3;
const dists = [resolve('dist'), ...args.map((a) => resolve(a))];
const builds = await Promise.all(dists.map(async (d) => ({ dist: d, scan: (await import(pathToFileURL(resolve(d, 'scan/index.js')).href)).scanDomain })));

const pairs = (ep) =>
  (ep.tls?.cipherSuites ?? [])
    .map((s) => `${s.protocol} ${s.code}`)
    .sort()
    .join(',');
console.log('| server | build | probes per scan (min / median / max) | (protocol, suite) pairs | same findings as ./dist |');
console.log('|---|---|---|---|---|');
for (const profile of ['modern', 'legacy']) {
  const server = await startBenchServer(profile);
  try {
    let reference = null;
    for (const b of builds) {
      const counts = [];
      let found = null;
      for (let i = 0; i < reps; i++) {
        const r = await b.scan(server.domain, { mode: 'c2s', connect: `127.0.0.1:${server.port}`, fetchAia: false });
        const ep = r.endpoints[0];
        counts.push(ep.tls?.probeCount ?? 0);
        found = pairs(ep);
      }
      reference ??= found;
      counts.sort((a, b) => a - b);
      const n = found ? found.split(',').length : 0;
      console.log(
        `| ${profile} | ${b.dist} | ${counts[0]} / ${counts[Math.floor(counts.length / 2)]} / ${counts.at(-1)} | ${n} | ${found === reference ? 'yes' : 'NO'} |`,
      );
    }
  } finally {
    await server.stop();
  }
}
