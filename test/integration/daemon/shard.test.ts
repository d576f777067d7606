import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { Daemon } from '../../../src/daemon/daemon.js';
import { ownerOf } from '../../../src/scheduler/shard.js';
import { daemonConfigYaml } from '../../harness/daemon-config.js';
import { createCa, writeCertFile } from '../../harness/pki.js';
import { freeTcpPort } from '../../harness/ports.js';

// Sharding end to end: three real daemons on loopback share one target list of 30 domains, each
// with its own port and database. Every target must be scanned and exported by exactly one of
// them (the one rendezvous hashing names), and each says which shard it is. The targets point at a
// closed port: each scan fails at once, which is all this needs (scan_success 0 is a series too).

const DOMAINS = Array.from({ length: 30 }, (_, i) => `shard${i}.test`);
const COUNT = 3;
const logger = pino({ level: 'silent' });
let dir: string;
const daemons: Daemon[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-shard-'));
  const caFile = await writeCertFile(join(dir, 'ca.pem'), [await createCa()]);
  const deadPort = await freeTcpPort();
  for (let index = 0; index < COUNT; index++) {
    const configFile = join(dir, `replica-${index}.yaml`);
    await writeFile(
      configFile,
      daemonConfigYaml({
        caFile,
        storePath: join(dir, `replica-${index}.db`),
        targets: DOMAINS.map((domain) => ({ domain, modes: ['c2s', 's2s'], connect: `127.0.0.1:${deadPort}` })),
        tlsProbe: false,
        extra: `shard:\n  index: ${index}\n  count: ${COUNT}\n`,
      }),
    );
    daemons.push(await Daemon.start({ configFile, logger }));
  }
}, 60_000);

afterAll(async () => {
  for (const d of daemons) await d.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The (domain, mode) pairs of a replica's xmpp_tls_scan_success series, once every target it owns has one. */
async function exported(d: Daemon, owned: number): Promise<{ targets: string[]; body: string }> {
  for (;;) {
    const body = await (await fetch(`${d.url}/metrics`)).text();
    const targets = body
      .split('\n')
      .filter((l) => l.startsWith('xmpp_tls_scan_success{'))
      .map((l) => {
        const domain = /domain="([^"]+)"/.exec(l)?.[1];
        const mode = /mode="([^"]+)"/.exec(l)?.[1];
        return `${domain} ${mode}`;
      });
    if (targets.length >= owned) return { targets: targets.sort(), body };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('three replicas, one target list', () => {
  test('every (domain, mode) is exported by exactly one replica: the one rendezvous hashing names', async () => {
    const all: string[] = [];
    for (let index = 0; index < COUNT; index++) {
      const owned = DOMAINS.filter((d) => ownerOf(d, COUNT) === index);
      expect(owned.length).toBeGreaterThan(0);
      const { targets, body } = await exported(daemons[index]!, owned.length * 2);
      expect(targets).toEqual(owned.flatMap((d) => [`${d} c2s`, `${d} s2s`]).sort());
      expect(body).toContain(`xmpp_tls_exporter_shard_info{index="${index}",count="${COUNT}"} 1`);
      expect(body).toContain(`xmpp_tls_exporter_targets ${owned.length * 2}`);
      all.push(...targets);
    }
    // Together: all 60 targets, none twice.
    expect(all.sort()).toEqual(DOMAINS.flatMap((d) => [`${d} c2s`, `${d} s2s`]).sort());
  });

  test('/probe answers for a target another replica owns (it is stateless)', async () => {
    const domain = DOMAINS.find((d) => ownerOf(d, COUNT) !== 0)!;
    const res = await fetch(`${daemons[0]!.url}/probe?target=${domain}&mode=c2s`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('probe_success 0');
  });
});
