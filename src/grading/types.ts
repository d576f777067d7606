// Types of the grades computed from a scan result (see grade.ts). Plain JSON, like the result document they are
// stored in: `EndpointResult.grade` and `ScanResult.grade` (src/result/types.ts).

/** Grading profiles: `ssllabs-2009r` (default, the SSL Labs rating guide) and `xmppoke-2015` (the IM Observatory). */
export type ProfileName = 'ssllabs-2009r' | 'xmppoke-2015';

/**
 * Every letter a grade can have, best first: A+ > A > A- > B > C > D > E > F > M > T (see letterRank).
 * `A-` is an A with warnings and `A+` an A without (ssllabs-2009r only; xmppoke-2015 stops at A).
 * `T`: the certificate is not trusted. `M`: it is trusted but names another domain (ssllabs-2009r only: xmppoke-2015
 * gives F for both).
 */
export type GradeLetter = 'A+' | 'A' | 'A-' | 'B' | 'C' | 'D' | 'E' | 'F' | 'T' | 'M';

/** A letter before certificate trust is considered: never T or M. */
export type TrustIgnoringLetter = Exclude<GradeLetter, 'T' | 'M'>;

/** The letter bands of the numeric score (≥80 A, ≥65 B, ≥50 C, ≥35 D, ≥20 E, else F). */
export type ScoreLetter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** Stable reason codes of the caps: what limits the grade. Metrics and reports key on these. */
export type GradeCapCode =
  // F
  | 'sslv2_supported'
  | 'sslv3_best_protocol'
  | 'export_suites'
  | 'anonymous_suites'
  | 'rsa_key_below_1024'
  | 'dh_below_1024'
  | 'md5_signature'
  | 'weak_cipher_below_112_bits'
  | 'rc4_only'
  // C
  | 'no_tls12_or_tls13'
  | 'rc4_with_modern_protocols'
  | '64bit_block_cipher_with_modern_protocols'
  | 'sslv3_cbc_poodle'
  | 'tls_compression'
  // B
  | 'sslv3_supported'
  | 'tls10_or_tls11_supported'
  | 'rc4_supported'
  | 'rsa_key_below_2048'
  | 'dh_below_2048'
  | 'no_forward_secrecy'
  | 'no_aead'
  | 'incomplete_chain'
  // certificate trust (T / M with ssllabs-2009r, F with xmppoke-2015)
  | 'certificate_not_trusted'
  | 'certificate_name_mismatch'
  | 'certificate_unavailable';

/** Stable codes of the warnings: with ssllabs-2009r they turn an A into A- (and keep it from A+). */
export type GradeWarningCode =
  | 'no_tls13'
  | 'some_suites_without_forward_secrecy'
  | 'encryption_not_required'
  | 'no_secure_renegotiation'
  | 'sha1_signature'
  | 'protocols_undetermined'
  | 'current_client_cannot_connect';

/** One reason the grade is limited: the grade is at most `limit`. */
export interface GradeCap {
  code: GradeCapCode;
  limit: GradeLetter;
  /** One English sentence with the values, e.g. "DH parameters of 1024 bits (< 2048) cap the grade at B". */
  message: string;
}

export interface GradeWarning {
  code: GradeWarningCode;
  message: string;
}

/**
 * Something that changed how the grade was reached without limiting it. `dane_authenticated`: a
 * DNSSEC-secure DANE-EE or DANE-TA record matches the served chain, which authenticates the server
 * for XMPP (RFC 7673), so the certificate trust caps were lifted.
 */
export interface GradeNote {
  code: 'dane_authenticated';
  message: string;
}

/** The grade of one endpoint. */
export interface EndpointGrade {
  profile: ProfileName;
  letter: GradeLetter;
  /** The letter if certificate trust and identity were ignored: the caps with limit T/M (or F for them in
   * xmppoke-2015: certificate_not_trusted, certificate_name_mismatch, certificate_unavailable) left out. */
  letterIgnoringTrust: TrustIgnoringLetter;
  /** 0.3 × protocol + 0.3 × key exchange + 0.4 × cipher; 0 when any of the three is 0. */
  score: number;
  protocolScore: number;
  keyExchangeScore: number;
  cipherScore: number;
  /** Every cap that applies, most severe first (none of them when the score alone decides). */
  caps: GradeCap[];
  warnings: GradeWarning[];
  /** What changed the grade without limiting it (docs/grading.md#dane); absent in documents written before it existed. */
  notes?: GradeNote[];
}

/** The grade of a domain: its worst endpoint. */
export interface DomainGrade {
  profile: ProfileName;
  /** The worst endpoint letter (letterRank order: T and M rank below F). */
  letter: GradeLetter;
  /** The worst endpoint letterIgnoringTrust. */
  letterIgnoringTrust: TrustIgnoringLetter;
  /** The lowest endpoint score. */
  score: number;
  /** true when the graded endpoints do not all have the same letter. */
  mixed: boolean;
  /** The distinct endpoint letters, best first. */
  letters: GradeLetter[];
  /** Endpoints graded, and endpoints without a grade (skipped, failed, or not probed): these are not in the roll-up. */
  endpointsGraded: number;
  endpointsUngraded: number;
}

/** Why an endpoint has no grade. */
export type UngradedReasonCode = 'skipped' | 'not_probed' | 'partial' | 'handshake_failed' | 'no_protocol' | 'no_cipher_suites';

export interface UngradedReason {
  code: UngradedReasonCode;
  message: string;
}
