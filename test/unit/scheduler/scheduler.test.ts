import { afterEach, describe, expect, test } from '@jest/globals';
import { type Job, Scheduler } from '../../../src/scheduler/scheduler.js';

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

  test('more slots start queued jobs at once; fewer never stop running ones', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    const jobs = ['a', 'b', 'c', 'd'].map((d) => gatedJob(`c2s:${d}.test`));
    scheduler.setJobs(jobs.map((j) => j.job));
    for (const j of jobs) scheduler.trigger(j.job.key);
    expect(scheduler.inProgress).toBe(1);
    scheduler.setMaxConcurrent(3);
    expect(scheduler.maxConcurrent).toBe(3);
    expect(scheduler.inProgress).toBe(3);
    scheduler.setMaxConcurrent(1);
    expect(scheduler.inProgress).toBe(3);
    expect(() => scheduler!.setMaxConcurrent(0)).toThrow(RangeError);
  });

  test('periodSeconds: the shortest gap between ticks of the scheduled expressions', () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    expect(scheduler.periodSeconds()).toBeNull();
    scheduler.setJobs([gatedJob('c2s:a.test', '0 */6 * * *').job, gatedJob('c2s:b.test', '*/30 * * * *').job]);
    expect(scheduler.periodSeconds()).toBe(1800);
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

  test('suspect jobs (last scan failed) hold at most half the slots: a healthy job queued behind them starts first', async () => {
    const started: string[] = [];
    scheduler = new Scheduler({ maxConcurrent: 4, jitterSeconds: 0, onStart: (key) => started.push(key) });
    const suspects = ['s1', 's2', 's3', 's4'].map((d) => gatedJob(`c2s:${d}.test`));
    const healthy = ['h1', 'h2'].map((d) => gatedJob(`c2s:${d}.test`));
    scheduler.setJobs([...suspects.map((j) => ({ ...j.job, suspect: () => true })), ...healthy.map((j) => j.job)]);
    for (const j of [...suspects, ...healthy]) scheduler.trigger(j.job.key);
    // Two slots for the suspects (half of four), the other two for the healthy jobs queued after them.
    expect(scheduler.maxSuspect).toBe(2);
    expect(started).toEqual(['c2s:s1.test', 'c2s:s2.test', 'c2s:h1.test', 'c2s:h2.test']);
    // A freed slot does not go to a suspect while suspects hold their share: it stays for healthy jobs.
    healthy[0]!.state.release();
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(4);
    expect(scheduler.inProgress).toBe(3);
    // A suspect that finishes hands its slot to the next suspect.
    suspects[0]!.state.release();
    await new Promise((r) => setImmediate(r));
    expect(started.at(-1)).toBe('c2s:s3.test');
  });

  test('one slot: a suspect job still runs (a share is at least one slot)', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    const a = gatedJob('c2s:a.test');
    scheduler.setJobs([{ ...a.job, suspect: () => true }]);
    scheduler.trigger(a.job.key);
    await a.startedOnce;
    expect(a.state.runs).toBe(1);
  });

  test('onStart reports how long a job waited for a slot', async () => {
    const waits = new Map<string, number>();
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0, onStart: (key, waited) => waits.set(key, waited) });
    const a = gatedJob('c2s:a.test');
    const b = gatedJob('c2s:b.test');
    scheduler.setJobs([a.job, b.job]);
    scheduler.trigger(a.job.key);
    scheduler.trigger(b.job.key);
    expect(waits.has('c2s:b.test')).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    a.state.release();
    await b.startedOnce;
    expect(waits.get('c2s:a.test')).toBeLessThan(waits.get('c2s:b.test')!);
  });

  test('lagSeconds: how long the longest-waiting queued job has waited (0 when none waits); jobCount: the targets', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0 });
    const a = gatedJob('c2s:a.test');
    const b = gatedJob('c2s:b.test');
    const c = gatedJob('c2s:c.test');
    scheduler.setJobs([a.job, b.job, c.job]);
    expect(scheduler.jobCount).toBe(3);
    expect(scheduler.lagSeconds()).toBe(0);
    scheduler.trigger(a.job.key);
    await a.startedOnce;
    const before = performance.now();
    scheduler.trigger(b.job.key);
    const between = performance.now();
    scheduler.trigger(c.job.key);
    const after = performance.now();
    // Read at a given moment, 90 s on: b (queued first) has waited since it was queued.
    const at = before + 90_000;
    const lagB = scheduler.lagSeconds(at);
    expect(lagB).toBeGreaterThanOrEqual((at - between) / 1000);
    expect(lagB).toBeLessThanOrEqual((at - before) / 1000);
    a.state.release();
    await b.startedOnce;
    // b runs now; c waits, queued after b.
    const lagC = scheduler.lagSeconds(at);
    expect(lagC).toBeGreaterThanOrEqual((at - after) / 1000);
    expect(lagC).toBeLessThanOrEqual(lagB);
    b.state.release();
    await c.startedOnce;
    expect(scheduler.lagSeconds()).toBe(0);
  });

  test('a tick for a job that is only queued (slots all busy) says so at debug level, not as an overlap warning', async () => {
    const lines: [string, string][] = [];
    const logger = { debug: (_o: object, m: string) => lines.push(['debug', m]), warn: (_o: object, m: string) => lines.push(['warn', m]), error: () => {} };
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 0, logger });
    const busy = gatedJob('c2s:busy.test');
    const queued = gatedJob('c2s:queued.test', '* * * * * *');
    scheduler.setJobs([busy.job, queued.job]);
    scheduler.trigger(busy.job.key);
    await busy.startedOnce;
    // The every-second job's tick finds it queued behind the busy one (triggered here first).
    scheduler.trigger(queued.job.key);
    await new Promise((r) => setTimeout(r, 1100));
    expect(lines).toContainEqual(['debug', 'scan already queued']);
    expect(lines.filter(([level]) => level === 'warn')).toEqual([]);
    busy.state.release();
    await queued.startedOnce;
    // Now it runs: its next tick is a real overlap.
    await new Promise((r) => setTimeout(r, 1100));
    expect(lines).toContainEqual(['warn', 'previous scan still running: this one is skipped']);
  });

  test('nextScan: the next jittered tick, running, or queued', async () => {
    scheduler = new Scheduler({ maxConcurrent: 1, jitterSeconds: 60 });
    const a = gatedJob('c2s:a.test', '0 0 1 1 *');
    const b = gatedJob('c2s:b.test', '0 0 1 1 *');
    scheduler.setJobs([a.job, b.job]);
    const next = scheduler.nextScan('c2s:a.test');
    expect(next).toBeInstanceOf(Date);
    // New Year, local time, plus the target's jitter.
    expect((next as Date).getMonth()).toBe(0);
    expect((next as Date).getTime() % 60_000).toBe(scheduler.jitterMs('c2s:a.test') % 60_000);
    scheduler.trigger('c2s:a.test');
    scheduler.trigger('c2s:b.test');
    await a.startedOnce;
    expect(scheduler.nextScan('c2s:a.test')).toBe('running');
    expect(scheduler.nextScan('c2s:b.test')).toBe('queued');
    expect(scheduler.nextScan('c2s:unknown.test')).toBeNull();
  });
});
