// Benchmark: certificate path validation (src/certificate: analyzeChain) on a typical chain and on
// hostile ones, against the floor any validator pays (the signature checks of the path, with
// node:crypto) and against `openssl verify` on the same files.
//
//   npm run build && node bench/chain-bench.mjs [options]
//
// Options:
//   --help          this text
//   --runs N        timed validations per chain (default 200 for the typical chain, N/10 for the hostile ones)
//   --before DIR    also time the analyzeChain of another checkout's dist/ (e.g. a worktree of an older commit)
//   --json FILE     write the measurements as JSON
//
// Chains (RSA 2048, made with the openssl CLI at start, validated against a CA file and the bundled Mozilla
// roots, as the daemon does):
//   typical   leaf, intermediate (sent) → root (CA file)
//   junk200   the typical chain plus 200 self-signed certificates with the intermediate's very name (each a
//             candidate issuer whose signature must be checked)
//   mesh500   250 "Mesh A" certificates issued by "Mesh B" and 250 "Mesh B" issued by "Mesh A", all with one
//             key, the leaf issued by "Mesh A", no trusted root: every certificate is a valid issuer of the
//             next, so the paths to try grow exponentially (a hostile server's cross-signing maze)
// "ours" is analyzeChain (parse, build, validate, identity, the chain summaries of the result). The floor is
// X509Certificate.verify() of each link of the valid path. `openssl verify` is one process per chain (its
// start-up included: what a tool calling it per scan pays).

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { help: { type: 'boolean' }, runs: { type: 'string', default: '200' }, before: { type: 'string' }, json: { type: 'string' } },
});
if (opts.help) {
  console.log(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('//'))
      .map((l) => l.slice(3))
      .join('\n'),
  );
  process.exit(0);
}
const RUNS = Number(opts.runs);

const dir = mkdtempSync(join(tmpdir(), 'chain-bench-'));
const f = (name) => join(dir, name);
const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const EXT = f('ext.cnf');
writeFileSync(
  EXT,
  [
    '[ca]',
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
    '[leaf]',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:example.org',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
    '',
  ].join('\n'),
);
const key = (name) => openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f(`${name}.key`)]);
/** A certificate for `cn` with the key `keyName`, signed by `signer` (openssl x509 arguments), with the extensions `ext` of EXT. */
const sign = (name, cn, keyName, signer, ext) => {
  openssl(['req', '-new', '-key', f(`${keyName}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`)]);
  openssl([
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    ...signer,
    '-set_serial',
    String(Math.floor(Math.random() * 1e12)),
    '-days',
    '365',
    '-sha256',
    '-extfile',
    EXT,
    '-extensions',
    ext,
    '-out',
    f(`${name}.pem`),
  ]);
};
const selfSigned = (name, cn, keyName = name) => sign(name, cn, keyName, ['-signkey', f(`${keyName}.key`)], 'ca');
const issue = (name, cn, keyName, issuerCert, issuerKey, ext) => sign(name, cn, keyName, ['-CA', f(`${issuerCert}.pem`), '-CAkey', f(`${issuerKey}.key`)], ext);
const der = (name) => new X509Certificate(readFileSync(f(`${name}.pem`))).raw;

console.error('making certificates…');
for (const k of ['root', 'inter', 'leaf', 'junk', 'mesh']) key(k);
selfSigned('root', 'Bench Root');
issue('inter', 'Bench Inter', 'inter', 'root', 'root', 'ca');
issue('leaf', 'example.org', 'leaf', 'inter', 'inter', 'leaf');
const junk = [];
for (let i = 0; i < 200; i++) {
  selfSigned(`junk${i}`, 'Bench Inter', 'junk');
  junk.push(`junk${i}`);
}
// The maze: one key, two names issuing each other (self-signed A and B as the issuing templates, not sent).
selfSigned('meshA0', 'Mesh A', 'mesh');
selfSigned('meshB0', 'Mesh B', 'mesh');
const mesh = [];
for (let i = 0; i < 250; i++) {
  issue(`mA${i}`, 'Mesh A', 'mesh', 'meshB0', 'mesh', 'ca');
  issue(`mB${i}`, 'Mesh B', 'mesh', 'meshA0', 'mesh', 'ca');
  mesh.push(`mA${i}`, `mB${i}`);
}
issue('meshleaf', 'example.org', 'leaf', 'meshA0', 'mesh', 'leaf');

const CHAINS = {
  typical: { presented: ['leaf', 'inter'], runs: RUNS },
  junk200: { presented: ['leaf', ...junk, 'inter'], runs: Math.max(5, Math.round(RUNS / 10)) },
  mesh500: { presented: ['meshleaf', ...mesh], runs: Math.max(5, Math.round(RUNS / 10)) },
};
writeFileSync(f('ca.pem'), readFileSync(f('root.pem')));

async function loadImpl(root) {
  const mod = await import(resolve(root, 'dist/certificate/index.js'));
  const store = mod.loadTrustStore({ caFiles: [f('ca.pem')], systemRoots: true });
  return (ders) => mod.analyzeChain(ders, { domain: 'example.org', mode: 'c2s', now: new Date(), store, fetchAia: false });
}

function time(fn, runs) {
  for (let i = 0; i < Math.min(3, runs); i++) fn(); // warm-up (and the one-time parse of the bundled roots)
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)], p95Ms: samples[Math.floor(samples.length * 0.95)], runs };
}

const ours = await loadImpl(resolve(new URL('..', import.meta.url).pathname));
const before = opts.before ? await loadImpl(resolve(opts.before)) : null;
// The first validation of the process also reads the trust store's ~150 roots once (the daemon pays it once per configuration).
let t0 = performance.now();
ours(CHAINS.typical.presented.map(der));
const firstCallMs = performance.now() - t0;
t0 = performance.now();
if (before) before(CHAINS.typical.presented.map(der));
const beforeFirstCallMs = before ? performance.now() - t0 : null;
console.log(
  `first validation of the process (typical chain, roots read once): ours ${firstCallMs.toFixed(1)} ms${before ? `, before ${beforeFirstCallMs.toFixed(1)} ms` : ''}`,
);
const results = { firstCallMs, beforeFirstCallMs };
for (const [name, c] of Object.entries(CHAINS)) {
  const ders = c.presented.map(der);
  const verdict = ours(ders);
  const row = { certificates: ders.length, trusted: verdict.trusted, trustErrors: verdict.trustErrors, builtChain: verdict.builtChain.length };
  row.ours = time(() => ours(ders), c.runs);
  // First-call cost in a fresh process would include parsing the bundled roots once; the daemon pays it once.
  if (before) {
    const t = time(() => before(ders), Math.max(3, Math.round(c.runs / (name === 'typical' ? 1 : 5))));
    row.before = t;
    row.beforeVerdict = before(ders).trustErrors;
  }
  if (name !== 'mesh500') {
    const nodes = [ders[0], ...(name === 'typical' ? [ders[1]] : [ders[ders.length - 1]]), readFileSync(f('root.pem'))].map((d) => new X509Certificate(d));
    row.floor = time(() => {
      for (let i = 0; i + 1 < nodes.length; i++) nodes[i].verify(nodes[i + 1].publicKey);
    }, c.runs);
  }
  writeFileSync(
    f(`${name}-untrusted.pem`),
    c.presented
      .slice(1)
      .map((n) => readFileSync(f(`${n}.pem`), 'utf8'))
      .join(''),
  );
  const leafFile = f(`${c.presented[0]}.pem`);
  row.openssl = time(
    () => {
      try {
        execFileSync(
          'openssl',
          ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', f('ca.pem'), '-untrusted', f(`${name}-untrusted.pem`), leafFile],
          { stdio: 'ignore' },
        );
      } catch {
        /* untrusted: exit status 2 */
      }
    },
    Math.min(20, c.runs),
  );
  results[name] = row;
  const r = (x) => (x ? `${x.medianMs.toFixed(3)} ms (p95 ${x.p95Ms.toFixed(3)})` : '—');
  console.log(
    `${name.padEnd(8)} ${String(ders.length).padStart(3)} certs  trusted=${verdict.trusted} ${JSON.stringify(verdict.trustErrors)}  ours ${r(row.ours)}` +
      `${row.floor ? `  floor ${r(row.floor)} (×${(row.ours.medianMs / row.floor.medianMs).toFixed(1)})` : ''}` +
      `  openssl verify ${r(row.openssl)} (×${(row.ours.medianMs / row.openssl.medianMs).toFixed(2)})` +
      `${row.before ? `  before ${r(row.before)} (×${(row.before.medianMs / row.ours.medianMs).toFixed(1)} slower) ${JSON.stringify(row.beforeVerdict)}` : ''}`,
  );
}
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
