#!/usr/bin/env node
// Generates src/tls/registry/cipher-suites.generated.ts from the IANA "TLS Cipher Suites" registry (CSV form).
//
//   node scripts/generate-registry.mjs [path/to/iana-tls-cipher-suites.csv] [--out FILE]
//
// The CSV path defaults to scripts/data/iana-tls-cipher-suites.csv (a copy of the IANA registry, late 2022); the output to
// src/tls/registry/cipher-suites.generated.ts. Every property of a suite is derived from its IANA name by
// parseSuiteName() below; OpenSSL names come from scripts/data/openssl-names.tsv (the list of an OpenSSL 3.0 build,
// committed so that the output does not depend on the local openssl) plus LEGACY_OPENSSL_NAMES for the suites that
// build lacks. The output is deterministic: same inputs, same bytes. Plain Node (no dependencies, no TS runner).

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CSV = path.resolve(repoRoot, 'scripts/data/iana-tls-cipher-suites.csv');
const DEFAULT_OUT = path.resolve(repoRoot, 'src/tls/registry/cipher-suites.generated.ts');
const OPENSSL_TSV = path.resolve(repoRoot, 'scripts/data/openssl-names.tsv');

// ---------------------------------------------------------------------------------------------------------------
// Hand-written inputs
// ---------------------------------------------------------------------------------------------------------------

/**
 * OpenSSL names of suites that `openssl ciphers` of the OpenSSL 3.0 build behind openssl-names.tsv does not list
 * (removed or disabled ciphers: RC4, DES, 3DES, IDEA, SEED, EXPORT, static DH/ECDH, KRB5, GOST engine, and the two
 * TLS 1.3 CCM suites that are off by default).
 * Names are OpenSSL's own (its ssl3.h / tls1.h *_TXT_* definitions); for suites dropped before OpenSSL 1.1.0 the
 * name of the last version that had them (e.g. EDH- rather than the later DHE- spelling).
 */
const LEGACY_OPENSSL_NAMES = {
  0x0003: 'EXP-RC4-MD5',
  0x0004: 'RC4-MD5',
  0x0005: 'RC4-SHA',
  0x0006: 'EXP-RC2-CBC-MD5',
  0x0007: 'IDEA-CBC-SHA',
  0x0008: 'EXP-DES-CBC-SHA',
  0x0009: 'DES-CBC-SHA',
  0x000a: 'DES-CBC3-SHA',
  0x000b: 'EXP-DH-DSS-DES-CBC-SHA',
  0x000c: 'DH-DSS-DES-CBC-SHA',
  0x000d: 'DH-DSS-DES-CBC3-SHA',
  0x000e: 'EXP-DH-RSA-DES-CBC-SHA',
  0x000f: 'DH-RSA-DES-CBC-SHA',
  0x0010: 'DH-RSA-DES-CBC3-SHA',
  0x0011: 'EXP-EDH-DSS-DES-CBC-SHA', // OpenSSL >= 1.1 headers: EXP-DHE-DSS-DES-CBC-SHA
  0x0012: 'EDH-DSS-DES-CBC-SHA', // DHE-DSS-DES-CBC-SHA
  0x0013: 'DHE-DSS-DES-CBC3-SHA', // OpenSSL <= 1.0.2: EDH-DSS-DES-CBC3-SHA
  0x0014: 'EXP-EDH-RSA-DES-CBC-SHA', // EXP-DHE-RSA-DES-CBC-SHA
  0x0015: 'EDH-RSA-DES-CBC-SHA', // DHE-RSA-DES-CBC-SHA
  0x0016: 'DHE-RSA-DES-CBC3-SHA', // OpenSSL <= 1.0.2: EDH-RSA-DES-CBC3-SHA
  0x0017: 'EXP-ADH-RC4-MD5',
  0x0018: 'ADH-RC4-MD5',
  0x0019: 'EXP-ADH-DES-CBC-SHA',
  0x001a: 'ADH-DES-CBC-SHA',
  0x001b: 'ADH-DES-CBC3-SHA',
  // Kerberos (OpenSSL 0.9.8 - 1.0.2)
  0x001e: 'KRB5-DES-CBC-SHA',
  0x001f: 'KRB5-DES-CBC3-SHA',
  0x0020: 'KRB5-RC4-SHA',
  0x0021: 'KRB5-IDEA-CBC-SHA',
  0x0022: 'KRB5-DES-CBC-MD5',
  0x0023: 'KRB5-DES-CBC3-MD5',
  0x0024: 'KRB5-RC4-MD5',
  0x0025: 'KRB5-IDEA-CBC-MD5',
  0x0026: 'EXP-KRB5-DES-CBC-SHA',
  0x0027: 'EXP-KRB5-RC2-CBC-SHA',
  0x0028: 'EXP-KRB5-RC4-SHA',
  0x0029: 'EXP-KRB5-DES-CBC-MD5',
  0x002a: 'EXP-KRB5-RC2-CBC-MD5',
  0x002b: 'EXP-KRB5-RC4-MD5',
  // static DH (OpenSSL 1.0.2)
  0x0030: 'DH-DSS-AES128-SHA',
  0x0031: 'DH-RSA-AES128-SHA',
  0x0036: 'DH-DSS-AES256-SHA',
  0x0037: 'DH-RSA-AES256-SHA',
  0x003e: 'DH-DSS-AES128-SHA256',
  0x003f: 'DH-RSA-AES128-SHA256',
  0x0042: 'DH-DSS-CAMELLIA128-SHA',
  0x0043: 'DH-RSA-CAMELLIA128-SHA',
  // EXPORT1024 draft suites (OpenSSL 0.9.x), not in the IANA registry: see EXTRA_SUITES
  0x0060: 'EXP1024-RC4-MD5',
  0x0061: 'EXP1024-RC2-CBC-MD5',
  0x0062: 'EXP1024-DES-CBC-SHA',
  0x0063: 'EXP1024-DHE-DSS-DES-CBC-SHA',
  0x0064: 'EXP1024-RC4-SHA',
  0x0065: 'EXP1024-DHE-DSS-RC4-SHA',
  0x0066: 'DHE-DSS-RC4-SHA',
  0x0068: 'DH-DSS-AES256-SHA256',
  0x0069: 'DH-RSA-AES256-SHA256',
  // CryptoPro GOST (OpenSSL 1.0 gost engine), not in the IANA registry
  0x0080: 'GOST94-GOST89-GOST89',
  0x0081: 'GOST2001-GOST89-GOST89',
  0x0082: 'GOST94-NULL-GOST94',
  0x0083: 'GOST2001-NULL-GOST94',
  0x0085: 'DH-DSS-CAMELLIA256-SHA',
  0x0086: 'DH-RSA-CAMELLIA256-SHA',
  0x008a: 'PSK-RC4-SHA',
  0x008b: 'PSK-3DES-EDE-CBC-SHA',
  0x008e: 'DHE-PSK-RC4-SHA',
  0x008f: 'DHE-PSK-3DES-EDE-CBC-SHA',
  0x0092: 'RSA-PSK-RC4-SHA',
  0x0093: 'RSA-PSK-3DES-EDE-CBC-SHA',
  // SEED
  0x0096: 'SEED-SHA',
  0x0097: 'DH-DSS-SEED-SHA',
  0x0098: 'DH-RSA-SEED-SHA',
  0x0099: 'DHE-DSS-SEED-SHA',
  0x009a: 'DHE-RSA-SEED-SHA',
  0x009b: 'ADH-SEED-SHA',
  0x00a0: 'DH-RSA-AES128-GCM-SHA256',
  0x00a1: 'DH-RSA-AES256-GCM-SHA384',
  0x00a4: 'DH-DSS-AES128-GCM-SHA256',
  0x00a5: 'DH-DSS-AES256-GCM-SHA384',
  0x00bb: 'DH-DSS-CAMELLIA128-SHA256',
  0x00bc: 'DH-RSA-CAMELLIA128-SHA256',
  0x00c1: 'DH-DSS-CAMELLIA256-SHA256',
  0x00c2: 'DH-RSA-CAMELLIA256-SHA256',
  // static ECDH, ECDHE with RC4/3DES
  0xc001: 'ECDH-ECDSA-NULL-SHA',
  0xc002: 'ECDH-ECDSA-RC4-SHA',
  0xc003: 'ECDH-ECDSA-DES-CBC3-SHA',
  0xc004: 'ECDH-ECDSA-AES128-SHA',
  0xc005: 'ECDH-ECDSA-AES256-SHA',
  0xc007: 'ECDHE-ECDSA-RC4-SHA',
  0xc008: 'ECDHE-ECDSA-DES-CBC3-SHA',
  0xc00b: 'ECDH-RSA-NULL-SHA',
  0xc00c: 'ECDH-RSA-RC4-SHA',
  0xc00d: 'ECDH-RSA-DES-CBC3-SHA',
  0xc00e: 'ECDH-RSA-AES128-SHA',
  0xc00f: 'ECDH-RSA-AES256-SHA',
  0xc011: 'ECDHE-RSA-RC4-SHA',
  0xc012: 'ECDHE-RSA-DES-CBC3-SHA',
  0xc016: 'AECDH-RC4-SHA',
  0xc017: 'AECDH-DES-CBC3-SHA',
  0xc01a: 'SRP-3DES-EDE-CBC-SHA',
  0xc01b: 'SRP-RSA-3DES-EDE-CBC-SHA',
  0xc01c: 'SRP-DSS-3DES-EDE-CBC-SHA',
  0xc025: 'ECDH-ECDSA-AES128-SHA256',
  0xc026: 'ECDH-ECDSA-AES256-SHA384',
  0xc029: 'ECDH-RSA-AES128-SHA256',
  0xc02a: 'ECDH-RSA-AES256-SHA384',
  0xc02d: 'ECDH-ECDSA-AES128-GCM-SHA256',
  0xc02e: 'ECDH-ECDSA-AES256-GCM-SHA384',
  0xc031: 'ECDH-RSA-AES128-GCM-SHA256',
  0xc032: 'ECDH-RSA-AES256-GCM-SHA384',
  0xc033: 'ECDHE-PSK-RC4-SHA',
  0xc034: 'ECDHE-PSK-3DES-EDE-CBC-SHA',
  // ARIA-GCM with static DH/ECDH or anonymous DH (names defined in OpenSSL's tls1.h)
  0xc054: 'DH-RSA-ARIA128-GCM-SHA256',
  0xc055: 'DH-RSA-ARIA256-GCM-SHA384',
  0xc058: 'DH-DSS-ARIA128-GCM-SHA256',
  0xc059: 'DH-DSS-ARIA256-GCM-SHA384',
  0xc05a: 'ADH-ARIA128-GCM-SHA256',
  0xc05b: 'ADH-ARIA256-GCM-SHA384',
  0xc05e: 'ECDH-ECDSA-ARIA128-GCM-SHA256',
  0xc05f: 'ECDH-ECDSA-ARIA256-GCM-SHA384',
  0xc062: 'ECDH-ARIA128-GCM-SHA256',
  0xc063: 'ECDH-ARIA256-GCM-SHA384',
  0xc074: 'ECDH-ECDSA-CAMELLIA128-SHA256',
  0xc075: 'ECDH-ECDSA-CAMELLIA256-SHA384',
  0xc078: 'ECDH-RSA-CAMELLIA128-SHA256',
  0xc079: 'ECDH-RSA-CAMELLIA256-SHA384',
  // GOST R 34.10-2012 suites of RFC 9189 (OpenSSL >= 1.1.1 with the gost engine)
  0xc100: 'GOST2012-KUZNYECHIK-KUZNYECHIKOMAC',
  0xc101: 'GOST2012-MAGMA-MAGMAOMAC',
  0xc102: 'IANA-GOST2012-GOST8912-GOST8912',
  // TLS 1.3 suites OpenSSL implements but leaves out of its default TLS 1.3 list (so `openssl ciphers` omits them)
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
  // pre-RFC 7905 ChaCha20-Poly1305 (BoringSSL, LibreSSL, Cloudflare's OpenSSL patch), not in the IANA registry
  0xcc13: 'ECDHE-RSA-CHACHA20-POLY1305-OLD',
  0xcc14: 'ECDHE-ECDSA-CHACHA20-POLY1305-OLD',
  0xcc15: 'DHE-RSA-CHACHA20-POLY1305-OLD',
};

/**
 * Deployed suites that are not in the IANA registry (0x0060-0x0066 sit in a range IANA reserves "to avoid conflicts
 * with widely deployed implementations"; 0x0080-0x0083 in an unassigned one; 0xCC13-0xCC15 are the pre-RFC 7905
 * ChaCha20 code points). Kept because servers in the wild negotiate them and a scanner must be able to name them.
 * Names as in draft-ietf-tls-56-bit-ciphersuites, draft-chudov-cryptopro-cptls and testssl.sh.
 */
const EXTRA_SUITES = [
  [0x0060, 'TLS_RSA_EXPORT1024_WITH_RC4_56_MD5'],
  [0x0061, 'TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5'],
  [0x0062, 'TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA'],
  [0x0063, 'TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA'],
  [0x0064, 'TLS_RSA_EXPORT1024_WITH_RC4_56_SHA'],
  [0x0065, 'TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA'],
  [0x0066, 'TLS_DHE_DSS_WITH_RC4_128_SHA'],
  [0x0080, 'TLS_GOSTR341094_WITH_28147_CNT_IMIT'],
  [0x0081, 'TLS_GOSTR341001_WITH_28147_CNT_IMIT'],
  [0x0082, 'TLS_GOSTR341094_WITH_NULL_GOSTR3411'],
  [0x0083, 'TLS_GOSTR341001_WITH_NULL_GOSTR3411'],
  [0xcc13, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD'],
  [0xcc14, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD'],
  [0xcc15, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD'],
];

// ---------------------------------------------------------------------------------------------------------------
// The IANA name parser
// ---------------------------------------------------------------------------------------------------------------

/**
 * Key-exchange part of a TLS <= 1.2 name (between "TLS_" and "_WITH_", without _EXPORT/_EXPORT1024).
 * minProtocol, where given, is a floor that the key exchange itself sets.
 */
const KEY_EXCHANGES = {
  NULL: { keyExchange: 'NULL', authentication: 'NULL' },
  RSA: { keyExchange: 'RSA', authentication: 'RSA' },
  DH_DSS: { keyExchange: 'DH', authentication: 'DSS' },
  DH_RSA: { keyExchange: 'DH', authentication: 'RSA' },
  DHE_DSS: { keyExchange: 'DHE', authentication: 'DSS' },
  DHE_RSA: { keyExchange: 'DHE', authentication: 'RSA' },
  // Anonymous DH: ephemeral parameters (a ServerKeyExchange like DHE's), no authentication.
  DH_anon: { keyExchange: 'DHE', authentication: 'anon' },
  ECDH_ECDSA: { keyExchange: 'ECDH', authentication: 'ECDSA' },
  ECDH_RSA: { keyExchange: 'ECDH', authentication: 'RSA' },
  ECDHE_ECDSA: { keyExchange: 'ECDHE', authentication: 'ECDSA' },
  ECDHE_RSA: { keyExchange: 'ECDHE', authentication: 'RSA' },
  ECDH_anon: { keyExchange: 'ECDHE', authentication: 'anon' },
  KRB5: { keyExchange: 'KRB5', authentication: 'KRB5' },
  PSK: { keyExchange: 'PSK', authentication: 'PSK' },
  DHE_PSK: { keyExchange: 'DHE_PSK', authentication: 'PSK' },
  PSK_DHE: { keyExchange: 'DHE_PSK', authentication: 'PSK' }, // RFC 6655's spelling for 0xC0AA/0xC0AB
  RSA_PSK: { keyExchange: 'RSA_PSK', authentication: 'RSA' }, // the server authenticates with an RSA certificate
  ECDHE_PSK: { keyExchange: 'ECDHE_PSK', authentication: 'PSK' },
  SRP_SHA: { keyExchange: 'SRP', authentication: 'SRP' },
  SRP_SHA_RSA: { keyExchange: 'SRP', authentication: 'RSA' },
  SRP_SHA_DSS: { keyExchange: 'SRP', authentication: 'DSS' },
  ECCPWD: { keyExchange: 'ECCPWD', authentication: 'ECCPWD', minProtocol: 'TLSv1.2' }, // RFC 8492
  GOSTR341112_256: { keyExchange: 'GOST', authentication: 'GOST', minProtocol: 'TLSv1.2' }, // RFC 9189
  GOSTR341094: { keyExchange: 'GOST', authentication: 'GOST', minProtocol: 'TLSv1.0' }, // draft-chudov-cryptopro-cptls
  GOSTR341001: { keyExchange: 'GOST', authentication: 'GOST', minProtocol: 'TLSv1.0' },
};

const PSK_FAMILY = new Set(['PSK', 'DHE_PSK', 'RSA_PSK', 'ECDHE_PSK']);

function cipher(encryption, bits, effectiveBits, opts = {}) {
  return {
    encryption,
    bits,
    effectiveBits,
    aead: opts.aead ?? false,
    cbc: opts.cbc ?? false,
    blockSize64: opts.blockSize64 ?? false,
    rc4: opts.rc4 ?? false,
  };
}

/**
 * Bulk ciphers, keyed by their spelling in suite names (the KRB5 export suites spell DES40_CBC as DES_CBC_40).
 * bits: nominal key bits; effectiveBits: strength (3DES 112).
 */
const CBC = { cbc: true };
const CBC64 = { cbc: true, blockSize64: true };
const AEAD = { aead: true };
const CIPHERS = {
  NULL: cipher('NULL', 0, 0),
  RC4_40: cipher('RC4_40', 40, 40, { rc4: true }),
  RC4_56: cipher('RC4_56', 56, 56, { rc4: true }),
  RC4_128: cipher('RC4_128', 128, 128, { rc4: true }),
  RC2_CBC_40: cipher('RC2_CBC_40', 40, 40, CBC64),
  RC2_CBC_56: cipher('RC2_CBC_56', 56, 56, CBC64),
  IDEA_CBC: cipher('IDEA_CBC', 128, 128, CBC64),
  DES40_CBC: cipher('DES40_CBC', 40, 40, CBC64),
  DES_CBC_40: cipher('DES40_CBC', 40, 40, CBC64),
  DES_CBC: cipher('DES_CBC', 56, 56, CBC64),
  '3DES_EDE_CBC': cipher('3DES_EDE_CBC', 168, 112, CBC64),
  SEED_CBC: cipher('SEED_CBC', 128, 128, CBC),
  AES_128_CBC: cipher('AES_128_CBC', 128, 128, CBC),
  AES_256_CBC: cipher('AES_256_CBC', 256, 256, CBC),
  CAMELLIA_128_CBC: cipher('CAMELLIA_128_CBC', 128, 128, CBC),
  CAMELLIA_256_CBC: cipher('CAMELLIA_256_CBC', 256, 256, CBC),
  ARIA_128_CBC: cipher('ARIA_128_CBC', 128, 128, CBC),
  ARIA_256_CBC: cipher('ARIA_256_CBC', 256, 256, CBC),
  AES_128_GCM: cipher('AES_128_GCM', 128, 128, AEAD),
  AES_256_GCM: cipher('AES_256_GCM', 256, 256, AEAD),
  AES_128_CCM: cipher('AES_128_CCM', 128, 128, AEAD),
  AES_256_CCM: cipher('AES_256_CCM', 256, 256, AEAD),
  AES_128_CCM_8: cipher('AES_128_CCM_8', 128, 128, AEAD),
  AES_256_CCM_8: cipher('AES_256_CCM_8', 256, 256, AEAD),
  CAMELLIA_128_GCM: cipher('CAMELLIA_128_GCM', 128, 128, AEAD),
  CAMELLIA_256_GCM: cipher('CAMELLIA_256_GCM', 256, 256, AEAD),
  ARIA_128_GCM: cipher('ARIA_128_GCM', 128, 128, AEAD),
  ARIA_256_GCM: cipher('ARIA_256_GCM', 256, 256, AEAD),
  CHACHA20_POLY1305: cipher('CHACHA20_POLY1305', 256, 256, AEAD),
  // TLS 1.3 only
  AEGIS_128L: cipher('AEGIS_128L', 128, 128, AEAD),
  AEGIS_256: cipher('AEGIS_256', 256, 256, AEAD),
  SM4_GCM: cipher('SM4_GCM', 128, 128, AEAD),
  SM4_CCM: cipher('SM4_CCM', 128, 128, AEAD),
  // GOST: Kuznyechik (GOST R 34.12-2015, 128-bit block), Magma and GOST 28147-89 (64-bit block), 256-bit keys
  KUZNYECHIK_CTR: cipher('KUZNYECHIK_CTR', 256, 256),
  MAGMA_CTR: cipher('MAGMA_CTR', 256, 256, { blockSize64: true }),
  '28147_CNT': cipher('GOST28147_CNT', 256, 256, { blockSize64: true }),
  KUZNYECHIK_MGM_L: cipher('KUZNYECHIK_MGM_L', 256, 256, AEAD),
  KUZNYECHIK_MGM_S: cipher('KUZNYECHIK_MGM_S', 256, 256, AEAD),
  MAGMA_MGM_L: cipher('MAGMA_MGM_L', 256, 256, { aead: true, blockSize64: true }),
  MAGMA_MGM_S: cipher('MAGMA_MGM_S', 256, 256, { aead: true, blockSize64: true }),
};

/** Record MAC suffixes of TLS <= 1.2 names. */
const MACS = new Set(['NULL', 'MD5', 'SHA', 'SHA256', 'SHA384', 'OMAC', 'IMIT', 'GOSTR3411']);
/** PRF / handshake hash suffixes that may follow an AEAD cipher. */
const AEAD_HASHES = new Set(['', 'SHA256', 'SHA384', 'SM3']);

const fail = (name, why) => {
  throw new Error(`cannot parse cipher suite name ${name}: ${why}`);
};

/** Splits "<cipher>[_<suffix>]" into the one known cipher it starts with and the suffix, or returns null. */
function splitCipher(name, text, acceptSuffix) {
  const found = [];
  for (const [spelling, c] of Object.entries(CIPHERS)) {
    let suffix;
    if (text === spelling) suffix = '';
    else if (text.startsWith(`${spelling}_`)) suffix = text.slice(spelling.length + 1);
    else continue;
    if (acceptSuffix(c, suffix)) found.push({ cipher: c, suffix });
  }
  if (found.length > 1) fail(name, `ambiguous cipher/MAC ${text}`);
  return found[0] ?? null;
}

/** Derives every property of a suite from its IANA name. Throws on a name it does not understand. */
export function parseSuiteName(name) {
  if (!name.startsWith('TLS_')) fail(name, 'no TLS_ prefix');
  let body = name.slice(4);
  if (body.endsWith('_OLD')) body = body.slice(0, -4); // pre-RFC ChaCha20 code points: same algorithms

  const withAt = body.indexOf('_WITH_');
  let kx;
  let cipherText;
  let exportSuite = false;
  let tls13 = false;
  if (withAt < 0) {
    // TLS 1.3: TLS_<AEAD>_<HASH> (RFC 8446, 8998, AEGIS draft) or integrity-only TLS_<HMAC>_<HASH> (RFC 9150).
    tls13 = true;
    kx = { keyExchange: 'ANY', authentication: 'ANY' };
    cipherText = body;
  } else {
    let kxText = body.slice(0, withAt);
    cipherText = body.slice(withAt + '_WITH_'.length);
    const exp = /_EXPORT(1024)?$/.exec(kxText);
    if (exp) {
      exportSuite = true;
      kxText = kxText.slice(0, exp.index);
    }
    kx = KEY_EXCHANGES[kxText];
    if (!kx) fail(name, `unknown key exchange ${kxText}`);
    // GOST TLS 1.3 suites keep the TLS 1.2 naming pattern: TLS_GOSTR341112_256_WITH_<cipher>_MGM_{L,S} (RFC 9367).
    if (kxText === 'GOSTR341112_256' && /_MGM_[LS]$/.test(cipherText)) {
      tls13 = true;
      kx = { keyExchange: 'ANY', authentication: 'ANY' };
    }
  }

  let c;
  let mac;
  if (tls13 && /^SHA(256|384)_SHA(256|384)$/.test(cipherText)) {
    // RFC 9150 integrity-only suites: HMAC, no encryption.
    const [h] = cipherText.split('_');
    c = CIPHERS.NULL;
    mac = h;
  } else {
    const found = splitCipher(name, cipherText, (ci, suffix) =>
      ci.aead ? AEAD_HASHES.has(suffix) && (suffix !== '' || !tls13 || ci.encryption.includes('MGM')) : !tls13 && MACS.has(suffix) && suffix !== '',
    );
    if (!found) fail(name, `unknown cipher/MAC ${cipherText}`);
    c = found.cipher;
    mac = c.aead ? 'AEAD' : found.suffix;
  }

  let minProtocol;
  if (tls13) minProtocol = 'TLSv1.3';
  else if (kx.minProtocol === 'TLSv1.2' || c.aead) minProtocol = 'TLSv1.2';
  else if (mac === 'SHA256' || mac === 'SHA384') {
    // SHA-256/384 HMAC suites need TLS 1.2's PRF, except the PSK ones (RFC 5487, 5489, 6367), which define their use
    // with TLS 1.0/1.1 (and OpenSSL allows them there).
    minProtocol = PSK_FAMILY.has(kx.keyExchange) ? 'TLSv1.0' : 'TLSv1.2';
  } else minProtocol = kx.minProtocol ?? 'SSLv3';

  const anonymous = kx.authentication === 'anon';
  const ephemeral = ['DHE', 'ECDHE', 'DHE_PSK', 'ECDHE_PSK'].includes(kx.keyExchange);
  const suite = {
    keyExchange: kx.keyExchange,
    authentication: kx.authentication,
    encryption: c.encryption,
    bits: c.bits,
    effectiveBits: c.effectiveBits,
    mac,
    aead: c.aead,
    blockSize64: c.blockSize64,
    cbc: c.cbc,
    forwardSecrecy: tls13 || (ephemeral && !anonymous),
    anonymous,
    null: c.encryption === 'NULL',
    export: exportSuite,
    rc4: c.rc4,
    minProtocol,
    tls13,
  };
  if (suite.export && suite.effectiveBits > 56) fail(name, 'export suite with a cipher stronger than 56 bits');
  return suite;
}

// ---------------------------------------------------------------------------------------------------------------
// Input parsing
// ---------------------------------------------------------------------------------------------------------------

/** RFC 4180 CSV (quoted fields may hold commas, doubled quotes and line breaks). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const hex4 = (code) => `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
const codeLiteral = (code) => `0x${code.toString(16).padStart(4, '0')}`;

function readIana(csvText) {
  const rows = parseCsv(csvText);
  const header = rows.shift();
  if (header?.[0] !== 'Value' || header[1] !== 'Description' || header[3] !== 'Recommended') {
    throw new Error(`unexpected CSV header: ${JSON.stringify(header)}`);
  }
  const suites = [];
  const signalling = [];
  const reserved = new Set();
  for (const [value = '', description = '', , recommended = ''] of rows) {
    const m = /^0x([0-9A-F]{2}),0x([0-9A-F]{2})$/i.exec(value.trim());
    const desc = description.trim();
    if (!m) continue; // ranges ("0x00,0x1C-1D", "0x01-09,*"): unassigned / reserved
    const code = (parseInt(m[1], 16) << 8) | parseInt(m[2], 16);
    if (!desc.startsWith('TLS_')) {
      if (/^Reserved/.test(desc)) reserved.add(code);
      continue; // Unassigned / Reserved (incl. the GREASE values)
    }
    const rec = recommended.trim();
    if (!['Y', 'N', 'D', ''].includes(rec)) throw new Error(`unexpected Recommended value ${rec} for ${desc}`);
    if (desc.endsWith('_SCSV')) signalling.push({ code, name: desc, recommended: rec });
    else suites.push({ code, name: desc, recommended: rec });
  }
  return { suites, signalling, reserved };
}

function readOpensslNames(tsvText) {
  const names = new Map();
  for (const line of tsvText.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [hex, standardName, opensslName] = line.split('\t');
    if (!/^0x[0-9A-F]{4}$/.test(hex ?? '') || !standardName || !opensslName) throw new Error(`bad openssl-names.tsv line: ${line}`);
    names.set(parseInt(hex, 16), { standardName, opensslName });
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------------

const q = (s) => (s === null ? 'null' : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

function suiteLine(s) {
  return (
    `  { code: ${codeLiteral(s.code)}, hex: ${q(s.hex)}, name: ${q(s.name)}, openssl: ${q(s.openssl)}, ` +
    `keyExchange: ${q(s.keyExchange)}, authentication: ${q(s.authentication)}, encryption: ${q(s.encryption)}, ` +
    `bits: ${s.bits}, effectiveBits: ${s.effectiveBits}, mac: ${q(s.mac)}, aead: ${s.aead}, blockSize64: ${s.blockSize64}, ` +
    `cbc: ${s.cbc}, forwardSecrecy: ${s.forwardSecrecy}, anonymous: ${s.anonymous}, null: ${s.null}, export: ${s.export}, ` +
    `rc4: ${s.rc4}, minProtocol: ${q(s.minProtocol)}, tls13: ${s.tls13}, recommended: ${q(s.recommended)}, iana: ${s.iana} },`
  );
}

export function generate(csvText, tsvText) {
  const { suites: ianaSuites, signalling, reserved } = readIana(csvText);
  const opensslNames = readOpensslNames(tsvText);

  // GREASE (RFC 8701) code points must be reserved in the registry, never assigned.
  for (let i = 0; i < 16; i++) {
    const g = (((i << 4) | 0x0a) << 8) | (i << 4) | 0x0a;
    if (!reserved.has(g)) throw new Error(`GREASE value ${hex4(g)} is not marked Reserved in the CSV`);
  }

  const byCode = new Map();
  for (const s of ianaSuites) {
    if (byCode.has(s.code)) throw new Error(`duplicate code ${hex4(s.code)}`);
    byCode.set(s.code, { ...s, iana: true });
  }
  for (const [code, name] of EXTRA_SUITES) {
    if (byCode.has(code)) throw new Error(`extra suite ${name} collides with IANA's ${byCode.get(code).name}`);
    byCode.set(code, { code, name, recommended: '', iana: false });
  }

  for (const [code, { standardName }] of opensslNames) {
    const s = byCode.get(code);
    if (!s) throw new Error(`openssl-names.tsv lists ${hex4(code)} ${standardName}, which is not a known suite`);
    if (s.name !== standardName) throw new Error(`openssl-names.tsv calls ${hex4(code)} ${standardName}, IANA ${s.name}`);
  }
  for (const code of Object.keys(LEGACY_OPENSSL_NAMES).map(Number)) {
    if (!byCode.has(code)) throw new Error(`LEGACY_OPENSSL_NAMES has ${hex4(code)}, which is not a known suite`);
    if (opensslNames.has(code)) throw new Error(`LEGACY_OPENSSL_NAMES repeats ${hex4(code)}, listed in openssl-names.tsv`);
  }

  const out = [...byCode.values()]
    .sort((a, b) => a.code - b.code)
    .map((s) => ({
      code: s.code,
      hex: hex4(s.code),
      name: s.name,
      openssl: opensslNames.get(s.code)?.opensslName ?? LEGACY_OPENSSL_NAMES[s.code] ?? null,
      ...parseSuiteName(s.name),
      recommended: s.recommended,
      iana: s.iana,
    }));
  const opensslSeen = new Map();
  for (const s of out) {
    if (s.openssl === null) continue;
    if (opensslSeen.has(s.openssl)) throw new Error(`OpenSSL name ${s.openssl} used twice`);
    opensslSeen.set(s.openssl, s.code);
  }

  const csvSha256 = createHash('sha256').update(csvText).digest('hex');
  const tsvSha256 = createHash('sha256').update(tsvText).digest('hex');
  const lines = [
    '// GENERATED FILE - DO NOT EDIT. Regenerate with:',
    '//   node scripts/generate-registry.mjs [path/to/iana-tls-cipher-suites.csv]',
    '// (the CSV defaults to scripts/data/iana-tls-cipher-suites.csv, a copy of the IANA registry).',
    '//',
    '// Generated from:',
    `//   - the IANA "TLS Cipher Suites" registry, iana-tls-cipher-suites.csv (sha256 ${csvSha256});`,
    `//   - OpenSSL names: scripts/data/openssl-names.tsv (sha256 ${tsvSha256})`,
    '//     and the LEGACY_OPENSSL_NAMES table in the generator;',
    '//   - the EXTRA_SUITES table in the generator (deployed suites that IANA never assigned: iana: false).',
    '// Every other property is derived from the IANA name by parseSuiteName() in the generator.',
    `// ${out.length} suites (${out.filter((s) => s.iana).length} IANA), ${signalling.length} signalling values; sorted by code.`,
    '',
    "import type { CipherSuite, SignallingSuite } from './types.js';",
    '',
    '/** Every negotiable cipher suite, sorted by code (signalling values excluded: see SIGNALLING_SUITES). */',
    'export const CIPHER_SUITES: readonly CipherSuite[] = [',
    ...out.map(suiteLine),
    '];',
    '',
    '/** Signalling cipher suite values (RFC 5746, RFC 7507): sent by clients, never negotiated. */',
    'export const SIGNALLING_SUITES: readonly SignallingSuite[] = [',
    ...signalling
      .sort((a, b) => a.code - b.code)
      .map((s) => `  { code: ${codeLiteral(s.code)}, hex: ${q(hex4(s.code))}, name: ${q(s.name)}, scsv: true, recommended: ${q(s.recommended)} },`),
    '];',
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------------------------

function main(argv) {
  let csvPath = DEFAULT_CSV;
  let outPath = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error('--out needs a file');
      outPath = path.resolve(v);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node scripts/generate-registry.mjs [iana-tls-cipher-suites.csv] [--out FILE]\n');
      return;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else csvPath = path.resolve(a);
  }
  const text = generate(readFileSync(csvPath, 'utf8'), readFileSync(OPENSSL_TSV, 'utf8'));
  writeFileSync(outPath, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), outPath) || outPath}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate-registry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
