import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/load.js';
import { watchFiles, watchedFiles } from '../../../src/config/watch.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { checkConfig, loadSettings, restartNeeded } from '../../../src/daemon/startup.js';

// File events come when the OS delivers them: the tests wait for the callback (with a generous
// timeout) and never assert on timing.
const EVENT_TIMEOUT_MS = 30_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xte-watch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function nextChange(files: string[]): { changed: Promise<string[]>; stop: () => void } {
  let stop: () => void = () => {};
  const changed = new Promise<string[]>((resolve) => {
    stop = watchFiles(files, resolve, { debounceMs: 50 });
  });
  return { changed, stop };
}

describe('watchFiles', () => {
  test(
    'calls back when a watched file is written',
    async () => {
      const file = join(dir, 'targets.txt');
      writeFileSync(file, 'a.example\n');
      const { changed, stop } = nextChange([file]);
      try {
        writeFileSync(file, 'a.example\nb.example\n');
        expect(await changed).toEqual([file]);
      } finally {
        stop();
      }
    },
    EVENT_TIMEOUT_MS,
  );

  test(
    'sees a save by rename (editors) and names only the file that changed',
    async () => {
      const config = join(dir, 'config.yaml');
      const list = join(dir, 'list.txt');
      writeFileSync(config, 'targets: []\n');
      writeFileSync(list, 'a.example\n');
      const { changed, stop } = nextChange([config, list]);
      try {
        writeFileSync(join(dir, '.list.txt.swp'), 'a.example\nc.example\n');
        renameSync(join(dir, '.list.txt.swp'), list);
        expect(await changed).toEqual([list]);
      } finally {
        stop();
      }
    },
    EVENT_TIMEOUT_MS,
  );

  test(
    'sees a file appear in a directory that is watched',
    async () => {
      const file = join(dir, 'later.json');
      const { changed, stop } = nextChange([file]);
      try {
        writeFileSync(file, '[]');
        expect(await changed).toEqual([file]);
      } finally {
        stop();
      }
    },
    EVENT_TIMEOUT_MS,
  );

  test('watchedFiles: the configuration and its file sources', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'targetSources:\n  files: [l.txt]\n  fileSd: [/srv/sd.json]\n');
    expect(watchedFiles(file, await loadConfig(file))).toEqual([file, join(dir, 'l.txt'), '/srv/sd.json']);
  });
});

describe('reload', () => {
  test('a valid new file: the settings that need a restart are named', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'targets: [a.example]\n');
    const current = await loadConfig(file);
    writeFileSync(file, 'listen: ":9999"\ntargets: [b.example]\n');
    const next = await loadSettings(file);
    expect(next.targets.map((t) => t.domain)).toEqual(['b.example']);
    expect(restartNeeded(current, next.config)).toEqual(['listen']);
    // The database file is opened once; its retention applies at once.
    const moved = { ...current, store: { ...current.store, path: '/elsewhere/results.db' } };
    expect(restartNeeded(current, moved)).toEqual(['store.path']);
    expect(restartNeeded(current, { ...current, store: { ...current.store, retention: { changesDays: 1, scansDays: 1 } } })).toEqual([]);
  });

  test('the daemon reloads a file whose listen changed, keeps its address and warns that listen needs a restart', async () => {
    const file = join(dir, 'config.yaml');
    const config = (listen: string) => `listen: "${listen}"\nstateFile: ${join(dir, 'state.json')}\ntargets: []\n`;
    writeFileSync(file, config('127.0.0.1:0'));
    const logs: { level: number; msg: string; settings?: string[] }[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        logs.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const daemon = await Daemon.start({ configFile: file, logger: pino({ level: 'info' }, sink) });
    try {
      const url = daemon.url;
      writeFileSync(file, config('127.0.0.1:1'));
      expect(await daemon.reload()).toBe(true);
      expect(daemon.url).toBe(url);
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 40, settings: ['listen'], msg: 'these settings changed but take effect only after a restart' }),
      );
    } finally {
      await daemon.stop();
    }
  });

  test('a bad new file is refused with the line of the problem (the daemon keeps the running configuration)', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'targets:\n  - domain: b.example\n    modes: [x2s]\n');
    await expect(loadSettings(file)).rejects.toMatchObject({
      name: 'StartupError',
      kind: 'config',
      message: `${file}:3:13: targets[0].modes[0]: must be one of c2s, s2s (got "x2s")`,
    });
  });
});

describe('checkConfig', () => {
  test('a valid file with its target files: a summary', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(join(dir, 'l.txt'), 'b.example s2s\n');
    writeFileSync(
      file,
      `targets: [a.example]\ntargetSources:\n  files: [l.txt]\n  urls: [{url: "http://127.0.0.1:9/x"}]\nstateFile: ${join(dir, 'state.json')}\n`,
    );
    expect(await checkConfig(file)).toEqual({
      exitCode: 0,
      lines: [`${file}: OK: 2 domains, 3 scans (domain × mode), plus 1 URL sources (not fetched); listen :9522`],
    });
  });

  test('an invalid file: every problem, one line each', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'concurrency:\n  domains: 0\nlog:\n  level: loud\n');
    const outcome = await checkConfig(file);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.lines).toEqual([
      `${file}:2:12: concurrency.domains: must be at least 1 (got 0)`,
      `${file}:4:10: log.level: must be one of trace, debug, info, warn, error, fatal, silent (got "loud")`,
    ]);
  });

  test('an unreadable target file fails the check', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'targetSources:\n  files: [missing.txt]\n');
    const outcome = await checkConfig(file);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.lines).toEqual([expect.stringMatching(new RegExp(`^${file}: targets file ${join(dir, 'missing.txt')}: cannot read: ENOENT`))]);
  });
});
