import { getDiffieHellman, randomBytes } from 'node:crypto';
import { KNOWN_DH_GROUPS, identifyDhPrime, knownDhGroupByName } from '../../../../src/tls/registry/index.js';

const toBytes = (hex: string) => Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
const big = (hex: string) => BigInt(`0x${hex}`);

/** floor(x * 2^n) for x = pi (Machin's formula) or x = e (sum of 1/k!), with guard bits. */
function constantBits(which: 'pi' | 'e', n: number): bigint {
  const guard = 64n;
  const one = 1n << (BigInt(n) + guard);
  let sum = 0n;
  if (which === 'e') {
    for (let term = one, k = 1n; term !== 0n; term /= k, k++) sum += term;
  } else {
    const arctanInv = (x: bigint) => {
      let s = 0n;
      let sign = 1n;
      for (let term = one / x, k = 1n; term !== 0n; term /= x * x, k += 2n, sign = -sign) s += (sign * term) / k;
      return s;
    };
    sum = 4n * (4n * arctanInv(5n) - arctanInv(239n));
  }
  return sum >> guard;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
  }
  return r;
}

describe('known DH groups', () => {
  it('has unique names and primes, uppercase hex without leading zeros', () => {
    expect(new Set(KNOWN_DH_GROUPS.map((g) => g.name)).size).toBe(KNOWN_DH_GROUPS.length);
    expect(new Set(KNOWN_DH_GROUPS.map((g) => g.prime)).size).toBe(KNOWN_DH_GROUPS.length);
    for (const g of KNOWN_DH_GROUPS) expect(g.prime).toMatch(/^[1-9A-F][0-9A-F]*$/);
  });

  it.each(KNOWN_DH_GROUPS.map((g) => [g.name, g] as const))('%s: bit length and oddness', (_name, g) => {
    expect(big(g.prime).toString(2)).toHaveLength(g.bits);
    expect(big(g.prime) & 1n).toBe(1n);
  });

  it.each(KNOWN_DH_GROUPS.filter((g) => g.bits <= 2048).map((g) => [g.name, g] as const))('%s passes a Fermat test', (_name, g) => {
    const p = big(g.prime);
    expect(modPow(3n, p - 1n, p)).toBe(1n);
  });

  it.each(KNOWN_DH_GROUPS.map((g) => [g.name, g] as const))('identifyDhPrime names %s', (_name, g) => {
    expect(identifyDhPrime(toBytes(g.prime))).toEqual({ name: g.name, bits: g.bits, source: g.source });
    // a leading zero byte (as in a DER INTEGER) does not matter
    expect(identifyDhPrime(Uint8Array.from([0, ...toBytes(g.prime)]))?.name).toBe(g.name);
  });

  // RFC 2409 / RFC 3526: p = 2^b - 2^(b-64) - 1 + 2^64 * (floor(2^(b-130) * pi) + k)
  it.each([
    ['oakley-group-1', 768, 149686n],
    ['oakley-group-2', 1024, 129093n],
    ['modp1536', 1536, 741804n],
    ['modp2048', 2048, 124476n],
    ['modp3072', 3072, 1690314n],
    ['modp4096', 4096, 240904n],
    ['modp6144', 6144, 929484n],
    ['modp8192', 8192, 4743158n],
  ] as const)('%s is the pi-derived MODP prime of RFC 2409/3526', (name, bits, k) => {
    const b = BigInt(bits);
    const p = (1n << b) - (1n << (b - 64n)) - 1n + (1n << 64n) * (constantBits('pi', bits - 130) + k);
    expect(knownDhGroupByName(name)?.prime).toBe(p.toString(16).toUpperCase());
  });

  // RFC 7919: p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) * 2^64 - 1
  it.each([
    ['ffdhe2048', 2048, 560316n],
    ['ffdhe3072', 3072, 2625351n],
    ['ffdhe4096', 4096, 5736041n],
    ['ffdhe6144', 6144, 15705020n],
    ['ffdhe8192', 8192, 10965728n],
  ] as const)('%s is the e-derived prime of RFC 7919', (name, bits, x) => {
    const b = BigInt(bits);
    const p = (1n << b) - (1n << (b - 64n)) + (constantBits('e', bits - 130) + x) * (1n << 64n) - 1n;
    expect(knownDhGroupByName(name)?.prime).toBe(p.toString(16).toUpperCase());
  });

  it.each([
    ['modp1', 'oakley-group-1'],
    ['modp2', 'oakley-group-2'],
    ['modp5', 'modp1536'],
    ['modp14', 'modp2048'],
    ['modp18', 'modp8192'],
  ] as const)("Node's %s group is identified as %s", (nodeGroup, name) => {
    expect(identifyDhPrime(new Uint8Array(getDiffieHellman(nodeGroup).getPrime()))?.name).toBe(name);
  });

  it('returns null for an unknown prime-sized value, a neighbour of a known prime, and empty input', () => {
    const random = randomBytes(256);
    random[0]! |= 0x80;
    random[255]! |= 1;
    expect(identifyDhPrime(random)).toBeNull();
    const ffdhe2048 = toBytes(knownDhGroupByName('ffdhe2048')!.prime);
    ffdhe2048[ffdhe2048.length - 1]! ^= 2;
    expect(identifyDhPrime(ffdhe2048)).toBeNull();
    expect(identifyDhPrime(new Uint8Array(0))).toBeNull();
  });

  it('covers the groups a scan must name', () => {
    const names = KNOWN_DH_GROUPS.map((g) => g.name);
    for (const n of [
      'oakley-group-1',
      'oakley-group-2',
      'modp1536',
      'modp2048',
      'modp3072',
      'modp4096',
      'modp6144',
      'modp8192',
      'rfc5114-1024-160',
      'rfc5114-2048-224',
      'rfc5114-2048-256',
      'ffdhe2048',
      'ffdhe3072',
      'ffdhe4096',
      'ffdhe6144',
      'ffdhe8192',
      'apache-mod_ssl-1024',
      'nginx-1024',
      'java-sun-1024',
    ]) {
      expect(names).toContain(n);
    }
    expect(knownDhGroupByName('rfc5114-2048-256')?.bits).toBe(2048);
    expect(knownDhGroupByName('nope')).toBeUndefined();
  });
});
