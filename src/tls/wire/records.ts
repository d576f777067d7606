// Record layer framing (no decryption): TLS records and SSLv2 records from a byte stream, and
// handshake messages reassembled from handshake record fragments.
import { ByteQueue, readU16, readU24 } from './bytes.js';
import { ContentType, MAX_RECORD_FRAGMENT } from './constants.js';
import { TlsParseError } from './errors.js';

export interface TlsRecord {
  contentType: number;
  /** Record-layer version as sent (not validated). */
  version: number;
  fragment: Buffer;
}

export interface Sslv2Record {
  /** The record body (message bytes followed by any padding). */
  body: Buffer;
  /** Padding bytes at the end of `body` (3-byte headers only; 0 otherwise). */
  padding: number;
  headerLength: 2 | 3;
}

export type Framing = 'tls' | 'sslv2';

const CONTENT_TYPES: ReadonlySet<number> = new Set(Object.values(ContentType));

/** Default cap on bytes buffered by a {@link TlsRecordReader}. */
export const DEFAULT_MAX_BUFFERED = 256 * 1024;

export interface TlsRecordReaderOptions {
  /** Cap on buffered, unconsumed bytes ('too_large' beyond). Default 256 KiB. */
  maxBuffered?: number;
}

/**
 * Splits a server's byte stream into records. The first byte decides the framing: a TLS content
 * type means TLS records, a byte with the high bit set an SSLv2 record (a 2-byte header, e.g. an
 * SSLv2 SERVER-HELLO `0x80 0xNN 0x04 …`); anything else is `malformed` (say an HTTP or XMPP reply).
 * A framing error is sticky: every later call throws it again.
 */
export class TlsRecordReader {
  private readonly queue: ByteQueue;
  private kind: Framing | null = null;
  private failure: TlsParseError | null = null;

  constructor(opts: TlsRecordReaderOptions = {}) {
    this.queue = new ByteQueue(opts.maxBuffered ?? DEFAULT_MAX_BUFFERED, 'record reader');
  }

  /** Bytes received and not yet returned as records. */
  get buffered(): number {
    return this.queue.length;
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.queue.push(chunk);
    } catch (err) {
      throw this.fail(err as TlsParseError);
    }
    if (this.kind === null && this.queue.length > 0) this.kind = (this.queue.at(0) & 0x80) !== 0 ? 'sslv2' : 'tls';
  }

  /** 'tls', 'sslv2', or null before the first byte. */
  framing(): Framing | null {
    return this.kind;
  }

  isSslv2(): boolean {
    return this.kind === 'sslv2';
  }

  private fail(err: TlsParseError): TlsParseError {
    this.failure = err;
    return err;
  }

  /** The next complete TLS record, or null if more bytes are needed. */
  nextRecord(): TlsRecord | null {
    if (this.failure) throw this.failure;
    if (this.kind === 'sslv2') {
      throw new TlsParseError('unexpected', 'the peer answered with SSLv2 framing: read it with nextSslv2Record()');
    }
    const q = this.queue;
    if (q.length === 0) return null;
    const contentType = q.at(0);
    if (!CONTENT_TYPES.has(contentType)) {
      throw this.fail(new TlsParseError('malformed', `not a TLS record: content type ${contentType} (0x${contentType.toString(16).padStart(2, '0')})`));
    }
    if (q.length < 5) return null;
    const header = q.peek(5);
    const version = readU16(header, 1);
    const length = readU16(header, 3);
    if (length > MAX_RECORD_FRAGMENT) {
      throw this.fail(new TlsParseError('malformed', `record length ${length} exceeds ${MAX_RECORD_FRAGMENT}`));
    }
    if (q.length < 5 + length) return null;
    q.take(5);
    return { contentType, version, fragment: q.take(length) };
  }

  /** The next complete SSLv2 record, or null if more bytes are needed. */
  nextSslv2Record(): Sslv2Record | null {
    if (this.failure) throw this.failure;
    if (this.kind === 'tls') throw new TlsParseError('unexpected', 'the peer answered with TLS framing: read it with nextRecord()');
    const q = this.queue;
    if (q.length < 2) return null;
    const b0 = q.at(0);
    const twoByte = (b0 & 0x80) !== 0;
    const headerLength = twoByte ? 2 : 3;
    const length = twoByte ? ((b0 & 0x7f) << 8) | q.at(1) : ((b0 & 0x3f) << 8) | q.at(1);
    if (length === 0) throw this.fail(new TlsParseError('malformed', 'empty SSLv2 record'));
    if (q.length < headerLength) return null;
    const padding = twoByte ? 0 : q.at(2);
    if (padding > length) {
      throw this.fail(new TlsParseError('malformed', `SSLv2 record padding ${padding} exceeds its length ${length}`));
    }
    if (q.length < headerLength + length) return null;
    q.take(headerLength);
    return { body: q.take(length), padding, headerLength };
  }

  /** Removes and returns every buffered byte (e.g. to hand the stream to another reader). */
  takeBuffered(): Buffer {
    return this.queue.takeAll();
  }
}

export interface HandshakeMessage {
  type: number;
  /** The message body (a view into `raw`). */
  body: Buffer;
  /** Header and body, as they enter a transcript hash. */
  raw: Buffer;
}

export interface HandshakeReassemblerOptions {
  /** Largest body accepted for most message types. Default 64 KiB. */
  maxMessageSize?: number;
  /** Largest Certificate / CompressedCertificate body. Default 128 KiB. */
  maxCertificateMessageSize?: number;
  /** Cap on buffered bytes. Default 256 KiB. */
  maxBuffered?: number;
}

const CERTIFICATE_TYPES: ReadonlySet<number> = new Set([11, 25]);

/**
 * Turns handshake record fragments into handshake messages, whether a message spans several
 * records or a record holds several messages. Size errors are sticky.
 */
export class HandshakeReassembler {
  private readonly queue: ByteQueue;
  private readonly maxMessage: number;
  private readonly maxCertificate: number;
  private failure: TlsParseError | null = null;

  constructor(opts: HandshakeReassemblerOptions = {}) {
    this.maxMessage = opts.maxMessageSize ?? 64 * 1024;
    this.maxCertificate = opts.maxCertificateMessageSize ?? 128 * 1024;
    this.queue = new ByteQueue(opts.maxBuffered ?? DEFAULT_MAX_BUFFERED, 'handshake reassembler');
  }

  get buffered(): number {
    return this.queue.length;
  }

  /** True when bytes of an incomplete message are buffered. */
  get hasPartial(): boolean {
    return this.queue.length > 0;
  }

  push(fragment: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.queue.push(fragment);
    } catch (err) {
      this.failure = err as TlsParseError;
      throw err;
    }
  }

  /** The next complete message, or null if more fragments are needed. */
  next(): HandshakeMessage | null {
    if (this.failure) throw this.failure;
    const q = this.queue;
    if (q.length < 4) return null;
    const header = q.peek(4);
    const type = header[0] ?? 0;
    const length = readU24(header, 1);
    const max = CERTIFICATE_TYPES.has(type) ? this.maxCertificate : this.maxMessage;
    if (length > max) {
      this.failure = new TlsParseError('too_large', `handshake message type ${type} of ${length} bytes exceeds ${max}`);
      throw this.failure;
    }
    if (q.length < 4 + length) return null;
    const raw = q.take(4 + length);
    return { type, body: raw.subarray(4), raw };
  }

  /** Every complete message buffered. */
  drain(): HandshakeMessage[] {
    const out: HandshakeMessage[] = [];
    for (let m = this.next(); m !== null; m = this.next()) out.push(m);
    return out;
  }
}
