// Politeness: at most `maxConnections` probe connections to one host at a time, and at least
// `delayMs` between two connection starts. Every probe of an endpoint goes through one limiter.

export class ConnectionLimiter {
  private active = 0;
  private lastStart = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly maxConnections: number,
    readonly delayMs: number,
  ) {
    if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError('maxConnections must be a whole number ≥ 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Connections that could start right now without waiting: what is left of the cap. */
  spareConnections(): number {
    return this.maxConnections - this.active - this.waiting.length;
  }

  private async acquire(): Promise<void> {
    if (this.active >= this.maxConnections) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    if (this.delayMs > 0) {
      // Reserve our start time before waiting, so concurrent acquirers space out one after another.
      const start = Math.max(Date.now(), this.lastStart + this.delayMs);
      this.lastStart = start;
      const wait = start - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks it next). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
