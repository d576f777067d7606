// Benchmark: the results database (issue 15) against the JSON state file it replaces, at the same size.
//
//   npm run build && node --expose-gc bench/store-bench.mjs [options]
//
// Options:
//   --help            this text
//   --domains N       domains, each scanned c2s and s2s (default 10000: 20,000 targets)
//   --days N          simulated daily rounds, one scan of every target each (default 30)
//   --change-rate R   share of the targets that change something each day (default 0.05)
//   --load-runs N     start-up loads of each kind, interleaved, each in a fresh process (default 5)
//   --template FILE   a `scan --json` document to build the documents from; without it the benchmark
//                     starts the modern bench Prosody (bench/bench-servers.mjs: root, prosody, openssl)
//                     and scans it once
//   --dir DIR         where the files go (default: a new folder in the system's temporary folder, removed at the end)
//   --json FILE       write the measurements as JSON
//
// Documents: one real c2s scan of a local Prosody (TLS 1.2 + 1.3, nine suites, groups, the certificate and its
// PEM) with a second endpoint (the same host's IPv6 address, as real SRV hosts have) and an intermediate in the
// chain; per target its own domain, names, certificate (fingerprints, serial, dates, random DER of the template's
// length) and a random duration; s2s documents are the c2s one on port 5269. About 19 KB of JSON each.
// Each day every target is scanned once, in order, scans a few milliseconds apart; a seeded 5 % of the targets
// change: two thirds renew their certificate (new fingerprint, 90 more days), one third toggle TLS 1.1 (with two
// suites). After each day the default retention (store.retention: changes 400 days, scans 14 days) is applied as the
// daemon's pruning does (batches of 5,000 rows).
// Measured:
//   (a) ResultDatabase.record() per scan (wall clock; the document is built before the clock starts): the first
//       round (every target new) and every daily round after it (median, p90, p99, max);
//   (b) start-up: ResultDatabase.open + loadAll into a ResultStore, in a fresh process, and that process's peak RSS
//       (the same process importing the modules and doing nothing else is the baseline); a breakdown of loadAll
//       (the SQLite read, inflate, JSON.parse) in another fresh process;
//   (c) the database's size (file + WAL) after the first and the last day, and its rows;
//   (d) the peer, the state file of earlier versions holding the same targets (the entries' latest and last good
//       results, as the old daemon wrote them): one save as the old daemon did after each burst of scans
//       (JSON.stringify of the whole store, writeFile to a temporary file, rename), its size, and its start-up load
//       (readStateFile + ResultStore.load) with peak RSS, in a fresh process as above.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inflateSync } from 'node:zlib';

const DIST = new URL('../dist/', import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const DAY_MS = 86_400_000;
const DAY0 = Date.parse('2026-11-01T00:00:00.000Z');
const RETENTION = { changesDays: 400, scansDays: 14 };

/** This process's peak RSS (VmHWM; not resourceUsage().maxRSS, into which Linux carries the parent's peak over fork + exec). */
function peakRssMb() {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
}

// ---------------------------------------------------------------------------------------------
// The start-up loads run in fresh processes (`--child KIND FILE`): their peak RSS is theirs alone.

if (process.argv[2] === '--child') {
  const [kind, file] = process.argv.slice(3);
  const { ResultDatabase, ResultStore, readStateFile } = await import(new URL('store/index.js', DIST));
  const out = {};
  const t0 = performance.now();
  if (kind === 'db') {
    // As the daemon starts: open (then it listens), then the results page by page (200 targets)
    // with the event loop free between pages; the longest page is the longest stall.
    const db = ResultDatabase.open(file);
    out.openMs = performance.now() - t0;
    const store = new ResultStore();
    out.maxPageMs = 0;
    let p0 = performance.now();
    for (const page of db.pages(200)) {
      for (const entry of page) store.load(entry);
      out.maxPageMs = Math.max(out.maxPageMs, performance.now() - p0);
      await new Promise((r) => setImmediate(r));
      p0 = performance.now();
    }
    out.totalMs = performance.now() - t0;
    out.targets = store.size;
    db.close();
  } else if (kind === 'json') {
    const store = new ResultStore();
    for (const entry of await readStateFile(file)) store.load(entry);
    out.totalMs = performance.now() - t0;
    out.targets = store.size;
  } else if (kind === 'db-parts') {
    // loadAll's work, step by step: the rows, inflating the documents, parsing them.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT latest, last_good, last_changes FROM targets ORDER BY domain, mode').all();
    out.sqliteMs = performance.now() - t0;
    const t1 = performance.now();
    const texts = rows.map((r) => [r.latest, r.last_good].filter(Boolean).map((b) => (b[0] === 0x7b ? b : inflateSync(b)).toString('utf8')));
    out.inflateMs = performance.now() - t1;
    const t2 = performance.now();
    let n = 0;
    for (const t of texts) for (const text of t) n += JSON.parse(text).endpoints.length;
    out.parseMs = performance.now() - t2;
    out.documents = texts.reduce((k, t) => k + t.length, 0);
    out.endpoints = n;
    db.close();
  } else if (kind !== 'baseline') {
    throw new Error(`unknown child ${kind}`);
  }
  out.maxRssMb = peakRssMb();
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

// The options, read with node:util's parser as bench/chain-bench.mjs does.
const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean' },
    domains: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    'change-rate': { type: 'string', default: '0.05' },
    'load-runs': { type: 'string', default: '5' },
    template: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'string' },
  },
});
if (args.help) {
  process.stdout.write(
    `${readFileSync(SELF, 'utf8')
      .split('\n\n')[0]
      .replace(/^\/\/ ?/gm, '')}\n`,
  );
  process.exit(0);
}
const opts = {
  domains: Number(args.domains),
  days: Number(args.days),
  changeRate: Number(args['change-rate']),
  loadRuns: Number(args['load-runs']),
  template: args.template ?? null,
  dir: args.dir ?? null,
  json: args.json ?? null,
};
if (!(opts.domains >= 1 && opts.days >= 1 && opts.changeRate >= 0 && opts.changeRate <= 1 && opts.loadRuns >= 1)) throw new Error('bad option value');
const { ResultDatabase, ResultStore } = await import(new URL('store/index.js', DIST));
const gc = globalThis.gc ?? (() => {});
if (!globalThis.gc) process.stderr.write('note: run with node --expose-gc for steadier numbers\n');

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
function summary(times) {
  const s = Float64Array.from(times).sort();
  return { n: s.length, median: round(quantile(s, 0.5), 3), p90: round(quantile(s, 0.9), 3), p99: round(quantile(s, 0.99), 3), max: round(s[s.length - 1], 1) };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

// ---------------------------------------------------------------------------------------------
// The documents

async function realScan() {
  if (opts.template) return JSON.parse(readFileSync(opts.template, 'utf8'));
  const { startBenchServer } = await import('./bench-servers.mjs');
  const { scanDomain } = await import(new URL('scan/index.js', DIST));
  const server = await startBenchServer('modern');
  try {
    return await scanDomain(server.domain, { mode: 'c2s', connect: `127.0.0.1:${server.port}`, fetchAia: false });
  } finally {
    await server.stop();
  }
}

const scan = await realScan();
if (scan.error || scan.endpoints[0]?.status !== 'ok' || !scan.endpoints[0].certificate) throw new Error('the template scan did not succeed');
const TEMPLATE_DOMAIN = scan.domain;

/** A base64 DER of `length` characters: random bytes, as a certificate's keys and signature mostly are. */
const der = (length) =>
  randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64')
    .slice(0, length);
const pemOf = (b64) => `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
const colonHex = (buf) => [...buf].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

/** The template, enlarged as real servers are: the same host on IPv6 too, and an intermediate in the chain. */
function enlarge(doc) {
  const ep = doc.endpoints[0];
  const intermediate = {
    ...ep.certificate.chain[0],
    subject: "C=US, O=Let's Encrypt, CN=R11",
    issuer: 'C=US, O=Internet Security Research Group, CN=ISRG Root X1',
    fingerprintSha256: colonHex(createHash('sha256').update('intermediate').digest()),
    source: 'presented',
  };
  ep.tls.certificateChain.push(der(ep.tls.certificateChain[0].length));
  ep.certificate.chain.push(intermediate);
  ep.certificate.builtChain?.push(intermediate);
  ep.certificate.chainLength = ep.certificate.chain.length;
  const v6 = structuredClone(ep);
  v6.address = '2001:db8::5';
  v6.family = 6;
  doc.endpoints = [ep, v6];
  return doc;
}

const templates = {};
templates.c2s = JSON.stringify(enlarge(structuredClone(scan)));
const s2s = JSON.parse(templates.c2s);
s2s.mode = 's2s';
for (const ep of s2s.endpoints) ep.port = 5269;
templates.s2s = JSON.stringify(s2s);
const tls11Suites = ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'];

/** Per target: its certificate generation and whether TLS 1.1 is on. */
function makeDoc(domainIndex, mode, state, startedAt) {
  const domain = `d${domainIndex}.example`;
  const doc = JSON.parse(templates[mode].replaceAll(TEMPLATE_DOMAIN, domain));
  doc.startedAt = new Date(startedAt).toISOString();
  doc.durationSeconds = round(1 + ((domainIndex * 7 + state.gen) % 40) / 10, 3);
  const seed = createHash('sha256').update(`${domain} ${state.gen}`).digest();
  const notBefore = new Date(DAY0 - 30 * DAY_MS + state.gen * 60 * DAY_MS);
  const notAfter = new Date(notBefore.getTime() + 90 * DAY_MS);
  const leaf = der(doc.endpoints[0].tls.certificateChain[0].length);
  for (const ep of doc.endpoints) {
    const c = ep.certificate;
    c.fingerprintSha256 = colonHex(seed);
    c.fingerprintSha1 = colonHex(seed.subarray(0, 20));
    c.serial = seed.subarray(0, 18).toString('hex');
    c.notBefore = notBefore.toISOString();
    c.notAfter = notAfter.toISOString();
    c.daysToExpiry = Math.floor((notAfter.getTime() - startedAt) / DAY_MS);
    c.pem = pemOf(leaf);
    for (const link of [c.chain[0], c.builtChain?.[0]]) {
      if (!link) continue;
      Object.assign(link, { fingerprintSha256: c.fingerprintSha256, notBefore: c.notBefore, notAfter: c.notAfter });
    }
    ep.tls.certificateChain[0] = leaf;
    ep.tls.protocols['TLSv1.1'] = state.tls11;
    if (state.tls11) {
      const suite = ep.tls.cipherSuites.find((s) => s.protocol === 'TLSv1.2');
      for (const name of tls11Suites) ep.tls.cipherSuites.push({ ...suite, protocol: 'TLSv1.1', name, openssl: name, aead: false, mac: 'SHA1' });
    }
  }
  return doc;
}

/** mulberry32: the same changes every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// (a), (c): the daily rounds

const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'xte-store-bench-'));
mkdirSync(dir, { recursive: true });
const dbFile = join(dir, 'results.db');
const stateFile = join(dir, 'state.json');
for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, stateFile]) rmSync(f, { force: true });
const fileSize = (f) => (existsSync(f) ? statSync(f).size : 0);
const dbSize = () => ({ file: fileSize(dbFile), wal: fileSize(`${dbFile}-wal`) });

const targets = [];
for (let i = 0; i < opts.domains; i++) for (const mode of ['c2s', 's2s']) targets.push({ i, mode, state: { gen: 0, tls11: false } });
const sampleDoc = JSON.stringify(makeDoc(0, 'c2s', targets[0].state, DAY0));
log(`documents: ${sampleDoc.length} bytes of JSON (c2s, ${scan.endpoints.length} endpoint scanned → 2), ${targets.length} targets, ${opts.days} days`);

const random = prng(15);
const db = ResultDatabase.open(dbFile);
/** The daemon's memory: what the JSON peer saves. */
const memory = new ResultStore();
const days = [];
const startedAll = performance.now();
for (let day = 0; day < opts.days; day++) {
  // Today's changes (none on the first day: every target is new).
  let changed = 0;
  if (day > 0) {
    for (const t of targets) {
      if (random() >= opts.changeRate) continue;
      changed++;
      if (random() < 2 / 3) t.state.gen++;
      else t.state.tls11 = !t.state.tls11;
    }
  }
  const times = new Float64Array(targets.length);
  const spacing = Math.floor(DAY_MS / 4 / targets.length);
  let changes = 0;
  gc();
  for (let k = 0; k < targets.length; k++) {
    const t = targets[k];
    const doc = makeDoc(t.i, t.mode, t.state, DAY0 + day * DAY_MS + k * spacing);
    const t0 = performance.now();
    const outcome = db.record(doc);
    times[k] = performance.now() - t0;
    memory.put(doc, outcome.lastChanges);
    if (outcome.changes.length) changes++;
  }
  const t0 = performance.now();
  // As the daemon prunes: batches of 5,000 rows, each its own transaction.
  const pruned = { scans: 0, changes: 0 };
  for (;;) {
    const deleted = db.prune(RETENTION, new Date(DAY0 + (day + 1) * DAY_MS), 5_000);
    pruned.scans += deleted.scans;
    pruned.changes += deleted.changes;
    if (deleted.scans < 5_000 && deleted.changes < 5_000) break;
  }
  const pruneMs = performance.now() - t0;
  const size = dbSize();
  days.push({
    day: day + 1,
    changedTargets: changed,
    recordedChanges: changes,
    write: summary(times),
    pruneMs: round(pruneMs, 1),
    pruned,
    size,
    rows: db.counts(),
  });
  log(
    `day ${day + 1}: ${changed} targets changed (${changes} change rows), write median ${days.at(-1).write.median} ms p90 ${days.at(-1).write.p90} p99 ${days.at(-1).write.p99} max ${days.at(-1).write.max}; ` +
      `db ${mb(size.file)} MB + WAL ${mb(size.wal)} MB; prune ${round(pruneMs, 0)} ms ${JSON.stringify(pruned)}`,
  );
}
const writeSeconds = (performance.now() - startedAll) / 1000;
const allDaily = days.slice(1).flatMap((d) => [d.write.median]);
db.close();
const finalSize = dbSize();
const writerRssMb = peakRssMb();

// ---------------------------------------------------------------------------------------------
// (d): the state file of earlier versions, at the same size

/** What ResultStore.save() of earlier versions did after every burst of scans. */
async function saveState(entries, file) {
  const doc = { version: 1, savedAt: new Date().toISOString(), entries };
  const tmp = `${file}.${process.pid}.tmp`;
  const t0 = performance.now();
  const text = JSON.stringify(doc);
  const t1 = performance.now();
  await writeFile(tmp, text);
  await rename(tmp, file);
  return { stringifyMs: t1 - t0, totalMs: performance.now() - t0 };
}
// The whole store first. JSON.stringify builds one string, and V8 caps a string's length (2^29 - 24 characters
// in Node 20): past it the old daemon's save threw, every time. Then the peer is measured on the largest share of
// the targets (1/2, 1/4, …) whose file fits, and its figures are also given scaled to all the targets.
const allEntries = memory.all();
let peerShare = 1;
let peerFailure = null;
for (;;) {
  const entries = allEntries.slice(0, Math.ceil(allEntries.length * peerShare));
  try {
    gc();
    await saveState(entries, stateFile);
    break;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    peerFailure ??= `${err.name}: ${err.message} (${allEntries.length} targets)`;
    peerShare /= 2;
  }
}
const peerEntries = allEntries.slice(0, Math.ceil(allEntries.length * peerShare));
if (peerFailure) log(`state file: the whole store cannot be saved (${peerFailure}); measuring ${peerEntries.length} targets`);
const saves = [];
for (let r = 0; r < 5; r++) {
  gc();
  saves.push(await saveState(peerEntries, stateFile));
}
const save = { stringifyMs: round(median(saves.map((s) => s.stringifyMs)), 1), totalMs: round(median(saves.map((s) => s.totalMs)), 1), runs: saves.length };
const stateSize = fileSize(stateFile);
const peer = { targets: peerEntries.length, share: peerShare, failure: peerFailure, bytes: stateSize, save };
log(`state file: ${peerEntries.length} targets, ${mb(stateSize)} MB, one save ${save.totalMs} ms (JSON.stringify ${save.stringifyMs} ms)`);

// ---------------------------------------------------------------------------------------------
// (b): start-up loads, interleaved, each in a fresh process

function child(kind, file) {
  const out = execFileSync(process.execPath, ['--expose-gc', SELF, '--child', kind, file ?? ''], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1));
}
const loads = { db: [], json: [], baseline: [], parts: [] };
for (let r = 0; r < opts.loadRuns; r++) {
  loads.baseline.push(child('baseline'));
  loads.db.push(child('db', dbFile));
  loads.json.push(child('json', stateFile));
  loads.parts.push(child('db-parts', dbFile));
}
const med = (list, k) => round(median(list.map((x) => x[k])), 1);
const load = {
  db: {
    totalMs: med(loads.db, 'totalMs'),
    openMs: med(loads.db, 'openMs'),
    maxPageMs: med(loads.db, 'maxPageMs'),
    maxRssMb: med(loads.db, 'maxRssMb'),
    targets: loads.db[0].targets,
  },
  json: { totalMs: med(loads.json, 'totalMs'), maxRssMb: med(loads.json, 'maxRssMb'), targets: loads.json[0].targets },
  baselineRssMb: med(loads.baseline, 'maxRssMb'),
  dbParts: {
    sqliteMs: med(loads.parts, 'sqliteMs'),
    inflateMs: med(loads.parts, 'inflateMs'),
    parseMs: med(loads.parts, 'parseMs'),
    documents: loads.parts[0].documents,
  },
  runs: opts.loadRuns,
};
log(`start-up: db ${load.db.totalMs} ms (${load.db.maxRssMb} MB), json ${load.json.totalMs} ms (${load.json.maxRssMb} MB), baseline ${load.baselineRssMb} MB`);

// ---------------------------------------------------------------------------------------------
// Report

const first = days[0];
const daily = days.length > 1 ? days.slice(1) : days;
const dailyWrite = {
  median: round(median(daily.map((d) => d.write.median)), 3),
  p90: round(median(daily.map((d) => d.write.p90)), 3),
  p99: round(median(daily.map((d) => d.write.p99)), 3),
  max: round(Math.max(...daily.map((d) => d.write.max)), 1),
  worstDayMedian: round(Math.max(...allDaily), 3),
};
const totalSize = (s) => s.file + s.wal;
const machine = {
  cpu: `${cpus()[0]?.model ?? '?'} × ${cpus().length}`,
  node: process.version,
  sqlite: execFileSync(
    process.execPath,
    ['-e', "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    },
  ).trim(),
  load: loadavg().map((x) => round(x, 2)),
  dir,
};
const results = {
  machine,
  options: opts,
  documentBytes: sampleDoc.length,
  targets: targets.length,
  writeSeconds: round(writeSeconds, 0),
  writerMaxRssMb: round(writerRssMb, 0),
  firstRound: first.write,
  dailyRounds: dailyWrite,
  size: { afterDay1: first.size, afterLastDay: days.at(-1).size, afterClose: finalSize, rows: days.at(-1).rows },
  peer,
  load,
  days,
};

const line = (cells) => `| ${cells.join(' | ')} |`;
// The peer's figures for all the targets: measured when the whole store fits in one string, else scaled from the share measured.
const scaled = (x) => round(x / peer.share, 1);
const peerCell = (x, unit) => (peer.share === 1 ? `${round(x, 1)}` : `${round(x, 1)} for ${peer.targets} targets; ≈ ${scaled(x)} for ${targets.length}${unit}`);
const lastSize = days.at(-1).size;
const out = [
  `documents ${sampleDoc.length} B of JSON, ${targets.length} targets, ${opts.days} days, ${round(opts.changeRate * 100, 1)} % changing a day; ${machine.cpu}, Node ${machine.node}, SQLite ${machine.sqlite}`,
  ...(peer.failure ? [`state file: the whole store cannot be saved: ${peer.failure}; the peer is measured on ${peer.targets} targets and scaled`] : []),
  '',
  line(['measure', 'database', 'state file (peer)', 'ratio', 'target']),
  line(['---', '---', '---', '---', '---']),
  line([
    'write per scan, daily rounds: median / p90 / p99 / max (ms)',
    `${dailyWrite.median} / ${dailyWrite.p90} / ${dailyWrite.p99} / ${dailyWrite.max}`,
    `one save of the whole store: ${peerCell(save.totalMs, '')} (JSON.stringify ${peerCell(save.stringifyMs, '')})`,
    `×${round(dailyWrite.median / scaled(save.totalMs), 5)}`,
    `median ≤ 2 ms: ${dailyWrite.median <= 2 ? 'met' : 'missed'}`,
  ]),
  line([
    'write per scan, first round (every target new): median / p90 / p99 / max (ms)',
    `${first.write.median} / ${first.write.p90} / ${first.write.p99} / ${first.write.max}`,
    '',
    '',
    '',
  ]),
  line([
    `start-up load, ${targets.length} targets (ms)`,
    `${load.db.totalMs} (open, then listening: ${load.db.openMs}; longest page: ${load.db.maxPageMs}; SQLite ${load.dbParts.sqliteMs}, inflate ${load.dbParts.inflateMs}, JSON.parse ${load.dbParts.parseMs})`,
    peerCell(load.json.totalMs, ''),
    `×${round(load.db.totalMs / scaled(load.json.totalMs), 2)}`,
    `≤ 2 s: ${load.db.totalMs <= 2000 ? 'met' : 'missed'}`,
  ]),
  line([
    'peak RSS of the loading process (MiB; modules alone)',
    `${load.db.maxRssMb} (${load.baselineRssMb})`,
    peer.share === 1 ? `${load.json.maxRssMb}` : `${load.json.maxRssMb} for ${peer.targets} targets`,
    peer.share === 1 ? `×${round(load.db.maxRssMb / load.json.maxRssMb, 2)}` : '',
    '',
  ]),
  line([
    'size after day 1 (MiB: file + WAL)',
    `${mb(totalSize(first.size))} (${mb(first.size.file)} + ${mb(first.size.wal)})`,
    peerCell(mb(stateSize), ''),
    `×${round(totalSize(first.size) / (stateSize / peer.share), 2)}`,
    '',
  ]),
  line([
    `size after day ${opts.days} (MiB: file + WAL; after close)`,
    `${mb(totalSize(lastSize))} (${mb(lastSize.file)} + ${mb(lastSize.wal)}; ${mb(totalSize(finalSize))})`,
    `${peerCell(mb(stateSize), '')} (no history)`,
    `×${round(totalSize(lastSize) / (stateSize / peer.share), 2)}`,
    '',
  ]),
  '',
  `rows after day ${opts.days}: ${JSON.stringify(days.at(-1).rows)}; writing all days took ${round(writeSeconds, 0)} s (documents built included), writer peak RSS ${round(writerRssMb, 0)} MB`,
];
process.stdout.write(`${out.join('\n')}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
if (!opts.dir) rmSync(dir, { recursive: true, force: true });
