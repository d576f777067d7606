import { describe, expect, test } from '@jest/globals';
import { BLOCK_BYTES, BlockPool, BlockWriter } from '../../../src/metrics/blocks.js';

describe('BlockWriter', () => {
  test.each([
    ['ASCII', 'a{x="1"} 1\nb{x="2"} 2\nc 3\n', true],
    ['UTF-8 (a certificate subject)', 'a{cn="Müller ☃"} 1\nb{cn="x"} 2\n', false],
  ])('slice() writes exactly the bytes of the slice: %s', (_name, text, ascii) => {
    const out = new BlockWriter(new BlockPool(2));
    const start = text.indexOf('\n') + 1;
    out.slice(text, 0, start, ascii);
    out.line('---');
    out.slice(text, start, text.length, ascii);
    expect(Buffer.concat(out.finish()).toString('utf8')).toBe(`${text.slice(0, start)}---\n${text.slice(start)}`);
  });

  test('a slice that does not fit the block starts a new one; one bigger than a block is a block of its own', () => {
    const out = new BlockWriter(new BlockPool(2));
    const big = 'x'.repeat(BLOCK_BYTES + 10);
    out.line('head');
    out.slice(`${big}\n`, 0, big.length + 1, true);
    out.line('tail');
    const blocks = out.finish();
    expect(blocks.map((b) => b.length)).toEqual([5, BLOCK_BYTES + 11, 5]);
    expect(Buffer.concat(blocks).toString('latin1')).toBe(`head\n${big}\ntail\n`);
  });
});
