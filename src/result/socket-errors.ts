import { ScanError } from './errors.js';
import type { Phase } from './types.js';

// The one translation of Node's socket and TLS errors into our typed errors, for every stage
// that opens connections (connector, TLS prober, XEP-0092 client). Classification is by the
// error's `code` and by which layer raised it, never by the words of its message.

/**
 * Maps a Node socket error to a ScanError with a message a human can act on. `layer: 'tls'` is for
 * an error the TLS layer raised (tls.connect's 'error'): one without a socket errno code is then
 * a failed handshake, whatever its code (ERR_SSL_*, a certificate verification code, none).
 */
export function socketErrorToScanError(err: Error, peer: string, phase?: Phase, layer: 'socket' | 'tls' = 'socket'): ScanError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const extra = { cause: err, ...(phase ? { phase } : {}) };
  switch (code) {
    case 'ECONNREFUSED':
      return new ScanError('connection_refused', `${peer} refused the connection`, extra);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ScanError('connection_reset', `${peer} reset the connection`, extra);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ScanError('host_unreachable', `${peer} is unreachable (${code})`, extra);
    case 'ETIMEDOUT':
      return new ScanError('timeout', `${peer} timed out at the TCP level`, extra);
    default:
      if (isCertificateRequiredError(err)) {
        return new ScanError('tls_handshake_failed', `${peer} requires a client certificate (TLS alert certificate_required)`, { ...extra, condition: code });
      }
      if (code.startsWith('ERR_SSL_') || (layer === 'tls' && !code.startsWith('ERR_SOCKET_') && !/^E[A-Z]+$/.test(code))) {
        return new ScanError('tls_handshake_failed', `TLS with ${peer} failed: ${err.message}`, { ...extra, ...(code ? { condition: code } : {}) });
      }
      return new ScanError('connection_reset', `connection to ${peer} failed: ${err.message}`, extra);
  }
}

/** TLS alert 116 (certificate_required): with TLS 1.3 it arrives after our side finished the handshake. */
export function isCertificateRequiredError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  const cause = (err as { cause?: unknown } | undefined)?.cause as NodeJS.ErrnoException | undefined;
  return [e, cause].some((x) => x?.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
}
