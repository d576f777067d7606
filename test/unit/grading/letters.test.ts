import { compareLetters, LETTERS, letterForScore, letterRank, worseLetter } from '../../../src/grading/letters.js';
import type { GradeLetter, ScoreLetter } from '../../../src/grading/types.js';

describe('letterForScore', () => {
  it.each<[number, ScoreLetter]>([
    [100, 'A'],
    [80, 'A'],
    [79.99, 'B'],
    [79.9, 'B'],
    [65, 'B'],
    [64.9, 'C'],
    [50, 'C'],
    [49.9, 'D'],
    [35, 'D'],
    [34.9, 'E'],
    [20, 'E'],
    [19.9, 'F'],
    [0, 'F'],
  ])('%d → %s', (score, letter) => {
    expect(letterForScore(score)).toBe(letter);
  });
});

describe('letterRank and compareLetters', () => {
  it('ranks A+ highest and T lowest, T and M below F', () => {
    expect(Object.fromEntries(LETTERS.map((l) => [l, letterRank(l)]))).toEqual({ 'A+': 9, A: 8, 'A-': 7, B: 6, C: 5, D: 4, E: 3, F: 2, M: 1, T: 0 });
  });

  it('sorts worst first', () => {
    const shuffled: GradeLetter[] = ['B', 'A+', 'T', 'F', 'A-', 'M', 'E', 'A', 'C', 'D'];
    expect([...shuffled].sort(compareLetters)).toEqual([...LETTERS].reverse());
  });

  it.each<[GradeLetter, GradeLetter, 1 | -1 | 0]>([
    ['A+', 'A', 1],
    ['A-', 'A', -1],
    ['F', 'M', 1],
    ['M', 'T', 1],
    ['T', 'F', -1],
    ['B', 'B', 0],
  ])('compareLetters(%s, %s) has sign %d', (a, b, sign) => {
    expect(Math.sign(compareLetters(a, b))).toBe(sign);
  });

  it.each<[GradeLetter, GradeLetter, GradeLetter]>([
    ['A+', 'A-', 'A-'],
    ['F', 'T', 'T'],
    ['M', 'F', 'M'],
    ['C', 'C', 'C'],
  ])('worseLetter(%s, %s) = %s', (a, b, worse) => {
    expect(worseLetter(a, b)).toBe(worse);
  });

  it('rejects what is not a letter', () => {
    expect(() => letterRank('A++' as GradeLetter)).toThrow(/not a grade letter/);
  });
});
