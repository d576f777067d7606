import { ScanError } from '../result/errors.js';
import type { Phase } from '../result/types.js';

/** Maps Node socket errors to our typed errors with a message a human can act on. */
export function socketErrorToScanError(err: Error, peer: string, phase?: Phase): ScanError {
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
      if (code.startsWith('ERR_SSL_')) {
        return new ScanError('tls_handshake_failed', `TLS with ${peer} failed: ${err.message}`, { ...extra, condition: code });
      }
      return new ScanError('connection_reset', `connection to ${peer} failed: ${err.message}`, extra);
  }
}

/**
 * When a server sends something that is not XML, the first bytes usually tell why: a TLS record
 * (a direct-TLS port scanned with STARTTLS), an HTTP answer, an SSH banner.
 */
export function describeUnexpectedBytes(input: Buffer): string | null {
  // A UTF-8 byte order mark before the XML is allowed: look past it.
  const bytes = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  if (bytes.length === 0) return null;
  const first = bytes[0];
  if ((first === 0x15 || first === 0x16) && bytes[1] === 0x03) {
    return 'server answered with TLS instead of XML: this looks like a direct-TLS port (try --direct-tls)';
  }
  const text = bytes.toString('latin1');
  if (text.startsWith('HTTP/')) return `server answered with HTTP instead of XML: ${printable(text)}`;
  if (text.startsWith('SSH-')) return `server answered with an SSH banner instead of XML: ${printable(text)}`;
  if (!text.trimStart().startsWith('<')) return `server sent data that is not XML: ${printable(text)}`;
  return null;
}

function printable(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return JSON.stringify(line.replace(/[^\x20-\x7e]/g, '.').slice(0, 48));
}

/** TLS alert 116 (certificate_required): with TLS 1.3 it arrives after our side finished the handshake. */
export function isCertificateRequiredError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  const cause = (err as { cause?: unknown } | undefined)?.cause as NodeJS.ErrnoException | undefined;
  return [e, cause].some((x) => x?.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || /alert certificate required/i.test(x?.message ?? ''));
}
