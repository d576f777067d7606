import { describe, expect, test } from '@jest/globals';
import type { ScanResult } from '../../../src/result/types.js';
import { decodeDocument, encodeDocument, StoredDocument } from '../../../src/store/document.js';
import { CompactEntry, ResultStore, resultIdentity, scanSucceeded } from '../../../src/store/store.js';

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

describe('CompactEntry: results kept encoded, decoded on demand', () => {
  // A document big enough to be deflated (over 1 KB), as real results are.
  const big = (domain: string) =>
    ({
      ...result(domain, true),
      endpoints: Array.from({ length: 20 }, (_, i) => ({ status: 'ok', host: `xmpp${i}.${domain}`, port: 5222, note: 'x'.repeat(100) })),
    }) as unknown as ScanResult;

  test('a stored result keeps only its compressed encoding, and decodes to an equal document', () => {
    const original = big('a.test');
    const entry = new ResultStore().put(original);
    expect(entry).toBeInstanceOf(CompactEntry);
    const { bytes } = (entry as CompactEntry).latestDocument;
    expect(bytes.length).toBeLessThan(JSON.stringify(original).length / 4);
    // As the database hands it over: nothing decoded until read, then the same object for every reader while it lives.
    const loaded = new CompactEntry('a.test', 'c2s', StoredDocument.fromBytes(bytes), null);
    const first = loaded.latest;
    expect(first).toEqual(original);
    expect(first).not.toBe(original);
    expect(loaded.latest).toBe(first);
    expect(decodeDocument(bytes)).toEqual(original);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({ domain: 'a.test', mode: 'c2s', latest: original, lastGood: original });
  });

  test('a failed rescan keeps the last good document itself; resultIdentity names documents, not decoded objects', () => {
    const store = new ResultStore();
    const good = store.put(big('a.test')) as CompactEntry;
    const failed = store.put(result('a.test', false, '2026-11-26T00:00:00.000Z')) as CompactEntry;
    expect(failed.lastGoodDocument).toBe(good.latestDocument);
    expect(resultIdentity(failed)).toEqual({ latest: failed.latestDocument, lastGood: good.latestDocument });
    const plain = { domain: 'b.test', mode: 'c2s' as const, latest: result('b.test', false), lastGood: null };
    expect(resultIdentity(plain)).toEqual({ latest: plain.latest, lastGood: null });
  });

  test('the database and the store encode a fresh result once (the same bytes)', () => {
    const r = big('c.test');
    expect(encodeDocument(r)).toBe(encodeDocument(r));
    expect(decodeDocument(encodeDocument(r))).toEqual(r);
  });
});

test('an encoding holds only its own bytes (not the 16 KB chunk deflate wrote it into)', () => {
  const r = { ...result('d.test', true), endpoints: [{ status: 'ok', note: 'y'.repeat(5000) }] } as unknown as ScanResult;
  const bytes = encodeDocument(r);
  expect(bytes.buffer.byteLength).toBe(bytes.length);
});
