// TLS SignatureScheme values (IANA "TLS SignatureScheme" registry, RFC 8446 section 4.2.3 and later additions),
// plus the TLS 1.2 SignatureAndHashAlgorithm pairs (RFC 5246 section 7.4.1.4.1) that RFC 8446 reserved without
// giving them a scheme name (MD5, SHA-224, DSA). Hand-written.

export type SignatureAlgorithm =
  | 'rsa_pkcs1'
  | 'rsa_pss_rsae'
  | 'rsa_pss_pss'
  | 'dsa'
  | 'ecdsa'
  | 'ed25519'
  | 'ed448'
  | 'sm2'
  | 'gostr34102012_256'
  | 'gostr34102012_512'
  | 'eccsi'
  | 'iso_ibs'
  | 'mldsa';

export type SignatureHash =
  | 'md5'
  | 'sha1'
  | 'sha224'
  | 'sha256'
  | 'sha384'
  | 'sha512'
  | 'sm3'
  | 'streebog256'
  | 'streebog512'
  /** The algorithm hashes internally (EdDSA, ML-DSA, identity-based schemes). */
  | 'intrinsic';

export interface SignatureScheme {
  readonly code: number;
  /** '0x0804'. */
  readonly hex: string;
  /** IANA name (for the TLS 1.2-only pairs RFC 8446 left unnamed, '<signature>_<hash>', e.g. 'dsa_sha256'). */
  readonly name: string;
  readonly signature: SignatureAlgorithm;
  readonly hash: SignatureHash;
  /** May sign a TLS 1.3 CertificateVerify (RFC 8446 forbids SHA-1, MD5, SHA-224, DSA and PKCS#1 v1.5 there). */
  readonly tls13: boolean;
  /** MD5, SHA-1 or SHA-224 hash, or DSA: deprecated by RFC 9155 / RFC 8446. */
  readonly legacy: boolean;
}

const scheme = (code: number, name: string, signature: SignatureAlgorithm, hash: SignatureHash, tls13: boolean): SignatureScheme => ({
  code,
  hex: `0x${code.toString(16).toUpperCase().padStart(4, '0')}`,
  name,
  signature,
  hash,
  tls13,
  legacy: hash === 'md5' || hash === 'sha1' || hash === 'sha224' || signature === 'dsa',
});

/** Sorted by code. */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  // TLS 1.2 pairs (hash << 8 | signature) reserved by RFC 8446
  scheme(0x0101, 'rsa_pkcs1_md5', 'rsa_pkcs1', 'md5', false),
  scheme(0x0102, 'dsa_md5', 'dsa', 'md5', false),
  scheme(0x0103, 'ecdsa_md5', 'ecdsa', 'md5', false),
  scheme(0x0201, 'rsa_pkcs1_sha1', 'rsa_pkcs1', 'sha1', false),
  scheme(0x0202, 'dsa_sha1', 'dsa', 'sha1', false),
  scheme(0x0203, 'ecdsa_sha1', 'ecdsa', 'sha1', false),
  scheme(0x0301, 'rsa_pkcs1_sha224', 'rsa_pkcs1', 'sha224', false),
  scheme(0x0302, 'dsa_sha224', 'dsa', 'sha224', false),
  scheme(0x0303, 'ecdsa_sha224', 'ecdsa', 'sha224', false),
  scheme(0x0401, 'rsa_pkcs1_sha256', 'rsa_pkcs1', 'sha256', false),
  scheme(0x0402, 'dsa_sha256', 'dsa', 'sha256', false),
  scheme(0x0403, 'ecdsa_secp256r1_sha256', 'ecdsa', 'sha256', true),
  // draft-ietf-tls-tls13-pkcs1: PKCS#1 v1.5 in a TLS 1.3 CertificateVerify, for client certificates only
  scheme(0x0420, 'rsa_pkcs1_sha256_legacy', 'rsa_pkcs1', 'sha256', true),
  scheme(0x0501, 'rsa_pkcs1_sha384', 'rsa_pkcs1', 'sha384', false),
  scheme(0x0502, 'dsa_sha384', 'dsa', 'sha384', false),
  scheme(0x0503, 'ecdsa_secp384r1_sha384', 'ecdsa', 'sha384', true),
  scheme(0x0520, 'rsa_pkcs1_sha384_legacy', 'rsa_pkcs1', 'sha384', true),
  scheme(0x0601, 'rsa_pkcs1_sha512', 'rsa_pkcs1', 'sha512', false),
  scheme(0x0602, 'dsa_sha512', 'dsa', 'sha512', false),
  scheme(0x0603, 'ecdsa_secp521r1_sha512', 'ecdsa', 'sha512', true),
  scheme(0x0620, 'rsa_pkcs1_sha512_legacy', 'rsa_pkcs1', 'sha512', true),
  // draft-wang-tls-raw-public-key-with-ibc
  scheme(0x0704, 'eccsi_sha256', 'eccsi', 'sha256', true),
  scheme(0x0705, 'iso_ibs1', 'iso_ibs', 'intrinsic', true),
  scheme(0x0706, 'iso_ibs2', 'iso_ibs', 'intrinsic', true),
  scheme(0x0707, 'iso_chinese_ibs', 'iso_ibs', 'intrinsic', true),
  scheme(0x0708, 'sm2sig_sm3', 'sm2', 'sm3', true), // RFC 8998
  scheme(0x0709, 'gostr34102012_256a', 'gostr34102012_256', 'streebog256', true), // RFC 9367
  scheme(0x070a, 'gostr34102012_256b', 'gostr34102012_256', 'streebog256', true),
  scheme(0x070b, 'gostr34102012_256c', 'gostr34102012_256', 'streebog256', true),
  scheme(0x070c, 'gostr34102012_256d', 'gostr34102012_256', 'streebog256', true),
  scheme(0x070d, 'gostr34102012_512a', 'gostr34102012_512', 'streebog512', true),
  scheme(0x070e, 'gostr34102012_512b', 'gostr34102012_512', 'streebog512', true),
  scheme(0x070f, 'gostr34102012_512c', 'gostr34102012_512', 'streebog512', true),
  // RFC 8446
  scheme(0x0804, 'rsa_pss_rsae_sha256', 'rsa_pss_rsae', 'sha256', true),
  scheme(0x0805, 'rsa_pss_rsae_sha384', 'rsa_pss_rsae', 'sha384', true),
  scheme(0x0806, 'rsa_pss_rsae_sha512', 'rsa_pss_rsae', 'sha512', true),
  scheme(0x0807, 'ed25519', 'ed25519', 'intrinsic', true),
  scheme(0x0808, 'ed448', 'ed448', 'intrinsic', true),
  scheme(0x0809, 'rsa_pss_pss_sha256', 'rsa_pss_pss', 'sha256', true),
  scheme(0x080a, 'rsa_pss_pss_sha384', 'rsa_pss_pss', 'sha384', true),
  scheme(0x080b, 'rsa_pss_pss_sha512', 'rsa_pss_pss', 'sha512', true),
  // RFC 8734
  scheme(0x081a, 'ecdsa_brainpoolP256r1tls13_sha256', 'ecdsa', 'sha256', true),
  scheme(0x081b, 'ecdsa_brainpoolP384r1tls13_sha384', 'ecdsa', 'sha384', true),
  scheme(0x081c, 'ecdsa_brainpoolP512r1tls13_sha512', 'ecdsa', 'sha512', true),
  // draft-ietf-tls-mldsa
  scheme(0x0904, 'mldsa44', 'mldsa', 'intrinsic', true),
  scheme(0x0905, 'mldsa65', 'mldsa', 'intrinsic', true),
  scheme(0x0906, 'mldsa87', 'mldsa', 'intrinsic', true),
];

const byCode = new Map(SIGNATURE_SCHEMES.map((s) => [s.code, s]));
const byName = new Map(SIGNATURE_SCHEMES.map((s) => [s.name, s]));

/** The signature scheme with this code, or undefined. */
export function signatureSchemeByCode(code: number): SignatureScheme | undefined {
  return byCode.get(code);
}

/** The signature scheme with this name, or undefined. */
export function signatureSchemeByName(name: string): SignatureScheme | undefined {
  return byName.get(name);
}
