import { deflateSync, inflateSync } from 'node:zlib';
import type { ScanResult } from '../result/types.js';

// A result document as the database and the daemon's memory keep it: its JSON, deflated when
// over 1 KB (JSON compresses about 6:1). In memory a decoded result costs ~30 KB of heap and its
// encoding ~4 KB, so a daemon holding 20,000 targets keeps the encodings and decodes on demand
// (a scrape needs a target's document only when its lines are rendered again).

/** Documents over this size are stored deflated; smaller ones as text. */
const COMPRESS_ABOVE_BYTES = 1024;

/** The encoding of each result object encoded so far: the database and the store encode a fresh result once. */
const encodings = new WeakMap<object, Buffer>();

export function encodeDocument(doc: object): Buffer {
  let bytes = encodings.get(doc);
  if (!bytes) {
    const text = Buffer.from(JSON.stringify(doc));
    bytes = exactCopy(text.length > COMPRESS_ABOVE_BYTES ? deflateSync(text, { level: 6 }) : text);
    encodings.set(doc, bytes);
  }
  return bytes;
}

/**
 * The bytes in memory of their own: deflateSync's result is a view of its 16 KB output chunk, and
 * a small Buffer.from one of an 8 KB pool slab, either of which would stay alive with it.
 */
function exactCopy(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}

/** JSON text starts with `{`; a zlib stream with 0x78. */
export function decodeDocument<T>(blob: Buffer): T {
  return JSON.parse((blob[0] === 0x7b ? blob : inflateSync(blob)).toString('utf8')) as T;
}

/**
 * One stored result: its encoding, and the decoded object while something still holds it (a
 * WeakRef: the same object for every reader while it lives, decoded again after the GC took it).
 */
export class StoredDocument {
  private ref: WeakRef<ScanResult> | null;

  private constructor(
    readonly bytes: Buffer,
    decoded: ScanResult | null,
  ) {
    this.ref = decoded ? new WeakRef(decoded) : null;
  }

  /** A result just scanned: encoded now (or reusing the database's encoding of the same object). */
  static of(result: ScanResult): StoredDocument {
    return new StoredDocument(encodeDocument(result), result);
  }

  /** A result as read from the database. */
  static fromBytes(bytes: Buffer): StoredDocument {
    return new StoredDocument(bytes, null);
  }

  get result(): ScanResult {
    const alive = this.ref?.deref();
    if (alive) return alive;
    const decoded = decodeDocument<ScanResult>(this.bytes);
    encodings.set(decoded, this.bytes);
    this.ref = new WeakRef(decoded);
    return decoded;
  }
}
