import { createHash } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';

// Rescans on a cron schedule. One cron task per distinct expression (not per target), a
// deterministic jitter per target that spreads a tick's scans over `jitterSeconds`, a global cap
// on scans running at once, and never two scans of one target at the same time.
//
// Targets whose last scan failed (dead, slow or hostile servers: their scans run into deadlines)
// are "suspect": they may take only half of the slots, so that they cannot keep healthy targets
// waiting. A healthy target queued behind suspect ones starts first when a slot frees up.

export interface Job {
  /** Stable identity, e.g. `c2s:example.org`. */
  key: string;
  cron: string;
  run: (signal: AbortSignal) => Promise<void>;
  /** Asked when the job is picked: true when the target's last scan failed (see above). */
  suspect?: () => boolean;
}

export interface SchedulerLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SchedulerOptions {
  maxConcurrent: number;
  jitterSeconds: number;
  logger?: SchedulerLogger;
  /** Called when a job starts, with the seconds it waited since it was due (queued, or its jittered tick). */
  onStart?: (key: string, waitedSeconds: number) => void;
}

export class Scheduler {
  private jobs = new Map<string, Job>();
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly queue: string[] = [];
  /** Queued keys, with the time (performance.now()) each became due. */
  private readonly queued = new Map<string, number>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void>; suspect: boolean }>();
  private readonly jitterTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  private slots: number;
  private period: number | null = null;

  constructor(private readonly opts: SchedulerOptions) {
    this.slots = opts.maxConcurrent;
  }

  get inProgress(): number {
    return this.running.size;
  }

  /** Keys of the jobs running now. */
  runningKeys(): string[] {
    return [...this.running.keys()];
  }

  /** Slots suspect jobs may hold at once: half, at least one. */
  get maxSuspect(): number {
    return Math.max(1, Math.floor(this.maxConcurrent / 2));
  }

  /** Scans that may run at once. */
  get maxConcurrent(): number {
    return this.slots;
  }

  /** Changes the number of slots (concurrency.domains reloaded, or `auto` resized): running scans are never stopped. */
  setMaxConcurrent(slots: number): void {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`maxConcurrent must be a positive integer, not ${slots}`);
    this.slots = slots;
    this.pump();
  }

  /**
   * The shortest time between two ticks of the scheduled cron expressions, in seconds (null
   * without any): a round of scans that takes longer cannot keep up. Worked out when the jobs
   * change (the daemon asks every 25 scans).
   */
  periodSeconds(): number | null {
    return this.period;
  }

  /** The jobs (targets) scheduled. */
  get jobCount(): number {
    return this.jobs.size;
  }

  /**
   * How long the job that has waited longest for a free slot has been waiting since it was due, in
   * seconds (0 when none waits): a lag that keeps growing means the slots are too few for the
   * targets and their schedule.
   */
  lagSeconds(now = performance.now()): number {
    let oldest = now;
    for (const dueAt of this.queued.values()) oldest = Math.min(oldest, dueAt);
    return (now - oldest) / 1000;
  }

  get pending(): number {
    return this.queue.length + this.jitterTimers.size;
  }

  /** Replaces the job set: removed jobs stop (their queued runs are dropped), new ones are scheduled. */
  setJobs(jobs: Job[]): void {
    this.jobs = new Map(jobs.map((j) => [j.key, j]));
    for (const key of [...this.queued.keys()]) if (!this.jobs.has(key)) this.unqueue(key);
    for (const [key, timer] of this.jitterTimers) {
      if (!this.jobs.has(key)) {
        clearTimeout(timer);
        this.jitterTimers.delete(key);
      }
    }
    const expressions = new Set(jobs.map((j) => j.cron));
    for (const [expr, task] of this.tasks) {
      if (!expressions.has(expr)) {
        void task.destroy();
        this.tasks.delete(expr);
      }
    }
    for (const expr of expressions) {
      if (this.tasks.has(expr) || this.stopped) continue;
      this.tasks.set(
        expr,
        cron.schedule(expr, () => this.tick(expr), { noOverlap: false, unref: false }),
      );
    }
    this.period = shortestPeriod([...this.tasks.values()]);
  }

  /** Queues a job now (start-up scans, /probe of a configured target). No-op if queued or running. */
  trigger(key: string): void {
    if (this.stopped || !this.jobs.has(key) || this.queued.has(key) || this.running.has(key)) return;
    this.queue.push(key);
    this.queued.set(key, performance.now());
    this.pump();
  }

  /** Resolves when `key` is neither queued nor running. */
  async idle(key: string): Promise<void> {
    while (this.queued.has(key) || this.running.has(key)) {
      await (this.running.get(key)?.done ?? new Promise((r) => setTimeout(r, 50)));
    }
  }

  /** Stops scheduling; in-flight scans get `graceMs` to finish, then are aborted with `reason`. */
  async stop(graceMs: number, reason: unknown = new Error('shutting down')): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks.values()) void task.destroy();
    this.tasks.clear();
    for (const timer of this.jitterTimers.values()) clearTimeout(timer);
    this.jitterTimers.clear();
    for (const key of [...this.queued.keys()]) this.unqueue(key);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    const timer = setTimeout(() => {
      for (const r of this.running.values()) r.controller.abort(reason);
    }, graceMs);
    await all;
    clearTimeout(timer);
  }

  /** When `key` scans next: 'running', 'queued' (waiting for a slot), its next jittered tick, or null (unknown key, stopped). */
  nextScan(key: string): 'running' | 'queued' | Date | null {
    if (this.running.has(key)) return 'running';
    if (this.queued.has(key) || this.jitterTimers.has(key)) return 'queued';
    const job = this.jobs.get(key);
    const tick = job ? this.tasks.get(job.cron)?.getNextRun() : null;
    return tick ? new Date(tick.getTime() + this.jitterMs(key)) : null;
  }

  /** Deterministic per target, so a target's scan time is stable from one period to the next. */
  jitterMs(key: string): number {
    if (this.opts.jitterSeconds <= 0) return 0;
    const n = createHash('sha256').update(key).digest().readUInt32BE(0);
    return n % (this.opts.jitterSeconds * 1000);
  }

  private tick(expr: string): void {
    for (const job of this.jobs.values()) {
      if (job.cron !== expr || this.jitterTimers.has(job.key)) continue;
      const timer = setTimeout(() => {
        this.jitterTimers.delete(job.key);
        if (this.running.has(job.key)) {
          this.opts.logger?.warn({ target: job.key }, 'previous scan still running: this one is skipped');
          return;
        }
        // Already waiting for a slot (all busy): it runs once, when its turn comes.
        if (this.queued.has(job.key)) return this.opts.logger?.debug({ target: job.key }, 'scan already queued');
        this.trigger(job.key);
      }, this.jitterMs(job.key));
      this.jitterTimers.set(job.key, timer);
    }
  }

  private unqueue(key: string): void {
    this.queued.delete(key);
    const i = this.queue.indexOf(key);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /**
   * Starts queued jobs while slots are free, oldest first, except that a suspect job waits while
   * suspect jobs hold their share of the slots (healthy jobs behind it go first).
   */
  private pump(): void {
    while (!this.stopped && this.running.size < this.slots) {
      const suspectRunning = [...this.running.values()].filter((r) => r.suspect).length;
      const index = this.queue.findIndex((key) => suspectRunning < this.maxSuspect || !this.jobs.get(key)?.suspect?.());
      if (index < 0) return;
      const [key] = this.queue.splice(index, 1) as [string];
      const dueAt = this.queued.get(key) ?? performance.now();
      this.queued.delete(key);
      const job = this.jobs.get(key);
      if (!job) continue;
      this.opts.onStart?.(key, (performance.now() - dueAt) / 1000);
      const controller = new AbortController();
      const done = job
        .run(controller.signal)
        .catch((err: unknown) => this.opts.logger?.error({ target: key, err }, 'scan job failed'))
        .finally(() => {
          this.running.delete(key);
          this.pump();
        });
      this.running.set(key, { controller, done, suspect: job.suspect?.() ?? false });
    }
  }
}

/** The shortest gap between the next few ticks of any of `tasks`, in seconds; null without tasks. */
function shortestPeriod(tasks: readonly ScheduledTask[]): number | null {
  let shortest: number | null = null;
  for (const task of tasks) {
    const runs = task.getNextRuns(4).map((d) => d.getTime());
    for (let i = 1; i < runs.length; i++) {
      const gap = (runs[i]! - runs[i - 1]!) / 1000;
      if (gap > 0 && (shortest === null || gap < shortest)) shortest = gap;
    }
  }
  return shortest;
}
