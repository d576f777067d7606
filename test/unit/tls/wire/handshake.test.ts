import fc from 'fast-check';
import { ByteWriter } from '../../../../src/tls/wire/bytes.js';
import { ALERT_DESCRIPTIONS, HELLO_RETRY_REQUEST_RANDOM } from '../../../../src/tls/wire/constants.js';
import type { TlsParseError } from '../../../../src/tls/wire/errors.js';
import {
  bitLength,
  downgradeSentinel,
  isDowngradeSentinel,
  parseAlert,
  parseCertificate,
  parseCertificateMessage,
  parseCertificateRequest,
  parseServerHello,
  parseServerKeyExchange,
  parseSslv2Error,
  parseSslv2ServerHello,
} from '../../../../src/tls/wire/handshake.js';
import { onlyTlsParseError } from './helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const ERROR_CODES = ['truncated', 'malformed', 'too_large', 'unexpected'];

function errorOf(fn: () => unknown): TlsParseError {
  const err = onlyTlsParseError(fn);
  if (err === null) throw new Error('expected a TlsParseError');
  return err;
}

type Ext = [number, Uint8Array];
function serverHello(opts: { version?: number; random?: Uint8Array; sessionId?: Uint8Array; suite?: number; exts?: Ext[] | null }): Buffer {
  const w = new ByteWriter()
    .u16(opts.version ?? 0x0303)
    .bytes(opts.random ?? Buffer.alloc(32, 0x42))
    .vec8(opts.sessionId ?? new Uint8Array(0))
    .u16(opts.suite ?? 0xc02f)
    .u8(0);
  if (opts.exts !== null)
    w.vec16((l) => {
      for (const [t, d] of opts.exts ?? []) l.u16(t).vec16(d);
    });
  return w.toBuffer();
}

const TLS13_SH = serverHello({
  sessionId: Buffer.alloc(32, 9),
  suite: 0x1301,
  exts: [
    [43, hex('0304')],
    [51, Buffer.concat([hex('001d 0020'), Buffer.alloc(32, 5)])],
  ],
});
const TLS12_SH = serverHello({
  exts: [
    [0xff01, hex('00')],
    [23, hex('')],
    [22, hex('')],
    [35, hex('')],
    [11, hex('02 00 01')],
    [16, hex('000c 0b 786d70702d636c69656e74')], // "xmpp-client"
  ],
});
const CERT12 = new ByteWriter().vec24((l) => l.vec24(hex('3003020101')).vec24(hex('3003020102'))).toBuffer();
const CERT13 = new ByteWriter()
  .vec8(hex('abcd'))
  .vec24((l) =>
    l
      .vec24(hex('3003020101'))
      .vec16((e) => e.u16(5).vec16(hex('01 000003 aabbcc')))
      .vec24(hex('3003020102'))
      .vec16(new Uint8Array(0)),
  )
  .toBuffer();
const SKE_DHE = new ByteWriter().vec16(hex('00 ff ff')).vec16(hex('02')).vec16(hex('1234')).u16(0x0401).vec16(hex('beef')).toBuffer();
const SKE_ECDHE = new ByteWriter()
  .u8(3)
  .u16(0x0017)
  .vec8(Buffer.concat([hex('04'), Buffer.alloc(64, 1)]))
  .u16(0x0403)
  .vec16(hex('30'))
  .toBuffer();
const CR12 = new ByteWriter()
  .vec8(hex('01 40'))
  .vec16(hex('0401 0403'))
  .vec16((l) => l.vec16(hex('3000')).vec16(hex('3100')))
  .toBuffer();
const CR11 = new ByteWriter()
  .vec8(hex('01'))
  .vec16((l) => l.vec16(hex('300b3109')))
  .toBuffer();
const SSL2_SERVER_HELLO = hex(`
  04                # SSL2_MT_SERVER_HELLO
  00                # session-id-hit
  01                # certificate type: X.509
  0002              # server version
  0005              # certificate length
  0006              # cipher specs length
  0010              # connection id length
  3003020105        # certificate
  010080 0700c0     # cipher specs
  00112233445566778899aabbccddeeff  # connection id
`);

describe('parseServerHello', () => {
  it('reads a TLS 1.3 ServerHello', () => {
    const sh = parseServerHello(TLS13_SH);
    expect(sh).toMatchObject({
      version: 0x0303,
      selectedVersion: 0x0304,
      cipherSuite: 0x1301,
      compressionMethod: 0,
      isHelloRetryRequest: false,
      keyShareGroup: 0x001d,
      secureRenegotiation: false,
      extendedMasterSecret: false,
      alpn: null,
      downgradeSentinel: null,
    });
    expect(sh.sessionId).toEqual(Buffer.alloc(32, 9));
    expect(sh.keyShare).toEqual(Buffer.alloc(32, 5));
    expect([...sh.extensions.keys()]).toEqual([43, 51]);
  });

  it('reads TLS 1.2 extensions: renegotiation_info, EMS, ETM, ticket, point formats, ALPN', () => {
    const sh = parseServerHello(TLS12_SH);
    expect(sh).toMatchObject({
      selectedVersion: 0x0303,
      secureRenegotiation: true,
      extendedMasterSecret: true,
      encryptThenMac: true,
      sessionTicket: true,
      ecPointFormats: [0, 1],
      alpn: 'xmpp-client',
      keyShareGroup: null,
      keyShare: null,
    });
  });

  it('reads an SSLv3 ServerHello without an extensions block', () => {
    const sh = parseServerHello(serverHello({ version: 0x0300, suite: 0x000a, exts: null }));
    expect(sh).toMatchObject({ version: 0x0300, selectedVersion: 0x0300, cipherSuite: 0x000a, secureRenegotiation: false });
    expect(sh.extensions.size).toBe(0);
  });

  it('recognises a HelloRetryRequest and its selected group', () => {
    const hrr = parseServerHello(
      serverHello({
        random: HELLO_RETRY_REQUEST_RANDOM,
        suite: 0x1302,
        exts: [
          [43, hex('0304')],
          [51, hex('0017')],
          [44, hex('0003 aabbcc')],
        ],
      }),
    );
    expect(hrr).toMatchObject({ isHelloRetryRequest: true, selectedVersion: 0x0304, keyShareGroup: 0x0017, keyShare: null, downgradeSentinel: null });
    expect(hrr.extensions.get(44)).toEqual(hex('0003aabbcc'));
  });

  it('reports the downgrade sentinels', () => {
    const random = (last: string): Buffer => Buffer.concat([Buffer.alloc(24, 7), hex(`444F574E475244${last}`)]);
    expect(parseServerHello(serverHello({ random: random('01') })).downgradeSentinel).toBe('tls12');
    expect(parseServerHello(serverHello({ random: random('00') })).downgradeSentinel).toBe('tls11');
    expect(downgradeSentinel(random('02'))).toBeNull();
    expect(isDowngradeSentinel(random('01'))).toBe(true);
    expect(isDowngradeSentinel(random('00'))).toBe(true);
    expect(isDowngradeSentinel(Buffer.alloc(32))).toBe(false);
    expect(isDowngradeSentinel(hex('444F574E47524401'))).toBe(false); // not a 32-byte random
  });

  it('rejects malformed ServerHellos with the right code', () => {
    expect(errorOf(() => parseServerHello(TLS13_SH.subarray(0, 20))).code).toBe('truncated');
    expect(errorOf(() => parseServerHello(Buffer.concat([TLS13_SH, hex('00')]))).code).toBe('malformed');
    expect(errorOf(() => parseServerHello(Buffer.concat([TLS13_SH.subarray(0, 2 + 32 + 1 + 32 + 3), hex('00')]))).code).toBe('truncated');
    expect(
      errorOf(() =>
        parseServerHello(
          serverHello({
            exts: [
              [23, hex('')],
              [23, hex('')],
            ],
          }),
        ),
      ).message,
    ).toMatch(/duplicate extension 23/);
    expect(errorOf(() => parseServerHello(serverHello({ exts: [[43, hex('030403')]] }))).code).toBe('malformed');
    expect(errorOf(() => parseServerHello(serverHello({ exts: [[43, hex('03')]] }))).code).toBe('truncated');
    expect(errorOf(() => parseServerHello(serverHello({ exts: [[51, hex('001d 0000')]] }))).code).toBe('malformed');
    expect(errorOf(() => parseServerHello(serverHello({ sessionId: Buffer.alloc(33) }))).code).toBe('malformed');
    expect(errorOf(() => parseServerHello(serverHello({ exts: [[16, hex('0001 00')]] }))).code).toBe('malformed');
  });
});

describe('parseCertificate', () => {
  it('reads the TLS ≤ 1.2 list', () => {
    expect(parseCertificate(CERT12)).toEqual([hex('3003020101'), hex('3003020102')]);
    expect(parseCertificate(hex('000000'))).toEqual([]);
  });

  it('reads the TLS 1.3 form with context and per-entry extensions', () => {
    const msg = parseCertificateMessage(CERT13, true);
    expect(msg.context).toEqual(hex('abcd'));
    expect(msg.entries.map((e) => e.data)).toEqual([hex('3003020101'), hex('3003020102')]);
    expect(msg.entries[0]!.extensions.get(5)).toEqual(hex('01000003aabbcc'));
    expect(msg.entries[1]!.extensions.size).toBe(0);
    expect(parseCertificate(CERT13, true)).toHaveLength(2);
  });

  it('rejects empty entries, overruns and trailing bytes', () => {
    expect(errorOf(() => parseCertificate(hex('000003 000000'))).code).toBe('malformed');
    expect(errorOf(() => parseCertificate(hex('000010 000001 30'))).code).toBe('truncated');
    expect(errorOf(() => parseCertificate(hex('000005 000001 30 ff'))).code).toBe('truncated');
    expect(errorOf(() => parseCertificate(Buffer.concat([CERT12, hex('00')]))).code).toBe('malformed');
    expect(errorOf(() => parseCertificate(CERT12, true)).code).toBe('truncated');
  });
});

describe('parseServerKeyExchange', () => {
  it('reads DHE parameters and measures the prime from its first non-zero bit', () => {
    const kx = parseServerKeyExchange(SKE_DHE, 'dhe');
    expect(kx).toMatchObject({ kind: 'dhe', primeBits: 16 });
    expect(kx.p).toEqual(hex('00ffff'));
    expect(kx.g).toEqual(hex('02'));
    expect(kx.ys).toEqual(hex('1234'));
    expect(kx.rest).toEqual(hex('0401 0002 beef'));
  });

  it('reads ECDHE named-curve parameters and tolerates explicit curves', () => {
    const kx = parseServerKeyExchange(SKE_ECDHE, 'ecdhe');
    expect(kx).toMatchObject({ kind: 'ecdhe', curveType: 3, namedGroup: 0x0017 });
    expect(kx.publicKey).toHaveLength(65);
    expect(parseServerKeyExchange(hex('01 aabbcc'), 'ecdhe')).toMatchObject({ curveType: 1, namedGroup: null, publicKey: null });
  });

  it('rejects empty values, unknown curve types and truncation', () => {
    expect(errorOf(() => parseServerKeyExchange(hex('0000 0001 02 0001 05'), 'dhe')).code).toBe('malformed');
    expect(errorOf(() => parseServerKeyExchange(hex('03 0017 00'), 'ecdhe')).code).toBe('malformed');
    expect(errorOf(() => parseServerKeyExchange(hex('07'), 'ecdhe')).code).toBe('malformed');
    expect(errorOf(() => parseServerKeyExchange(hex('0100 ff'), 'dhe')).code).toBe('truncated');
  });

  it('bitLength counts from the first set bit', () => {
    expect(bitLength(hex(''))).toBe(0);
    expect(bitLength(hex('0000'))).toBe(0);
    expect(bitLength(hex('01'))).toBe(1);
    expect(bitLength(hex('0080'))).toBe(8);
    expect(bitLength(hex('00 0100'))).toBe(9);
    expect(bitLength(Buffer.concat([hex('7f'), Buffer.alloc(255, 0xff)]))).toBe(2047);
  });
});

describe('parseCertificateRequest', () => {
  it('reads the TLS 1.2 layout', () => {
    expect(parseCertificateRequest(CR12)).toEqual({
      certificateTypes: [1, 64],
      signatureAlgorithms: [0x0401, 0x0403],
      certificateAuthorities: [hex('3000'), hex('3100')],
    });
    expect(parseCertificateRequest(CR12, 0x0303).signatureAlgorithms).toEqual([0x0401, 0x0403]);
  });

  it('reads the TLS ≤ 1.1 layout, by version or by fit', () => {
    const expected = { certificateTypes: [1], signatureAlgorithms: null, certificateAuthorities: [hex('300b3109')] };
    expect(parseCertificateRequest(CR11, 0x0301)).toEqual(expected);
    expect(parseCertificateRequest(CR11)).toEqual(expected);
  });

  it('ignores trailing bytes but not truncation', () => {
    expect(parseCertificateRequest(Buffer.concat([CR12, hex('0000')]), 0x0303).certificateAuthorities).toHaveLength(2);
    expect(errorOf(() => parseCertificateRequest(CR12.subarray(0, CR12.length - 1), 0x0303)).code).toBe('truncated');
    expect(errorOf(() => parseCertificateRequest(hex('01 01 0003 0401 00'), 0x0303)).code).toBe('malformed');
  });
});

describe('parseAlert', () => {
  it('names every RFC alert description', () => {
    const expected: [number, string][] = [
      [0, 'close_notify'],
      [10, 'unexpected_message'],
      [20, 'bad_record_mac'],
      [21, 'decryption_failed'],
      [22, 'record_overflow'],
      [30, 'decompression_failure'],
      [40, 'handshake_failure'],
      [41, 'no_certificate'],
      [42, 'bad_certificate'],
      [43, 'unsupported_certificate'],
      [44, 'certificate_revoked'],
      [45, 'certificate_expired'],
      [46, 'certificate_unknown'],
      [47, 'illegal_parameter'],
      [48, 'unknown_ca'],
      [49, 'access_denied'],
      [50, 'decode_error'],
      [51, 'decrypt_error'],
      [60, 'export_restriction'],
      [70, 'protocol_version'],
      [71, 'insufficient_security'],
      [80, 'internal_error'],
      [86, 'inappropriate_fallback'],
      [90, 'user_canceled'],
      [100, 'no_renegotiation'],
      [109, 'missing_extension'],
      [110, 'unsupported_extension'],
      [111, 'certificate_unobtainable'],
      [112, 'unrecognized_name'],
      [113, 'bad_certificate_status_response'],
      [114, 'bad_certificate_hash_value'],
      [115, 'unknown_psk_identity'],
      [116, 'certificate_required'],
      [120, 'no_application_protocol'],
    ];
    for (const [code, name] of expected) expect(parseAlert(Uint8Array.of(2, code)).name).toBe(name);
    expect(ALERT_DESCRIPTIONS.size).toBe(expected.length + 1); // + ech_required
  });

  it('reads level and description; unknown codes get a generated name', () => {
    expect(parseAlert(hex('0228'))).toEqual({ level: 2, levelName: 'fatal', description: 40, name: 'handshake_failure' });
    expect(parseAlert(hex('0170'))).toEqual({ level: 1, levelName: 'warning', description: 112, name: 'unrecognized_name' });
    expect(parseAlert(hex('07ff'))).toEqual({ level: 7, levelName: 'unknown', description: 255, name: 'unknown_255' });
  });

  it('rejects fragments that are not exactly 2 bytes', () => {
    expect(errorOf(() => parseAlert(hex('02'))).code).toBe('truncated');
    expect(errorOf(() => parseAlert(hex(''))).code).toBe('truncated');
    expect(errorOf(() => parseAlert(Buffer.alloc(26))).code).toBe('malformed');
  });
});

describe('SSLv2 SERVER-HELLO', () => {
  const expected = {
    sessionIdHit: false,
    certificateType: 1,
    version: 0x0002,
    certificate: hex('3003020105'),
    cipherSpecs: [0x010080, 0x0700c0],
    connectionId: hex('00112233445566778899aabbccddeeff'),
  };

  it('parses a hand-built message, with or without its record header', () => {
    expect(parseSslv2ServerHello(SSL2_SERVER_HELLO)).toEqual(expected);
    const record = Buffer.concat([Buffer.from([0x80, SSL2_SERVER_HELLO.length]), SSL2_SERVER_HELLO]);
    expect(parseSslv2ServerHello(record)).toEqual(expected);
    const hit = Buffer.from(SSL2_SERVER_HELLO);
    hit[1] = 1;
    expect(parseSslv2ServerHello(hit).sessionIdHit).toBe(true);
  });

  it('reports an SSLv2 ERROR and rejects other message types and bad lengths', () => {
    expect(parseSslv2Error(hex('80 03 00 0001'))).toEqual({ code: 1, name: 'no_cipher' });
    const err = errorOf(() => parseSslv2ServerHello(hex('00 0001')));
    expect(err.code).toBe('unexpected');
    expect(err.message).toMatch(/no_cipher/);
    expect(errorOf(() => parseSslv2ServerHello(hex('05 00'))).code).toBe('unexpected');
    const badSpecs = Buffer.from(SSL2_SERVER_HELLO);
    badSpecs.writeUInt16BE(5, 7);
    expect(errorOf(() => parseSslv2ServerHello(badSpecs)).code).toBe('malformed');
    expect(errorOf(() => parseSslv2ServerHello(hex('80 20 04 00'))).code).toBe('truncated');
    expect(errorOf(() => parseSslv2ServerHello(Buffer.concat([SSL2_SERVER_HELLO, hex('00')]))).code).toBe('malformed');
  });
});

// Every parser, fed random bytes, truncations and corrupted length fields of valid messages:
// a result or a TlsParseError, nothing else.
const PARSERS: { name: string; parse: (b: Uint8Array) => unknown; sample: Buffer }[] = [
  { name: 'ServerHello (1.3)', parse: parseServerHello, sample: TLS13_SH },
  { name: 'ServerHello (1.2)', parse: parseServerHello, sample: TLS12_SH },
  { name: 'Certificate', parse: (b) => parseCertificate(b), sample: CERT12 },
  { name: 'Certificate (1.3)', parse: (b) => parseCertificate(b, true), sample: CERT13 },
  { name: 'ServerKeyExchange DHE', parse: (b) => parseServerKeyExchange(b, 'dhe'), sample: SKE_DHE },
  { name: 'ServerKeyExchange ECDHE', parse: (b) => parseServerKeyExchange(b, 'ecdhe'), sample: SKE_ECDHE },
  { name: 'CertificateRequest', parse: (b) => parseCertificateRequest(b), sample: CR12 },
  { name: 'CertificateRequest (1.1)', parse: (b) => parseCertificateRequest(b, 0x0302), sample: CR11 },
  { name: 'Alert', parse: parseAlert, sample: hex('0228') },
  { name: 'SSLv2 SERVER-HELLO', parse: parseSslv2ServerHello, sample: SSL2_SERVER_HELLO },
  { name: 'SSLv2 ERROR', parse: parseSslv2Error, sample: hex('0000 01') },
];

describe.each(PARSERS)('$name parser robustness', ({ parse, sample }) => {
  const outcome = (b: Uint8Array): string => {
    const err = onlyTlsParseError(() => parse(b));
    return err === null ? 'ok' : err.code;
  };

  it('parses its valid sample', () => {
    expect(outcome(sample)).toBe('ok');
  });

  it('random bytes: a result or a TlsParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        expect(['ok', ...ERROR_CODES]).toContain(outcome(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('every truncation: a result or a TlsParseError (truncated for most)', () => {
    const outcomes = Array.from({ length: sample.length }, (_, n) => outcome(sample.subarray(0, n)));
    for (const o of outcomes) expect(['ok', ...ERROR_CODES]).toContain(o);
    expect(outcomes.filter((o) => o === 'truncated').length).toBeGreaterThan(outcomes.length / 2);
  });

  it('corrupted bytes and oversized length fields: a result or a TlsParseError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sample.length - 1 }),
        fc.constantFrom(Uint8Array.of(0xff), Uint8Array.of(0xff, 0xff), Uint8Array.of(0xff, 0xff, 0xff), Uint8Array.of(0x80, 0x00), Uint8Array.of(0)),
        fc.boolean(),
        (pos, patch, truncate) => {
          const b = Buffer.from(sample);
          b.set(patch.subarray(0, b.length - pos), pos);
          expect(['ok', ...ERROR_CODES]).toContain(outcome(truncate ? b.subarray(0, b.length - 1) : b));
        },
      ),
      { numRuns: 500 },
    );
  });
});
