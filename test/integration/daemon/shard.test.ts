import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { Daemon } from '../../../src/daemon/daemon.js';
import { ownerOf } from '../../../src/scheduler/shard.js';
import { runCli } from '../../harness/cli.js';
import { daemonConfigYaml } from '../../harness/daemon-config.js';
import { type DnsmasqInstance, startDnsmasq } from '../../harness/dnsmasq.js';
import { type TestCert, createCa, createIntermediate, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort } from '../../harness/ports.js';
import { type PrometheusInstance, rulesWithoutFor, startPrometheus } from '../../harness/prometheus.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { ROOT, answerByLabels, expectSameAnswers, loadDashboard, panelQueries, substitute } from '../e2e/dashboards.js';

// Sharding end to end (issue #19): three real daemons on loopback share one list of 32 domains × c2s+s2s,
// served by one real Prosody and found through SRV records of a real dnsmasq, each replica with its own
// port and database; a real Prometheus scrapes all three (and a fourth port, empty until the fleet grows)
// and evaluates the bundled alert rules. Next to it, one daemon without sharding scans the same targets,
// scraped by a Prometheus of its own: the reference the fleet must equal.
//
// Shown: every (domain, mode) is in Prometheus exactly once, on the replica rendezvous hashing names; every
// fleet-dashboard panel gives the sharded fleet the same answer as the single daemon (they aggregate over
// instance); `report --from-replicas` merges the replicas into the single daemon's report; going from 3
// to 4 replicas moves at most 40 % of the domains, each to the new replica; stopping a replica fires
// XmppTlsExporterShardMissing and removes its targets, and only them. The rules' `for:` are set to 0 s
// here (promtool tests check them).

const DOMAINS = Array.from({ length: 32 }, (_, i) => `fleet${String(i).padStart(2, '0')}.test`);
const TARGETS = DOMAINS.flatMap((d) => [`${d} c2s`, `${d} s2s`]).sort();
const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
/** Shards that export nothing, per job: what XmppTlsExporterShardMissing alerts on. */
const MISSING_SHARDS = 'max by (job) (xmpp_tls_exporter_shards) - count by (job) (count by (job, index) (xmpp_tls_exporter_shard_info))';

let dir: string;
let prosody: ProsodyInstance | undefined;
let dns: DnsmasqInstance | undefined;
/** Four ports, four databases: replicas 0–2 start now, 3 when the fleet grows. */
const replicaPorts: number[] = [];
const replicas: (Daemon | undefined)[] = [];
let single: Daemon | undefined;
let fleetProm: PrometheusInstance | undefined;
let singleProm: PrometheusInstance | undefined;
let caFile: string;

/**
 * A certificate case per domain, in turn: trusted, expired, self-signed, another name. Each expires on a
 * day of its own, so that "the 20 soonest" is the same set whichever replica's scrape came first.
 */
async function leafFor(i: number, domain: string, intermediate: TestCert): Promise<{ leaf: TestCert; chain: TestCert[] }> {
  const validity = { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() + (i % 4 === 1 ? -(10 + i) : 30 + i) * DAY) };
  switch (i % 4) {
    case 2:
      return { leaf: await createLeaf(null, { dns: [domain], selfSigned: true, ...validity }), chain: [] };
    case 3:
      return { leaf: await createLeaf(intermediate, { dns: [`other-${domain}`], ...validity }), chain: [intermediate] };
    default:
      return { leaf: await createLeaf(intermediate, { dns: [domain], ...validity }), chain: [intermediate] };
  }
}

function configFile(name: string): string {
  return join(dir, `${name}.yaml`);
}

/** A daemon's configuration: every domain, through the lab's DNS; `shard` as a YAML block, or none. */
async function writeConfig(name: string, port: number, shard: string): Promise<string> {
  const file = configFile(name);
  await writeFile(
    file,
    daemonConfigYaml({
      caFile,
      listen: `127.0.0.1:${port}`,
      resolver: dns!.server,
      storePath: join(dir, `${name}.db`),
      targets: DOMAINS.map((domain) => ({ domain, modes: ['c2s', 's2s'] })),
      extra: `concurrency:\n  domains: 4\n${shard}`,
    }),
  );
  return file;
}

const replicaConfig = (index: number, count: number) => writeConfig(`replica-${index}`, replicaPorts[index]!, `shard:\n  index: ${index}\n  count: ${count}\n`);
const hostOf = (index: number) => `127.0.0.1:${replicaPorts[index]}`;
const owned = (index: number, count: number) => DOMAINS.filter((d) => ownerOf(d, count) === index);

/** The daemon's results, once it holds one for every target it owns (its API says how many). */
async function untilScanned(d: Daemon): Promise<void> {
  for (;;) {
    const res = await fetch(`${d.url}/api/v1/results`);
    const entries = (await res.json()) as unknown[];
    if (entries.length === Number(res.headers.get('xmpp-tls-exporter-targets'))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** (domain mode) → the instances that export its xmpp_tls_scan_success. */
async function placement(prom: PrometheusInstance): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const s of await prom.instant('xmpp_tls_scan_success')) {
    const key = `${s.metric.domain} ${s.metric.mode}`;
    out.set(key, [...(out.get(key) ?? []), s.metric.instance!]);
  }
  return out;
}

/** Waits until Prometheus has exactly `expected` (target → instance), each target once. */
async function untilPlaced(prom: PrometheusInstance, expected: Map<string, string>, what: string): Promise<Map<string, string[]>> {
  return prom.until(what, 120_000, async () => {
    const got = await placement(prom);
    const same = got.size === expected.size && [...expected].every(([k, inst]) => got.get(k)?.length === 1 && got.get(k)![0] === inst);
    return same ? got : undefined;
  });
}

const expectedPlacement = (count: number, alive = (_i: number) => true) =>
  new Map(TARGETS.filter((t) => alive(ownerOf(t.split(' ')[0]!, count))).map((t) => [t, hostOf(ownerOf(t.split(' ')[0]!, count))]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-shard-'));
  const ca = await createCa({ cn: 'Shard Test Root' });
  const intermediate = await createIntermediate(ca, { cn: 'Shard Test Intermediate' });
  caFile = await writeCertFile(join(dir, 'ca.pem'), [ca]);
  const hosts = [];
  for (const [i, domain] of DOMAINS.entries()) {
    const { leaf, chain } = await leafFor(i, domain, intermediate);
    hosts.push({ domain, ...(await writePemFiles(dir, domain, leaf, chain)) });
  }
  prosody = await startProsody({ hosts });
  dns = await startDnsmasq({
    srv: DOMAINS.flatMap((d) => [
      { service: `_xmpp-client._tcp.${d}`, target: 'xmpp.test', port: prosody!.ports.c2s },
      { service: `_xmpp-server._tcp.${d}`, target: 'xmpp.test', port: prosody!.ports.s2s },
    ]),
    hosts: [{ name: 'xmpp.test', addresses: ['127.0.0.1'] }],
  });
  for (let i = 0; i < 4; i++) replicaPorts.push(await freeTcpPort());
  for (let i = 0; i < 3; i++) replicas[i] = await Daemon.start({ configFile: await replicaConfig(i, 3), logger });
  single = await Daemon.start({ configFile: await writeConfig('single', await freeTcpPort(), ''), logger });
  const rules = await rulesWithoutFor(join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml'), join(dir, 'rules.yml'));
  fleetProm = await startPrometheus({ dir, name: 'fleet', targets: [0, 1, 2, 3].map(hostOf), ruleFiles: [rules] });
  singleProm = await startPrometheus({ dir, name: 'single', targets: [new URL(single.url).host] });
  for (const d of [...replicas, single]) await untilScanned(d!);
  await untilPlaced(fleetProm, expectedPlacement(3), 'the fleet in Prometheus');
  await untilPlaced(singleProm, new Map(TARGETS.map((t) => [t, new URL(single!.url).host])), 'the single daemon in Prometheus');
}, 300_000);

afterAll(async () => {
  await fleetProm?.stop();
  await singleProm?.stop();
  for (const d of [...replicas, single]) await d?.stop();
  await dns?.stop();
  await prosody?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('three replicas, one target list', () => {
  test('every (domain, mode) is in Prometheus exactly once, exported by the replica rendezvous hashing names', async () => {
    const got = await placement(fleetProm!);
    expect([...got.keys()].sort()).toEqual(TARGETS);
    for (const [target, instances] of got) expect([target, instances]).toEqual([target, [hostOf(ownerOf(target.split(' ')[0]!, 3))]]);
    // An even-enough share each: none idle, none with most of the fleet.
    for (let i = 0; i < 3; i++) expect(owned(i, 3).length).toBeGreaterThanOrEqual(5);
  });

  test('each replica says which shard it is and how many targets it owns: metrics, API headers, status page', async () => {
    for (let i = 0; i < 3; i++) {
      const mine = owned(i, 3).length * 2;
      const shard = await fleetProm!.instant(`xmpp_tls_exporter_shard_info{instance="${hostOf(i)}"}`);
      expect(shard.map((s) => [s.metric.index, s.metric.count])).toEqual([[String(i), '3']]);
      const [targets] = await fleetProm!.instant(`xmpp_tls_exporter_targets{instance="${hostOf(i)}"}`);
      expect(targets?.value[1]).toBe(String(mine));
      const res = await fetch(`${replicas[i]!.url}/api/v1/results?mode=c2s`);
      expect([res.headers.get('xmpp-tls-exporter-shard'), res.headers.get('xmpp-tls-exporter-targets')]).toEqual([`${i}/3`, String(mine)]);
      expect(await (await fetch(`${replicas[i]!.url}/`)).text()).toContain(`shard ${i}/3: owns ${mine} of the fleet's 64 targets`);
    }
    const [missing] = await fleetProm!.instant(MISSING_SHARDS);
    expect(missing?.value[1]).toBe('0');
  });

  test("a domain another replica owns: the API's 404 says which shard has it", async () => {
    const domain = DOMAINS.find((d) => ownerOf(d, 3) === 2)!;
    const res = await fetch(`${replicas[0]!.url}/api/v1/results/${domain}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: `no results for ${domain}: this replica is shard 0/3, the domain belongs to shard 2/3` });
  });

  test('/probe answers for a target another replica owns (it is stateless)', async () => {
    const domain = DOMAINS.find((d) => ownerOf(d, 3) !== 0)!;
    const res = await fetch(`${replicas[0]!.url}/probe?target=${domain}&mode=c2s`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('probe_success 1');
  });
});

describe('the fleet dashboard gives the sharded fleet the answers of one daemon', () => {
  // Left out: the exporter's own series (scans, probes, slots, its version: per process by nature),
  // scan durations (two scans never take the same time) and ALERTS (only the fleet's Prometheus has rules).
  const queries = panelQueries(loadDashboard('xmpp-tls-fleet.json'))
    .filter((q) => q.instant && !/xmpp_tls_(scans_total|probes_total|scans_in_progress|scan_duration|exporter_)|ALERTS/.test(q.expr))
    .map((q) => ({ ...q, promql: substitute(q.expr, { mode: '(c2s|s2s)', domain: '.*' }) }));
  const answer = async (prom: PrometheusInstance, promql: string) => answerByLabels(await prom.instant(promql));

  test('the panels compared', () => {
    expect(queries.length).toBeGreaterThan(90);
  });

  test.each(queries.map((q) => [`${q.panel} › ${q.refId}`, q] as const))('%s', async (_name, q) => {
    const [fleet, one] = await Promise.all([answer(fleetProm!, q.promql), answer(singleProm!, q.promql)]);
    // Ages from time() differ by when each daemon scanned: within 5 minutes.
    expectSameAnswers(fleet, one, q.promql, 300);
  });
});

describe('one survey of the fleet', () => {
  /** What differs between two reports of the same facts made at other moments, from other sources. */
  const comparable = (r: Record<string, unknown>) => {
    const { generatedAt: _g, source: _s, shard: _shard, ...rest } = r;
    return { ...rest, domains: (rest.domains as Record<string, unknown>[]).map(({ scannedAt: _a, ...row }) => row) };
  };

  test('report --from-replicas merges the three into the report of the single daemon', async () => {
    const { code, out, err } = await runCli('report', '--from-replicas', ...[0, 1, 2].map((i) => replicas[i]!.url), '--format', 'json');
    expect([code, err]).toEqual([0, '']);
    const merged = JSON.parse(out) as Record<string, unknown>;
    expect(merged.source).toBe('3 replicas of the replicas');
    expect(merged.shard).toBeUndefined();
    const reference = (await (await fetch(`${single!.url}/report.json`)).json()) as Record<string, unknown>;
    expect(reference.shard).toEqual({ index: 0, count: 1, targets: 64 });
    expect((merged.domains as unknown[]).length).toBe(64);
    expect(comparable(merged)).toEqual(comparable(reference));
  });

  test('--from-dns: every address of the name is a replica (here one unsharded daemon, an IP literal)', async () => {
    const { code, out } = await runCli('report', '--from-dns', new URL(single!.url).host, '--format', 'json', '--mode', 'c2s');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { domains: { mode: string }[]; modes: { mode: string }[] };
    expect([report.domains.length, report.modes.map((m) => m.mode)]).toEqual([32, ['c2s']]);
  });

  test('a replica left out: no report, exit 1 naming the missing shard', async () => {
    const { code, out, err } = await runCli('report', '--from-replicas', replicas[0]!.url, replicas[1]!.url, '--format', 'json');
    expect([code, out]).toEqual([1, '']);
    expect(err).toBe('xmpp-tls-exporter report: shard 2/3 missing: no replica given answered for it (the report would leave out its targets)\n');
  });

  test('the same replica twice: exit 1', async () => {
    const { code, err } = await runCli('report', '--from-replicas', replicas[0]!.url, replicas[0]!.url, replicas[1]!.url, replicas[2]!.url);
    expect(code).toBe(1);
    expect(err).toMatch(/shard 0\/3 answered by 2 replicas/);
  });
});

describe('the fleet changes', () => {
  let before: Map<string, string[]>;

  test('3 → 4 replicas: at most 40 % of the domains move, each to the new replica', async () => {
    before = await placement(fleetProm!);
    for (let i = 0; i < 3; i++) {
      await replicaConfig(i, 4);
      expect(await replicas[i]!.reload()).toBe(true);
    }
    replicas[3] = await Daemon.start({ configFile: await replicaConfig(3, 4), logger });
    const after = await untilPlaced(fleetProm!, expectedPlacement(4), 'the fleet of four in Prometheus');
    const moved = DOMAINS.filter((d) => after.get(`${d} c2s`)![0] !== before.get(`${d} c2s`)![0]);
    expect(moved.length / DOMAINS.length).toBeLessThanOrEqual(0.4);
    expect(moved.length).toBeGreaterThan(0);
    for (const d of moved) expect([d, after.get(`${d} c2s`)]).toEqual([d, [hostOf(3)]]);
    // Both modes of a domain moved together.
    for (const d of DOMAINS) expect(after.get(`${d} s2s`)).toEqual(after.get(`${d} c2s`));
    // The new replica has scanned its share, and the others have let theirs go.
    const [missing] = await fleetProm!.instant(MISSING_SHARDS);
    expect(missing?.value[1]).toBe('0');
  }, 180_000);

  test('stopping a replica fires XmppTlsExporterShardMissing and removes its targets, and only them', async () => {
    await replicas[1]!.stop();
    replicas[1] = undefined;
    const firing = await fleetProm!.until('XmppTlsExporterShardMissing firing', 60_000, async () => {
      const alerts = await fleetProm!.instant('ALERTS{alertname="XmppTlsExporterShardMissing", alertstate="firing"}');
      return alerts.length > 0 ? alerts : undefined;
    });
    expect(firing.map((a) => [a.metric.job, a.metric.severity])).toEqual([['xmpp-tls-exporter', 'critical']]);
    await untilPlaced(
      fleetProm!,
      expectedPlacement(4, (i) => i !== 1),
      'the fleet without replica 1',
    );
    const down = await fleetProm!.until('XmppTlsExporterDown firing', 60_000, async () => {
      const alerts = await fleetProm!.instant('ALERTS{alertname="XmppTlsExporterDown", alertstate="firing"}');
      return alerts.length > 0 ? alerts : undefined;
    });
    expect(down.map((a) => a.metric.instance)).toEqual([hostOf(1)]);
  }, 120_000);
});
