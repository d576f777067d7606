import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import standaloneValidator from './schema-validator.generated.js';

// docs/config.schema.json is the single source of the configuration's shape and defaults: editors
// use it for completion and checks, and the loader validates with it (ajv fills in the defaults).
// The validator is ajv's code for the schema, generated ahead of time
// (schema-validator.generated.ts, `npm run generate:schema-types`): no run compiles the schema.
// This module turns ajv's errors into short messages at YAML-ish paths ("targets[3].modes[0]").

/** The generated module's function: what ajv.compile(schema) returns (errors with `parentSchema` and `data`). */
const validate = standaloneValidator as unknown as ValidateFunction;

export type PathSegment = string | number;

/** An issue before it is given a file position. `at: 'key'` points at the key of the last segment. */
export interface RawIssue {
  segments: PathSegment[];
  message: string;
  at?: 'key' | 'value';
  /** The value came from this environment variable, not from the file (the message then names it; no position). */
  envVariable?: string;
}

/**
 * Validates `data` in place: fills in the schema's defaults and returns the issues (empty when valid).
 * Only plain JSON-like data (what YAML gives) is expected.
 */
export function validateSchema(data: unknown): RawIssue[] {
  if (validate(data)) return [];
  const issues: RawIssue[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const issue = toIssue(err);
    if (!issue) continue;
    const key = JSON.stringify([issue.segments, issue.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

export function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** ["targets", 3, "modes", 0] → "targets[3].modes[0]"; odd keys are quoted: web.basic_auth_users["a b"]. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'empty',
};

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function toIssue(err: ErrorObject): RawIssue | null {
  const segments = parsePointer(err.instancePath);
  const params = err.params as Record<string, unknown>;
  const parent = (err.parentSchema ?? {}) as Record<string, unknown>;
  const got = parent['x-secret'] === true ? '' : ` (got ${describeValue(err.data)})`;
  switch (err.keyword) {
    case 'if':
      return null; // the failing branch reports the real problem
    case 'type': {
      const custom = parent['x-typeErrorMessage'];
      const wanted = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      const base = typeof custom === 'string' ? custom : `must be ${wanted}`;
      return { segments, message: `${base}${got}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
      return { segments, message: `must be one of ${allowed}${got}` };
    }
    case 'required':
      return { segments: [...segments, String(params.missingProperty)], message: 'is required', at: 'value' };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      return { segments: [...segments, key], message: unknownKeyMessage(key, known), at: 'key' };
    }
    case 'minimum':
      return { segments, message: `must be at least ${String(params.limit)}${got}` };
    case 'maximum':
      return { segments, message: `must be at most ${String(params.limit)}${got}` };
    case 'exclusiveMinimum':
      return { segments, message: `must be more than ${String(params.limit)}${got}` };
    case 'exclusiveMaximum':
      return { segments, message: `must be less than ${String(params.limit)}${got}` };
    case 'minLength':
      return { segments, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'minItems':
      return { segments, message: params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items` };
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      const earlier = Math.min(Number(params.i), Number(params.j));
      const name = formatPath(segments.slice(-1));
      return { segments: [...segments, later], message: `repeats ${name}[${earlier}]` };
    }
    case 'pattern': {
      const custom = parent.patternErrorMessage;
      const base = typeof custom === 'string' ? custom : `must match ${String(params.pattern)}`;
      return { segments, message: `${base}${got}` };
    }
    default:
      return { segments, message: err.message ?? `is not valid (${err.keyword})` };
  }
}

function unknownKeyMessage(key: string, known: string[]): string {
  if (known.length === 0) return 'unknown key';
  const close = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d }) => d <= (key.length <= 3 ? 1 : 2))
    .sort((a, b) => a.d - b.d)[0];
  if (close) return `unknown key (did you mean "${close.k}"?)`;
  return `unknown key (allowed here: ${known.join(', ')})`;
}

/** Edit distance counting a swap of two neighbours as one edit ("mdoes" → "modes": 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
