import { PROTOCOLS } from '../result/protocols.js';
import { LETTERS, letterRank } from '../grading/index.js';
import type { GradeLetter, ProfileName, TrustIgnoringLetter } from '../grading/index.js';
import { inSuiteClass } from '../result/suite-classes.js';
import type { CertificateResult, CipherSuiteFinding, EndpointResult, Mode, ProtocolName, ScanResult } from '../result/types.js';
import { TRUST_ERRORS } from '../result/trust-errors.js';
import { isCurrentProfile } from '../tls/registry/profile-lookup.js';
import { SCANNER } from '../version.js';
import { softwareLabel, softwareOf, softwareUnknownReason } from './software.js';
import {
  type Bucket,
  type CertificateProblem,
  type DomainRow,
  type DomainStatus,
  type ModeSummary,
  REPORT_VERSION,
  type RowCertificate,
  type SurveyReport,
} from './types.js';

// Scan results → survey report. Pure: the same results and `now` give the same report.
//
// How a domain counts (docs/report.md says the same for readers):
//   - once per mode: a domain scanned for c2s and s2s is in both summaries;
//   - its grade is the result's domain grade, i.e. its worst graded endpoint;
//   - "supports X" / "has problem Y" counts are "any endpoint": one endpoint accepting SSLv3 is
//     enough for a client to be offered SSLv3, one expired certificate enough to break a client;
//   - "STARTTLS required" needs every endpoint that answered to require it (a client may land
//     on the one that does not);
//   - distributions of values (key sizes, DH sizes, curves) count a domain once per distinct
//     value, so their sum may exceed the number of domains.

export { PROTOCOLS };

/** Every certificate problem a report counts: the trust errors, then the identity check. */
export const CERTIFICATE_PROBLEMS: readonly CertificateProblem[] = [...TRUST_ERRORS, 'hostname_mismatch'];

export const TRUST_IGNORING_LETTERS = LETTERS.filter((l): l is TrustIgnoringLetter => l !== 'T' && l !== 'M');

const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface AggregateOptions {
  /** The report's generation time; expiry days are counted from it. Default: now. */
  now?: Date;
  /** Shown in the report; default: the most common profile among the grades. */
  profile?: ProfileName;
  /** What the results came from, for humans. */
  source?: string;
}

// --- facts of one endpoint / one domain ---------------------------------------------------------

/** It answered with XMPP or TLS (a refused connection or a timeout before any byte is not an answer). */
function reached(ep: EndpointResult): boolean {
  return ep.xmpp !== null || ep.certificate !== null || ep.tls !== null;
}

function offersTls(ep: EndpointResult): boolean {
  if (ep.certificate !== null) return true;
  if (ep.tls !== null && PROTOCOLS.some((p) => ep.tls!.protocols[p])) return true;
  return ep.xmpp !== null && (ep.directTls || ep.xmpp.starttls !== 'none');
}

function endpointsOf(r: ScanResult): EndpointResult[] {
  return Array.isArray(r.endpoints) ? r.endpoints : [];
}

export function domainStatus(r: ScanResult): DomainStatus {
  if (r.error) return 'not_serving';
  const answered = endpointsOf(r).filter(reached);
  if (answered.length === 0) return 'unreachable';
  return answered.some(offersTls) ? 'ok' : 'no_tls';
}

function requiresEncryption(r: ScanResult): boolean {
  const judged = endpointsOf(r).filter((ep) => reached(ep) && (ep.directTls || ep.xmpp !== null));
  return judged.length > 0 && judged.every((ep) => ep.directTls || ep.xmpp?.starttls === 'required');
}

function certificates(r: ScanResult): CertificateResult[] {
  return endpointsOf(r).flatMap((ep) => (ep.certificate ? [ep.certificate] : []));
}

function probedEndpoints(r: ScanResult): EndpointResult[] {
  return endpointsOf(r).filter((ep) => ep.tls !== null);
}

function suitesOf(r: ScanResult): CipherSuiteFinding[] {
  return probedEndpoints(r).flatMap((ep) => ep.tls!.cipherSuites ?? []);
}

function supportedProtocols(r: ScanResult): ProtocolName[] {
  const eps = probedEndpoints(r);
  return PROTOCOLS.filter((p) => eps.some((ep) => ep.tls!.protocols?.[p] === true));
}

function problemsOf(c: CertificateResult): CertificateProblem[] {
  const found = new Set<string>(c.trustErrors ?? []);
  if (!c.hostnameValid) found.add('hostname_mismatch');
  // Unknown trust error codes (the enumeration may grow) are left out rather than mis-filed.
  return CERTIFICATE_PROBLEMS.filter((p) => found.has(p));
}

function domainProblems(r: ScanResult): CertificateProblem[] {
  const found = new Set(certificates(r).flatMap(problemsOf));
  return CERTIFICATE_PROBLEMS.filter((p) => found.has(p));
}

function daysUntil(notAfter: string, fallbackDays: number, now: Date): number {
  const at = Date.parse(notAfter);
  return Number.isFinite(at) ? Math.floor((at - now.getTime()) / DAY_MS) : Math.floor(fallbackDays);
}

function soonestCertificate(r: ScanResult, now: Date): RowCertificate | null {
  let best: RowCertificate | null = null;
  for (const c of certificates(r)) {
    const days = daysUntil(c.notAfter, c.daysToExpiry, now);
    if (!best || days < best.daysToExpiry) {
      best = { subject: c.subject, issuer: c.issuer, notAfter: c.notAfter, daysToExpiry: days, fingerprintSha256: c.fingerprintSha256 };
    }
  }
  return best;
}

/** The self-signed certificate inside the chain (not the leaf): its subject names the would-be root. */
function selfSignedInChainIssuer(c: CertificateResult): string {
  // The path built ends at it; older documents may only have it in the chain as sent.
  const last = c.builtChain?.at(-1);
  if (last && (c.builtChain?.length ?? 0) > 1 && last.subject === last.issuer) return last.subject;
  const chain = c.chain ?? [];
  const inChain = chain.slice(1).find((e) => e.subject === e.issuer);
  return inChain?.subject ?? chain.at(-1)?.issuer ?? c.issuer;
}

function keyKind(c: CertificateResult): { group: 'rsaBits' | 'ecCurves' | 'other'; key: string } {
  if (c.keyType === 'RSA') return { group: 'rsaBits', key: c.keyBits === null ? 'unknown' : String(c.keyBits) };
  if (c.keyType === 'EC') return { group: 'ecCurves', key: c.curve ?? (c.keyBits === null ? 'unknown' : `${c.keyBits}-bit`) };
  return { group: 'other', key: c.keyType === 'DSA' && c.keyBits !== null ? `DSA ${c.keyBits}` : c.keyType };
}

function dhSizes(r: ScanResult): number[] {
  const sizes = new Set<number>();
  for (const ep of probedEndpoints(r)) for (const d of ep.tls!.dh ?? []) sizes.add(d.bits);
  for (const s of suitesOf(r)) if (s.dhBits !== null && s.dhBits !== undefined) sizes.add(s.dhBits);
  return [...sizes].sort((a, b) => a - b);
}

function saslExternalOffered(ep: EndpointResult): boolean {
  if (ep.xmpp?.saslExternal?.offered) return true;
  return (ep.xmpp?.saslMechanismsAfterTls ?? []).some((m) => m.toUpperCase() === 'EXTERNAL');
}

function isLetter(v: unknown): v is GradeLetter {
  return typeof v === 'string' && (LETTERS as readonly string[]).includes(v);
}

// --- rows ---------------------------------------------------------------------------------------

export function domainRow(r: ScanResult, now: Date): DomainRow {
  const status = domainStatus(r);
  const eps = endpointsOf(r);
  const firstError = eps.find((ep) => ep.error)?.error ?? null;
  const letter = isLetter(r.grade?.letter) ? r.grade!.letter : null;
  const ignoring = isLetter(r.grade?.letterIgnoringTrust) ? r.grade!.letterIgnoringTrust : null;
  const software = softwareOf(r);
  return {
    domain: r.domain,
    mode: r.mode,
    status,
    error: r.error?.code ?? (status === 'unreachable' || status === 'no_tls' ? (firstError?.code ?? null) : null),
    grade: letter,
    gradeIgnoringTrust: ignoring,
    score: letter !== null && typeof r.grade?.score === 'number' ? r.grade.score : null,
    mixed: r.grade?.mixed === true,
    endpoints: eps.length,
    endpointsReached: eps.filter(reached).length,
    protocols: supportedProtocols(r),
    certificate: soonestCertificate(r, now),
    certificateProblems: domainProblems(r),
    software: software ? softwareLabel(software) : null,
    scannedAt: r.startedAt,
  };
}

const STATUS_ORDER: Record<DomainStatus, number> = { no_tls: 0, unreachable: 1, not_serving: 2, ok: 3 };

/** Worst first: no grade (no TLS, unreachable, not serving), then T, M, F … A+; then lowest score, then name. */
export function compareRows(a: DomainRow, b: DomainRow): number {
  const rank = (r: DomainRow) => (r.grade === null ? -1 : letterRank(r.grade));
  return (
    rank(a) - rank(b) ||
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    (a.score ?? -1) - (b.score ?? -1) ||
    a.domain.localeCompare(b.domain) ||
    a.mode.localeCompare(b.mode)
  );
}

// --- summaries ----------------------------------------------------------------------------------

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** How a distribution is ordered: most common first, by the key's number, or by the key alone. */
export type BucketOrder = 'count' | 'numeric' | 'key';

/** Sorts `list` in place in `order` (ties and non-numbers by key). */
export function sortBuckets(list: Bucket[], order: BucketOrder): Bucket[] {
  const byKey = (a: Bucket, b: Bucket) => (order === 'numeric' ? (Number(a.key) || Infinity) - (Number(b.key) || Infinity) : 0) || a.key.localeCompare(b.key);
  return list.sort((a, b) => (order === 'count' ? b.count - a.count : 0) || byKey(a, b));
}

/** Counts string keys into buckets. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(keys: Iterable<string>): void {
    for (const k of new Set(keys)) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  buckets(order: BucketOrder): Bucket[] {
    return sortBuckets(
      [...this.counts].map(([key, count]) => ({ key, count })),
      order,
    );
  }
}

export function summarizeMode(mode: Mode, results: readonly ScanResult[], now: Date): ModeSummary {
  const s: ModeSummary = {
    mode,
    reachability: {
      tested: results.length,
      notServing: 0,
      unreachable: 0,
      reachable: 0,
      noTls: 0,
      withTls: 0,
      starttlsRequired: 0,
      tlsProbed: 0,
      dnsPartialFailure: 0,
    },
    grades: { graded: 0, ungraded: 0, letters: zeroes(LETTERS), lettersIgnoringTrust: zeroes(TRUST_IGNORING_LETTERS) },
    certificates: { withCertificate: 0, valid: 0, untrusted: 0, problems: zeroes(CERTIFICATE_PROBLEMS), expiringWithin30Days: 0, selfSignedInChainIssuers: [] },
    protocols: { of: 0, supported: zeroes(PROTOCOLS) },
    keys: { of: 0, rsaBits: [], ecCurves: [], other: [] },
    suites: { of: 0, weak: 0, export: 0, null: 0, anonymous: 0, rc4: 0, forwardSecrecy: 0, forwardSecrecyOnly: 0, aead: 0 },
    dh: { of: 0, dhe: 0, sizes: [], below2048: 0 },
    s2s: mode === 's2s' ? { of: 0, clientCertificateRequired: 0, saslExternalOffered: 0, dialback: 0 } : null,
    simulation: { of: 0, cannotConnect: [], someCurrentCannot: 0 },
    dane: { of: 0, publishing: 0, valid: 0, mismatch: 0, insecure: 0, bogus: 0, error: 0 },
    software: { known: 0, unknown: 0, products: [], versions: [], unknownReasons: [] },
  };
  const issuers = new Tally();
  const keys = { rsaBits: new Tally(), ecCurves: new Tally(), other: new Tally() };
  const dh = new Tally();
  const products = new Tally();
  const versions = new Tally();
  const unknownReasons = new Tally();
  const cannotConnect = new Map<string, number>();

  for (const r of results) {
    const status = domainStatus(r);
    const reach = s.reachability;
    if (r.warnings?.some((w) => w.code === 'dns_partial_failure')) reach.dnsPartialFailure = (reach.dnsPartialFailure ?? 0) + 1;
    if (status === 'not_serving') reach.notServing++;
    else if (status === 'unreachable') reach.unreachable++;
    else {
      reach.reachable++;
      if (status === 'no_tls') reach.noTls++;
      else {
        reach.withTls++;
        if (requiresEncryption(r)) reach.starttlsRequired++;
      }
    }

    if (isLetter(r.grade?.letter)) {
      s.grades.graded++;
      s.grades.letters[r.grade!.letter]++;
      const ignoring = r.grade!.letterIgnoringTrust;
      if (Object.hasOwn(s.grades.lettersIgnoringTrust, ignoring)) s.grades.lettersIgnoringTrust[ignoring]++;
    } else {
      s.grades.ungraded++;
    }

    const certs = certificates(r);
    if (certs.length > 0) {
      const c = s.certificates;
      c.withCertificate++;
      if (certs.every((x) => x.trusted && x.hostnameValid)) c.valid++;
      if (certs.some((x) => !x.trusted)) c.untrusted++;
      for (const p of domainProblems(r)) c.problems[p]++;
      const soonest = soonestCertificate(r, now);
      if (soonest && soonest.daysToExpiry >= 0 && soonest.daysToExpiry < EXPIRY_WARNING_DAYS) c.expiringWithin30Days++;
      issuers.add(certs.filter((x) => x.trustErrors?.includes('self_signed_in_chain')).map(selfSignedInChainIssuer));
      s.keys.of++;
      for (const group of ['rsaBits', 'ecCurves', 'other'] as const) {
        keys[group].add(
          certs
            .map(keyKind)
            .filter((k) => k.group === group)
            .map((k) => k.key),
        );
      }
    }

    if (status !== 'not_serving' && probedEndpoints(r).length > 0) {
      reach.tlsProbed++;
      s.protocols.of++;
      for (const p of supportedProtocols(r)) s.protocols.supported[p]++;
      const suites = suitesOf(r);
      const u = s.suites;
      u.of++;
      if (suites.some((x) => inSuiteClass(x, 'weak'))) u.weak++;
      if (suites.some((x) => x.export)) u.export++;
      if (suites.some((x) => x.null)) u.null++;
      if (suites.some((x) => x.anonymous)) u.anonymous++;
      if (suites.some((x) => x.rc4)) u.rc4++;
      if (suites.some((x) => x.forwardSecrecy)) u.forwardSecrecy++;
      if (suites.length > 0 && suites.every((x) => x.forwardSecrecy)) u.forwardSecrecyOnly++;
      if (suites.some((x) => x.aead)) u.aead++;
      s.dh.of++;
      const sizes = dhSizes(r);
      if (sizes.length > 0 || suites.some((x) => x.keyExchange === 'DHE')) s.dh.dhe++;
      if (sizes.length > 0 && sizes[0]! < 2048) s.dh.below2048++;
      dh.add(sizes.map(String));
    }

    if (s.s2s && (status === 'ok' || status === 'no_tls')) {
      const eps = endpointsOf(r);
      s.s2s.of++;
      if (eps.some((ep) => ep.xmpp?.clientCertificateRequired === true)) s.s2s.clientCertificateRequired++;
      if (eps.some(saslExternalOffered)) s.s2s.saslExternalOffered++;
      if (eps.some((ep) => ep.xmpp?.dialback === true)) s.s2s.dialback++;
    }

    // A client tries the endpoints in turn: it reaches the domain when any endpoint accepts it.
    const simulated = endpointsOf(r).flatMap((ep) => ep.simulations ?? []);
    if (simulated.length > 0 && s.simulation) {
      s.simulation.of++;
      const reached = new Map<string, boolean>();
      for (const sim of simulated) reached.set(sim.profile, (reached.get(sim.profile) ?? false) || sim.connects);
      for (const [profile, ok] of reached) cannotConnect.set(profile, (cannotConnect.get(profile) ?? 0) + (ok ? 0 : 1));
      if ([...reached].some(([profile, ok]) => !ok && isCurrentProfile(profile))) s.simulation.someCurrentCannot++;
    }

    const verdicts = endpointsOf(r).flatMap((ep) => (ep.dane ? [ep.dane] : []));
    if (verdicts.length > 0 && s.dane) {
      const d = s.dane;
      d.of++;
      const publishing = verdicts.filter((v) => v.records.length > 0);
      if (publishing.length > 0) d.publishing++;
      if (publishing.length > 0 && publishing.every((v) => v.status === 'valid')) d.valid++;
      for (const status of ['mismatch', 'insecure', 'bogus', 'error'] as const) if (verdicts.some((v) => v.status === status)) d[status]++;
    }

    const software = softwareOf(r);
    if (software) {
      s.software.known++;
      products.add([software.name ?? 'unknown']);
      versions.add([softwareLabel({ ...software, os: null })]);
    } else if (status === 'ok' || status === 'no_tls') {
      s.software.unknown++;
      unknownReasons.add([softwareUnknownReason(r)]);
    }
  }

  s.certificates.selfSignedInChainIssuers = issuers.buckets('count');
  s.keys.rsaBits = keys.rsaBits.buckets('numeric');
  s.keys.ecCurves = keys.ecCurves.buckets('count');
  s.keys.other = keys.other.buckets('count');
  s.dh.sizes = dh.buckets('numeric');
  s.software.products = products.buckets('count');
  s.software.versions = versions.buckets('count');
  s.software.unknownReasons = unknownReasons.buckets('count');
  if (s.simulation)
    s.simulation.cannotConnect = sortBuckets(
      [...cannotConnect].map(([key, count]) => ({ key, count })),
      'key',
    );
  return s;
}

/** Keeps one result per (domain, mode): the most recent scan. */
function latestPerTarget(results: readonly ScanResult[]): ScanResult[] {
  const byKey = new Map<string, ScanResult>();
  for (const r of results) {
    const key = `${r.mode}:${r.domain}`;
    const prev = byKey.get(key);
    if (!prev || Date.parse(r.startedAt) >= Date.parse(prev.startedAt)) byKey.set(key, r);
  }
  return [...byKey.values()];
}

function mostCommonProfile(results: readonly ScanResult[]): ProfileName | null {
  const tally = new Tally();
  for (const r of results) if (r.grade?.profile) tally.add([r.grade.profile]);
  return (tally.buckets('count')[0]?.key as ProfileName | undefined) ?? null;
}

/** Scan results (any modes, any order) → the survey report. */
export function aggregate(results: readonly ScanResult[], opts: AggregateOptions = {}): SurveyReport {
  const now = opts.now ?? new Date();
  const unique = latestPerTarget(results);
  const modes = (['c2s', 's2s'] as const).filter((m) => unique.some((r) => r.mode === m));
  return {
    reportVersion: REPORT_VERSION,
    generatedAt: now.toISOString(),
    profile: opts.profile ?? mostCommonProfile(unique),
    source: opts.source ?? '',
    scanner: { name: SCANNER.name, version: SCANNER.version },
    modes: modes.map((m) =>
      summarizeMode(
        m,
        unique.filter((r) => r.mode === m),
        now,
      ),
    ),
    domains: unique.map((r) => domainRow(r, now)).sort(compareRows),
  };
}
