import { createHash } from 'node:crypto';

// Sharding (issue #19): N replicas each scan, store and export a deterministic share of the
// targets. Ownership is by rendezvous (highest-random-weight) hashing of the domain: both modes of a
// domain land on one replica, and going from N to N+1 replicas moves only the domains the new
// replica wins (~1/(N+1) of them), where `hash mod N` would move most.

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** The whole fleet on one replica. */
export const SINGLE_SHARD: Shard = { index: 0, count: 1 };

/** "I/N" (0 ≤ I < N) as the flag and the environment variable give it; throws a message otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  if (!m) throw new Error(`shard ${JSON.stringify(text)}: expected INDEX/COUNT, e.g. 0/3`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  checkShard(shard);
  return shard;
}

export function checkShard(shard: Shard): void {
  if (!Number.isInteger(shard.count) || shard.count < 1) throw new Error(`shard count ${shard.count}: must be a whole number ≥ 1`);
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new Error(`shard index ${shard.index}: must be between 0 and ${shard.count - 1} (count ${shard.count})`);
  }
}

/** A StatefulSet pod's ordinal: `xmpp-tls-exporter-2` → 2; throws when the name has none. */
export function ordinalOfHostname(hostname: string): number {
  const m = /-(\d+)$/.exec(hostname.split('.')[0] ?? '');
  if (!m) throw new Error(`shard.fromHostname: the host name ${JSON.stringify(hostname)} does not end in -ORDINAL (as a StatefulSet's pods do)`);
  return Number(m[1]);
}

/** The replica that owns `domain` among `count`: the one whose hash with the domain is highest. */
export function ownerOf(domain: string, count: number): number {
  if (count <= 1) return 0;
  let best = 0;
  let bestWeight = -1n;
  for (let i = 0; i < count; i++) {
    const weight = createHash('sha256').update(`${domain.toLowerCase()}\u0000${i}`).digest().readBigUInt64BE(0);
    if (weight > bestWeight) {
      bestWeight = weight;
      best = i;
    }
  }
  return best;
}

export function ownsDomain(domain: string, shard: Shard): boolean {
  return shard.count <= 1 || ownerOf(domain, shard.count) === shard.index;
}
