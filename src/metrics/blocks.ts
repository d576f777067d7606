// Where an exposition is built: fixed-size blocks filled by copying, so no 10^7-character string is made. The HTTP
// server writes the blocks one after another (with backpressure and a Content-Length) and hands them back.

/** Text ready to be written: its UTF-8 length is known, and whether it is pure ASCII. */
export interface RenderedLines {
  text: string;
  bytes: number;
  /** Pure ASCII (almost always): written with the cheaper latin1 encoder, which gives the same bytes. */
  ascii: boolean;
}

export function renderedLines(text: string): RenderedLines {
  const bytes = Buffer.byteLength(text);
  return { text, bytes, ascii: bytes === text.length };
}

export const BLOCK_BYTES = 1 << 20;

/**
 * Blocks handed back after a response was sent, for the next scrape. Allocating ~30 MiB of buffers
 * per scrape made V8 run a full garbage collection every scrape or two (external memory pressure).
 */
export class BlockPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly max: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES);
  }

  give(blocks: readonly Buffer[]): void {
    for (const b of blocks) {
      // The last block of an exposition is a view of the start of a whole one.
      if (b.byteOffset !== 0 || b.buffer.byteLength !== BLOCK_BYTES || this.free.length >= this.max) continue;
      this.free.push(Buffer.from(b.buffer, 0, BLOCK_BYTES));
    }
  }
}

export class BlockWriter {
  readonly blocks: Buffer[] = [];
  private block: Buffer;
  private used = 0;

  constructor(private readonly pool: BlockPool) {
    this.block = pool.take();
  }

  /** Appends `text` and a newline. */
  line(text: string): void {
    this.lines(renderedLines(`${text}\n`));
  }

  /**
   * Appends rendered lines, encoded straight into the block: ~10^5 pieces per scrape, and keeping
   * them as bytes and Buffer#copy-ing them would allocate a view for each (twice as slow).
   */
  lines(r: RenderedLines): void {
    this.write(r.text, r.bytes, r.ascii);
  }

  /** Appends `text.slice(start, end)`; `ascii`: the whole text is ASCII (its length is its size in bytes). */
  slice(text: string, start: number, end: number, ascii: boolean): void {
    const piece = text.slice(start, end);
    this.write(piece, ascii ? piece.length : Buffer.byteLength(piece), ascii);
  }

  private write(text: string, bytes: number, ascii: boolean): void {
    if (bytes > BLOCK_BYTES - this.used) {
      this.flush();
      if (bytes > BLOCK_BYTES) {
        this.blocks.push(Buffer.from(text));
        return;
      }
    }
    this.used += this.block.write(text, this.used, ascii ? 'latin1' : 'utf8');
  }

  /** The blocks written, the last one trimmed. */
  finish(): Buffer[] {
    this.flush();
    this.pool.give([this.block]);
    return this.blocks;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.blocks.push(this.used === BLOCK_BYTES ? this.block : this.block.subarray(0, this.used));
    this.block = this.pool.take();
    this.used = 0;
  }
}
