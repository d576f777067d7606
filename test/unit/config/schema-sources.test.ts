import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { DEFAULT_TIMEOUTS } from '../../../src/connector/xmpp.js';
import { DEFAULTS } from '../../../src/defaults.js';
import { DEFAULT_PROFILE } from '../../../src/grading/profiles.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../../../src/software/client.js';
import { configAjv, generate } from '../../../scripts/generate-schema-types.mjs';
import standaloneValidator from '../../../src/config/schema-validator.generated.js';
import { configSchema } from '../../harness/config-schema.js';

// docs/config.schema.json is the one source of the configuration's shape and defaults: the
// TypeScript types are generated from it, and src/defaults.ts (what the command line, scanDomain()
// and the prober read) must say what its "default"s say.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Where DEFAULTS keeps the defaults inside list items. */
const ITEM_KEYS: Record<string, string> = { 'targets[]': 'target', 'targetSources.urls[]': 'urlSource' };

/** Every default of the schema, by path ("concurrency.domains", "targets[].modes"), except those of objects with properties of their own (`{}`: each property has its own). */
function schemaDefaults(): Map<string, Json> {
  const schema = configSchema() as JsonObject;
  const defs = schema.$defs as Record<string, JsonObject>;
  const found = new Map<string, Json>();
  const walk = (node: JsonObject, path: string): void => {
    if (typeof node.$ref === 'string') {
      walk(defs[node.$ref.replace('#/$defs/', '')]!, path);
      return;
    }
    if ('default' in node && !node.properties) found.set(path, node.default!);
    for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonObject>)) walk(child, path ? `${path}.${key}` : key);
    const items = node.items as JsonObject | undefined;
    if (items) for (const branch of [items, items.then, items.else]) if (branch && typeof branch === 'object') walk(branch as JsonObject, `${path}[]`);
  };
  walk(schema, '');
  return found;
}

/** Every leaf of DEFAULTS by the schema's path. */
function moduleDefaults(): Map<string, Json> {
  const found = new Map<string, Json>();
  const itemPath = Object.fromEntries(Object.entries(ITEM_KEYS).map(([path, key]) => [key, path]));
  const walk = (value: Json, path: string): void => {
    const isGroup = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
    if (!isGroup) return void found.set(path, value);
    for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : (itemPath[key] ?? key));
  };
  walk(JSON.parse(JSON.stringify(DEFAULTS)) as Json, '');
  return found;
}

describe('docs/config.schema.json and src/defaults.ts', () => {
  test('every default of the schema is in DEFAULTS, and DEFAULTS holds nothing else', () => {
    const schema = schemaDefaults();
    expect(schema.size).toBeGreaterThan(30);
    expect(Object.fromEntries(moduleDefaults())).toEqual(Object.fromEntries(schema));
  });

  test('objects with properties of their own default to {}, so their properties get their defaults', () => {
    const containers: string[] = [];
    const walk = (node: JsonObject, path: string): void => {
      if ('default' in node && node.properties) containers.push(`${path} = ${JSON.stringify(node.default)}`);
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonObject>)) walk(child, path ? `${path}.${key}` : key);
    };
    walk(configSchema() as JsonObject, '');
    expect(containers).toEqual(
      ['schedule', 'concurrency', 'timeouts', 'scanner', 'grading', 'targetSources', 'store', 'store.retention', 'probe', 'web', 'shard', 'metrics', 'log'].map(
        (key) => `${key} = {}`,
      ),
    );
  });

  // Constants that other modules keep for their callers that pass nothing: they must agree.
  test.each([
    [
      'connector: phase deadlines',
      DEFAULT_TIMEOUTS,
      {
        connectMs: DEFAULTS.timeouts.connectSeconds * 1000,
        readMs: DEFAULTS.timeouts.readSeconds * 1000,
        handshakeMs: DEFAULTS.timeouts.handshakeSeconds * 1000,
      },
    ],
    ['grading: profile', DEFAULT_PROFILE, DEFAULTS.grading.profile],
    ['software version query: timeout', DEFAULT_QUERY_TIMEOUT_MS, DEFAULTS.version.timeoutSeconds * 1000],
  ])('%s', (_what, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('generated from docs/config.schema.json', () => {
  // On failure: npm run generate:schema-types, and commit the result.
  test.each(['src/config/schema.generated.ts', 'src/config/schema-validator.generated.ts'])(
    '%s is what scripts/generate-schema-types.mjs makes of the schema now',
    async (path) => {
      const file = (await generate()).find((f) => f.path === path);
      expect(file).toBeDefined();
      expect(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')).toBe(file?.text);
    },
  );

  test('the generated validator judges as ajv compiling the schema does: same verdicts, defaults and errors', () => {
    const reference = configAjv().compile(configSchema());
    const generated = standaloneValidator as unknown as ValidateFunction;
    const samples: unknown[] = [
      {},
      { targets: ['example.org', { domain: 'example.net', modes: ['s2s'] }] },
      { listen: 9522, schedule: { cron: '' }, targets: [{ domain: 'a.test', modes: ['c2s', 'c2s'] }], mystery: true },
      { concurrency: { domains: 0 }, timeouts: { connectSeconds: -1 }, web: { basic_auth_users: { alice: 'not-a-hash' } } },
      { targets: [{ modes: ['x2s'] }, 42], store: { retention: { scansDays: 'forever' } } },
    ];
    for (const sample of samples) {
      const [a, b] = [structuredClone(sample), structuredClone(sample)];
      const verdicts = [reference(a), generated(b)];
      expect(verdicts[1]).toBe(verdicts[0]);
      expect(b).toEqual(a);
      const shape = (errors: typeof reference.errors) => (errors ?? []).map((e) => [e.instancePath, e.keyword, e.params, e.parentSchema, e.data]);
      expect(shape(generated.errors)).toEqual(shape(reference.errors));
    }
  });
});
