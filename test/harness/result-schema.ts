import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';

// Validates documents against docs/result.schema.json, so integration tests can check that real
// scan output keeps the documented shape.

const schema = JSON.parse(readFileSync(new URL('../../docs/result.schema.json', import.meta.url), 'utf8')) as object;
// ajv is CommonJS: under Node's ESM loader the default import is module.exports.
const Ajv2020 = Ajv2020Module.default;
const validate = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false, allErrors: true }).compile(schema);

/** The schema violations of `doc`, as readable lines; empty when it is valid. */
export function resultSchemaErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
