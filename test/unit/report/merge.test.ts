import { describe, expect, test } from '@jest/globals';
import { aggregate } from '../../../src/report/aggregate.js';
import { MergeError, mergeReports, type ReplicaReport } from '../../../src/report/merge.js';
import type { SurveyReport } from '../../../src/report/types.js';
import type { ScanResult } from '../../../src/result/types.js';
import { ownerOf } from '../../../src/scheduler/shard.js';
import {
  NOW,
  expiredSelfSigned,
  good,
  mixedLegacy,
  noTls,
  notServing,
  s2sServer,
  selfSignedInChain,
  unknownIssuer,
  unreachable,
  withDane,
  withSimulations,
  withSoftware,
} from './fixtures.js';

// The merged reports of the shards must be the report of all the results at once: every count,
// every distribution (and its order), every row. Checked for every way of splitting a varied fleet
// the way the daemon splits it (rendezvous hashing of the domain) among 1 to 6 replicas.

const FLEET: ScanResult[] = [
  good('a.example'),
  good('a.example', 's2s'),
  good('b.example'),
  expiredSelfSigned('expired.example'),
  selfSignedInChain('chain1.example', 'CN=Root One'),
  selfSignedInChain('chain2.example', 'CN=Root One'),
  selfSignedInChain('chain3.example', 'CN=Root Two'),
  unknownIssuer('unknown.example'),
  notServing('gone.example'),
  notServing('gone.example', 's2s'),
  unreachable('down.example'),
  noTls('plain.example'),
  mixedLegacy('legacy.example'),
  mixedLegacy('legacy2.example'),
  s2sServer('s2s.example'),
  s2sServer('s2s2.example'),
  withSoftware(good('prosody.example'), { name: 'Prosody', version: '0.12.4', os: null }),
  withSoftware(good('prosody2.example'), { name: 'Prosody', version: '0.12.4', os: null }),
  withSoftware(good('ejabberd.example'), { name: 'ejabberd', version: '23.10', os: null }),
  withSimulations('sim1.example', [
    ['firefox_esr', true],
    ['android_7', false],
  ]),
  withSimulations('sim2.example', [['android_7', false]]),
  withSimulations('sim3.example', [['openssl_3_0', true]]),
  withDane('dane1.example', ['valid']),
  withDane('dane2.example', ['mismatch', 'valid']),
  withDane('dane3.example', ['bogus']),
];

/** What one replica's /report.json holds: the report of the results of the domains it owns. */
function replicaReports(results: readonly ScanResult[], count: number): ReplicaReport[] {
  return Array.from({ length: count }, (_, index) => {
    const owned = results.filter((r) => ownerOf(r.domain, count) === index);
    const report = aggregate(owned, { now: NOW, source: 'exporter results' });
    return { from: `http://replica-${index}:9522/report.json`, report: { ...report, shard: { index, count, targets: owned.length } } };
  });
}

const merged = (parts: ReplicaReport[]) => mergeReports(parts, 'the replicas');

describe('mergeReports: the shards make the whole', () => {
  const whole = aggregate(FLEET, { now: NOW, source: 'the replicas' });

  test.each([1, 2, 3, 4, 5, 6])('%i replicas → the report of all results at once', (count) => {
    const parts = replicaReports(FLEET, count);
    // Every replica owns something once there are a few; the split is the daemon's.
    if (count <= 3) for (const p of parts) expect(p.report.domains.length).toBeGreaterThan(0);
    const { report, warnings } = merged(parts);
    expect(report).toEqual(whole);
    expect(warnings).toEqual([]);
  });

  test('a replica that has not scanned all its targets yet: merged, with a warning', () => {
    const parts = replicaReports(FLEET, 3);
    parts[1]!.report.shard!.targets += 2;
    const { warnings } = merged(parts);
    expect(warnings).toEqual([expect.stringMatching(/^http:\/\/replica-1:9522\/report\.json \(shard 1\/3\) has results for \d+ of its \d+ targets so far$/)]);
  });

  test('one replica (count 1) is the whole fleet', () => {
    expect(merged(replicaReports(FLEET, 1)).report.domains).toHaveLength(FLEET.length);
  });
});

describe('mergeReports: what is not one complete fleet fails, naming the replicas', () => {
  const three = () => replicaReports(FLEET, 3);
  const withShard = (p: ReplicaReport, shard: SurveyReport['shard']): ReplicaReport => ({ ...p, report: { ...p.report, shard } });

  test.each<[string, () => ReplicaReport[], RegExp]>([
    ['a shard missing', () => three().slice(0, 2), /^shard 2\/3 missing: no replica given answered for it/],
    ['two shards missing', () => three().slice(0, 1), /^shards 1\/3, 2\/3 missing/],
    [
      'two replicas answer as one shard',
      () => {
        const [a, b, c] = three();
        return [a!, withShard(b!, { ...b!.report.shard!, index: 0 }), c!];
      },
      /^shard 0\/3 answered by 2 replicas: http:\/\/replica-0:9522\/report\.json, http:\/\/replica-1:9522\/report\.json/,
    ],
    [
      'the replicas disagree on the count',
      () => {
        const [a, b, c] = three();
        return [a!, b!, withShard(c!, { ...c!.report.shard!, count: 4 })];
      },
      /^the replicas disagree on the number of shards: .*replica-2:9522\/report\.json is 2\/4/,
    ],
    [
      'a target in two replicas',
      () => {
        const [a, b, c] = three();
        const stray = b!.report.domains[0]!;
        return [{ ...a!, report: { ...a!.report, domains: [...a!.report.domains, stray] } }, b!, c!];
      },
      /^two replicas claim the same target: \S+ \((c2s|s2s)\) in http:\/\/replica-0:9522\/report\.json and http:\/\/replica-1/,
    ],
    [
      'a report without a shard (not from a daemon)',
      () => [withShard(three()[0]!, undefined), ...three().slice(1)],
      /replica-0:9522\/report\.json: the report says no shard/,
    ],
    [
      'different grading profiles',
      () => {
        const [a, b, c] = three();
        return [a!, b!, { ...c!, report: { ...c!.report, profile: 'xmppoke-2015' as const } }];
      },
      /^the replicas grade with different profiles: /,
    ],
    ['nothing at all', () => [], /^no replica reports to merge$/],
  ])('%s', (_what, parts, message) => {
    const run = () => merged(parts());
    expect(run).toThrow(MergeError);
    expect(run).toThrow(message);
  });
});
