export { gradeDomain, gradeEndpoint, ungradedReason } from './grade.js';
export { LETTERS, letterRank } from './letters.js';
export { PROFILES, type GradingProfile } from './profiles.js';
export { renderDomainGrade, renderGrade } from './bars.js';
export type { GradingFacts } from './facts.js';
export type * from './types.js';
