import { describe, expect, test } from '@jest/globals';
import { ConnectionLimiter } from '../../../../src/tls/probe/limiter.js';

describe('ConnectionLimiter', () => {
  test.each([1, 2, 4])('never runs more than %i task(s) at once, and runs them all', async (max) => {
    const limiter = new ConnectionLimiter(max, 0);
    let running = 0;
    let peak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, i % 3));
          running--;
          done++;
        }),
      ),
    );
    expect(peak).toBe(max);
    expect(done).toBe(25);
  });

  test('spareConnections counts what is left of the cap, queued tasks included', async () => {
    const limiter = new ConnectionLimiter(3, 0);
    expect(limiter.spareConnections()).toBe(3);
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 4 }, () => limiter.run(() => new Promise<void>((r) => gates.push(r))));
    await new Promise((r) => setImmediate(r));
    // Three running, one waiting.
    expect(limiter.spareConnections()).toBe(-1);
    // One finishes: the waiting one takes its slot.
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(limiter.spareConnections()).toBe(0);
    for (const release of gates.splice(0)) release();
    await Promise.all(tasks);
    expect(limiter.spareConnections()).toBe(3);
  });

  test('a failing task frees its slot', async () => {
    const limiter = new ConnectionLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  test('rejects a cap below 1', () => {
    expect(() => new ConnectionLimiter(0, 0)).toThrow(RangeError);
  });
});
