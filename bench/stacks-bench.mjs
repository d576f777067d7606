// The prober against TLS stacks other than OpenSSL-with-defaults (test/harness/tls-stacks.mjs),
// each behind an XMPP STARTTLS front: its (protocol, suite) pairs and probes against a brute-force
// ground truth (each suite offered alone, one hello per suite and protocol) and against sslscan
// (on the TLS port itself), for this build and optionally another one.
//
//   npm run build && node bench/stacks-bench.mjs [--other DIST] [--connections N]
//
// --connections (default 4, the default of a scan): 1 makes the probe counts deterministic (with
// more, chunks are split when connections would sit idle, which depends on timing).
//
// Results go to BENCHMARKS.md ("Other TLS stacks").
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startErlang, startGnutls, startGo, startMbedtls, startOpensslEcdsa, startStarttlsFront } from '../test/harness/tls-stacks.mjs';

const args = process.argv.slice(2);
const otherAt = args.indexOf('--other');
const dists = [resolve('dist'), ...(otherAt >= 0 ? [resolve(args[otherAt + 1])] : [])];
const connectionsAt = args.indexOf('--connections');
const maxConnections = connectionsAt >= 0 ? Number(args[connectionsAt + 1]) : 4;
const load = (dist, path) => import(pathToFileURL(resolve(dist, path)).href);
const { exchange } = await load(dists[0], 'tls/probe/exchange.js');
const { helloBytes } = await load(dists[0], 'tls/probe/offer.js');
const { WIRE_VERSION } = await load(dists[0], 'tls/probe/hellos.js');
const { suitesForProtocol, cipherSuiteByCode } = await load(dists[0], 'tls/registry/index.js');
const { openTlsReadySocket } = await load(dists[0], 'connector/index.js');

const PROTOCOLS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0'];
const hex = (c) => `0x${c.toString(16).toUpperCase().padStart(4, '0')}`;
const target = (port) => ({
  domain: 'tls.test',
  mode: 'c2s',
  host: '127.0.0.1',
  address: '127.0.0.1',
  port,
  directTls: false,
  from: 'x.invalid',
  timeouts: { connectMs: 5000, readMs: 5000, handshakeMs: 5000 },
});
const kxOf = (code) => ({ ECDHE: 'ecdhe', DHE: 'dhe' })[cipherSuiteByCode(code)?.keyExchange] ?? null;

async function groundTruth(frontPort) {
  const jobs = PROTOCOLS.flatMap((protocol) => suitesForProtocol(protocol).map((s) => ({ protocol, code: s.code })));
  const out = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const { protocol, code } = jobs[next++];
        const { socket } = await openTlsReadySocket(target(frontPort));
        const a = await exchange(socket, helloBytes({ protocol, suites: [code] }, 'tls.test'), { timeoutMs: 5000, keyExchangeOf: kxOf });
        if (a.kind === 'hello' && a.serverHello.cipherSuite === code && a.serverHello.selectedVersion === WIRE_VERSION[protocol])
          out.push(`${protocol} ${hex(code)}`);
      }
    }),
  );
  return out.sort();
}

async function sslscanPairs(port) {
  const { stdout } = await promisify(execFile)('/usr/bin/sslscan', ['--no-colour', '--no-heartbleed', '--xml=-', `127.0.0.1:${port}`], {
    maxBuffer: 16 << 20,
    timeout: 300_000,
  });
  return [...stdout.matchAll(/<cipher status="\w+" sslversion="([^"]+)"[^>]* id="0x([0-9A-Fa-f]+)"/g)]
    .map((m) => `${m[1]} 0x${m[2].toUpperCase().padStart(4, '0')}`)
    .sort();
}

const compare = (found, truth) => {
  const missing = truth.filter((p) => !found.includes(p)).length;
  const extra = found.filter((p) => !truth.includes(p)).length;
  return `${found.length}${missing || extra ? ` (${missing} missing, ${extra} extra)` : ' (exact)'}`;
};

const STACKS = [
  () => startGnutls('NORMAL:%SERVER_PRECEDENCE'),
  () => startMbedtls('HIGH:ARIA:CAMELLIA'),
  () => startErlang(),
  () => startGo(),
  () => startOpensslEcdsa('prime256v1'),
];

console.log(`| stack | ground truth pairs | ${dists.map((d) => `prober ${d}: pairs / probes / intolerant`).join(' | ')} | sslscan pairs |`);
console.log(`|---|---|${dists.map(() => '---|').join('')}---|`);
for (const start of STACKS) {
  const server = await start();
  const front = await startStarttlsFront(server.port);
  try {
    const truth = await groundTruth(front.port);
    const cells = [];
    for (const dist of dists) {
      const { probeTls } = await load(dist, 'tls/index.js');
      const { openTlsReadySocket: open } = await load(dist, 'connector/index.js');
      const r = await probeTls({ openSocket: async () => (await open(target(front.port))).socket, serverName: 'tls.test', maxConnections });
      const found = r.cipherSuites.map((s) => `${s.protocol} ${s.code}`).sort();
      cells.push(`${compare(found, truth)} / ${r.probeCount} / ${r.intolerantSuites?.length ?? '–'}`);
    }
    let scan = 'failed';
    try {
      scan = compare(await sslscanPairs(server.port), truth);
    } catch (err) {
      scan = `failed (${err.message.split('\n')[0]})`;
    }
    console.log(`| ${server.name} | ${truth.length} | ${cells.join(' | ')} | ${scan} |`);
  } finally {
    await front.stop();
    await server.stop();
  }
}
