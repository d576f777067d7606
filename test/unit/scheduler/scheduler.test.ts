import { afterEach, describe, expect, test } from '@jest/globals';
import { type Job, Scheduler } from '../../../src/scheduler/index.js';

let scheduler: Scheduler | null = null;
afterEach(async () => {
  await scheduler?.stop(0);
  scheduler = null;
});

/** A job whose runs are counted and that finishes when `release()` is called. */
function gatedJob(key: string, cronExpr = '0 0 1 1 *') {
  const state = { runs: 0, active: 0, peak: 0, release: () => {}, aborted: 0 };
  let started: () => void = () => {};
  const startedOnce = new Promise<void>((r) => (started = r));
  const job: Job = {
    key,
    cron: cronExpr,
    run: (signal) =>
      new Promise<void>((resolve) => {
        state.runs++;
        state.active++;
        state.peak = Math.max(state.peak, state.active);
        started();
        const finish = () => {
          state.active--;
          resolve();
        };
        signal.addEventListener('abort', () => {
          state.aborted++;
          finish();
        });
        state.release = finish;
      }),
  };
  return { job, state, startedOnce };
}

describe('Scheduler', () => {
  test('never runs two scans of one target at once', async () => {
    scheduler = new Scheduler({ maxConcurrent: 4, jitterSeconds: 0 });
    const a = gatedJob('c2s:a.test');
    scheduler.setJobs([a.job]);
    scheduler.trigger('c2s:a.test');
    await a.startedOnce;
    scheduler.trigger('c2s:a.test');
    scheduler.trigger('c2s:a.test');
    expect(a.state.runs).toBe(1);
    a.state.release();
    await scheduler.idle('c2s:a.test');
    expect(a.state.peak).toBe(1);
  });

  test('holds the global cap on concurrent scans', async () => {
    scheduler = new Scheduler({ maxConcurrent: 2, jitterSeconds: 0 });
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((d) => gatedJob(`c2s:${d}.test`));
    scheduler.setJobs(jobs.map((j) => j.job));
    for (const j of jobs) scheduler.trigger(j.job.key);
    expect(scheduler.inProgress).toBe(2);
    expect(jobs.filter((j) => j.state.runs === 1)).toHaveLength(2);
    // Release whichever runs, until all five ran; the cap must hold throughout.
    let finished = 0;
    while (finished < 5) {
      const runningJob = jobs.find((j) => j.state.active > 0);
      expect(scheduler.inProgress).toBeLessThanOrEqual(2);
      runningJob!.state.release();
      finished++;
      await new Promise((r) => setImmediate(r));
    }
    expect(jobs.every((j) => j.state.runs === 1)).toBe(true);
  });

  test('a removed job is dropped from the queue', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    const a = gatedJob('c2s:a.test');
    const b = gatedJob('c2s:b.test');
    scheduler.setJobs([a.job, b.job]);
    scheduler.trigger(a.job.key);
    scheduler.trigger(b.job.key);
    scheduler.setJobs([a.job]);
    a.state.release();
    await scheduler.idle(a.job.key);
    expect(b.state.runs).toBe(0);
  });

  test('stop() aborts scans that outlive the grace period', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    const a = gatedJob('c2s:a.test');
    scheduler.setJobs([a.job]);
    scheduler.trigger(a.job.key);
    await a.startedOnce;
    await scheduler.stop(10);
    expect(a.state.aborted).toBe(1);
    scheduler = null;
  });

  test('cron ticks run the job (every second)', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    let resolveTwo: () => void = () => {};
    const two = new Promise<void>((r) => (resolveTwo = r));
    let runs = 0;
    scheduler.setJobs([{ key: 'c2s:tick.test', cron: '* * * * * *', run: async () => void (++runs === 2 && resolveTwo()) }]);
    await two;
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  test('jitter is deterministic per target and within the period', () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 600 });
    const j = scheduler.jitterMs('c2s:example.org');
    expect(j).toBe(scheduler.jitterMs('c2s:example.org'));
    expect(j).toBeGreaterThanOrEqual(0);
    expect(j).toBeLessThan(600_000);
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((d) => scheduler!.jitterMs(`c2s:${d}`))).size).toBeGreaterThan(1);
  });
});
