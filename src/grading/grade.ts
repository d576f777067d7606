// Grading: pure functions from the scan result to letters, scores and the reasons behind them.
//
// How an endpoint's letter is made:
//  1. Sub-scores (0-100): protocol = (best + worst) / 2 of the profile's protocol scores; key exchange = the lowest
//     suite key exchange score (the weakest key exchange the server accepts); cipher = (strongest + weakest) / 2 of
//     cipherStrengthScore over the accepted suites.
//  2. score = 0.3 P + 0.3 K + 0.4 C, and 0 when any of the three is 0; its letter band: ≥ 80 A, ≥ 65 B, ≥ 50 C,
//     ≥ 35 D, ≥ 20 E, else F.
//  3. Each cap that applies limits the letter to at most its `limit`: letterIgnoringTrust = the worst of the score
//     letter and the non-trust caps.
//  4. ssllabs-2009r only: an A becomes A- when there is any warning, else A+ (so it never gives a plain A; warnings
//     change no other letter).
//  5. letter = the worst of letterIgnoringTrust and the trust caps (T, M; F with xmppoke-2015). T and M rank below F,
//     so a trust cap always decides the letter, and letterIgnoringTrust says what the server would get otherwise.
//  6. XMPP-specific, both profiles: a DNSSEC-secure DANE-EE(3) or DANE-TA(2) record that matches the served chain
//     authenticates the server (RFC 7673; Prosody and ejabberd accept it for s2s), so the certificate_not_trusted and
//     certificate_name_mismatch caps are lifted, with a `dane_authenticated` note. A DANE mismatch changes no letter:
//     it is reported by the DANE status (and its alert), not by the TLS grade.
//
// An endpoint gets no grade (null, see ungradedReason) when it was skipped, its TLS was not probed, a deadline cut
// the probe short (partial), or the probe found no protocol or no cipher suite: the caller shows the error, never a
// made-up grade. An endpoint whose standard handshake failed (status 'error') but whose TLS was probed is graded from
// the probe's findings (an SSLv3-only server is an F, not "unknown"), with the certificate the probe saw in a TLS ≤ 1.2
// flight; when no certificate was seen at all it is not graded (handshake_failed). `certificate_unavailable` (T) is
// for a completed handshake without a certificate (anonymous suites only). Key strengths that could not be measured
// do not lower the key exchange score.
import type { DaneMatch, EndpointResult } from '../result/types.js';
import { gatherFacts, PROTOCOLS } from './facts.js';
import { compareLetters, letterForScore, letterRank, worseLetter } from './letters.js';
import { cipherStrengthScore, DEFAULT_PROFILE, PROFILES } from './profiles.js';
import type { DomainGrade, EndpointGrade, GradeCap, GradeCapCode, GradeLetter, GradeNote, ProfileName, TrustIgnoringLetter, UngradedReason } from './types.js';

/** The trust caps a DANE-EE/DANE-TA match lifts: PKIX trust and the PKIX name check, which DANE replaces. */
const DANE_LIFTS: ReadonlySet<GradeCapCode> = new Set(['certificate_not_trusted', 'certificate_name_mismatch']);

/** The first DANE-TA or DANE-EE record that authenticated the endpoint, or null. */
function daneAuthentication(ep: EndpointResult): DaneMatch | null {
  if (ep.dane?.status !== 'valid') return null;
  return ep.dane.matched.find((m) => m.usage === 2 || m.usage === 3) ?? null;
}

/** Why `gradeEndpoint` gives this endpoint no grade, or null when it gives one. */
export function ungradedReason(ep: EndpointResult): UngradedReason | null {
  const error = ep.error ? ` (${ep.error.code}: ${ep.error.message})` : '';
  if (ep.status === 'skipped') return { code: 'skipped', message: `The endpoint was skipped${error}` };
  const tls = ep.tls;
  if (!tls) return { code: 'not_probed', message: `The endpoint's TLS was not probed${error}` };
  // Lists cut short may lack exactly the weak suites that would lower the grade.
  if (tls.partial)
    return { code: 'partial', message: `The TLS probe was stopped by a deadline before it finished: its findings are kept but not graded${error}` };
  if (!PROTOCOLS.some((p) => tls.protocols[p])) {
    const undetermined = Object.keys(tls.protocolErrors);
    const note = undetermined.length ? `; ${undetermined.join(', ')} could not be determined` : '';
    return { code: 'no_protocol', message: `The server accepted no SSL/TLS protocol version${note}${error}` };
  }
  if (tls.cipherSuites.length === 0) return { code: 'no_cipher_suites', message: `No cipher suite the server accepts could be found${error}` };
  // Hellos were answered, but no handshake completed and no certificate was ever seen: nothing says a
  // client can connect, and a "T" would blame a certificate nobody saw.
  if (ep.status === 'error' && ep.error?.phase === 'tls_handshake' && ep.certificate === null) {
    return { code: 'handshake_failed', message: `No TLS handshake completed and the server's certificate was never seen${error}` };
  }
  return null;
}

/** The grade of one endpoint under `profile`, or null when it cannot be graded (see ungradedReason). */
export function gradeEndpoint(ep: EndpointResult, profile: ProfileName = DEFAULT_PROFILE): EndpointGrade | null {
  const def = PROFILES[profile];
  if (!def) throw new Error(`unknown grading profile: ${String(profile)}`);
  if (ungradedReason(ep) !== null) return null;
  const f = gatherFacts(ep);

  const protocolScore = (def.protocolScores[f.best] + def.protocolScores[f.worst]) / 2;
  const kx = f.suites.map((s) => def.suiteKeyExchangeScore(s, f)).filter((k): k is number => k !== null);
  // Nothing measurable (no certificate, no ephemeral parameters): not lowered; certificate_unavailable says why.
  const keyExchangeScore = kx.length ? Math.min(...kx) : 100;
  const cipher = f.suites.map((s) => cipherStrengthScore(s.effectiveBits));
  const cipherScore = (Math.max(...cipher) + Math.min(...cipher)) / 2;
  const zero = protocolScore === 0 || keyExchangeScore === 0 || cipherScore === 0;
  // Integer weights and one division, so scores on a band edge are exact (3 × 100 + 3 × 100 + 4 × 50 = 800 → 80).
  const score = zero ? 0 : (3 * protocolScore + 3 * keyExchangeScore + 4 * cipherScore) / 10;

  const found = def.caps.flatMap((rule) => {
    const message = rule.check(f);
    return message === null ? [] : [{ cap: { code: rule.code, limit: rule.limit, message } as GradeCap, trust: rule.trust }];
  });
  const dane = daneAuthentication(ep);
  const applied = dane ? found.filter((a) => !DANE_LIFTS.has(a.cap.code)) : found;
  const notes: GradeNote[] = [];
  if (dane && applied.length < found.length) {
    const lifted = found.filter((a) => DANE_LIFTS.has(a.cap.code)).map((a) => a.cap.code);
    const usage = dane.usage === 3 ? 'DANE-EE' : 'DANE-TA';
    notes.push({
      code: 'dane_authenticated',
      message: `A DNSSEC-secure TLSA record (${usage} ${dane.usage} ${dane.selector} ${dane.matchingType}) matches the certificate the server sent: it authenticates the server for XMPP (RFC 7673), so ${lifted.join(' and ')} does not limit the grade`,
    });
  }
  const warnings = def.warnings.flatMap((rule) => {
    const message = rule.check(f);
    return message === null ? [] : [{ code: rule.code, message }];
  });

  let ignoring: TrustIgnoringLetter = letterForScore(score);
  for (const a of applied) if (!a.trust) ignoring = worseLetter<GradeLetter>(ignoring, a.cap.limit) as TrustIgnoringLetter;
  if (def.plusMinus && ignoring === 'A') ignoring = warnings.length ? 'A-' : 'A+';
  let letter: GradeLetter = ignoring;
  for (const a of applied) if (a.trust) letter = worseLetter(letter, a.cap.limit);

  // Most severe first; the profile's order among equals.
  const caps = applied.map((a) => a.cap).sort((a, b) => compareLetters(a.limit, b.limit));
  return {
    profile,
    letter,
    letterIgnoringTrust: ignoring,
    score,
    protocolScore,
    keyExchangeScore,
    cipherScore,
    caps,
    warnings,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * The grade of a domain from its endpoints' grades (null entries: endpoints without a grade, counted but not rated):
 * the worst letter (letterRank order: A+ … F, then M, then T), the worst letterIgnoringTrust, the lowest score, and
 * `mixed` when the endpoints' letters differ. null when no endpoint has a grade. Throws when grades of different
 * profiles are mixed.
 */
export function gradeDomain(endpoints: readonly (EndpointGrade | null)[]): DomainGrade | null {
  const graded = endpoints.filter((g): g is EndpointGrade => g !== null);
  const [first] = graded;
  if (!first) return null;
  const other = graded.find((g) => g.profile !== first.profile);
  if (other) throw new Error(`cannot roll up grades of different profiles (${first.profile}, ${other.profile})`);
  let letter = first.letter;
  let letterIgnoringTrust = first.letterIgnoringTrust;
  let score = first.score;
  for (const g of graded) {
    letter = worseLetter(letter, g.letter);
    letterIgnoringTrust = worseLetter(letterIgnoringTrust, g.letterIgnoringTrust);
    score = Math.min(score, g.score);
  }
  const letters = [...new Set(graded.map((g) => g.letter))].sort((a, b) => letterRank(b) - letterRank(a));
  return {
    profile: first.profile,
    letter,
    letterIgnoringTrust,
    score,
    mixed: letters.length > 1,
    letters,
    endpointsGraded: graded.length,
    endpointsUngraded: endpoints.length - graded.length,
  };
}
