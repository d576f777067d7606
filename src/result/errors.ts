import type { DeadlineKind, ErrorCode, Phase, ScanErrorInfo } from './types.js';

/**
 * The one error type every stage throws for expected failures (network, DNS, protocol). Anything
 * else reaching the scan orchestrator is a bug and is reported as `internal_error`.
 */
export class ScanError extends Error {
  readonly code: ErrorCode;
  readonly phase: Phase | undefined;
  readonly condition: string | undefined;
  readonly text: string | undefined;
  readonly deadline: DeadlineKind | undefined;

  constructor(code: ErrorCode, message: string, extra: { phase?: Phase; condition?: string; text?: string; deadline?: DeadlineKind; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ScanError';
    this.code = code;
    this.phase = extra.phase;
    this.condition = extra.condition;
    this.text = extra.text;
    this.deadline = extra.deadline;
  }

  /** The same error, placed in a phase (for errors noticed outside any wait, e.g. a socket error). */
  withPhase(phase: Phase): ScanError {
    return new ScanError(this.code, this.message, {
      phase,
      ...(this.condition !== undefined ? { condition: this.condition } : {}),
      ...(this.text !== undefined ? { text: this.text } : {}),
      ...(this.deadline !== undefined ? { deadline: this.deadline } : {}),
      cause: this.cause,
    });
  }

  toJSON(): ScanErrorInfo {
    const info: ScanErrorInfo = { code: this.code, message: this.message };
    if (this.phase !== undefined) info.phase = this.phase;
    if (this.condition !== undefined) info.condition = this.condition;
    if (this.text !== undefined) info.text = this.text;
    if (this.deadline !== undefined) info.deadline = this.deadline;
    return info;
  }
}

/** Turns anything thrown into the result document's error object. */
export function toErrorInfo(err: unknown): ScanErrorInfo {
  if (err instanceof ScanError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message: `unexpected error: ${message}` };
}

/**
 * What an aborted signal means for the scan: its reason when that is a ScanError (a deadline of
 * ours, or a shutdown), a scan-deadline timeout for a DOMException TimeoutError
 * (AbortSignal.timeout), and `aborted` for anything else (a caller that went away).
 */
export function abortError(signal: AbortSignal, phase?: Phase): ScanError {
  const reason: unknown = signal.reason;
  let err: ScanError;
  if (reason instanceof ScanError) err = reason;
  else if (reason instanceof Error && reason.name === 'TimeoutError') err = new ScanError('timeout', reason.message, { deadline: 'scan' });
  else err = new ScanError('aborted', `the scan was cancelled${reason instanceof Error ? `: ${reason.message}` : ''}`);
  return phase !== undefined && err.phase === undefined ? err.withPhase(phase) : err;
}

/** Largest delay Node's timers take (2^31 - 1 ms, ~24.8 days); longer ones would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer (call when the work finished first). */
  dispose(): void;
}

/**
 * A budget for a piece of work: a signal that aborts when `parent` does or after `ms`, with a
 * `timeout` ScanError naming the budget (`deadline: kind`) as its reason.
 */
export function deadline(parent: AbortSignal | undefined, ms: number, kind: DeadlineKind, description: string): Deadline {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new ScanError('timeout', `${description} of ${formatSeconds(ms)} ran out`, { deadline: kind })),
    Math.min(Math.max(0, ms), MAX_TIMER_MS),
  );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
