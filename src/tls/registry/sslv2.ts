// SSLv2 cipher specs (3-byte codes in an SSLv2 CLIENT-HELLO / SERVER-HELLO), from the SSL 2.0 draft
// (draft-hickman-netscape-ssl-00, Appendix C) and OpenSSL's ssl2.h / s2_lib.c, which also defines RC4_64_WITH_MD5.
// All use RSA key exchange and MD5 as MAC. Hand-written: no registry of these exists.

export interface Sslv2CipherSpec {
  /** 3-byte code, e.g. 0x0700c0. */
  readonly code: number;
  /** '0x0700C0'. */
  readonly hex: string;
  /** Name from the SSL 2.0 draft without its SSL_CK_ prefix, e.g. 'DES_192_EDE3_CBC_WITH_MD5'. */
  readonly name: string;
  /** OpenSSL name (as in OpenSSL <= 1.0.2, which had SSLv2). */
  readonly openssl: string;
  readonly encryption: 'RC4' | 'RC2_CBC' | 'IDEA_CBC' | 'DES_CBC' | '3DES_EDE_CBC';
  /** Nominal key bits (export specs: the 40 secret bits). */
  readonly bits: number;
  /** Effective strength in bits (3DES 112). */
  readonly effectiveBits: number;
  readonly export: boolean;
  /** 64-bit block cipher (RC2, IDEA, DES, 3DES). */
  readonly blockSize64: boolean;
}

const spec = (
  code: number,
  name: string,
  openssl: string,
  encryption: Sslv2CipherSpec['encryption'],
  bits: number,
  effectiveBits: number,
  exportSpec: boolean,
): Sslv2CipherSpec => ({
  code,
  hex: `0x${code.toString(16).toUpperCase().padStart(6, '0')}`,
  name,
  openssl,
  encryption,
  bits,
  effectiveBits,
  export: exportSpec,
  blockSize64: encryption !== 'RC4',
});

/** The SSLv2 cipher specs, sorted by code. */
export const SSLV2_CIPHER_SPECS: readonly Sslv2CipherSpec[] = [
  spec(0x010080, 'RC4_128_WITH_MD5', 'RC4-MD5', 'RC4', 128, 128, false),
  spec(0x020080, 'RC4_128_EXPORT40_WITH_MD5', 'EXP-RC4-MD5', 'RC4', 40, 40, true),
  spec(0x030080, 'RC2_128_CBC_WITH_MD5', 'RC2-CBC-MD5', 'RC2_CBC', 128, 128, false),
  spec(0x040080, 'RC2_128_CBC_EXPORT40_WITH_MD5', 'EXP-RC2-CBC-MD5', 'RC2_CBC', 40, 40, true),
  spec(0x050080, 'IDEA_128_CBC_WITH_MD5', 'IDEA-CBC-MD5', 'IDEA_CBC', 128, 128, false),
  spec(0x060040, 'DES_64_CBC_WITH_MD5', 'DES-CBC-MD5', 'DES_CBC', 56, 56, false),
  spec(0x0700c0, 'DES_192_EDE3_CBC_WITH_MD5', 'DES-CBC3-MD5', '3DES_EDE_CBC', 168, 112, false),
  // Not in the SSL 2.0 draft; OpenSSL (s2_lib.c, "RC4-64-MD5") and some servers implement it: RC4 with 64 secret bits.
  spec(0x080080, 'RC4_64_WITH_MD5', 'RC4-64-MD5', 'RC4', 64, 64, false),
];

const byCode = new Map(SSLV2_CIPHER_SPECS.map((s) => [s.code, s]));

/** The SSLv2 cipher spec with this 3-byte code, or undefined. */
export function sslv2CipherSpecByCode(code: number): Sslv2CipherSpec | undefined {
  return byCode.get(code);
}
