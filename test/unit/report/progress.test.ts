import { Writable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { createProgress, eta, formatDuration, progressLine } from '../../../src/report/progress.js';

/** A stream that keeps what is written; `tty` makes it look like a terminal. */
function sink(tty: boolean): NodeJS.WriteStream & { text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY: tty, columns: 160, text: () => out });
  return w;
}

describe('progress', () => {
  test.each([
    [null, '?'],
    [0, '0s'],
    [42.4, '42s'],
    [185, '3m05s'],
    [3720, '1h02m'],
  ])('formatDuration(%p) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  test('ETA from the pace so far', () => {
    expect(eta({ total: 10, done: 0, failed: 0 }, 5000)).toBeNull();
    expect(eta({ total: 10, done: 5, failed: 1 }, 10_000)).toBe(10);
    expect(progressLine({ total: 10, done: 5, failed: 1 }, 10_000)).toBe('report: 5/10 scanned, 1 failed, 5 remaining, ETA 10s');
  });
});

describe('createProgress', () => {
  test('not a terminal: a first line, then at most one per interval, and always the last', () => {
    const stream = sink(false);
    let now = 0;
    const p = createProgress({ total: 4, stream, intervalMs: 5000, now: () => now });
    now = 1000;
    p.tick(false, 'a.example c2s'); // too soon after the first line
    now = 6000;
    p.tick(true, 'b.example c2s');
    now = 7000;
    p.tick(false, 'c.example c2s');
    now = 8000;
    p.tick(false, 'd.example c2s'); // the last: always
    p.stop();
    expect(stream.text().trim().split('\n')).toEqual([
      'report: 0/4 scanned, 0 failed, 4 remaining, ETA ?',
      'report: 2/4 scanned, 1 failed, 2 remaining, ETA 6s',
      'report: 4/4 scanned, 1 failed, 0 remaining, ETA 0s',
    ]);
  });

  test('a terminal gets the cli-progress bar with counts', () => {
    const stream = sink(true);
    const p = createProgress({ total: 2, stream });
    p.tick(true, 'a.example c2s');
    p.tick(false, 'b.example s2s');
    p.stop();
    expect(stream.text()).toMatch(/2\/2 \| 1 failed \| 0 remaining \| ETA/);
  });

  test('disabled, or nothing to do: silent', () => {
    const stream = sink(false);
    createProgress({ total: 3, stream, enabled: false }).tick(false, 'x');
    createProgress({ total: 0, stream }).stop();
    expect(stream.text()).toBe('');
  });
});
