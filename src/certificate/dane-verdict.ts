import type { TlsaLookup } from '../discovery/index.js';
import type { CertificateResult, DaneResult, Mode } from '../result/types.js';
import { matchTlsa } from './dane.js';
import { builtPathOf } from './trust.js';

export interface DaneEvidence {
  /** The chain the server sent, leaf first (DER); empty when none was seen. */
  presented: readonly Buffer[];
  /** The PKIX verdict on that chain (null when there was none). */
  certificate: CertificateResult | null;
  /** RFC 7673 §4: the SRV target host and the service domain; either may match. */
  referenceNames: readonly string[];
  mode: Mode;
  now: Date;
}

/**
 * The endpoint's DANE verdict: what the lookups decided on their own (none, insecure, bogus,
 * error), or else the match of the secure TLSA RRset against the chain the server sent.
 */
export function judgeDane(lookup: TlsaLookup, evidence: DaneEvidence): DaneResult {
  const base = { name: lookup.name, dnssec: lookup.dnssec, records: lookup.records };
  if (lookup.status !== null) return { ...base, status: lookup.status, matched: [], problems: lookup.problems };
  if (evidence.presented.length === 0) {
    const problem = { code: 'no_certificate' as const, message: 'the server sent no certificate we could read: the TLSA records could not be matched' };
    return { ...base, status: 'error', matched: [], problems: [problem] };
  }
  const certificate = evidence.certificate;
  // PKIX-TA and PKIX-EE need the PKIX verdict too (RFC 6698 §2.1.1): a trusted path and the name.
  const pkixPath = certificate?.trusted && certificate.hostnameValid ? (builtPathOf(certificate) ?? null) : null;
  const verdict = matchTlsa({
    records: lookup.records,
    presented: evidence.presented,
    pkixPath,
    referenceNames: evidence.referenceNames,
    mode: evidence.mode,
    now: evidence.now,
  });
  const matched = verdict.matched.map((m) => ({ ...m.record, depth: m.depth }));
  // Secure records and none matches, even when none is usable (RFC 7671 §4.1 then falls back to
  // PKIX): the operator published TLSA meaning to pin something, and it pins nothing.
  const status = matched.length > 0 ? 'valid' : 'mismatch';
  return { ...base, status, matched, problems: verdict.problems };
}
