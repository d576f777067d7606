#!/usr/bin/env node
// Generates src/tls/registry/client-profiles.generated.ts from the client profiles in src/tls/registry/client-profiles/
// (one JSON file per profile, shaped as `ClientProfile` of src/tls/registry/client-profiles.ts).
//
//   node scripts/generate-client-profiles.mjs [--dir DIR] [--out FILE]      (npm run generate:client-profiles)
//
// Every file is checked against the shape first; a bad one stops the run with its file name and nothing is written.
// The output is sorted by id and deterministic: same files, same bytes. Plain Node (no dependencies, no TS runner).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DIR = path.join(repoRoot, 'src/tls/registry/client-profiles');
const DEFAULT_OUT = path.join(repoRoot, 'src/tls/registry/client-profiles.generated.ts');

const ROLES = ['c2s', 's2s'];
const VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const TOP_KEYS = ['id', 'name', 'software', 'roles', 'current', 'provenance', 'clientHello', 'accepts', 'notes'];
const OPTIONAL_TOP_KEYS = ['notes'];
const PROVENANCE_KEYS = {
  captured: ['method', 'tool', 'version', 'package', 'date', 'command'],
  published: ['method', 'source', 'note'],
};
const HELLO_KEYS = ['legacyVersion', 'recordVersion', 'cipherSuites', 'compressionMethods', 'extensions'];

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v, max) => Number.isInteger(v) && v >= 0 && v <= max;
const nonEmptyString = (v) => typeof v === 'string' && v.trim() !== '';

function checkKeys(obj, allowed, optional, where, problems) {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) problems.push(`${where}: unknown key "${k}"`);
  for (const k of allowed) if (!(k in obj) && !optional.includes(k)) problems.push(`${where}: missing "${k}"`);
}

/** The problems of one parsed profile (empty: fine). `base` is the file name without .json, which the id must equal. */
export function profileProblems(p, base) {
  const problems = [];
  if (!isObject(p)) return ['not a JSON object'];
  checkKeys(p, TOP_KEYS, OPTIONAL_TOP_KEYS, 'profile', problems);
  if (typeof p.id !== 'string' || !/^[a-z0-9_]+$/.test(p.id)) problems.push(`id ${JSON.stringify(p.id)} is not lowercase letters, digits and _`);
  else if (base !== undefined && p.id !== base) problems.push(`id "${p.id}" differs from the file name "${base}.json"`);
  if (!nonEmptyString(p.name)) problems.push('name: not a non-empty string');
  if (!Array.isArray(p.software) || !p.software.every(nonEmptyString)) problems.push('software: not a list of non-empty strings');
  if (!Array.isArray(p.roles) || p.roles.length === 0 || !p.roles.every((r) => ROLES.includes(r)) || new Set(p.roles).size !== p.roles.length) {
    problems.push(`roles: ${JSON.stringify(p.roles)} is not a non-empty list of distinct c2s/s2s`);
  }
  if (typeof p.current !== 'boolean') problems.push('current: not a boolean');
  if ('notes' in p && !nonEmptyString(p.notes)) problems.push('notes: not a non-empty string');

  const prov = p.provenance;
  if (!isObject(prov) || !(prov.method in PROVENANCE_KEYS)) {
    problems.push('provenance: not an object with method "captured" or "published"');
  } else {
    checkKeys(prov, PROVENANCE_KEYS[prov.method], [], `provenance (${prov.method})`, problems);
    for (const k of PROVENANCE_KEYS[prov.method].slice(1)) if (k in prov && !nonEmptyString(prov[k])) problems.push(`provenance.${k}: not a non-empty string`);
    if (prov.method === 'captured' && typeof prov.date === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(prov.date))
      problems.push(`provenance.date "${prov.date}" is not YYYY-MM-DD`);
  }

  const h = p.clientHello;
  if (!isObject(h)) {
    problems.push('clientHello: not an object');
  } else {
    checkKeys(h, HELLO_KEYS, [], 'clientHello', problems);
    for (const k of ['legacyVersion', 'recordVersion']) if (k in h && !isInt(h[k], 0xffff)) problems.push(`clientHello.${k}: not a 16-bit integer`);
    if (!Array.isArray(h.cipherSuites) || h.cipherSuites.length === 0 || !h.cipherSuites.every((c) => isInt(c, 0xffff))) {
      problems.push('clientHello.cipherSuites: not a non-empty list of 16-bit integers');
    }
    if (!Array.isArray(h.compressionMethods) || h.compressionMethods.length === 0 || !h.compressionMethods.every((c) => isInt(c, 0xff))) {
      problems.push('clientHello.compressionMethods: not a non-empty list of 8-bit integers');
    }
    if (!Array.isArray(h.extensions)) {
      problems.push('clientHello.extensions: not a list');
    } else {
      for (const [i, e] of h.extensions.entries()) {
        const where = `clientHello.extensions[${i}]`;
        if (!isObject(e)) {
          problems.push(`${where}: not an object`);
          continue;
        }
        checkKeys(e, ['type', 'name', 'data'], [], where, problems);
        if (!isInt(e.type, 0xffff)) problems.push(`${where}.type: not a 16-bit integer`);
        if (!nonEmptyString(e.name)) problems.push(`${where}.name: not a non-empty string`);
        if (typeof e.data !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(e.data)) problems.push(`${where}.data: not lowercase hex`);
        else if (e.data.length / 2 > 0xffff) problems.push(`${where}.data: longer than 65535 bytes`);
      }
    }
  }

  const a = p.accepts;
  if (!isObject(a)) {
    problems.push('accepts: not an object');
  } else {
    checkKeys(a, ['versions', 'minDhBits'], [], 'accepts', problems);
    const v = a.versions;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => VERSIONS.includes(x))) {
      problems.push(`accepts.versions: ${JSON.stringify(v)} is not a non-empty list of ${VERSIONS.join(', ')}`);
    } else if (v.some((x, i) => i > 0 && VERSIONS.indexOf(x) <= VERSIONS.indexOf(v[i - 1]))) {
      problems.push(`accepts.versions: ${JSON.stringify(v)} is not in ascending order without repeats`);
    }
    if (a.minDhBits !== null && !(Number.isInteger(a.minDhBits) && a.minDhBits > 0)) problems.push('accepts.minDhBits: neither null nor a positive integer');
  }
  return problems;
}

/** Reads and checks every DIR/*.json; throws naming the file on the first bad one, and on a repeated id. */
export function readProfiles(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no *.json profile in ${dir}`);
  const profiles = [];
  const seen = new Map();
  for (const f of files) {
    const file = path.join(dir, f);
    let p;
    try {
      p = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not JSON: ${err.message}`);
    }
    const problems = profileProblems(p, f.slice(0, -'.json'.length));
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
    if (seen.has(p.id)) throw new Error(`${file}: id "${p.id}" already used by ${seen.get(p.id)}`);
    seen.set(p.id, file);
    profiles.push(p);
  }
  return profiles.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------------
// Output: TypeScript object literals, TLS codes in hexadecimal as the registries write them
// ---------------------------------------------------------------------------------------------------------------

const hex4 = (n) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
const hex2 = (n) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

/** How to print the numbers under a key (codes in hex). */
const NUMBER_FORMAT = { legacyVersion: hex4, recordVersion: hex4, cipherSuites: hex4, type: hex4, compressionMethods: hex2 };

function emit(value, indent, format) {
  const pad = '  '.repeat(indent);
  const inner = '  '.repeat(indent + 1);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return format ? format(value) : String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => !isObject(v))) return `[${value.map((v) => emit(v, 0, format)).join(', ')}]`;
    return `[\n${value.map((v) => `${inner}${flat(v) ?? emit(v, indent + 1, format)},`).join('\n')}\n${pad}]`;
  }
  const entries = Object.entries(value).map(([k, v]) => `${inner}${key(k)}: ${emit(v, indent + 1, NUMBER_FORMAT[k])},`);
  return `{\n${entries.join('\n')}\n${pad}}`;
}

/** A list item whose values are all scalars (an extension) on one line, or null. */
function flat(value) {
  if (!isObject(value) || !Object.values(value).every((v) => v === null || typeof v !== 'object')) return null;
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${key(k)}: ${emit(v, 0, NUMBER_FORMAT[k])}`)
    .join(', ')} }`;
}

/** The text of client-profiles.generated.ts for the profiles of `dir`. */
export function generate(dir = DEFAULT_DIR) {
  const profiles = readProfiles(dir);
  return [
    '// GENERATED FILE - DO NOT EDIT. Regenerate with:',
    '//   npm run generate:client-profiles   (node scripts/generate-client-profiles.mjs)',
    '// from the client profiles in src/tls/registry/client-profiles/*.json (scripts/capture-client-hellos.mjs captures them',
    '// from the real libraries; the "published" ones are written from documented or recorded hellos). Sorted by id.',
    '',
    "import type { ClientProfile } from './client-profiles.js';",
    '',
    `/** The ${profiles.length} client profiles for handshake simulation, sorted by id. */`,
    `export const CLIENT_PROFILES: readonly ClientProfile[] = ${emit(profiles, 0)};`,
    '',
  ].join('\n');
}

function main(argv) {
  let dir = DEFAULT_DIR;
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir' || a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      if (a === '--dir') dir = path.resolve(v);
      else out = path.resolve(v);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node scripts/generate-client-profiles.mjs [--dir DIR] [--out FILE]\n');
      return;
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  const text = generate(dir);
  writeFileSync(out, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), out) || out}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate-client-profiles: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
