import type * as net from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A duplex over a TCP socket that also keeps a copy of the bytes the server sends, up to `limit`
 * bytes and until stopped. Node's TLS reads a net.Socket's handle directly, below JavaScript;
 * given a plain Duplex it reads through JavaScript instead, so the handshake bytes can be kept
 * (the sent certificate chain is read from them: src/tls/sent-chain.ts).
 */
export class TappedSocket extends Duplex {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private keeping = true;
  private overflowed = false;

  constructor(
    private readonly inner: net.Socket,
    private readonly limit: number,
  ) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => {
      this.keep(chunk);
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
    // The XMPP stream reader before STARTTLS may have left the socket paused.
    inner.resume();
  }

  private keep(chunk: Buffer): void {
    if (!this.keeping) return;
    if (this.keptBytes + chunk.length > this.limit) {
      this.overflowed = true;
      this.stopKeeping();
      return;
    }
    this.kept.push(chunk);
    this.keptBytes += chunk.length;
  }

  /** Stops keeping bytes (after the handshake) and frees them. */
  stopKeeping(): void {
    this.keeping = false;
    this.kept.length = 0;
  }

  /** The server's bytes so far; null when more than `limit` were sent or keeping has stopped. */
  serverBytes(): Buffer | null {
    return this.keeping && !this.overflowed ? Buffer.concat(this.kept) : null;
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) callback();
    else this.inner.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(err);
  }
}
