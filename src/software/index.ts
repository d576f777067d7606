// XEP-0092 software version of the scanned servers, asked through a client account: a small XMPP
// client (SCRAM over verified TLS, resource binding, IQ), the shared session with backoff, and the
// parsing and sanitising of the answers.
export { DEFAULT_QUERY_TIMEOUT_MS, type MinimalLogger, type VersionAccountOptions, VersionQueryClient } from './client.js';
export { parseBareJid } from './jid.js';
export { NS_VERSION, SOFTWARE_TEXT_LIMITS, SoftwareQueryError, parseVersionReply, sanitizeSoftwareText, stanzaErrorOf } from './reply.js';
export { MAX_SCRAM_ITERATIONS, SCRAM_MECHANISMS, ScramClient, ScramError, saslPrep } from './scram.js';
