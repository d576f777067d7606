// The raw TLS prober: SSLv2…TLS 1.3 support, cipher suites, groups, DH parameters, compression,
// renegotiation, fallback SCSV. Input: a function that opens a socket ready for TLS bytes.
export { type OpenTlsSocket, type ProberOptions, probeTls } from './probe/prober.js';
export { cipherSuiteFinding } from './probe/findings.js';
// Handshake simulation: would a real client (a profile of registry/client-profiles) connect, and with what.
export { type SimulateOptions, simulateHandshakes } from './probe/simulate.js';
// The chain exactly as a server sent it, from the bytes of a handshake Node's TLS made.
export { MAX_SENT_CHAIN_BYTES, sentCertificateChain } from './sent-chain.js';
