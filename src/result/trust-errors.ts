import type { TrustError } from './types.js';

/**
 * The one list of trust error codes: whether each makes a chain untrusted, and the words humans
 * read for it (report tables, grade reasons, metric help). The order is the order results,
 * reports and metric help list them in. A Record, so a new code cannot be forgotten here.
 *
 * Non-blocking codes (incomplete_chain, weak_signature, weak_key) are findings to grade, not
 * verdicts: clients with AIA fetching, or a laxer policy, still accept such chains, so `trusted`
 * stays true and the grading decides how bad they are.
 */
const TRUST_ERROR_FACTS: Readonly<Record<TrustError, { blocking: boolean; words: string }>> = {
  expired: { blocking: true, words: 'expired' },
  not_yet_valid: { blocking: true, words: 'not yet valid' },
  self_signed: { blocking: true, words: 'self-signed' },
  self_signed_in_chain: { blocking: true, words: 'self-signed certificate in the chain' },
  unknown_issuer: { blocking: true, words: 'unknown issuer' },
  not_a_ca: { blocking: true, words: 'issued by a certificate that is not a CA' },
  path_length_exceeded: { blocking: true, words: 'path length constraint exceeded' },
  bad_key_usage: { blocking: true, words: 'key usage forbids it' },
  bad_extended_key_usage: { blocking: true, words: 'not for server authentication (extended key usage)' },
  name_constraint_violation: { blocking: true, words: 'outside a CA name constraint' },
  unknown_critical_extension: { blocking: true, words: 'unknown critical extension' },
  anchor_expired: { blocking: true, words: 'trust anchor expired' },
  incomplete_chain: { blocking: false, words: 'incomplete chain' },
  weak_signature: { blocking: false, words: 'weak signature (MD5, SHA-1)' },
  weak_key: { blocking: false, words: 'weak key' },
};

/** Every trust error code, in reporting order. */
export const TRUST_ERRORS = Object.keys(TRUST_ERROR_FACTS) as TrustError[];

export const isBlockingTrustError = (e: TrustError): boolean => TRUST_ERROR_FACTS[e].blocking;

/** What a code means, in a few words ("unknown issuer"). */
export const trustErrorWords = (e: TrustError): string => TRUST_ERROR_FACTS[e].words;
