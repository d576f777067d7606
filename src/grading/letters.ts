// Grade letters: their order, and the letter bands of the numeric score.
import type { GradeLetter, ScoreLetter } from './types.js';

/**
 * Rank of each letter, higher is better: A+ 9, A 8, A- 7, B 6, C 5, D 4, E 3, F 2, M 1, T 0.
 *
 * T and M rank below F: a server whose certificate cannot be trusted, or names another domain, cannot be
 * authenticated at all, whatever its TLS is like. T ranks below M because with ssllabs-2009r an untrusted
 * certificate is graded T whether or not it also names another domain (M needs a trusted certificate), so T
 * covers the strictly worse case. Stable: metrics export these numbers.
 */
const RANK: Readonly<Record<GradeLetter, number>> = {
  'A+': 9,
  A: 8,
  'A-': 7,
  B: 6,
  C: 5,
  D: 4,
  E: 3,
  F: 2,
  M: 1,
  T: 0,
};

/** Every letter, best first. */
export const LETTERS: readonly GradeLetter[] = ['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F', 'M', 'T'];

/** The rank of a letter (A+ 9 … F 2, M 1, T 0): higher is better. For metrics and sorting. */
export function letterRank(letter: GradeLetter): number {
  const rank = RANK[letter];
  if (rank === undefined) throw new Error(`not a grade letter: ${String(letter)}`);
  return rank;
}

/**
 * Compares two letters: > 0 when `a` is better than `b`, < 0 when worse, 0 when equal.
 * `letters.sort(compareLetters)` sorts worst first.
 */
export function compareLetters(a: GradeLetter, b: GradeLetter): number {
  return letterRank(a) - letterRank(b);
}

/** The worse of two letters. */
export function worseLetter<L extends GradeLetter>(a: L, b: L): L {
  return letterRank(b) < letterRank(a) ? b : a;
}

/** The letter band of a score: ≥ 80 A, ≥ 65 B, ≥ 50 C, ≥ 35 D, ≥ 20 E, else F (79.9 is a B). */
export function letterForScore(score: number): ScoreLetter {
  if (score >= 80) return 'A';
  if (score >= 65) return 'B';
  if (score >= 50) return 'C';
  if (score >= 35) return 'D';
  if (score >= 20) return 'E';
  return 'F';
}
