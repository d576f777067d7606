import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { ResultDatabase } from '../../../src/store/database.js';
import { runCli } from '../../harness/cli.js';
import { daemonConfigYaml } from '../../harness/daemon-config.js';
import { type HostileServer, startHostileServer } from '../../harness/hostile-servers.mjs';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort } from '../../harness/ports.js';

// `serve` fails fast: everything is loaded and checked before the first scan, a problem is one
// line naming the file or address and the cause, exit 2 for the configuration's problems and 1 for
// the environment's, and nothing is written. `check-config` runs the same checks (minus binding)
// and says the same. A damaged database, and a database or state file from a newer version, stop
// the start and are left as they are; the state file of earlier versions is imported once. At
// shutdown, cancelled scans are dropped.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

let dir: string;
let caFile: string;
let web: { certFile: string; keyFile: string };
let otherKey: string;

beforeAll(async () => {
  // The test runs the built CLI (scripts/test.sh builds before jest); build it when missing.
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  dir = await mkdtemp(join(tmpdir(), 'xte-startup-'));
  const ca = await createLeaf(null, { dns: ['ca.test'], selfSigned: true });
  caFile = (await writePemFiles(dir, 'ca', ca)).certFile;
  web = await writePemFiles(dir, 'web', await createLeaf(null, { dns: ['localhost'], selfSigned: true }));
  // The harness reuses one key per role unless asked for a fresh one.
  otherKey = (await writePemFiles(dir, 'other', await createLeaf(null, { dns: ['other.test'], selfSigned: true, freshKey: true }))).keyFile;
  await writeFile(join(dir, 'not-pem.txt'), 'this is not a certificate\n');
  await writeFile(join(dir, 'a-file'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `xmpp-tls-exporter ARGS` as a process, until it exits (or `whileRunning` is done and it was sent SIGTERM). */
function runProcess(args: string[], whileRunning?: (child: ChildProcess) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.once('error', reject);
    // A start-up that should have failed but did not would run forever: stop it, the test then fails on its output.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
    if (whileRunning) {
      whileRunning(child).catch((err) => {
        child.kill('SIGKILL');
        reject(err);
      });
    }
  });
}

/** Resolves once the daemon logged "listening" (its signal handlers are installed before it starts). */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (!seen.includes('"msg":"listening"')) return;
      child.stderr?.off('data', onData);
      resolve();
    };
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`the daemon exited before listening:\n${seen}`)));
  });
}

/**
 * A configuration with one target on a dead port (nothing is scanned when start-up fails anyway),
 * its database in NAME-data/ unless `storePath`.
 */
async function configWith(
  name: string,
  extra: string,
  storePath = join(dir, `${name}-data`, 'results.db'),
  listen = '127.0.0.1:0',
  stateFile?: string,
): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    daemonConfigYaml({
      caFile,
      storePath,
      ...(stateFile ? { stateFile } : {}),
      listen,
      targets: [{ domain: 'example.test', modes: ['c2s'], connect: '127.0.0.1:9' }],
      extra,
    }),
  );
  return file;
}

/** The `web:` section (exporter-toolkit's names) with HTTPS files. */
const webTls = (cert: string, key: string) => `web:\n  tls_server_config:\n    cert_file: ${cert}\n    key_file: ${key}\n`;

describe('fail fast: serve and check-config agree, one line each, nothing written', () => {
  const cases: [string, () => Promise<string>, 1 | 2, RegExp][] = [
    [
      'a CA file that is not PEM',
      async () =>
        configWith('ca-not-pem', '', undefined).then(async (f) => {
          await writeFile(f, (await readFile(f, 'utf8')).replace(caFile, join(dir, 'not-pem.txt')));
          return f;
        }),
      2,
      /scanner\.caFiles: CA file .*not-pem\.txt holds no certificate/,
    ],
    [
      'a web certificate that is not PEM',
      () => configWith('web-cert', webTls(join(dir, 'not-pem.txt'), web.keyFile)),
      2,
      /web: the TLS certificate file .*not-pem\.txt is not a usable PEM certificate/,
    ],
    [
      "a web key that is not the certificate's",
      () => configWith('web-pair', webTls(web.certFile, otherKey)),
      2,
      /web: the TLS key file .*other\.key.* does not belong to the TLS certificate file .*web\.crt/,
    ],
    [
      'a missing web key file',
      () => configWith('web-missing', webTls(web.certFile, join(dir, 'nope.key'))),
      2,
      /web\.tls_server_config\.key_file: file not found: .*nope\.key/,
    ],
    [
      'a missing target file',
      () => configWith('targets-missing', `targetSources:\n  files: [${join(dir, 'missing-targets.txt')}]\n`),
      2,
      /targets file .*missing-targets\.txt: cannot read: ENOENT/,
    ],
    [
      'a client certificate with a key of another',
      () =>
        configWith('client-pair', '', undefined).then(async (f) => {
          await writeFile(
            f,
            (await readFile(f, 'utf8')).replace('scanner:\n', `scanner:\n  clientCertificate:\n    certFile: ${web.certFile}\n    keyFile: ${otherKey}\n`),
          );
          return f;
        }),
      2,
      /scanner\.clientCertificate: the key file .* does not belong to the certificate file/,
    ],
    ['a bad value', () => configWith('bad-value', 'log:\n  level: loud\n'), 2, /log\.level: must be one of trace/],
    [
      'a database whose folder is a file',
      () => configWith('store-path', '', join(dir, 'a-file', 'results.db')),
      1,
      /the database .*a-file\/results\.db cannot be written: ENOTDIR/,
    ],
  ];

  test.each(cases)('%s', async (_what, make, exitCode, line) => {
    const file = await make();
    const serve = await runProcess(['serve', '--config', file]);
    expect(serve.code).toBe(exitCode);
    expect(serve.stderr).toMatch(line);
    expect(serve.stderr.trim().split('\n')).toHaveLength(1);
    // check-config: the same verdict, in the same words.
    const check = await runCli('check-config', file);
    expect(check.code).toBe(exitCode);
    expect(check.err).toBe(serve.stderr);
    // Nothing written: no data folder, no database.
    expect(await readdir(dir)).not.toContain(`${file.replace(/^.*\//, '').replace('.yaml', '')}-data`);
  });

  test('a missing configuration file: exit 2, naming it', async () => {
    const serve = await runProcess(['serve', '--config', join(dir, 'nope.yaml')]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/nope\.yaml: cannot read the configuration: ENOENT/);
    expect((await runCli('check-config', join(dir, 'nope.yaml'))).code).toBe(2);
  });

  test('the listen address in use: serve exits 1 with one log line naming it; check-config does not bind and says OK', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const file = await configWith('port-in-use', '', undefined, `127.0.0.1:${port}`);
      const serve = await runProcess(['serve', '--config', file, '--log-format', 'json']);
      expect(serve.code).toBe(1);
      const lines = serve.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { level: number; msg: string });
      const fatal = lines.filter((l) => l.level >= 50);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(listen\\): .*EADDRINUSE`));
      // No scan was started (the HTTP server binds first).
      expect(serve.stderr).not.toMatch(/scan (finished|failed)/);
      const check = await runCli('check-config', file);
      expect(check.code).toBe(0);
      expect(check.out).toMatch(new RegExp(`OK: 1 domains, 1 scans .*; listen 127\\.0\\.0\\.1:${port}`));
    } finally {
      blocker.close();
    }
  });

  test('check-config --config FILE, as the example configuration says', async () => {
    const r = await runCli('check-config', '--config', join(ROOT, 'config.example.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/config\.example\.yaml: OK: /);
  });

  test('check-config without a file: a usage error (2)', async () => {
    const r = await runCli('check-config');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/check-config needs a configuration file/);
  });

  test('--log-level loud: a usage error (2) listing the levels, not an internal error', async () => {
    const file = await configWith('log-level', '');
    const r = await runProcess(['serve', '--config', file, '--log-level', 'loud']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'loud' is invalid\. Allowed choices are trace, debug, info, warn, error, fatal, silent/);
  });
});

describe('the database and the state file at start-up', () => {
  /** The one fatal log line of a serve that refused to start. */
  const fatalLine = (run: Run) =>
    run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);

  const unusable: [string, (file: string) => Promise<void>, RegExp][] = [
    [
      'garbage bytes',
      (file) => writeFile(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))),
      /^the database .*garbage-data\/results\.db is not a readable SQLite database \(SQLITE_NOTADB\): restore it from a backup, or move it away to start afresh$/,
    ],
    [
      'a schema from a newer version',
      async (file) => {
        ResultDatabase.open(file).close();
        const raw = new Database(file);
        raw.pragma('user_version = 99');
        raw.close();
      },
      /^the database .*newer-data\/results\.db was written by a newer version of xmpp-tls-exporter \(schema 99; .*the file is left as it is$/,
    ],
  ];

  test.each(unusable)(
    'a database with %s: serve exits 1 with one line naming it, check-config says the same, the file is unchanged',
    async (what, make, line) => {
      const name = what.startsWith('garbage') ? 'garbage' : 'newer';
      const storePath = join(dir, `${name}-data`, 'results.db');
      await mkdir(join(dir, `${name}-data`));
      await make(storePath);
      const before = await readFile(storePath);
      const file = await configWith(name, '', storePath);
      const serve = await runProcess(['serve', '--config', file, '--log-format', 'json']);
      expect(serve.code).toBe(1);
      expect(serve.stderr.trim().split('\n')).toHaveLength(1);
      const fatal = fatalLine(serve);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(line);
      const check = await runCli('check-config', file);
      expect(check.code).toBe(1);
      expect(check.err).toBe(`${fatal[0]!.msg}\n`);
      expect((await readFile(storePath)).equals(before)).toBe(true);
    },
  );

  /** A state file of earlier versions holding one result of the configured target (a real scan's document, dated back). */
  async function stateFileIn(folder: string): Promise<{ stateFile: string; startedAt: string }> {
    await mkdir(folder);
    // The scan fails (nothing listens on port 9: exit 1), and its document is what a failed scan leaves in a state file.
    const run = spawnSync(process.execPath, [MAIN, 'scan', 'example.test', '--connect', '127.0.0.1:9', '--json'], { encoding: 'utf8' });
    const scan = JSON.parse(run.stdout) as { startedAt: string };
    scan.startedAt = '2026-01-02T03:04:05.000Z';
    const stateFile = join(folder, 'state.json');
    await writeFile(
      stateFile,
      JSON.stringify({ version: 1, savedAt: scan.startedAt, entries: [{ domain: 'example.test', mode: 'c2s', latest: scan, lastGood: null }] }),
    );
    return { stateFile, startedAt: scan.startedAt };
  }

  test('a state file and an empty database: imported on the first start, renamed .imported, its targets served', async () => {
    const { stateFile, startedAt } = await stateFileIn(join(dir, 'import-state'));
    const storePath = join(dir, 'import-data', 'results.db');
    const port = await freeTcpPort();
    const file = await configWith('import', 'log:\n  level: info\n', storePath, `127.0.0.1:${port}`, stateFile);
    let api: { domain: string; mode: string; latest: { startedAt: string } }[] = [];
    const run = await runProcess(['serve', '--config', file, '--log-format', 'json'], async (child) => {
      await listening(child);
      api = (await (await fetch(`http://127.0.0.1:${port}/api/v1/results`)).json()) as typeof api;
      child.kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/"msg":"stateFile is deprecated/);
    expect(run.stderr).toMatch(/"targets":1,.*"msg":"state file imported into the database"/);
    // Served as imported (the target is not scanned again: it has a result).
    expect(api.map((e) => [e.domain, e.mode, e.latest.startedAt])).toEqual([['example.test', 'c2s', startedAt]]);
    expect(await readdir(join(dir, 'import-state'))).toEqual(['state.json.imported']);
    const db = ResultDatabase.open(storePath, { readonly: true });
    try {
      expect(db.loadAll().map((e) => [e.domain, e.mode, e.latest.startedAt])).toEqual([['example.test', 'c2s', startedAt]]);
    } finally {
      db.close();
    }
  });

  test('a state file from a newer version: serve refuses to start (1), saying so; the file is left as it is', async () => {
    const stateDir = join(dir, 'future-state');
    await mkdir(stateDir);
    const stateFile = join(stateDir, 'state.json');
    const future = JSON.stringify({ version: 99, entries: [{ anything: 'from a newer version' }] });
    await writeFile(stateFile, future);
    const file = await configWith('future', '', undefined, '127.0.0.1:0', stateFile);
    const run = await runProcess(['serve', '--config', file, '--log-format', 'json']);
    expect(run.code).toBe(1);
    const fatal = fatalLine(run);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toMatch(
      /^the state file .*future-state\/state\.json was written by a newer version of xmpp-tls-exporter \(format 99; this version reads 1\): nothing imported, nothing deleted/,
    );
    expect(await readdir(stateDir)).toEqual(['state.json']);
    expect(await readFile(stateFile, 'utf8')).toBe(future);
  });

  test('a state file that is not JSON: moved aside before anything can overwrite it, and the daemon starts', async () => {
    const stateDir = join(dir, 'corrupt-state');
    await mkdir(stateDir);
    const stateFile = join(stateDir, 'state.json');
    const garbage = '{"version": 1, "entries": [ truncated';
    await writeFile(stateFile, garbage);
    const file = await configWith('corrupt-state', 'log:\n  level: info\n', undefined, `127.0.0.1:${await freeTcpPort()}`, stateFile);
    const run = await runProcess(['serve', '--config', file, '--log-format', 'json'], async (child) => {
      await listening(child);
      child.kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    const backups = (await readdir(stateDir)).filter((f) => f.startsWith('state.json.unreadable-'));
    expect(backups).toHaveLength(1);
    expect(await readdir(stateDir)).toEqual(backups);
    expect(await readFile(join(stateDir, backups[0]!), 'utf8')).toBe(garbage);
    expect(run.stderr).toMatch(/state file unreadable: moved aside, nothing imported/);
  });
});

describe('shutdown', () => {
  let hostile: HostileServer;
  beforeAll(async () => {
    hostile = await startHostileServer('drip');
  });
  afterAll(async () => {
    await hostile?.stop();
  });

  /** A daemon scanning one target that drips its stream header (phases of 5 minutes: the scan runs until cancelled). */
  async function dripConfig(name: string, port: number): Promise<{ file: string; storePath: string }> {
    const storePath = join(dir, `${name}-data`, 'results.db');
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      daemonConfigYaml({
        caFile,
        storePath,
        listen: `127.0.0.1:${port}`,
        targets: [{ domain: 'drip.test', modes: ['c2s'], connect: `127.0.0.1:${hostile.port}` }],
        extra: 'timeouts:\n  connectSeconds: 300\n  readSeconds: 300\n  handshakeSeconds: 300\nlog:\n  level: info\n',
      }),
    );
    return { file, storePath };
  }

  test('a scan cancelled by SIGTERM is dropped: never stored, never the last good result', async () => {
    const port = await freeTcpPort();
    const { file, storePath } = await dripConfig('cancel', port);
    const run = await runProcess(['serve', '--config', file, '--log-format', 'json'], async (child) => {
      await listening(child);
      await new Promise((r) => setTimeout(r, 500)); // the scan is running
      child.kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/scan cancelled by the shutdown: its partial result is dropped/);
    const db = ResultDatabase.open(storePath, { readonly: true });
    try {
      expect(db.loadAll()).toEqual([]);
      expect(db.counts()).toEqual({ targets: 0, changes: 0, scans: 0 });
    } finally {
      db.close();
    }
  }, 30_000);
});
