import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { parse } from 'yaml';
import { Daemon } from '../../../src/daemon/daemon.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { type DnsmasqInstance, freeUdpPort, startDnsmasq } from '../../harness/dnsmasq.js';
import { LEGACY_OPENSSL_CONF, writeDhParams } from '../../harness/openssl-server.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort, waitForPort } from '../../harness/ports.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';
import { DASHBOARD_FILES, ROOT, allPanels, loadDashboard, metricNames, panelQueries, substitute } from './dashboards.js';
import { needTool } from '../../harness/tools.js';

// End to end: real Prosody servers → the exporter (Daemon) → a real Prometheus (Debian package) scraping it
// every second and evaluating grafana/alerts/xmpp-tls.rules.yml → every query of every panel of the bundled
// Grafana dashboards, with the template variables filled in, must return data; the alerts this world must
// raise are pending or firing, and no others.
//
// The world: the certificate cases of test/integration/scan/fixtures.ts on one modern Prosody (c2s, one s2s,
// one direct TLS), a legacy Prosody (TLS 1.0+, NULL/anonymous suites, 1024-bit DH and RSA key, self-signed,
// encryption optional) and a domain nothing listens for.
//
// The software version query (XEP-0092, xmpp_tls_server_info) goes through an account on trusted.test: the
// modern Prosody answers for its own hosts, and for legacy.test it relays the query over real s2s. Both
// Prosodys find each other's s2s port through a private dnsmasq (SRV records), which their libunbound resolver
// uses instead of the system's (`unbound = { forward = … }`), so dialback works both ways.

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml');

const C2S_DOMAINS = ['trusted.test', 'expired.test', 'selfsigned.test', 'wronghost.test', 'soon.test', 'nochain.test', 'ecdsa.test'];
/** (domain, mode) targets of the exporter's configuration. */
const TARGET_COUNT = C2S_DOMAINS.length + 4; // + trusted.test s2s, chat.wildcard.test direct TLS, legacy.test, down.test

/** Template variables as Grafana fills them in: `All` of a multi-value variable is `(a|b)`, or its allValue. */
const VARIABLES: Record<string, Record<string, string>> = {
  'xmpp-tls-fleet.json': { mode: '(c2s|s2s)', domain: '.*' },
  // legacy.test has a finding for every panel (caps, trust errors, DHE, SASL before TLS, pending alerts).
  'xmpp-tls-domain.json': { mode: '(c2s|s2s)', domain: 'legacy.test' },
};

const logger = pino({ level: 'silent' });
let world: TestWorld | undefined;
let legacy: ProsodyInstance | undefined;
let dns: DnsmasqInstance | undefined;
let daemon: Daemon | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let promUrl = '';

interface PromResponse<T> {
  status: string;
  data: T;
  error?: string;
}
interface VectorSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}
interface QueryData {
  resultType: string;
  result: VectorSample[] | [number, string];
}
interface AlertEntry {
  labels: Record<string, string>;
  state: string;
}

async function promGet<T>(path: string, params: Record<string, string> = {}): Promise<PromResponse<T>> {
  const res = await fetch(`${promUrl}${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as PromResponse<T>;
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body;
}

async function instant(query: string): Promise<VectorSample[]> {
  const { data } = await promGet<QueryData>('/api/v1/query', { query });
  if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
  return data.result as VectorSample[];
}

async function range(query: string, seconds = 120): Promise<VectorSample[]> {
  const end = Date.now() / 1000;
  const { data } = await promGet<QueryData>('/api/v1/query_range', { query, start: String(end - seconds), end: String(end), step: '1' });
  return data.result as VectorSample[];
}

async function activeAlerts(): Promise<AlertEntry[]> {
  return (await promGet<{ alerts: AlertEntry[] }>('/api/v1/alerts')).data.alerts;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${prometheusLog.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The alerts this world must raise, as `alertname domain` → state (from the rule's `for:`). */
function expectedAlerts(): Map<string, string> {
  const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; for?: string }[] }[] }).groups.flatMap((g) => g.rules);
  const state = (alert: string) => (rules.find((r) => r.alert === alert)?.for ? 'pending' : 'firing');
  const pairs: [string, string][] = [
    ['XmppTlsCertificateExpired', 'expired.test'],
    ['XmppTlsCertificateExpiringSoon', 'soon.test'], // 10 days: the 28-day warning, not the 7-day one
    ['XmppTlsCertificateUntrusted', 'selfsigned.test'],
    ['XmppTlsCertificateUntrusted', 'nochain.test'],
    ['XmppTlsCertificateUntrusted', 'legacy.test'], // expired.test is untrusted too, but reported as expired only
    ['XmppTlsCertificateNameMismatch', 'wronghost.test'],
    ['XmppTlsEncryptionNotRequired', 'legacy.test'],
    ...['expired.test', 'selfsigned.test', 'nochain.test', 'legacy.test', 'wronghost.test'].map((d): [string, string] => ['XmppTlsGradeBelowB', d]),
  ];
  return new Map(pairs.map(([a, d]) => [`${a} ${d}`, state(a)]));
}

/** The version query's account: registered on trusted.test of the modern Prosody. */
const VERSION_ACCOUNT = { user: 'tls-survey', host: 'trusted.test', password: 'e2e-survey-Pa55' };

const alertKey = (a: AlertEntry) => `${a.labels.alertname} ${a.labels.domain ?? ''}`;

beforeAll(async () => {
  needTool(PROMETHEUS, 'prometheus');
  // The world: a modern Prosody with the certificate cases, a legacy one for the weak findings.
  // Prosody's resolver (libunbound) asks only our dnsmasq, started below once the s2s ports are known; unbound
  // answers .test itself (NXDOMAIN, RFC 6761) unless told to pass it on.
  const dnsPort = await freeUdpPort();
  const unbound = `unbound = { resolvconf = false, hoststxt = false, forward = "127.0.0.1@${dnsPort}", options = { ["local-zone:"] = "test. transparent" } }`;
  const [w, legacyLeaf] = await Promise.all([
    startWorld({ accounts: [VERSION_ACCOUNT], extraGlobal: unbound }),
    createLeaf(null, { dns: ['legacy.test'], selfSigned: true, key: { type: 'RSA', bits: 1024 } }),
  ]);
  world = w;
  const files = await writePemFiles(world.dir, 'legacy.test', legacyLeaf);
  const opensslConf = join(world.dir, 'legacy-openssl.cnf');
  await writeFile(opensslConf, LEGACY_OPENSSL_CONF);
  const dhparam = await writeDhParams(world.dir, 'node:modp2'); // 1024 bits
  legacy = await startProsody({
    hosts: [{ domain: 'legacy.test', ...files }],
    opensslConf,
    c2sRequireEncryption: false,
    directTls: false,
    ssl: { protocol: 'tlsv1+', ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0', dhparam },
    extraGlobal: unbound,
  });
  // s2s between the two Prosodys: legacy.test → the legacy one, every other domain → the modern one.
  dns = await startDnsmasq({
    port: dnsPort,
    hosts: [
      { name: 'modern-s2s.test', addresses: ['127.0.0.1'] },
      { name: 'legacy-s2s.test', addresses: ['127.0.0.1'] },
    ],
    srv: [
      { service: '_xmpp-server._tcp.legacy.test', target: 'legacy-s2s.test', port: legacy.ports.s2s },
      ...world.hosts.map((h) => ({ service: `_xmpp-server._tcp.${h.domain}`, target: 'modern-s2s.test', port: world!.prosody.ports.s2s })),
    ],
  });

  // The exporter.
  const p = world.prosody.ports;
  const deadPort = await freeTcpPort(); // nothing listens there: down.test is unreachable
  const configFile = join(world.dir, 'exporter.yaml');
  await writeFile(
    configFile,
    daemonConfigYaml({
      caFile: world.caFile,
      storePath: join(world.dir, 'results.db'),
      targets: [
        ...targetsAt(`127.0.0.1:${p.c2s}`, ['c2s'], C2S_DOMAINS),
        { domain: 'trusted.test', modes: ['s2s'], connect: `127.0.0.1:${p.s2s}` },
        { domain: 'chat.wildcard.test', modes: ['c2s'], connect: `127.0.0.1:${p.c2sDirectTls}`, directTls: true },
        { domain: 'legacy.test', modes: ['c2s'], connect: `127.0.0.1:${legacy.ports.c2s}` },
        { domain: 'down.test', modes: ['c2s'], connect: `127.0.0.1:${deadPort}` },
      ],
      extra: `concurrency:
  domains: 4
  connectionsPerHost: 4
  connectionDelayMs: 0
version:
  jid: ${VERSION_ACCOUNT.user}@${VERSION_ACCOUNT.host}
  password: "${VERSION_ACCOUNT.password}"
  connect: "127.0.0.1:${p.c2s}"
  caFiles: ["${world.caFile}"]
  systemRoots: false
  timeoutSeconds: 10
`,
    }),
  );
  daemon = await Daemon.start({ configFile, logger });

  // Prometheus, scraping the exporter every second and evaluating the alert rules every second.
  const promPort = await freeTcpPort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const promConfig = join(world.dir, 'prometheus.yml');
  await writeFile(
    promConfig,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(RULES)}
scrape_configs:
  - job_name: xmpp-tls-exporter
    static_configs:
      - targets: ["${new URL(daemon.url).host}"]
`,
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${join(world.dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  prometheus.stderr?.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  const alive = () => prometheus?.exitCode === null && prometheus.signalCode === null;
  await waitForPort(promPort, '127.0.0.1', 20_000, alive);
  await until('Prometheus ready', 20_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));

  // Every target scanned and in Prometheus with a few samples (rates and changes need two), the slow legacy
  // scan included, and the rules evaluated on the data.
  await until('every target in Prometheus', 60_000, async () => {
    const [n] = await instant('count(xmpp_tls_scan_success)');
    const [samples] = await instant('min(count_over_time(xmpp_tls_domain_grade[1m]))');
    const [legacyGrade] = await instant('count_over_time(xmpp_tls_domain_grade{domain="legacy.test"}[1m])');
    const [answered] = await instant('count(xmpp_tls_server_info)'); // every target but down.test
    return Number(n?.value?.[1]) === TARGET_COUNT &&
      Number(samples?.value?.[1]) >= 3 &&
      Number(legacyGrade?.value?.[1]) >= 3 &&
      Number(answered?.value?.[1]) === TARGET_COUNT - 1
      ? true
      : undefined;
  });
  const expected = expectedAlerts();
  await until('the expected alerts', 20_000, async () => {
    const got = new Map((await activeAlerts()).map((a) => [alertKey(a), a.state]));
    return [...expected].every(([k, s]) => got.get(k) === s) ? true : undefined;
  });
}, 90_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    const gone = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    const force = setTimeout(() => prometheus!.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(force);
  }
  await daemon?.stop();
  await dns?.stop();
  await legacy?.stop();
  await world?.stop();
});

// The queries are listed when the file is loaded, one test each, so a failure names the panel.
const queries = DASHBOARD_FILES.flatMap((file) =>
  panelQueries(loadDashboard(file)).map((q) => ({ ...q, file, promql: substitute(q.expr, VARIABLES[file] as Record<string, string>) })),
);

describe('every panel query of the bundled dashboards returns data from a real Prometheus', () => {
  test('the dashboards have queries and every variable is filled in', () => {
    expect(queries.length).toBeGreaterThan(100);
    for (const q of queries) expect(`${q.panel} ${q.refId}: ${q.promql}`).not.toMatch(/\$/);
  });

  test.each(queries.map((q) => [`${q.file} › ${q.panel} › ${q.refId}`, q] as const))('%s', async (_name, q) => {
    const result = q.instant ? await instant(q.promql) : await range(q.promql);
    if (result.length === 0) throw new Error(`no data for ${q.panel} (${q.refId}): ${q.promql}`);
    expect(result.length).toBeGreaterThan(0);
  });

  test('annotation queries (changes on the domain dashboard) are PromQL Prometheus accepts, over documented metrics', async () => {
    const annotations = DASHBOARD_FILES.flatMap((file) =>
      (loadDashboard(file) as unknown as { annotations: { list: { name: string; expr?: string }[] } }).annotations.list
        .filter((a) => a.expr !== undefined)
        .map((a) => ({ file, name: a.name, promql: substitute(a.expr!, VARIABLES[file] as Record<string, string>) })),
    );
    expect(annotations.map((a) => `${a.file} ${a.name}`)).toEqual(['xmpp-tls-domain.json Changes']);
    const metricsDoc = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
    for (const a of annotations) {
      expect(a.promql).not.toMatch(/\$/);
      // No change happens in this world (each target is scanned once): the answer is empty, but valid.
      expect(await range(a.promql)).toEqual([]);
      for (const m of metricNames(a.promql)) expect(metricsDoc).toContain(`### \`${m}\``);
    }
  });

  test('the template variables list the scanned domains', async () => {
    // fleet: label_values(xmpp_tls_scan_success{mode=~"$mode"}, domain); domain: label_values(xmpp_tls_scan_success, domain)
    const { data } = await promGet<string[]>('/api/v1/label/domain/values', { 'match[]': 'xmpp_tls_scan_success{mode=~"(c2s|s2s)"}' });
    expect(data).toEqual(expect.arrayContaining([...C2S_DOMAINS, 'chat.wildcard.test', 'legacy.test', 'down.test']));
  });

  test('fleet panels see what the world holds: grades, trust reasons, protocols, the unreachable target', async () => {
    const value = async (q: string) => Number((await instant(q))[0]?.value?.[1]);
    expect(await value('count(xmpp_tls_grade_info{grade="A+"}) or vector(0)')).toBeGreaterThanOrEqual(4);
    expect(await value('count(xmpp_tls_grade_info{grade="M"}) or vector(0)')).toBe(1);
    expect(await value('count(xmpp_tls_certificate_trust_error{reason="expired"}) or vector(0)')).toBe(1);
    expect(await value('count(xmpp_tls_certificate_trust_error{reason="self_signed"}) or vector(0)')).toBe(2);
    expect(await value('sum(xmpp_tls_protocol_supported{protocol="TLSv1.0"})')).toBe(1);
    expect(await value('count(xmpp_tls_scan_success == 0) or vector(0)')).toBe(1);
    const soonest = await instant('bottomk(1, min by (domain, mode) (xmpp_tls_certificate_expiry_seconds))');
    expect(soonest[0]?.metric.domain).toBe('expired.test');
  });

  test('server software: every reachable target answered the version query, legacy.test over s2s', async () => {
    const info = await instant('xmpp_tls_server_info');
    expect(info.map((s) => `${s.metric.domain} ${s.metric.mode}`).sort()).toEqual(
      [...C2S_DOMAINS, 'chat.wildcard.test', 'legacy.test']
        .map((d) => `${d} c2s`)
        .concat('trusted.test s2s')
        .sort(),
    );
    for (const s of info) expect(s.metric).toMatchObject({ software: 'Prosody', os: 'Linux', version: expect.stringMatching(/^\d+\.\d+/) });
    const [domains] = await instant('count by (software) (max by (domain, software) (xmpp_tls_server_info))');
    expect([domains?.metric.software, Number(domains?.value?.[1])]).toEqual(['Prosody', C2S_DOMAINS.length + 2]);
  });
});

describe('alerts from grafana/alerts/xmpp-tls.rules.yml on the live world', () => {
  test('exactly the expected alerts are active, firing or pending as their `for:` says', async () => {
    const alerts = await activeAlerts();
    const got = new Map(alerts.map((a) => [alertKey(a), a.state]));
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expectedAlerts()));
  });

  test("soon.test's 10-day certificate raises the 28-day warning and not the 7-day alert; expired.test is expired", async () => {
    const alerts = await activeAlerts();
    const of = (name: string) => alerts.filter((a) => a.labels.alertname === name).map((a) => `${a.labels.domain} ${a.state}`);
    expect(of('XmppTlsCertificateExpiringSoon')).toEqual(['soon.test firing']);
    expect(of('XmppTlsCertificateExpiringVerySoon')).toEqual([]);
    expect(of('XmppTlsCertificateExpired')).toEqual(['expired.test firing']);
    expect(alerts.find((a) => a.labels.alertname === 'XmppTlsCertificateExpired')?.labels.severity).toBe('critical');
  });
});

describe('the scrape', () => {
  test('promtool check metrics finds nothing to complain about', async () => {
    needTool(PROMTOOL, 'prometheus');
    const body = await (await fetch(`${daemon!.url}/metrics`)).text();
    const child = promisify(execFile)(PROMTOOL, ['check', 'metrics']);
    child.child.stdin?.end(body);
    const { stdout, stderr } = await child;
    expect(stdout + stderr).toBe('');
  });

  test('Prometheus scrapes the exporter without errors', async () => {
    const { data } = await promGet<{ activeTargets: { health: string; lastError: string }[] }>('/api/v1/targets');
    expect(data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
  });
});

describe('dashboard JSON', () => {
  const metricsDoc = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's reference to its datasource variable, literally as the dashboard JSON holds it
  const DATASOURCE_VARIABLE = '${datasource}';
  test.each(DASHBOARD_FILES.map((f) => [f]))('%s: importable, datasource a variable, only documented metrics', (file) => {
    const d = loadDashboard(file);
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.id).toBeNull();
    expect(d.uid).toBe(file.replace(/\.json$/, ''));
    const ds = d.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const panels = allPanels(d);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(`${p.title}: ${p.description ?? ''}`).toMatch(/: \S/); // every panel says what it shows
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: DATASOURCE_VARIABLE }]);
      for (const t of p.targets ?? []) {
        expect([p.title, t.datasource]).toEqual([p.title, { type: 'prometheus', uid: DATASOURCE_VARIABLE }]);
        for (const m of metricNames(t.expr ?? '')) if (m !== 'ALERTS') expect(metricsDoc).toContain(`### \`${m}\``);
      }
    }
    // No data source is hard-wired anywhere: every uid is the variable (or Grafana's built-in annotations).
    const uids = [...JSON.stringify(d).matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(uids)).toEqual(new Set([d.uid, DATASOURCE_VARIABLE, '-- Grafana --']));
  });
});
