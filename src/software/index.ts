// XEP-0092 software version of the scanned servers, asked through a client account: a small XMPP
// client (SCRAM over verified TLS, resource binding, IQ), the shared session with backoff, and the
// parsing and sanitising of the answers.
export { type MinimalLogger, type VersionAccountOptions, VersionQueryClient } from './client.js';
export { parseBareJid } from './jid.js';
