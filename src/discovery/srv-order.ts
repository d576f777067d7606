import type { SrvRecord } from './types.js';

/**
 * Orders SRV records as RFC 2782 tells a client to try them: ascending priority; within a
 * priority, repeated weighted random choice. Pure apart from `random` (uniform in [0, 1)).
 * Generic so that callers can carry extra fields (e.g. which service a record came from).
 */
export function orderSrvRecords<T extends SrvRecord>(records: readonly T[], random: () => number = Math.random): T[] {
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  const ordered: T[] = [];
  for (const priority of priorities) {
    const group = records.filter((r) => r.priority === priority);
    // RFC 2782: zero-weight records go first in the running sum, which gives them a small
    // (but non-zero) chance of being chosen when heavier records exist.
    const remaining = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight !== 0)];
    while (remaining.length > 0) {
      const total = remaining.reduce((sum, r) => sum + r.weight, 0);
      // Uniform integer in [0, total], inclusive as the RFC says; clamped against odd `random`s.
      const pick = Math.min(total, Math.max(0, Math.floor(random() * (total + 1))));
      let runningSum = 0;
      const index = remaining.findIndex((r) => {
        runningSum += r.weight;
        return runningSum >= pick;
      });
      ordered.push(...remaining.splice(index, 1));
    }
  }
  return ordered;
}
