// Certificate analysis: parsing, service identity (RFC 6125 for XMPP), path building and trust
// verdicts, AIA completion of incomplete chains. Pure functions apart from AIA fetching.
export { parseCertificate } from './parse.js';
export { checkIdentity } from './identity.js';
export { analyzeChain, type AnalyzeOptions } from './trust.js';
export { loadTrustStore, type TrustAnchor, type TrustStore } from './trust-store.js';
export { completeChain, type AiaFetchOptions } from './aia.js';
export { TLSA_USAGE_NAMES } from './dane.js';
export { judgeDane, type DaneEvidence } from './dane-verdict.js';
export { builtPathOf } from './trust.js';
