import { LETTERS } from '../grading/index.js';
import { WEAK_BELOW_BITS, WEAK_SUITES } from '../result/suite-classes.js';
import { trustErrorWords } from '../result/trust-errors.js';
import { profileById } from '../tls/registry/profile-lookup.js';
import { CERTIFICATE_PROBLEMS, PROTOCOLS, TRUST_IGNORING_LETTERS } from './aggregate.js';
import type { Bucket, CertificateProblem, DomainRow, DomainStatus, ModeSummary, SurveyReport } from './types.js';

// The report as a format-neutral document: sections of tables (and bar charts), built once and
// rendered by markdown.ts and html.ts, so both formats always carry the same sections and numbers.
// Cells are plain text; the renderers escape them (certificate subjects and software names are
// server-controlled).

export interface Table {
  head: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  numeric: number[];
  /** Columns holding a grade letter (coloured in HTML). */
  gradeColumns?: number[];
}

export interface Bar {
  label: string;
  value: number;
  /** What the value is out of (for its percentage); 0 when it is a plain count. */
  of: number;
}

export interface Chart {
  title: string;
  bars: Bar[];
}

export interface Section {
  id: string;
  title: string;
  /** What the counts are out of, how domains count: one paragraph. */
  intro: string;
  tables: Table[];
  charts: Chart[];
}

/** The words of each problem: the trust error's own, and one for the identity check. */
export const problemLabel = (p: CertificateProblem): string => (p === 'hostname_mismatch' ? 'not valid for the domain' : trustErrorWords(p));

export const STATUS_LABELS: Readonly<Record<DomainStatus, string>> = {
  ok: 'TLS',
  no_tls: 'no TLS',
  unreachable: 'unreachable',
  not_serving: 'not serving',
};

/** "12 (40 %)"; just the count when there is nothing to be out of. */
export function countCell(n: number, of: number): string {
  return of > 0 ? `${n} (${Math.round((n / of) * 100)} %)` : String(n);
}

interface Row {
  label: string;
  value: (s: ModeSummary) => number;
  of: (s: ModeSummary) => number;
}

/** One row per item, one column per mode. */
function modeTable(modes: readonly ModeSummary[], first: string, rows: readonly Row[]): Table {
  return {
    head: [first, ...modes.map((m) => m.mode)],
    rows: rows.map((r) => [r.label, ...modes.map((m) => countCell(r.value(m), r.of(m)))]),
    numeric: modes.map((_, i) => i + 1),
  };
}

function modeCharts(modes: readonly ModeSummary[], title: string, rows: readonly Row[]): Chart[] {
  return modes.map((m) => ({
    title: `${title} (${m.mode})`,
    bars: rows.map((r) => ({ label: r.label, value: r.value(m), of: r.of(m) })),
  }));
}

function section(id: string, title: string, intro: string, modes: readonly ModeSummary[], first: string, rows: readonly Row[], extra: Table[] = []): Section {
  return { id, title, intro, tables: [modeTable(modes, first, rows), ...extra], charts: rows.length > 0 ? modeCharts(modes, title, rows) : [] };
}

/** Rows for a distribution: every key seen in any mode, in the order first seen. */
function bucketRows(modes: readonly ModeSummary[], pick: (s: ModeSummary) => Bucket[], label: (key: string) => string, of: (s: ModeSummary) => number): Row[] {
  const keys = [...new Set(modes.flatMap((m) => pick(m).map((b) => b.key)))];
  return keys.map((key) => ({ label: label(key), value: (s) => pick(s).find((b) => b.key === key)?.count ?? 0, of }));
}

function topTable(modes: readonly ModeSummary[], what: string, pick: (s: ModeSummary) => Bucket[], limit = 10): Table {
  return {
    head: [what, 'mode', 'domains'],
    rows: modes.flatMap((m) =>
      pick(m)
        .slice(0, limit)
        .map((b) => [b.key, m.mode, String(b.count)]),
    ),
    numeric: [2],
  };
}

function expiryText(row: DomainRow): string {
  const c = row.certificate;
  if (!c) return '—';
  const day = c.notAfter.slice(0, 10);
  return c.daysToExpiry < 0 ? `expired ${-c.daysToExpiry} d ago (${day})` : `${c.daysToExpiry} d (${day})`;
}

export function domainTable(rows: readonly DomainRow[]): Table {
  return {
    head: ['domain', 'mode', 'grade', 'ignoring trust', 'status', 'certificate expiry', 'protocols', 'certificate problems', 'software'],
    rows: rows.map((r) => [
      r.domain,
      r.mode,
      (r.grade ?? '—') + (r.mixed ? ' (mixed)' : ''),
      r.gradeIgnoringTrust ?? '—',
      STATUS_LABELS[r.status] + (r.error ? `: ${r.error}` : '') + (r.endpoints > 0 ? ` (${r.endpointsReached}/${r.endpoints} endpoints)` : ''),
      expiryText(r),
      r.protocols.join(' ') || '—',
      r.certificateProblems.map((p) => problemLabel(p)).join(', ') || '—',
      r.software ?? '—',
    ]),
    numeric: [],
    gradeColumns: [2, 3],
  };
}

export function modeCounts(report: SurveyReport): string {
  return report.modes.map((m) => `${m.reachability.tested} ${m.mode}`).join(', ') || 'no results';
}

export function reportSections(report: SurveyReport): Section[] {
  const modes = report.modes;
  const tested = (s: ModeSummary) => s.reachability.tested;
  const withTls = (s: ModeSummary) => s.reachability.withTls;
  const graded = (s: ModeSummary) => s.grades.graded;
  const withCert = (s: ModeSummary) => s.certificates.withCertificate;
  const probed = (s: ModeSummary) => s.protocols.of;
  const s2sModes = modes.filter((m) => m.s2s !== null);
  const hasSoftware = modes.some((m) => m.software.known > 0);

  return [
    section(
      'overview',
      'Tested domains',
      'Each domain counts once per mode. Not serving: no XMPP service for the mode (invalid name, DNS failure, SRV "."). Unreachable: endpoints found, none answered. Partial DNS: one SRV lookup failed while another gave records, which were scanned (endpoints may be missing). STARTTLS required is out of the domains with TLS: every endpoint that answered requires encryption (or is direct TLS).',
      modes,
      'domains',
      [
        { label: 'tested', value: tested, of: () => 0 },
        { label: 'not serving', value: (s) => s.reachability.notServing, of: tested },
        { label: 'unreachable', value: (s) => s.reachability.unreachable, of: tested },
        { label: 'partial DNS', value: (s) => s.reachability.dnsPartialFailure ?? 0, of: tested },
        { label: 'no TLS at all', value: (s) => s.reachability.noTls, of: tested },
        { label: 'with TLS', value: withTls, of: tested },
        { label: 'STARTTLS required', value: (s) => s.reachability.starttlsRequired, of: withTls },
      ],
    ),
    section(
      'grades',
      'Grades',
      `The grade of a domain is its worst endpoint's (profile ${report.profile ?? 'none'}); percentages are out of the graded domains.`,
      modes,
      'grade',
      [
        ...LETTERS.map((l) => ({ label: l, value: (s: ModeSummary) => s.grades.letters[l], of: graded })),
        { label: 'no grade', value: (s: ModeSummary) => s.grades.ungraded, of: () => 0 },
      ],
    ),
    section(
      'grades-ignoring-trust',
      'Grades ignoring trust',
      'The same domains graded as if every certificate were trusted and valid for the domain: what their TLS alone deserves.',
      modes,
      'grade',
      TRUST_IGNORING_LETTERS.map((l) => ({ label: l, value: (s: ModeSummary) => s.grades.lettersIgnoringTrust[l], of: graded })),
    ),
    section(
      'certificates',
      'Certificate problems',
      'Out of the domains that sent a certificate; a domain counts under every problem any of its certificates has, so several may apply. The table below lists the most common self-signed certificates found inside chains (the would-be roots).',
      modes,
      'certificates',
      [
        { label: 'sent a certificate', value: withCert, of: () => 0 },
        { label: 'trusted and valid for the domain', value: (s) => s.certificates.valid, of: withCert },
        { label: 'not trusted', value: (s) => s.certificates.untrusted, of: withCert },
        ...CERTIFICATE_PROBLEMS.map((p) => ({ label: problemLabel(p), value: (s: ModeSummary) => s.certificates.problems[p], of: withCert })),
        { label: 'expires within 30 days', value: (s) => s.certificates.expiringWithin30Days, of: withCert },
      ],
      [topTable(modes, 'self-signed certificate in the chain', (s) => s.certificates.selfSignedInChainIssuers)],
    ),
    section(
      'protocols',
      'Protocols',
      'Out of the domains whose TLS was probed; a domain supports a version when at least one endpoint does.',
      modes,
      'protocol',
      PROTOCOLS.map((p) => ({ label: p, value: (s: ModeSummary) => s.protocols.supported[p], of: probed })),
    ),
    section(
      'keys',
      'Certificate keys',
      'Leaf certificate keys, out of the domains that sent a certificate; a domain with different keys on different endpoints counts once for each.',
      modes,
      'key',
      [
        ...bucketRows(
          modes,
          (s) => s.keys.rsaBits,
          (k) => `RSA ${k} bits`,
          withCert,
        ),
        ...bucketRows(
          modes,
          (s) => s.keys.ecCurves,
          (k) => `EC ${k}`,
          withCert,
        ),
        ...bucketRows(
          modes,
          (s) => s.keys.other,
          (k) => k,
          withCert,
        ),
      ],
    ),
    section(
      'suites',
      'Cipher suites',
      `Out of the domains whose TLS was probed; a domain counts when at least one endpoint accepts such a suite (forward secrecy only: every accepted suite). 3DES, at ${WEAK_BELOW_BITS} bits, is not weak.`,
      modes,
      'suites',
      [
        { label: `weak (${WEAK_SUITES})`, value: (s) => s.suites.weak, of: probed },
        { label: 'EXPORT', value: (s) => s.suites.export, of: probed },
        { label: 'NULL (no encryption)', value: (s) => s.suites.null, of: probed },
        { label: 'anonymous', value: (s) => s.suites.anonymous, of: probed },
        { label: 'RC4', value: (s) => s.suites.rc4, of: probed },
        { label: 'at least one forward-secret', value: (s) => s.suites.forwardSecrecy, of: probed },
        { label: 'forward secrecy only', value: (s) => s.suites.forwardSecrecyOnly, of: probed },
        { label: 'at least one AEAD', value: (s) => s.suites.aead, of: probed },
      ],
    ),
    section(
      'dh',
      'Diffie-Hellman parameters',
      'Out of the domains whose TLS was probed: DHE accepted, the smallest prime below 2048 bits, and each prime size seen (a domain counts once per distinct size).',
      modes,
      'DH',
      [
        { label: 'DHE accepted', value: (s) => s.dh.dhe, of: probed },
        { label: 'prime below 2048 bits', value: (s) => s.dh.below2048, of: probed },
        ...bucketRows(
          modes,
          (s) => s.dh.sizes,
          (k) => `${k} bits`,
          probed,
        ),
      ],
    ),
    s2sModes.length > 0
      ? section(
          's2s',
          'Server-to-server',
          'Out of the s2s domains that answered; a domain counts when at least one endpoint does so.',
          s2sModes,
          'server-to-server',
          [
            { label: 'client certificate required', value: (s) => s.s2s!.clientCertificateRequired, of: (s) => s.s2s!.of },
            { label: 'SASL EXTERNAL offered', value: (s) => s.s2s!.saslExternalOffered, of: (s) => s.s2s!.of },
            { label: 'dialback offered', value: (s) => s.s2s!.dialback, of: (s) => s.s2s!.of },
          ],
        )
      : { id: 's2s', title: 'Server-to-server', intro: 'No s2s results in this report.', tables: [], charts: [] },
    section(
      'simulation',
      'Who can connect',
      'Handshake simulation (docs/simulation.md): out of the domains simulated, those a client or server with the TLS library and defaults of each profile cannot connect to at all (no endpoint accepts it: a client tries them in turn). In s2s, the servers that federate with these stacks (Prosody and ejabberd use OpenSSL) cannot reach them.',
      modes,
      'who can connect',
      [
        { label: 'a current profile cannot connect', value: (s) => s.simulation?.someCurrentCannot ?? 0, of: (s) => s.simulation?.of ?? 0 },
        ...bucketRows(
          modes,
          (s) => s.simulation?.cannotConnect ?? [],
          (k) => `${profileById(k)?.name ?? k} cannot connect`,
          (s) => s.simulation?.of ?? 0,
        ),
      ],
    ),
    section(
      'dane',
      'DANE',
      'Out of the domains whose TLSA records were looked up (RFC 7673: at _PORT._tcp.HOST of each endpoint, with DNSSEC); a domain counts when at least one endpoint does so. Valid: every endpoint with records has a secure record that matches its certificate.',
      modes,
      'DANE',
      [
        { label: 'publish TLSA', value: (s) => s.dane?.publishing ?? 0, of: (s) => s.dane?.of ?? 0 },
        { label: 'valid (records match)', value: (s) => s.dane?.valid ?? 0, of: (s) => s.dane?.of ?? 0 },
        { label: 'mismatch (secure, no match)', value: (s) => s.dane?.mismatch ?? 0, of: (s) => s.dane?.of ?? 0 },
        { label: 'insecure (not signed)', value: (s) => s.dane?.insecure ?? 0, of: (s) => s.dane?.of ?? 0 },
        { label: 'bogus DNSSEC', value: (s) => s.dane?.bogus ?? 0, of: (s) => s.dane?.of ?? 0 },
        { label: 'not checked (lookup error)', value: (s) => s.dane?.error ?? 0, of: (s) => s.dane?.of ?? 0 },
      ],
    ),
    section(
      'software',
      'Server software',
      hasSoftware
        ? 'The server software and version the server gave (XEP-0092 Software Version), where known; percentages are out of the domains that answered.'
        : 'No server software versions are known for these results (XEP-0092 Software Version was not asked or not answered).',
      modes,
      'software',
      [
        { label: 'known', value: (s) => s.software.known, of: (s) => s.software.known + s.software.unknown },
        { label: 'unknown', value: (s) => s.software.unknown, of: (s) => s.software.known + s.software.unknown },
        ...bucketRows(
          modes,
          (s) => s.software.products,
          (k) => k,
          (s) => s.software.known + s.software.unknown,
        ),
      ],
      [
        ...(hasSoftware ? [topTable(modes, 'software version', (s) => s.software.versions, 20)] : []),
        ...(modes.some((m) => m.software.unknown > 0) ? [topTable(modes, 'why unknown', (s) => s.software.unknownReasons, 10)] : []),
      ],
    ),
    {
      id: 'domains',
      title: 'Domains',
      intro:
        'One row per domain and mode, worst first: no grade (no TLS, unreachable, not serving), then T, M, F … A+. Expiry is the certificate that expires first, counted from the report time.',
      tables: [domainTable(report.domains)],
      charts: [],
    },
  ];
}
