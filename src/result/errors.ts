import type { ErrorCode, Phase, ScanErrorInfo } from './types.js';

/**
 * The one error type every stage throws for expected failures (network, DNS, protocol). Anything
 * else reaching the scan orchestrator is a bug and is reported as `internal_error`.
 */
export class ScanError extends Error {
  readonly code: ErrorCode;
  readonly phase: Phase | undefined;
  readonly condition: string | undefined;
  readonly text: string | undefined;

  constructor(code: ErrorCode, message: string, extra: { phase?: Phase; condition?: string; text?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ScanError';
    this.code = code;
    this.phase = extra.phase;
    this.condition = extra.condition;
    this.text = extra.text;
  }

  /** The same error, placed in a phase (for errors noticed outside any wait, e.g. a socket error). */
  withPhase(phase: Phase): ScanError {
    return new ScanError(this.code, this.message, {
      phase,
      ...(this.condition !== undefined ? { condition: this.condition } : {}),
      ...(this.text !== undefined ? { text: this.text } : {}),
      cause: this.cause,
    });
  }

  toJSON(): ScanErrorInfo {
    const info: ScanErrorInfo = { code: this.code, message: this.message };
    if (this.phase !== undefined) info.phase = this.phase;
    if (this.condition !== undefined) info.condition = this.condition;
    if (this.text !== undefined) info.text = this.text;
    return info;
  }
}

/** Turns anything thrown into the result document's error object. */
export function toErrorInfo(err: unknown): ScanErrorInfo {
  if (err instanceof ScanError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message: `unexpected error: ${message}` };
}
