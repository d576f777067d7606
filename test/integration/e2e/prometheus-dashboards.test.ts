import { execFile } from 'node:child_process';
import { type KeyObject, X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { Daemon } from '../../../src/daemon/daemon.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { type DnsmasqInstance, freeUdpPort, startDnsmasq } from '../../harness/dnsmasq.js';
import { type DnssecLab, startDnssecLab } from '../../harness/dnssec.js';
import { LEGACY_OPENSSL_CONF, writeDhParams } from '../../harness/openssl-server.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort } from '../../harness/ports.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';
import { DASHBOARD_FILES, ROOT, allPanels, answerByLabels, expectSameAnswers, loadDashboard, metricNames, panelQueries, substitute } from './dashboards.js';
import { needTool } from '../../harness/tools.js';
import { type PrometheusInstance, PROMETHEUS_PATH, pollUntil, startPrometheus } from '../../harness/prometheus.js';

// End to end: real Prosody servers → the exporter (Daemon) → a real Prometheus (Debian package) scraping it
// every second and evaluating grafana/alerts/xmpp-tls.rules.yml → every query of every panel of the bundled
// Grafana dashboards, with the template variables filled in, must return data; the alerts this world must
// raise are pending or firing, and no others. All of it twice, at both `metrics.detail` levels: an exporter with
// `endpoint` scans the world, then one with `domain` serves the same results (it opens the same database once the
// first has scanned everything, so it scans nothing itself), each scraped by a Prometheus of its own. The fleet
// dashboard must answer the same at both; the domain dashboard lists endpoints, and runs at `endpoint` only.
//
// The world: the certificate cases of test/integration/scan/fixtures.ts on one modern Prosody (c2s, one s2s,
// one direct TLS, and xmppaddr.test found through SRV records: a STARTTLS and a direct TLS endpoint), a legacy
// Prosody (TLS 1.0+, NULL/anonymous suites, 1024-bit DH and RSA key, self-signed, encryption optional), a
// DHE-only Prosody (c2s: TLS 1.2 with DHE-RSA suites only, a 2048-bit prime, the test CA's certificate) and a
// domain nothing listens for.
//
// Who can connect (handshake simulation, docs/simulation.md): every profile connects to the modern Prosody and
// to the legacy one too (TLS 1.0 to 1.3: every current client gets TLS 1.3 or ECDHE). The DHE-only server is
// the world's one that current clients cannot reach: Go, Android and Apple offer no DHE suite (and no TLS 1.3
// is left), so XmppTlsClientCannotConnect is pending for those four profiles; OpenSSL 3 (and Python on it),
// GnuTLS and the JDK connect with DHE-RSA and its 2048-bit prime.
//
// DNS and DANE: the exporter resolves through the validating Unbound of a DNSSEC lab (test/harness/dnssec.ts:
// real NSD, zones signed at start). xmppaddr.test is an unsigned zone (its SRV records, no TLSA: DANE none);
// trusted.test and ecdsa.test are signed zones whose SRV record points at the modern Prosody's c2s port, with a
// TLSA 3 1 1 record: trusted.test's the SHA-256 of its certificate's public key (DANE valid), ecdsa.test's of
// some other key (DANE mismatch: XmppTlsDaneMismatch). Targets with a `connect` address have no TLSA name (none).
//
// The software version query (XEP-0092, xmpp_tls_server_info) goes through an account on trusted.test: the
// modern Prosody answers for its own hosts, and for legacy.test and the DHE-only domain it relays the query over
// real s2s (the DHE-only Prosody restricts c2s only). The Prosodys find each other's s2s port through a private
// dnsmasq (SRV records), which their libunbound resolver uses instead of the system's (`unbound = { forward = … }`),
// so dialback works both ways.

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml');
/** The handshake simulation's client profiles (docs/simulation.md): one JSON file each, with the modes (`roles`) it runs for. */
const PROFILE_DIR = join(ROOT, 'src/tls/registry/client-profiles');

const C2S_DOMAINS = ['trusted.test', 'expired.test', 'selfsigned.test', 'wronghost.test', 'soon.test', 'nochain.test', 'ecdsa.test'];
/** Found through its SRV records: two endpoints on the modern Prosody, STARTTLS and direct TLS. */
const SRV_DOMAIN = 'xmppaddr.test';
/** c2s domains found through SRV records in a DNSSEC-signed lab zone, with a TLSA record for the one endpoint: DANE valid. */
const DANE_VALID_DOMAIN = 'trusted.test';
/** The same, with a TLSA record for another key: DANE mismatch. */
const DANE_MISMATCH_DOMAIN = 'ecdsa.test';
/** The c2s domains the exporter finds through DNS; the rest of C2S_DOMAINS it is given the address of. */
const DNS_C2S_DOMAINS = [DANE_VALID_DOMAIN, DANE_MISMATCH_DOMAIN];
/** c2s on a Prosody of its own: TLS 1.2 only, DHE-RSA suites only (2048-bit prime); the one target current clients cannot reach. */
const DHE_DOMAIN = 'dhe-only.test';
/** The current profiles (`current: true`) that cannot connect to DHE_DOMAIN: no DHE suite in their hello, no TLS 1.3 left. */
const NO_DHE_PROFILES = ['android_11', 'android_13', 'apple_ios_18', 'go_1_19'];
/** (domain, mode) targets of the exporter's configuration. */
const TARGET_COUNT = C2S_DOMAINS.length + 6; // + trusted.test s2s, chat.wildcard.test direct TLS, xmppaddr.test, legacy.test, DHE_DOMAIN, down.test

const LEVELS = ['endpoint', 'domain'] as const;
type Level = (typeof LEVELS)[number];

/** Template variables as Grafana fills them in: `All` of a multi-value variable is `(a|b)`, or its allValue. */
const VARIABLES: Record<string, Record<string, string>> = {
  'xmpp-tls-fleet.json': { mode: '(c2s|s2s)', domain: '.*' },
  // legacy.test has a finding for every panel (caps, trust errors, DHE, SASL before TLS, pending alerts).
  'xmpp-tls-domain.json': { mode: '(c2s|s2s)', domain: 'legacy.test' },
};

const logger = pino({ level: 'silent' });
let world: TestWorld | undefined;
let legacy: ProsodyInstance | undefined;
let dheOnly: ProsodyInstance | undefined;
let dns: DnsmasqInstance | undefined;
let lab: DnssecLab | undefined;

/** An exporter at one level and the Prometheus that scrapes it. */
interface Stack {
  daemon: Daemon;
  prom?: PrometheusInstance;
}
const stacks: Partial<Record<Level, Stack>> = {};
const stack = (level: Level): Stack => {
  const s = stacks[level];
  if (!s) throw new Error(`no ${level} stack`);
  return s;
};

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

async function promGet<T>(level: Level, path: string, params: Record<string, string> = {}): Promise<PromResponse<T>> {
  const res = await fetch(`${stack(level).prom!.url}${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as PromResponse<T>;
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body;
}

async function instant(level: Level, query: string): Promise<VectorSample[]> {
  const { data } = await promGet<QueryData>(level, '/api/v1/query', { query });
  if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
  return data.result as VectorSample[];
}

async function range(level: Level, query: string, seconds = 120): Promise<VectorSample[]> {
  const end = Date.now() / 1000;
  const { data } = await promGet<QueryData>(level, '/api/v1/query_range', { query, start: String(end - seconds), end: String(end), step: '1' });
  return data.result as VectorSample[];
}

async function activeAlerts(level: Level): Promise<AlertEntry[]> {
  return (await promGet<{ alerts: AlertEntry[] }>(level, '/api/v1/alerts')).data.alerts;
}

const prometheusLogs = () => LEVELS.map((l) => `${l}: ${(stacks[l]?.prom?.log() ?? '').slice(-1000)}`).join('\n');

const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> => pollUntil(what, timeoutMs, probe, prometheusLogs);

/** The alerts this world must raise, as `alertname domain` (`alertname domain profile` for the simulation's) → state (from the rule's `for:`). */
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
    ['XmppTlsDaneMismatch', DANE_MISMATCH_DOMAIN],
    // Pending (for: 30m). No other target: legacy.test's TLS 1.3 and ECDHE serve every current profile, and
    // historic profiles (android_7 fails on DHE_DOMAIN too) never alert.
    ...NO_DHE_PROFILES.map((profile): [string, string] => ['XmppTlsClientCannotConnect', `${DHE_DOMAIN} ${profile}`]),
  ];
  return new Map(pairs.map(([a, d]) => [`${a} ${d}`, state(a)]));
}

/** The version query's account: registered on trusted.test of the modern Prosody. */
const VERSION_ACCOUNT = { user: 'tls-survey', host: 'trusted.test', password: 'e2e-survey-Pa55' };

const alertKey = (a: AlertEntry) => `${a.labels.alertname} ${a.labels.domain ?? ''}${a.labels.profile === undefined ? '' : ` ${a.labels.profile}`}`;

/** Starts an exporter at `level` on the world (the targets, the version account, the database at `storePath`). */
async function startExporter(level: Level, storePath: string): Promise<Daemon> {
  const w = world!;
  const p = w.prosody.ports;
  const configFile = join(w.dir, `exporter-${level}.yaml`);
  const config = parse(
    daemonConfigYaml({
      caFile: w.caFile,
      storePath,
      resolver: lab!.resolver,
      targets: [
        ...targetsAt(
          `127.0.0.1:${p.c2s}`,
          ['c2s'],
          C2S_DOMAINS.filter((d) => !DNS_C2S_DOMAINS.includes(d)),
        ),
        ...DNS_C2S_DOMAINS.map((domain) => ({ domain, modes: ['c2s'] })),
        { domain: 'trusted.test', modes: ['s2s'], connect: `127.0.0.1:${p.s2s}` },
        { domain: 'chat.wildcard.test', modes: ['c2s'], connect: `127.0.0.1:${p.c2sDirectTls}`, directTls: true },
        { domain: SRV_DOMAIN, modes: ['c2s'] },
        { domain: 'legacy.test', modes: ['c2s'], connect: `127.0.0.1:${legacy!.ports.c2s}` },
        { domain: DHE_DOMAIN, modes: ['c2s'], connect: `127.0.0.1:${dheOnly!.ports.c2s}` },
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
  caFiles: ["${w.caFile}"]
  systemRoots: false
  timeoutSeconds: 10
metrics:
  detail: ${level}
`,
    }),
  ) as { scanner: Record<string, unknown> };
  // Asked only when TLSA records exist but no answer was secure: the lab's validator knows no root, only its zones.
  config.scanner.resolverCheckName = DANE_MISMATCH_DOMAIN;
  await writeFile(configFile, stringify(config));
  return Daemon.start({ configFile, logger });
}

/** A Prometheus scraping `daemon` every second and evaluating the alert rules every second. */
async function startStack(level: Level, daemon: Daemon): Promise<void> {
  stacks[level] = { daemon };
  stacks[level].prom = await startPrometheus({ dir: world!.dir, name: level, targets: [new URL(daemon.url).host], ruleFiles: [RULES] });
}

/** Every target in the level's Prometheus with a few samples (rates and changes need two), the software answers too. */
async function untilEveryTarget(level: Level, timeoutMs: number): Promise<void> {
  await until(`every target in Prometheus (${level})`, timeoutMs, async () => {
    const [n] = await instant(level, 'count(xmpp_tls_scan_success)');
    const [samples] = await instant(level, 'min(count_over_time(xmpp_tls_domain_grade[1m]))');
    const [legacyGrade] = await instant(level, 'count_over_time(xmpp_tls_domain_grade{domain="legacy.test"}[1m])');
    const [answered] = await instant(level, 'count(xmpp_tls_server_info)'); // every target but down.test
    return Number(n?.value?.[1]) === TARGET_COUNT &&
      Number(samples?.value?.[1]) >= 3 &&
      Number(legacyGrade?.value?.[1]) >= 3 &&
      Number(answered?.value?.[1]) === TARGET_COUNT - 1
      ? true
      : undefined;
  });
}

let deadPort = 0;

beforeAll(async () => {
  needTool(PROMETHEUS_PATH, 'prometheus');
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
  // The DHE-only server: c2s_ssl (c2s only; s2s keeps Prosody's defaults, so the version query reaches it).
  const dheFiles = await writePemFiles(world.dir, DHE_DOMAIN, await createLeaf(world.intermediate, { dns: [DHE_DOMAIN] }), [world.intermediate]);
  const dheParams = await writeDhParams(world.dir, 'ffdhe2048');
  const dheCiphers = 'DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256';
  const dheOnlySsl = `c2s_ssl = { protocol = "tlsv1_2", ciphers = "${dheCiphers}", dhparam = ${JSON.stringify(dheParams)} }`;
  [legacy, dheOnly] = await Promise.all([
    startProsody({
      hosts: [{ domain: 'legacy.test', ...files }],
      opensslConf,
      c2sRequireEncryption: false,
      directTls: false,
      ssl: { protocol: 'tlsv1+', ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0', dhparam },
      extraGlobal: unbound,
    }),
    startProsody({ hosts: [{ domain: DHE_DOMAIN, ...dheFiles }], directTls: false, extraGlobal: `${unbound}\n${dheOnlySsl}` }),
  ]);
  // s2s between the Prosodys: legacy.test and DHE_DOMAIN → their own, every other domain → the modern one.
  const p = world.prosody.ports;
  dns = await startDnsmasq({
    port: dnsPort,
    hosts: [
      { name: 'modern-s2s.test', addresses: ['127.0.0.1'] },
      { name: 'legacy-s2s.test', addresses: ['127.0.0.1'] },
      { name: 'dhe-only-s2s.test', addresses: ['127.0.0.1'] },
    ],
    srv: [
      { service: '_xmpp-server._tcp.legacy.test', target: 'legacy-s2s.test', port: legacy.ports.s2s },
      { service: `_xmpp-server._tcp.${DHE_DOMAIN}`, target: 'dhe-only-s2s.test', port: dheOnly.ports.s2s },
      ...world.hosts.map((h) => ({ service: `_xmpp-server._tcp.${h.domain}`, target: 'modern-s2s.test', port: p.s2s })),
    ],
  });
  // The exporter's DNS: the lab's validating Unbound. xmppaddr.test's two c2s endpoints (unsigned zone), and the
  // signed zones of the DANE domains: their c2s endpoint, with a TLSA record for it.
  const certificateOf = async (domain: string) => {
    const host = world!.hosts.find((h) => h.domain === domain);
    if (!host) throw new Error(`no ${domain} in the world`);
    return new X509Certificate(await readFile(host.certFile)); // the leaf: the first certificate of the file
  };
  const spkiSha256 = (key: KeyObject) =>
    createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');
  const daneZone = (domain: string, tlsaHash: string) => ({
    name: domain,
    signing: 'secure' as const,
    records: [`_xmpp-client._tcp IN SRV 0 0 ${p.c2s} xmpp`, 'xmpp IN A 127.0.0.1', `_${p.c2s}._tcp.xmpp IN TLSA 3 1 1 ${tlsaHash}`],
  });
  lab = await startDnssecLab([
    {
      name: SRV_DOMAIN,
      signing: 'unsigned',
      records: [`_xmpp-client._tcp IN SRV 0 0 ${p.c2s} xmpp`, `_xmpps-client._tcp IN SRV 0 0 ${p.c2sDirectTls!} xmpp`, 'xmpp IN A 127.0.0.1'],
    },
    daneZone(DANE_VALID_DOMAIN, spkiSha256((await certificateOf(DANE_VALID_DOMAIN)).publicKey)),
    // A key the server never had: what a certificate renewed with a new key, its TLSA record left behind, looks like.
    daneZone(DANE_MISMATCH_DOMAIN, spkiSha256(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)),
  ]);
  deadPort = await freeTcpPort(); // nothing listens there: down.test is unreachable

  // The exporter at endpoint level scans the world; once everything is in its Prometheus, the one at domain level
  // opens the same database (every target scanned: it scans nothing) and gets a Prometheus of its own.
  const storePath = join(world.dir, 'results.db');
  await startStack('endpoint', await startExporter('endpoint', storePath));
  await untilEveryTarget('endpoint', 60_000);
  await startStack('domain', await startExporter('domain', storePath));
  await untilEveryTarget('domain', 20_000);
  const expected = expectedAlerts();
  for (const level of LEVELS) {
    await until(`the expected alerts (${level})`, 20_000, async () => {
      const got = new Map((await activeAlerts(level)).map((a) => [alertKey(a), a.state]));
      return [...expected].every(([k, s]) => got.get(k) === s) ? true : undefined;
    });
  }
}, 150_000);

afterAll(async () => {
  for (const level of LEVELS) {
    await stacks[level]?.prom?.stop();
    await stacks[level]?.daemon.stop();
  }
  await dns?.stop();
  await lab?.stop();
  await legacy?.stop();
  await dheOnly?.stop();
  await world?.stop();
});

// The queries are listed when the file is loaded, one test each, so a failure names the panel.
const queries = DASHBOARD_FILES.flatMap((file) =>
  panelQueries(loadDashboard(file)).map((q) => ({ ...q, file, promql: substitute(q.expr, VARIABLES[file] as Record<string, string>) })),
);
/** The dashboards each level runs: the fleet at both, the domain dashboard (every endpoint) at endpoint only. */
const DASHBOARDS_AT: Record<Level, readonly string[]> = { endpoint: DASHBOARD_FILES, domain: ['xmpp-tls-fleet.json'] };

test('the dashboards have queries and every variable is filled in', () => {
  expect(queries.length).toBeGreaterThan(100);
  for (const q of queries) expect(`${q.panel} ${q.refId}: ${q.promql}`).not.toMatch(/\$/);
});

describe.each(LEVELS)('metrics.detail: %s', (level) => {
  describe('every panel query of the bundled dashboards returns data from a real Prometheus', () => {
    test.each(queries.filter((q) => DASHBOARDS_AT[level].includes(q.file)).map((q) => [`${q.file} › ${q.panel} › ${q.refId}`, q] as const))(
      '%s',
      async (_name, q) => {
        const result = q.instant ? await instant(level, q.promql) : await range(level, q.promql);
        if (result.length === 0) throw new Error(`no data for ${q.panel} (${q.refId}): ${q.promql}`);
        expect(result.length).toBeGreaterThan(0);
      },
    );

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
        expect(await range(level, a.promql)).toEqual([]);
        for (const m of metricNames(a.promql)) expect(metricsDoc).toContain(`### \`${m}\``);
      }
    });

    test('the template variables list the scanned domains', async () => {
      // fleet: label_values(xmpp_tls_scan_success{mode=~"$mode"}, domain); domain: label_values(xmpp_tls_scan_success, domain)
      const { data } = await promGet<string[]>(level, '/api/v1/label/domain/values', { 'match[]': 'xmpp_tls_scan_success{mode=~"(c2s|s2s)"}' });
      expect(data).toEqual(expect.arrayContaining([...C2S_DOMAINS, 'chat.wildcard.test', SRV_DOMAIN, 'legacy.test', DHE_DOMAIN, 'down.test']));
    });

    test('fleet panels see what the world holds: grades, trust reasons, protocols, the unreachable target', async () => {
      const value = async (q: string) => Number((await instant(level, q))[0]?.value?.[1]);
      expect(await value('count(xmpp_tls_grade_info{grade="A+"}) or vector(0)')).toBeGreaterThanOrEqual(4);
      expect(await value('count(xmpp_tls_grade_info{grade="M"}) or vector(0)')).toBe(1);
      expect(await value('count(xmpp_tls_certificate_trust_error{reason="expired"}) or vector(0)')).toBe(1);
      expect(await value('count(xmpp_tls_certificate_trust_error{reason="self_signed"}) or vector(0)')).toBe(2);
      expect(await value('sum(xmpp_tls_protocol_supported{protocol="TLSv1.0"})')).toBe(1);
      expect(await value('count(xmpp_tls_scan_success == 0) or vector(0)')).toBe(1);
      const soonest = await instant(level, 'bottomk(1, min by (domain, mode) (xmpp_tls_certificate_expiry_seconds))');
      expect(soonest[0]?.metric.domain).toBe('expired.test');
    });

    test(`${SRV_DOMAIN}: two endpoints from DNS, exported as such or as one target`, async () => {
      const series = async (name: string) => (await instant(level, `${name}{domain="${SRV_DOMAIN}"}`)).map((s) => s.metric);
      expect((await instant(level, `xmpp_tls_endpoints{domain="${SRV_DOMAIN}"}`))[0]?.value?.[1]).toBe('2');
      const up = await series('xmpp_tls_endpoint_up');
      const starttls = await series('xmpp_tls_starttls_required');
      if (level === 'endpoint') {
        expect(up.map((m) => m.transport).sort()).toEqual(['directtls', 'starttls']);
      } else {
        expect(up.map((m) => [m.endpoint, m.transport, m.address])).toEqual([[undefined, undefined, undefined]]);
        // The one family that keeps `transport` there.
        expect(starttls.map((m) => [m.endpoint, m.transport]).sort()).toEqual([
          [undefined, 'directtls'],
          [undefined, 'starttls'],
        ]);
      }
    });

    test('DANE: valid and mismatch in the signed zones, none for every other reachable target', async () => {
      const reachable = [...C2S_DOMAINS, 'chat.wildcard.test', SRV_DOMAIN, 'legacy.test', DHE_DOMAIN].map((d) => `${d} c2s`).concat('trusted.test s2s');
      const status = await instant(level, 'max by (domain, mode, status) (xmpp_tls_dane_status == 1)');
      const dane: Record<string, string> = { [`${DANE_VALID_DOMAIN} c2s`]: 'valid', [`${DANE_MISMATCH_DOMAIN} c2s`]: 'mismatch' };
      expect(status.map((s) => `${s.metric.domain} ${s.metric.mode} ${s.metric.status}`).sort()).toEqual(
        reachable.map((t) => `${t} ${dane[t] ?? 'none'}`).sort(),
      );
      // A state set: every status has a series, 0 but for the current one.
      const [perEndpoint] = await instant(level, `count(xmpp_tls_dane_status{domain="${SRV_DOMAIN}"})`);
      expect(Number(perEndpoint?.value?.[1])).toBe(level === 'endpoint' ? 2 * 6 : 6);
      const records = await instant(level, 'max by (domain, mode) (xmpp_tls_dane_records) > 0');
      expect(records.map((s) => `${s.metric.domain} ${s.metric.mode} ${s.value?.[1]}`).sort()).toEqual(
        [`${DANE_MISMATCH_DOMAIN} c2s 1`, `${DANE_VALID_DOMAIN} c2s 1`].sort(),
      );
    });

    test(`server software: every reachable target answered the version query, legacy.test and ${DHE_DOMAIN} over s2s`, async () => {
      const info = await instant(level, 'xmpp_tls_server_info');
      expect(info.map((s) => `${s.metric.domain} ${s.metric.mode}`).sort()).toEqual(
        [...C2S_DOMAINS, 'chat.wildcard.test', SRV_DOMAIN, 'legacy.test', DHE_DOMAIN]
          .map((d) => `${d} c2s`)
          .concat('trusted.test s2s')
          .sort(),
      );
      for (const s of info) expect(s.metric).toMatchObject({ software: 'Prosody', os: 'Linux', version: expect.stringMatching(/^\d+\.\d+/) });
      const [domains] = await instant(level, 'count by (software) (max by (domain, software) (xmpp_tls_server_info))');
      expect([domains?.metric.software, Number(domains?.value?.[1])]).toEqual(['Prosody', C2S_DOMAINS.length + 4]);
    });

    test(`who can connect: every profile of its mode simulated on each reachable target, only ${DHE_DOMAIN} refuses some`, async () => {
      const roles = readdirSync(PROFILE_DIR)
        .filter((f) => f.endsWith('.json'))
        .map((f) => (JSON.parse(readFileSync(join(PROFILE_DIR, f), 'utf8')) as { roles: string[] }).roles);
      const perMode = (mode: string) => roles.filter((r) => r.includes(mode)).length;
      const profiles = await instant(level, 'count by (domain, mode) (count by (domain, mode, profile) (xmpp_tls_simulation_success))');
      expect(profiles.map((s) => `${s.metric.domain} ${s.metric.mode} ${s.value?.[1]}`).sort()).toEqual(
        [...C2S_DOMAINS, 'chat.wildcard.test', SRV_DOMAIN, 'legacy.test', DHE_DOMAIN]
          .map((d) => `${d} c2s ${perMode('c2s')}`)
          .concat(`trusted.test s2s ${perMode('s2s')}`)
          .sort(),
      );
      // No DHE suite in the hello and no TLS 1.3 on the server: the current four, and Android 7 (historic).
      const refused = await instant(level, 'min by (domain, mode, profile, current) (xmpp_tls_simulation_success) == 0');
      expect(refused.map((s) => `${s.metric.domain} ${s.metric.mode} ${s.metric.profile} ${s.metric.current}`).sort()).toEqual(
        [...NO_DHE_PROFILES.map((p) => `${DHE_DOMAIN} c2s ${p} true`), `${DHE_DOMAIN} c2s android_7 false`].sort(),
      );
    });
  });

  describe('alerts from grafana/alerts/xmpp-tls.rules.yml on the live world', () => {
    test('exactly the expected alerts are active, firing or pending as their `for:` says', async () => {
      const alerts = await activeAlerts(level);
      const got = new Map(alerts.map((a) => [alertKey(a), a.state]));
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expectedAlerts()));
    });

    test("soon.test's 10-day certificate raises the 28-day warning and not the 7-day alert; expired.test is expired", async () => {
      const alerts = await activeAlerts(level);
      const of = (name: string) => alerts.filter((a) => a.labels.alertname === name).map((a) => `${a.labels.domain} ${a.state}`);
      expect(of('XmppTlsCertificateExpiringSoon')).toEqual(['soon.test firing']);
      expect(of('XmppTlsCertificateExpiringVerySoon')).toEqual([]);
      expect(of('XmppTlsCertificateExpired')).toEqual(['expired.test firing']);
      const expired = alerts.find((a) => a.labels.alertname === 'XmppTlsCertificateExpired');
      expect(expired?.labels.severity).toBe('critical');
      expect(expired?.labels.endpoint === undefined).toBe(level === 'domain');
    });
  });

  describe('the scrape', () => {
    test('promtool check metrics finds nothing to complain about', async () => {
      needTool(PROMTOOL, 'prometheus');
      const body = await (await fetch(`${stack(level).daemon.url}/metrics`)).text();
      expect(body.includes('address="127.0.0.1"')).toBe(level === 'endpoint');
      const child = promisify(execFile)(PROMTOOL, ['check', 'metrics']);
      child.child.stdin?.end(body);
      const { stdout, stderr } = await child;
      expect(stdout + stderr).toBe('');
    });

    test('Prometheus scrapes the exporter without errors', async () => {
      const { data } = await promGet<{ activeTargets: { health: string; lastError: string }[] }>(level, '/api/v1/targets');
      expect(data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
    });
  });
});

describe('the fleet dashboard answers the same at both levels', () => {
  // The domain level's exporter serves the endpoint level's results: every panel that counts targets by their
  // worst endpoint must give the same numbers (what moves between the two queries, days to expiry and ages
  // counted from now, within a hundredth of a day and a minute). Left out: the exporter's own series (scans,
  // probes, its version) and ALERTS, which are each exporter's and Prometheus' own.
  const fleet = queries.filter(
    (q) => q.file === 'xmpp-tls-fleet.json' && q.instant && !/xmpp_tls_(scans_total|probes_total|scans_in_progress|exporter_)|ALERTS/.test(q.promql),
  );
  const answer = async (level: Level, promql: string) => answerByLabels(await instant(level, promql));

  test("every instant query of the fleet dashboard but the exporter's own series", () => {
    expect(fleet.length).toBeGreaterThan(90);
  });

  test.each(fleet.map((q) => [`${q.panel} › ${q.refId}`, q] as const))('%s', async (_name, q) => {
    const [atEndpoint, atDomain] = await Promise.all([answer('endpoint', q.promql), answer('domain', q.promql)]);
    // Both exporters serve the same results: ages from time() differ by the seconds between the two queries.
    expectSameAnswers(atEndpoint, atDomain, q.promql, 60);
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
