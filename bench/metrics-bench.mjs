// Benchmark: rendering /metrics for a large store, against prom-client rendering the same series pre-set.
//
//   npm run build && node --expose-gc bench/metrics-bench.mjs [options]
//
// Options:
//   --help           this text
//   --domains N      domains in the store, each scanned c2s and s2s (default 1000)
//   --endpoints N    endpoints per scan: an IPv4 and an IPv6 address per SRV host, all fully scanned (default 2)
//   --detail D       metrics.detail: endpoint (every endpoint's series, the default) or domain (one set per target)
//   --runs N         timed renders of each registry (default 30, after 3 warm-up renders)
//   --json FILE      write the measurements as JSON
//
// The store holds one realistic scan result (TLS 1.2 + 1.3, nine suites, graded, certificate with a PEM and a
// chain, SASL mechanisms) cloned per target with its own domain, host and addresses, as the daemon would hold
// after loading its state file. "ours" is createMetricsRegistry() as the daemon uses it (the exporter's families
// rendered by its own renderer, each target's lines cached per stored result; the Node.js process metrics on,
// through prom-client). The peer is a plain prom-client Registry holding exactly the same series (same names,
// labels and values, taken from our first render) set once on Gauges/Counters without collect callbacks, plus the
// same process metrics: what prom-client itself costs to render that many series. The floor is joining the same
// lines, precomputed, into one string: the allocation and copy any renderer returning one string pays, with no
// metric logic. Times are wall-clock: of exposition() (the 1 MiB blocks the daemon's /metrics sends, handed back
// for reuse), of metrics() (the same text as one string, as /probe and the tests take it), and over HTTP: curl GETs
// /metrics from the daemon's HTTP server and from a node:http server answering with prom-client's text (curl's
// time_total: connect to last byte).
// Memory: RSS after building the store, after the first (cold) render, after the exposition() renders, after the
// back-to-back metrics() strings (the garbage 28 MB strings of a tight loop inflate it) and 3 s later.

import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const promClient = require('prom-client');
const { createMetricsRegistry } = await import('../dist/metrics/index.js');
const { ResultStore } = await import('../dist/store/index.js');
const { gradeDomain, gradeEndpoint } = await import('../dist/grading/index.js');
const { cipherSuiteFinding } = await import('../dist/tls/index.js');
const { cipherSuiteByName } = await import('../dist/tls/registry/index.js');
const { startHttpServer } = await import('../dist/http/index.js');
const { execFile } = await import('node:child_process');
const { promisify } = await import('node:util');
const execFileAsync = promisify(execFile);
const http = await import('node:http');

function parseArgs(argv) {
  const o = { domains: 1000, endpoints: 2, detail: 'endpoint', runs: 30, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--help') {
      process.stdout.write(
        `${readFileSync(new URL(import.meta.url), 'utf8')
          .split('\n\n')[0]
          .replace(/^\/\/ ?/gm, '')}\n`,
      );
      process.exit(0);
    } else if (a === '--domains') o.domains = Number(v());
    else if (a === '--endpoints') o.endpoints = Number(v());
    else if (a === '--detail') o.detail = v();
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--json') o.json = v();
    else throw new Error(`unknown option ${a}`);
  }
  if (o.detail !== 'endpoint' && o.detail !== 'domain') throw new Error('--detail is endpoint or domain');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const gc = globalThis.gc ?? (() => {});
const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

// ---------------------------------------------------------------------------------------------
// One realistic scan result

function suite(name, protocol) {
  const s = cipherSuiteByName(name);
  if (!s) throw new Error(`no such suite ${name}`);
  const ecdhe = s.keyExchange === 'ECDHE' || protocol === 'TLSv1.3';
  return cipherSuiteFinding(protocol, s, { kxGroup: ecdhe ? 'x25519' : null, dhBits: s.keyExchange === 'DHE' ? 2048 : null });
}

const PEM = `-----BEGIN CERTIFICATE-----\n${'MIIFazCCBFOgAwIBAgISA0'.repeat(80).replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;

function chainEntry(subject, issuer, source) {
  return {
    subject,
    issuer,
    fingerprintSha256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    notBefore: '2025-04-01T00:00:00.000Z',
    notAfter: '2025-06-30T00:00:00.000Z',
    keyType: 'RSA',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    source,
  };
}

function endpoint(host, port, address, family) {
  const tls12 = [
    'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
    'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
    'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  ].map((n) => suite(n, 'TLSv1.2'));
  const tls13 = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'].map((n) => suite(n, 'TLSv1.3'));
  const ep = {
    host,
    port,
    address,
    family,
    directTls: false,
    source: 'srv',
    priority: 0,
    weight: 5,
    status: 'ok',
    error: null,
    xmpp: {
      streamFrom: 'example.net',
      streamVersion: '1.0',
      starttls: 'required',
      saslMechanisms: [],
      saslMechanismsAfterTls: ['SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS', 'PLAIN'],
      dialback: false,
      compression: [],
      featuresBeforeTls: ['urn:ietf:params:xml:ns:xmpp-tls'],
      featuresAfterTls: ['urn:ietf:params:xml:ns:xmpp-sasl', 'urn:xmpp:sasl:2', 'urn:xmpp:features:rosterver'],
      clientCertificateRequired: false,
      saslExternal: null,
    },
    certificate: {
      subject: 'CN=example.net',
      issuer: "C=US, O=Let's Encrypt, CN=R11",
      commonName: 'example.net',
      sans: { dns: ['example.net', 'conference.example.net', 'upload.example.net'], srv: [], xmppAddr: [], ip: [], uri: [], email: [] },
      serial: '03A1B2C3D4E5F60718293A4B5C6D7E8F9A0B',
      fingerprintSha1: '01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67',
      fingerprintSha256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
      notBefore: '2025-04-01T00:00:00.000Z',
      notAfter: '2025-06-30T00:00:00.000Z',
      keyType: 'RSA',
      keyBits: 2048,
      curve: null,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      isCa: false,
      selfIssued: false,
      ocspUrls: ['http://r11.o.lencr.org'],
      caIssuersUrls: ['http://r11.i.lencr.org/'],
      crlUrls: [],
      pem: PEM,
      daysToExpiry: 45,
      trusted: true,
      trustErrors: [],
      hostnameValid: true,
      identity: { matchedBy: 'dns', matchedValue: 'example.net' },
      selfSigned: false,
      chain: [chainEntry('CN=example.net', 'CN=R11', 'presented'), chainEntry('CN=R11', 'CN=ISRG Root X1', 'presented')],
      builtChain: [
        chainEntry('CN=example.net', 'CN=R11', 'presented'),
        chainEntry('CN=R11', 'CN=ISRG Root X1', 'presented'),
        chainEntry('CN=ISRG Root X1', 'CN=ISRG Root X1', 'trust_store'),
      ],
    },
    session: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
    tls: {
      protocols: { SSLv2: false, SSLv3: false, 'TLSv1.0': false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
      protocolErrors: {},
      cipherSuites: [...tls12, ...tls13],
      serverPreference: [
        { protocol: 'TLSv1.2', serverEnforced: true, order: tls12.map((s) => s.code) },
        { protocol: 'TLSv1.3', serverEnforced: false, order: [] },
      ],
      groups: [
        { code: '0x001D', name: 'x25519', protocol: 'TLSv1.3', kind: 'ecdhe', bits: 253 },
        { code: '0x0017', name: 'secp256r1', protocol: 'TLSv1.3', kind: 'ecdhe', bits: 256 },
      ],
      dh: [{ bits: 2048, name: 'ffdhe2048', protocol: 'TLSv1.2' }],
      compression: false,
      secureRenegotiation: true,
      fallbackScsv: true,
      clientCertificateRequested: false,
      certificateChain: [PEM.slice(28, 1200), PEM.slice(28, 1100)],
      notes: [],
      probeCount: 61,
      durationSeconds: 3.2,
    },
    grade: null,
    // What most domains have: DANE checked, no TLSA published.
    dane: {
      status: 'none',
      name: `_${port}._tcp.${host}`,
      dnssec: { srv: 'insecure', address: 'insecure', tlsa: 'insecure' },
      records: [],
      matched: [],
      problems: [],
    },
    durationSeconds: 3.9,
  };
  ep.grade = gradeEndpoint(ep);
  return ep;
}

function scanResult(domain, mode, index) {
  const hosts = Math.max(1, Math.ceil(opts.endpoints / 2));
  const endpoints = [];
  for (let h = 0; h < hosts && endpoints.length < opts.endpoints; h++) {
    const host = `xmpp${h}.${domain}`;
    const port = mode === 'c2s' ? 5222 : 5269;
    endpoints.push(endpoint(host, port, `10.${(index >> 8) & 255}.${index & 255}.${h + 1}`, 4));
    if (endpoints.length < opts.endpoints) endpoints.push(endpoint(host, port, `2001:db8:${index.toString(16)}::${h + 1}`, 6));
  }
  return {
    schemaVersion: 1,
    domain,
    mode,
    startedAt: new Date(Date.now() - 600_000).toISOString(),
    durationSeconds: 8.4,
    error: null,
    endpoints,
    grade: gradeDomain(endpoints.map((e) => e.grade)),
    scanner: { name: 'xmpp-tls-exporter', version: '0.1.0' },
  };
}

// ---------------------------------------------------------------------------------------------
// Build the store

const gcNow = globalThis.gc;
if (!gcNow) console.warn('run with node --expose-gc for steady memory figures');
gc();
const rssStart = process.memoryUsage().rss;
const store = new ResultStore();
const template = { c2s: scanResult('template.example', 'c2s', 0), s2s: scanResult('template.example', 's2s', 0) };
for (let i = 0; i < opts.domains; i++) {
  const domain = `d${i}.example.net`;
  for (const mode of ['c2s', 's2s']) {
    // A deep copy per target with its own names and addresses, as loading the state file would give.
    const r = structuredClone(template[mode]);
    r.domain = domain;
    r.endpoints.forEach((ep, k) => {
      ep.host = ep.host.replace('template.example', domain);
      ep.address = ep.family === 4 ? `10.${(i >> 8) & 255}.${i & 255}.${k + 1}` : `2001:db8:${i.toString(16)}::${k + 1}`;
    });
    store.put(r);
  }
}

const stats = () => ({
  scansTotal: { success: 2 * opts.domains, failure: 0 },
  probesTotal: 61 * 2 * opts.domains * opts.endpoints,
  scansInProgress: 0,
  configReloadSuccessful: true,
  configReloadTimestampSeconds: Date.now() / 1000,
});
const ours = createMetricsRegistry({ entries: () => store.all(), stats, detail: () => opts.detail });

// ---------------------------------------------------------------------------------------------
// The peer: the same series, set once on plain metrics

function parseLine(line) {
  const brace = line.indexOf('{');
  const space = line.lastIndexOf(' ');
  if (brace < 0 || brace > space) return { name: line.slice(0, space), labels: {}, value: Number(line.slice(space + 1)) };
  const name = line.slice(0, brace);
  const labels = {};
  const body = line.slice(brace + 1, line.lastIndexOf('}'));
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of body.matchAll(re)) labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  return { name, labels, value: Number(line.slice(space + 1)) };
}

function buildPeer(text) {
  const registry = new promClient.Registry();
  const families = new Map();
  let help = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) help = line.slice(line.indexOf(' ', 7) + 1);
    else if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!name.startsWith('xmpp_tls_')) continue; // process metrics: added below, as ours has them
      families.set(name, { type, help, samples: [] });
    } else if (line && !line.startsWith('#')) {
      const s = parseLine(line);
      families.get(s.name)?.samples.push(s);
    }
  }
  let series = 0;
  for (const [name, f] of families) {
    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))];
    const Metric = f.type === 'counter' ? promClient.Counter : promClient.Gauge;
    const m = new Metric({ name, help: f.help || name, labelNames, registers: [registry] });
    for (const s of f.samples) {
      if (f.type === 'counter') m.inc(s.labels, s.value);
      else m.set(s.labels, s.value);
      series++;
    }
  }
  promClient.collectDefaultMetrics({ register: registry });
  return { registry, series };
}

// ---------------------------------------------------------------------------------------------
// Measure

function memory() {
  gc();
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), peakRss: mb(process.resourceUsage().maxRSS * 1024) };
}

function summary(times, bytes) {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { medianMs: q(0.5), p90Ms: q(0.9), minMs: sorted[0], maxMs: sorted[sorted.length - 1], bytes };
}

async function time(render, runs) {
  for (let i = 0; i < 3; i++) await render();
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const text = await render();
    times.push(performance.now() - t);
    bytes = Array.isArray(text) ? text.reduce((n, b) => n + b.length, 0) : text.length;
  }
  return summary(times, bytes);
}

function countSeries(text) {
  let n = text.startsWith('xmpp_tls_') ? 1 : 0;
  for (let i = text.indexOf('\nxmpp_tls_'); i >= 0; i = text.indexOf('\nxmpp_tls_', i + 1)) n++;
  return n;
}

const memStore = memory();
const t0 = performance.now();
let first = await ours.metrics();
const coldMs = performance.now() - t0;
const ourSeries = countSeries(first);
first = null;
const memCold = memory();
// First what the daemon's /metrics does (blocks handed back for reuse once sent), so that its memory figures are
// not the string path's: the peak RSS below is the process's maximum so far.
const blocksTimes = await time(async () => {
  const blocks = await ours.exposition();
  ours.release(blocks);
  return blocks;
}, opts.runs);
await new Promise((resolve) => setTimeout(resolve, 3000));
const memBlocksIdle = memory();
const oursTimes = await time(() => ours.metrics(), opts.runs);
const memOurs = memory();
// A daemon is scraped every 15 s or more, not back to back: V8 returns the freed pages of the big garbage strings
// to the system a moment after a collection.
await new Promise((resolve) => setTimeout(resolve, 3000));
const memOursIdle = memory();
// As the daemon does: blocks handed back for reuse once sent.

// The peer, and the floor: joining the same lines, precomputed, into one string (allocating and copying a string
// of that size: what any renderer that returns one string pays, with no metric logic at all).
first = await ours.metrics();
const { registry: peer, series: peerSeries } = buildPeer(first);
const peerTimes = await time(() => peer.metrics(), opts.runs);
await new Promise((resolve) => setTimeout(resolve, 3000));
const memPeerIdle = memory();
const lines = first.split('\n');
const floorTimes = await time(() => lines.join('\n'), opts.runs);

// Over HTTP, as Prometheus sees it: curl (another process) GETs /metrics; its own time_total is the time from
// connecting to the last byte. Ours: the daemon's HTTP server sending exposition() blocks. Peer: a plain
// node:http server answering with prom-client's text, as a prom-client exporter does.
// One shell loop runs every curl: a fork of this (large) process before each request would make the next render
// pay copy-on-write page faults on every page it writes (here ~6× the render time), which a real scraper does not cause.
async function timeHttp(url, runs) {
  const script = `for i in $(seq ${runs + 3}); do curl -s -o /dev/null -w '%{time_total}\\n' '${url}'; done`;
  const { stdout } = await execFileAsync('sh', ['-c', script]);
  const times = stdout
    .trim()
    .split('\n')
    .map((t) => Number(t) * 1000)
    .slice(3);
  return summary(times, 0);
}
const oursServer = await startHttpServer({
  host: '127.0.0.1',
  port: 0,
  store: () => store.all(),
  metrics: async () => {
    const blocks = await ours.exposition();
    return { contentType: ours.contentType, body: blocks, sent: () => ours.release(blocks) };
  },
  probe: async () => ({ status: 404, contentType: 'text/plain', body: 'no' }),
  ready: () => true,
  version: 'bench',
});
const oursHttp = await timeHttp(`${oursServer.url}/metrics`, opts.runs);
await oursServer.close();
const peerServer = http.createServer(async (_req, res) => {
  const text = await peer.metrics();
  res.setHeader('Content-Type', peer.contentType);
  res.end(text);
});
await new Promise((resolve) => peerServer.listen(0, '127.0.0.1', resolve));
const peerHttp = await timeHttp(`http://127.0.0.1:${peerServer.address().port}/metrics`, opts.runs);
peerServer.close();

const perFamily = {};
for (const line of lines) {
  if (!line.startsWith('xmpp_tls_')) continue;
  const name = line.slice(0, line.search(/[{ ]/));
  perFamily[name] = (perFamily[name] ?? 0) + 1;
}

const result = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  loadavg: (await import('node:os')).loadavg(),
  domains: opts.domains,
  targets: store.size,
  endpointsPerScan: opts.endpoints,
  detail: opts.detail,
  runs: opts.runs,
  series: { ours: ourSeries, peer: peerSeries, perFamily },
  coldRenderMs: coldMs,
  ours: oursTimes,
  peer: peerTimes,
  floor: floorTimes,
  oursBlocks: blocksTimes,
  oursHttp,
  peerHttp,
  ratioHttpMedian: oursHttp.medianMs / peerHttp.medianMs,
  ratioMedian: oursTimes.medianMs / peerTimes.medianMs,
  ratioToFloor: oursTimes.medianMs / floorTimes.medianMs,
  memoryMB: {
    start: mb(rssStart),
    afterStore: memStore,
    afterColdRender: memCold,
    afterOurRenders: memOurs,
    oursIdle3s: memOursIdle,
    blocksIdle3s: memBlocksIdle,
    afterPeerIdle3s: memPeerIdle,
  },
};

const f = (x) => x.toFixed(1);
console.log(`Node ${result.node}, ${result.cpus} CPUs, load ${result.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${result.domains} domains × 2 modes = ${result.targets} targets, ${opts.endpoints} endpoints per scan, metrics.detail ${opts.detail}`);
console.log(`xmpp_tls_* series: ${ourSeries} (peer: ${peerSeries}); exposition ${mb(oursTimes.bytes)} MB`);
console.log(`render /metrics, ${opts.runs} runs (median, p90, min):`);
console.log(`  ours   ${f(oursTimes.medianMs)} ms  ${f(oursTimes.p90Ms)}  ${f(oursTimes.minMs)}   (first, cold render: ${f(coldMs)} ms)`);
console.log(`  peer   ${f(peerTimes.medianMs)} ms  ${f(peerTimes.p90Ms)}  ${f(peerTimes.minMs)}   (prom-client, same series pre-set)`);
console.log(`  floor  ${f(floorTimes.medianMs)} ms  ${f(floorTimes.p90Ms)}  ${f(floorTimes.minMs)}   (joining the same lines into one string)`);
console.log(`  ours, exposition() blocks ${f(blocksTimes.medianMs)} ms  ${f(blocksTimes.p90Ms)}  ${f(blocksTimes.minMs)}   (what /metrics sends)`);
console.log(`ratio ours/peer (median): ${result.ratioMedian.toFixed(2)}; ours/floor: ${result.ratioToFloor.toFixed(2)}`);
console.log(`GET /metrics over HTTP, curl time_total, ${opts.runs} runs (median, p90, min):`);
console.log(`  ours   ${f(oursHttp.medianMs)} ms  ${f(oursHttp.p90Ms)}  ${f(oursHttp.minMs)}`);
console.log(`  peer   ${f(peerHttp.medianMs)} ms  ${f(peerHttp.p90Ms)}  ${f(peerHttp.minMs)}   (node:http + prom-client)`);
console.log(`ratio ours/peer over HTTP (median): ${result.ratioHttpMedian.toFixed(2)}`);
const m = (x) => `RSS ${x.rss} MB (heap ${x.heapUsed}/${x.heapTotal} MB), peak RSS so far ${x.peakRss} MB`;
console.log(`memory after building the store and registry: ${m(memStore)}`);
console.log(`memory after the first (cold) render:         ${m(memCold)}`);
console.log(`after ${opts.runs + 3} exposition() renders (/metrics), 3 s later: ${m(memBlocksIdle)}`);
console.log(`after ${opts.runs + 3} back-to-back metrics() strings:  ${m(memOurs)}`);
console.log(`  3 s later:                                  ${m(memOursIdle)}`);
console.log(`memory with the peer's registry too, 3 s after its renders: ${m(memPeerIdle)}`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
