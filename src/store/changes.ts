import { PROTOCOLS } from '../result/protocols.js';
import { SUITE_CLASSES, inSuiteClass } from '../result/suite-classes.js';
import type { CipherSuiteFinding, ScanResult } from '../result/types.js';
import { scanSucceeded } from './store.js';

// What "changed" means for the history: a few facts of a scan, each a short canonical text, that an
// operator would want to be told about. Two scans with equal facts are the same state (the second
// is only "seen again"); a difference in any of them is a change, and says old → new. The texts
// are what the API, the CLI and the status page show, so they are written for people.

/** The closed list of what can change (the `what` label of xmpp_tls_last_change_timestamp_seconds). */
export const CHANGE_KINDS = [
  'reachability',
  'grade',
  'grade_ignoring_trust',
  'protocols',
  'cipher_suites',
  'certificate',
  'trust',
  'starttls',
  'endpoints',
  'software',
  'dane',
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One text per kind. */
export type ChangeFacts = Record<ChangeKind, string>;

export interface FactChange {
  what: ChangeKind;
  from: string;
  to: string;
  /** The change in words: "TLSv1.0 enabled", "grade A → B". */
  summary: string;
}

const NONE = 'none';

/**
 * The facts of a scan. A failed scan changes only `reachability`: the other facts are those of the
 * scan before it (`previous`), as the metrics keep the last good facts — a server that is down for
 * an hour has not changed its certificate. A failed version query likewise keeps the last software.
 */
export function changeFacts(result: ScanResult, previous: ChangeFacts | null): ChangeFacts {
  const reachability = reachabilityOf(result);
  if (!scanSucceeded(result)) {
    return previous ? { ...previous, reachability } : { ...emptyFacts(), reachability };
  }
  const ok = result.endpoints.filter((e) => e.status === 'ok');
  const probed = ok.filter((e) => e.tls !== null);
  const protocols = PROTOCOLS.filter((p) => probed.some((e) => e.tls?.protocols[p]));
  const leaves = new Map<string, string>();
  const trust = new Set<string>();
  for (const e of ok) {
    const c = e.certificate;
    if (!c) continue;
    leaves.set(c.fingerprintSha256, `${c.fingerprintSha256} until ${c.notAfter.slice(0, 10)}`);
    for (const reason of c.trustErrors) trust.add(reason);
    if (!c.hostnameValid) trust.add('hostname_mismatch');
  }
  const certificates = ok.some((e) => e.certificate) ? [...leaves.keys()].sort().map((k) => leaves.get(k)) : [];
  return {
    reachability,
    grade: result.grade?.letter ?? NONE,
    grade_ignoring_trust: result.grade?.letterIgnoringTrust ?? NONE,
    protocols: probed.length ? protocols.join(', ') || NONE : 'not probed',
    cipher_suites: probed.length ? suiteCounts(probed.flatMap((e) => e.tls?.cipherSuites ?? [])) : 'not probed',
    certificate: certificates.join('; ') || NONE,
    trust: certificates.length ? [...trust].sort().join(', ') || 'trusted' : NONE,
    starttls: [...new Set(ok.map((e) => (e.directTls ? 'direct TLS' : (e.xmpp?.starttls ?? 'unknown'))))].sort().join(', ') || NONE,
    endpoints:
      [...new Set(result.endpoints.filter((e) => e.status !== 'skipped').map((e) => `${e.host}:${e.port}${e.directTls ? ' (direct TLS)' : ''}`))]
        .sort()
        .join(', ') || NONE,
    software: softwareOf(result, previous),
    dane: daneOf(ok),
  };
}

/** The DANE statuses of the endpoints (`valid`, `mismatch, valid`, …); `not checked` without any. */
function daneOf(endpoints: readonly ScanResult['endpoints'][number][]): string {
  const statuses = [...new Set(endpoints.flatMap((e) => (e.dane ? [e.dane.status] : [])))].sort();
  return statuses.length ? statuses.join(', ') : 'not checked';
}

function emptyFacts(): ChangeFacts {
  return Object.fromEntries(CHANGE_KINDS.map((k) => [k, NONE])) as ChangeFacts;
}

function reachabilityOf(r: ScanResult): string {
  if (scanSucceeded(r)) return 'reachable';
  if (r.error) return `unreachable (${r.error.code})`;
  const codes = [...new Set(r.endpoints.map((e) => e.error?.code ?? e.status))].sort();
  return `unreachable (${codes.join(', ') || 'no endpoint'})`;
}

/** Distinct (protocol, suite) pairs counted per class: "all 12, forward_secrecy 12, …". */
function suiteCounts(suites: CipherSuiteFinding[]): string {
  const unique = new Map<string, CipherSuiteFinding>();
  for (const s of suites) unique.set(`${s.protocol} ${s.code}`, s);
  const list = [...unique.values()];
  return SUITE_CLASSES.map((c) => `${c} ${list.filter((s) => inSuiteClass(s, c)).length}`).join(', ');
}

function softwareOf(r: ScanResult, previous: ChangeFacts | null): string {
  const s = r.software;
  if (s === undefined || s === null) return 'not asked';
  if (s.error) return previous?.software ?? 'unknown';
  return [s.name, s.version].filter(Boolean).join(' ') || 'unknown';
}

/** What differs between two states, each with its summary; empty when they are the same. */
export function diffFacts(from: ChangeFacts, to: ChangeFacts): FactChange[] {
  const changes: FactChange[] = [];
  for (const what of CHANGE_KINDS) {
    // A kind the earlier state did not record yet (written by an older version): not a change.
    if (from[what] === to[what] || from[what] === undefined) continue;
    changes.push({ what, from: from[what], to: to[what], summary: summarize(what, from[what], to[what]) });
  }
  return changes;
}

function summarize(what: ChangeKind, from: string, to: string): string {
  switch (what) {
    case 'reachability':
      return to === 'reachable' ? 'reachable again' : to;
    case 'grade':
      return `grade ${from} → ${to}`;
    case 'grade_ignoring_trust':
      return `grade ignoring trust ${from} → ${to}`;
    case 'dane':
      return `DANE ${from} → ${to}`;
    case 'protocols':
      return (
        listChange(
          from,
          to,
          ', ',
          (p) => `${p} enabled`,
          (p) => `${p} disabled`,
        ) ?? `protocols ${from} → ${to}`
      );
    case 'certificate':
      return to === NONE ? 'no certificate' : `certificate ${from === NONE ? 'presented' : 'replaced'}: ${shortCertificates(to)}`;
    case 'endpoints':
      return (
        listChange(
          from,
          to,
          ', ',
          (e) => `endpoint ${e} added`,
          (e) => `endpoint ${e} removed`,
        ) ?? `endpoints ${from} → ${to}`
      );
    case 'cipher_suites': {
      const a = counts(from);
      const b = counts(to);
      const parts = SUITE_CLASSES.filter((c) => a.get(c) !== b.get(c)).map((c) => `${c} ${a.get(c) ?? '?'} → ${b.get(c) ?? '?'}`);
      return `cipher suites: ${parts.join(', ') || `${from} → ${to}`}`;
    }
    default:
      return `${what.replace(/_/g, ' ')} ${from} → ${to}`;
  }
}

/** "A enabled, B disabled" for lists; null when either side is not a list (none, not probed). */
function listChange(from: string, to: string, sep: string, added: (x: string) => string, removed: (x: string) => string): string | null {
  if ([from, to].some((x) => x === NONE || x === 'not probed')) return null;
  const a = new Set(from.split(sep));
  const b = new Set(to.split(sep));
  const parts = [...[...b].filter((x) => !a.has(x)).map(added), ...[...a].filter((x) => !b.has(x)).map(removed)];
  return parts.length ? parts.join(', ') : null;
}

function counts(text: string): Map<string, string> {
  return new Map(
    text
      .split(', ')
      .map((p) => p.split(' '))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k!, v!]),
  );
}

/** "AB:12:CD… until 2027-01-01" for each certificate of a `certificate` fact. */
export function shortCertificates(text: string): string {
  return text
    .split('; ')
    .map((c) => c.replace(/^([0-9A-Fa-f:]{8})[0-9A-Fa-f:]*/, '$1…'))
    .join('; ');
}

/** "2026-11-30 14:02 UTC", as the history is shown everywhere; a time that does not parse, as it is. */
export function utcMinute(iso: string): string {
  const at = new Date(iso);
  return Number.isFinite(at.getTime()) ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso;
}

/** How long a state lasted, when later scans found it again: "seen again until … (N scans)"; null when seen once. */
export function seenAgain(state: { scans: number; lastSeenAt: string }): string | null {
  return state.scans > 1 ? `seen again until ${utcMinute(state.lastSeenAt)} (${state.scans} scans)` : null;
}
