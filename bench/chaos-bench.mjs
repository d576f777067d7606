// Chaos run: the daemon (`serve`, a child process) with good targets and hostile or dead ones on a
// short schedule, as an operator would run it against the real federation. Measures whether good
// targets start their scans on time, how fast /healthz and /metrics answer meanwhile, and whether
// RSS and open file descriptors stay flat.
//
//   npm run build && node bench/chaos-bench.mjs [--dist DIR] [--minutes 10] [--good 40] [--hostile 20]
//
// --dist runs another build (e.g. a checkout of an older commit, built): the configuration uses
// only settings every version knows. Results go to BENCHMARKS.md ("Chaos run").
//
// Schedule: every 2 minutes, each target at its own jittered offset within 100 s (the daemon's
// jitter: sha256("MODE:DOMAIN") mod 100 s), so the due time of every scan is known here and
// start lag = startedAt − (tick + jitter), unambiguous while under 2 minutes. The start-up scans
// (everything queued at once) are left out of the lag figures.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOSTILE_BEHAVIOURS, startHostileServer } from '../test/harness/hostile-servers.mjs';
import { freeTcpPort, startBenchServer } from './bench-servers.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const DIST = resolve(option('dist', 'dist'));
const MINUTES = Number(option('minutes', 10));
const GOOD = Number(option('good', 40));
const HOSTILE = Number(option('hostile', 20));
const PERIOD_MS = 120_000;
const JITTER_S = 100;

// The hostile mix: slow drips and keep-alives (the worst: each byte used to reset the timeout),
// deep nesting, stalls after <proceed/>, servers that fail every handshake, silent and dead ports.
const MIX = [
  'drip',
  'drip',
  'drip',
  'keepalive',
  'keepalive',
  'keepalive',
  'nested',
  'nested',
  'stallAfterProceed',
  'stallAfterProceed',
  'handshakeClose',
  'handshakeClose',
  'handshakeFailure',
  'silent',
  'silent',
  'tlsRecordDrip',
  'wideElement',
  'dead',
  'dead',
  'dead',
];

const dir = mkdtempSync(join(tmpdir(), 'xte-chaos-'));
const goodDomains = Array.from({ length: GOOD }, (_, i) => `good-${String(i).padStart(2, '0')}.chaos.test`);
const prosody = await startBenchServer('modern', goodDomains);
const hostiles = [];
const targets = goodDomains.map((domain) => ({ domain, connect: `127.0.0.1:${prosody.port}`, good: true }));
for (let i = 0; i < HOSTILE; i++) {
  const kind = MIX[i % MIX.length];
  const domain = `${kind.toLowerCase()}-${i}.chaos.test`;
  if (kind === 'dead') {
    targets.push({ domain, connect: `127.0.0.1:${await freeTcpPort()}`, good: false });
    continue;
  }
  if (!HOSTILE_BEHAVIOURS[kind]) throw new Error(`unknown behaviour ${kind}`);
  const server = await startHostileServer(kind);
  hostiles.push(server);
  targets.push({ domain, connect: `127.0.0.1:${server.port}`, good: false });
}

const port = await freeTcpPort();
const configFile = join(dir, 'chaos.yaml');
writeFileSync(
  configFile,
  `listen: "127.0.0.1:${port}"
schedule:
  cron: "*/2 * * * *"
  jitterSeconds: ${JITTER_S}
scanner:
  systemRoots: false
  fetchAia: false
stateFile: "${join(dir, 'state.json')}"
log:
  level: warn
targets:
${targets.map((t) => `  - domain: ${t.domain}\n    modes: [c2s]\n    connect: "${t.connect}"\n`).join('')}`,
);

const daemon = spawn(process.execPath, [join(DIST, 'cli', 'main.js'), 'serve', '--config', configFile, '--log-format', 'json'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
daemon.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  if (i > 200) throw new Error(`the daemon did not start:\n${log}`);
  await new Promise((r) => setTimeout(r, 100));
}
const startedAt = Date.now();
const endAt = startedAt + MINUTES * 60_000;

// --- measurements ---------------------------------------------------------------------------
const healthz = [];
const metricsMs = [];
const loopLagMax = [];
const samples = []; // { t, rssKb, fds }
const scans = new Map(); // domain -> Set(startedAt)

const jitterMs = (domain) => createHash('sha256').update(`c2s:${domain}`).digest().readUInt32BE(0) % (JITTER_S * 1000);

async function timed(url) {
  const t0 = performance.now();
  const r = await fetch(url);
  const body = await r.text();
  return { ms: performance.now() - t0, body, ok: r.ok };
}

function processSample() {
  const status = readFileSync(`/proc/${daemon.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = readdirSync(`/proc/${daemon.pid}/fd`).length;
  samples.push({ t: (Date.now() - startedAt) / 1000, rssKb, fds });
}

const healthTimer = setInterval(() => {
  timed(`${base}/healthz`)
    .then((r) => healthz.push(r.ms))
    .catch(() => healthz.push(Infinity));
}, 250);
const slowTimer = setInterval(async () => {
  try {
    processSample();
    const m = await timed(`${base}/metrics`);
    metricsMs.push(m.ms);
    const lag = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(m.body)?.[1];
    if (lag) loopLagMax.push(Number(lag) * 1000);
    const results = JSON.parse((await timed(`${base}/api/v1/results`)).body);
    for (const e of results) {
      const set = scans.get(e.domain) ?? new Set();
      set.add(e.latest.startedAt);
      scans.set(e.domain, set);
    }
  } catch (err) {
    process.stderr.write(`sample failed: ${err.message}\n`);
  }
}, 5000);

while (Date.now() < endAt) await new Promise((r) => setTimeout(r, 1000));
clearInterval(healthTimer);
clearInterval(slowTimer);

// --- figures --------------------------------------------------------------------------------
const firstTick = Math.ceil(startedAt / PERIOD_MS) * PERIOD_MS;
function lagsOf(domains) {
  const lags = [];
  let missed = 0;
  for (const domain of domains) {
    const seen = [...(scans.get(domain) ?? [])].map((s) => Date.parse(s)).filter((t) => t >= firstTick);
    const j = jitterMs(domain);
    for (const t of seen) {
      const due = Math.floor((t - j) / PERIOD_MS) * PERIOD_MS + j;
      lags.push((t - due) / 1000);
    }
    // Ticks whose due time passed more than a period before the end, without a scan seen.
    const dueTimes = [];
    for (let tick = firstTick; tick + j + PERIOD_MS < endAt; tick += PERIOD_MS) dueTimes.push(tick + j);
    missed += Math.max(0, dueTimes.length - seen.length);
  }
  return { lags, missed };
}
const pct = (values, p) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
};
const good = lagsOf(goodDomains);
const after1 = samples.filter((s) => s.t >= 60);
const first = after1[0] ?? samples[0];
const last = samples.at(-1);
const failedHealth = healthz.filter((x) => !Number.isFinite(x)).length;

console.log(`Chaos run: ${DIST}, ${MINUTES} min, ${GOOD} good + ${HOSTILE} hostile/dead targets, cron every 2 min, jitter ${JITTER_S} s`);
console.log('');
console.log('| figure | value |');
console.log('|---|---|');
console.log(`| good scans after start-up | ${good.lags.length} (${good.missed} due ticks without a scan) |`);
console.log(`| good start lag p50 / p99 / max (s) | ${pct(good.lags, 50).toFixed(1)} / ${pct(good.lags, 99).toFixed(1)} / ${pct(good.lags, 100).toFixed(1)} |`);
console.log(
  `| /healthz p50 / p99 / max (ms), ${healthz.length} requests | ${pct(healthz, 50).toFixed(1)} / ${pct(healthz, 99).toFixed(1)} / ${pct(healthz, 100).toFixed(1)}${failedHealth ? `, ${failedHealth} failed` : ''} |`,
);
console.log(`| /metrics p50 / max (ms) | ${pct(metricsMs, 50).toFixed(1)} / ${pct(metricsMs, 100).toFixed(1)} |`);
console.log(`| nodejs_eventloop_lag_max_seconds, worst scrape (ms) | ${pct(loopLagMax, 100).toFixed(0)} |`);
console.log(
  `| RSS at 1 min → end (MB) | ${(first.rssKb / 1024).toFixed(0)} → ${(last.rssKb / 1024).toFixed(0)} (max ${(Math.max(...samples.map((s) => s.rssKb)) / 1024).toFixed(0)}) |`,
);
console.log(`| open fds at 1 min → end | ${first.fds} → ${last.fds} (max ${Math.max(...samples.map((s) => s.fds))}) |`);

daemon.kill('SIGTERM');
await new Promise((r) => daemon.once('exit', r));
await Promise.all(hostiles.map((h) => h.stop()));
await prosody.stop();
rmSync(dir, { recursive: true, force: true });
