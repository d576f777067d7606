import { readFileSync } from 'node:fs';

// docs/config.schema.json as an object, for tests that walk it (defaults, descriptions, documentation).
// The program itself never reads it: it runs the validator generated from it (src/config/schema-validator.generated.ts).

let schema: Record<string, unknown> | undefined;

export function configSchema(): Record<string, unknown> {
  schema ??= JSON.parse(readFileSync(new URL('../../docs/config.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  return schema;
}
