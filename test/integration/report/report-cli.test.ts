import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { Daemon } from '../../../src/daemon/daemon.js';
import { flattenCounts } from '../../../src/report/compare.js';
import type { ReportDiff, SurveyReport } from '../../../src/report/types.js';
import type { ScanResult } from '../../../src/result/types.js';
import { runCli as run } from '../../harness/cli.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { freeTcpPort } from '../../harness/ports.js';
import { SECTION_IDS } from '../../unit/report/fixtures.js';
import { parseXml } from '../../unit/report/xml.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';

// The `report` command end to end, against the real Prosody virtual hosts of the scan tests (each
// certificate case) plus a target nobody answers: the daemon scans the targets once (its database
// holds the individual results, the truth to check counts against, and it serves /report), then
// `report --config` scans the same targets itself, `report --store` reads the daemon's database
// while the daemon runs, `report --state` a JSON state file of earlier versions, and `--compare`
// diffs two JSON reports. (report --since against a database with a known history:
// test/integration/cli/report-store-cli.test.ts.)

const C2S_DOMAINS = ['trusted.test', 'expired.test', 'selfsigned.test', 'wronghost.test', 'soon.test', 'nochain.test', 'ecdsa.test'];

let world: TestWorld;
let daemon: Daemon | null = null;
let configFile: string;
let storePath: string;
/** A state file of earlier versions holding the daemon's results (written by the test). */
let stateFile: string;
/** The daemon's results: one per (domain, mode). */
let truth: ScanResult[];

function configText(closedPort: number): string {
  const p = world.prosody.ports;
  return daemonConfigYaml({
    caFile: world.caFile,
    storePath,
    targets: [
      ...targetsAt(`127.0.0.1:${p.c2s}`, ['c2s'], C2S_DOMAINS),
      { domain: 'trusted.test', modes: ['s2s'], connect: `127.0.0.1:${p.s2s}` },
      { domain: 'closed.test', modes: ['c2s'], connect: `127.0.0.1:${closedPort}` },
    ],
    extra: `concurrency:
  domains: 4
timeouts:
  connectSeconds: 3
  readSeconds: 3
  handshakeSeconds: 3
`,
  });
}

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${daemon!.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

beforeAll(async () => {
  world = await startWorld();
  storePath = join(world.dir, 'results.db');
  stateFile = join(world.dir, 'state.json');
  configFile = join(world.dir, 'config.yaml');
  await writeFile(configFile, configText(await freeTcpPort()));
  daemon = await Daemon.start({ configFile, logger: pino({ level: 'silent' }) });
  // The first scans run in the background: wait until every target has a result.
  const expected = C2S_DOMAINS.length + 2;
  for (;;) {
    const results = JSON.parse((await get('/api/v1/results')).body) as { latest: ScanResult }[];
    if (results.length === expected) {
      truth = results.map((r) => r.latest);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // The format earlier versions kept their results in (report --state still reads it).
  const entries = truth.map((r) => ({ domain: r.domain, mode: r.mode, latest: r, lastGood: r }));
  await writeFile(stateFile, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), entries }));
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  await world?.stop();
});

// --- what the individual results say ---------------------------------------------------------

const c2sTruth = () => truth.filter((r) => r.mode === 'c2s');
const count = (pred: (r: ScanResult) => boolean) => c2sTruth().filter(pred).length;
const anyCert = (r: ScanResult, pred: (c: NonNullable<ScanResult['endpoints'][number]['certificate']>) => boolean) =>
  r.endpoints.some((e) => e.certificate !== null && pred(e.certificate));
const hasTrustError = (code: string) => (r: ScanResult) => anyCert(r, (c) => (c.trustErrors as string[]).includes(code));

/** [count path in the JSON report, the same count from the individual results] */
function expectations(): [string, number][] {
  return [
    ['reachability.tested', c2sTruth().length],
    ['reachability.unreachable', count((r) => r.endpoints.every((e) => e.xmpp === null && e.certificate === null && e.tls === null))],
    ['reachability.withTls', count((r) => r.endpoints.some((e) => e.certificate !== null))],
    ['reachability.starttlsRequired', count((r) => r.endpoints.some((e) => e.xmpp?.starttls === 'required'))],
    ['certificates.withCertificate', count((r) => anyCert(r, () => true))],
    ['certificates.problems.expired', count(hasTrustError('expired'))],
    ['certificates.problems.self_signed', count(hasTrustError('self_signed'))],
    ['certificates.problems.incomplete_chain', count(hasTrustError('incomplete_chain'))],
    ['certificates.problems.unknown_issuer', count(hasTrustError('unknown_issuer'))],
    ['certificates.problems.hostname_mismatch', count((r) => anyCert(r, (c) => !c.hostnameValid))],
    [
      'certificates.valid',
      count((r) => anyCert(r, () => true) && r.endpoints.every((e) => !e.certificate || (e.certificate.trusted && e.certificate.hostnameValid))),
    ],
    ['protocols.supported.TLSv1.3', count((r) => r.endpoints.some((e) => e.tls?.protocols['TLSv1.3'] === true))],
    ['protocols.supported.TLSv1.2', count((r) => r.endpoints.some((e) => e.tls?.protocols['TLSv1.2'] === true))],
    ['protocols.supported.SSLv3', count((r) => r.endpoints.some((e) => e.tls?.protocols.SSLv3 === true))],
    ['keys.ecCurves.P-256', count((r) => anyCert(r, (c) => c.keyType === 'EC' && c.curve === 'P-256'))],
    ['suites.aead', count((r) => r.endpoints.some((e) => (e.tls?.cipherSuites ?? []).some((s) => s.aead)))],
    ['grades.letters.A+', count((r) => r.grade?.letter === 'A+')],
    ['grades.letters.T', count((r) => r.grade?.letter === 'T')],
    ['grades.letters.M', count((r) => r.grade?.letter === 'M')],
    ['grades.ungraded', count((r) => r.grade === null)],
  ];
}

function checkCounts(report: SurveyReport): void {
  const counts = flattenCounts(report.modes.find((m) => m.mode === 'c2s'));
  const got = expectations().map(([path]) => [path, counts.get(path) ?? 0]);
  expect(got).toEqual(expectations());
}

// --- the tests ----------------------------------------------------------------------------------

describe('report --config: scans the targets', () => {
  let json: SurveyReport;
  let md: string;
  let html: string;

  beforeAll(async () => {
    const jsonFile = join(world.dir, 'report.json');
    const r = await run('report', '--config', configFile, '--format', 'html', '--output', join(world.dir, 'report.html'), '--save-json', jsonFile);
    expect(r.err).toMatch(/report: 0\/9 scanned, 0 failed, 9 remaining/);
    expect(r.err).toMatch(/report: 9\/9 scanned, 1 failed, 0 remaining/);
    expect(r.code).toBe(0);
    json = JSON.parse(await readFile(jsonFile, 'utf8')) as SurveyReport;
    html = await readFile(join(world.dir, 'report.html'), 'utf8');
    md = (await run('report', '--store', storePath)).out;
  }, 120_000);

  test('the counts are what the individual scans found', () => {
    // The sanity of the fixture itself: these hosts do have these problems.
    expect(expectations().find(([p]) => p === 'certificates.problems.expired')?.[1]).toBe(1);
    expect(expectations().find(([p]) => p === 'reachability.unreachable')?.[1]).toBe(1);
    checkCounts(json);
    expect(json.modes.map((m) => [m.mode, m.reachability.tested])).toEqual([
      ['c2s', 8],
      ['s2s', 1],
    ]);
    expect(json.modes[1]!.s2s).toMatchObject({ of: 1, dialback: 1 });
  });

  test('per-domain rows: worst first, the grades and expiry of the scans', () => {
    expect(json.domains[0]).toMatchObject({ domain: 'closed.test', status: 'unreachable', error: 'connection_refused', grade: null });
    for (const r of truth) {
      const row = json.domains.find((d) => d.domain === r.domain && d.mode === r.mode)!;
      expect([r.domain, row.grade, row.gradeIgnoringTrust]).toEqual([r.domain, r.grade?.letter ?? null, r.grade?.letterIgnoringTrust ?? null]);
    }
    expect(json.domains.find((d) => d.domain === 'soon.test')?.certificate?.daysToExpiry).toBe(9);
    expect(json.domains.find((d) => d.domain === 'expired.test')?.certificateProblems).toContain('expired');
  });

  test('HTML: well-formed, every section, charts', () => {
    const doc = parseXml(html);
    expect(doc.errors).toEqual([]);
    expect(doc.ids).toEqual(SECTION_IDS);
    expect(doc.elements.has('svg')).toBe(true);
    expect(doc.text).toContain('wronghost.test');
  });

  test("Markdown of the daemon's database (--store, no scanning, while the daemon runs): the same counts", () => {
    const expired = expectations().find(([p]) => p === 'certificates.problems.expired')![1];
    const tested = c2sTruth().length;
    expect(md).toContain(`| expired | ${expired} (${Math.round((expired / count((r) => anyCert(r, () => true))) * 100)} %) |`);
    expect(md).toMatch(new RegExp(`\\| tested \\| ${tested} \\| 1 \\|`));
    for (const d of [...C2S_DOMAINS, 'closed.test']) expect(md).toContain(`| ${d} | c2s |`);
  });

  test('--compare with --against: a changed grade is listed', async () => {
    const oldFile = join(world.dir, 'old.json');
    const old = structuredClone(json);
    const row = old.domains.find((d) => d.domain === 'trusted.test' && d.mode === 'c2s')!;
    row.grade = 'B';
    old.modes[0]!.grades.letters.B += 1;
    await writeFile(oldFile, JSON.stringify(old));
    const r = await run('report', '--compare', oldFile, '--against', join(world.dir, 'report.json'), '--format', 'json');
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.out) as ReportDiff;
    expect(diff.domains).toEqual([
      {
        domain: 'trusted.test',
        mode: 'c2s',
        kind: 'changed',
        changes: [{ field: 'grade', old: 'B', new: json.domains.find((d) => d.domain === 'trusted.test')!.grade, direction: 'better' }],
      },
    ]);
    expect(diff.totals).toContainEqual({ mode: 'c2s', path: 'grades.letters.B', old: old.modes[0]!.grades.letters.B, new: old.modes[0]!.grades.letters.B - 1 });
    const md = await run('report', '--compare', oldFile, '--store', storePath);
    expect(md.out).toMatch(/\| trusted\.test \| c2s \| grade \| B \| A\+ \| better \|/);
  });
});

describe("the daemon's results without scanning", () => {
  test("--store: JSON of each target's latest scan, the same counts; --mode", async () => {
    const r = await run('report', '--store', storePath, '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as SurveyReport;
    checkCounts(report);
    expect(report.source).toBe(`database ${storePath}`);
    expect(report.domains).toHaveLength(truth.length);
    const c2s = JSON.parse((await run('report', '--store', storePath, '--format', 'json', '--mode', 'c2s')).out) as SurveyReport;
    expect(c2s.modes.map((m) => m.mode)).toEqual(['c2s']);
  });

  test('--state: a JSON state file of earlier versions still reads', async () => {
    const r = await run('report', '--state', stateFile, '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as SurveyReport;
    checkCounts(report);
    expect(report.source).toBe(`state file ${stateFile}`);
  });

  test("--config FILE --since: its store.path's database, nothing scanned; before the first scan every target is new", async () => {
    const r = await run('report', '--config', configFile, '--since', '2020-01-01', '--format', 'json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('xmpp-tls-exporter report: the database has no results from before 2020-01-01T00:00:00.000Z: every target counts as new\n');
    const diff = JSON.parse(r.out) as ReportDiff;
    expect(diff.domains.map((d) => [d.kind, d.mode, d.domain]).sort()).toEqual(truth.map((t) => ['added', t.mode, t.domain]).sort());
    expect(diff.old.source).toBe(`database ${storePath} as of 2020-01-01T00:00:00.000Z`);
    expect(diff.new.source).toBe(`database ${storePath}`);
  });

  test('--store FILE --since just after the scans: nothing changed', async () => {
    const after = new Date(Math.max(...truth.map((t) => Date.parse(t.startedAt))) + 1).toISOString();
    const r = await run('report', '--store', storePath, '--since', after, '--format', 'json');
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.out) as ReportDiff;
    expect([diff.domains, diff.unchanged]).toEqual([[], truth.length]);
  });
});

describe('report --domains', () => {
  test('invalid names are reported as not serving, without scanning anything', async () => {
    const list = join(world.dir, 'domains.txt');
    await writeFile(list, '# bad names\nbad..name\n\n-dash-.test c2s\n');
    const r = await run('report', '--domains', list, '--format', 'json', '--no-progress');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as SurveyReport;
    expect(report.modes.map((m) => [m.mode, m.reachability.tested, m.reachability.notServing])).toEqual([
      ['c2s', 2, 2],
      ['s2s', 1, 1],
    ]);
    expect(new Set(report.domains.map((d) => d.error))).toEqual(new Set(['invalid_domain']));
  });
});

describe('the daemon serves the report', () => {
  test('/report (HTML) and /report.json of the stored results', async () => {
    const html = await get('/report');
    expect(html.status).toBe(200);
    expect(html.type).toMatch(/^text\/html/);
    expect(parseXml(html.body).errors).toEqual([]);
    expect(html.body).toContain('selfsigned.test');
    const json = await get('/report.json');
    expect(json.type).toMatch(/^application\/json/);
    checkCounts(JSON.parse(json.body) as SurveyReport);
    // One replica, no sharding: shard 0 of 1, owning every configured target.
    expect((JSON.parse(json.body) as SurveyReport).shard).toEqual({ index: 0, count: 1, targets: expect.any(Number) });
  });

  test('report --from-replicas: one unsharded daemon, by URL and from a saved file, is the whole fleet', async () => {
    const byUrl = await run('report', '--from-replicas', daemon!.url, '--format', 'json');
    expect([byUrl.code, byUrl.err]).toEqual([0, '']);
    checkCounts(JSON.parse(byUrl.out) as SurveyReport);
    const saved = join(world.dir, 'replica-0.json');
    await writeFile(saved, (await get('/report.json')).body);
    const byFile = await run('report', '--from-replicas', saved, '--format', 'json');
    expect(byFile.code).toBe(0);
    expect((JSON.parse(byFile.out) as SurveyReport).domains).toEqual((JSON.parse(byUrl.out) as SurveyReport).domains);
  });

  test("report --from-replicas fails with exit 1 on a replica that does not answer, or a report that is no replica's", async () => {
    const port = await freeTcpPort();
    const dead = await run('report', '--from-replicas', daemon!.url, `http://127.0.0.1:${port}`);
    expect([dead.code, dead.out]).toEqual([1, '']);
    expect(dead.err).toBe(`xmpp-tls-exporter report: http://127.0.0.1:${port}/report.json: cannot fetch: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const notFound = await run('report', '--from-replicas', `${daemon!.url}/nothing-here/`);
    expect(notFound.code).toBe(1);
    expect(notFound.err).toBe(`xmpp-tls-exporter report: ${daemon!.url}/nothing-here/report.json: HTTP 404 Not Found\n`);
    const notReport = await run('report', '--from-replicas', stateFile);
    expect(notReport.code).toBe(1);
    expect(notReport.err).toMatch(/: not a report/);
    const scanned = await run('report', '--from-replicas', join(world.dir, 'report.json'));
    expect(scanned.code).toBe(1);
    expect(scanned.err).toMatch(/report\.json: the report says no shard \(not a daemon's \/report\.json/);
  });
});

describe('usage', () => {
  test('--help documents inputs, examples and exit codes', async () => {
    const { code, out } = await run('report', '--help');
    expect(code).toBe(0);
    for (const s of [
      '--domains <file>',
      '--config <file>',
      '--state <file>',
      '--store <file>',
      '--from-replicas <url...>',
      '--from-dns <name>',
      '--compare <old.json>',
      '--since <when>',
      '--format <format>',
      'Exit codes:',
      'Examples:',
      'report --store data/xmpp-tls-exporter.db --since 30d',
    ])
      expect(out).toContain(s);
  });

  test.each([
    ['no input', [], /give exactly one of --domains FILE, --config FILE, --state FILE, --store FILE, --from-replicas URL… or --from-dns NAME/],
    ['--from-replicas and --store', ['--from-replicas', 'http://127.0.0.1:1', '--store', 'results.db'], /give exactly one of/],
    [
      '--from-replicas with --since',
      ['--from-replicas', 'http://127.0.0.1:1', '--since', '30d'],
      /--since reads one results database: with replicas, run it against each one/,
    ],
    ['--from-replicas with --profile', ['--from-replicas', 'http://127.0.0.1:1', '--profile', 'xmppoke-2015'], /--profile regrades scan results/],
    ['--from-replicas, a bad URL', ['--from-replicas', 'http://[nope'], /--from-replicas http:\/\/\[nope: not a URL/],
    ['two inputs', ['--domains', 'a.txt', '--store', 'results.db'], /give exactly one of/],
    ['a missing domains file', ['--domains', '/nonexistent.txt'], /cannot read the domain list \/nonexistent\.txt/],
    ['a missing state file', ['--state', '/nonexistent.json'], /cannot read the state file \/nonexistent\.json/],
    ['a missing database', ['--store', '/nonexistent.db'], /cannot read the database \/nonexistent\.db: no such file/],
    ['--against alone', ['--against', 'new.json'], /--against goes with --compare/],
    ['a format that is not one', ['--store', 'results.db', '--format', 'pdf'], /argument 'pdf' is invalid/],
    [
      '--since without a database',
      ['--since', '30d'],
      /--since compares with the results database: give --store FILE, or --config FILE to use its store\.path/,
    ],
    ['--since with --domains', ['--since', '30d', '--domains', 'a.txt'], /--since compares with the results database/],
    [
      '--since with --state',
      ['--since', '30d', '--state', 'state.json', '--store', 'results.db'],
      /--since reads the results database: give --store FILE or --config FILE, not --domains or --state/,
    ],
    ['--since with --compare', ['--since', '30d', '--compare', 'old.json', '--store', 'results.db'], /--since and --compare both say what to compare with/],
    ['a bad --since', ['--since', 'last week', '--store', 'results.db'], /--since "last week": not a duration or a date/],
  ])('usage error, exit 2: %s', async (_name, args, message) => {
    const r = await run('report', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  test('a report that is not one (a state file) or a damaged database: exit 2, the file named', async () => {
    const notReport = await run('report', '--compare', stateFile, '--against', stateFile);
    expect(notReport.code).toBe(2);
    expect(notReport.err).toContain(stateFile);
    const garbage = join(world.dir, 'garbage.db');
    await writeFile(garbage, 'not a database '.repeat(100));
    const damaged = await run('report', '--store', garbage, '--since', '30d');
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain(`the database ${garbage} is not a readable SQLite database`);
  });
});
