import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { SurveyReport } from '../../../src/report/types.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';

// Ctrl-C during a survey: what was collected is not lost. The built CLI runs as a child process
// (a real SIGINT), one domain at a time: a real Prosody target first, then two targets whose
// server accepts the connection and never says a word. When the first silent one is reached, the
// test sends SIGINT; the report of the finished scan is written and the exit code says so.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

let world: TestWorld;
let silent: net.Server;
let reached: Promise<void>;
let child: ChildProcess | null = null;

beforeAll(async () => {
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  world = await startWorld();
  const sockets: net.Socket[] = [];
  reached = new Promise((resolve) => {
    silent = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      resolve();
    });
  });
  silent.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  silent?.close();
  await world?.stop();
});

test('SIGINT while scanning: the report of the finished scans, exit code 130', async () => {
  const silentAt = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  const config = join(world.dir, 'interrupt.yaml');
  await writeFile(
    config,
    daemonConfigYaml({
      caFile: world.caFile,
      storePath: join(world.dir, 'interrupt.db'),
      targets: [
        ...targetsAt(`127.0.0.1:${world.prosody.ports.c2s}`, ['c2s'], ['trusted.test']),
        ...targetsAt(silentAt, ['c2s'], ['silent1.test', 'silent2.test']),
      ],
    }),
  );
  child = spawn(process.execPath, [MAIN, 'report', '--config', config, '--format', 'json', '--concurrency', '1', '--timeout', '60', '--no-progress'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

  await reached;
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  const report = JSON.parse(stdout) as SurveyReport;
  expect(report.domains.map((d) => d.domain)).toEqual(['trusted.test']);
  expect(report.source).toContain('interrupted after 1 of 3 scans');
  expect(stderr).toContain('the report covers the 1 of 3 scans that had finished');
}, 60_000);
