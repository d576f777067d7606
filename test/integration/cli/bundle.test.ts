import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ScanResult } from '../../../src/result/types.js';
import { runCli } from '../../harness/cli.js';
import { daemonConfigYaml } from '../../harness/daemon-config.js';
import { createCa, createIntermediate, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort, stopChild, waitForPort } from '../../harness/processes.mjs';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { resultSchemaErrors } from '../../harness/result-schema.js';

// The bundled command line (dist/bundle/xmpp-tls-exporter.mjs, made by scripts/build-bundle.mjs): what package.json's
// "bin", `npm start` and the Docker image run. Run as a process, each command the way a user runs it, against a real
// Prosody: a bundle put together wrong (a dependency that needs files of its own, a lazy import that no longer
// resolves, the version not written in, the SQLite driver not found) fails here and not on a user's machine.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'xmpp-tls-exporter.mjs');
const run = promisify(execFile);

let dir: string;
let caFile: string;
let prosody: ProsodyInstance;

/** `node BUNDLE ARGS…`: exit code and output, whatever the code. */
async function bundle(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BUNDLE, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  // scripts/test.sh builds before jest; build the bundle when it is missing.
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-bundle.mjs')], { cwd: ROOT, stdio: 'ignore' });
  dir = await mkdtemp(join(tmpdir(), 'xte-bundle-'));
  const ca = await createCa({ cn: 'xmpp-tls-exporter Bundle Test CA' });
  const intermediate = await createIntermediate(ca);
  caFile = await writeCertFile(join(dir, 'ca.pem'), [ca]);
  const files = await writePemFiles(dir, 'bundle.test', await createLeaf(intermediate, { dns: ['bundle.test'] }), [intermediate]);
  prosody = await startProsody({ hosts: [{ domain: 'bundle.test', ...files }] });
}, 60_000);

afterAll(async () => {
  await prosody?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the bundled CLI', () => {
  test("is package.json's bin and npm start; --version is the version in package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ 'xmpp-tls-exporter': 'dist/bundle/xmpp-tls-exporter.mjs' });
    expect(pkg.scripts.start).toBe('node dist/bundle/xmpp-tls-exporter.mjs');
    expect(await bundle('--version')).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  test('check-config: the example configuration is valid', async () => {
    const { code, out } = await bundle('check-config', join(ROOT, 'config.example.yaml'));
    expect(code).toBe(0);
    expect(out).toMatch(/config\.example\.yaml: OK: \d+ domains, \d+ scans/);
  });

  test('check-config: a bad configuration gets the messages and exit code of the program built from src/', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'listen: 9522\ntargets:\n  - domain: "exa mple.org"\n    modes: [c2s, x2s]\nconcurency:\n  domains: 0\n');
    const fromBundle = await bundle('check-config', file);
    expect(fromBundle.code).toBe(2);
    expect(fromBundle.err.split('\n').filter(Boolean)).toHaveLength(4);
    expect(fromBundle).toEqual(await runCli('check-config', file));
  });

  test('scan --no-tls-probe --json: the certificate judged, no TLS probe, a valid document', async () => {
    const { code, out } = await bundle(
      'scan',
      'bundle.test',
      '--connect',
      `127.0.0.1:${prosody.ports.c2s}`,
      '--ca-file',
      caFile,
      '--no-system-roots',
      '--no-tls-probe',
      '--json',
    );
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScanResult;
    expect(resultSchemaErrors(r)).toEqual([]);
    expect(r).toMatchObject({ domain: 'bundle.test', mode: 'c2s', error: null });
    expect(r.endpoints).toHaveLength(1);
    const ep = r.endpoints[0]!;
    expect(ep).toMatchObject({ port: prosody.ports.c2s, status: 'ok', tls: null });
    expect(ep.certificate).toMatchObject({ trusted: true, hostnameValid: true, trustErrors: [] });
    // The chain decoded (the X.509 libraries in the bundle): leaf and intermediate, as sent.
    expect(ep.certificate?.chain.map((c) => [c.subject, c.source])).toEqual([
      ['CN=bundle.test', 'presented'],
      [expect.stringContaining('CN='), 'presented'],
    ]);
  });

  test('scan (text report, bundled roots next to the CA file): trusted through the test CA', async () => {
    const { code, out } = await bundle(
      'scan',
      'bundle.test',
      '--connect',
      `127.0.0.1:${prosody.ports.c2s}`,
      '--ca-file',
      caFile,
      '--no-tls-probe',
      '--no-color',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}Certificate +trusted/m);
    expect(out).toContain('Summary: bundle.test (c2s)');
  });

  describe('serve: the SQLite driver, basic auth in its worker thread and pretty logs through pino transport', () => {
    let child: ChildProcess;
    let log = '';
    let port: number;

    beforeAll(async () => {
      port = await freeTcpPort();
      const config = join(dir, 'serve.yaml');
      const hash = `sha256:${createHash('sha256').update('bundle-password').digest('hex')}`;
      const { default: bcrypt } = await import('bcryptjs');
      const bcryptHash = bcrypt.hashSync('bob-password', 4);
      await writeFile(
        config,
        daemonConfigYaml({
          caFile,
          storePath: join(dir, 'results.db'),
          listen: `127.0.0.1:${port}`,
          tlsProbe: false,
          targets: [{ domain: 'bundle.test', modes: ['c2s'], connect: `127.0.0.1:${prosody.ports.c2s}` }],
          extra: `web:\n  basic_auth_users:\n    alice: "${hash}"\n    bob: "${bcryptHash}"\nlog:\n  level: info\n  format: pretty\n`,
        }),
      );
      child = spawn(process.execPath, [BUNDLE, 'serve', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      await waitForPort(port, '127.0.0.1', 20_000, () => child.exitCode === null);
    }, 30_000);

    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) await stopChild(child);
    });

    test('answers /metrics with the scan stored, and only to the right password (sha256, and bcrypt in its worker thread)', async () => {
      const url = `http://127.0.0.1:${port}/metrics`;
      const auth = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, auth('alice', 'wrong'))).status).toBe(401);
      expect((await fetch(url, auth('bob', 'wrong'))).status).toBe(401);
      expect((await fetch(url, auth('bob', 'bob-password'))).status).toBe(200);
      // The scan at start-up is stored (SQLite) before its metrics appear.
      let metrics = '';
      for (let i = 0; i < 100 && !/xmpp_tls_certificate_trusted\{[^}]*domain="bundle\.test"/.test(metrics); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        metrics = await (await fetch(url, auth('alice', 'bundle-password'))).text();
      }
      expect(metrics).toMatch(/xmpp_tls_certificate_trusted\{[^}]*domain="bundle\.test"[^}]*\} 1/);
    });

    test('logs in the pretty format, and exits 0 on SIGTERM', async () => {
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(log).toMatch(/^\[[0-9-]+ [0-9:.]+ [+-]\d{4}\] INFO: listening$/m);
      expect(log).not.toMatch(/^\{/m);
      expect(existsSync(join(dir, 'results.db'))).toBe(true);
    });
  });
});
