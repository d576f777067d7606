// The metric families the exporter exposes: names, types, label names and help texts. docs/metrics.md describes
// each one with examples; keep both in step (a unit test checks that every family here is documented there).
//
// Label rule: label values are either configuration (domain, mode), DNS/discovery data (endpoint, address), or one
// of a closed set of values the code defines (protocols, cipher classes, cap codes, trust error reasons, SASL
// mechanism names from a fixed list, …). Text the server controls (certificate subject, issuer, serial, …) appears
// only in the `_info` families, whose value is always 1 (xmpp_tls_server_info: the software name, version and os the
// domain itself reports, sanitised and capped when recorded).

import { SUITE_CLASSES, WEAK_SUITES } from '../result/suite-classes.js';
import { TRUST_ERRORS } from '../result/trust-errors.js';
import type { DaneStatus } from '../result/types.js';
import { CHANGE_KINDS } from '../store/index.js';

export type FamilyType = 'gauge' | 'counter';

export interface Family {
  readonly name: string;
  readonly type: FamilyType;
  readonly labelNames: readonly string[];
  readonly help: string;
}

/** The values of xmpp_tls_dane_status's `status` label (a closed list: DaneStatus). */
export const DANE_STATUSES: readonly DaneStatus[] = ['none', 'valid', 'mismatch', 'insecure', 'bogus', 'error'];

/** Labels of every per-target series. */
export const TARGET_LABELS = ['domain', 'mode'] as const;
/** Labels of every per-endpoint series: `endpoint` is host:port (an IPv6 host in brackets), `transport` starttls|directtls. */
export const ENDPOINT_LABELS = ['domain', 'mode', 'endpoint', 'transport', 'address'] as const;

const E = ENDPOINT_LABELS;
const T = TARGET_LABELS;

function family(name: string, type: FamilyType, labelNames: readonly string[], help: string): Family {
  return { name, type, labelNames, help };
}

/** Grade letter ranks as exported by xmpp_tls_grade and xmpp_tls_domain_grade (grading/letters.ts letterRank). */
const RANKS = 'A+ 9, A 8, A- 7, B 6, C 5, D 4, E 3, F 2, M 1, T 0';

/** Per-endpoint families: the facts of the last successful scan (plus xmpp_tls_endpoint_up from the latest scan). */
export const ENDPOINT_FAMILIES = {
  endpointUp: family(
    'xmpp_tls_endpoint_up',
    'gauge',
    E,
    '1 when the endpoint was scanned without error in the latest scan, 0 when that scan failed on it or no longer found it (skipped endpoints are not exported).',
  ),
  endpointFailure: family(
    'xmpp_tls_endpoint_failure',
    'gauge',
    [...E, 'code', 'phase'],
    '1 with the error code (connection_refused, starttls_not_offered, tls_handshake_failed, timeout, …) and the phase it happened in ("" when none) when the latest scan failed on the endpoint; absent when it did not.',
  ),
  grade: family('xmpp_tls_grade', 'gauge', E, `Grade of the endpoint as a rank, higher is better: ${RANKS}. Absent when the endpoint could not be graded.`),
  gradeInfo: family(
    'xmpp_tls_grade_info',
    'gauge',
    [...E, 'grade', 'grade_ignoring_trust', 'profile'],
    'Grade letters of the endpoint (grade, and the grade if certificate trust were ignored) and the grading profile; always 1.',
  ),
  score: family(
    'xmpp_tls_score',
    'gauge',
    [...E, 'component'],
    'Numeric grading score from 0 to 100: component="total" (0.3 protocol + 0.3 key_exchange + 0.4 cipher), "protocol", "key_exchange", "cipher".',
  ),
  gradeCap: family(
    'xmpp_tls_grade_cap',
    'gauge',
    [...E, 'code', 'kind', 'limit'],
    '1 for each reason limiting the grade: kind="cap" caps the grade at the letter in limit; kind="warning" keeps an A from A+ (limit="A-"; "A" with profiles without A+/A-).',
  ),
  protocolSupported: family(
    'xmpp_tls_protocol_supported',
    'gauge',
    [...E, 'protocol'],
    '1 when the endpoint accepts the protocol version (SSLv2, SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3), 0 when it does not or it could not be determined.',
  ),
  cipherSuites: family(
    'xmpp_tls_cipher_suites',
    'gauge',
    [...E, 'class'],
    `Number of accepted (protocol, cipher suite) pairs in the class: ${SUITE_CLASSES.map((c) => (c === 'weak' ? `weak (${WEAK_SUITES})` : c)).join(', ')}.`,
  ),
  forwardSecrecy: family(
    'xmpp_tls_forward_secrecy',
    'gauge',
    E,
    '1 when at least one accepted cipher suite has forward secrecy (ECDHE, DHE or TLS 1.3), else 0.',
  ),
  dhMinPrimeLength: family(
    'xmpp_tls_dh_min_prime_length',
    'gauge',
    E,
    'Size in bits of the smallest finite-field Diffie-Hellman prime the endpoint used (DHE); absent when it never used DHE.',
  ),
  starttlsRequired: family(
    'xmpp_tls_starttls_required',
    'gauge',
    E,
    '1 when encryption is mandatory (STARTTLS advertised as required, or direct TLS), 0 when STARTTLS is only offered or not offered.',
  ),
  clientCertificateRequired: family(
    'xmpp_tls_client_certificate_required',
    'gauge',
    E,
    '1 when the server refused to go on without a client certificate, 0 when it went on without one; absent when not determined.',
  ),
  clientCertificateRequested: family(
    'xmpp_tls_client_certificate_requested',
    'gauge',
    E,
    '1 when the server sent a TLS CertificateRequest (TLS 1.2 and older), else 0; absent when not determined.',
  ),
  compressionSupported: family(
    'xmpp_tls_compression_supported',
    'gauge',
    E,
    '1 when the endpoint accepts TLS-level compression (DEFLATE, CRIME), else 0; absent when not tested (no TLS 1.2 or older).',
  ),
  secureRenegotiation: family(
    'xmpp_tls_secure_renegotiation',
    'gauge',
    E,
    '1 when the endpoint supports RFC 5746 secure renegotiation, else 0; absent when not tested (no TLS 1.2 or older).',
  ),
  saslMechanismOffered: family(
    'xmpp_tls_sasl_mechanism_offered',
    'gauge',
    [...E, 'mechanism', 'phase'],
    'SASL mechanisms offered before or after TLS: 1 for each known mechanism offered; mechanism="other" counts the offered mechanisms not in the known list.',
  ),
  certificateExpirySeconds: family(
    'xmpp_tls_certificate_expiry_seconds',
    'gauge',
    E,
    'Seconds until the leaf certificate expires (notAfter minus the scrape time); negative when it has expired.',
  ),
  certificateNotAfter: family(
    'xmpp_tls_certificate_not_after_timestamp_seconds',
    'gauge',
    E,
    'End of the leaf certificate validity (notAfter) as a Unix timestamp in seconds.',
  ),
  certificateNotBefore: family(
    'xmpp_tls_certificate_not_before_timestamp_seconds',
    'gauge',
    E,
    'Start of the leaf certificate validity (notBefore) as a Unix timestamp in seconds.',
  ),
  certificateTrusted: family('xmpp_tls_certificate_trusted', 'gauge', E, '1 when the certificate chain validates to a trusted root, else 0.'),
  certificateHostnameValid: family(
    'xmpp_tls_certificate_hostname_valid',
    'gauge',
    E,
    '1 when the certificate names the XMPP domain (DNS, SRV-ID, XmppAddr or CN), else 0.',
  ),
  certificateTrustError: family(
    'xmpp_tls_certificate_trust_error',
    'gauge',
    [...E, 'reason'],
    `1 for each reason the certificate is not (fully) trusted (${TRUST_ERRORS.join(', ')}); reasons not present are not exported.`,
  ),
  certificateClientAuth: family(
    'xmpp_tls_certificate_client_auth',
    'gauge',
    E,
    's2s only: 1 when the certificate may also authenticate the server as a TLS client to its peers (extendedKeyUsage with clientAuth, or none), else 0.',
  ),
  certificateKeyLength: family(
    'xmpp_tls_certificate_key_length',
    'gauge',
    [...E, 'key_type'],
    'Size in bits of the leaf certificate public key (RSA/DSA modulus, EC field size, 256 for Ed25519, 456 for Ed448).',
  ),
  certificateInfo: family(
    'xmpp_tls_certificate_info',
    'gauge',
    [...E, 'subject', 'issuer', 'serial', 'fingerprint_sha256', 'signature_algorithm'],
    'Leaf certificate identity as sent by the server; always 1.',
  ),
  simulationSuccess: family(
    'xmpp_tls_simulation_success',
    'gauge',
    [...E, 'profile', 'current'],
    'Handshake simulation: 1 when the client profile (the TLS library of real XMPP clients or servers, with its defaults; docs/simulation.md) would connect to the endpoint, else 0. current="true" for current mainstream profiles. Profiles of the scan\'s mode only; absent when not simulated.',
  ),
  daneStatus: family(
    'xmpp_tls_dane_status',
    'gauge',
    [...E, 'status'],
    `DANE verdict of the endpoint, one series per status (${DANE_STATUSES.join(', ')}): 1 for the current one, 0 for the others. mismatch: TLSA published and DNSSEC-secure, but no record matches the served chain. Absent when DANE is not checked.`,
  ),
  daneRecords: family(
    'xmpp_tls_dane_records',
    'gauge',
    E,
    'TLSA records published for the endpoint (_PORT._tcp.HOST), usable or not, secure or not; 0 when none. Absent when DANE is not checked.',
  ),
} as const;

/** Per-target (domain, mode) families. */
export const TARGET_FAMILIES = {
  domainGrade: family(
    'xmpp_tls_domain_grade',
    'gauge',
    T,
    `Grade of the domain (its worst endpoint) in the last successful scan as a rank, higher is better: ${RANKS}. Absent when no endpoint was graded.`,
  ),
  scanSuccess: family(
    'xmpp_tls_scan_success',
    'gauge',
    T,
    '1 when the latest scan succeeded (the domain resolved and at least one endpoint was scanned without error), else 0.',
  ),
  scanFailure: family(
    'xmpp_tls_scan_failure',
    'gauge',
    [...T, 'code'],
    '1 with the error code (invalid_domain, dns_failure, dns_no_address, service_not_offered, no_ipv6_route, …) when the latest scan failed before reaching any endpoint (a domain-level error, or every endpoint skipped); absent otherwise (endpoint failures: xmpp_tls_endpoint_failure).',
  ),
  scanWarning: family(
    'xmpp_tls_scan_warning',
    'gauge',
    [...T, 'code'],
    '1 for each domain-level problem the latest scan got past, by code (dns_partial_failure: one SRV lookup failed while another gave records, which were scanned); absent otherwise.',
  ),
  scanDuration: family('xmpp_tls_scan_duration_seconds', 'gauge', T, 'Duration of the latest scan in seconds.'),
  lastScan: family('xmpp_tls_last_scan_timestamp_seconds', 'gauge', T, 'Start of the latest scan, successful or not, as a Unix timestamp in seconds.'),
  lastSuccess: family(
    'xmpp_tls_last_success_timestamp_seconds',
    'gauge',
    T,
    'Start of the last successful scan as a Unix timestamp in seconds; absent when no scan succeeded yet.',
  ),
  endpoints: family('xmpp_tls_endpoints', 'gauge', T, 'Number of endpoints (host, port, address, transport) found by the latest scan, skipped ones included.'),
  lastChange: family(
    'xmpp_tls_last_change_timestamp_seconds',
    'gauge',
    [...T, 'what'],
    `When the target's facts of this kind last changed (start of the first scan that saw the new state), as a Unix timestamp in seconds: what is ${CHANGE_KINDS.join(', ')}. Absent until a kind has changed once.`,
  ),
  serverInfo: family(
    'xmpp_tls_server_info',
    'gauge',
    [...T, 'software', 'version', 'os'],
    'Server software as the domain answered the XEP-0092 version query (name, version, os; "" when not given), from the newest answered query of the target; always 1. Absent without a configured account or an answer.',
  ),
} as const;

/** Families about the exporter itself. */
export const EXPORTER_FAMILIES = {
  scansTotal: family('xmpp_tls_scans_total', 'counter', ['result'], 'Scans run since the exporter started, by result (success, failure).'),
  probesTotal: family('xmpp_tls_probes_total', 'counter', [], 'TLS probe connections made since the exporter started.'),
  scansInProgress: family('xmpp_tls_scans_in_progress', 'gauge', [], 'Number of scans running now.'),
  targets: family('xmpp_tls_exporter_targets', 'gauge', [], 'Targets (domain × mode) the exporter scans.'),
  scheduleLag: family(
    'xmpp_tls_exporter_schedule_lag_seconds',
    'gauge',
    [],
    'How long the scan that has waited longest for a free slot has been waiting since it was due, in seconds; 0 when none waits. A lag that keeps growing: the exporter cannot keep up with its targets and schedule.',
  ),
  shardInfo: family(
    'xmpp_tls_exporter_shard_info',
    'gauge',
    ['index', 'count'],
    'This replica\'s shard: it scans and exports the targets whose domain it owns among `count` replicas (rendezvous hashing); always 1. index="0",count="1" without sharding.',
  ),
  shards: family(
    'xmpp_tls_exporter_shards',
    'gauge',
    [],
    'The number of shards (replicas) the targets are divided among, as this replica is configured; 1 without sharding. Fewer distinct xmpp_tls_exporter_shard_info indices than this in a job: a shard is missing.',
  ),
  scanSlots: family(
    'xmpp_tls_exporter_scan_slots',
    'gauge',
    [],
    'Scans that may run at once: concurrency.domains, or what `auto` sized it to from the targets, the jitter window and the measured scan time.',
  ),
  buildInfo: family('xmpp_tls_exporter_build_info', 'gauge', ['version', 'node_version'], 'Version of the exporter and of Node.js it runs on; always 1.'),
  storeErrorsTotal: family(
    'xmpp_tls_exporter_store_errors_total',
    'counter',
    [],
    'Writes the results database refused since the exporter started (disk full, read-only, …); the results are kept in memory and written again.',
  ),
  configReloadSuccessful: family('xmpp_tls_exporter_config_last_reload_successful', 'gauge', [], '1 when the last configuration (re)load succeeded, else 0.'),
  configReloadTimestamp: family(
    'xmpp_tls_exporter_config_last_reload_success_timestamp_seconds',
    'gauge',
    [],
    'Time of the last successful configuration (re)load as a Unix timestamp in seconds.',
  ),
} as const;

/** Families of a blackbox-style /probe answer, as blackbox_exporter names them. */
export const PROBE_FAMILIES = {
  probeSuccess: family('probe_success', 'gauge', [], '1 when the probe succeeded (every scan of the target succeeded), else 0.'),
  probeDuration: family('probe_duration_seconds', 'gauge', [], 'How long the probe took to complete in seconds.'),
} as const;

export type EndpointFamily = keyof typeof ENDPOINT_FAMILIES;

/** What /metrics exposes (`metrics.detail`): every endpoint, or one set of series per target. */
export type MetricsDetail = 'endpoint' | 'domain';

/** How the endpoints' values of one series combine into the target's at `metrics.detail: domain`. */
export type Combine = 'min' | 'max';

/**
 * An endpoint family at `metrics.detail: domain`: one series per target (domain, mode) and per value of the family's
 * own labels (protocol, class, code, …), holding the worst of the target's endpoints' values. `help` says how, in the
 * HELP text after the family's own.
 */
export interface DomainRule {
  /** `min` where lower is worse (grades, flags of a good thing, sizes, expiry), `max` where higher is (or any endpoint: one series per finding). */
  readonly combine: Combine | ((labels: Readonly<Record<string, string>>) => Combine);
  /** Endpoint labels the family keeps (one series per value). */
  readonly keep?: readonly 'transport'[];
  readonly help: string;
}

const LOWEST = 'Per target (metrics.detail: domain): the lowest of its endpoints.';
const ANY = 'Per target (metrics.detail: domain): 1 when any of its endpoints has it.';
const EACH = 'Per target (metrics.detail: domain): one series for each one any of its endpoints has.';

/** Suite classes of a good thing: at domain level the endpoint with the fewest counts. */
const GOOD_CLASSES: ReadonlySet<string> = new Set(['forward_secrecy', 'aead']);

/**
 * Each per-endpoint family at `metrics.detail: domain`, or null where it is left out there (nothing in the bundled
 * alert rules and fleet dashboard needs it). The rule makes the series what `min by (domain, mode, …)` or
 * `max by (domain, mode, …)` of the endpoint series is, so fleet queries written that way give the same answer at
 * both levels. docs/metrics.md#cardinality lists them.
 */
export const DOMAIN_RULES: Readonly<Record<EndpointFamily, DomainRule | null>> = {
  endpointUp: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when any of its endpoints is down.' },
  endpointFailure: { combine: 'max', help: EACH },
  grade: { combine: 'min', help: 'Per target (metrics.detail: domain): its worst endpoint (as xmpp_tls_domain_grade).' },
  // Not the min or max of a value: the worst letter of each label (worstGradeInfo in samples.ts).
  gradeInfo: { combine: 'min', help: 'Per target (metrics.detail: domain): the worst letters of its endpoints.' },
  score: { combine: 'min', help: LOWEST },
  gradeCap: { combine: 'max', help: EACH },
  protocolSupported: { combine: 'max', help: 'Per target (metrics.detail: domain): 1 when any of its endpoints accepts it.' },
  cipherSuites: {
    combine: (labels) => (GOOD_CLASSES.has(labels.class ?? '') ? 'min' : 'max'),
    help: 'Per target (metrics.detail: domain): the highest count of its endpoints, the lowest for forward_secrecy and aead.',
  },
  forwardSecrecy: { combine: 'min', help: 'Per target (metrics.detail: domain): 1 when every endpoint has such a suite.' },
  dhMinPrimeLength: { combine: 'min', help: LOWEST },
  starttlsRequired: {
    combine: 'min',
    keep: ['transport'],
    help: 'Per target and transport (metrics.detail: domain): 0 when any of its endpoints does not require it.',
  },
  clientCertificateRequired: { combine: 'max', help: ANY },
  clientCertificateRequested: { combine: 'max', help: ANY },
  compressionSupported: { combine: 'max', help: ANY },
  secureRenegotiation: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when any of its endpoints lacks it.' },
  saslMechanismOffered: { combine: 'max', help: EACH },
  certificateExpirySeconds: { combine: 'min', help: 'Per target (metrics.detail: domain): the soonest of its endpoints.' },
  certificateNotAfter: null,
  certificateNotBefore: null,
  certificateTrusted: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when any of its endpoints has an untrusted certificate.' },
  certificateHostnameValid: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when any of its endpoints has a certificate for another name.' },
  certificateTrustError: { combine: 'max', help: EACH },
  certificateClientAuth: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when any of its endpoints has a server-only certificate.' },
  certificateKeyLength: { combine: 'min', help: 'Per target (metrics.detail: domain): the smallest of its endpoints, per key type.' },
  certificateInfo: { combine: 'max', help: 'Per target (metrics.detail: domain): one series for each certificate its endpoints serve.' },
  // valid only when every endpoint is (so the trust alerts, which DANE silences, still fire for an endpoint without it).
  simulationSuccess: { combine: 'min', help: 'Per target (metrics.detail: domain): 0 when the profile cannot connect to any of its endpoints.' },
  daneStatus: {
    combine: (labels) => (labels.status === 'valid' ? 'min' : 'max'),
    help: 'Per target (metrics.detail: domain): 1 for each status any of its endpoints has, but valid only when every endpoint is valid.',
  },
  daneRecords: { combine: 'max', help: 'Per target (metrics.detail: domain): the most of its endpoints.' },
};

/** The families derived from the stored targets at `metrics.detail: domain`, in the order they are exposed. */
export const DOMAIN_DETAIL_FAMILIES: readonly Family[] = [
  ...(Object.entries(ENDPOINT_FAMILIES) as [EndpointFamily, Family][]).flatMap(([key, f]) => {
    const rule = DOMAIN_RULES[key];
    if (!rule) return [];
    const own = f.labelNames.filter((l) => !(ENDPOINT_LABELS as readonly string[]).includes(l));
    return [family(f.name, f.type, [...TARGET_LABELS, ...(rule.keep ?? []), ...own], `${f.help} ${rule.help}`)];
  }),
  ...Object.values(TARGET_FAMILIES),
];

export type TargetFamily = keyof typeof TARGET_FAMILIES;
export type ExporterFamily = keyof typeof EXPORTER_FAMILIES;

/** The families derived from the stored targets, in the order they are exposed. */
export const PER_TARGET_FAMILIES: readonly Family[] = [...Object.values(ENDPOINT_FAMILIES), ...Object.values(TARGET_FAMILIES)];

/** Every family the exporter can expose, for documentation checks. */
export const ALL_FAMILIES: readonly Family[] = [
  ...Object.values(ENDPOINT_FAMILIES),
  ...Object.values(TARGET_FAMILIES),
  ...Object.values(EXPORTER_FAMILIES),
  ...Object.values(PROBE_FAMILIES),
];
