// Sharding (issue #19): how rendezvous hashing splits a fleet and what a change of the replica count
// moves, against the obvious peer, `hash(domain) mod N`, measured on the same domains in the same run.
// Pure computation, seconds; results go to BENCHMARKS.md ("Sharding").
//
//   npm run build && node bench/shard-bench.mjs [--domains 10000] [--dist DIR]
//
// Figures, for N = 1…10 → N + 1 replicas: the share of domains that move (ideal 1/(N+1): only what the
// new replica takes), for rendezvous and for mod N; the largest and smallest replica's share of the
// domains at N + 1 (ideal 1/(N+1) each); and the cost of deciding ownership of every domain.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { domains: { type: 'string', default: '10000' }, dist: { type: 'string', default: 'dist' } } });
const { ownerOf } = await import(pathToFileURL(resolve(opt.dist, 'scheduler', 'shard.js')).href);
const N = Number(opt.domains);
// Names like a federation's: a few words and numbers under a handful of TLDs.
const TLDS = ['org', 'net', 'de', 'im', 'eu', 'fr', 'chat', 'social'];
const domains = Array.from({ length: N }, (_, i) => `${['jabber', 'xmpp', 'chat', 'im', 'talk'][i % 5]}${i}.example.${TLDS[i % TLDS.length]}`);

// The peer: one hash of the domain, modulo the number of replicas.
const modOwner = (domain, count) => Number(createHash('sha256').update(domain.toLowerCase()).digest().readBigUInt64BE(0) % BigInt(count));

const pct = (x) => `${(x * 100).toFixed(1)} %`;
console.log(`\nSharding: ${N} domains\n`);
console.log('| N → N+1 | ideal | rendezvous moves | mod N moves | rendezvous largest / smallest share at N+1 | ideal share |');
console.log('|---|---|---|---|---|---|');
for (let n = 1; n <= 10; n++) {
  const before = domains.map((d) => ownerOf(d, n));
  const after = domains.map((d) => ownerOf(d, n + 1));
  const moved = before.filter((o, i) => o !== after[i]).length / N;
  const modMoved = domains.filter((d) => modOwner(d, n) !== modOwner(d, n + 1)).length / N;
  const shares = Array.from({ length: n + 1 }, (_, k) => after.filter((o) => o === k).length / N);
  console.log(
    `| ${n} → ${n + 1} | ${pct(1 / (n + 1))} | ${pct(moved)} | ${pct(modMoved)} | ${pct(Math.max(...shares))} / ${pct(Math.min(...shares))} | ${pct(1 / (n + 1))} |`,
  );
}

for (const count of [3, 10]) {
  const t0 = performance.now();
  for (const d of domains) ownerOf(d, count);
  const ours = performance.now() - t0;
  const t1 = performance.now();
  for (const d of domains) modOwner(d, count);
  const peer = performance.now() - t1;
  console.log(`\nownership of ${N} domains among ${count}: rendezvous ${ours.toFixed(1)} ms, mod N ${peer.toFixed(1)} ms (ratio ${(ours / peer).toFixed(1)})`);
}
