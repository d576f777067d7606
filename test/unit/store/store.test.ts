import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ScanResult } from '../../../src/result/types.js';
import { ResultStore, scanSucceeded } from '../../../src/store/store.js';

function result(domain: string, ok: boolean, startedAt = '2026-11-25T00:00:00.000Z'): ScanResult {
  return {
    schemaVersion: 1,
    domain,
    mode: 'c2s',
    startedAt,
    durationSeconds: 1,
    error: ok ? null : { code: 'dns_failure', message: 'no answer' },
    endpoints: [],
    grade: null,
    scanner: { name: 'xmpp-tls-exporter', version: '0' },
  } as ScanResult & { endpoints: never[] };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-store-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('ResultStore', () => {
  test('a failed rescan keeps the last good result', () => {
    const store = new ResultStore();
    const good = { ...result('a.test', true), endpoints: [{ status: 'ok' }] } as unknown as ScanResult;
    expect(scanSucceeded(good)).toBe(true);
    store.put(good);
    const bad = result('a.test', false, '2026-11-26T00:00:00.000Z');
    const entry = store.put(bad);
    expect(entry.latest).toBe(bad);
    expect(entry.lastGood).toBe(good);
  });

  test('retain() forgets targets no longer configured', () => {
    const store = new ResultStore();
    store.put(result('a.test', false));
    store.put(result('b.test', false));
    expect(store.retain(new Set(['c2s:a.test']))).toEqual(['c2s:b.test']);
    expect(store.all().map((e) => e.domain)).toEqual(['a.test']);
  });

  test('save() then load() gives the same entries; the file is written atomically', async () => {
    const store = new ResultStore();
    store.put(result('a.test', false));
    const file = join(dir, 'sub', 'state.json');
    await store.save(file);
    const loaded = await ResultStore.load(file);
    expect(loaded.all()).toEqual(store.all());
    expect(JSON.parse(await readFile(file, 'utf8')).version).toBe(1);
  });

  test('a missing state file is an empty store; a broken one is a clear error', async () => {
    expect((await ResultStore.load(join(dir, 'none.json'))).size).toBe(0);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{not json');
    await expect(ResultStore.load(broken)).rejects.toThrow(/broken.json is not valid JSON/);
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, '{"version": 99}');
    await expect(ResultStore.load(foreign)).rejects.toThrow(/unknown format/);
  });
});
