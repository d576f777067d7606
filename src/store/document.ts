import { deflateSync, inflateSync } from 'node:zlib';
import type { ScanResult } from '../result/types.js';

// A result document as the database keeps it: its JSON, deflated when over 1 KB (JSON compresses
// about 6:1). A decoded result costs ~30 KB of heap and its encoding ~4 KB; a daemon holding 20,000
// targets keeps neither: its entries read a document back from the database when something needs
// it (a scrape needs a target's document only when its lines are rendered again) and keep the
// encoding only while the database refuses writes.

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
    private readonly source: Buffer | (() => Buffer),
    decoded: ScanResult | null,
  ) {
    this.ref = decoded ? new WeakRef(decoded) : null;
  }

  /** The encoding: kept in memory, or read from the database each time. */
  get bytes(): Buffer {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  /** A result just scanned: encoded now (or reusing the database's encoding of the same object). */
  static of(result: ScanResult): StoredDocument {
    return new StoredDocument(encodeDocument(result), result);
  }

  /** A result as read from the database. */
  static fromBytes(bytes: Buffer): StoredDocument {
    return new StoredDocument(bytes, null);
  }

  /**
   * A result the database holds, read from it when something needs it: nothing of it stays in
   * memory (`decoded`, a result just written, is shared while something else holds it).
   */
  static inDatabase(read: () => Buffer, decoded: ScanResult | null = null): StoredDocument {
    return new StoredDocument(read, decoded);
  }

  get result(): ScanResult {
    const alive = this.ref?.deref();
    if (alive) return alive;
    const bytes = this.bytes;
    const decoded = decodeDocument<ScanResult>(bytes);
    if (typeof this.source !== 'function') encodings.set(decoded, bytes);
    this.ref = new WeakRef(decoded);
    return decoded;
  }
}
