// TLS Supported Groups (IANA "TLS Supported Groups" registry; RFC 8422, 7919, 8446, 8734, 9189, 8998, and the
// ML-KEM / hybrid drafts), hand-written.

/**
 * 'ec': short-Weierstrass or binary curves (ECDSA/ECDH); 'ecx': X25519/X448 (RFC 7748); 'ffdhe': RFC 7919 groups;
 * 'hybrid-pq': a classical ECDH share combined with ML-KEM/Kyber; 'pq': pure ML-KEM; 'explicit': the legacy
 * "explicit curve parameters" code points.
 */
export type GroupKind = 'ec' | 'ecx' | 'ffdhe' | 'hybrid-pq' | 'pq' | 'explicit';

export interface NamedGroup {
  readonly code: number;
  /** '0x001D'. */
  readonly hex: string;
  /** IANA name, e.g. 'secp256r1', 'x25519', 'ffdhe2048', 'X25519MLKEM768'. */
  readonly name: string;
  readonly kind: GroupKind;
  /**
   * Size in bits: the field size of an EC curve (256 for X25519, whose field is 2^255-19, as SSL Labs counts it),
   * the modulus of an FFDHE group, the classical part of a hybrid; null for pure ML-KEM and the explicit-curve values.
   */
  readonly bits: number | null;
  /** Usable in TLS 1.3 (RFC 8446 dropped the binary curves, the small prime curves and the TLS 1.2 brainpool codes). */
  readonly tls13: boolean;
}

const group = (code: number, name: string, kind: GroupKind, bits: number | null, tls13: boolean): NamedGroup => ({
  code,
  hex: `0x${code.toString(16).toUpperCase().padStart(4, '0')}`,
  name,
  kind,
  bits,
  tls13,
});

/** Sorted by code. */
export const NAMED_GROUPS: readonly NamedGroup[] = [
  // RFC 4492 / 8422 (1-25 deprecated except 23-25), binary curves 1-14 and prime curves 15-25
  group(1, 'sect163k1', 'ec', 163, false),
  group(2, 'sect163r1', 'ec', 163, false),
  group(3, 'sect163r2', 'ec', 163, false),
  group(4, 'sect193r1', 'ec', 193, false),
  group(5, 'sect193r2', 'ec', 193, false),
  group(6, 'sect233k1', 'ec', 233, false),
  group(7, 'sect233r1', 'ec', 233, false),
  group(8, 'sect239k1', 'ec', 239, false),
  group(9, 'sect283k1', 'ec', 283, false),
  group(10, 'sect283r1', 'ec', 283, false),
  group(11, 'sect409k1', 'ec', 409, false),
  group(12, 'sect409r1', 'ec', 409, false),
  group(13, 'sect571k1', 'ec', 571, false),
  group(14, 'sect571r1', 'ec', 571, false),
  group(15, 'secp160k1', 'ec', 160, false),
  group(16, 'secp160r1', 'ec', 160, false),
  group(17, 'secp160r2', 'ec', 160, false),
  group(18, 'secp192k1', 'ec', 192, false),
  group(19, 'secp192r1', 'ec', 192, false),
  group(20, 'secp224k1', 'ec', 224, false),
  group(21, 'secp224r1', 'ec', 224, false),
  group(22, 'secp256k1', 'ec', 256, false),
  group(23, 'secp256r1', 'ec', 256, true),
  group(24, 'secp384r1', 'ec', 384, true),
  group(25, 'secp521r1', 'ec', 521, true),
  // RFC 7027 (TLS 1.2 only) and RFC 8734 (TLS 1.3 code points)
  group(26, 'brainpoolP256r1', 'ec', 256, false),
  group(27, 'brainpoolP384r1', 'ec', 384, false),
  group(28, 'brainpoolP512r1', 'ec', 512, false),
  // RFC 7748 / 8422
  group(29, 'x25519', 'ecx', 256, true),
  group(30, 'x448', 'ecx', 448, true),
  group(31, 'brainpoolP256r1tls13', 'ec', 256, true),
  group(32, 'brainpoolP384r1tls13', 'ec', 384, true),
  group(33, 'brainpoolP512r1tls13', 'ec', 512, true),
  // RFC 9189 / 9367 (GOST R 34.10-2012 curves)
  group(34, 'GC256A', 'ec', 256, true),
  group(35, 'GC256B', 'ec', 256, true),
  group(36, 'GC256C', 'ec', 256, true),
  group(37, 'GC256D', 'ec', 256, true),
  group(38, 'GC512A', 'ec', 512, true),
  group(39, 'GC512B', 'ec', 512, true),
  group(40, 'GC512C', 'ec', 512, true),
  // RFC 8998
  group(41, 'curveSM2', 'ec', 256, true),
  // RFC 7919
  group(256, 'ffdhe2048', 'ffdhe', 2048, true),
  group(257, 'ffdhe3072', 'ffdhe', 3072, true),
  group(258, 'ffdhe4096', 'ffdhe', 4096, true),
  group(259, 'ffdhe6144', 'ffdhe', 6144, true),
  group(260, 'ffdhe8192', 'ffdhe', 8192, true),
  // draft-connolly-tls-mlkem-key-agreement
  group(0x0200, 'MLKEM512', 'pq', null, true),
  group(0x0201, 'MLKEM768', 'pq', null, true),
  group(0x0202, 'MLKEM1024', 'pq', null, true),
  // draft-ietf-tls-ecdhe-mlkem
  group(0x11eb, 'SecP256r1MLKEM768', 'hybrid-pq', 256, true),
  group(0x11ec, 'X25519MLKEM768', 'hybrid-pq', 256, true),
  group(0x11ed, 'SecP384r1MLKEM1024', 'hybrid-pq', 384, true),
  // draft-tls-westerbaan-xyber768d00 (obsolete pre-standard Kyber, still deployed)
  group(0x6399, 'X25519Kyber768Draft00', 'hybrid-pq', 256, true),
  group(0x639a, 'SecP256r1Kyber768Draft00', 'hybrid-pq', 256, true),
  // RFC 8422 (deprecated)
  group(0xff01, 'arbitrary_explicit_prime_curves', 'explicit', null, false),
  group(0xff02, 'arbitrary_explicit_char2_curves', 'explicit', null, false),
];

const byCode = new Map(NAMED_GROUPS.map((g) => [g.code, g]));
const byName = new Map(NAMED_GROUPS.map((g) => [g.name.toLowerCase(), g]));

/** The supported group with this code, or undefined (GREASE values are not groups: see isGrease in index.ts). */
export function groupByCode(code: number): NamedGroup | undefined {
  return byCode.get(code);
}

/** The supported group with this name (case-insensitive), or undefined. */
export function groupByName(name: string): NamedGroup | undefined {
  return byName.get(name.toLowerCase());
}

/**
 * RSA-equivalent strength of an elliptic-curve key or group of `bits` bits, with the thresholds SSL Labs uses
 * (<160 → 512, <224 → 1024, <256 → 2048, <384 → 3072, <512 → 7680, else 15360).
 */
export function ecRsaEquivalentBits(bits: number): number {
  if (bits < 160) return 512;
  if (bits < 224) return 1024;
  if (bits < 256) return 2048;
  if (bits < 384) return 3072;
  if (bits < 512) return 7680;
  return 15360;
}
