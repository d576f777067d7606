import { orderSrvRecords } from '../../../src/discovery/srv-order.js';
import type { SrvRecord } from '../../../src/discovery/types.js';

const rec = (name: string, priority: number, weight: number): SrvRecord => ({ name, port: 5222, priority, weight });
const names = (records: SrvRecord[]): string[] => records.map((r) => r.name);

/** A `random` that returns the given values in turn (and fails the test if asked for more). */
function sequence(...values: number[]): () => number {
  return () => {
    const next = values.shift();
    if (next === undefined) throw new Error('random() called more often than expected');
    return next;
  };
}

describe('orderSrvRecords', () => {
  it('returns an empty list for no records', () => {
    expect(orderSrvRecords([], sequence())).toEqual([]);
  });

  it('sorts by ascending priority, whatever the input order', () => {
    const records = [rec('c', 30, 0), rec('a', 10, 0), rec('b', 20, 0)];
    expect(names(orderSrvRecords(records, () => 0))).toEqual(['a', 'b', 'c']);
  });

  it('keeps the input order among zero-weight records of one priority', () => {
    const records = [rec('x', 5, 0), rec('y', 5, 0), rec('z', 5, 0)];
    expect(names(orderSrvRecords(records, () => 0.99))).toEqual(['x', 'y', 'z']);
  });

  it('does not modify its input', () => {
    const records = [rec('b', 2, 0), rec('a', 1, 0)];
    orderSrvRecords(records, () => 0);
    expect(names(records)).toEqual(['b', 'a']);
  });

  it('keeps extra fields of the records it orders', () => {
    const tagged = [
      { ...rec('b', 2, 0), directTls: true },
      { ...rec('a', 1, 0), directTls: false },
    ];
    expect(orderSrvRecords(tagged, () => 0)).toEqual([tagged[1], tagged[0]]);
  });

  // Running sums below are over the remaining records, zero-weight ones first (RFC 2782).
  it.each([
    // [description, records, random values, expected order]
    ['pick 0 chooses the first record (sum 0)', [rec('a', 0, 10), rec('b', 0, 90)], [0, 0], ['a', 'b']],
    ['pick 10 still chooses a (sum 10 >= 10)', [rec('a', 0, 10), rec('b', 0, 90)], [10.5 / 101, 0], ['a', 'b']],
    ['pick 11 chooses b (sum 100)', [rec('a', 0, 10), rec('b', 0, 90)], [11.5 / 101, 0], ['b', 'a']],
    ['the largest random chooses the last record', [rec('a', 0, 10), rec('b', 0, 90)], [0.999999, 0], ['b', 'a']],
    ['a zero-weight record is chosen only by pick 0', [rec('b', 0, 10), rec('z', 0, 0)], [0, 0], ['z', 'b']],
    ['pick 1 skips the zero-weight record', [rec('b', 0, 10), rec('z', 0, 0)], [1.5 / 11, 0], ['b', 'z']],
    ['weights are re-summed after each choice', [rec('a', 0, 1), rec('b', 0, 2), rec('c', 0, 3)], [3.5 / 7, 0.99, 0], ['b', 'c', 'a']],
  ] as const)('%s', (_, records, randoms, expected) => {
    expect(names(orderSrvRecords([...records], sequence(...randoms)))).toEqual(expected);
  });

  it('draws within each priority separately', () => {
    const records = [rec('low-a', 20, 1), rec('high-a', 10, 1), rec('low-b', 20, 1), rec('high-b', 10, 1)];
    // priority 10: pick 2 of [0,2] -> high-b; then the last one. priority 20: pick 0 -> low-a.
    const ordered = orderSrvRecords(records, sequence(0.99, 0, 0, 0));
    expect(names(ordered)).toEqual(['high-b', 'high-a', 'low-a', 'low-b']);
  });

  it("chooses the first record in proportion to weight (plus the RFC's inclusive 0) over all picks", () => {
    // Feeding every integer pick 0..total exactly once shows the exact distribution, no statistics needed.
    const records = [rec('w1', 0, 1), rec('w3', 0, 3), rec('w6', 0, 6)];
    const total = 10;
    const counts: Record<string, number> = {};
    for (let pick = 0; pick <= total; pick++) {
      const first = orderSrvRecords(records, sequence((pick + 0.5) / (total + 1), 0, 0))[0]!.name;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    expect(counts).toEqual({ w1: 2, w3: 3, w6: 6 });
  });

  it('tolerates a random() that returns 1 or more', () => {
    const ordered = orderSrvRecords([rec('a', 0, 1), rec('b', 0, 1)], () => 1);
    expect(names(ordered)).toEqual(['b', 'a']);
  });
});
