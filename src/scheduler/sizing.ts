// How many scans to run at once when `concurrency.domains` is `auto`, and when to warn that the
// slots cannot keep up. Pure functions; the daemon feeds them the target count, the mean scan
// time it measures and the schedule.
//
// A tick makes every target due within `jitterSeconds` (each at its own offset). Scans arriving
// at targets / window per second, each holding a slot for the mean scan time, need
// targets × mean / window slots to start on time (Little's law). Fewer than 4 are never used (an
// operator with 50 domains gets what the default always was); more than 128 are not worth their
// memory and file descriptors on a small machine: the warning says so instead.

export const AUTO_MIN_SLOTS = 4;
export const AUTO_MAX_SLOTS = 128;
/** Until scans have been timed: a modern server at ~100 ms RTT takes 3–6 s, a dead one its connect deadline. */
export const INITIAL_SCAN_SECONDS = 8;
/** A window shorter than this (jitter 0: everything due at the tick) would ask for a slot per target. */
export const MIN_WINDOW_SECONDS = 300;

export function autoSlots(opts: { targets: number; meanScanSeconds: number; jitterSeconds: number }): number {
  const window = Math.max(opts.jitterSeconds, MIN_WINDOW_SECONDS);
  const wanted = Math.ceil((opts.targets * opts.meanScanSeconds) / window);
  return Math.min(AUTO_MAX_SLOTS, Math.max(AUTO_MIN_SLOTS, wanted));
}

/**
 * A sentence for the log when one round of scans (targets × mean scan time / slots) takes longer
 * than the schedule's period, so scans start later and later; null when it fits.
 */
export function capacityProblem(opts: { targets: number; meanScanSeconds: number; slots: number; periodSeconds: number | null }): string | null {
  if (opts.periodSeconds === null || opts.targets === 0) return null;
  const roundSeconds = (opts.targets * opts.meanScanSeconds) / opts.slots;
  if (roundSeconds <= opts.periodSeconds) return null;
  const needed = Math.ceil((opts.targets * opts.meanScanSeconds) / opts.periodSeconds);
  return (
    `${opts.targets} targets × ${opts.meanScanSeconds.toFixed(1)} s a scan / ${opts.slots} slots = ${Math.round(roundSeconds)} s a round, ` +
    `longer than the schedule's period of ${Math.round(opts.periodSeconds)} s: scans will start later and later. ` +
    `Raise concurrency.domains to at least ${needed}, scan less often, or split the targets between exporters`
  );
}

/** A running mean of scan durations that follows changes within ~100 scans (exponentially weighted). */
export class ScanTimeMean {
  private mean: number | null = null;

  constructor(private readonly weight = 0.02) {}

  add(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.mean = this.mean === null ? seconds : this.mean + this.weight * (seconds - this.mean);
  }

  get seconds(): number {
    return this.mean ?? INITIAL_SCAN_SECONDS;
  }
}
