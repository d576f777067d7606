import { describe, expect, test } from '@jest/globals';
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
});
