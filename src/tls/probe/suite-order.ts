import { type CipherSuite, cipherSuiteByCode } from '../registry/index.js';

// The order in which the prober offers cipher suites, and which suites it keeps apart.
//
// Offered like a modern client (AEAD with forward secrecy first, AES-GCM before ChaCha20, 3DES and
// the rest last), because some servers read the client's order to pick their own: Go's crypto/tls
// prefers AES-GCM or ChaCha20 depending on the client's first suite (hardware AES), in TLS 1.3 too.
// A prober that led with 3DES would see a different server from the one real clients see.

/** Rank of the bulk cipher as a modern client orders them (lower first). */
function cipherRank(s: CipherSuite): number {
  if (s.encryption.startsWith('AES_') && s.encryption.endsWith('_GCM')) return 0;
  if (s.encryption.startsWith('CHACHA20')) return 1;
  if (s.encryption.startsWith('AES_') && s.encryption.endsWith('_CCM')) return 2;
  if (s.encryption.startsWith('AES_') && s.cbc) return 3;
  if (s.aead) return 4;
  if (s.blockSize64 || s.rc4) return 7;
  if (s.null) return 9;
  return 5;
}

/** Rank of the key exchange (lower first): ephemeral EC, ephemeral DH, RSA, then everything else. */
function keyExchangeRank(s: CipherSuite): number {
  if (s.tls13) return 0;
  if (s.anonymous) return 8;
  if (s.keyExchange === 'ECDHE') return s.authentication === 'ECDSA' ? 0 : 1;
  if (s.keyExchange === 'DHE') return 2;
  if (s.keyExchange === 'RSA') return 3;
  return 5;
}

/**
 * A modern client's order: strong ciphers before RC4, 64-bit blocks and NULL (export last of all);
 * then by key exchange, cipher, and 128-bit before 256-bit (as browsers do).
 */
export function clientOrder(codes: readonly number[]): number[] {
  const key = (code: number): number[] => {
    const s = cipherSuiteByCode(code);
    if (!s) return [9, 9, 9, 9, 1, code];
    const weak = s.rc4 || s.blockSize64 || s.null ? 1 : 0;
    return [s.export ? 1 : 0, weak, keyExchangeRank(s), cipherRank(s), s.bits > 128 ? 1 : 0, code];
  };
  const keys = new Map(codes.map((c) => [c, key(c)]));
  return [...codes].sort((a, b) => {
    const ka = keys.get(a) as number[];
    const kb = keys.get(b) as number[];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] as number) - (kb[i] as number);
    return 0;
  });
}

/**
 * Suite families that some stacks refuse to see at all: a hello that merely contains one is
 * refused (an mbedTLS build closes on ARIA, Erlang/OTP answers handshake_failure to SRP). They are
 * offered in chunks of their own, after the mainstream ones, so that they cannot hide the
 * mainstream suites, and a refusal of such a chunk is checked (see enumerate.ts). Everything but
 * the suites a 2020s client or server actually uses: PSK, SRP, Kerberos, GOST, password, static
 * (EC)DH key exchanges, and ARIA, Camellia, SEED, IDEA, SM4, GOST, AEGIS ciphers.
 */
export function isPoisonProne(code: number): boolean {
  const s = cipherSuiteByCode(code);
  if (!s) return true;
  // Static DH / ECDH are as rare (OpenSSL dropped them in 1.1.0), and keep the mainstream TLS 1.2
  // list within one hello.
  if (/PSK|SRP|KRB5|ECCPWD|GOST/.test(s.keyExchange) || s.keyExchange === 'DH' || s.keyExchange === 'ECDH') return true;
  return /ARIA|CAMELLIA|SEED|IDEA|SM4|GOST|KUZNYECHIK|MAGMA|28147|AEGIS/.test(s.encryption);
}
