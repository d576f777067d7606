import cliProgress from 'cli-progress';

// Scan progress on stderr while the report command works: a live bar (cli-progress) on a
// terminal, plain lines every few seconds otherwise (CI logs, `2>file`), so a long survey is
// never silent and never floods a log with redraws.

export interface ProgressCounts {
  total: number;
  done: number;
  failed: number;
}

export interface Progress {
  /** One scan finished; `failed` when it did not succeed; `label` names it ("example.org c2s"). */
  tick(failed: boolean, label: string): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  stream?: NodeJS.WriteStream;
  /** Plain mode: at most one line per this many ms (the last one always comes). Default 5000. */
  intervalMs?: number;
  now?: () => number;
}

/** "1h02m", "3m05s", "42s"; "?" before anything finished. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Remaining time from the average pace so far (scans run in parallel, so elapsed / done is the pace). */
export function eta(counts: ProgressCounts, elapsedMs: number): number | null {
  if (counts.done === 0) return null;
  return ((elapsedMs / counts.done) * (counts.total - counts.done)) / 1000;
}

export function progressLine(c: ProgressCounts, elapsedMs: number): string {
  return `report: ${c.done}/${c.total} scanned, ${c.failed} failed, ${c.total - c.done} remaining, ETA ${formatDuration(eta(c, elapsedMs))}`;
}

/** Lines, for a stream that is not a terminal. */
class LineProgress implements Progress {
  private readonly counts: ProgressCounts;
  private readonly started: number;
  private last = -Infinity;
  constructor(private readonly o: Required<Omit<ProgressOptions, 'stream'>> & { stream: NodeJS.WritableStream }) {
    this.counts = { total: o.total, done: 0, failed: 0 };
    this.started = o.now();
    this.write();
  }
  private write(): void {
    this.last = this.o.now();
    this.o.stream.write(`${progressLine(this.counts, this.last - this.started)}\n`);
  }
  tick(failed: boolean): void {
    this.counts.done++;
    if (failed) this.counts.failed++;
    if (this.counts.done === this.counts.total || this.o.now() - this.last >= this.o.intervalMs) this.write();
  }
  stop(): void {}
}

/** A redrawn bar, for a terminal. */
class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly counts: ProgressCounts;
  private readonly started = Date.now();
  constructor(total: number, stream: NodeJS.WriteStream) {
    this.counts = { total, done: 0, failed: 0 };
    // The ETA is ours (average pace, "?" before the first result), like the plain lines'.
    this.bar = new cliProgress.SingleBar(
      { stream, format: 'scanning [{bar}] {value}/{total} | {failed} failed | {remaining} remaining | ETA {etaText} | {last}', barsize: 30, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { failed: 0, remaining: total, etaText: '?', last: '' });
  }
  tick(failed: boolean, label: string): void {
    const c = this.counts;
    c.done++;
    if (failed) c.failed++;
    this.bar.increment(1, { failed: c.failed, remaining: c.total - c.done, etaText: formatDuration(eta(c, Date.now() - this.started)), last: label });
  }
  stop(): void {
    this.bar.stop();
  }
}

const SILENT: Progress = { tick() {}, stop() {} };

export function createProgress(opts: ProgressOptions & { enabled?: boolean }): Progress {
  if (opts.enabled === false || opts.total === 0) return SILENT;
  const stream = opts.stream ?? process.stderr;
  if (stream.isTTY) return new BarProgress(opts.total, stream);
  return new LineProgress({ total: opts.total, stream, intervalMs: opts.intervalMs ?? 5000, now: opts.now ?? Date.now });
}
