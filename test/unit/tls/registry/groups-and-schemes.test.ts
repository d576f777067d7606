import {
  NAMED_GROUPS,
  SIGNATURE_SCHEMES,
  SSLV2_CIPHER_SPECS,
  ecRsaEquivalentBits,
  groupByCode,
  groupByName,
  signatureSchemeByCode,
  signatureSchemeByName,
  sslv2CipherSpecByCode,
  type NamedGroup,
  type SignatureScheme,
  type Sslv2CipherSpec,
} from '../../../../src/tls/registry/index.js';

/** Table rows labelled with the code in hex. */
const withHex = <T>(rows: Array<[number, T]>, digits: number) =>
  rows.map(([code, props]) => [`0x${code.toString(16).toUpperCase().padStart(digits, '0')}`, code, props] as const);

const sortedUnique = (codes: number[]) => {
  expect(codes).toEqual([...codes].sort((a, b) => a - b));
  expect(new Set(codes).size).toBe(codes.length);
};

describe('supported groups', () => {
  it.each(
    withHex<Partial<NamedGroup>>(
      [
        [1, { name: 'sect163k1', kind: 'ec', bits: 163, tls13: false }],
        [14, { name: 'sect571r1', kind: 'ec', bits: 571 }],
        [21, { name: 'secp224r1', kind: 'ec', bits: 224 }],
        [23, { name: 'secp256r1', kind: 'ec', bits: 256, tls13: true, hex: '0x0017' }],
        [24, { name: 'secp384r1', kind: 'ec', bits: 384, tls13: true }],
        [25, { name: 'secp521r1', kind: 'ec', bits: 521, tls13: true }],
        [26, { name: 'brainpoolP256r1', kind: 'ec', bits: 256, tls13: false }],
        [29, { name: 'x25519', kind: 'ecx', bits: 256, tls13: true }],
        [30, { name: 'x448', kind: 'ecx', bits: 448 }],
        [31, { name: 'brainpoolP256r1tls13', kind: 'ec', bits: 256, tls13: true }],
        [33, { name: 'brainpoolP512r1tls13', bits: 512 }],
        [256, { name: 'ffdhe2048', kind: 'ffdhe', bits: 2048, hex: '0x0100' }],
        [260, { name: 'ffdhe8192', kind: 'ffdhe', bits: 8192 }],
        [0x11eb, { name: 'SecP256r1MLKEM768', kind: 'hybrid-pq', bits: 256 }],
        [0x11ec, { name: 'X25519MLKEM768', kind: 'hybrid-pq', bits: 256, hex: '0x11EC' }],
        [0x11ed, { name: 'SecP384r1MLKEM1024', kind: 'hybrid-pq', bits: 384 }],
        [0x6399, { name: 'X25519Kyber768Draft00', kind: 'hybrid-pq', bits: 256 }],
        [0x639a, { name: 'SecP256r1Kyber768Draft00', kind: 'hybrid-pq', bits: 256 }],
        [0x0201, { name: 'MLKEM768', kind: 'pq', bits: null }],
      ],
      4,
    ),
  )('group %s', (_hex, code, props) => {
    expect(groupByCode(code)).toMatchObject({ code, ...props });
  });

  it('has sorted unique codes and names, sizes by kind', () => {
    sortedUnique(NAMED_GROUPS.map((g) => g.code));
    expect(new Set(NAMED_GROUPS.map((g) => g.name)).size).toBe(NAMED_GROUPS.length);
    for (const g of NAMED_GROUPS) {
      expect(g.hex).toBe(`0x${g.code.toString(16).toUpperCase().padStart(4, '0')}`);
      if (g.kind === 'pq' || g.kind === 'explicit') expect(g.bits).toBeNull();
      else expect(g.bits).toBeGreaterThanOrEqual(160);
      if (g.kind === 'ffdhe') expect(g.name).toBe(`ffdhe${g.bits}`);
    }
    // every sect*/secp* code 1-30 is there
    for (let c = 1; c <= 30; c++) expect(groupByCode(c)).toBeDefined();
  });

  it('finds groups by name, case-insensitively, and not unknown codes', () => {
    expect(groupByName('X25519')?.code).toBe(29);
    expect(groupByName('x25519mlkem768')?.code).toBe(0x11ec);
    expect(groupByName('nope')).toBeUndefined();
    expect(groupByCode(0x0a0a)).toBeUndefined();
    expect(groupByCode(42)).toBeUndefined();
  });

  it.each([
    [112, 512],
    [159, 512],
    [160, 1024],
    [163, 1024],
    [192, 1024],
    [223, 1024],
    [224, 2048],
    [255, 2048],
    [256, 3072],
    [383, 3072],
    [384, 7680],
    [448, 7680],
    [511, 7680],
    [512, 15360],
    [521, 15360],
    [571, 15360],
  ])('ecRsaEquivalentBits(%i) = %i', (bits, rsa) => {
    expect(ecRsaEquivalentBits(bits)).toBe(rsa);
  });

  it('gives the SSL Labs equivalents of the common groups', () => {
    const eq = (name: string) => ecRsaEquivalentBits(groupByName(name)?.bits ?? NaN);
    expect([eq('secp256r1'), eq('x25519'), eq('secp384r1'), eq('x448'), eq('secp521r1'), eq('secp224r1')]).toEqual([3072, 3072, 7680, 7680, 15360, 2048]);
  });
});

describe('signature schemes', () => {
  it.each(
    withHex<Partial<SignatureScheme>>(
      [
        [0x0201, { name: 'rsa_pkcs1_sha1', signature: 'rsa_pkcs1', hash: 'sha1', tls13: false, legacy: true }],
        [0x0203, { name: 'ecdsa_sha1', signature: 'ecdsa', hash: 'sha1', legacy: true }],
        [0x0202, { name: 'dsa_sha1', signature: 'dsa', legacy: true }],
        [0x0401, { name: 'rsa_pkcs1_sha256', signature: 'rsa_pkcs1', hash: 'sha256', tls13: false, legacy: false }],
        [0x0403, { name: 'ecdsa_secp256r1_sha256', signature: 'ecdsa', hash: 'sha256', tls13: true }],
        [0x0503, { name: 'ecdsa_secp384r1_sha384', hash: 'sha384', tls13: true }],
        [0x0603, { name: 'ecdsa_secp521r1_sha512', hash: 'sha512' }],
        [0x0804, { name: 'rsa_pss_rsae_sha256', signature: 'rsa_pss_rsae', hash: 'sha256', tls13: true, hex: '0x0804' }],
        [0x080b, { name: 'rsa_pss_pss_sha512', signature: 'rsa_pss_pss', hash: 'sha512' }],
        [0x0807, { name: 'ed25519', signature: 'ed25519', hash: 'intrinsic', tls13: true }],
        [0x0808, { name: 'ed448', signature: 'ed448', hash: 'intrinsic' }],
        [0x0708, { name: 'sm2sig_sm3', signature: 'sm2', hash: 'sm3' }],
        [0x081a, { name: 'ecdsa_brainpoolP256r1tls13_sha256', signature: 'ecdsa' }],
        [0x0904, { name: 'mldsa44', signature: 'mldsa' }],
        [0x0905, { name: 'mldsa65', signature: 'mldsa' }],
        [0x0906, { name: 'mldsa87', signature: 'mldsa' }],
      ],
      4,
    ),
  )('scheme %s', (_hex, code, props) => {
    expect(signatureSchemeByCode(code)).toMatchObject({ code, ...props });
  });

  it('has sorted unique codes and names; TLS 1.2 pairs decode as hash << 8 | signature', () => {
    sortedUnique(SIGNATURE_SCHEMES.map((s) => s.code));
    expect(new Set(SIGNATURE_SCHEMES.map((s) => s.name)).size).toBe(SIGNATURE_SCHEMES.length);
    const hashByte: Record<string, number> = { md5: 1, sha1: 2, sha224: 3, sha256: 4, sha384: 5, sha512: 6 };
    const sigByte: Record<string, number> = { rsa_pkcs1: 1, dsa: 2, ecdsa: 3 };
    for (const s of SIGNATURE_SCHEMES.filter((x) => x.code < 0x0700 && (x.code & 0xff) <= 3)) {
      expect(s.code >> 8).toBe(hashByte[s.hash]);
      expect(s.code & 0xff).toBe(sigByte[s.signature]);
    }
    for (const s of SIGNATURE_SCHEMES) if (s.legacy) expect(s.tls13).toBe(false);
  });

  it('finds schemes by name', () => {
    expect(signatureSchemeByName('ed25519')?.code).toBe(0x0807);
    expect(signatureSchemeByName('rsa_pss_rsae_sha384')?.code).toBe(0x0805);
    expect(signatureSchemeByName('nope')).toBeUndefined();
    expect(signatureSchemeByCode(0x0a0a)).toBeUndefined();
  });
});

describe('SSLv2 cipher specs', () => {
  it.each(
    withHex<Partial<Sslv2CipherSpec>>(
      [
        [0x010080, { name: 'RC4_128_WITH_MD5', openssl: 'RC4-MD5', bits: 128, effectiveBits: 128, export: false, blockSize64: false }],
        [0x020080, { name: 'RC4_128_EXPORT40_WITH_MD5', openssl: 'EXP-RC4-MD5', bits: 40, effectiveBits: 40, export: true }],
        [0x030080, { name: 'RC2_128_CBC_WITH_MD5', openssl: 'RC2-CBC-MD5', bits: 128, blockSize64: true }],
        [0x040080, { name: 'RC2_128_CBC_EXPORT40_WITH_MD5', openssl: 'EXP-RC2-CBC-MD5', effectiveBits: 40, export: true }],
        [0x050080, { name: 'IDEA_128_CBC_WITH_MD5', openssl: 'IDEA-CBC-MD5', bits: 128, blockSize64: true }],
        [0x060040, { name: 'DES_64_CBC_WITH_MD5', openssl: 'DES-CBC-MD5', bits: 56, effectiveBits: 56 }],
        [0x0700c0, { name: 'DES_192_EDE3_CBC_WITH_MD5', openssl: 'DES-CBC3-MD5', bits: 168, effectiveBits: 112, hex: '0x0700C0' }],
        [0x080080, { name: 'RC4_64_WITH_MD5', openssl: 'RC4-64-MD5', bits: 64, effectiveBits: 64, export: false }],
      ],
      6,
    ),
  )('spec %s', (_hex, code, props) => {
    expect(sslv2CipherSpecByCode(code)).toMatchObject({ code, ...props });
  });

  it('has 8 specs, sorted, and no others', () => {
    expect(SSLV2_CIPHER_SPECS).toHaveLength(8);
    sortedUnique(SSLV2_CIPHER_SPECS.map((s) => s.code));
    expect(sslv2CipherSpecByCode(0x0000ff)).toBeUndefined();
    expect(sslv2CipherSpecByCode(0xc030)).toBeUndefined();
  });
});
