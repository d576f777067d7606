import { readFileSync } from 'node:fs';
import { metricsDetail } from '../../../src/metrics/detail.js';
import { ALL_FAMILIES, DOMAIN_DETAIL_FAMILIES, DOMAIN_RULES, ENDPOINT_FAMILIES, ENDPOINT_LABELS, type MetricsDetail } from '../../../src/metrics/families.js';
import { createMetricsRegistry, createProbeRegistry, createScanStartDelayHistogram, type MetricsRegistry } from '../../../src/metrics/registry.js';
import { endpointLabel, type ExporterStats } from '../../../src/metrics/samples.js';
import { createTargetLinesCache } from '../../../src/metrics/target-lines.js';
import { ResultStore, type StoredEntry } from '../../../src/store/store.js';
import { SCANNER } from '../../../src/version.js';
import { type Exposition, familySamples, parseExposition, sampleKey } from './exposition.js';
import {
  brokenExample,
  exampleOrg,
  EXPORTER_STATS,
  HOSTILE,
  multiExample,
  NOW,
  nxdomainExample,
  ODD_SOFTWARE,
  oddExample,
  scan,
  skippedIpv6Endpoint,
} from './fixtures.js';

type L = Record<string, string>;

const EP1: L = { domain: 'example.org', mode: 'c2s', endpoint: 'xmpp.example.org:5222', transport: 'starttls', address: '192.0.2.1' };
const BR: L = { domain: 'broken.example', mode: 's2s', endpoint: '[2001:db8::5]:5270', transport: 'directtls', address: '2001:db8::5' };
const ODD: L = { domain: 'odd.example', mode: 'c2s', endpoint: 'odd.example:5222', transport: 'starttls', address: '198.51.100.7' };
const T_EX: L = { domain: 'example.org', mode: 'c2s' };
const T_BR: L = { domain: 'broken.example', mode: 's2s' };
const T_NX: L = { domain: 'nxdomain.example', mode: 's2s' };
const T_ODD: L = { domain: 'odd.example', mode: 'c2s' };
/** Seconds in a day: certificate expiry is exported in seconds. */
const DAY = 86_400;

type Expected = [labels: L, value: number];
const x = (base: L, extra: L, value: number): Expected => [{ ...base, ...extra }, value];

function registryFor(
  entries: () => StoredEntry[],
  stats: () => ExporterStats = () => EXPORTER_STATS,
  now = () => NOW,
  detail: () => MetricsDetail = () => 'endpoint',
): MetricsRegistry {
  return createMetricsRegistry({ entries, stats, now, defaultMetrics: false, detail });
}

async function scrape(registry: MetricsRegistry): Promise<Exposition> {
  return parseExposition(await registry.metrics());
}

const ALL = () => [brokenExample(), exampleOrg(), nxdomainExample(), oddExample()];

const protocols = (base: L, supported: string[]): Expected[] =>
  ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'].map((p) => x(base, { protocol: p }, supported.includes(p) ? 1 : 0));

const classes = (base: L, counts: [number, number, number, number, number, number, number, number, number]): Expected[] =>
  ['all', 'forward_secrecy', 'aead', 'weak', 'export', 'null', 'anonymous', 'rc4', '3des'].map((c, i) => x(base, { class: c }, counts[i]!));

const scores = (base: L, [total, protocol, kx, cipher]: [number, number, number, number]): Expected[] => [
  x(base, { component: 'total' }, total),
  x(base, { component: 'protocol' }, protocol),
  x(base, { component: 'key_exchange' }, kx),
  x(base, { component: 'cipher' }, cipher),
];

/** Every sample of every family, for the four fixture entries scraped at NOW. */
const EXPECTED: Record<string, Expected[]> = {
  xmpp_tls_endpoint_up: [
    [EP1, 1],
    [BR, 0],
    [ODD, 1],
  ],
  xmpp_tls_endpoint_failure: [x(BR, { code: 'connection_refused', phase: 'connect' }, 1)],
  xmpp_tls_grade: [
    [EP1, 6],
    [BR, 2],
  ],
  xmpp_tls_grade_info: [
    x(EP1, { grade: 'B', grade_ignoring_trust: 'B', profile: 'ssllabs-2009r' }, 1),
    x(BR, { grade: 'F', grade_ignoring_trust: 'F', profile: 'xmppoke-2015' }, 1),
  ],
  xmpp_tls_score: [...scores(EP1, [87, 95, 80, 90]), ...scores(BR, [0, 40, 0, 20])],
  xmpp_tls_grade_cap: [
    x(EP1, { code: 'tls10_or_tls11_supported', kind: 'cap', limit: 'B' }, 1),
    x(EP1, { code: 'dh_below_2048', kind: 'cap', limit: 'B' }, 1),
    x(EP1, { code: 'no_tls13', kind: 'warning', limit: 'A-' }, 1),
    x(EP1, { code: 'some_suites_without_forward_secrecy', kind: 'warning', limit: 'A-' }, 1),
    x(BR, { code: 'export_suites', kind: 'cap', limit: 'F' }, 1),
    x(BR, { code: 'protocols_undetermined', kind: 'warning', limit: 'A' }, 1),
  ],
  xmpp_tls_protocol_supported: [...protocols(EP1, ['TLSv1.1', 'TLSv1.2']), ...protocols(BR, ['SSLv3', 'TLSv1.0']), ...protocols(ODD, ['TLSv1.3'])],
  xmpp_tls_cipher_suites: [
    ...classes(EP1, [4, 3, 3, 0, 0, 0, 0, 0, 0]),
    // EXPORT RC4-40, RC4-128, 3DES (112 bits: not weak), DH_anon, NULL
    ...classes(BR, [5, 0, 0, 3, 1, 1, 1, 2, 1]),
    ...classes(ODD, [1, 1, 1, 0, 0, 0, 0, 0, 0]),
  ],
  xmpp_tls_forward_secrecy: [
    [EP1, 1],
    [BR, 0],
    [ODD, 1],
  ],
  // DH_anon is an ephemeral DH key exchange too (2048-bit prime in the fixture).
  xmpp_tls_dh_min_prime_length: [
    [EP1, 1024],
    [BR, 2048],
  ],
  xmpp_tls_starttls_required: [
    [EP1, 1],
    [BR, 1],
    [ODD, 1],
  ],
  xmpp_tls_client_certificate_required: [
    [EP1, 0],
    [ODD, 1],
  ],
  xmpp_tls_client_certificate_requested: [
    [EP1, 0],
    [BR, 1],
    [ODD, 0],
  ],
  xmpp_tls_compression_supported: [
    [EP1, 0],
    [BR, 1],
  ],
  xmpp_tls_secure_renegotiation: [
    [EP1, 1],
    [BR, 0],
  ],
  xmpp_tls_sasl_mechanism_offered: [
    x(EP1, { mechanism: 'SCRAM-SHA-1', phase: 'after_tls' }, 1),
    x(EP1, { mechanism: 'SCRAM-SHA-256', phase: 'after_tls' }, 1),
    x(EP1, { mechanism: 'PLAIN', phase: 'after_tls' }, 1),
    x(BR, { mechanism: 'EXTERNAL', phase: 'after_tls' }, 1),
    x(ODD, { mechanism: 'PLAIN', phase: 'before_tls' }, 1),
    x(ODD, { mechanism: 'other', phase: 'before_tls' }, 1),
    x(ODD, { mechanism: 'SCRAM-SHA-256-PLUS', phase: 'after_tls' }, 1),
    x(ODD, { mechanism: 'other', phase: 'after_tls' }, 2),
  ],
  xmpp_tls_certificate_expiry_seconds: [
    [EP1, 92.5 * DAY],
    [BR, -2 * DAY],
    [ODD, 214 * DAY],
  ],
  xmpp_tls_certificate_not_after_timestamp_seconds: [
    [EP1, 1756728000],
    [BR, 1748563200],
    [ODD, 1767225600],
  ],
  xmpp_tls_certificate_not_before_timestamp_seconds: [
    [EP1, 1741003200],
    [BR, 1717027200],
    [ODD, 1735689600],
  ],
  xmpp_tls_certificate_trusted: [
    [EP1, 1],
    [BR, 0],
    [ODD, 1],
  ],
  xmpp_tls_certificate_hostname_valid: [
    [EP1, 1],
    [BR, 0],
    [ODD, 1],
  ],
  xmpp_tls_certificate_trust_error: [x(BR, { reason: 'expired' }, 1), x(BR, { reason: 'self_signed' }, 1)],
  // s2s only: broken.example's certificate is for servers only; example.org (c2s) has none.
  xmpp_tls_certificate_client_auth: [[BR, 0]],
  xmpp_tls_certificate_key_length: [x(EP1, { key_type: 'RSA' }, 2048), x(BR, { key_type: 'EC' }, 256)],
  xmpp_tls_simulation_success: [x(EP1, { profile: 'openssl_3_0', current: 'true' }, 1), x(EP1, { profile: 'openssl_1_0_1', current: 'false' }, 0)],
  xmpp_tls_dane_status: [...['none', 'valid', 'mismatch', 'insecure', 'bogus', 'error'].map((status) => x(EP1, { status }, status === 'valid' ? 1 : 0))],
  xmpp_tls_dane_records: [[EP1, 1]],
  xmpp_tls_certificate_info: [
    x(
      EP1,
      {
        subject: 'CN=example.org',
        issuer: 'CN=Test Intermediate,O=Test CA',
        serial: '0A1B2C',
        fingerprint_sha256: 'AB:CD:EF',
        signature_algorithm: 'sha256WithRSAEncryption',
      },
      1,
    ),
    x(
      BR,
      { subject: 'CN=broken.example', issuer: 'CN=broken.example', serial: '01', fingerprint_sha256: '11:22', signature_algorithm: 'sha1WithRSAEncryption' },
      1,
    ),
    x(
      ODD,
      { subject: `CN=${HOSTILE}`, issuer: 'O=Quote " Backslash \\ Newline \n End', serial: HOSTILE, fingerprint_sha256: HOSTILE, signature_algorithm: HOSTILE },
      1,
    ),
  ],
  xmpp_tls_domain_grade: [
    [T_EX, 6],
    [T_BR, 2],
  ],
  xmpp_tls_scan_success: [
    [T_EX, 1],
    [T_BR, 0],
    [T_NX, 0],
    [T_ODD, 1],
  ],
  xmpp_tls_scan_failure: [x(T_NX, { code: 'dns_failure' }, 1)],
  xmpp_tls_scan_warning: [x(T_EX, { code: 'dns_partial_failure' }, 1)],
  xmpp_tls_scan_duration_seconds: [
    [T_EX, 12.5],
    [T_BR, 0.25],
    [T_NX, 0.5],
    [T_ODD, 12.5],
  ],
  xmpp_tls_last_scan_timestamp_seconds: [
    [T_EX, 1748732400],
    [T_BR, 1748732400],
    [T_NX, 1748732400],
    [T_ODD, 1748732400],
  ],
  xmpp_tls_last_success_timestamp_seconds: [
    [T_EX, 1748732400],
    [T_BR, 1748649600],
    [T_ODD, 1748732400],
  ],
  xmpp_tls_endpoints: [
    [T_EX, 2],
    [T_BR, 1],
    [T_NX, 0],
    [T_ODD, 1],
  ],
  // Only example.org has changes recorded (the others: no database entry, e.g. a /probe result).
  xmpp_tls_last_change_timestamp_seconds: [x(T_EX, { what: 'grade' }, 1748732400), x(T_EX, { what: 'certificate' }, 1747699200)],
  // broken.example: the latest query failed, the last good scan's answer stays; nxdomain.example: never asked.
  xmpp_tls_server_info: [
    x(T_EX, { software: 'Prosody', version: '0.12.4', os: 'Linux' }, 1),
    x(T_BR, { software: 'ejabberd', version: '23.01', os: '' }, 1),
    x(T_ODD, { software: ODD_SOFTWARE, version: '', os: 'Quote " Backslash \\' }, 1),
  ],
  xmpp_tls_scans_total: [
    [{ result: 'success' }, 41],
    [{ result: 'failure' }, 2],
  ],
  xmpp_tls_probes_total: [[{}, 9001]],
  xmpp_tls_scans_in_progress: [[{}, 3]],
  xmpp_tls_exporter_targets: [[{}, 4]],
  xmpp_tls_exporter_schedule_lag_seconds: [[{}, 12.5]],
  xmpp_tls_exporter_scan_slots: [[{}, 16]],
  xmpp_tls_exporter_shard_info: [[{ index: '0', count: '1' }, 1]],
  xmpp_tls_exporter_shards: [[{}, 1]],
  xmpp_tls_exporter_build_info: [[{ version: SCANNER.version, node_version: process.version }, 1]],
  xmpp_tls_exporter_store_errors_total: [[{}, 0]],
  xmpp_tls_exporter_config_last_reload_successful: [[{}, 1]],
  xmpp_tls_exporter_config_last_reload_success_timestamp_seconds: [[{}, 1748736000]],
};

/** The exporter's own families (not derived from the targets). */
const EXPORTER_NAMES: ReadonlySet<string> = new Set([
  'xmpp_tls_scans_total',
  'xmpp_tls_probes_total',
  'xmpp_tls_scans_in_progress',
  'xmpp_tls_exporter_targets',
  'xmpp_tls_exporter_schedule_lag_seconds',
  'xmpp_tls_exporter_scan_slots',
  'xmpp_tls_exporter_shard_info',
  'xmpp_tls_exporter_shards',
  'xmpp_tls_exporter_build_info',
  'xmpp_tls_exporter_store_errors_total',
  'xmpp_tls_exporter_config_last_reload_successful',
  'xmpp_tls_exporter_config_last_reload_success_timestamp_seconds',
]);

const expectedSamples = (name: string): string[] => (EXPECTED[name] ?? []).map(([l, v]) => sampleKey(name, l, v)).sort();

/** One family as it must be exposed: HELP and TYPE (from families.ts), then `lines`. */
function family(name: string, lines: string[]): string {
  const f = ALL_FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}`);
  return [`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...lines].join('\n');
}

/** The labels of example.org's endpoint and targets, as written. */
const EX = 'domain="example.org",mode="c2s",endpoint="xmpp.example.org:5222",transport="starttls",address="192.0.2.1"';
const EXT = 'domain="example.org",mode="c2s"';
const NXT = 'domain="nxdomain.example",mode="s2s"';

/**
 * The whole exposition of example.org (c2s) and nxdomain.example (s2s) at NOW, without the Node.js process
 * metrics, with the start-delay histogram after two observations: families in the order of families.ts, each
 * target's series in the order of the store, an empty line between families.
 */
const SNAPSHOT = `${[
  family('xmpp_tls_endpoint_up', [`xmpp_tls_endpoint_up{${EX}} 1`]),
  family('xmpp_tls_endpoint_failure', []),
  family('xmpp_tls_grade', [`xmpp_tls_grade{${EX}} 6`]),
  family('xmpp_tls_grade_info', [`xmpp_tls_grade_info{${EX},grade="B",grade_ignoring_trust="B",profile="ssllabs-2009r"} 1`]),
  family('xmpp_tls_score', [
    `xmpp_tls_score{${EX},component="total"} 87`,
    `xmpp_tls_score{${EX},component="protocol"} 95`,
    `xmpp_tls_score{${EX},component="key_exchange"} 80`,
    `xmpp_tls_score{${EX},component="cipher"} 90`,
  ]),
  family('xmpp_tls_grade_cap', [
    `xmpp_tls_grade_cap{${EX},code="tls10_or_tls11_supported",kind="cap",limit="B"} 1`,
    `xmpp_tls_grade_cap{${EX},code="dh_below_2048",kind="cap",limit="B"} 1`,
    `xmpp_tls_grade_cap{${EX},code="no_tls13",kind="warning",limit="A-"} 1`,
    `xmpp_tls_grade_cap{${EX},code="some_suites_without_forward_secrecy",kind="warning",limit="A-"} 1`,
  ]),
  family('xmpp_tls_protocol_supported', [
    `xmpp_tls_protocol_supported{${EX},protocol="SSLv2"} 0`,
    `xmpp_tls_protocol_supported{${EX},protocol="SSLv3"} 0`,
    `xmpp_tls_protocol_supported{${EX},protocol="TLSv1.0"} 0`,
    `xmpp_tls_protocol_supported{${EX},protocol="TLSv1.1"} 1`,
    `xmpp_tls_protocol_supported{${EX},protocol="TLSv1.2"} 1`,
    `xmpp_tls_protocol_supported{${EX},protocol="TLSv1.3"} 0`,
  ]),
  family('xmpp_tls_cipher_suites', [
    `xmpp_tls_cipher_suites{${EX},class="all"} 4`,
    `xmpp_tls_cipher_suites{${EX},class="forward_secrecy"} 3`,
    `xmpp_tls_cipher_suites{${EX},class="aead"} 3`,
    `xmpp_tls_cipher_suites{${EX},class="weak"} 0`,
    `xmpp_tls_cipher_suites{${EX},class="export"} 0`,
    `xmpp_tls_cipher_suites{${EX},class="null"} 0`,
    `xmpp_tls_cipher_suites{${EX},class="anonymous"} 0`,
    `xmpp_tls_cipher_suites{${EX},class="rc4"} 0`,
    `xmpp_tls_cipher_suites{${EX},class="3des"} 0`,
  ]),
  family('xmpp_tls_forward_secrecy', [`xmpp_tls_forward_secrecy{${EX}} 1`]),
  family('xmpp_tls_dh_min_prime_length', [`xmpp_tls_dh_min_prime_length{${EX}} 1024`]),
  family('xmpp_tls_starttls_required', [`xmpp_tls_starttls_required{${EX}} 1`]),
  family('xmpp_tls_client_certificate_required', [`xmpp_tls_client_certificate_required{${EX}} 0`]),
  family('xmpp_tls_client_certificate_requested', [`xmpp_tls_client_certificate_requested{${EX}} 0`]),
  family('xmpp_tls_compression_supported', [`xmpp_tls_compression_supported{${EX}} 0`]),
  family('xmpp_tls_secure_renegotiation', [`xmpp_tls_secure_renegotiation{${EX}} 1`]),
  family('xmpp_tls_sasl_mechanism_offered', [
    `xmpp_tls_sasl_mechanism_offered{${EX},mechanism="SCRAM-SHA-1",phase="after_tls"} 1`,
    `xmpp_tls_sasl_mechanism_offered{${EX},mechanism="SCRAM-SHA-256",phase="after_tls"} 1`,
    `xmpp_tls_sasl_mechanism_offered{${EX},mechanism="PLAIN",phase="after_tls"} 1`,
  ]),
  family('xmpp_tls_certificate_expiry_seconds', [`xmpp_tls_certificate_expiry_seconds{${EX}} 7992000`]),
  family('xmpp_tls_certificate_not_after_timestamp_seconds', [`xmpp_tls_certificate_not_after_timestamp_seconds{${EX}} 1756728000`]),
  family('xmpp_tls_certificate_not_before_timestamp_seconds', [`xmpp_tls_certificate_not_before_timestamp_seconds{${EX}} 1741003200`]),
  family('xmpp_tls_certificate_trusted', [`xmpp_tls_certificate_trusted{${EX}} 1`]),
  family('xmpp_tls_certificate_hostname_valid', [`xmpp_tls_certificate_hostname_valid{${EX}} 1`]),
  family('xmpp_tls_certificate_trust_error', []),
  family('xmpp_tls_certificate_client_auth', []),
  family('xmpp_tls_certificate_key_length', [`xmpp_tls_certificate_key_length{${EX},key_type="RSA"} 2048`]),
  family('xmpp_tls_certificate_info', [
    `xmpp_tls_certificate_info{${EX},subject="CN=example.org",issuer="CN=Test Intermediate,O=Test CA",serial="0A1B2C",fingerprint_sha256="AB:CD:EF",signature_algorithm="sha256WithRSAEncryption"} 1`,
  ]),
  family('xmpp_tls_simulation_success', [
    `xmpp_tls_simulation_success{${EX},profile="openssl_3_0",current="true"} 1`,
    `xmpp_tls_simulation_success{${EX},profile="openssl_1_0_1",current="false"} 0`,
  ]),
  family('xmpp_tls_dane_status', [
    ...['none', 'valid', 'mismatch', 'insecure', 'bogus', 'error'].map(
      (status) => `xmpp_tls_dane_status{${EX},status="${status}"} ${status === 'valid' ? 1 : 0}`,
    ),
  ]),
  family('xmpp_tls_dane_records', [`xmpp_tls_dane_records{${EX}} 1`]),
  family('xmpp_tls_domain_grade', [`xmpp_tls_domain_grade{${EXT}} 6`]),
  family('xmpp_tls_scan_success', [`xmpp_tls_scan_success{${EXT}} 1`, `xmpp_tls_scan_success{${NXT}} 0`]),
  family('xmpp_tls_scan_failure', [`xmpp_tls_scan_failure{${NXT},code="dns_failure"} 1`]),
  family('xmpp_tls_scan_warning', [`xmpp_tls_scan_warning{${EXT},code="dns_partial_failure"} 1`]),
  family('xmpp_tls_scan_duration_seconds', [`xmpp_tls_scan_duration_seconds{${EXT}} 12.5`, `xmpp_tls_scan_duration_seconds{${NXT}} 0.5`]),
  family('xmpp_tls_last_scan_timestamp_seconds', [
    `xmpp_tls_last_scan_timestamp_seconds{${EXT}} 1748732400`,
    `xmpp_tls_last_scan_timestamp_seconds{${NXT}} 1748732400`,
  ]),
  family('xmpp_tls_last_success_timestamp_seconds', [`xmpp_tls_last_success_timestamp_seconds{${EXT}} 1748732400`]),
  family('xmpp_tls_endpoints', [`xmpp_tls_endpoints{${EXT}} 2`, `xmpp_tls_endpoints{${NXT}} 0`]),
  family('xmpp_tls_last_change_timestamp_seconds', [
    `xmpp_tls_last_change_timestamp_seconds{${EXT},what="grade"} 1748732400`,
    `xmpp_tls_last_change_timestamp_seconds{${EXT},what="certificate"} 1747699200`,
  ]),
  family('xmpp_tls_server_info', [`xmpp_tls_server_info{${EXT},software="Prosody",version="0.12.4",os="Linux"} 1`]),
  family('xmpp_tls_scans_total', ['xmpp_tls_scans_total{result="success"} 41', 'xmpp_tls_scans_total{result="failure"} 2']),
  family('xmpp_tls_probes_total', ['xmpp_tls_probes_total 9001']),
  family('xmpp_tls_scans_in_progress', ['xmpp_tls_scans_in_progress 3']),
  family('xmpp_tls_exporter_targets', ['xmpp_tls_exporter_targets 4']),
  family('xmpp_tls_exporter_schedule_lag_seconds', ['xmpp_tls_exporter_schedule_lag_seconds 12.5']),
  family('xmpp_tls_exporter_shard_info', ['xmpp_tls_exporter_shard_info{index="0",count="1"} 1']),
  family('xmpp_tls_exporter_shards', ['xmpp_tls_exporter_shards 1']),
  family('xmpp_tls_exporter_scan_slots', ['xmpp_tls_exporter_scan_slots 16']),
  family('xmpp_tls_exporter_build_info', [`xmpp_tls_exporter_build_info{version="${SCANNER.version}",node_version="${process.version}"} 1`]),
  family('xmpp_tls_exporter_store_errors_total', ['xmpp_tls_exporter_store_errors_total 0']),
  family('xmpp_tls_exporter_config_last_reload_successful', ['xmpp_tls_exporter_config_last_reload_successful 1']),
  family('xmpp_tls_exporter_config_last_reload_success_timestamp_seconds', ['xmpp_tls_exporter_config_last_reload_success_timestamp_seconds 1748736000']),
  [
    '# HELP xmpp_tls_scan_start_delay_seconds Time scans waited for a free slot after they were due (their jittered tick, a start-up scan or a /probe request), in seconds.',
    '# TYPE xmpp_tls_scan_start_delay_seconds histogram',
    ...['0.01', '0.1', '0.5', '1', '5', '10', '30', '60', '300', '900', '+Inf'].map(
      (le, i) => `xmpp_tls_scan_start_delay_seconds_bucket{le="${le}"} ${i < 2 ? 0 : i < 7 ? 1 : 2}`,
    ),
    'xmpp_tls_scan_start_delay_seconds_sum 42.25',
    'xmpp_tls_scan_start_delay_seconds_count 2',
  ].join('\n'),
].join('\n\n')}\n`;

describe('createMetricsRegistry', () => {
  let exposition: Exposition;
  beforeAll(async () => {
    exposition = await scrape(registryFor(ALL));
  });

  test.each(Object.keys(EXPECTED))('%s has exactly the expected samples', (name) => {
    expect(familySamples(exposition, name)).toEqual(expectedSamples(name));
  });

  test('the table covers every family but the /probe ones, and there is no other series', () => {
    const exported = ALL_FAMILIES.map((f) => f.name).filter((n) => !n.startsWith('probe_'));
    expect(Object.keys(EXPECTED).sort()).toEqual(exported.sort());
    expect([...new Set(exposition.samples.map((s) => s.name))].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test('types and help texts: counters end in _total, every family has a help text', () => {
    for (const f of ALL_FAMILIES.filter((f) => !f.name.startsWith('probe_'))) {
      const parsed = exposition.families.get(f.name);
      expect(parsed?.type).toBe(f.type);
      expect(parsed?.help.length).toBeGreaterThan(20);
      expect(f.name.endsWith('_total')).toBe(f.type === 'counter');
    }
  });

  test('a skipped endpoint and a domain error produce no endpoint series', () => {
    expect(exposition.samples.filter((s) => s.labels.address === '2001:db8::1')).toEqual([]);
    expect(
      exposition.samples
        .filter((s) => s.labels.domain === 'nxdomain.example')
        .map((s) => s.name)
        .sort(),
    ).toEqual([
      'xmpp_tls_endpoints',
      'xmpp_tls_last_scan_timestamp_seconds',
      'xmpp_tls_scan_duration_seconds',
      'xmpp_tls_scan_failure',
      'xmpp_tls_scan_success',
    ]);
  });

  test('hostile server text is escaped in _info labels and never reaches another label', async () => {
    const text = await registryFor(() => [oddExample()]).metrics();
    // The would-be sample line inside the subject never starts a line of its own.
    expect(text.split('\n').filter((l) => l.startsWith('xmpp_tls_pwned'))).toEqual([]);
    expect(text).toContain(String.raw`subject="CN=EVIL\"} 1\nxmpp_tls_pwned{a=\"b\"} 1\\"`);
    expect(text).toContain(String.raw`issuer="O=Quote \" Backslash \\ Newline \n End"`);
    const parsed = parseExposition(text);
    const info = parsed.samples.find((s) => s.name === 'xmpp_tls_certificate_info');
    expect(info?.labels.subject).toBe(`CN=${HOSTILE}`);
    for (const s of parsed.samples) {
      if (s.name.endsWith('_info')) continue;
      for (const [k, v] of Object.entries(s.labels)) expect(`${s.name} ${k}=${v}`).not.toMatch(/EVIL|pwned|Quote/);
    }
  });

  test('series of removed targets are gone at the next scrape; new ones appear', async () => {
    let entries = ALL();
    const registry = registryFor(() => entries);
    const before = await scrape(registry);
    expect(before.samples.some((s) => s.labels.domain === 'broken.example')).toBe(true);

    entries = entries.filter((e) => e.domain !== 'broken.example');
    const after = await scrape(registry);
    expect(after.samples.filter((s) => s.labels.domain === 'broken.example')).toEqual([]);
    // The others are untouched.
    expect(familySamples(after, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', EP1, 6)]);

    entries = [];
    const empty = await scrape(registry);
    expect(empty.samples.filter((s) => s.name.startsWith('xmpp_tls_') && 'domain' in s.labels)).toEqual([]);
    // Families are still declared, so dashboards see them even without targets.
    expect(empty.families.get('xmpp_tls_certificate_expiry_seconds')?.type).toBe('gauge');
  });

  test('with a ResultStore: a rescan replaces the series at the next scrape, a failed one keeps the facts', async () => {
    const store = new ResultStore();
    const registry = registryFor(() => store.all());
    const good = exampleOrg().latest;
    store.put(good);
    let e = await scrape(registry);
    expect(familySamples(e, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', EP1, 6)]);

    // A better server on the next scan: a new result object, new values.
    const better = structuredClone(good);
    better.startedAt = '2025-06-01T00:00:00.000Z';
    better.endpoints[0]!.grade = { ...better.endpoints[0]!.grade!, letter: 'A+', letterIgnoringTrust: 'A+', caps: [], warnings: [] };
    better.endpoints[0]!.certificate!.notAfter = '2025-12-01T00:00:00.000Z';
    store.put(better);
    e = await scrape(registry);
    expect(familySamples(e, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', EP1, 9)]);
    expect(familySamples(e, 'xmpp_tls_grade_cap')).toEqual([]);
    expect(familySamples(e, 'xmpp_tls_certificate_expiry_seconds')).toEqual([sampleKey('xmpp_tls_certificate_expiry_seconds', EP1, 183 * DAY)]);
    expect(familySamples(e, 'xmpp_tls_last_scan_timestamp_seconds')).toEqual([sampleKey('xmpp_tls_last_scan_timestamp_seconds', T_EX, 1748736000)]);

    // Then a failed scan: health from it, facts from the last good one.
    store.put({ ...better, startedAt: '2025-06-01T01:00:00.000Z', error: { code: 'dns_failure', message: 'SERVFAIL' }, endpoints: [], grade: null });
    e = await scrape(registry);
    expect(familySamples(e, 'xmpp_tls_scan_success')).toEqual([sampleKey('xmpp_tls_scan_success', T_EX, 0)]);
    expect(familySamples(e, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', EP1, 9)]);
    expect(familySamples(e, 'xmpp_tls_endpoint_up')).toEqual([sampleKey('xmpp_tls_endpoint_up', EP1, 0)]);
    expect(familySamples(e, 'xmpp_tls_last_success_timestamp_seconds')).toEqual([sampleKey('xmpp_tls_last_success_timestamp_seconds', T_EX, 1748736000)]);

    store.retain(new Set());
    e = await scrape(registry);
    expect(e.samples.filter((s) => 'domain' in s.labels)).toEqual([]);
  });

  test('certificate expiry is counted from now() at each scrape', async () => {
    let now = NOW;
    const registry = registryFor(
      () => [exampleOrg()],
      undefined,
      () => now,
    );
    expect(familySamples(await scrape(registry), 'xmpp_tls_certificate_expiry_seconds')).toEqual([
      sampleKey('xmpp_tls_certificate_expiry_seconds', EP1, 92.5 * DAY),
    ]);
    now = new Date('2025-09-02T00:00:00.000Z');
    expect(familySamples(await scrape(registry), 'xmpp_tls_certificate_expiry_seconds')).toEqual([
      sampleKey('xmpp_tls_certificate_expiry_seconds', EP1, -0.5 * DAY),
    ]);
    now = new Date('2025-09-01T06:00:00.000Z');
    expect(familySamples(await scrape(registry), 'xmpp_tls_certificate_expiry_seconds')).toEqual([
      sampleKey('xmpp_tls_certificate_expiry_seconds', EP1, 0.25 * DAY),
    ]);
  });

  test('exporter stats are read at each scrape; counters follow them', async () => {
    let stats: ExporterStats = { ...EXPORTER_STATS };
    const registry = registryFor(
      () => [],
      () => stats,
    );
    await scrape(registry);
    stats = { ...stats, scansTotal: { success: 50, failure: 2 }, probesTotal: 9500, configReloadSuccessful: false };
    const e = await scrape(registry);
    expect(familySamples(e, 'xmpp_tls_scans_total')).toEqual([
      sampleKey('xmpp_tls_scans_total', { result: 'failure' }, 2),
      sampleKey('xmpp_tls_scans_total', { result: 'success' }, 50),
    ]);
    expect(familySamples(e, 'xmpp_tls_probes_total')).toEqual([sampleKey('xmpp_tls_probes_total', {}, 9500)]);
    expect(familySamples(e, 'xmpp_tls_exporter_config_last_reload_successful')).toEqual([sampleKey('xmpp_tls_exporter_config_last_reload_successful', {}, 0)]);
  });

  test('the store is read once per scrape', async () => {
    let reads = 0;
    const registry = registryFor(() => {
      reads++;
      return ALL();
    });
    await registry.metrics();
    expect(reads).toBe(1);
    await registry.metrics();
    expect(reads).toBe(2);
  });

  test('exposition() is the same text in blocks of at most 1 MiB, also when lines cross block boundaries', async () => {
    // 400 targets: over 1 MiB of text.
    const domains = Array.from({ length: 400 }, (_, i) => `d${i}.example`);
    const many = () =>
      domains.map((domain) => {
        const e = exampleOrg();
        return { ...e, domain, latest: { ...e.latest, domain }, lastGood: e.lastGood && { ...e.lastGood, domain } };
      });
    const registry = createMetricsRegistry({ entries: many, stats: () => EXPORTER_STATS, now: () => NOW, defaultMetrics: false });
    const blocks = await registry.exposition();
    expect(blocks.length).toBeGreaterThan(1);
    for (const b of blocks) expect(b.length).toBeLessThanOrEqual(1 << 20);
    const text = Buffer.concat(blocks).toString('utf8');
    // What one target gives, with every per-target line once per domain, in the order of the entries.
    const one = await registryFor(() => [exampleOrg()]).metrics();
    const expected = `${one
      .slice(0, -1)
      .split('\n\n')
      .map((family) => {
        const lines = family.split('\n');
        const own = lines.filter((l) => l.includes('domain="example.org"'));
        const perDomain = domains.flatMap((d) => own.map((l) => l.replace('domain="example.org"', `domain="${d}"`)));
        return [...lines.filter((l) => l.startsWith('# ')), ...perDomain, ...lines.filter((l) => !l.startsWith('# ') && !own.includes(l))].join('\n');
      })
      .join('\n\n')}\n`;
    expect(text).toBe(expected);
    expect(await registry.metrics()).toBe(expected);
    // Blocks handed back are reused, and the next exposition is the same text again.
    registry.release(blocks);
    const again = await registry.exposition();
    expect(again.some((b) => blocks.some((old) => old.buffer === b.buffer))).toBe(true);
    expect(Buffer.concat(again).toString('utf8')).toBe(text);
  });

  test('the exposition, byte for byte: families in order, HELP and TYPE, labels in order, then the prom-client metrics', async () => {
    const registry = registryFor(() => [exampleOrg(), nxdomainExample()]);
    const delay = createScanStartDelayHistogram(registry);
    delay.observe(0.25);
    delay.observe(42);
    expect(await registry.metrics()).toBe(SNAPSHOT);
    expect(Buffer.concat(await registry.exposition()).toString('utf8')).toBe(SNAPSHOT);
  });

  test('the exposition of an empty store: every family declared, without a series', async () => {
    const text = await registryFor(() => []).metrics();
    const perTarget = ALL_FAMILIES.filter((f) => !EXPORTER_NAMES.has(f.name) && !f.name.startsWith('probe_'));
    expect(text.startsWith(`${perTarget.map((f) => family(f.name, [])).join('\n\n')}\n\n# HELP xmpp_tls_scans_total `)).toBe(true);
  });

  test('default metrics: process and Node.js series unless turned off, after the exporter families and before the start-delay histogram', async () => {
    const withDefaults = createMetricsRegistry({ entries: () => [], stats: () => EXPORTER_STATS });
    createScanStartDelayHistogram(withDefaults);
    const names = [...(await scrape(withDefaults)).families.keys()];
    expect(names).toContain('process_cpu_seconds_total');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    // Gauges named _total (promtool rejects them) are removed; the same counts stay without the suffix.
    for (const n of ['handles', 'requests', 'resources']) {
      expect(names).not.toContain(`nodejs_active_${n}_total`);
    }
    expect(names).toContain('nodejs_active_handles');
    const last = names.indexOf('xmpp_tls_exporter_config_last_reload_success_timestamp_seconds');
    const process = names.findIndex((n) => !n.startsWith('xmpp_tls_'));
    expect(names.slice(0, last + 1).every((n) => n.startsWith('xmpp_tls_'))).toBe(true);
    expect(process).toBe(last + 1);
    expect(names.at(-1)).toBe('xmpp_tls_scan_start_delay_seconds');
    const without = [...(await scrape(registryFor(() => []))).families.keys()];
    expect(without.filter((n) => !n.startsWith('xmpp_tls_'))).toEqual([]);
  });

  test('an endpoint that failed in the latest scan after a good one keeps its facts with endpoint_up 0', async () => {
    const e = await scrape(registryFor(() => [brokenExample()]));
    expect(familySamples(e, 'xmpp_tls_endpoint_up')).toEqual([sampleKey('xmpp_tls_endpoint_up', BR, 0)]);
    expect(familySamples(e, 'xmpp_tls_scan_success')).toEqual([sampleKey('xmpp_tls_scan_success', T_BR, 0)]);
    expect(familySamples(e, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', BR, 2)]);
  });

  test('every endpoint skipped (e.g. no IPv6 route): the scan failure carries the skip reason', async () => {
    const latest = scan({ domain: 'v6only.example', mode: 'c2s', endpoints: [skippedIpv6Endpoint()] });
    const e = await scrape(registryFor(() => [{ domain: 'v6only.example', mode: 'c2s', latest, lastGood: null }]));
    const T_V6 = { domain: 'v6only.example', mode: 'c2s' };
    expect(familySamples(e, 'xmpp_tls_scan_success')).toEqual([sampleKey('xmpp_tls_scan_success', T_V6, 0)]);
    expect(familySamples(e, 'xmpp_tls_scan_failure')).toEqual([sampleKey('xmpp_tls_scan_failure', { ...T_V6, code: 'no_ipv6_route' }, 1)]);
    expect(familySamples(e, 'xmpp_tls_endpoint_failure')).toEqual([]);
  });

  test('an endpoint gone from the latest scan (DNS failed) is reported down, its last good facts kept', async () => {
    const good = exampleOrg();
    const latest = { ...good.latest, error: { code: 'dns_failure' as const, message: 'SERVFAIL' }, endpoints: [], grade: null };
    const e = await scrape(registryFor(() => [{ ...good, latest }]));
    expect(familySamples(e, 'xmpp_tls_endpoint_up')).toEqual([sampleKey('xmpp_tls_endpoint_up', EP1, 0)]);
    expect(familySamples(e, 'xmpp_tls_domain_grade')).toEqual([sampleKey('xmpp_tls_domain_grade', T_EX, 6)]);
    expect(familySamples(e, 'xmpp_tls_endpoints')).toEqual([sampleKey('xmpp_tls_endpoints', T_EX, 0)]);
  });
});

const T_NET: L = { domain: 'example.net', mode: 'c2s' };

/** Labels of a series at metrics.detail: domain: the target's, the kept endpoint labels, the family's own. */
function atDomainLevel(name: string, labels: L): L {
  const rule = Object.entries(ENDPOINT_FAMILIES).find(([, f]) => f.name === name);
  if (!rule) return labels;
  const keep = DOMAIN_RULES[rule[0] as keyof typeof DOMAIN_RULES]?.keep ?? [];
  return Object.fromEntries(
    Object.entries(labels).filter(
      ([k]) => !(ENDPOINT_LABELS as readonly string[]).includes(k) || k === 'domain' || k === 'mode' || (keep as string[]).includes(k),
    ),
  );
}

/** example.net at metrics.detail: domain: each series the worst of its four endpoints (see multiExample). */
const EXPECTED_NET: Record<string, Expected[]> = {
  xmpp_tls_endpoint_up: [[T_NET, 0]], // the refused one
  xmpp_tls_endpoint_failure: [x(T_NET, { code: 'connection_refused', phase: 'connect' }, 1)],
  xmpp_tls_grade: [[T_NET, 6]], // B, A+
  xmpp_tls_grade_info: [x(T_NET, { grade: 'B', grade_ignoring_trust: 'B', profile: 'ssllabs-2009r' }, 1)],
  xmpp_tls_score: scores(T_NET, [87, 95, 80, 90]),
  xmpp_tls_grade_cap: [
    x(T_NET, { code: 'tls10_or_tls11_supported', kind: 'cap', limit: 'B' }, 1),
    x(T_NET, { code: 'dh_below_2048', kind: 'cap', limit: 'B' }, 1),
    x(T_NET, { code: 'no_tls13', kind: 'warning', limit: 'A-' }, 1),
    x(T_NET, { code: 'some_suites_without_forward_secrecy', kind: 'warning', limit: 'A-' }, 1),
  ],
  xmpp_tls_protocol_supported: protocols(T_NET, ['TLSv1.1', 'TLSv1.2', 'TLSv1.3']),
  // all: 4 (the B server's), forward_secrecy and aead: 2 (the TLS 1.3 server's: every suite, but fewer).
  xmpp_tls_cipher_suites: classes(T_NET, [4, 2, 2, 0, 0, 0, 0, 0, 0]),
  xmpp_tls_forward_secrecy: [[T_NET, 1]],
  xmpp_tls_dh_min_prime_length: [[T_NET, 1024]],
  xmpp_tls_starttls_required: [
    [{ ...T_NET, transport: 'starttls' }, 0], // IPv6 only offers it
    [{ ...T_NET, transport: 'directtls' }, 1],
  ],
  xmpp_tls_client_certificate_required: [[T_NET, 0]],
  xmpp_tls_client_certificate_requested: [[T_NET, 0]],
  xmpp_tls_compression_supported: [[T_NET, 0]],
  xmpp_tls_secure_renegotiation: [[T_NET, 0]],
  xmpp_tls_sasl_mechanism_offered: [
    x(T_NET, { mechanism: 'PLAIN', phase: 'before_tls' }, 1),
    x(T_NET, { mechanism: 'SCRAM-SHA-1', phase: 'after_tls' }, 1),
    x(T_NET, { mechanism: 'SCRAM-SHA-256', phase: 'after_tls' }, 1),
    x(T_NET, { mechanism: 'PLAIN', phase: 'after_tls' }, 1),
    x(T_NET, { mechanism: 'SCRAM-SHA-256-PLUS', phase: 'after_tls' }, 1),
  ],
  xmpp_tls_certificate_expiry_seconds: [[T_NET, 30 * DAY]], // the direct TLS certificate's
  xmpp_tls_certificate_trusted: [[T_NET, 1]],
  xmpp_tls_certificate_hostname_valid: [[T_NET, 1]],
  xmpp_tls_certificate_trust_error: [x(T_NET, { reason: 'incomplete_chain' }, 1)],
  xmpp_tls_certificate_key_length: [x(T_NET, { key_type: 'RSA' }, 2048), x(T_NET, { key_type: 'EC' }, 256)],
  // v4 and v6 valid, direct TLS a mismatch: mismatch is 1 (any endpoint), valid 0 (not every endpoint); the most records counts.
  // From v4 and v6 (the direct TLS endpoint has no simulation): the lowest of the two.
  xmpp_tls_simulation_success: [x(T_NET, { profile: 'openssl_3_0', current: 'true' }, 1), x(T_NET, { profile: 'openssl_1_0_1', current: 'false' }, 0)],
  xmpp_tls_dane_status: [...['none', 'valid', 'mismatch', 'insecure', 'bogus', 'error'].map((status) => x(T_NET, { status }, status === 'mismatch' ? 1 : 0))],
  xmpp_tls_dane_records: [[T_NET, 2]],
  xmpp_tls_certificate_info: [
    x(
      T_NET,
      {
        subject: 'CN=example.org',
        issuer: 'CN=Test Intermediate,O=Test CA',
        serial: '0A1B2C',
        fingerprint_sha256: 'AB:CD:EF',
        signature_algorithm: 'sha256WithRSAEncryption',
      },
      1,
    ),
    x(T_NET, { subject: 'CN=example.net', issuer: 'CN=Other CA', serial: '0D', fingerprint_sha256: 'DE:AD', signature_algorithm: 'ecdsa-with-SHA256' }, 1),
  ],
  xmpp_tls_domain_grade: [[T_NET, 6]],
  xmpp_tls_scan_success: [[T_NET, 1]],
  xmpp_tls_scan_duration_seconds: [[T_NET, 12.5]],
  xmpp_tls_last_scan_timestamp_seconds: [[T_NET, 1748732400]],
  xmpp_tls_last_success_timestamp_seconds: [[T_NET, 1748732400]],
  xmpp_tls_endpoints: [[T_NET, 4]],
};

describe('metrics.detail: domain', () => {
  const domainLevel = () =>
    registryFor(
      () => [...ALL(), multiExample()],
      undefined,
      undefined,
      () => 'domain',
    );
  let exposition: Exposition;
  beforeAll(async () => {
    exposition = await scrape(domainLevel());
  });

  test.each(Object.keys(EXPECTED))('%s: one endpoint a target gives its series without the endpoint labels', (name) => {
    const dropped = ['xmpp_tls_certificate_not_after_timestamp_seconds', 'xmpp_tls_certificate_not_before_timestamp_seconds'];
    const single = dropped.includes(name) ? [] : (EXPECTED[name] ?? []).map(([l, v]) => sampleKey(name, atDomainLevel(name, l), v));
    const net = (EXPECTED_NET[name] ?? []).map(([l, v]) => sampleKey(name, l, v));
    expect(familySamples(exposition, name)).toEqual([...single, ...net].sort());
  });

  test('the families, in order, with their labels and what the domain level makes of them in the help text', () => {
    const declared = [...exposition.families.keys()].filter((n) => !EXPORTER_NAMES.has(n));
    expect(declared).toEqual(DOMAIN_DETAIL_FAMILIES.map((f) => f.name));
    expect(declared).not.toContain('xmpp_tls_certificate_not_after_timestamp_seconds');
    expect(declared).not.toContain('xmpp_tls_certificate_not_before_timestamp_seconds');
    for (const f of DOMAIN_DETAIL_FAMILIES) {
      const full = ALL_FAMILIES.find((a) => a.name === f.name)!;
      expect(exposition.families.get(f.name)?.help).toBe(f.help);
      expect(f.help.startsWith(full.help)).toBe(true);
      if (f.labelNames.includes('endpoint')) throw new Error(`${f.name} keeps the endpoint label`);
    }
    for (const s of exposition.samples) {
      expect(Object.keys(s.labels)).not.toContain('endpoint');
      expect(Object.keys(s.labels)).not.toContain('address');
      if (s.name !== 'xmpp_tls_starttls_required') expect(Object.keys(s.labels)).not.toContain('transport');
    }
    expect(exposition.families.get('xmpp_tls_grade')?.help).toContain('Per target (metrics.detail: domain): its worst endpoint');
  });

  test("the lines as written: target labels first, a kept label next, then the family's own", async () => {
    const text = await registryFor(
      () => [multiExample()],
      undefined,
      undefined,
      () => 'domain',
    ).metrics();
    const own = text.split('\n').filter((l) => l.startsWith('xmpp_tls_starttls_required{') || l.startsWith('xmpp_tls_score{'));
    expect(own).toEqual([
      'xmpp_tls_score{domain="example.net",mode="c2s",component="total"} 87',
      'xmpp_tls_score{domain="example.net",mode="c2s",component="protocol"} 95',
      'xmpp_tls_score{domain="example.net",mode="c2s",component="key_exchange"} 80',
      'xmpp_tls_score{domain="example.net",mode="c2s",component="cipher"} 90',
      'xmpp_tls_starttls_required{domain="example.net",mode="c2s",transport="starttls"} 0',
      'xmpp_tls_starttls_required{domain="example.net",mode="c2s",transport="directtls"} 1',
    ]);
  });

  test('expiry is counted from now() at each scrape, from the soonest certificate', async () => {
    let now = NOW;
    const registry = registryFor(
      () => [multiExample()],
      undefined,
      () => now,
      () => 'domain',
    );
    expect(familySamples(await scrape(registry), 'xmpp_tls_certificate_expiry_seconds')).toEqual([
      sampleKey('xmpp_tls_certificate_expiry_seconds', T_NET, 30 * DAY),
    ]);
    now = new Date('2025-07-02T00:00:00.000Z');
    expect(familySamples(await scrape(registry), 'xmpp_tls_certificate_expiry_seconds')).toEqual([
      sampleKey('xmpp_tls_certificate_expiry_seconds', T_NET, -DAY),
    ]);
  });

  test('the detail is read at each scrape: a change (a reload) renders every target again at the new detail', async () => {
    let detail: MetricsDetail = 'endpoint';
    const registry = registryFor(
      () => [multiExample()],
      undefined,
      undefined,
      () => detail,
    );
    const count = async () => (await scrape(registry)).samples.filter((s) => s.labels.domain === 'example.net').length;
    const endpointLevel = await count();
    detail = 'domain';
    const domainLevel = await count();
    detail = 'endpoint';
    expect(await count()).toBe(endpointLevel);
    // Three endpoints with facts (the fourth was refused), each with nearly all the series the target has at domain level.
    expect(endpointLevel).toBeGreaterThan(2 * domainLevel);
    expect(domainLevel).toBe(Object.values(EXPECTED_NET).flat().length);
  });

  test('/probe keeps every endpoint', async () => {
    const e = parseExposition(await createProbeRegistry([multiExample()], { now: () => NOW }).metrics());
    expect(new Set(e.samples.filter((s) => s.name === 'xmpp_tls_grade').map((s) => s.labels.address))).toEqual(new Set(['192.0.2.21', '2001:db8::21']));
  });

  test('the target-lines cache renders at its own detail', () => {
    const lines = createTargetLinesCache('domain').get(multiExample());
    expect(lines.families.get('xmpp_tls_grade')?.text).toBe('xmpp_tls_grade{domain="example.net",mode="c2s"} 6\n');
    expect(lines.families.has('xmpp_tls_certificate_not_after_timestamp_seconds')).toBe(false);
    expect(lines.expiry).toEqual([{ labels: 'domain="example.net",mode="c2s"', notAfterSeconds: 1751328000 }]);
  });
});

describe('metricsDetail: auto is endpoint up to 1000 targets, domain above; a setting wins', () => {
  test.each([
    ['auto', 0, 'endpoint'],
    ['auto', 1000, 'endpoint'],
    ['auto', 1001, 'domain'],
    ['endpoint', 20_000, 'endpoint'],
    ['domain', 1, 'domain'],
  ] as const)('%s with %i targets: %s', (setting, targets, detail) => {
    expect(metricsDetail(setting, targets)).toBe(detail);
  });
});

describe('createProbeRegistry', () => {
  test('only the target series plus probe_success and probe_duration_seconds', async () => {
    const e = parseExposition(await createProbeRegistry([exampleOrg()], { now: () => NOW, success: true, durationSeconds: 1.5 }).metrics());
    expect(familySamples(e, 'probe_success')).toEqual(['probe_success{} 1']);
    expect(familySamples(e, 'probe_duration_seconds')).toEqual(['probe_duration_seconds{} 1.5']);
    expect(familySamples(e, 'xmpp_tls_grade')).toEqual([sampleKey('xmpp_tls_grade', EP1, 6)]);
    expect(familySamples(e, 'xmpp_tls_certificate_expiry_seconds')).toEqual([sampleKey('xmpp_tls_certificate_expiry_seconds', EP1, 92.5 * DAY)]);
    const names = new Set(e.samples.map((s) => s.name));
    for (const n of names) expect(n).toMatch(/^(xmpp_tls_|probe_)/);
    for (const n of ['xmpp_tls_scans_total', 'xmpp_tls_exporter_build_info', 'process_cpu_seconds_total']) expect(names.has(n)).toBe(false);
  });

  test('defaults: success when every latest scan succeeded, duration the longest latest scan', async () => {
    const ok = parseExposition(await createProbeRegistry([exampleOrg()]).metrics());
    expect(familySamples(ok, 'probe_success')).toEqual(['probe_success{} 1']);
    expect(familySamples(ok, 'probe_duration_seconds')).toEqual(['probe_duration_seconds{} 12.5']);
    const failed = parseExposition(await createProbeRegistry([exampleOrg(), nxdomainExample()]).metrics());
    expect(familySamples(failed, 'probe_success')).toEqual(['probe_success{} 0']);
    const none = parseExposition(await createProbeRegistry([]).metrics());
    expect(familySamples(none, 'probe_success')).toEqual(['probe_success{} 0']);
    expect(familySamples(none, 'probe_duration_seconds')).toEqual(['probe_duration_seconds{} 0']);
  });
});

describe('the per-target cache', () => {
  test("a target's lines are rendered once per stored result, again when a result or the target changes", () => {
    const cache = createTargetLinesCache();
    const entry = exampleOrg();
    const lines = cache.get(entry);
    expect(cache.get({ ...entry })).toBe(lines);
    expect(cache.get({ ...entry, latest: { ...entry.latest } })).not.toBe(lines);
    const rescanned = { ...entry, latest: { ...entry.latest } };
    const again = cache.get(rescanned);
    expect(cache.get(rescanned)).toBe(again);
    expect(cache.get({ ...rescanned, lastGood: null })).not.toBe(again);
    expect(cache.get({ ...rescanned, mode: 's2s' })).not.toBe(again);
    // Change times written later (a database write retried after the disk refused it): rendered again.
    const changed = { ...rescanned, lastChanges: { ...rescanned.lastChanges, protocols: '2025-05-31T23:00:00.000Z' } };
    expect(cache.get(changed)).not.toBe(again);
    expect(cache.get(changed).families.get('xmpp_tls_last_change_timestamp_seconds')?.text).toContain(`${EXT},what="protocols"} 1748732400`);
  });

  test('the lines of each family, and what expiry is computed from (never the expiry itself)', () => {
    const { families, expiry } = createTargetLinesCache().get(exampleOrg());
    const grade = `xmpp_tls_grade{${EX}} 6\n`;
    expect(families.get('xmpp_tls_grade')).toEqual({ text: grade, bytes: grade.length, ascii: true });
    expect(families.has('xmpp_tls_certificate_expiry_seconds')).toBe(false);
    expect(families.has('xmpp_tls_certificate_trust_error')).toBe(false);
    expect(expiry).toEqual([{ labels: EX, notAfterSeconds: 1756728000 }]);
    const odd = createTargetLinesCache().get(oddExample()).families.get('xmpp_tls_certificate_info');
    expect(odd?.ascii).toBe(true);
    expect(odd?.bytes).toBe(Buffer.byteLength(odd!.text));
  });
});

describe('labels', () => {
  test('endpoint label: host:port, an IPv6 literal in brackets', () => {
    expect(endpointLabel('xmpp.example.org', 5222)).toBe('xmpp.example.org:5222');
    expect(endpointLabel('2001:db8::5', 5270)).toBe('[2001:db8::5]:5270');
    expect(endpointLabel('192.0.2.1', 5223)).toBe('192.0.2.1:5223');
  });
});

describe('docs/metrics.md', () => {
  const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  test.each(ALL_FAMILIES.map((f) => [f.name, f] as const))('documents %s with its type and labels', (name, f) => {
    const section = doc.split(/\n(?=### )/).find((s) => s.startsWith(`### \`${name}\``));
    expect(section).toBeDefined();
    expect(section).toContain(`Type: ${f.type}`);
    for (const label of f.labelNames) expect(section).toContain(`\`${label}\``);
  });
});
