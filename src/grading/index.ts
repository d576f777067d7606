export { gradeDomain, gradeEndpoint, ungradedReason } from './grade.js';
export { compareLetters, LETTERS, letterForScore, letterRank, worseLetter } from './letters.js';
export { cipherStrengthScore, DEFAULT_PROFILE, keyStrengthScore, PROFILES, type CapRule, type GradingProfile, type WarningRule } from './profiles.js';
export { formatScore, renderDomainGrade, renderGrade, renderScoreBars, scoreBar, type BarStyle } from './bars.js';
export type { GradingFacts } from './facts.js';
export type * from './types.js';
