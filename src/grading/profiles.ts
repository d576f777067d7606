// The grading profiles, as tables of scores and rules. grade.ts applies them.
//
// ssllabs-2009r: the SSL Labs "SSL Server Rating Guide" (2009r) with the caps SSL Labs added since (2014-2020), and
// `encryption_not_required` (STARTTLS without <required/>) in the place of its HSTS rule.
// xmppoke-2015: the IM Observatory (xmpp.net) rules as last changed in October 2015, to compare with its numbers.
import { isBlockingTrustError, trustErrorWords } from '../result/trust-errors.js';
import type { CipherSuiteFinding, ProtocolName } from '../result/types.js';
import { dheBits, groupStrengths, isCbc, joinAnd, listNames, MODERN_PROTOCOLS, protocolLabel, usesCertificate, type GradingFacts } from './facts.js';
import { isCurrentProfile, profileById } from '../tls/registry/profile-lookup.js';
import type { GradeCapCode, GradeLetter, GradeWarningCode, ProfileName } from './types.js';

/** A rule that limits the grade: `check` returns the sentence explaining it when it applies, else null. */
export interface CapRule {
  readonly code: GradeCapCode;
  readonly limit: GradeLetter;
  /** A certificate trust/identity rule: left out of letterIgnoringTrust. */
  readonly trust: boolean;
  readonly check: (f: GradingFacts) => string | null;
}

/** A warning: `check` returns its sentence when it applies, else null. */
export interface WarningRule {
  readonly code: GradeWarningCode;
  readonly check: (f: GradingFacts) => string | null;
}

export interface GradingProfile {
  readonly name: ProfileName;
  readonly description: string;
  /** Score of each protocol version; the protocol score is (best + worst) / 2 over the supported ones. */
  readonly protocolScores: Readonly<Record<ProtocolName, number>>;
  /** Key exchange score of one accepted suite; the endpoint's is the lowest (the weakest key exchange accepted).
   * null when nothing about the suite's key exchange could be measured (no certificate, no ephemeral parameters). */
  readonly suiteKeyExchangeScore: (s: CipherSuiteFinding, f: GradingFacts) => number | null;
  /** Caps, in the order they are checked (the grade lists them most severe first). */
  readonly caps: readonly CapRule[];
  readonly warnings: readonly WarningRule[];
  /** A+ for an A without warnings and A- for an A with some (ssllabs-2009r); without it, an A stays A. */
  readonly plusMinus: boolean;
}

// ---- shared scales ----

/** Key strength (RSA-equivalent bits) → score: < 512 → 20, < 1024 → 40, < 2048 → 80, < 4096 → 90, else 100. */
export function keyStrengthScore(bits: number): number {
  if (bits < 512) return 20;
  if (bits < 1024) return 40;
  if (bits < 2048) return 80;
  if (bits < 4096) return 90;
  return 100;
}

/** Cipher strength (effective bits; 3DES 112) → score: 0 → 0, < 128 → 20, < 256 → 80, else 100. */
export function cipherStrengthScore(bits: number): number {
  if (bits <= 0) return 0;
  if (bits < 128) return 20;
  if (bits < 256) return 80;
  return 100;
}

// ---- rule helpers ----

function capPhrase(limit: GradeLetter): string {
  return limit === 'T' || limit === 'M' ? `the grade is ${limit}` : `the grade is capped at ${limit}`;
}

/** "<finding>: the grade is capped at B". */
function cap(code: GradeCapCode, limit: GradeLetter, finding: (f: GradingFacts) => string | null, trust = false): CapRule {
  return {
    code,
    limit,
    trust,
    check: (f) => {
      const what = finding(f);
      return what === null ? null : `${what}: ${capPhrase(limit)}`;
    },
  };
}

function suitesWhere(f: GradingFacts, pred: (s: CipherSuiteFinding) => boolean): CipherSuiteFinding[] {
  return f.suites.filter(pred);
}

function suiteNames(suites: readonly CipherSuiteFinding[]): string {
  return listNames(suites.map((s) => s.name));
}

function supported(f: GradingFacts, p: ProtocolName): boolean {
  return f.protocols.includes(p);
}

/** The certificate's RSA or DSA key size when it is below `max` (and at least `min`), else null. */
function rsaDsaKeyBelow(f: GradingFacts, max: number, min = 0): string | null {
  const k = f.certificateKey;
  if (!k || (k.type !== 'RSA' && k.type !== 'DSA') || k.bits >= max || k.bits < min) return null;
  return `The certificate's ${k.type} key of ${k.bits} bits (< ${max})`;
}

function keyRule(code: GradeCapCode, limit: GradeLetter, max: number, min = 0): CapRule {
  return {
    code,
    limit,
    trust: false,
    check: (f) => {
      const what = rsaDsaKeyBelow(f, max, min);
      return what === null ? null : `${what} caps the grade at ${limit}`;
    },
  };
}

function dhRule(code: GradeCapCode, limit: GradeLetter, max: number, min = 0): CapRule {
  return {
    code,
    limit,
    trust: false,
    check: (f) => {
      const bits = f.minDhBits;
      if (bits === null || bits >= max || bits < min) return null;
      return `DH parameters of ${bits} bits (< ${max}) cap the grade at ${limit}`;
    },
  };
}

function signatureMatching(f: GradingFacts, re: RegExp): string | null {
  const hits = f.signatures.filter((s) => re.test(s.algorithm));
  if (hits.length === 0) return null;
  const [first, ...rest] = hits.map((s) => `${s.which} is signed with ${s.algorithm}`);
  const text = [first!, ...rest].join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** MD2, MD4 and MD5 signatures (`md5WithRSAEncryption`, …). */
const MD_SIGNATURE = /md[245](?![0-9])/i;
/** SHA-1 signatures (`sha1WithRSAEncryption`, `ecdsa-with-SHA1`, `dsaWithSHA1`). */
const SHA1_SIGNATURE = /sha-?1(?![0-9])/i;

/** With `mentionMismatch`, says so when the certificate also names another domain (ssllabs-2009r: M needs trust). */
function notTrusted(f: GradingFacts, mentionMismatch: boolean): string | null {
  const c = f.certificate;
  if (!c || c.trusted) return null;
  const why = c.trustErrors.filter(isBlockingTrustError).map(trustErrorWords);
  const mismatch = mentionMismatch && !c.hostnameValid ? `, and no identity in it matches the domain${identities(f)}` : '';
  return `The certificate is not trusted${why.length ? ` (${why.join(', ')})` : ''}${mismatch}`;
}

function identities(f: GradingFacts): string {
  const c = f.certificate;
  if (!c) return '';
  const names = [...c.sans.dns, ...c.sans.srv, ...c.sans.xmppAddr, ...(c.commonName !== null ? [c.commonName] : [])];
  return names.length ? ` (it is for ${listNames(names)})` : ' (it names no domain)';
}

const certificateUnavailable = (f: GradingFacts): string | null =>
  f.certificate === null ? 'No certificate could be obtained with a standard TLS handshake, so the server cannot be authenticated' : null;

// ---- ssllabs-2009r ----

function ssllabsSuiteKeyExchange(s: CipherSuiteFinding, f: GradingFacts): number | null {
  if (s.anonymous) return 0;
  if (s.export) return 40;
  const strengths: number[] = [];
  if (usesCertificate(s) && f.certificateKey) strengths.push(f.certificateKey.rsaEquivalent);
  const dh = dheBits(s, f);
  if (dh !== null) strengths.push(dh);
  strengths.push(...groupStrengths(s, f));
  return strengths.length ? keyStrengthScore(Math.min(...strengths)) : null;
}

const SSLLABS: GradingProfile = {
  name: 'ssllabs-2009r',
  description: 'SSL Labs SSL Server Rating Guide (2009r) with its later caps; STARTTLS not required counts like missing HSTS',
  protocolScores: { SSLv2: 0, SSLv3: 80, 'TLSv1.0': 90, 'TLSv1.1': 95, 'TLSv1.2': 100, 'TLSv1.3': 100 },
  suiteKeyExchangeScore: ssllabsSuiteKeyExchange,
  plusMinus: true,
  caps: [
    // F
    cap('sslv2_supported', 'F', (f) => (supported(f, 'SSLv2') ? 'SSLv2 is supported' : null)),
    cap('sslv3_best_protocol', 'F', (f) => (f.best === 'SSLv3' ? 'SSLv3 is the best protocol supported' : null)),
    cap('export_suites', 'F', (f) => {
      const s = suitesWhere(f, (x) => x.export);
      return s.length ? `EXPORT cipher suites are accepted (${suiteNames(s)})` : null;
    }),
    cap('anonymous_suites', 'F', (f) => {
      const s = suitesWhere(f, (x) => x.anonymous);
      return s.length ? `Anonymous (unauthenticated) key exchange is accepted (${suiteNames(s)})` : null;
    }),
    keyRule('rsa_key_below_1024', 'F', 1024),
    dhRule('dh_below_1024', 'F', 1024),
    cap('md5_signature', 'F', (f) => signatureMatching(f, MD_SIGNATURE)),
    cap('weak_cipher_below_112_bits', 'F', (f) => {
      const s = suitesWhere(f, (x) => x.effectiveBits < 112);
      return s.length
        ? `Cipher suites with fewer than 112 effective bits are accepted (${listNames(s.map((x) => `${x.name} ${x.effectiveBits} bits`))})`
        : null;
    }),
    cap('rc4_only', 'F', (f) => (f.suites.every((x) => x.rc4) ? 'Only RC4 cipher suites are accepted' : null)),
    // C
    cap('no_tls12_or_tls13', 'C', (f) => (!supported(f, 'TLSv1.2') && !supported(f, 'TLSv1.3') ? 'Neither TLS 1.2 nor TLS 1.3 is supported' : null)),
    cap('rc4_with_modern_protocols', 'C', (f) => {
      const s = suitesWhere(f, (x) => x.rc4 && MODERN_PROTOCOLS.has(x.protocol));
      return s.length ? `RC4 is accepted with TLS 1.1 or later (${suiteNames(s)})` : null;
    }),
    cap('64bit_block_cipher_with_modern_protocols', 'C', (f) => {
      const s = suitesWhere(f, (x) => x.blockSize64 && MODERN_PROTOCOLS.has(x.protocol));
      return s.length ? `64-bit block ciphers (3DES, DES, IDEA, RC2) are accepted with TLS 1.1 or later (${suiteNames(s)})` : null;
    }),
    cap('sslv3_cbc_poodle', 'C', (f) => {
      const s = suitesWhere(f, (x) => x.protocol === 'SSLv3' && isCbc(x));
      return s.length ? `SSLv3 is supported with CBC cipher suites, open to POODLE (${suiteNames(s)})` : null;
    }),
    cap('tls_compression', 'C', (f) => (f.tls.compression === true ? 'TLS compression is enabled, open to CRIME' : null)),
    // B
    cap('sslv3_supported', 'B', (f) => (supported(f, 'SSLv3') ? 'SSLv3 is supported' : null)),
    cap('tls10_or_tls11_supported', 'B', (f) => {
      const old = (['TLSv1.0', 'TLSv1.1'] as const).filter((p) => supported(f, p));
      return old.length ? `${joinAnd(old.map(protocolLabel))} ${old.length > 1 ? 'are' : 'is'} supported` : null;
    }),
    cap('rc4_supported', 'B', (f) => {
      const s = suitesWhere(f, (x) => x.rc4);
      return s.length ? `RC4 cipher suites are accepted (${suiteNames(s)})` : null;
    }),
    keyRule('rsa_key_below_2048', 'B', 2048, 1024),
    dhRule('dh_below_2048', 'B', 2048, 1024),
    cap('no_forward_secrecy', 'B', (f) => (f.suites.some((x) => x.forwardSecrecy) ? null : 'No cipher suite with forward secrecy is accepted')),
    cap('no_aead', 'B', (f) => (f.suites.some((x) => x.aead) ? null : 'No AEAD cipher suite (GCM, CCM, ChaCha20-Poly1305) is accepted')),
    cap('incomplete_chain', 'B', (f) =>
      f.certificate?.trustErrors.includes('incomplete_chain')
        ? 'The server does not send its complete certificate chain (an issuer had to be fetched from AIA)'
        : null,
    ),
    // Certificate trust: T / M.
    cap('certificate_unavailable', 'T', certificateUnavailable, true),
    cap('certificate_not_trusted', 'T', (f) => notTrusted(f, true), true),
    cap(
      'certificate_name_mismatch',
      'M',
      (f) =>
        f.certificate?.trusted && !f.certificate.hostnameValid ? `The certificate is trusted but no identity in it matches the domain${identities(f)}` : null,
      true,
    ),
  ],
  warnings: [
    { code: 'no_tls13', check: (f) => (supported(f, 'TLSv1.3') ? null : 'TLS 1.3 is not supported') },
    {
      code: 'some_suites_without_forward_secrecy',
      // Only when some suite has forward secrecy: with none at all, the no_forward_secrecy cap applies instead.
      check: (f) => {
        const s = suitesWhere(f, (x) => !x.forwardSecrecy);
        if (s.length === 0 || s.length === f.suites.length) return null;
        return `${s.length} of ${f.suites.length} accepted cipher suites lack forward secrecy (${suiteNames(s)})`;
      },
    },
    {
      code: 'encryption_not_required',
      // A direct-TLS endpoint always encrypts; STARTTLS counts as required only with <required/>.
      check: (f) => {
        if (f.endpoint.directTls) return null;
        const state = f.endpoint.xmpp?.starttls ?? null;
        if (state === 'required') return null;
        if (state === 'offered') return 'STARTTLS is offered but not required: the stream can go on unencrypted';
        return 'STARTTLS is not advertised as required: the stream can go on unencrypted';
      },
    },
    {
      code: 'no_secure_renegotiation',
      check: (f) =>
        f.tls.secureRenegotiation === false && f.protocols.some((p) => p !== 'TLSv1.3') ? 'Secure renegotiation (RFC 5746) is not supported' : null,
    },
    {
      code: 'sha1_signature',
      check: (f) => signatureMatching(f, SHA1_SIGNATURE),
    },
    { code: 'protocols_undetermined', check: protocolsUndetermined },
    { code: 'current_client_cannot_connect', check: currentClientsFailing },
  ],
};

/**
 * Current mainstream client profiles (docs/simulation.md) whose simulated handshake fails: the server
 * cuts off real users or peers. A warning, not a cap: which software matters is the operator's call.
 */
function currentClientsFailing(f: GradingFacts): string | null {
  const failing = (f.endpoint.simulations ?? []).filter((s) => !s.connects && isCurrentProfile(s.profile));
  if (failing.length === 0) return null;
  const names = failing.map((s) => `${profileById(s.profile)?.name ?? s.profile} (${s.failure?.reason ?? 'fails'})`);
  return `${failing.length === 1 ? 'A current client' : 'Current clients'} cannot connect: ${joinAnd(names)}`;
}

/** Protocols whose support could not be decided: the grade may be better than the server deserves. */
function protocolsUndetermined(f: GradingFacts): string | null {
  const errors = Object.entries(f.tls.protocolErrors).filter(([, e]) => e !== undefined);
  if (errors.length === 0) return null;
  const list = errors.map(([p, e]) => `${protocolLabel(p as ProtocolName)} (${e!.code})`);
  return `Support for ${joinAnd(list)} could not be determined: the grade may be too high`;
}

// ---- xmppoke-2015 ----

/**
 * IM Observatory key exchange score of one suite: anonymous 0; RSA/DSA certificate key and DHE prime by
 * keyStrengthScore; EC (and EdDSA) keys 100; ECDHE groups are not rated; EXPORT suites at most 40.
 */
function xmppokeSuiteKeyExchange(s: CipherSuiteFinding, f: GradingFacts): number | null {
  if (s.anonymous) return 0;
  const scores: number[] = [];
  const k = f.certificateKey;
  if (usesCertificate(s) && k) scores.push(k.type === 'RSA' || k.type === 'DSA' ? keyStrengthScore(k.bits) : 100);
  const dh = dheBits(s, f);
  if (dh !== null) scores.push(keyStrengthScore(dh));
  if (s.export) scores.push(40);
  return scores.length ? Math.min(...scores) : null;
}

const XMPPOKE: GradingProfile = {
  name: 'xmppoke-2015',
  description: 'IM Observatory (xmpp.net) rules as last changed in October 2015, to compare with its historic grades',
  // TLS 1.3 did not exist: it scores like TLS 1.2, the maximum.
  protocolScores: { SSLv2: 20, SSLv3: 80, 'TLSv1.0': 90, 'TLSv1.1': 95, 'TLSv1.2': 100, 'TLSv1.3': 100 },
  suiteKeyExchangeScore: xmppokeSuiteKeyExchange,
  plusMinus: false,
  caps: [
    cap('sslv2_supported', 'F', (f) => (supported(f, 'SSLv2') ? 'SSLv2 is supported' : null)),
    cap('sslv3_best_protocol', 'F', (f) => (f.best === 'SSLv3' ? 'SSLv3 is the best protocol supported' : null)),
    keyRule('rsa_key_below_1024', 'F', 1024),
    cap('md5_signature', 'F', (f) => signatureMatching(f, MD_SIGNATURE)),
    cap('tls_compression', 'C', (f) => (f.tls.compression === true ? 'TLS compression is enabled, open to CRIME' : null)),
    cap('rc4_with_modern_protocols', 'C', (f) => {
      const s = suitesWhere(f, (x) => x.rc4 && MODERN_PROTOCOLS.has(x.protocol));
      return s.length ? `RC4 is accepted with TLS 1.1 or later (${suiteNames(s)})` : null;
    }),
    // "No TLS 1.2": a TLS 1.3 server satisfies it too.
    cap('no_tls12_or_tls13', 'C', (f) => (!supported(f, 'TLSv1.2') && !supported(f, 'TLSv1.3') ? 'TLS 1.2 is not supported' : null)),
    keyRule('rsa_key_below_2048', 'B', 2048, 1024),
    cap('sslv3_supported', 'B', (f) => (supported(f, 'SSLv3') ? 'SSLv3 is supported' : null)),
    // No F for small DH here: every DH prime below 2048 bits caps at B (the key exchange score does the rest).
    dhRule('dh_below_2048', 'B', 2048),
    // The 2013 behaviour: certificate problems give F, with the trust-ignored grade kept.
    cap('certificate_unavailable', 'F', certificateUnavailable, true),
    cap('certificate_not_trusted', 'F', (f) => notTrusted(f, false), true),
    cap(
      'certificate_name_mismatch',
      'F',
      (f) => (f.certificate && !f.certificate.hostnameValid ? `No identity in the certificate matches the domain${identities(f)}` : null),
      true,
    ),
  ],
  // The Observatory had no warnings; these two only tell that the scan was incomplete or that current clients fail, and change no letter.
  warnings: [
    { code: 'protocols_undetermined', check: protocolsUndetermined },
    { code: 'current_client_cannot_connect', check: currentClientsFailing },
  ],
};

/** The grading profiles by name. */
export const PROFILES: Readonly<Record<ProfileName, GradingProfile>> = {
  'ssllabs-2009r': SSLLABS,
  'xmppoke-2015': XMPPOKE,
};

export const DEFAULT_PROFILE: ProfileName = 'ssllabs-2009r';
