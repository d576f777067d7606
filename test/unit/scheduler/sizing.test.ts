import { describe, expect, test } from '@jest/globals';
import { AUTO_MAX_SLOTS, AUTO_MIN_SLOTS, autoSlots, capacityProblem, INITIAL_SCAN_SECONDS, ScanTimeMean } from '../../../src/scheduler/sizing.js';

describe('autoSlots: enough slots for every target to start within the jitter window', () => {
  test.each([
    // targets, mean scan s, jitter s → slots
    [100, 8, 1800, AUTO_MIN_SLOTS], // an operator's few domains: the old default
    [2_000, 6, 1800, 7],
    [20_000, 6, 1800, 67], // the federation, every 6 h with 30 min jitter
    [20_000, 6, 0, AUTO_MAX_SLOTS], // jitter 0: the window is 300 s, 400 wanted, capped
    [0, 8, 1800, AUTO_MIN_SLOTS],
  ])('%i targets × %f s over %i s jitter → %i', (targets, meanScanSeconds, jitterSeconds, slots) => {
    expect(autoSlots({ targets, meanScanSeconds, jitterSeconds })).toBe(slots);
  });
});

describe('capacityProblem: a round of scans longer than the period', () => {
  test('fits: no warning', () => {
    expect(capacityProblem({ targets: 20_000, meanScanSeconds: 6, slots: 67, periodSeconds: 6 * 3600 })).toBeNull();
    expect(capacityProblem({ targets: 20_000, meanScanSeconds: 6, slots: 67, periodSeconds: null })).toBeNull();
  });

  test('does not fit: says the round, the period and the slots needed', () => {
    const problem = capacityProblem({ targets: 20_000, meanScanSeconds: 6, slots: 4, periodSeconds: 6 * 3600 });
    expect(problem).toContain('20000 targets × 6.0 s a scan / 4 slots = 30000 s a round');
    expect(problem).toContain('period of 21600 s');
    expect(problem).toContain('at least 6');
  });
});

describe('ScanTimeMean', () => {
  test('starts from the initial guess, then follows the measured times', () => {
    const mean = new ScanTimeMean(0.5);
    expect(mean.seconds).toBe(INITIAL_SCAN_SECONDS);
    mean.add(2);
    expect(mean.seconds).toBe(2);
    mean.add(4);
    expect(mean.seconds).toBe(3);
    mean.add(Number.NaN);
    mean.add(-1);
    expect(mean.seconds).toBe(3);
  });
});
