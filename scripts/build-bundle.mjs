#!/usr/bin/env node
// The command line bundled for a fast start (`npm run build` runs this, then tsc; package.json's "bin", `npm start`
// and the Docker image run it):
//
//   dist/bundle/xmpp-tls-exporter.mjs   the entry: commander and the commands' definitions, nothing else
//   dist/bundle/chunks/*.mjs            what each command loads when it runs (its own modules and dependencies),
//                                       and the code commands share
//
// esbuild puts src/ and the dependencies into these few ES modules: Node then reads a handful of files instead of
// resolving and compiling some 300 modules (a scan's), and the lazy import() of each command (src/cli/program.ts)
// stays lazy: `--version` reads the entry and commander, `check-config` does not load the scanner, and nothing
// parses undici's megabyte unless AIA fetching or a URL target source needs it. Measured in BENCHMARKS.md
// ("CLI start-up").
//
// Not bundled: better-sqlite3 (a native addon, loaded from node_modules). Besides it, the bundle loads from
// node_modules only what runs in worker threads: bcryptjs (src/http/auth.ts passes its path to the worker), and for
// pretty logs thread-stream's worker, which loads pino-pretty (pino finds the worker through its
// __bundlerPathsOverrides, set below). dist/ from tsc stays what the tests and benches import. esbuild reads the
// TypeScript without checking its types: the bundle is made first, so that it is refreshed even when tsc reports
// type errors (tsc still writes dist/ then, and `npm run build` fails).
//
//   node scripts/build-bundle.mjs

import { readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = 'dist/bundle';
export const BUNDLE_ENTRY = `${BUNDLE_DIR}/xmpp-tls-exporter.mjs`;

// Every output file is an ES module: CommonJS dependencies bundled into it call require() for Node's built-ins, and
// pino's pretty transport needs the paths of the worker files it would otherwise find next to its own (in
// node_modules, resolved only when a pretty logger starts).
const BANNER = `import { createRequire as __xteCreateRequire } from 'node:module';
const require = __xteCreateRequire(import.meta.url);
globalThis.__bundlerPathsOverrides ??= {
  get 'thread-stream-worker'() { return __xteCreateRequire(require.resolve('pino')).resolve('thread-stream/lib/worker.js'); },
  get 'pino-worker'() { return require.resolve('pino/lib/worker.js'); },
};`;

/** src/version.ts reads package.json next to src/ and dist/; in the bundle the name and version are written in. */
const versionFromPackageJson = {
  name: 'version-from-package-json',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => {
      const { name, version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
      return { contents: `export const SCANNER = ${JSON.stringify({ name, version })};\n`, loader: 'ts' };
    });
  },
};

/** Builds the bundle; `overrides` are esbuild options on top of these (e.g. `{ metafile: true }` to see what went where). */
export async function buildBundle(overrides = {}) {
  const outdir = path.resolve(repoRoot, overrides.outdir ?? BUNDLE_DIR);
  // Built beside, then put in place: the chunks' names carry a hash (the last build's must go), and a CLI started
  // meanwhile finds the old bundle or the new one, whole.
  const partial = `${outdir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: { 'xmpp-tls-exporter': 'src/cli/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: ['better-sqlite3'],
    banner: { js: BANNER },
    plugins: [versionFromPackageJson],
    // Readable stack traces without source maps; the licences stay at the end of each file.
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
    ...overrides,
    outdir: partial,
  });
  await rm(outdir, { recursive: true, force: true });
  await rename(partial, outdir);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBundle();
}
