// Benchmark: our full c2s scan against sslscan and testssl.sh, on two local Prosody servers
// (legacy and modern TLS profiles), on loopback and through a latency proxy.
//
//   npm run build && node bench/scan-bench.mjs [options]
//
// Options:
//   --help                this text
//   --reps N              timed runs of our scan (in process) on loopback (default 9)
//   --rtt-reps N          the same through the latency proxy (default 5)
//   --cli-reps N          timed runs of our scan as a fresh process (the CLI), each network (default 3; 0 = skip)
//   --sslscan-reps N      timed sslscan runs on loopback (default 9)
//   --sslscan-rtt-reps N  timed sslscan runs through the proxy (default 2; one is ~47 s on the legacy server)
//   --testssl WHERE       none | rtt | loopback | all: where testssl.sh -E runs, once (default rtt)
//   --testssl-profiles L  the profiles testssl.sh runs against (default legacy; one run is 4–7 minutes)
//   --testssl-full        also time one full default testssl.sh run (no -E) wherever -E runs (3–10 minutes each)
//   --rtt MS              round-trip time the proxy adds (default 50)
//   --profiles LIST       legacy,modern (default both)
//   --no-phases           skip the per-phase timing and the connection-cap sweep
//   --json FILE           write every measurement as JSON
//
// Must run as root (it adds the two bench host names to /etc/hosts if they are missing, and
// Prosody needs run_as_root). Only talks to 127.0.0.1.

import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES, ensureHostsEntries, startBenchServer } from './bench-servers.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = {
    reps: 9,
    rttReps: 5,
    cliReps: 3,
    sslscanReps: 9,
    sslscanRttReps: 2,
    testssl: 'rtt',
    testsslProfiles: ['legacy'],
    testsslFull: false,
    rtt: 50,
    profiles: ['legacy', 'modern'],
    phases: true,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help') {
      process.stdout.write(
        `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n\n')[0]
          .replace(/^\/\/ ?/gm, '')}\n`,
      );
      process.exit(0);
    } else if (a === '--reps') o.reps = Number(val());
    else if (a === '--rtt-reps') o.rttReps = Number(val());
    else if (a === '--testssl-profiles') o.testsslProfiles = val().split(',');
    else if (a === '--cli-reps') o.cliReps = Number(val());
    else if (a === '--sslscan-reps') o.sslscanReps = Number(val());
    else if (a === '--sslscan-rtt-reps') o.sslscanRttReps = Number(val());
    else if (a === '--testssl') o.testssl = val();
    else if (a === '--testssl-full') o.testsslFull = true;
    else if (a === '--rtt') o.rtt = Number(val());
    else if (a === '--profiles') o.profiles = val().split(',');
    else if (a === '--no-phases') o.phases = false;
    else if (a === '--json') o.json = val();
    else throw new Error(`unknown option ${a}`);
  }
  if (!['none', 'rtt', 'loopback', 'all'].includes(o.testssl)) throw new Error('--testssl: none, rtt, loopback or all');
  if (o.reps < 1 || o.rttReps < 1) throw new Error('--reps and --rtt-reps must be at least 1');
  for (const p of o.profiles) if (!PROFILES[p]) throw new Error(`unknown profile ${p}`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (ms) => (ms === null || ms === undefined ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const fmtRatio = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '–' : r < 0.01 ? r.toFixed(4) : r < 0.1 ? r.toFixed(3) : r.toFixed(2));
const log = (msg) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

function debVersions(pkgs) {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax (${Package}), not a JavaScript template
    const out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${Version}\\n', ...pkgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(' ')),
    );
  } catch (err) {
    return err.stdout
      ? Object.fromEntries(
          String(err.stdout)
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(' ')),
        )
      : {};
  }
}

/** The commit the built code comes from, and whether src/ had uncommitted changes. */
function gitInfo() {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return { head, srcDirty: dirty };
  } catch {
    return null;
  }
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Runs a program; resolves with wall time, exit code and output. */
function run(cmd, args, { timeoutMs = 30 * 60_000 } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, signal, stdout, stderr });
    });
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Findings: sets of "PROTOCOL|0xCODE"

const hex4 = (n) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

function oursFindings(result) {
  const tls = result.endpoints[0]?.tls;
  if (!tls) return null;
  return new Set(tls.cipherSuites.map((s) => `${s.protocol}|${s.code.toUpperCase().replace(/^0X/, '0x')}`));
}

function sslscanFindings(xml) {
  const out = new Set();
  for (const m of xml.matchAll(/<cipher\s[^>]*>/g)) {
    const tag = m[0];
    const version = /sslversion="([^"]+)"/.exec(tag)?.[1];
    const id = /\bid="0x([0-9A-Fa-f]+)"/.exec(tag)?.[1];
    if (version && id) out.add(`${version}|${hex4(parseInt(id, 16))}`);
  }
  return out;
}

const TESTSSL_PROTOCOLS = { ssl2: 'SSLv2', ssl3: 'SSLv3', tls1: 'TLSv1.0', tls1_1: 'TLSv1.1', tls1_2: 'TLSv1.2', tls1_3: 'TLSv1.3' };

function testsslFindings(doc) {
  const out = new Set();
  for (const r of doc.scanResult?.[0]?.cipherTests ?? []) {
    const m = /^cipher-(ssl2|ssl3|tls1(?:_[123])?)_x([0-9a-f]+)$/i.exec(r.id);
    if (!m) continue;
    const proto = TESTSSL_PROTOCOLS[m[1].toLowerCase()];
    // SSLv2 cipher specs are 3-byte codes; ours are written 0x0700C0-style as well.
    const code = proto === 'SSLv2' ? `0x${m[2].toUpperCase().padStart(6, '0')}` : hex4(parseInt(m[2], 16));
    out.add(`${proto}|${code}`);
  }
  return out;
}

function compareFindings(a, b) {
  if (!a || !b) return { equal: null, onlyA: [], onlyB: [] };
  const onlyA = [...a].filter((x) => !b.has(x)).sort();
  const onlyB = [...b].filter((x) => !a.has(x)).sort();
  return { equal: onlyA.length === 0 && onlyB.length === 0, onlyA, onlyB };
}

// ---------------------------------------------------------------------------------------------
// The three scanners

async function loadOurs() {
  const scan = await import(join(DIST, 'scan', 'index.js'));
  const tls = await import(join(DIST, 'tls', 'index.js'));
  const connector = await import(join(DIST, 'connector', 'index.js'));
  return {
    scanDomain: scan.scanDomain,
    probeTls: tls.probeTls,
    openTlsReadySocket: connector.openTlsReadySocket,
    DEFAULT_TIMEOUTS: connector.DEFAULT_TIMEOUTS,
  };
}

async function oursOnce(ours, domain, port, serverPid, extra = {}) {
  const cpu0 = process.cpuUsage();
  const srv0 = cpuSecondsOf(serverPid);
  const t0 = performance.now();
  const result = await ours.scanDomain(domain, { mode: 'c2s', connect: `127.0.0.1:${port}`, fetchAia: false, ...extra });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const srv1 = cpuSecondsOf(serverPid);
  const ep = result.endpoints[0];
  if (ep?.status !== 'ok' || !ep.tls) throw new Error(`our scan of ${domain} failed: ${JSON.stringify(ep?.error ?? result.error)}`);
  return {
    ms,
    result,
    probeCount: ep.tls.probeCount,
    endpointMs: ep.durationSeconds * 1000,
    tlsMs: ep.tls.durationSeconds * 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    serverCpuMs: srv0 !== null && srv1 !== null ? (srv1 - srv0) * 1000 : null,
  };
}

/** Which program runs one scan in a fresh process: the CLI, or bench/scan-once.mjs when the CLI does not run. */
let cliMode = 'cli';

async function oursCli(domain, port) {
  const args =
    cliMode === 'cli'
      ? [join(DIST, 'cli', 'main.js'), 'scan', domain, '--connect', `127.0.0.1:${port}`, '--no-aia', '--json']
      : [join(ROOT, 'bench', 'scan-once.mjs'), domain, `127.0.0.1:${port}`];
  const r = await run(process.execPath, args);
  let doc = null;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    if (cliMode === 'cli') {
      log(
        `our CLI does not run (exit ${r.code}: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr.slice(0, 200)}); timing bench/scan-once.mjs instead`,
      );
      cliMode = 'scan-once';
      return oursCli(domain, port);
    }
    throw new Error(`bench/scan-once.mjs printed no JSON (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  return { ms: r.ms, doc, mode: cliMode };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** `cpu`: run it under /usr/bin/time to learn its CPU time (only in untimed runs). */
async function sslscanOnce(domain, port, serverPid, { cpu = false } = {}) {
  const args = ['--starttls-xmpp', '--no-colour', '--xml=-', `${domain}:${port}`];
  const srv0 = cpuSecondsOf(serverPid);
  const r = cpu && TIME ? await run(TIME, ['-f', 'XTE_CPU %U %S', 'sslscan', ...args]) : await run('sslscan', args);
  const srv1 = cpuSecondsOf(serverPid);
  if (r.code !== 0 || !r.stdout.includes('<ssltest')) throw new Error(`sslscan failed (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  const m = /XTE_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return {
    ms: r.ms,
    xml: r.stdout,
    serverCpuMs: srv0 !== null && srv1 !== null ? (srv1 - srv0) * 1000 : null,
    cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : null,
  };
}

async function testsslOnce(domain, port, { full = false } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'xte-bench-testssl-'));
  const file = join(dir, 'out.json');
  try {
    const args = [
      ...(full ? [] : ['-E']),
      '--starttls',
      'xmpp',
      '--xmpphost',
      domain,
      '--jsonfile-pretty',
      file,
      '--quiet',
      '--warnings',
      'off',
      `127.0.0.1:${port}`,
    ];
    const r = await run('testssl', args);
    if (!existsSync(file)) throw new Error(`testssl wrote no JSON (exit ${r.code}): ${(r.stderr || r.stdout).slice(-800)}`);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    return { ms: r.ms, code: r.code, doc, args: ['testssl', ...args].join(' ') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The latency proxy in its own process (so that its work does not land on the event loop or the
 * CPU figures of our in-process scanner), with its counters over IPC.
 */
async function startProxyProcess(targetPort, oneWayMs) {
  const child = fork(join(ROOT, 'test', 'harness', 'latency-proxy.mjs'), [String(targetPort), String(oneWayMs)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the latency proxy exited (${code})`)));
  });
  let seq = 0;
  const ask = (cmd) =>
    new Promise((resolve) => {
      const id = ++seq;
      const onMessage = (m) => {
        if (m?.id !== id) return;
        child.off('message', onMessage);
        resolve(m.stats);
      };
      child.on('message', onMessage);
      child.send({ cmd, id });
    });
  return {
    port,
    oneWayMs,
    stats: () => ask('stats'),
    reset: () => ask('reset'),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(undefined);
        child.once('exit', () => resolve(undefined));
        child.send({ cmd: 'close' });
      }),
  };
}

/**
 * Runs `fn(port)` through `proxy`; returns its result and what the proxy saw: connections, the
 * most open at once, the average number open, and their median life.
 */
async function viaProxy(proxy, fn) {
  await proxy.reset();
  const value = await fn(proxy.port);
  // Let the last connections reach the proxy's counters.
  await new Promise((r) => setTimeout(r, 2 * proxy.oneWayMs + 30));
  const st = await proxy.stats();
  const span = st.lastCloseAt !== null && st.firstAcceptAt !== null ? st.lastCloseAt - st.firstAcceptAt : null;
  return {
    value,
    connections: st.accepted,
    net: {
      connections: st.accepted,
      maxConcurrent: st.maxConcurrent,
      medianLifeMs: median(st.lifetimesMs),
      avgConcurrent: span ? st.lifetimesMs.reduce((a, b) => a + b, 0) / span : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Per-phase timing of one probe connection, measured by hand (raw XMPP dialogue), plus one
// ClientHello round trip with the prober's own hello and reader (dist internals).

function readUntil(socket, pattern, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d.toString('latin1');
      if (pattern.test(buf)) {
        cleanup();
        resolve(buf);
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`connection closed before ${pattern}; got ${JSON.stringify(buf.slice(0, 300))}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timeout waiting for ${pattern}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

const streamHeaderFor = (domain) =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;
const STARTTLS = `<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`;

/** One probe connection, step by step; `pipelined` sends header and <starttls/> in one write. */
async function probeSteps(domain, port, hello, exchange, keyExchangeOf, pipelined) {
  const t0 = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const t1 = performance.now();
  let t2;
  if (pipelined) {
    socket.write(streamHeaderFor(domain) + STARTTLS);
    await readUntil(socket, /<proceed/);
    t2 = t1;
  } else {
    socket.write(streamHeaderFor(domain));
    await readUntil(socket, /<\/stream:features>/);
    t2 = performance.now();
    socket.write(STARTTLS);
    await readUntil(socket, /<proceed/);
  }
  const t3 = performance.now();
  const answer = exchange ? await exchange(socket, hello, { timeoutMs: 10_000, keyExchangeOf }) : null;
  const t4 = performance.now();
  socket.destroy();
  return { connect: t1 - t0, features: t2 - t1, proceed: t3 - t2, hello: t4 - t3, total: t4 - t0, answer: answer?.kind ?? null };
}

/**
 * Header, <starttls/> and the ClientHello in one write: does the server keep the early TLS bytes
 * across <proceed/> and answer them? (It would save one more round trip per probe.)
 */
async function probeEarlyHello(domain, port, hello, waitMs) {
  const t0 = performance.now();
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  let tAnswer = null;
  const verdict = await new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(tAnswer ? 'answered' : 'no TLS answer'), waitMs);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const at = text.search(/<proceed[^>]*\/>/);
      if (at < 0) {
        if (/<failure|<stream:error/.test(text)) done('refused');
        return;
      }
      const end = text.indexOf('/>', at) + 2;
      if (buf.length > end) {
        tAnswer = performance.now();
        // Prosody hands the early bytes to its XML parser: a new stream header and <not-well-formed/>.
        done(buf[end] === 0x16 ? 'answered' : buf[end] === 0x15 ? 'TLS alert' : buf[end] === 0x3c ? 'no: XML (stream error) instead of TLS' : 'no: not TLS');
      }
    });
    socket.on('close', () => done(tAnswer ? 'answered' : 'closed without a TLS answer'));
    socket.write(Buffer.concat([Buffer.from(streamHeaderFor(domain) + STARTTLS), hello]));
  });
  return { verdict, ms: (tAnswer ?? performance.now()) - t0 };
}

async function phaseBreakdown(domain, port, rttMs) {
  let exchange = null;
  let buildHello = null;
  try {
    ({ exchange } = await import(join(DIST, 'tls', 'probe', 'exchange.js')));
    ({ buildHello } = await import(join(DIST, 'tls', 'probe', 'hellos.js')));
  } catch {
    log('phase timing: dist/tls/probe internals not found; hello round trip not measured');
  }
  const hello = buildHello ? buildHello('TLSv1.2', [0xc030, 0xc02f, 0x009f, 0x009e, 0x0035, 0x002f], domain) : null;
  const keyExchangeOf = (c) => ([0x009f, 0x009e].includes(c) ? 'dhe' : [0xc030, 0xc02f].includes(c) ? 'ecdhe' : null);
  const steps = [];
  const piped = [];
  for (let i = 0; i < 7; i++) {
    steps.push(await probeSteps(domain, port, hello, exchange, keyExchangeOf, false));
    piped.push(await probeSteps(domain, port, hello, exchange, keyExchangeOf, true));
  }
  const med = (arr, k) => median(arr.map((s) => s[k]));
  const stepwise = {
    connect: med(steps, 'connect'),
    features: med(steps, 'features'),
    proceed: med(steps, 'proceed'),
    hello: med(steps, 'hello'),
    total: med(steps, 'total'),
  };
  const pipelined = { total: med(piped, 'total'), proceed: med(piped, 'proceed'), answers: [...new Set(piped.map((p) => p.answer))] };

  const early = hello ? await probeEarlyHello(domain, port, hello, 4 * rttMs + 1500) : null;
  return { rttMs, stepwise, pipelined, early };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(DIST, 'scan', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  for (const tool of ['sslscan', 'prosody', 'openssl', ...(opts.testssl !== 'none' || opts.testsslFull ? ['testssl'] : [])]) {
    if (!which(tool)) throw new Error(`${tool} is not installed (apt-get install ${tool === 'testssl' ? 'testssl.sh' : tool})`);
  }
  const added = ensureHostsEntries(opts.profiles.map((p) => PROFILES[p].domain));
  if (added.length) log(`added to /etc/hosts: ${added.join(', ')}`);

  const ours = await loadOurs();
  const oneWay = opts.rtt / 2;
  const started = performance.now();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    loadavgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    packages: debVersions(['prosody', 'sslscan', 'testssl.sh', 'openssl', 'lua-sec']),
    git: gitInfo(),
  };
  const rows = [];
  const phases = [];
  const sweeps = [];
  const verification = {};

  for (const profileName of opts.profiles) {
    const server = await startBenchServer(profileName);
    const { domain, port, pid } = server;
    log(`${profileName}: Prosody pid ${pid} on 127.0.0.1:${port}`);
    const rttProxy = await startProxyProcess(port, oneWay);
    const countProxy = await startProxyProcess(port, 0);
    try {
      // Warm-up (JIT, trust store, server caches), and check the legacy server's configuration.
      await oursOnce(ours, domain, port, pid);
      const check = await sslscanOnce(domain, port, pid);
      if (profileName === 'legacy') {
        const f = sslscanFindings(check.xml);
        const names = [...check.xml.matchAll(/cipher="([^"]+)"/g)].map((m) => m[1]);
        verification.legacy = {
          tls10: /<protocol type="tls" version="1.0" enabled="1"/.test(check.xml),
          nullSuites: names.filter((n) => /NULL/.test(n)).length,
          anonSuites: names.filter((n) => /^(ADH|AECDH)-/.test(n)).length,
          dh1024: /dhebits="1024"/.test(check.xml) || /DHE 1024/.test(check.xml),
          suites: f.size,
        };
        log(`legacy server check (sslscan): ${JSON.stringify(verification.legacy)}`);
        if (!verification.legacy.tls10 || verification.legacy.nullSuites === 0 || verification.legacy.anonSuites === 0) {
          log('WARNING: the legacy server does not offer TLS 1.0 / NULL / anonymous suites: the legacy profile is not what it should be');
        }
      }

      for (const network of ['loopback', 'rtt']) {
        const atRtt = network === 'rtt';
        const label = atRtt ? `${opts.rtt} ms RTT` : 'loopback';
        const row = { profile: profileName, domain, network: label };
        // One timed run: straight to the server on loopback, through the latency proxy at the RTT.
        const once = async (fn) => (atRtt ? viaProxy(rttProxy, fn) : { value: await fn(port), net: null });
        // On loopback the connections are counted in one extra, untimed run through a 0 ms proxy.
        const counted = async (fn, last) => (atRtt && last ? last : (await viaProxy(countProxy, fn)).net);

        // Ours (in process), ours (CLI process) and sslscan, interleaved so that load changes on
        // this shared machine hit all of them alike.
        const oReps = atRtt ? opts.rttReps : opts.reps;
        const sReps = atRtt ? opts.sslscanRttReps : opts.sslscanReps;
        log(`${profileName} / ${label}: ours ×${oReps}, our CLI ×${opts.cliReps}, sslscan ×${sReps}, interleaved`);
        const oursRuns = [];
        const cliRuns = [];
        const sRuns = [];
        let oursNet = null;
        let sNet = null;
        for (let i = 0; i < Math.max(oReps, sReps, opts.cliReps); i++) {
          if (i < oReps) {
            const r = await once((p) => oursOnce(ours, domain, p, pid));
            oursRuns.push(r.value);
            oursNet = r.net;
          }
          if (i < opts.cliReps) cliRuns.push((await once((p) => oursCli(domain, p))).value);
          if (i < sReps) {
            const r = await once((p) => sslscanOnce(domain, p, pid));
            sRuns.push(r.value);
            sNet = r.net;
          }
        }
        oursNet = await counted((p) => oursOnce(ours, domain, p, pid), oursNet);
        // sslscan's own CPU time: one more, untimed run under /usr/bin/time.
        const sCpu = atRtt ? null : (await sslscanOnce(domain, port, pid, { cpu: true })).cpuMs;
        sNet = await counted((p) => sslscanOnce(domain, p, pid), sNet);

        row.ours = {
          runs: oursRuns.length,
          medianMs: median(oursRuns.map((r) => r.ms)),
          allMs: oursRuns.map((r) => Math.round(r.ms)),
          tlsMedianMs: median(oursRuns.map((r) => r.tlsMs)),
          inspectMedianMs: median(oursRuns.map((r) => r.endpointMs - r.tlsMs)),
          cpuMedianMs: median(oursRuns.map((r) => r.cpuMs)),
          serverCpuMedianMs: median(oursRuns.map((r) => r.serverCpuMs).filter((x) => x !== null)),
          probeCount: oursRuns[0].probeCount,
          connections: oursNet.connections,
          net: oursNet,
        };
        const oursSet = oursFindings(oursRuns[0].result);
        row.ours.findings = oursSet.size;
        if (cliRuns.length)
          row.oursCli = {
            runs: cliRuns.length,
            medianMs: median(cliRuns.map((r) => r.ms)),
            allMs: cliRuns.map((r) => Math.round(r.ms)),
            program: cliRuns.at(-1).mode,
          };
        const sslSet = sslscanFindings(sRuns[0]?.xml ?? check.xml);
        row.sslscan = {
          runs: sRuns.length,
          medianMs: median(sRuns.map((r) => r.ms)),
          allMs: sRuns.map((r) => Math.round(r.ms)),
          serverCpuMedianMs: median(sRuns.map((r) => r.serverCpuMs).filter((x) => x !== null)),
          cpuMs: sCpu,
          connections: sNet.connections,
          net: sNet,
          findings: sslSet.size,
        };
        row.vsSslscan = compareFindings(oursSet, sslSet);

        // testssl.sh -E (cipher suites per protocol), once; through a proxy so its connections are counted
        // (a 0 ms proxy on loopback).
        if (opts.testsslProfiles.includes(profileName) && (opts.testssl === 'all' || opts.testssl === network)) {
          log(`${profileName} / ${label}: testssl.sh -E ×1 (slow)`);
          try {
            const r = await viaProxy(atRtt ? rttProxy : countProxy, (p) => testsslOnce(domain, p));
            const set = testsslFindings(r.value.doc);
            row.testssl = {
              runs: 1,
              medianMs: r.value.ms,
              connections: r.connections,
              net: r.net,
              findings: set.size,
              command: r.value.args,
              exit: r.value.code,
            };
            row.vsTestssl = compareFindings(oursSet, set);
          } catch (err) {
            row.testssl = { error: err.message };
            log(`testssl failed: ${err.message}`);
          }
        }
        if (opts.testsslFull && opts.testsslProfiles.includes(profileName) && (opts.testssl === 'all' || opts.testssl === network)) {
          log(`${profileName} / ${label}: full default testssl.sh run ×1 (very slow)`);
          try {
            const r = await viaProxy(atRtt ? rttProxy : countProxy, (p) => testsslOnce(domain, p, { full: true }));
            row.testsslFull = { runs: 1, medianMs: r.value.ms, connections: r.connections, net: r.net, command: r.value.args, exit: r.value.code };
          } catch (err) {
            row.testsslFull = { error: err.message };
            log(`testssl (full) failed: ${err.message}`);
          }
        }
        row.ratioSslscan = row.sslscan.medianMs ? row.ours.medianMs / row.sslscan.medianMs : null;
        row.ratioSslscanCli = row.oursCli && row.sslscan.medianMs ? row.oursCli.medianMs / row.sslscan.medianMs : null;
        row.ratioTestssl = row.testssl?.medianMs ? row.ours.medianMs / row.testssl.medianMs : null;
        row.ratioTestsslFull = row.testsslFull?.medianMs ? row.ours.medianMs / row.testsslFull.medianMs : null;
        rows.push(row);
        printRow(row);

        if (opts.phases && profileName === 'legacy') {
          log(`${profileName} / ${label}: phase timing`);
          const ph = atRtt ? (await viaProxy(rttProxy, (p) => phaseBreakdown(domain, p, opts.rtt))).value : await phaseBreakdown(domain, port, 0);
          phases.push({ profile: profileName, network: label, ...ph });
          process.stderr.write(`  phases: ${JSON.stringify(ph)}\n`);
          // Parallelism sweep: the connection cap is the main lever at high RTT.
          for (const n of [1, 2, 4, 8, 16]) {
            if (atRtt && n === 1) continue; // ~30 s at 50 ms; the trend is clear without it
            const r = atRtt
              ? (await viaProxy(rttProxy, (p) => oursOnce(ours, domain, p, pid, { maxConnectionsPerHost: n }))).value
              : await oursOnce(ours, domain, port, pid, { maxConnectionsPerHost: n });
            sweeps.push({ profile: profileName, network: label, maxConnections: n, ms: r.ms, probes: r.probeCount, findings: oursFindings(r.result).size });
            process.stderr.write(`  --max-connections ${n}: ${fmtS(r.ms)} (${r.probeCount} probes)\n`);
          }
        }
      }
    } finally {
      await rttProxy.close();
      await countProxy.close();
      await server.stop();
    }
  }

  const totalS = (performance.now() - started) / 1000;
  machine.loadavgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  process.stdout.write(`\n${markdownTable(rows)}\n`);
  if (phases.length) process.stdout.write(`\n${markdownPhases(phases, sweeps)}\n`);
  for (const r of rows) printDiffs(r);
  process.stdout.write(`\nmachine: ${JSON.stringify(machine)}\nbench took ${totalS.toFixed(0)} s\n`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, machine, verification, rows, phases, sweeps, totalSeconds: totalS }, null, 2));
}

function printRow(r) {
  process.stderr.write(
    `  ours ${fmtS(r.ours.medianMs)} (${r.ours.probeCount} probes, ${r.ours.connections} conns, ${r.ours.findings} suites)` +
      (r.oursCli ? `, CLI ${fmtS(r.oursCli.medianMs)}` : '') +
      ` | sslscan ${fmtS(r.sslscan.medianMs)} (${r.sslscan.connections} conns, ${r.sslscan.findings} suites, same: ${r.vsSslscan.equal})` +
      (r.testssl
        ? ` | testssl -E ${fmtS(r.testssl.medianMs)} (${r.testssl.connections} conns, ${r.testssl.findings} suites, same: ${r.vsTestssl?.equal})`
        : '') +
      '\n',
  );
}

function markdownTable(rows) {
  const head =
    '| server | network | ours (in process) | ours (fresh process) | sslscan | testssl.sh -E | ours / sslscan | ours / testssl -E | connections: ours / sslscan / testssl | suites: ours / sslscan / testssl | same findings (sslscan, testssl) |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const t = r.testssl && !r.testssl.error ? r.testssl : null;
    return (
      `| ${r.profile} | ${r.network} | ${fmtS(r.ours.medianMs)} (n=${r.ours.runs}) | ${r.oursCli ? `${fmtS(r.oursCli.medianMs)} (n=${r.oursCli.runs}${r.oursCli.program === 'cli' ? '' : ', scan-once.mjs'})` : '–'} | ` +
      `${fmtS(r.sslscan.medianMs)} (n=${r.sslscan.runs}) | ${t ? `${fmtS(t.medianMs)} (n=1)` : r.testssl?.error ? 'failed' : 'not run'} | ` +
      `${fmtRatio(r.ratioSslscan)}${r.ratioSslscanCli ? ` (CLI ${fmtRatio(r.ratioSslscanCli)})` : ''} | ${fmtRatio(r.ratioTestssl)} | ` +
      `${r.ours.connections} (${r.ours.probeCount} probes + 1) / ${r.sslscan.connections} / ${t ? t.connections : '–'} | ` +
      `${r.ours.findings} / ${r.sslscan.findings} / ${t ? t.findings : '–'} | ` +
      `${yn(r.vsSslscan.equal)}, ${r.vsTestssl ? yn(r.vsTestssl.equal) : '–'} |`
    );
  });
  const full = rows.filter((r) => r.testsslFull);
  const fullLines = full.length
    ? '\n\nFull default testssl.sh run (no -E), once:\n' +
      full
        .map(
          (r) =>
            `- ${r.profile}, ${r.network}: ${r.testsslFull.error ? `failed: ${r.testsslFull.error}` : `${fmtS(r.testsslFull.medianMs)}, ${r.testsslFull.connections} connections; ours / testssl full = ${fmtRatio(r.ratioTestsslFull)}`}`,
        )
        .join('\n')
    : '';
  const ms = (x) => (x === null || x === undefined ? '–' : `${x.toFixed(0)} ms`);
  const netHead =
    '\n\nConnections as the proxy saw them (at the RTT: the timed runs; on loopback: one extra run through a 0 ms proxy), and CPU:\n\n' +
    '| server | network | tool | connections | most at once | average open | median connection life | scanner CPU | Prosody CPU |\n|---|---|---|---|---|---|---|---|---|';
  const netLines = [];
  for (const r of rows) {
    const tools = [
      ['ours', r.ours, r.ours.cpuMedianMs, r.ours.serverCpuMedianMs],
      ['sslscan', r.sslscan, r.sslscan.cpuMs, r.sslscan.serverCpuMedianMs],
      ['testssl -E', r.testssl?.net ? r.testssl : null, null, null],
      ['testssl (full)', r.testsslFull?.net ? r.testsslFull : null, null, null],
    ];
    for (const [name, t, cpu, srv] of tools) {
      if (!t?.net) continue;
      netLines.push(
        `| ${r.profile} | ${r.network} | ${name} | ${t.net.connections} | ${t.net.maxConcurrent} | ${t.net.avgConcurrent?.toFixed(2) ?? '–'} | ${ms(t.net.medianLifeMs)} | ${ms(cpu)} | ${ms(srv)} |`,
      );
    }
  }
  return `${head}\n${lines.join('\n')}${fullLines}${netHead}\n${netLines.join('\n')}`;
}

const yn = (b) => (b === null || b === undefined ? '–' : b ? 'yes' : 'NO');

function markdownPhases(phases, sweeps) {
  const out = [
    'One probe connection to the legacy server, step by step (median of 7), and with the stream header and <starttls/> sent in one write:',
    '',
    '| network | TCP connect | header → features | <starttls/> → <proceed/> | ClientHello → answer | whole probe | header+<starttls/> pipelined | pipelined, whole probe | header+<starttls/>+ClientHello in one write |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const ms = (x) => (x === null || x === undefined ? '–' : `${x.toFixed(1)} ms`);
  for (const p of phases) {
    out.push(
      `| ${p.network} | ${ms(p.stepwise.connect)} | ${ms(p.stepwise.features)} | ${ms(p.stepwise.proceed)} | ${ms(p.stepwise.hello)} | ${ms(p.stepwise.total)} | ${ms(p.pipelined.proceed)} (${p.pipelined.answers.join('/')}) | ${ms(p.pipelined.total)} | ${p.early ? `${p.early.verdict}${p.early.verdict === 'answered' ? ` (${ms(p.early.ms)})` : ''}` : '–'} |`,
    );
  }
  const caps = [...new Set(sweeps.map((s) => s.maxConnections))];
  out.push('', 'Our full scan of the legacy server by connection cap (one run each):', '', `| network | ${caps.map((c) => `max ${c}`).join(' | ')} |`);
  out.push(`|---|${caps.map(() => '---|').join('')}`);
  for (const n of [...new Set(sweeps.map((s) => s.network))]) {
    out.push(
      `| ${n} | ` +
        caps
          .map((c) => {
            const s = sweeps.find((x) => x.network === n && x.maxConnections === c);
            return s ? `${fmtS(s.ms)} (${s.probes} probes)` : '–';
          })
          .join(' | ') +
        ' |',
    );
  }
  return out.join('\n');
}

function printDiffs(r) {
  const show = (name, d) => {
    if (d?.equal !== false) return;
    process.stdout.write(
      `\n${r.profile} / ${r.network}: findings differ from ${name}\n  only ours: ${d.onlyA.join(' ') || '–'}\n  only ${name}: ${d.onlyB.join(' ') || '–'}\n`,
    );
  };
  show('sslscan', r.vsSslscan);
  show('testssl', r.vsTestssl);
}

main().catch((err) => {
  process.stderr.write(`scan-bench: ${err.stack ?? err}\n`);
  process.exit(1);
});
