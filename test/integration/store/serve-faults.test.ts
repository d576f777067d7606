import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ScanResult } from '../../../src/result/types.js';
import { ResultDatabase } from '../../../src/store/database.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { freeTcpPort } from '../../harness/ports.js';

// The results database under the faults the issue names, with the real daemon (`serve`, the built
// CLI): kill -9 in the middle of a burst of writes loses no finished scan and leaves a sound file;
// a full disk at run time keeps the daemon scanning and serving from memory, counts and says why,
// and the results reach the file once there is room again.

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

let dir: string;
let caFile: string;
/** A loopback port nothing listens on: every scan fails at once (connection refused), and failed scans are written too. */
let closedPort: number;

beforeAll(async () => {
  // The test runs the built CLI (scripts/test.sh builds before jest); build it when missing.
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  dir = await mkdtemp(join(tmpdir(), 'xte-store-faults-'));
  caFile = (await writePemFiles(dir, 'ca', await createLeaf(null, { dns: ['ca.test'], selfSigned: true }))).certFile;
  closedPort = await freeTcpPort();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface LogLine {
  level: number;
  time: number;
  msg: string;
  domain?: string;
  mode?: string;
  [field: string]: unknown;
}

/** `serve --config FILE --log-format json` as a process, its log lines parsed as they come. */
class Serve {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];
  private rest = '';

  constructor(
    configFile: string,
    /** Called for each line as it is parsed (synchronously: a kill from here lands mid-burst). */
    private readonly onLine: (line: LogLine) => void = () => {},
  ) {
    this.child = spawn(process.execPath, [MAIN, 'serve', '--config', configFile, '--log-format', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => this.take(d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.wake());
  }

  private take(text: string): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      const line = JSON.parse(part) as LogLine;
      this.lines.push(line);
      this.onLine(line);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line that `match` accepts (waiting for it); fails when the process exits first or after `timeoutMs`. */
  async waitFor(what: string, match: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (!this.running) throw new Error(`serve exited before logging ${what}:\n${this.dump()}`);
      if (Date.now() > deadline) throw new Error(`serve did not log ${what} within ${timeoutMs / 1000} s:\n${this.dump()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The address it listens on (from its "listening" line). */
  async url(): Promise<string> {
    return (await this.waitFor('"listening"', (l) => l.msg === 'listening')).url as string;
  }

  dump(): string {
    return this.lines
      .slice(-30)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }
}

const isScanLine = (l: LogLine) => l.msg === 'scan finished' || l.msg === 'scan failed';
const key = (domain: string, mode: string) => `${domain} ${mode}`;

/** How many scans each target has in the database (the states' scan counts summed: nothing is pruned in these tests). */
function scansRecorded(db: ResultDatabase, targets: { domain: string; mode: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { domain, mode } of targets) {
    const states = db.history(domain, { mode: mode as ScanResult['mode'] });
    counts.set(
      key(domain, mode),
      states.reduce((n, s) => n + s.scans, 0),
    );
  }
  return counts;
}

describe('kill -9 during a burst of writes', () => {
  const domains = Array.from({ length: 150 }, (_, i) => `burst${i}.test`);
  const targets = domains.flatMap((domain) => ['c2s', 's2s'].map((mode) => ({ domain, mode })));
  let configFile: string;
  let storePath: string;
  /** Scans logged as finished, per target, over every run so far. */
  const logged = new Map<string, number>();

  beforeAll(async () => {
    storePath = join(dir, 'burst', 'results.db');
    configFile = join(dir, 'burst.yaml');
    // Every target every second, 64 at once: the daemon writes without a pause.
    const yaml = daemonConfigYaml({
      caFile,
      storePath,
      targets: targetsAt(`127.0.0.1:${closedPort}`, ['c2s', 's2s'], domains),
      extra: 'concurrency:\n  domains: 64\nlog:\n  level: info\n',
    }).replace('cron: "0 0 1 1 *"', 'cron: "* * * * * *"');
    await writeFile(configFile, yaml);
  });

  // Killed early in the first burst (the database just created), in the middle of a later one,
  // and after several seconds of writing, each time on the file the run before left.
  test.each([
    ['the first burst, on a new database', 50],
    ['a burst after a restart', 700],
    ['seconds of writing after a restart', 2500],
  ])(
    'killed during %s: the file is sound and holds every scan logged before the kill',
    async (_when, killAfter) => {
      let seen = 0;
      const serve = new Serve(configFile, (line) => {
        if (!isScanLine(line)) return;
        logged.set(key(line.domain!, line.mode!), (logged.get(key(line.domain!, line.mode!)) ?? 0) + 1);
        if (++seen === killAfter) serve.child.kill('SIGKILL');
      });
      expect((await serve.exited).signal).toBe('SIGKILL');
      expect(seen).toBeGreaterThanOrEqual(killAfter);
      // A restart after the first run loaded the database written before.
      if (killAfter > 50) expect(serve.lines.find((l) => l.msg === 'loaded previous results')?.targets).toBeGreaterThan(0);

      const db = ResultDatabase.open(storePath);
      try {
        expect(db.integrityCheck()).toBe('ok');
        const stored = new Map(db.loadAll().map((e) => [key(e.domain, e.mode), e]));
        const recorded = scansRecorded(db, targets);
        // Every target with a logged scan is stored, with at least as many scans as were logged
        // (the write comes before the log line; a scan written but not yet logged is one more).
        const missing = [...logged].filter(([k, n]) => !stored.has(k) || (recorded.get(k) ?? 0) < n);
        expect(missing).toEqual([]);
        // Each target's latest document is its newest scan's (one transaction writes both).
        const stale = [...stored].filter(([, e]) => e.latest.startedAt !== db.history(e.domain, { mode: e.mode }).at(-1)?.lastSeenAt);
        expect(stale.map(([k]) => k)).toEqual([]);
        // At most the scans in flight are lost: those written but not logged are fewer than the slots.
        const extra = [...recorded].reduce((n, [k, count]) => n + count - (logged.get(k) ?? 0), 0);
        expect(extra).toBeGreaterThanOrEqual(0);
        expect(extra).toBeLessThanOrEqual(64);
      } finally {
        db.close();
      }
    },
    60_000,
  );

  test('after the kills, serve starts on the same file and serves every stored target at once', async () => {
    const db = ResultDatabase.open(storePath, { readonly: true });
    const stored = db.loadAll().map((e) => key(e.domain, e.mode));
    db.close();
    expect(stored.length).toBeGreaterThanOrEqual(logged.size);
    const serve = new Serve(configFile);
    try {
      const url = await serve.url();
      expect(serve.lines.find((l) => l.msg === 'loaded previous results')?.targets).toBe(stored.length);
      const api = (await (await fetch(`${url}/api/v1/results`)).json()) as { domain: string; mode: string }[];
      const served = new Set(api.map((e) => key(e.domain, e.mode)));
      expect(stored.filter((k) => !served.has(k))).toEqual([]);
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    }
  }, 60_000);
});

describe('a full disk at run time', () => {
  let disk: string;
  let mounted = false;
  beforeAll(async () => {
    disk = join(dir, 'disk');
    await mkdir(disk);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(
        `this test mounts a 4 MB tmpfs to fill it: it needs root (CAP_SYS_ADMIN): ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`,
      );
    }
    mounted = true;
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', disk]);
  });

  /** Writes a file until the file system has no room left (ENOSPC). */
  async function fill(file: string): Promise<void> {
    const handle = await open(file, 'w');
    try {
      for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
        const chunk = Buffer.alloc(size, 0x55);
        for (;;) {
          try {
            await handle.write(chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      }
    } finally {
      await handle.close();
    }
  }

  test('scans go on and are served from memory, the errors are counted and logged, and the results are written once there is room', async () => {
    const storePath = join(disk, 'results.db');
    const filler = join(disk, 'filler');
    const configFile = join(dir, 'full.yaml');
    // probe.maxAgeSeconds 0: every /probe of a configured target scans it again (and records the result).
    await writeFile(
      configFile,
      daemonConfigYaml({
        caFile,
        storePath,
        targets: targetsAt(`127.0.0.1:${closedPort}`, ['c2s'], ['full1.test', 'full2.test']),
        extra: 'probe:\n  maxAgeSeconds: 0\nlog:\n  level: info\n',
      }),
    );
    const serve = new Serve(configFile);
    try {
      const url = await serve.url();
      const scans = () => serve.lines.filter(isScanLine).length;
      await serve.waitFor('the first two scans', () => scans() >= 2);
      const latestIn = async (domain: string): Promise<string> => {
        const api = (await (await fetch(`${url}/api/v1/results/${domain}`)).json()) as { latest: ScanResult }[];
        return api[0]!.latest.startedAt;
      };
      const storedAt = (domain: string): string | undefined => {
        const db = ResultDatabase.open(storePath, { readonly: true });
        try {
          return db.loadAll().find((e) => e.domain === domain)?.latest.startedAt;
        } finally {
          db.close();
        }
      };
      const first = await latestIn('full1.test');
      expect(storedAt('full1.test')).toBe(first);

      await fill(filler);
      // Two rescans while the disk is full: the daemon scans, serves them, counts the refused writes.
      for (let i = 0; i < 2; i++) expect((await fetch(`${url}/probe?target=full1.test&mode=c2s`)).status).toBe(200);
      const refused = await serve.waitFor('the refused write', (l) => /refused the write/.test(l.msg));
      expect(refused.msg).toBe('the disk refused the write: results are kept in memory and written again later');
      expect(refused.code).toMatch(/^SQLITE_(FULL|IOERR)/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const errors = Number(/^xmpp_tls_exporter_store_errors_total (\d+)/m.exec(metrics)?.[1]);
      expect(errors).toBeGreaterThanOrEqual(1);
      const newest = await latestIn('full1.test');
      expect(newest > first).toBe(true);
      expect(metrics).toContain('domain="full1.test"');
      // The file still has the scan from before the disk filled up.
      expect(storedAt('full1.test')).toBe(first);
      // The daemon is healthy meanwhile.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      await rm(filler);
      // No scan is due: the retry timer writes them (daemon.ts STORE_RETRY_MS, 30 s).
      const resumed = await serve.waitFor('writes resuming', (l) => l.msg.startsWith('the database accepts writes again'), 45_000);
      expect(resumed.written).toBe(2);
      expect(storedAt('full1.test')).toBe(newest);
      const db = ResultDatabase.open(storePath, { readonly: true });
      try {
        expect(db.integrityCheck()).toBe('ok');
        // Every scan logged (the first one and the two rescans) is in the file, in order.
        const logged = serve.lines.filter((l) => isScanLine(l) && l.domain === 'full1.test').length;
        expect(scansRecorded(db, [{ domain: 'full1.test', mode: 'c2s' }]).get(key('full1.test', 'c2s'))).toBe(logged);
      } finally {
        db.close();
      }
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    }
  }, 90_000);
});
