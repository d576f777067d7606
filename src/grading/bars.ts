// Text rendering of grades for the human report: sub-scores as bars, like the IM Observatory's result page,
// then one line per cap and warning. Pure functions returning lines (no trailing newline, no colour).
import type { DomainGrade, EndpointGrade } from './types.js';

export interface BarStyle {
  /** Cells in a full (100) bar. Default 10. */
  width?: number;
  /** ASCII only ('#' and '.'), for terminals without Unicode block characters. Default false. */
  ascii?: boolean;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar for a 0-100 score: `█████████▌` for 95 (width 10); scores outside 0-100 are clamped. */
export function scoreBar(score: number, style: BarStyle = {}): string {
  const width = style.width ?? 10;
  const value = Math.min(100, Math.max(0, Number.isFinite(score) ? score : 0));
  if (style.ascii) {
    // Whole cells only, rounded down: only 100 fills the bar.
    const full = Math.floor((value / 100) * width + 1e-9);
    return '#'.repeat(full) + '.'.repeat(width - full);
  }
  const eighths = Math.round((value / 100) * width * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8] ?? '';
  return '█'.repeat(full) + part + '░'.repeat(width - full - (part ? 1 : 0));
}

/** 100 → "100", 92.5 → "92.5", 87.75 → "87.75". */
export function formatScore(score: number): string {
  return String(Math.round(score * 100) / 100);
}

const SUB_SCORES: readonly [label: string, key: 'protocolScore' | 'keyExchangeScore' | 'cipherScore'][] = [
  ['Protocol', 'protocolScore'],
  ['Key exchange', 'keyExchangeScore'],
  ['Cipher', 'cipherScore'],
];

/**
 * The three sub-scores as bars, one line each, labels and numbers aligned:
 *   Protocol      ██████████ 100
 *   Key exchange  █████████░  90
 *   Cipher        ████████░░  80
 */
export function renderScoreBars(grade: Pick<EndpointGrade, 'protocolScore' | 'keyExchangeScore' | 'cipherScore'>, style: BarStyle = {}): string[] {
  const numbers = SUB_SCORES.map(([, key]) => formatScore(grade[key]));
  const numberWidth = Math.max(...numbers.map((n) => n.length));
  return SUB_SCORES.map(([label, key], i) => `${label.padEnd(14)}${scoreBar(grade[key], style)} ${numbers[i]!.padStart(numberWidth)}`);
}

/**
 * An endpoint grade for the report: the letter (with the trust-ignored letter when they differ), the score, the
 * bars, then one line per cap (`cap B  sslv3_supported  SSLv3 is supported: …`) and per warning.
 */
export function renderGrade(grade: EndpointGrade, style: BarStyle = {}): string[] {
  const ignoring = grade.letterIgnoringTrust !== grade.letter ? ` (${grade.letterIgnoringTrust} if trust issues are ignored)` : '';
  const lines = [`Grade ${grade.letter}${ignoring}, score ${formatScore(grade.score)} (${grade.profile})`];
  lines.push(...renderScoreBars(grade, style));
  for (const c of grade.caps) lines.push(`cap ${c.limit.padEnd(2)} ${c.code}: ${c.message}`);
  for (const w of grade.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  for (const n of grade.notes ?? []) lines.push(`note ${n.code}: ${n.message}`);
  return lines;
}

/**
 * The domain grade in one line, e.g.
 * `Domain grade T (B if trust issues are ignored; endpoints disagree: A+, T), score 92.25 (ssllabs-2009r), 1 endpoint not graded`.
 */
export function renderDomainGrade(grade: DomainGrade): string {
  const notes: string[] = [];
  if (grade.letterIgnoringTrust !== grade.letter) notes.push(`${grade.letterIgnoringTrust} if trust issues are ignored`);
  if (grade.mixed) notes.push(`endpoints disagree: ${grade.letters.join(', ')}`);
  const n = grade.endpointsUngraded;
  const ungraded = n ? `, ${n} endpoint${n > 1 ? 's' : ''} not graded` : '';
  return `Domain grade ${grade.letter}${notes.length ? ` (${notes.join('; ')})` : ''}, score ${formatScore(grade.score)} (${grade.profile})${ungraded}`;
}
