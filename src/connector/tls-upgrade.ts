import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { MAX_TIMER_MS, ScanError, abortError } from '../result/errors.js';
import { socketErrorToScanError } from '../result/socket-errors.js';

// The one TLS upgrade (after <proceed/>, or straight away for direct TLS), for the scanner's
// permissive look at the certificate and the XEP-0092 client's verified session alike: the caller
// brings the TLS options, this brings the deadline, the abort and the typed errors.

export interface UpgradeContext {
  /** The peer, for messages. */
  peer: string;
  /** The handshake's deadline (a total). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with the TLS socket before the handshake runs (to listen to 'keylog', say). */
  onStart?: (socket: tls.TLSSocket) => void;
}

/** Runs the TLS handshake over `raw` with the caller's options; rejects with a ScanError in phase tls_handshake. */
export function upgradeToTls(raw: Duplex, options: Omit<tls.ConnectionOptions, 'socket'>, ctx: UpgradeContext): Promise<tls.TLSSocket> {
  const { peer, timeoutMs, signal } = ctx;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, socket: raw });
    ctx.onStart?.(socket);
    const fail = (err: ScanError) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(new ScanError('timeout', `TLS handshake with ${peer} did not finish within ${timeoutMs / 1000} s`, { phase: 'tls_handshake', deadline: 'phase' })),
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    const onAbort = () => fail(abortError(signal as AbortSignal, 'tls_handshake'));
    // A server that ends the connection (FIN, not a reset) during the handshake has failed it.
    // Node reports that as an ECONNRESET of the TLS socket; a real reset comes from a system call
    // (its error names the syscall), an end does not. Over a JavaScript stream (a TappedSocket),
    // the stream's own 'end' says it.
    let peerEnded = false;
    const onEnd = () => (peerEnded = true);
    const onTlsError = (err: Error) => {
      if (err instanceof ScanError) return fail(err.withPhase('tls_handshake'));
      const e = err as NodeJS.ErrnoException;
      if (peerEnded || (e.code === 'ECONNRESET' && e.syscall === undefined)) {
        const condition = (err as NodeJS.ErrnoException).code;
        return fail(
          new ScanError('tls_handshake_failed', `TLS handshake with ${peer} failed: the server closed the connection (${err.message})`, {
            phase: 'tls_handshake',
            cause: err,
            ...(condition ? { condition } : {}),
          }),
        );
      }
      fail(socketErrorToScanError(err, peer, 'tls_handshake', 'tls'));
    };
    // A reset or other socket error, with its own code, before the TLS layer words it its way.
    const onSocketError = (err: Error) => fail(socketErrorToScanError(err, peer, 'tls_handshake'));
    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onTlsError);
      raw.off('error', onSocketError);
      raw.off('end', onEnd);
      // Errors after this point belong to whoever uses the socket next (or to nobody).
      socket.on('error', () => {});
    }
    socket.once('secureConnect', () => {
      cleanup();
      resolve(socket);
    });
    socket.once('error', onTlsError);
    raw.once('error', onSocketError);
    raw.once('end', onEnd);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
