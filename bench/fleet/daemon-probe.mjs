// Loaded into the daemon under test with `node --import` (bench/fleet-bench.mjs does this): it
// measures from inside what a scrape cannot see without disturbing it.
//   - event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution) over the whole run,
//   - the live heap after a full GC, on SIGUSR2,
//   - the time spent writing results to the database (ResultDatabase.prototype.record, wrapped),
// and writes them as JSON to $FLEET_PROBE_FILE every second. The tsc build is required (a bundle
// has no separate store module to wrap).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const file = process.env.FLEET_PROBE_FILE;
const dist = process.env.FLEET_DIST;
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const store = { writes: 0, seconds: 0, maxSeconds: 0 };
const { ResultDatabase } = await import(pathToFileURL(join(dist, 'store', 'database.js')).href);
const record = ResultDatabase.prototype.record;
ResultDatabase.prototype.record = function timedRecord(...args) {
  const t0 = performance.now();
  try {
    return record.apply(this, args);
  } finally {
    const s = (performance.now() - t0) / 1000;
    store.writes++;
    store.seconds += s;
    store.maxSeconds = Math.max(store.maxSeconds, s);
  }
};

const ms = (ns) => ns / 1e6;
const write = () => {
  writeFileSync(
    file,
    JSON.stringify({
      loop: { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max), meanMs: ms(loop.mean), count: loop.count },
      store,
      cpu: process.cpuUsage(),
      memory: process.memoryUsage(),
    }),
  );
};
setInterval(write, 1000).unref();
// SIGUSR2: a full GC (the daemon runs with --expose-gc here), then the figures at once: the live heap.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  write();
});
