import {
  ALL_CIPHER_SUITES,
  GREASE_VALUES,
  SIGNALLING_SUITES,
  TLS13_CIPHER_SUITES,
  cipherSuiteByCode,
  cipherSuiteByName,
  groupByCode,
  isGrease,
  signallingSuiteByCode,
  suitesForProtocol,
  type CipherSuite,
} from '../../../../src/tls/registry/index.js';

// Representative suites and the properties the generator must derive from their IANA names.
const EXPECTED: ReadonlyArray<[number, Partial<CipherSuite>]> = [
  [
    0xc030,
    {
      name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      openssl: 'ECDHE-RSA-AES256-GCM-SHA384',
      keyExchange: 'ECDHE',
      authentication: 'RSA',
      encryption: 'AES_256_GCM',
      bits: 256,
      effectiveBits: 256,
      mac: 'AEAD',
      aead: true,
      cbc: false,
      blockSize64: false,
      forwardSecrecy: true,
      anonymous: false,
      null: false,
      export: false,
      rc4: false,
      minProtocol: 'TLSv1.2',
      tls13: false,
      recommended: 'Y',
      iana: true,
    },
  ],
  [
    0x0033,
    {
      name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
      openssl: 'DHE-RSA-AES128-SHA',
      keyExchange: 'DHE',
      authentication: 'RSA',
      encryption: 'AES_128_CBC',
      bits: 128,
      mac: 'SHA',
      cbc: true,
      aead: false,
      forwardSecrecy: true,
      minProtocol: 'SSLv3',
    },
  ],
  [
    0x002f,
    {
      name: 'TLS_RSA_WITH_AES_128_CBC_SHA',
      openssl: 'AES128-SHA',
      keyExchange: 'RSA',
      authentication: 'RSA',
      encryption: 'AES_128_CBC',
      bits: 128,
      effectiveBits: 128,
      mac: 'SHA',
      cbc: true,
      forwardSecrecy: false,
      minProtocol: 'SSLv3',
      recommended: 'N',
    },
  ],
  [
    0x000a,
    {
      name: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      openssl: 'DES-CBC3-SHA',
      encryption: '3DES_EDE_CBC',
      bits: 168,
      effectiveBits: 112,
      blockSize64: true,
      cbc: true,
      export: false,
      minProtocol: 'SSLv3',
    },
  ],
  [0x0009, { name: 'TLS_RSA_WITH_DES_CBC_SHA', openssl: 'DES-CBC-SHA', encryption: 'DES_CBC', bits: 56, effectiveBits: 56, blockSize64: true, export: false }],
  [
    0x0003,
    {
      name: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
      openssl: 'EXP-RC4-MD5',
      keyExchange: 'RSA',
      encryption: 'RC4_40',
      bits: 40,
      effectiveBits: 40,
      mac: 'MD5',
      export: true,
      rc4: true,
      cbc: false,
      blockSize64: false,
    },
  ],
  [
    0x0006,
    {
      name: 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5',
      openssl: 'EXP-RC2-CBC-MD5',
      encryption: 'RC2_CBC_40',
      bits: 40,
      effectiveBits: 40,
      export: true,
      blockSize64: true,
      cbc: true,
    },
  ],
  [
    0x0011,
    {
      name: 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA',
      openssl: 'EXP-EDH-DSS-DES-CBC-SHA',
      keyExchange: 'DHE',
      authentication: 'DSS',
      encryption: 'DES40_CBC',
      effectiveBits: 40,
      export: true,
      forwardSecrecy: true,
    },
  ],
  [0x0015, { openssl: 'EDH-RSA-DES-CBC-SHA', keyExchange: 'DHE', authentication: 'RSA', encryption: 'DES_CBC' }],
  [0x0016, { openssl: 'DHE-RSA-DES-CBC3-SHA', keyExchange: 'DHE', encryption: '3DES_EDE_CBC', effectiveBits: 112, forwardSecrecy: true }],
  // Anonymous DH: ephemeral but unauthenticated; forward secrecy is counted like SSL Labs does, i.e. not at all.
  [
    0x0034,
    { name: 'TLS_DH_anon_WITH_AES_128_CBC_SHA', openssl: 'ADH-AES128-SHA', keyExchange: 'DHE', authentication: 'anon', anonymous: true, forwardSecrecy: false },
  ],
  [
    0xc018,
    {
      name: 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA',
      openssl: 'AECDH-AES128-SHA',
      keyExchange: 'ECDHE',
      authentication: 'anon',
      anonymous: true,
      forwardSecrecy: false,
    },
  ],
  [0x0017, { name: 'TLS_DH_anon_EXPORT_WITH_RC4_40_MD5', openssl: 'EXP-ADH-RC4-MD5', anonymous: true, export: true, rc4: true, effectiveBits: 40 }],
  [
    0x0000,
    {
      name: 'TLS_NULL_WITH_NULL_NULL',
      openssl: null,
      keyExchange: 'NULL',
      authentication: 'NULL',
      encryption: 'NULL',
      mac: 'NULL',
      null: true,
      bits: 0,
      effectiveBits: 0,
    },
  ],
  [
    0x0002,
    { name: 'TLS_RSA_WITH_NULL_SHA', openssl: 'NULL-SHA', encryption: 'NULL', bits: 0, effectiveBits: 0, mac: 'SHA', null: true, cbc: false, aead: false },
  ],
  [0x003b, { name: 'TLS_RSA_WITH_NULL_SHA256', openssl: 'NULL-SHA256', null: true, mac: 'SHA256', minProtocol: 'TLSv1.2' }],
  [
    0xcca9,
    {
      name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305',
      keyExchange: 'ECDHE',
      authentication: 'ECDSA',
      encryption: 'CHACHA20_POLY1305',
      bits: 256,
      mac: 'AEAD',
      aead: true,
      forwardSecrecy: true,
      minProtocol: 'TLSv1.2',
      recommended: 'Y',
    },
  ],
  [
    0x1301,
    {
      name: 'TLS_AES_128_GCM_SHA256',
      openssl: 'TLS_AES_128_GCM_SHA256',
      keyExchange: 'ANY',
      authentication: 'ANY',
      encryption: 'AES_128_GCM',
      bits: 128,
      mac: 'AEAD',
      aead: true,
      forwardSecrecy: true,
      minProtocol: 'TLSv1.3',
      tls13: true,
      recommended: 'Y',
    },
  ],
  [0x1303, { name: 'TLS_CHACHA20_POLY1305_SHA256', encryption: 'CHACHA20_POLY1305', tls13: true, minProtocol: 'TLSv1.3' }],
  [0x1305, { name: 'TLS_AES_128_CCM_8_SHA256', openssl: 'TLS_AES_128_CCM_8_SHA256', encryption: 'AES_128_CCM_8', tls13: true, recommended: 'N' }],
  [0x00c6, { name: 'TLS_SM4_GCM_SM3', encryption: 'SM4_GCM', bits: 128, tls13: true, aead: true }],
  // RFC 9150 integrity-only TLS 1.3 suites: no encryption, HMAC.
  [0xc0b4, { name: 'TLS_SHA256_SHA256', encryption: 'NULL', null: true, mac: 'SHA256', aead: false, tls13: true, effectiveBits: 0 }],
  [0x0005, { name: 'TLS_RSA_WITH_RC4_128_SHA', openssl: 'RC4-SHA', encryption: 'RC4_128', bits: 128, rc4: true, cbc: false, export: false }],
  [0x0007, { name: 'TLS_RSA_WITH_IDEA_CBC_SHA', openssl: 'IDEA-CBC-SHA', encryption: 'IDEA_CBC', bits: 128, blockSize64: true, cbc: true }],
  [0xc0a0, { name: 'TLS_RSA_WITH_AES_128_CCM_8', openssl: 'AES128-CCM8', encryption: 'AES_128_CCM_8', mac: 'AEAD', aead: true, minProtocol: 'TLSv1.2' }],
  [0xc09c, { name: 'TLS_RSA_WITH_AES_128_CCM', openssl: 'AES128-CCM', encryption: 'AES_128_CCM', aead: true }],
  [
    0x008c,
    {
      name: 'TLS_PSK_WITH_AES_128_CBC_SHA',
      openssl: 'PSK-AES128-CBC-SHA',
      keyExchange: 'PSK',
      authentication: 'PSK',
      forwardSecrecy: false,
      minProtocol: 'SSLv3',
    },
  ],
  [0x00aa, { name: 'TLS_DHE_PSK_WITH_AES_128_GCM_SHA256', keyExchange: 'DHE_PSK', authentication: 'PSK', forwardSecrecy: true, aead: true }],
  [
    0xc0aa,
    { name: 'TLS_PSK_DHE_WITH_AES_128_CCM_8', openssl: 'DHE-PSK-AES128-CCM8', keyExchange: 'DHE_PSK', forwardSecrecy: true, encryption: 'AES_128_CCM_8' },
  ],
  [0x0094, { name: 'TLS_RSA_PSK_WITH_AES_128_CBC_SHA', keyExchange: 'RSA_PSK', authentication: 'RSA', forwardSecrecy: false }],
  [0xc037, { name: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', keyExchange: 'ECDHE_PSK', forwardSecrecy: true, mac: 'SHA256', minProtocol: 'TLSv1.0' }],
  [0x00ae, { name: 'TLS_PSK_WITH_AES_128_CBC_SHA256', openssl: 'PSK-AES128-CBC-SHA256', mac: 'SHA256', minProtocol: 'TLSv1.0' }],
  [0x0020, { name: 'TLS_KRB5_WITH_RC4_128_SHA', openssl: 'KRB5-RC4-SHA', keyExchange: 'KRB5', authentication: 'KRB5', rc4: true }],
  [0x0026, { name: 'TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA', openssl: 'EXP-KRB5-DES-CBC-SHA', encryption: 'DES40_CBC', bits: 40, export: true }],
  [
    0xc01e,
    { name: 'TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA', openssl: 'SRP-RSA-AES-128-CBC-SHA', keyExchange: 'SRP', authentication: 'RSA', forwardSecrecy: false },
  ],
  [
    0xc100,
    {
      name: 'TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC',
      openssl: 'GOST2012-KUZNYECHIK-KUZNYECHIKOMAC',
      keyExchange: 'GOST',
      authentication: 'GOST',
      encryption: 'KUZNYECHIK_CTR',
      bits: 256,
      mac: 'OMAC',
      aead: false,
      cbc: false,
      minProtocol: 'TLSv1.2',
      tls13: false,
    },
  ],
  [0xc102, { name: 'TLS_GOSTR341112_256_WITH_28147_CNT_IMIT', encryption: 'GOST28147_CNT', mac: 'IMIT', blockSize64: true }],
  [
    0xc103,
    {
      name: 'TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L',
      keyExchange: 'ANY',
      encryption: 'KUZNYECHIK_MGM_L',
      aead: true,
      mac: 'AEAD',
      tls13: true,
      minProtocol: 'TLSv1.3',
    },
  ],
  // Static ECDH: the server's key is in its certificate, so no forward secrecy.
  [0xc00e, { name: 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDH-RSA-AES128-SHA', keyExchange: 'ECDH', authentication: 'RSA', forwardSecrecy: false }],
  [0xc02d, { name: 'TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256', keyExchange: 'ECDH', authentication: 'ECDSA', forwardSecrecy: false, aead: true }],
  [0x0031, { name: 'TLS_DH_RSA_WITH_AES_128_CBC_SHA', openssl: 'DH-RSA-AES128-SHA', keyExchange: 'DH', authentication: 'RSA', forwardSecrecy: false }],
  [
    0x0041,
    { name: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA', openssl: 'CAMELLIA128-SHA', encryption: 'CAMELLIA_128_CBC', bits: 128, cbc: true, minProtocol: 'SSLv3' },
  ],
  [0xc08b, { name: 'TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384', openssl: null, encryption: 'CAMELLIA_256_GCM', aead: true, forwardSecrecy: true }],
  [
    0xc051,
    { name: 'TLS_RSA_WITH_ARIA_256_GCM_SHA384', openssl: 'ARIA256-GCM-SHA384', encryption: 'ARIA_256_GCM', bits: 256, aead: true, minProtocol: 'TLSv1.2' },
  ],
  [0xc03c, { name: 'TLS_RSA_WITH_ARIA_128_CBC_SHA256', openssl: null, encryption: 'ARIA_128_CBC', mac: 'SHA256', cbc: true, minProtocol: 'TLSv1.2' }],
  [0x0096, { name: 'TLS_RSA_WITH_SEED_CBC_SHA', openssl: 'SEED-SHA', encryption: 'SEED_CBC', bits: 128, blockSize64: false }],
  [0xc0b0, { name: 'TLS_ECCPWD_WITH_AES_128_GCM_SHA256', keyExchange: 'ECCPWD', authentication: 'ECCPWD', minProtocol: 'TLSv1.2' }],
  // Deployed suites IANA never assigned.
  [
    0x0062,
    {
      name: 'TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA',
      openssl: 'EXP1024-DES-CBC-SHA',
      encryption: 'DES_CBC',
      effectiveBits: 56,
      export: true,
      iana: false,
      recommended: '',
    },
  ],
  [0x0064, { name: 'TLS_RSA_EXPORT1024_WITH_RC4_56_SHA', openssl: 'EXP1024-RC4-SHA', encryption: 'RC4_56', bits: 56, export: true, rc4: true, iana: false }],
  [0x0081, { name: 'TLS_GOSTR341001_WITH_28147_CNT_IMIT', openssl: 'GOST2001-GOST89-GOST89', keyExchange: 'GOST', minProtocol: 'TLSv1.0', iana: false }],
  [
    0xcc13,
    {
      name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD',
      openssl: 'ECDHE-RSA-CHACHA20-POLY1305-OLD',
      encryption: 'CHACHA20_POLY1305',
      aead: true,
      forwardSecrecy: true,
      iana: false,
    },
  ],
];

describe('cipher suite registry: derived properties', () => {
  it.each(EXPECTED.map(([code, props]) => [`0x${code.toString(16).padStart(4, '0')} ${props.name ?? props.openssl}`, code, props] as const))(
    '%s',
    (_label, code, props) => {
      const suite = cipherSuiteByCode(code);
      expect(suite).toBeDefined();
      expect(suite).toMatchObject(props);
    },
  );
});

describe('cipher suite registry: invariants of every suite', () => {
  it('is sorted by code, without duplicate codes or names', () => {
    const codes = ALL_CIPHER_SUITES.map((s) => s.code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(ALL_CIPHER_SUITES.map((s) => s.name)).size).toBe(codes.length);
    const opensslNames = ALL_CIPHER_SUITES.flatMap((s) => (s.openssl === null ? [] : [s.openssl]));
    expect(new Set(opensslNames).size).toBe(opensslNames.length);
  });

  it.each(ALL_CIPHER_SUITES.map((s) => [s.name, s] as const))('%s is consistent', (_name, s) => {
    expect(s.hex).toBe(`0x${s.code.toString(16).toUpperCase().padStart(4, '0')}`);
    expect(s.code).toBeGreaterThanOrEqual(0);
    expect(s.code).toBeLessThanOrEqual(0xffff);
    expect(s.name).toMatch(/^TLS_[A-Za-z0-9_]+$/);
    expect(s.keyExchange).not.toBe('');
    expect(s.authentication).not.toBe('');
    expect(s.encryption).not.toBe('');
    expect(s.mac).not.toBe('');
    expect(s.aead).toBe(s.mac === 'AEAD');
    if (s.aead) expect(s.cbc).toBe(false);
    if (s.null) expect([s.bits, s.effectiveBits, s.encryption]).toEqual([0, 0, 'NULL']);
    else expect(s.effectiveBits).toBeGreaterThan(0);
    if (s.export) expect(s.effectiveBits).toBeLessThanOrEqual(56);
    expect(s.effectiveBits).toBeLessThanOrEqual(s.bits);
    expect(s.anonymous).toBe(s.authentication === 'anon');
    if (s.anonymous) expect(s.forwardSecrecy).toBe(false);
    if (s.rc4) expect(s.encryption).toMatch(/^RC4_/);
    if (s.blockSize64 && !s.tls13) expect(s.encryption).toMatch(/^(3DES|DES|IDEA|RC2|MAGMA|GOST28147)/);
    expect(s.tls13).toBe(s.minProtocol === 'TLSv1.3');
    if (s.tls13) expect([s.keyExchange, s.authentication, s.forwardSecrecy]).toEqual(['ANY', 'ANY', true]);
    if (s.aead && !s.tls13) expect(s.minProtocol).toBe('TLSv1.2');
    if (s.mac === 'SHA256' || s.mac === 'SHA384') expect(s.minProtocol).not.toBe('SSLv3');
    if (['DH', 'ECDH', 'RSA', 'PSK', 'RSA_PSK', 'KRB5', 'NULL'].includes(s.keyExchange)) expect(s.forwardSecrecy).toBe(false);
    expect(['Y', 'N', 'D', '']).toContain(s.recommended);
    if (!s.iana) expect(s.recommended).toBe('');
  });

  it('holds the signalling values apart, flagged scsv', () => {
    expect(SIGNALLING_SUITES.map((s) => [s.code, s.name, s.scsv])).toEqual([
      [0x00ff, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV', true],
      [0x5600, 'TLS_FALLBACK_SCSV', true],
    ]);
    expect(ALL_CIPHER_SUITES.some((s) => s.name.endsWith('_SCSV'))).toBe(false);
    expect(cipherSuiteByCode(0x00ff)).toBeUndefined();
    expect(cipherSuiteByCode(0x5600)).toBeUndefined();
    expect(signallingSuiteByCode(0x5600)?.name).toBe('TLS_FALLBACK_SCSV');
    expect(signallingSuiteByCode(0xc030)).toBeUndefined();
  });

  it('counts: 350 IANA suites (352 named IANA values less the 2 SCSVs) and 14 unassigned deployed ones', () => {
    expect(ALL_CIPHER_SUITES.filter((s) => s.iana)).toHaveLength(350);
    expect(ALL_CIPHER_SUITES.filter((s) => !s.iana).map((s) => s.hex)).toEqual([
      '0x0060',
      '0x0061',
      '0x0062',
      '0x0063',
      '0x0064',
      '0x0065',
      '0x0066',
      '0x0080',
      '0x0081',
      '0x0082',
      '0x0083',
      '0xCC13',
      '0xCC14',
      '0xCC15',
    ]);
  });

  it('lists the TLS 1.3 suites', () => {
    expect(TLS13_CIPHER_SUITES.map((s) => s.hex)).toEqual([
      '0x00C6',
      '0x00C7',
      '0x1301',
      '0x1302',
      '0x1303',
      '0x1304',
      '0x1305',
      '0x1306',
      '0x1307',
      '0xC0B4',
      '0xC0B5',
      '0xC103',
      '0xC104',
      '0xC105',
      '0xC106',
    ]);
  });

  it('finds suites by IANA and by OpenSSL name', () => {
    expect(cipherSuiteByName('ECDHE-RSA-AES256-GCM-SHA384')?.code).toBe(0xc030);
    expect(cipherSuiteByName('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384')?.code).toBe(0xc030);
    expect(cipherSuiteByName('TLS_AES_256_GCM_SHA384')?.code).toBe(0x1302);
    expect(cipherSuiteByName('NO-SUCH-CIPHER')).toBeUndefined();
    expect(cipherSuiteByCode(0x1a1a)).toBeUndefined();
  });
});

describe('suitesForProtocol', () => {
  const codes = (p: Parameters<typeof suitesForProtocol>[0]) => new Set(suitesForProtocol(p).map((s) => s.code));

  it('TLS 1.3: only the TLS 1.3 suites', () => {
    expect(suitesForProtocol('TLSv1.3')).toEqual(TLS13_CIPHER_SUITES);
  });

  it('TLS 1.2: every suite but the TLS 1.3 ones', () => {
    const tls12 = codes('TLSv1.2');
    expect(tls12.size).toBe(ALL_CIPHER_SUITES.length - TLS13_CIPHER_SUITES.length);
    for (const c of [0xc030, 0xcca8, 0x003c, 0x002f, 0x000a, 0x0003, 0xc100]) expect(tls12.has(c)).toBe(true);
    expect(tls12.has(0x1301)).toBe(false);
  });

  it('TLS 1.0 and 1.1: no AEAD or SHA-256/384 suites, except the PSK ones defined for TLS 1.0', () => {
    for (const p of ['TLSv1.0', 'TLSv1.1'] as const) {
      const set = codes(p);
      for (const c of [0x002f, 0x0035, 0xc013, 0x000a, 0x0005, 0x0003, 0x00ae, 0xc037, 0x0081]) expect(set.has(c)).toBe(true);
      for (const c of [0xc030, 0xc02f, 0x003c, 0xc027, 0xcca8, 0x1301, 0xc100]) expect(set.has(c)).toBe(false);
      for (const s of suitesForProtocol(p)) expect(['SSLv3', 'TLSv1.0']).toContain(s.minProtocol);
    }
    expect(suitesForProtocol('TLSv1.1')).toEqual(suitesForProtocol('TLSv1.0'));
  });

  it('SSLv3: only the SSLv3-era suites', () => {
    const set = codes('SSLv3');
    for (const c of [0x002f, 0x000a, 0x0004, 0x0003, 0xc013]) expect(set.has(c)).toBe(true);
    for (const c of [0x00ae, 0x003c, 0xc030, 0x1301, 0x0081]) expect(set.has(c)).toBe(false);
    for (const s of suitesForProtocol('SSLv3')) expect(s.minProtocol).toBe('SSLv3');
  });
});

describe('GREASE', () => {
  it('lists the 16 RFC 8701 values, none of them a suite or group', () => {
    expect(GREASE_VALUES).toHaveLength(16);
    expect(GREASE_VALUES[0]).toBe(0x0a0a);
    expect(GREASE_VALUES[1]).toBe(0x1a1a);
    expect(GREASE_VALUES[15]).toBe(0xfafa);
    for (const g of GREASE_VALUES) {
      expect(isGrease(g)).toBe(true);
      expect(cipherSuiteByCode(g)).toBeUndefined();
      expect(groupByCode(g)).toBeUndefined();
    }
  });

  it.each([0x0a1a, 0x1a0a, 0x0b0b, 0xc030, 0x0000, 0xfafb, 0x1_0a0a].map((v) => [v.toString(16), v] as const))('0x%s is not GREASE', (_hex, v) => {
    expect(isGrease(v)).toBe(false);
  });
});
