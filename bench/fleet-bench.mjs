// Fleet benchmark: the daemon's real job — a whole federation, swept — against a simulated
// federation of real servers on loopback. Run by hand (minutes to an hour), not in CI; results go
// to BENCHMARKS.md ("Fleet").
//
//   npm run build && node bench/fleet-bench.mjs [--domains 1000] [--modes c2s,s2s] [--concurrency auto|N]
//        [--mix realistic|modern] [--detail endpoint|domain] [--baseline 100] [--dist DIR] [--seed 1] [--no-dane] [--no-simulation]
//        [--shards N]
//
// Needs, as root: prosody (and lua-unbound), ejabberd, dnsmasq-base, a JDK, python3, and sslscan for
// --baseline (it says which are missing). It adds /etc/hosts entries for --baseline and removes them.
//
// What it stands up (bench/fleet/):
//   - certificates from a test CA for every domain: 88 % valid, 4 % expired, 4 % self-signed,
//     4 % for another name; RSA-2048 and ECDSA P-256 keys half and half (pki.mjs);
//   - real servers hosting many domains each (servers.mjs): Prosody with Prosody's default TLS
//     (70 %), Prosody with every legacy protocol and suite OpenSSL 3.0 has (12 %), one ejabberd
//     (10 %), one JSSE server speaking SSLv3/RC4/DES/EXPORT (1 %); the rest are bad: 5 % dead
//     (half a closed port, half a black hole that drops SYNs), 2 % hostile
//     (test/harness/hostile-servers.mjs: slow drips, keep-alives, stalls after <proceed/>, …);
//   - a round-trip time per domain, log-uniform over 10–300 ms in 7 steps, through latency
//     proxies in two child processes (proxy.mjs), one listener per (server, mode, RTT);
//   - SRV records for every domain and mode from dnsmasq (_xmpp-client/_xmpp-server → a proxy
//     listener); everything else under fleet.test is NXDOMAIN, answered at once.
// --mix modern: only Prosody with default TLS and valid certificates (the "modern-server scan" of
// the CPU goal).
//
// The daemon (`serve`, a child process, the tsc build in --dist) gets every domain as a target; a
// fresh database, so every target is scanned at start: that is the sweep. --shards N runs N daemons
// (`serve --shard I/N`, a database and port each, --concurrency slots each) sharing the targets: the
// sweep ends when all are done; CPU and database figures add up, memory and /metrics are per replica
// (the largest) and in all, and `report --from-replicas` merges the replicas' reports at the end. bench/fleet/daemon-probe.mjs,
// loaded with --import, measures event-loop delay and database write time inside it.
//
// Figures: sweep time, scans/s, the daemon's CPU seconds per scan (from /proc, apart from the
// servers' and the proxies'), peak and steady RSS, event-loop delay p50/p99/max, /healthz and
// /metrics latency during the sweep, /metrics bytes, series and render time after it, database
// write time, the share of scan-slot time spent on the bad domains, and how long each bad scan
// took against its deadline.
// --baseline N: the naive peer, in the same run: sslscan per (domain, mode) for N sampled
// domains (same mix), with the same concurrency, as people script it today (look up the SRV
// record, then `sslscan --starttls-xmpp|--xmpp-server DOMAIN:PORT`); its sweep time is
// extrapolated to all domains. It needs /etc/hosts entries for the sampled domains (added, then
// removed).
import { execFile, fork, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HOSTILE_BEHAVIOURS, startHostileServer } from '../test/harness/hostile-servers.mjs';
import { freeTcpPort, stopChild } from '../test/harness/processes.mjs';
import { createFleetPki, issueFor } from './fleet/pki.mjs';
import { cpuSecondsOf, memoryOf, startBlackHole, startEjabberd, startJsse, startProsody } from './fleet/servers.mjs';

const { values: opt } = parseArgs({
  options: {
    domains: { type: 'string', default: '1000' },
    modes: { type: 'string', default: 'c2s,s2s' },
    concurrency: { type: 'string', default: 'auto' },
    mix: { type: 'string', default: 'realistic' },
    detail: { type: 'string' },
    baseline: { type: 'string', default: '0' },
    dist: { type: 'string', default: 'dist' },
    seed: { type: 'string', default: '1' },
    'domains-per-prosody': { type: 'string', default: '1500' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    // scanner.dane: false, to measure what DANE's lookups and matching cost a sweep.
    'no-dane': { type: 'boolean', default: false },
    // scanner.simulation: false, to measure what handshake simulation costs a sweep.
    'no-simulation': { type: 'boolean', default: false },
    // N replicas sharing the targets (issue #19).
    shards: { type: 'string', default: '1' },
  },
});
const N = Number(opt.domains);
const MODES = opt.modes.split(',');
const CONCURRENCY = opt.concurrency === 'auto' ? 'auto' : Number(opt.concurrency);
const DIST = resolve(opt.dist);
const PER_PROSODY = Number(opt['domains-per-prosody']);
const SHARDS = Number(opt.shards);
if (!Number.isInteger(SHARDS) || SHARDS < 1) throw new Error('--shards: a whole number ≥ 1');
if (!['realistic', 'modern'].includes(opt.mix)) throw new Error('--mix: realistic or modern');

// --- the federation on paper ------------------------------------------------------------------
let seed = Number(opt.seed);
const random = () => {
  // mulberry32: the same federation for the same seed.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (table) => {
  let r = random();
  for (const [value, share] of table) {
    r -= share;
    if (r < 0) return value;
  }
  return table.at(-1)[0];
};
const RTTS = [10, 18, 32, 57, 100, 170, 300];
const KINDS =
  opt.mix === 'modern'
    ? [['prosody-modern', 1]]
    : [
        ['prosody-modern', 0.7],
        ['prosody-legacy', 0.12],
        ['ejabberd', 0.1],
        ['jsse', 0.01],
        ['closed', 0.025],
        ['blackhole', 0.025],
        ['hostile', 0.02],
      ];
const CERTS =
  opt.mix === 'modern'
    ? [['valid', 1]]
    : [
        ['valid', 0.88],
        ['expired', 0.04],
        ['selfSigned', 0.04],
        ['wrongHost', 0.04],
      ];
const HOSTILE = ['drip', 'keepalive', 'stallAfterProceed', 'silent', 'handshakeClose', 'tlsRecordDrip', 'nested', 'handshakeFailure'];
for (const h of HOSTILE) if (!HOSTILE_BEHAVIOURS[h]) throw new Error(`unknown hostile behaviour ${h}`);

const domains = Array.from({ length: N }, (_, i) => {
  const kind = pick(KINDS);
  // log-uniform 10–300 ms, to the nearest of RTTS (in log terms)
  const rtt = Math.exp(Math.log(10) + random() * Math.log(30));
  const rttMs = RTTS.reduce((best, r) => (Math.abs(Math.log(r / rtt)) < Math.abs(Math.log(best / rtt)) ? r : best));
  return {
    domain: `d${String(i).padStart(5, '0')}.fleet.test`,
    kind,
    cert: pick(CERTS),
    keyType: random() < 0.5 ? 'rsa' : 'ecdsa',
    rttMs,
    hostile: kind === 'hostile' ? HOSTILE[i % HOSTILE.length] : null,
  };
});
const bad = (d) => ['closed', 'blackhole', 'hostile'].includes(d.kind);

// --- certificates and servers -----------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'xte-fleet-'));
const log = (text) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const cleanups = [];
async function cleanup() {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  if (!opt.keep) rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});

async function main() {
  // Run by hand, not by the test suite: say what is missing rather than fail half-way (all run as root).
  const needed = [
    ['/usr/bin/prosody', 'prosody lua-unbound'],
    ['/usr/sbin/ejabberdctl', 'ejabberd'],
    ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
    ['/usr/bin/javac', 'default-jdk-headless'],
    ['/usr/bin/python3', 'python3'],
    ...(Number(opt.baseline) > 0 ? [['/usr/bin/sslscan', 'sslscan']] : []),
  ].filter(([path]) => !existsSync(path));
  if (needed.length) throw new Error(`missing: ${needed.map(([p]) => p).join(', ')}; apt-get install -y ${needed.map(([, pkg]) => pkg).join(' ')}`);
  // The simulated internet (servers, proxies, dnsmasq, sslscan: every child of this process) runs at
  // nice 10 and the daemon at 0, as if the servers were elsewhere: on these 2 cores the daemon gets
  // the CPU it asks for first, so its event-loop delay is its own, not the servers' load.
  setPriority(10);
  // The ejabberd user must reach its files in here.
  chmodSync(dir, 0o755);

  log(`fleet: ${N} domains × ${MODES.join('+')}, mix ${opt.mix}, in ${dir}`);
  const pki = await createFleetPki();
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'ca.pem'), pki.ca.pem);
  for (const type of ['rsa', 'ecdsa']) writeFileSync(join(dir, 'certs', `${type}.key`), pki.leafKeys[type].keyPem);
  const t0 = performance.now();
  for (const d of domains) {
    if (bad(d)) continue;
    const { certPem } = await issueFor(pki, d.domain, d.cert, d.keyType);
    d.certFile = join(dir, 'certs', `${d.domain}.crt`);
    d.keyFile = join(dir, 'certs', `${d.keyType}.key`);
    writeFileSync(d.certFile, d.cert === 'selfSigned' ? certPem : certPem + pki.ca.pem);
  }
  log(`certificates: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const servers = []; // { name, software, profile, c2s, s2s, pid, stop }
  const serverOf = new Map(); // domain → server
  async function startGroup(kind, start) {
    const members = domains.filter((d) => d.kind === kind);
    const groups = Math.max(1, Math.ceil(members.length / PER_PROSODY));
    for (let g = 0; g < groups && members.length; g++) {
      const part = members.filter((_, i) => i % groups === g);
      const name = `${kind}-${g}`;
      const t = performance.now();
      const server = await start(join(dir, name), name, part);
      servers.push(server);
      cleanups.push(server.stop);
      for (const d of part) serverOf.set(d.domain, server);
      log(`${name}: ${part.length} domains, started in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
  const starting = [
    startGroup('prosody-modern', (d, n, part) => startProsody(d, n, 'modern', part)),
    startGroup('prosody-legacy', (d, n, part) => startProsody(d, n, 'legacy', part)),
  ];
  await Promise.all(starting);
  if (domains.some((d) => d.kind === 'ejabberd')) await startGroup('ejabberd', (d, n, part) => startEjabberd(d, n, part));
  const jsseDomains = domains.filter((d) => d.kind === 'jsse');
  if (jsseDomains.length) {
    const first = jsseDomains[0];
    const server = await startJsse(join(dir, 'jsse'), 'jsse', first.domain, first.certFile, first.keyFile);
    servers.push(server);
    cleanups.push(server.stop);
    for (const d of jsseDomains) serverOf.set(d.domain, server);
  }
  const hostileServers = new Map();
  for (const d of domains.filter((x) => x.kind === 'hostile')) {
    if (!hostileServers.has(d.hostile)) {
      const s = await startHostileServer(d.hostile);
      cleanups.push(s.stop);
      hostileServers.set(d.hostile, { name: `hostile-${d.hostile}`, c2s: s.port, s2s: s.port });
    }
    serverOf.set(d.domain, hostileServers.get(d.hostile));
  }
  const closedPort = await freeTcpPort();
  const blackHole = domains.some((d) => d.kind === 'blackhole') ? await startBlackHole() : null;
  if (blackHole) cleanups.push(blackHole.stop);

  // --- latency proxies --------------------------------------------------------------------------
  const routes = new Map(); // "server|mode|rtt" → { id, targetPort, rttMs }
  for (const d of domains) {
    const server = serverOf.get(d.domain);
    if (!server) continue;
    for (const mode of MODES) {
      const id = `${server.name}|${mode}|${d.rttMs}`;
      if (!routes.has(id)) routes.set(id, { id, targetPort: mode === 'c2s' ? server.c2s : server.s2s, rttMs: d.rttMs });
    }
  }
  const proxies = [];
  const proxyPorts = {};
  const routeList = [...routes.values()];
  for (let p = 0; p < 2; p++) {
    const child = fork(join(import.meta.dirname, 'fleet', 'proxy.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proxies.push(child);
    cleanups.push(() => stopChild(child));
    const part = routeList.filter((_, i) => i % 2 === p);
    child.send({ routes: part });
    Object.assign(proxyPorts, (await new Promise((r) => child.once('message', r))).ports);
  }
  const proxyStats = async () => {
    const all = await Promise.all(
      proxies.map(
        (c) =>
          new Promise((r) => {
            c.once('message', r);
            c.send('stats');
          }),
      ),
    );
    return { accepted: all.reduce((n, s) => n + s.accepted, 0) };
  };

  /** Where a domain's SRV record points in `mode`. */
  function endpointOf(d, mode) {
    if (d.kind === 'closed') return closedPort;
    if (d.kind === 'blackhole') return blackHole.port;
    return proxyPorts[`${serverOf.get(d.domain).name}|${mode}|${d.rttMs}`];
  }

  // --- DNS --------------------------------------------------------------------------------------
  const SERVICE = { c2s: '_xmpp-client._tcp', s2s: '_xmpp-server._tcp' };
  const dnsPort = await freeTcpPort();
  const dnsConf = join(dir, 'dnsmasq.conf');
  writeFileSync(
    dnsConf,
    [
      'keep-in-foreground',
      'no-resolv',
      'no-hosts',
      'no-poll',
      'listen-address=127.0.0.1',
      'bind-interfaces',
      `port=${dnsPort}`,
      'user=root',
      'cache-size=0',
      'local=/fleet.test/',
      'host-record=xmpp.fleet.test,127.0.0.1',
      ...domains.flatMap((d) => MODES.map((mode) => `srv-host=${SERVICE[mode]}.${d.domain},xmpp.fleet.test,${endpointOf(d, mode)},0,5`)),
      '',
    ].join('\n'),
  );
  const dnsmasq = spawn('/usr/sbin/dnsmasq', [`--conf-file=${dnsConf}`, `--pid-file=${join(dir, 'dnsmasq.pid')}`], { stdio: 'ignore' });
  cleanups.push(() => stopChild(dnsmasq));
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  for (let i = 0; ; i++) {
    try {
      await resolver.resolveSrv(`${SERVICE[MODES[0]]}.${domains[0].domain}`);
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  log(`servers: ${servers.length} XMPP, ${hostileServers.size} hostile, ${routes.size} proxy routes, dnsmasq with ${N * MODES.length} SRV records`);

  // --- the daemons (one unless --shards) --------------------------------------------------------
  const TARGETS = N * MODES.length;
  const servedAt = performance.now();
  const replicas = [];
  for (let index = 0; index < SHARDS; index++) {
    const httpPort = await freeTcpPort();
    const name = SHARDS === 1 ? 'fleet' : `fleet-${index}`;
    const probeFile = join(dir, `probe-${name}.json`);
    writeFileSync(
      join(dir, `${name}.yaml`),
      `listen: "127.0.0.1:${httpPort}"
schedule:
  cron: "0 0 1 1 *"
concurrency:
  domains: ${CONCURRENCY}
scanner:
  systemRoots: false
  caFiles: ["${join(dir, 'ca.pem')}"]
  fetchAia: false
  resolver: "127.0.0.1:${dnsPort}"
${opt['no-dane'] ? '  dane: false\n' : ''}${opt['no-simulation'] ? '  simulation: false\n' : ''}store:
  path: "${join(dir, `${name}.db`)}"
${opt.detail ? `metrics:\n  detail: ${opt.detail}\n` : ''}log:
  level: info
targets:
${domains.map((d) => `  - domain: ${d.domain}\n    modes: [${MODES.join(', ')}]\n`).join('')}`,
    );
    const daemon = spawn(
      'nice',
      [
        '-n',
        '-10',
        process.execPath,
        ...(opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(opt['cpu-prof'])] : []),
        '--expose-gc',
        '--import',
        join(import.meta.dirname, 'fleet', 'daemon-probe.mjs'),
        join(DIST, 'cli', 'main.js'),
        'serve',
        '--config',
        join(dir, `${name}.yaml`),
        '--log-format',
        'json',
        ...(SHARDS > 1 ? ['--shard', `${index}/${SHARDS}`] : []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FLEET_PROBE_FILE: probeFile, FLEET_DIST: DIST } },
    );
    cleanups.push(() => stopChild(daemon, 20_000));
    const replica = { index, daemon, probeFile, base: `http://127.0.0.1:${httpPort}`, finished: 0, failed: 0, tail: '', rss: [] };
    let pending = '';
    daemon.stderr.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.includes('"scan finished"')) replica.finished++;
        else if (line.includes('"scan failed"')) {
          replica.finished++;
          replica.failed++;
        } else replica.tail = `${replica.tail}${line}\n`.slice(-4000);
      }
    });
    replicas.push(replica);
  }
  const [first] = replicas;
  const daemon = first.daemon;
  const base = first.base;
  const sum = (f) => replicas.reduce((n, r) => n + f(r), 0);
  for (const r of replicas) {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${r.base}/healthz`)).ok) break;
      } catch {}
      if (i > 600 || r.daemon.exitCode !== null) throw new Error(`the daemon did not start:\n${r.tail}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  const sweepStart = performance.now();
  log(
    `${SHARDS === 1 ? 'daemon' : `${SHARDS} replicas`} up in ${((sweepStart - servedAt) / 1000).toFixed(1)} s; sweeping ${TARGETS} targets, concurrency.domains ${CONCURRENCY}${SHARDS > 1 ? ' each' : ''}`,
  );

  // --- during the sweep -------------------------------------------------------------------------
  const serverPids = servers.map((s) => s.pid).filter(Boolean);
  const cpuOf = (pids) => pids.reduce((n, pid) => n + cpuSecondsOf(pid), 0);
  const daemonCpu = () => sum((r) => cpuSecondsOf(r.daemon.pid));
  const cpuAtStart = { daemon: daemonCpu(), servers: cpuOf(serverPids), proxies: cpuOf(proxies.map((p) => p.pid)) };
  const healthzMs = [];
  const metricsDuring = [];
  const timed = async (url) => {
    const t = performance.now();
    const r = await fetch(url);
    const body = await r.text();
    return { ms: performance.now() - t, body };
  };
  const sampler = setInterval(() => {
    for (const r of replicas) r.rss.push({ t: (performance.now() - sweepStart) / 1000, ...memoryOf(r.daemon.pid) });
  }, 1000);
  const health = setInterval(() => {
    timed(`${base}/healthz`).then(
      (r) => healthzMs.push(r.ms),
      () => healthzMs.push(Number.POSITIVE_INFINITY),
    );
  }, 500);
  const scrape = setInterval(() => {
    timed(`${base}/metrics`).then(
      (r) => metricsDuring.push(r.ms),
      () => metricsDuring.push(Number.POSITIVE_INFINITY),
    );
  }, 15_000);
  let lastReport = 0;
  while (sum((r) => r.finished) < TARGETS) {
    const exited = replicas.find((r) => r.daemon.exitCode !== null);
    if (exited) throw new Error(`the daemon exited:\n${exited.tail}`);
    await new Promise((r) => setTimeout(r, 500));
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      log(
        `${sum((r) => r.finished)}/${TARGETS} scans (${sum((r) => r.failed)} failed), RSS ${replicas.map((r) => memoryOf(r.daemon.pid).rssMb.toFixed(0)).join(' + ')} MB`,
      );
    }
  }
  const failed = sum((r) => r.failed);
  const sweepSeconds = (performance.now() - sweepStart) / 1000;
  clearInterval(health);
  clearInterval(scrape);
  const cpu = {
    daemon: daemonCpu() - cpuAtStart.daemon,
    servers: cpuOf(serverPids) - cpuAtStart.servers,
    proxies: cpuOf(proxies.map((p) => p.pid)) - cpuAtStart.proxies,
  };
  const probes = replicas.map((r) => JSON.parse(readFileSync(r.probeFile, 'utf8')));
  // The worst replica's event loop; every replica's database writes.
  const probe = {
    loop: Object.fromEntries(['p50Ms', 'p99Ms', 'maxMs'].map((k) => [k, Math.max(...probes.map((p) => p.loop[k]))])),
    store: {
      writes: probes.reduce((n, p) => n + p.store.writes, 0),
      seconds: probes.reduce((n, p) => n + p.store.seconds, 0),
      maxSeconds: Math.max(...probes.map((p) => p.store.maxSeconds)),
    },
  };
  const proxied = await proxyStats();
  log(`sweep done in ${sweepSeconds.toFixed(0)} s`);

  // --- after the sweep: steady state, /metrics, the results --------------------------------------
  await new Promise((r) => setTimeout(r, 10_000));
  clearInterval(sampler);
  const steady = memoryOf(daemon.pid);
  for (const r of replicas) r.steady = memoryOf(r.daemon.pid);
  for (const r of replicas) r.daemon.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 2000));
  const steadyInside = JSON.parse(readFileSync(first.probeFile, 'utf8')).memory;
  const renders = [];
  let exposition = '';
  for (let i = 0; i < 3; i++) {
    const r = await timed(`${base}/metrics`);
    renders.push(r.ms);
    exposition = r.body;
  }
  const slotsAtEnd = Number(/^xmpp_tls_exporter_scan_slots (\S+)$/m.exec(exposition)?.[1] ?? Number.NaN);
  const expositions = [exposition, ...(await Promise.all(replicas.slice(1).map(async (r) => (await timed(`${r.base}/metrics`)).body)))];
  const seriesOf = (text) => text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const series = expositions.reduce((n, e) => n + seriesOf(e), 0);
  const ownSeries = expositions.reduce((n, e) => n + e.split('\n').filter((l) => l.startsWith('xmpp_tls_') && !l.startsWith('xmpp_tls_exporter_')).length, 0);
  const results = (await Promise.all(replicas.map(async (r) => (await fetch(`${r.base}/api/v1/results`)).json()))).flat();
  // The fleet's one survey: the replicas' /report.json merged (the CLI, as a user runs it).
  let merge = null;
  if (SHARDS > 1) {
    const t = performance.now();
    const out = await new Promise((done, fail) =>
      execFile(
        process.execPath,
        [join(DIST, 'cli', 'main.js'), 'report', '--from-replicas', ...replicas.map((r) => r.base), '--format', 'json'],
        { maxBuffer: 1 << 30 },
        (err, stdout) => (err ? fail(err) : done(stdout)),
      ),
    );
    merge = { seconds: (performance.now() - t) / 1000, rows: JSON.parse(out).domains.length, bytes: out.length };
  }

  // Scan-slot time: each scan holds one of the `concurrency` slots for its duration.
  const byDomain = new Map(domains.map((d) => [d.domain, d]));
  let slotAll = 0;
  let slotBad = 0;
  const durationsByKind = {};
  const modernCpuCandidates = [];
  for (const entry of results) {
    const r = entry.latest;
    if (!r) continue;
    const d = byDomain.get(r.domain);
    slotAll += r.durationSeconds;
    const kind = `${d.kind} ${r.mode}`;
    if (!durationsByKind[kind]) durationsByKind[kind] = [];
    durationsByKind[kind].push(r.durationSeconds);
    if (bad(d)) {
      slotBad += r.durationSeconds;
    }
    if (d.kind === 'prosody-modern') modernCpuCandidates.push(r);
  }

  const pct = (values, p) => {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] : Number.NaN;
  };
  const f = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
  const peakOf = (r) => Math.max(...r.rss.map((x) => x.peakMb), r.steady.peakMb);
  const peakRss = Math.max(...replicas.map(peakOf));
  const kinds = {};
  for (const d of domains) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;

  const rows = [
    [
      'domains × modes = scans',
      `${N} × ${MODES.length} = ${TARGETS} (${Object.entries(kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    ],
    ['concurrency.domains (slots at the end)', `${CONCURRENCY} (${slotsAtEnd})${SHARDS > 1 ? ` per replica, ${SHARDS} replicas` : ''}`],
    ['sweep wall time', `${f(sweepSeconds, 0)} s (${f(sweepSeconds / 60)} min)`],
    ['scans/s', f(TARGETS / sweepSeconds, 2)],
    ['scans failed (no grade: dead, hostile, …)', failed],
    ['daemon CPU per scan', `${f((cpu.daemon / TARGETS) * 1000, 1)} ms (${f(cpu.daemon, 0)} s in all)`],
    ['servers CPU (Prosody, ejabberd, JSSE) per scan', `${f((cpu.servers / TARGETS) * 1000, 1)} ms (${f(cpu.servers, 0)} s)`],
    ['latency proxies CPU per scan', `${f((cpu.proxies / TARGETS) * 1000, 1)} ms (${f(cpu.proxies, 0)} s; ${proxied.accepted} connections)`],
    ['machine CPU use during the sweep (2 cores = 200 %)', `${f(((cpu.daemon + cpu.servers + cpu.proxies) / sweepSeconds) * 100, 0)} %`],
    ['daemon RSS peak / steady after the sweep', `${f(peakRss, 0)} / ${f(steady.rssMb, 0)} MB`],
    ...(SHARDS > 1
      ? [
          ['replicas: RSS peak each / in all', `${replicas.map((r) => f(peakOf(r), 0)).join(', ')} / ${f(sum(peakOf), 0)} MB`],
          ['replicas: targets each (scans finished)', replicas.map((r) => r.finished).join(', ')],
          ['replicas: /metrics bytes each', expositions.map((e) => `${(e.length / 1e6).toFixed(2)} MB`).join(', ')],
          [
            "report --from-replicas: merge of the replicas' /report.json",
            `${f(merge.seconds, 2)} s for ${merge.rows} rows (${(merge.bytes / 1e6).toFixed(2)} MB of JSON)`,
          ],
        ]
      : []),
    [
      'daemon memory after the sweep and a full GC: V8 heap used / total, external, arrayBuffers',
      `${f(steadyInside.heapUsed / 1048576, 0)} / ${f(steadyInside.heapTotal / 1048576, 0)} MB, ${f(steadyInside.external / 1048576, 0)} MB, ${f(steadyInside.arrayBuffers / 1048576, 0)} MB`,
    ],
    // monitorEventLoopDelay's samples are the whole timer interval: its 10 ms resolution is taken off.
    ['event-loop delay p50 / p99 / max', `${f(probe.loop.p50Ms - 10)} / ${f(probe.loop.p99Ms - 10)} / ${f(probe.loop.maxMs - 10)} ms`],
    [
      '/healthz during the sweep p50 / p99 / max',
      `${f(pct(healthzMs, 50))} / ${f(pct(healthzMs, 99))} / ${f(pct(healthzMs, 100))} ms (${healthzMs.length} requests)`,
    ],
    ['/metrics during the sweep p50 / max', `${f(pct(metricsDuring, 50))} / ${f(pct(metricsDuring, 100))} ms`],
    [
      `/metrics after the sweep: bytes, series (of them xmpp_tls_*), render${SHARDS > 1 ? ' (bytes and render: replica 0; series: all)' : ''}`,
      `${(exposition.length / 1e6).toFixed(2)} MB, ${series} (${ownSeries}), ${f(pct(renders, 50), 0)} ms`,
    ],
    [
      'database writes: count, mean, max',
      `${probe.store.writes}, ${f((probe.store.seconds / Math.max(1, probe.store.writes)) * 1000, 2)} ms, ${f(probe.store.maxSeconds * 1000, 0)} ms`,
    ],
    ['scan-slot time on the bad domains', `${f((slotBad / slotAll) * 100)} % (${(domains.filter(bad).length / N) * 100} % of domains)`],
    ...Object.entries(durationsByKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [`scan duration, ${k}: p50 / p90 / max`, `${f(pct(v, 50))} / ${f(pct(v, 90))} / ${f(pct(v, 100))} s (n=${v.length})`]),
  ];

  // --- the naive peer: sslscan per domain ---------------------------------------------------------
  const BASELINE = Number(opt.baseline);
  if (BASELINE > 0) {
    // Every (N / BASELINE)th domain: the same mix. With at least 2 × slots jobs the run has the contention a full one has.
    const sample = domains.filter((_, i) => i % Math.max(1, Math.floor(N / BASELINE)) === 0).slice(0, BASELINE);
    const parallel = Number.isFinite(slotsAtEnd) ? slotsAtEnd : Number(CONCURRENCY);
    const hosts = readFileSync('/etc/hosts', 'utf8');
    writeFileSync('/etc/hosts', `${hosts}${hosts.endsWith('\n') ? '' : '\n'}# fleet-bench\n${sample.map((d) => `127.0.0.1 ${d.domain}`).join('\n')}\n`);
    cleanups.push(async () => writeFileSync('/etc/hosts', hosts));
    const jobs = sample.flatMap((d) => MODES.map((mode) => ({ d, mode })));
    const started = performance.now();
    const runOne = async ({ d, mode }) => {
      // The script's SRV lookup; a failed lookup falls back to the domain on the standard port.
      let port = mode === 'c2s' ? 5222 : 5269;
      try {
        port = (await resolver.resolveSrv(`${SERVICE[mode]}.${d.domain}`))[0].port;
      } catch {}
      await new Promise((done) => {
        const child = execFile(
          'sslscan',
          [mode === 'c2s' ? '--starttls-xmpp' : '--xmpp-server', '--no-colour', `${d.domain}:${port}`],
          { timeout: 600_000 },
          () => done(),
        );
        child.on('exit', () => {});
      });
    };
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
        while (queue.length) await runOne(queue.shift());
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const extrapolated = seconds * (N / sample.length);
    rows.push(
      [
        `naive peer: sslscan per (domain, mode), ${parallel} at once`,
        `${sample.length} domains × ${MODES.length} in ${f(seconds, 0)} s → ${f(extrapolated, 0)} s (${f(extrapolated / 60)} min) for ${N} (extrapolated)`,
      ],
      ['ours / sslscan (sweep time)', f(sweepSeconds / extrapolated, 3)],
    );
  }

  console.log(`\nFleet: ${N} domains, modes ${MODES.join('+')}, mix ${opt.mix}, concurrency.domains ${CONCURRENCY}, ${SHARDS} replica(s), ${DIST}\n`);
  console.log('| figure | value |');
  console.log('|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  await cleanup();
  process.exit(0);
}
