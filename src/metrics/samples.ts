// From stored scan results to samples: pure functions, run once per stored result for a target's series (the
// per-target cache, target-lines.ts, keeps their lines) and at every scrape for the exporter's own.
//
// Facts (grade, TLS, certificate, XMPP features) come from the last successful scan, so a failed rescan does not
// make them vanish just when something broke; scan health (success, duration, time, endpoint_up) comes from the
// latest scan.
import { PROTOCOLS } from '../result/protocols.js';
import { type GradeLetter, letterRank, PROFILES } from '../grading/index.js';
import { SUITE_CLASSES, suiteClassesOf } from '../result/suite-classes.js';
import { isCurrentProfile } from '../tls/registry/profile-lookup.js';
import type { EndpointResult, ProtocolName, ScanResult } from '../result/types.js';
import { answeredSoftware, CHANGE_KINDS, scanSucceeded, type StoredEntry } from '../store/index.js';
import {
  type Combine,
  DANE_STATUSES,
  DOMAIN_DETAIL_FAMILIES,
  DOMAIN_RULES,
  ENDPOINT_FAMILIES,
  type EndpointFamily,
  EXPORTER_FAMILIES,
  type Family,
  TARGET_FAMILIES,
} from './families.js';

export type Labels = Record<string, string>;

/**
 * Labels shared by many samples (an endpoint's or a target's): one object per endpoint, so the renderer escapes
 * and joins them once (`text`, memoized) for the ~45 series of the endpoint.
 */
export interface LabelSet {
  readonly labels: Labels;
  text?: string;
}

/** One series: the shared labels, then its own (`extra`), and its value. */
export interface Sample {
  base: LabelSet | null;
  extra: Labels | null;
  value: number;
}

/** Samples by family name. */
type Samples = Map<string, Sample[]>;

/** What the daemon tells the metrics about itself. */
export interface ExporterStats {
  scansTotal: Record<'success' | 'failure', number>;
  probesTotal: number;
  scansInProgress: number;
  configReloadSuccessful: boolean;
  configReloadTimestampSeconds: number;
  storeErrorsTotal: number;
  /** Targets (domain × mode) scheduled. */
  targets: number;
  /** Scheduler.lagSeconds() at the scrape. */
  scheduleLagSeconds: number;
  /** Scans that may run at once (Scheduler.maxConcurrent). */
  scanSlots: number;
  /** This replica's share of the targets (docs/configuration.md#shard). */
  shard: { index: number; count: number };
}

export const PROTOCOL_LABELS: readonly ProtocolName[] = PROTOCOLS;

/** SASL mechanisms exported by name; any other name the server sends is counted as mechanism="other". */
export const KNOWN_SASL_MECHANISMS: ReadonlySet<string> = new Set([
  'PLAIN',
  'SCRAM-SHA-1',
  'SCRAM-SHA-1-PLUS',
  'SCRAM-SHA-256',
  'SCRAM-SHA-256-PLUS',
  'SCRAM-SHA-512',
  'SCRAM-SHA-512-PLUS',
  'EXTERNAL',
  'DIGEST-MD5',
  'CRAM-MD5',
  'ANONYMOUS',
  'X-OAUTH2',
  'OAUTHBEARER',
  'GSSAPI',
  'LOGIN',
]);

/** xmpp_tls_certificate_expiry_seconds from xmpp_tls_certificate_not_after_timestamp_seconds and the scrape time. */
export function expirySeconds(notAfterSeconds: number, nowMs: number): number {
  return notAfterSeconds - nowMs / 1000;
}

function seconds(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms / 1000;
}

const bit = (b: boolean): number => (b ? 1 : 0);

/** `host:port`, with an IPv6 literal host in brackets. */
export function endpointLabel(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function transport(ep: EndpointResult): string {
  return ep.directTls ? 'directtls' : 'starttls';
}

/** Identity of an endpoint across scans: the labels that tell it apart. */
function endpointKey(ep: EndpointResult): string {
  return `${transport(ep)} ${endpointLabel(ep.host, ep.port)} ${ep.address}`;
}

/**
 * Collects samples family by family, in order. Callers never add the same labels twice to a family (targets and
 * endpoints are deduplicated before), as the text format forbids duplicate series.
 */
export class SampleSink {
  readonly samples: Samples = new Map();

  add(f: Family, base: LabelSet | null, extra: Labels | null, value: number): void {
    let list = this.samples.get(f.name);
    if (!list) {
      list = [];
      this.samples.set(f.name, list);
    }
    list.push({ base, extra, value });
  }
}

/** The mechanism label of a SASL mechanism name: the known name, or "other". */
export function saslMechanismLabel(name: string): string {
  const upper = name.toUpperCase();
  return KNOWN_SASL_MECHANISMS.has(upper) ? upper : 'other';
}

function addSasl(sink: SampleSink, base: LabelSet, phase: string, mechanisms: readonly string[]): void {
  const known = new Set<string>();
  const others = new Set<string>();
  for (const m of mechanisms) {
    const label = saslMechanismLabel(m);
    if (label === 'other') others.add(m);
    else known.add(label);
  }
  const F = ENDPOINT_FAMILIES.saslMechanismOffered;
  for (const m of known) sink.add(F, base, { mechanism: m, phase }, 1);
  if (others.size) sink.add(F, base, { mechanism: 'other', phase }, others.size);
}

/** The facts of one endpoint (from the last successful scan). */
function addEndpointFacts(sink: SampleSink, base: LabelSet, ep: EndpointResult, nowMs: number): void {
  const F = ENDPOINT_FAMILIES;
  const g = ep.grade;
  if (g) {
    sink.add(F.grade, base, null, letterRank(g.letter));
    sink.add(F.gradeInfo, base, { grade: g.letter, grade_ignoring_trust: g.letterIgnoringTrust, profile: g.profile }, 1);
    sink.add(F.score, base, { component: 'total' }, g.score);
    sink.add(F.score, base, { component: 'protocol' }, g.protocolScore);
    sink.add(F.score, base, { component: 'key_exchange' }, g.keyExchangeScore);
    sink.add(F.score, base, { component: 'cipher' }, g.cipherScore);
    for (const cap of g.caps) sink.add(F.gradeCap, base, { code: cap.code, kind: 'cap', limit: cap.limit }, 1);
    const warningLimit = PROFILES[g.profile]?.plusMinus === false ? 'A' : 'A-';
    for (const w of g.warnings) sink.add(F.gradeCap, base, { code: w.code, kind: 'warning', limit: warningLimit }, 1);
  }

  const tls = ep.tls;
  if (tls) {
    for (const p of PROTOCOL_LABELS) sink.add(F.protocolSupported, base, { protocol: p }, bit(tls.protocols[p] === true));
    const counts = new Map(SUITE_CLASSES.map((c) => [c, 0]));
    for (const s of tls.cipherSuites) for (const c of suiteClassesOf(s)) counts.set(c, counts.get(c)! + 1);
    for (const [c, n] of counts) sink.add(F.cipherSuites, base, { class: c }, n);
    sink.add(F.forwardSecrecy, base, null, bit(tls.cipherSuites.some((s) => s.forwardSecrecy)));
    let dhMin = Infinity;
    for (const s of tls.cipherSuites) if (s.dhBits !== null && s.dhBits < dhMin) dhMin = s.dhBits;
    for (const d of tls.dh) if (d.bits < dhMin) dhMin = d.bits;
    if (dhMin !== Infinity) sink.add(F.dhMinPrimeLength, base, null, dhMin);
    if (tls.clientCertificateRequested !== null) sink.add(F.clientCertificateRequested, base, null, bit(tls.clientCertificateRequested));
    if (tls.compression !== null) sink.add(F.compressionSupported, base, null, bit(tls.compression));
    if (tls.secureRenegotiation !== null) sink.add(F.secureRenegotiation, base, null, bit(tls.secureRenegotiation));
  }

  const xmpp = ep.xmpp;
  if (xmpp) {
    sink.add(F.starttlsRequired, base, null, bit(ep.directTls || xmpp.starttls === 'required'));
    if (xmpp.clientCertificateRequired !== null) sink.add(F.clientCertificateRequired, base, null, bit(xmpp.clientCertificateRequired));
    addSasl(sink, base, 'before_tls', xmpp.saslMechanisms);
    addSasl(sink, base, 'after_tls', xmpp.saslMechanismsAfterTls);
  } else if (ep.directTls && (tls || ep.certificate)) {
    sink.add(F.starttlsRequired, base, null, 1);
  }

  const c = ep.certificate;
  if (c) {
    const notAfter = seconds(c.notAfter);
    const notBefore = seconds(c.notBefore);
    if (notAfter !== null) {
      sink.add(F.certificateExpirySeconds, base, null, expirySeconds(notAfter, nowMs));
      sink.add(F.certificateNotAfter, base, null, notAfter);
    }
    if (notBefore !== null) sink.add(F.certificateNotBefore, base, null, notBefore);
    sink.add(F.certificateTrusted, base, null, bit(c.trusted));
    sink.add(F.certificateHostnameValid, base, null, bit(c.hostnameValid));
    for (const reason of new Set(c.trustErrors)) sink.add(F.certificateTrustError, base, { reason }, 1);
    if (base.labels.mode === 's2s' && c.clientAuth !== undefined) sink.add(F.certificateClientAuth, base, null, bit(c.clientAuth));
    if (c.keyBits !== null) sink.add(F.certificateKeyLength, base, { key_type: c.keyType }, c.keyBits);
    sink.add(
      F.certificateInfo,
      base,
      {
        subject: c.subject,
        issuer: c.issuer,
        serial: c.serial,
        fingerprint_sha256: c.fingerprintSha256,
        signature_algorithm: c.signatureAlgorithm,
      },
      1,
    );
  }

  for (const s of ep.simulations ?? []) {
    sink.add(F.simulationSuccess, base, { profile: s.profile, current: String(isCurrentProfile(s.profile)) }, bit(s.connects));
  }

  const dane = ep.dane;
  if (dane) {
    for (const status of DANE_STATUSES) sink.add(F.daneStatus, base, { status }, bit(dane.status === status));
    sink.add(F.daneRecords, base, null, dane.records.length);
  }
}

function endpointLabels(domain: string, mode: string, ep: EndpointResult): LabelSet {
  return { labels: { domain, mode, endpoint: endpointLabel(ep.host, ep.port), transport: transport(ep), address: ep.address } };
}

/** Samples of one stored target: its endpoints and its scan health. */
export function addTargetSamples(sink: SampleSink, entry: StoredEntry, nowMs: number): void {
  const { domain, mode, latest, lastGood } = entry;
  const target: LabelSet = { labels: { domain, mode } };
  const T = TARGET_FAMILIES;

  // endpoint_up: every endpoint of the latest or the last good scan that was not skipped; 1 when the latest scan
  // scanned it without error.
  const up = new Map<string, { labels: LabelSet; value: number }>();
  const skipped = new Set<string>();
  for (const ep of latest.endpoints) {
    const key = endpointKey(ep);
    if (ep.status === 'skipped') skipped.add(key);
    else up.set(key, { labels: endpointLabels(domain, mode, ep), value: bit(ep.status === 'ok' || up.get(key)?.value === 1) });
  }
  if (lastGood && lastGood !== latest) {
    for (const ep of lastGood.endpoints) {
      const key = endpointKey(ep);
      if (ep.status !== 'skipped' && !up.has(key) && !skipped.has(key)) up.set(key, { labels: endpointLabels(domain, mode, ep), value: 0 });
    }
  }
  for (const { labels, value } of up.values()) sink.add(ENDPOINT_FAMILIES.endpointUp, labels, null, value);
  // Why it is down, for the endpoints the latest scan failed on (the error codes are ours: a closed set).
  const failed = new Set<string>();
  for (const ep of latest.endpoints) {
    const key = endpointKey(ep);
    if (ep.status !== 'error' || !ep.error || up.get(key)?.value === 1 || failed.has(key)) continue;
    failed.add(key);
    sink.add(ENDPOINT_FAMILIES.endpointFailure, endpointLabels(domain, mode, ep), { code: ep.error.code, phase: ep.error.phase ?? '' }, 1);
  }

  if (lastGood) {
    const seen = new Set<string>();
    for (const ep of lastGood.endpoints) {
      const key = endpointKey(ep);
      if (seen.has(key)) continue; // the same endpoint twice (SRV listing a host twice): one set of series
      seen.add(key);
      addEndpointFacts(sink, endpointLabels(domain, mode, ep), ep, nowMs);
    }
    if (lastGood.grade) sink.add(T.domainGrade, target, null, letterRank(lastGood.grade.letter));
    const started = seconds(lastGood.startedAt);
    if (started !== null) sink.add(T.lastSuccess, target, null, started);
  }

  sink.add(T.scanSuccess, target, null, bit(scanSucceeded(latest)));
  const failure = scanFailure(latest);
  if (failure) sink.add(T.scanFailure, target, { code: failure.code }, 1);
  for (const code of new Set((latest.warnings ?? []).map((w) => w.code))) sink.add(T.scanWarning, target, { code }, 1);
  sink.add(T.scanDuration, target, null, latest.durationSeconds);
  const started = seconds(latest.startedAt);
  if (started !== null) sink.add(T.lastScan, target, null, started);
  sink.add(T.endpoints, target, null, latest.endpoints.length);
  for (const what of CHANGE_KINDS) {
    const at = seconds(entry.lastChanges?.[what] ?? '');
    if (at !== null) sink.add(T.lastChange, target, { what }, at);
  }
  const software = answeredSoftware(entry);
  if (software) sink.add(T.serverInfo, target, { software: software.name ?? '', version: software.version ?? '', os: software.os ?? '' }, 1);
}

/** The family of each name at `metrics.detail: domain` (its label names and help differ from the endpoint family's). */
const DOMAIN_FAMILY_BY_NAME: ReadonlyMap<string, Family> = new Map(DOMAIN_DETAIL_FAMILIES.map((f) => [f.name, f]));

/**
 * Samples of one stored target at `metrics.detail: domain`: its endpoints' samples (addTargetSamples) combined into one
 * set per target by DOMAIN_RULES: the series of each value of the family's own labels (protocol, class, code, …) holds
 * the lowest or the highest of the endpoints' values; the endpoint labels are gone (but those a rule keeps). The
 * per-target families are the same as at endpoint level.
 */
export function addDomainTargetSamples(sink: SampleSink, entry: StoredEntry, nowMs: number): void {
  const full = new SampleSink();
  addTargetSamples(full, entry, nowMs);
  const target: LabelSet = { labels: { domain: entry.domain, mode: entry.mode } };
  // The target's labels with the kept endpoint labels (xmpp_tls_starttls_required: transport), one object each.
  const kept = new Map<string, LabelSet>();
  for (const [key, f] of Object.entries(ENDPOINT_FAMILIES) as [EndpointFamily, Family][]) {
    const rule = DOMAIN_RULES[key];
    const samples = full.samples.get(f.name);
    if (!rule || !samples?.length) continue;
    const out = DOMAIN_FAMILY_BY_NAME.get(f.name)!;
    if (f === ENDPOINT_FAMILIES.gradeInfo) {
      sink.add(out, target, worstGradeInfo(samples), 1);
      continue;
    }
    // One series per kept label values and own label values, in the order the endpoints first give them.
    const series = new Map<string, { base: LabelSet; extra: Labels | null; value: number; combine: Combine }>();
    for (const s of samples) {
      let base = target;
      let id = '';
      for (const k of rule.keep ?? []) {
        const v = s.base?.labels[k] ?? '';
        id += `${v}\u0000`;
        base = kept.get(id) ?? { labels: { ...target.labels, [k]: v } };
        kept.set(id, base);
      }
      if (s.extra) for (const k in s.extra) id += `\u0001${s.extra[k]}`;
      const seen = series.get(id);
      if (seen) seen.value = seen.combine === 'min' ? Math.min(seen.value, s.value) : Math.max(seen.value, s.value);
      else series.set(id, { base, extra: s.extra, value: s.value, combine: typeof rule.combine === 'function' ? rule.combine(s.extra ?? {}) : rule.combine });
    }
    for (const { base, extra, value } of series.values()) sink.add(out, base, extra, value);
  }
  for (const f of Object.values(TARGET_FAMILIES)) for (const s of full.samples.get(f.name) ?? []) sink.add(f, s.base, s.extra, s.value);
}

/** xmpp_tls_grade_info of a target: the worst letter of each label (as the domain grade has them), the profile (one per target). */
function worstGradeInfo(samples: readonly Sample[]): Labels {
  const worst = (label: string): string =>
    samples.map((s) => s.extra?.[label] ?? '').reduce((a, b) => (letterRank(b as GradeLetter) < letterRank(a as GradeLetter) ? b : a));
  return { grade: worst('grade'), grade_ignoring_trust: worst('grade_ignoring_trust'), profile: samples[0]?.extra?.profile ?? '' };
}

/**
 * Why a scan failed before reaching any endpoint: the domain-level error, or, when every endpoint
 * it found was skipped (no address, no IPv6 route), the first skipped endpoint's reason.
 */
function scanFailure(r: ScanResult): { code: string } | null {
  if (r.error) return r.error;
  if (r.endpoints.length === 0 || !r.endpoints.every((ep) => ep.status === 'skipped')) return null;
  return r.endpoints.find((ep) => ep.error)?.error ?? null;
}

/** The entries to export: duplicate (domain, mode) entries once (the first). */
export function uniqueTargets(entries: readonly StoredEntry[]): StoredEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.mode}:${e.domain}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Samples about the exporter itself. */
export function addExporterSamples(sink: SampleSink, stats: ExporterStats, build: { version: string; nodeVersion: string }): void {
  const X = EXPORTER_FAMILIES;
  sink.add(X.scansTotal, null, { result: 'success' }, stats.scansTotal.success);
  sink.add(X.scansTotal, null, { result: 'failure' }, stats.scansTotal.failure);
  sink.add(X.probesTotal, null, null, stats.probesTotal);
  sink.add(X.storeErrorsTotal, null, null, stats.storeErrorsTotal);
  sink.add(X.scansInProgress, null, null, stats.scansInProgress);
  sink.add(X.targets, null, null, stats.targets);
  sink.add(X.scheduleLag, null, null, stats.scheduleLagSeconds);
  sink.add(X.scanSlots, null, null, stats.scanSlots);
  sink.add(X.shardInfo, null, { index: String(stats.shard.index), count: String(stats.shard.count) }, 1);
  sink.add(X.shards, null, null, stats.shard.count);
  sink.add(X.buildInfo, null, { version: build.version, node_version: build.nodeVersion }, 1);
  sink.add(X.configReloadSuccessful, null, null, bit(stats.configReloadSuccessful));
  sink.add(X.configReloadTimestamp, null, null, stats.configReloadTimestampSeconds);
}
