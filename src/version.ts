import { readFileSync } from 'node:fs';

// package.json sits one folder above both src/ (tests) and dist/ (built), so this works for both.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const SCANNER = { name: pkg.name, version: pkg.version };
