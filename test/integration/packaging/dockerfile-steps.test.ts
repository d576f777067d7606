import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freeTcpPort, waitForPort } from '../../harness/ports.js';

// Dockerfile honesty without a Docker engine: the Dockerfile is parsed and its steps are replayed in temp
// folders standing for the two stages' /app — the build stage compiles src/ with only the files it copies,
// the runtime stage gets package.json + package-lock.json, the build stage's pruned node_modules (the production dependencies
// only), the bundled CLI (dist/bundle/) from the build stage, config.example.yaml and docs/. Then the image's ENTRYPOINT runs there:
// --help, the CMD's configuration check, `serve` answering /healthz (through the HEALTHCHECK command itself)
// and /metrics, and a clean exit on SIGTERM. An instruction this test does not know how to replay fails it,
// so the test keeps up with the Dockerfile.
//
// Deviations, on purpose: the build stage's `npm ci` (all dev dependencies) is replaced by the repository's
// node_modules (installed by `npm ci` from the same lock file); its apt-get of the compilers for native addons
// is replaced by checking that this machine has them; `npm prune --omit=dev` is replayed as a production-only
// install from npm's cache with the native addons' build output taken from the repository's install (same lock
// file, same Node: what the build stage compiles); chown/USER are not replayed (no root needed here).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  name: string | null;
  base: string;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1).trim()} ${lines[++i]!.trim()}`;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse ${line}`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ base: f![1]!, name: f![2] ?? null, instructions: [] });
    } else {
      stages.at(-1)!.instructions.push({ op, args, line: start + 1 });
    }
  }
  return stages;
}

const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const runtime = stages.at(-1)!;
const jsonArray = (s: string): string[] => JSON.parse(s) as string[];
const only = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

let work: string;
/** Folder of each stage, standing for its WORKDIR (/app). */
const stageDirs = new Map<string, string>();
let appDir: string;
let runtimeEnv: NodeJS.ProcessEnv;
let entrypoint: string[];
let server: ChildProcess | null = null;
let serverLog = '';

/** /app/... of the image → the runtime stage's folder. */
const inApp = (s: string) => s.replaceAll('/app/', `${appDir}/`).replace(/^\/app$/, appDir);

async function replay(stage: Stage, dir: string): Promise<void> {
  let env: NodeJS.ProcessEnv = { ...process.env };
  for (const ins of stage.instructions) {
    const where = `Dockerfile:${ins.line} ${ins.op} ${ins.args}`;
    switch (ins.op) {
      case 'WORKDIR':
        expect([where, ins.args]).toEqual([where, '/app']);
        break;
      case 'ENV': {
        const [k, v] = ins.args.split('=');
        env = { ...env, [k!]: v };
        break;
      }
      case 'COPY': {
        const parts = ins.args.split(/\s+/);
        const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : null;
        const dest = parts.pop()!;
        for (const src of parts) {
          const source = from ? join(stageDirs.get(from)!, src.replace(/^\/app\/?/, '')) : join(ROOT, src);
          if (!existsSync(source)) throw new Error(`${where}: ${source} does not exist`);
          const target = dest.endsWith('/') || parts.length > 1 ? join(dir, dest, src.split('/').pop()!) : join(dir, dest);
          await cp(source, target, { recursive: true });
        }
        break;
      }
      case 'RUN':
        for (const cmd of ins.args.split('&&').map((c) => c.trim())) await runStep(cmd, dir, env, where);
        break;
      case 'ENTRYPOINT':
      case 'CMD':
      case 'HEALTHCHECK':
      case 'EXPOSE':
      case 'VOLUME':
      case 'USER':
        break; // used by the tests below
      default:
        throw new Error(`${where}: this test does not know how to replay ${ins.op}; teach it`);
    }
  }
  if (stage === runtime) runtimeEnv = env;
}

async function runStep(cmd: string, dir: string, env: NodeJS.ProcessEnv, where: string): Promise<void> {
  const opts = { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 };
  if (/^npm ci( |$)/.test(cmd) && !cmd.includes('--omit=dev')) {
    // Build stage: all dependencies. The repository's node_modules is that install.
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else if (/^npm prune --omit=dev( |$)/.test(cmd)) {
    // Never prune through the symlink (that would be the repository's own node_modules).
    await rm(join(dir, 'node_modules'));
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], opts);
    for (const addon of ['better-sqlite3']) {
      await cp(join(ROOT, 'node_modules', addon, 'build'), join(dir, 'node_modules', addon, 'build'), { recursive: true });
    }
  } else if (/^apt-get (update|install)/.test(cmd)) {
    // The build stage's compilers: this machine must have them (scripts/test.sh's machine does).
    for (const tool of cmd.includes('install') ? cmd.split(/\s+/).filter((w) => !w.startsWith('-') && !['apt-get', 'install'].includes(w)) : []) {
      const bin = tool === 'g++' ? 'g++' : tool;
      await run('sh', ['-c', `command -v ${bin}`]).catch(() => {
        throw new Error(`${where}: ${bin} is needed (the build stage installs it); install it here`);
      });
    }
  } else if (cmd === 'rm -rf /var/lib/apt/lists/*') {
    // skipped: the image's apt cache, not this machine's
  } else if (cmd === 'npm run build') {
    await run('npm', ['run', 'build'], opts);
  } else if (cmd === 'npm cache clean --force') {
    // skipped: it would empty this machine's npm cache
  } else if (/^mkdir -p \/app\//.test(cmd)) {
    for (const p of cmd.split(/\s+/).slice(2)) await mkdir(join(dir, p.slice('/app/'.length)), { recursive: true });
  } else if (/^chown /.test(cmd)) {
    // skipped: USER node in the image; this test runs as whoever runs it
  } else {
    throw new Error(`${where}: this test does not know how to replay "${cmd}"; teach it`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'xte-docker-'));
  for (const [i, stage] of stages.entries()) {
    const dir = join(work, stage.name ?? `stage${i}`);
    await mkdir(dir, { recursive: true });
    if (stage === runtime) appDir = dir;
    await replay(stage, dir);
    if (stage.name) stageDirs.set(stage.name, dir);
  }
  entrypoint = jsonArray(only(runtime, 'ENTRYPOINT')[0]!.args).map(inApp);
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((r) => server!.once('exit', r));
    server.kill('SIGKILL');
    await gone;
  }
  if (work) await rm(work, { recursive: true, force: true });
});

const entry = (args: string[]) => run(entrypoint[0]!, [...entrypoint.slice(1), ...args], { cwd: appDir, env: runtimeEnv });

describe('the Dockerfile replayed outside Docker', () => {
  test('two stages on the same Node base; the runtime has no dev dependencies', async () => {
    expect(stages.map((s) => s.name)).toEqual(['build', null]);
    expect(new Set(stages.map((s) => s.base)).size).toBe(1);
    expect(stages[0]!.base).toMatch(/^node:20/);
    expect(existsSync(join(appDir, 'node_modules/prom-client'))).toBe(true);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const dev of Object.keys(pkg.devDependencies)) expect([dev, existsSync(join(appDir, 'node_modules', dev))]).toEqual([dev, false]);
  });

  test('ENTRYPOINT --help lists the commands', async () => {
    const { stdout } = await entry(['--help']);
    expect(stdout).toContain('serve');
    expect(stdout).toContain('scan');
  });

  test("the CMD's configuration is valid in the image's layout", async () => {
    const cmd = jsonArray(only(runtime, 'CMD')[0]!.args).map(inApp);
    expect(cmd.slice(0, 2)).toEqual(['serve', '--config']);
    const { stdout, stderr } = await entry([...cmd, '--config.check']);
    expect(stdout + stderr).not.toMatch(/error|invalid/i);
  });

  test('serve answers /healthz (the HEALTHCHECK command), /metrics, and exits 0 on SIGTERM', async () => {
    const port = await freeTcpPort();
    const exposed = only(runtime, 'EXPOSE')[0]!.args.trim();
    const config = join(appDir, 'test-config.yaml');
    await writeFile(
      config,
      `listen: "127.0.0.1:${port}"
schedule:
  cron: "0 0 1 1 *"
  jitterSeconds: 0
store:
  path: ./data/xmpp-tls-exporter.db
targets:
  - domain: down.test
    modes: [c2s]
    connect: "127.0.0.1:${await freeTcpPort()}"
log:
  level: warn
  format: json
`,
    );
    server = spawn(entrypoint[0]!, [...entrypoint.slice(1), 'serve', '--config', config], { cwd: appDir, env: runtimeEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
    await waitForPort(port, '127.0.0.1', 20_000, () => server?.exitCode === null);

    // HEALTHCHECK [options] CMD <shell command>: the image's own probe, aimed at this port.
    const health = only(runtime, 'HEALTHCHECK')[0]!
      .args.replace(/^.*?\bCMD\s+/, '')
      .replaceAll(`127.0.0.1:${exposed}`, `127.0.0.1:${port}`);
    expect(health).toContain(`127.0.0.1:${port}/healthz`);
    await run('sh', ['-c', health], { cwd: appDir, env: runtimeEnv });

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(metrics).toContain(`xmpp_tls_exporter_build_info{version="${version}"`);

    const exit = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(existsSync(join(appDir, 'data/xmpp-tls-exporter.db'))).toBe(true);
  }, 40_000);

  test('.dockerignore keeps out nothing the Dockerfile copies from the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const copied = stages
      .flatMap((s) => only(s, 'COPY'))
      .filter((c) => !c.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const src of copied) {
      const top = src.split('/')[0]!;
      expect([src, ignored.some((p) => p === top || (p.startsWith('*') && top.endsWith(p.slice(1))))]).toEqual([src, false]);
    }
    expect(ignored).toContain('node_modules');
  });
});
