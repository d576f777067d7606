// Big-endian readers and writers for the TLS presentation language (RFC 8446 §3).
import { TlsParseError } from './errors.js';

/** Copies `src[start, end)` into a new Buffer (never a view: callers keep the result). */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Buffer {
  return Buffer.from(src.subarray(start, end));
}

export function readU16(src: Uint8Array, offset: number): number {
  return ((src[offset] ?? 0) << 8) | (src[offset + 1] ?? 0);
}

export function readU24(src: Uint8Array, offset: number): number {
  return ((src[offset] ?? 0) << 16) | ((src[offset + 1] ?? 0) << 8) | (src[offset + 2] ?? 0);
}

/**
 * Reads a message field by field. Every overrun is a `TlsParseError('truncated')` naming the
 * field; `end()` turns trailing bytes into `malformed`.
 */
export class ByteReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    /** Named in error messages, e.g. "ServerHello". */
    readonly what = 'message',
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      throw new TlsParseError('truncated', `${this.what}: ${field} needs ${n} byte(s), only ${this.remaining} left`);
    }
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.buf[this.pos++] ?? 0;
  }

  u16(field = 'u16'): number {
    this.need(2, field);
    const v = readU16(this.buf, this.pos);
    this.pos += 2;
    return v;
  }

  u24(field = 'u24'): number {
    this.need(3, field);
    const v = readU24(this.buf, this.pos);
    this.pos += 3;
    return v;
  }

  /** `n` bytes, copied. */
  bytes(n: number, field = 'bytes'): Buffer {
    this.need(n, field);
    const out = copyBytes(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, field = 'bytes'): void {
    this.need(n, field);
    this.pos += n;
  }

  /** Everything left, copied. */
  rest(): Buffer {
    const out = copyBytes(this.buf, this.pos);
    this.pos = this.buf.length;
    return out;
  }

  /** A vector with a 1-byte length. */
  vec8(field = 'vector'): Buffer {
    return this.bytes(this.u8(`${field} length`), field);
  }

  /** A vector with a 2-byte length. */
  vec16(field = 'vector'): Buffer {
    return this.bytes(this.u16(`${field} length`), field);
  }

  /** A vector with a 3-byte length. */
  vec24(field = 'vector'): Buffer {
    return this.bytes(this.u24(`${field} length`), field);
  }

  /** A reader over the next `n` bytes, which this reader skips. */
  sub(n: number, field = 'vector'): ByteReader {
    this.need(n, field);
    const r = new ByteReader(this.buf.subarray(this.pos, this.pos + n), `${this.what} ${field}`);
    this.pos += n;
    return r;
  }

  sub8(field = 'vector'): ByteReader {
    return this.sub(this.u8(`${field} length`), field);
  }

  sub16(field = 'vector'): ByteReader {
    return this.sub(this.u16(`${field} length`), field);
  }

  sub24(field = 'vector'): ByteReader {
    return this.sub(this.u24(`${field} length`), field);
  }

  /** A list of u16 values with a byte length `n` that must be even. */
  u16List(n: number, field = 'list'): number[] {
    if (n % 2 !== 0) throw new TlsParseError('malformed', `${this.what}: ${field} length ${n} is odd`);
    this.need(n, field);
    const out: number[] = [];
    for (let i = 0; i < n; i += 2) out.push(this.u16(field));
    return out;
  }

  /** Fails with `malformed` if bytes are left over. */
  end(field = this.what): void {
    if (this.remaining !== 0) {
      throw new TlsParseError('malformed', `${this.what}: ${this.remaining} trailing byte(s) after ${field}`);
    }
  }
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

type Content = Uint8Array | ((w: ByteWriter) => void);

/**
 * Builds a message from big-endian integers and length-prefixed vectors. Values out of range are
 * programming errors: `RangeError`.
 */
export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private len = 0;

  get length(): number {
    return this.len;
  }

  bytes(b: Uint8Array): this {
    if (b.length > 0) {
      this.chunks.push(b);
      this.len += b.length;
    }
    return this;
  }

  u8(v: number): this {
    checkUint(v, 0xff, 'u8');
    return this.bytes(Uint8Array.of(v));
  }

  u16(v: number): this {
    checkUint(v, 0xffff, 'u16');
    return this.bytes(Uint8Array.of(v >>> 8, v & 0xff));
  }

  u24(v: number): this {
    checkUint(v, 0xffffff, 'u24');
    return this.bytes(Uint8Array.of(v >>> 16, (v >>> 8) & 0xff, v & 0xff));
  }

  u32(v: number): this {
    checkUint(v, 0xffffffff, 'u32');
    return this.bytes(Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }

  private vec(lengthBytes: 1 | 2 | 3, content: Content): this {
    let data: Uint8Array;
    if (typeof content === 'function') {
      const inner = new ByteWriter();
      content(inner);
      data = inner.toBuffer();
    } else {
      data = content;
    }
    const max = lengthBytes === 1 ? 0xff : lengthBytes === 2 ? 0xffff : 0xffffff;
    if (data.length > max) throw new RangeError(`vector of ${data.length} bytes exceeds its ${lengthBytes}-byte length`);
    if (lengthBytes === 1) this.u8(data.length);
    else if (lengthBytes === 2) this.u16(data.length);
    else this.u24(data.length);
    return this.bytes(data);
  }

  /** A vector with a 1-byte length prefix: the bytes, or whatever the callback writes. */
  vec8(content: Content): this {
    return this.vec(1, content);
  }

  vec16(content: Content): this {
    return this.vec(2, content);
  }

  vec24(content: Content): this {
    return this.vec(3, content);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.len);
  }
}

/**
 * A FIFO of bytes with a hard cap, compacting in place (no quadratic copying when fed 1-byte
 * chunks).
 */
export class ByteQueue {
  private data: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  constructor(
    readonly maxBytes: number,
    private readonly what: string,
  ) {}

  get length(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buffered = this.length;
    const needed = buffered + chunk.length;
    if (needed > this.maxBytes) {
      throw new TlsParseError('too_large', `${this.what}: more than ${this.maxBytes} bytes buffered`);
    }
    if (this.end + chunk.length > this.data.length) {
      if (needed <= this.data.length) {
        this.data.copy(this.data, 0, this.start, this.end);
      } else {
        const grown = Buffer.alloc(Math.min(this.maxBytes, Math.max(needed, this.data.length * 2, 4096)));
        this.data.copy(grown, 0, this.start, this.end);
        this.data = grown;
      }
      this.start = 0;
      this.end = buffered;
    }
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The byte at `i` from the head (the caller checks `i < length`). */
  at(i: number): number {
    return this.data[this.start + i] ?? 0;
  }

  /** A view of the first `n` buffered bytes (valid until the next push/take). */
  peek(n: number): Uint8Array {
    return this.data.subarray(this.start, this.start + Math.min(n, this.length));
  }

  /** Removes the first `n` bytes and returns a copy. */
  take(n: number): Buffer {
    const out = copyBytes(this.data, this.start, this.start + n);
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }

  takeAll(): Buffer {
    return this.take(this.length);
  }
}

/** A 16-bit code as the registries and the result document write it: `0xC02F`. */
export function hex4(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
