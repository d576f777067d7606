// TLS registry: cipher suites (generated from the IANA registry by scripts/generate-registry.mjs), SSLv2 cipher specs,
// supported groups, signature schemes and well-known DH primes, with lookups.

import { CIPHER_SUITES, SIGNALLING_SUITES } from './cipher-suites.generated.js';
import type { CipherSuite, ProtocolVersion, SignallingSuite } from './types.js';

export type {
  Authentication,
  CipherSuite,
  KeyExchange,
  Mac,
  MinProtocol,
  ProtocolVersion,
  RecommendedFlag,
  SignallingSuite,
} from './types.js';
export { SIGNALLING_SUITES };
export { SSLV2_CIPHER_SPECS, sslv2CipherSpecByCode, type Sslv2CipherSpec } from './sslv2.js';
export { NAMED_GROUPS, groupByCode, groupByName, ecRsaEquivalentBits, type GroupKind, type NamedGroup } from './groups.js';
export {
  SIGNATURE_SCHEMES,
  signatureSchemeByCode,
  signatureSchemeByName,
  type SignatureAlgorithm,
  type SignatureHash,
  type SignatureScheme,
} from './signature-schemes.js';
export { KNOWN_DH_GROUPS, identifyDhPrime, knownDhGroupByName, type DhPrimeMatch, type KnownDhGroup } from './known-dh-groups.js';

/** Every negotiable cipher suite (IANA plus a few deployed unassigned ones), sorted by code; no SCSVs. */
export const ALL_CIPHER_SUITES: readonly CipherSuite[] = CIPHER_SUITES;

/** The TLS 1.3 suites (0x1301-0x1307, SM4, integrity-only, GOST MGM). */
export const TLS13_CIPHER_SUITES: readonly CipherSuite[] = CIPHER_SUITES.filter((s) => s.tls13);

const suiteByCode = new Map(CIPHER_SUITES.map((s) => [s.code, s]));
const suiteByName = new Map<string, CipherSuite>();
for (const s of CIPHER_SUITES) {
  suiteByName.set(s.name, s);
  if (s.openssl !== null && !suiteByName.has(s.openssl)) suiteByName.set(s.openssl, s);
}
const signallingByCode = new Map(SIGNALLING_SUITES.map((s) => [s.code, s]));

/** The cipher suite with this code, or undefined (also for SCSVs and GREASE values). */
export function cipherSuiteByCode(code: number): CipherSuite | undefined {
  return suiteByCode.get(code);
}

/** The cipher suite with this IANA or OpenSSL name, or undefined. */
export function cipherSuiteByName(name: string): CipherSuite | undefined {
  return suiteByName.get(name);
}

/** The signalling value (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV) with this code, or undefined. */
export function signallingSuiteByCode(code: number): SignallingSuite | undefined {
  return signallingByCode.get(code);
}

const PROTOCOL_RANK: Readonly<Record<ProtocolVersion, number>> = {
  SSLv3: 0,
  'TLSv1.0': 1,
  'TLSv1.1': 2,
  'TLSv1.2': 3,
  'TLSv1.3': 4,
};

const suitesByProtocol = new Map<ProtocolVersion, readonly CipherSuite[]>(
  (Object.keys(PROTOCOL_RANK) as ProtocolVersion[]).map((p) => [
    p,
    p === 'TLSv1.3' ? TLS13_CIPHER_SUITES : CIPHER_SUITES.filter((s) => !s.tls13 && PROTOCOL_RANK[s.minProtocol] <= PROTOCOL_RANK[p]),
  ]),
);

/**
 * The suites that can be negotiated with protocol version `p`: for TLS 1.3 only the TLS 1.3 suites; for TLS 1.2 every
 * other suite; below that, the suites whose minProtocol is at most `p` (no AEAD or SHA-256/384-PRF suites).
 * Export suites are kept for every version below TLS 1.3 (servers that negotiate them are exactly what a scan looks for).
 */
export function suitesForProtocol(p: ProtocolVersion): readonly CipherSuite[] {
  const suites = suitesByProtocol.get(p);
  if (!suites) throw new RangeError(`unknown protocol version ${String(p)}`);
  return suites;
}

/** GREASE values for cipher suites, groups, extensions, versions… (RFC 8701): 0x0A0A, 0x1A1A, … 0xFAFA. */
export const GREASE_VALUES: readonly number[] = Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x0101);

/** True for a two-byte GREASE value (RFC 8701). */
export function isGrease(code: number): boolean {
  return (code & 0x0f0f) === 0x0a0a && code >> 12 === ((code >> 4) & 0x0f) && code >= 0 && code <= 0xffff;
}
