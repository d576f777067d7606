import { ResultDatabase } from '../../../src/store/database.js';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { freeTcpPort, waitForPort } from '../../harness/ports.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';

// `xmpp-tls-exporter serve` as a real process and real signals, as an init system or `kill` sends
// them: SIGHUP reloads (a removed target's series disappear; a broken file keeps the running
// config and says so in the reload metric), SIGTERM saves the state and exits 0.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

let world: TestWorld;
let child: ChildProcess | null = null;
let port: number;
let configFile: string;
let storePath: string;
let output = '';

function configText(domains: string[]): string {
  return daemonConfigYaml({
    listen: `127.0.0.1:${port}`,
    caFile: world.caFile,
    storePath,
    targets: targetsAt(`127.0.0.1:${world.prosody.ports.c2s}`, ['c2s'], domains),
    extra: 'log:\n  level: info\n',
  });
}

async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

async function scrapeUntil(done: (body: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await scrape();
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the daemon said:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const reloadOk = (body: string) => body.match(/^xmpp_tls_exporter_config_last_reload_successful (\d+)$/m)?.[1];

beforeAll(async () => {
  // The test runs the built CLI (scripts/test.sh builds before jest); build it when missing.
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  world = await startWorld();
  port = await freeTcpPort();
  configFile = join(world.dir, 'signals.yaml');
  storePath = join(world.dir, 'signals.db');
  await writeFile(configFile, configText(['trusted.test', 'soon.test']));
  child = spawn(process.execPath, [MAIN, 'serve', '--config', configFile, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await waitForPort(port, '127.0.0.1', 20_000, () => child?.exitCode === null);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await world?.stop();
});

describe('serve, driven by signals', () => {
  test('SIGHUP with a target removed: its series are gone, the other stays', async () => {
    await scrapeUntil(
      (b) => b.includes('xmpp_tls_scan_success{domain="trusted.test"') && b.includes('xmpp_tls_scan_success{domain="soon.test"'),
      'the first scans',
    );
    await writeFile(configFile, configText(['trusted.test']));
    child!.kill('SIGHUP');
    const body = await scrapeUntil((b) => !b.includes('domain="soon.test"'), 'soon.test to disappear');
    expect(body).toContain('xmpp_tls_scan_success{domain="trusted.test",mode="c2s"} 1');
    expect(reloadOk(body)).toBe('1');
  });

  test('SIGHUP with a broken file: the running config stays, the reload metric says 0', async () => {
    await writeFile(configFile, 'targets: [this is not: valid yaml');
    child!.kill('SIGHUP');
    const body = await scrapeUntil((b) => reloadOk(b) === '0', 'the failed reload');
    expect(body).toContain('xmpp_tls_scan_success{domain="trusted.test",mode="c2s"} 1');
    expect(output).toMatch(/reload/i);
  });

  test('SIGTERM: exit code 0, and the database holds the results', async () => {
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    const db = ResultDatabase.open(storePath, { readonly: true });
    const domains = db.loadAll().map((e) => e.domain);
    db.close();
    expect(domains).toContain('trusted.test');
  });
});
