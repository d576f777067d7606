import { describe, expect, test } from '@jest/globals';
import { ownedTargets, resolveShard } from '../../../src/daemon/startup.js';
import { ordinalOfHostname, ownerOf, ownsDomain, parseShard } from '../../../src/scheduler/shard.js';

const DOMAINS = Array.from({ length: 3000 }, (_, i) => `d${i}.example`);

describe('rendezvous sharding', () => {
  test('every domain has exactly one owner, the same however the domain is written', () => {
    for (const d of DOMAINS.slice(0, 300)) {
      const owners = [0, 1, 2].filter((index) => ownsDomain(d, { index, count: 3 }));
      expect(owners).toEqual([ownerOf(d, 3)]);
      expect(ownerOf(d.toUpperCase(), 3)).toBe(ownerOf(d, 3));
    }
  });

  test('the shares are even (3 replicas: each within 10 % of a third)', () => {
    const counts = [0, 0, 0];
    for (const d of DOMAINS) counts[ownerOf(d, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100);
  });

  test.each([
    [1, 2],
    [2, 3],
    [3, 4],
    [9, 10],
  ])('from %i to %i replicas only the domains the new replica wins move (≈ 1/N)', (from, to) => {
    const moved = DOMAINS.filter((d) => ownerOf(d, from) !== ownerOf(d, to));
    expect(moved.every((d) => ownerOf(d, to) === to - 1)).toBe(true);
    expect(moved.length / DOMAINS.length).toBeLessThan(1 / to + 0.03);
  });

  test('one replica owns everything', () => {
    expect(DOMAINS.every((d) => ownsDomain(d, { index: 0, count: 1 }))).toBe(true);
  });
});

describe('parsing', () => {
  test.each([
    ['0/3', { index: 0, count: 3 }],
    [' 2 / 3 ', { index: 2, count: 3 }],
    ['0/1', { index: 0, count: 1 }],
  ])('%j', (text, shard) => expect(parseShard(text)).toEqual(shard));
  test.each([
    ['3/3', /between 0 and 2/],
    ['1/0', /≥ 1/],
    ['a/3', /expected INDEX\/COUNT/],
    ['-1/3', /expected INDEX\/COUNT/],
  ])('%j is refused', (text, message) => expect(() => parseShard(text)).toThrow(message));
  test('a StatefulSet pod name gives its ordinal', () => {
    expect(ordinalOfHostname('xmpp-tls-exporter-2')).toBe(2);
    expect(ordinalOfHostname('xmpp-tls-exporter-10.xmpp-tls-exporter.monitoring.svc')).toBe(10);
    expect(() => ordinalOfHostname('exporter')).toThrow(/does not end in -ORDINAL/);
  });
});

describe("a replica's shard (resolveShard) and its targets (ownedTargets)", () => {
  const config = { index: 1, count: 3, fromHostname: false };
  test('the configuration, unless XMPP_TLS_EXPORTER_SHARD says otherwise', () => {
    expect(resolveShard(config, {})).toEqual({ index: 1, count: 3 });
    expect(resolveShard(config, { XMPP_TLS_EXPORTER_SHARD: '2/4' })).toEqual({ index: 2, count: 4 });
    expect(resolveShard(config, { XMPP_TLS_EXPORTER_SHARD: '' })).toEqual({ index: 1, count: 3 });
  });
  test('fromHostname: the ordinal of the pod name', () => {
    expect(resolveShard({ ...config, fromHostname: true }, {}, 'xmpp-tls-exporter-2')).toEqual({ index: 2, count: 3 });
    expect(() => resolveShard({ ...config, fromHostname: true }, {}, 'xmpp-tls-exporter-3')).toThrow(/between 0 and 2/);
  });
  test('an index past the count is refused', () => {
    expect(() => resolveShard({ index: 3, count: 3, fromHostname: false }, {})).toThrow(/between 0 and 2/);
  });
  test('both modes of a domain stay together, and the shards split the targets', () => {
    const targets = DOMAINS.slice(0, 90).map((domain) => ({ domain, modes: ['c2s' as const, 's2s' as const] }));
    const shares = [0, 1, 2].map((index) => ownedTargets(targets, { index, count: 3 }));
    expect(
      shares
        .flat()
        .map((t) => t.domain)
        .sort(),
    ).toEqual(targets.map((t) => t.domain).sort());
    expect(ownedTargets(targets, { index: 0, count: 1 })).toBe(targets);
  });
});
