import type { GradeLetter, ProfileName, TrustIgnoringLetter } from '../grading/index.js';
import type { Mode, ProtocolName, TrustError } from '../result/types.js';

// The survey report document ("State of TLS on XMPP"): counts over many scan results plus one
// row per (domain, mode). Plain JSON, documented in docs/report.md. `reportVersion` 1: fields are
// only added, never removed or changed in meaning, so an old report stays comparable to a new one.

export const REPORT_VERSION = 1;

/** A value and how many domains have it (distributions are lists of these, in a fixed order). */
export interface Bucket {
  key: string;
  count: number;
}

/** Whether the domain could be judged at all; see docs/report.md ("How domains count"). */
export type DomainStatus = 'ok' | 'no_tls' | 'unreachable' | 'not_serving';

/** A certificate problem: a trust error, or a name that does not match; several may apply to one domain. */
export type CertificateProblem = TrustError | 'hostname_mismatch';

export interface ReachabilityCounts {
  /** Domains scanned in this mode. */
  tested: number;
  /** Domain-level error: invalid name, DNS failure, service not offered (no endpoint at all). */
  notServing: number;
  /** Endpoints found, but none answered with XMPP or TLS. */
  unreachable: number;
  /** At least one endpoint answered. */
  reachable: number;
  /** Answered, but no endpoint offers TLS (no STARTTLS, no direct TLS). */
  noTls: number;
  /** Answered with TLS on at least one endpoint. */
  withTls: number;
  /** Of `withTls`: every endpoint that answered requires encryption (STARTTLS `required`, or direct TLS). */
  starttlsRequired: number;
  /** Of `withTls`: the raw TLS prober ran on at least one endpoint (the base of the protocol and suite counts). */
  tlsProbed: number;
  /**
   * One of the domain's SRV lookups failed while another gave records (warning `dns_partial_failure`): its
   * endpoints were scanned, but some may be missing. Absent in reports written before it was counted.
   */
  dnsPartialFailure?: number;
}

export interface GradeCounts {
  /** Domains with a grade (the worst graded endpoint's letter). */
  graded: number;
  ungraded: number;
  /** Every letter, best first; 0 when unseen. */
  letters: Record<GradeLetter, number>;
  /** The same with certificate trust and identity left out (never T or M). */
  lettersIgnoringTrust: Record<TrustIgnoringLetter, number>;
}

export interface CertificateCounts {
  /** Domains where at least one endpoint sent a certificate (the base of the counts below). */
  withCertificate: number;
  /** Every certificate of the domain is trusted and valid for the domain. */
  valid: number;
  /** At least one certificate is not trusted (any trust error that makes it untrusted). */
  untrusted: number;
  /** Per problem: domains where at least one certificate has it. */
  problems: Record<CertificateProblem, number>;
  /** Valid today, but expires within 30 days of the report's generation. */
  expiringWithin30Days: number;
  /** Subjects of self-signed certificates found inside chains (`self_signed_in_chain`), most common first. */
  selfSignedInChainIssuers: Bucket[];
}

export interface ProtocolCounts {
  /** Domains whose TLS was probed. */
  of: number;
  /** Domains where at least one endpoint supports the version. */
  supported: Record<ProtocolName, number>;
}

export interface KeyCounts {
  /** Domains with a certificate. */
  of: number;
  /** Leaf keys: RSA modulus bits (`2048`), EC curve (`P-256`), others by type (`Ed25519`); a domain counts once per distinct key kind. */
  rsaBits: Bucket[];
  ecCurves: Bucket[];
  other: Bucket[];
}

export interface SuiteCounts {
  /** Domains whose TLS was probed. */
  of: number;
  /** Domains accepting at least one weak suite: under 112 bits of strength, EXPORT, NULL or anonymous (result/suite-classes.ts). */
  weak: number;
  export: number;
  null: number;
  anonymous: number;
  rc4: number;
  /** Domains accepting at least one forward-secret suite. */
  forwardSecrecy: number;
  /** Domains accepting only forward-secret suites. */
  forwardSecrecyOnly: number;
  /** Domains accepting at least one AEAD suite. */
  aead: number;
}

export interface DhCounts {
  /** Domains whose TLS was probed. */
  of: number;
  /** Domains accepting at least one DHE suite. */
  dhe: number;
  /** DH prime sizes in bits; a domain counts once per distinct size. */
  sizes: Bucket[];
  /** Of `dhe`: the smallest prime is below 2048 bits. */
  below2048: number;
}

export interface S2sCounts {
  /** Reachable s2s domains. */
  of: number;
  /** At least one endpoint refused to go on without a client certificate. */
  clientCertificateRequired: number;
  /** At least one endpoint offered SASL EXTERNAL after TLS. */
  saslExternalOffered: number;
  /** At least one endpoint offered dialback. */
  dialback: number;
}

/** Handshake simulation (docs/simulation.md): who can connect. */
export interface SimulationCounts {
  /** Domains with a simulation on at least one endpoint. */
  of: number;
  /** Per profile id, the domains it cannot connect to at all (none of their endpoints accepts it), 0 included; sorted by id. */
  cannotConnect: Bucket[];
  /** Domains that at least one current mainstream profile cannot connect to. */
  someCurrentCannot: number;
}

/** DANE (docs/dane.md): a domain counts when at least one endpoint does so. */
export interface DaneCounts {
  /** Domains with a DANE verdict on at least one endpoint (DANE was checked). */
  of: number;
  /** TLSA records published for at least one endpoint, secure or not. */
  publishing: number;
  /** Publishing, and every endpoint with records has a valid match. */
  valid: number;
  /** At least one endpoint's secure records match nothing. */
  mismatch: number;
  /** At least one endpoint's records are not DNSSEC-secure (clients ignore them). */
  insecure: number;
  /** At least one DNS answer failed DNSSEC validation. */
  bogus: number;
  /** At least one endpoint's lookups failed, or the resolver did not validate. */
  error: number;
}

export interface SoftwareCounts {
  /** Domains whose server software is known (XEP-0092). */
  known: number;
  /** Reachable domains whose software is not known (not asked, refused, or not answered). */
  unknown: number;
  /** By product name, most common first. */
  products: Bucket[];
  /** By "name version", most common first. */
  versions: Bucket[];
  /** Why the unknown ones are unknown: "not asked", or the failed query's condition or error code. */
  unknownReasons: Bucket[];
}

/** Every count for one mode: each domain counts once. */
export interface ModeSummary {
  mode: Mode;
  reachability: ReachabilityCounts;
  grades: GradeCounts;
  certificates: CertificateCounts;
  protocols: ProtocolCounts;
  keys: KeyCounts;
  suites: SuiteCounts;
  dh: DhCounts;
  /** Server-to-server facts; null in the c2s summary. */
  s2s: S2sCounts | null;
  /** Absent in reports written before it existed. */
  simulation?: SimulationCounts;
  /** Absent in reports written before it existed. */
  dane?: DaneCounts;
  software: SoftwareCounts;
}

/** The certificate of a domain that expires first. */
export interface RowCertificate {
  subject: string;
  issuer: string;
  notAfter: string;
  /** Whole days from the report's generation to notAfter; negative once expired. */
  daysToExpiry: number;
  fingerprintSha256: string;
}

/** One (domain, mode): what the per-domain table shows and what compare keys on. */
export interface DomainRow {
  domain: string;
  mode: Mode;
  status: DomainStatus;
  /** The domain error's code, or the first endpoint error's when no endpoint answered; else null. */
  error: string | null;
  grade: GradeLetter | null;
  gradeIgnoringTrust: TrustIgnoringLetter | null;
  score: number | null;
  /** Endpoints disagree on the letter. */
  mixed: boolean;
  endpoints: number;
  /** Endpoints that answered with XMPP or TLS. */
  endpointsReached: number;
  /** Versions supported by at least one endpoint, oldest first. */
  protocols: ProtocolName[];
  certificate: RowCertificate | null;
  certificateProblems: CertificateProblem[];
  /** "name version (os)" from XEP-0092, when known. */
  software: string | null;
  scannedAt: string;
}

export interface SurveyReport {
  reportVersion: typeof REPORT_VERSION;
  generatedAt: string;
  /** The grading profile of the grades (the most common one when results disagree); null without any grade. */
  profile: ProfileName | null;
  /** What the results came from, for humans (e.g. "domains file list.txt", "state file state.json"). */
  source: string;
  scanner: { name: string; version: string };
  /**
   * Only in a daemon's report (`/report.json`): the share of the fleet it covers (index 0, count 1 without
   * sharding). `report --from` merges the reports of every shard into one, which has none.
   */
  shard?: ReportShard;
  /** One summary per mode present, c2s first. */
  modes: ModeSummary[];
  /** Worst first (see docs/report.md). */
  domains: DomainRow[];
}

export interface ReportShard {
  /** 0-based. */
  index: number;
  count: number;
  /** Targets (domain × mode) the replica owns; the report may hold fewer until each was scanned once. */
  targets: number;
}

// --- compare ------------------------------------------------------------------------------------

export type RowField = 'status' | 'grade' | 'gradeIgnoringTrust' | 'protocols' | 'certificate' | 'software';

export interface RowChange {
  field: RowField;
  old: string | null;
  new: string | null;
  /** Grades and status: which way it went; null when neither (or not ordered). */
  direction: 'better' | 'worse' | null;
}

export interface DomainDiff {
  domain: string;
  mode: Mode;
  /** `changed`: in both reports with differences; `added` / `removed`: in one only. */
  kind: 'changed' | 'added' | 'removed';
  changes: RowChange[];
}

/** A count that changed, named by its path in ModeSummary (e.g. `grades.letters.A+`). */
export interface TotalDiff {
  mode: Mode;
  path: string;
  old: number;
  new: number;
}

export interface ReportDiff {
  old: { generatedAt: string; profile: ProfileName | null; source: string };
  new: { generatedAt: string; profile: ProfileName | null; source: string };
  totals: TotalDiff[];
  /** Only domains that changed, were added or were removed; worst change first. */
  domains: DomainDiff[];
  /** Domains in both reports with no change. */
  unchanged: number;
}
