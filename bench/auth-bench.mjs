// Basic auth with a bcrypt user (cost 12, exporter-toolkit's usual): how long a wrong password
// takes for a known and for an unknown user (their ratio should be ~1: timing must not tell which
// names exist), and what 40 wrong passwords at once do to the event loop that serves /metrics.
//
//   npm run build && node bench/auth-bench.mjs [DIST_DIR]
//
// DIST_DIR (default ./dist) lets the same script measure another build (before/after a change).
// Results go to BENCHMARKS.md ("Basic auth").
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStallMeter } from '../test/harness/stall-meter.mjs';

const bcrypt = createRequire(import.meta.url)('bcryptjs');
const dist = resolve(process.argv[2] ?? 'dist');
const { createBasicAuthVerifier } = await import(pathToFileURL(resolve(dist, 'http/auth.js')).href);

const verifier = createBasicAuthVerifier({ prom: bcrypt.hashSync('s3cret', 12) });
// Older builds returned the verify function itself.
const verify = typeof verifier === 'function' ? verifier : (header) => verifier.verify(header);
const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const timeOf = async (user) => {
  const t0 = performance.now();
  await verify(basic(user, 'wrong'));
  return performance.now() - t0;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await timeOf('prom'); // warm-up (starts the worker, where there is one)
const known = [];
const unknown = [];
for (let i = 0; i < 7; i++) {
  known.push(await timeOf('prom'));
  unknown.push(await timeOf('nobody'));
}

const stall = startStallMeter();
const t0 = performance.now();
await Promise.all(Array.from({ length: 40 }, () => verify(basic('prom', 'wrong'))));
const burstMs = performance.now() - t0;
const worstStall = stall.stop();

console.log(`| build | wrong password, known user (ms) | unknown user (ms) | ratio | 40 wrong at once (ms) | worst event-loop stall meanwhile (ms) |`);
console.log(`|---|---|---|---|---|---|`);
console.log(
  `| ${dist} | ${median(known).toFixed(1)} | ${median(unknown).toFixed(1)} | ${(median(unknown) / median(known)).toFixed(3)} | ${burstMs.toFixed(0)} | ${worstStall.toFixed(0)} |`,
);
await verifier.close?.();
