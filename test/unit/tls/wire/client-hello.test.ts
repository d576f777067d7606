import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import {
  DEFAULT_SIGNATURE_ALGORITHMS,
  MAX_CIPHER_SUITES,
  buildClientHello,
  buildClientHelloMessage,
  buildRecords,
  buildSslv2ClientHello,
  freshX25519KeyShare,
  x25519KeyShare,
  type ClientHelloOptions,
} from '../../../../src/tls/wire/client-hello.js';
import { ext, parseClientHelloRecords } from './helpers.js';

const RANDOM = Buffer.alloc(32, 0xab);
const base: ClientHelloOptions = { recordVersion: 0x0301, clientVersion: 0x0303, cipherSuites: [0xc02f], random: RANDOM };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('buildClientHello', () => {
  it('lays out a TLS 1.2 hello with every extension as specified', () => {
    const bytes = buildClientHello({
      ...base,
      cipherSuites: [0xc02f, 0x009e, 0x002f],
      scsv: [0x00ff, 0x5600],
      serverName: 'example.org',
      supportedGroups: [0x001d, 0x0017],
      renegotiationInfo: true,
      extendedMasterSecret: true,
      sessionTicket: true,
      alpn: ['xmpp-client'],
      signatureAlgorithms: [0x0403, 0x0804],
      compressionMethods: [1, 0],
      sessionId: Buffer.alloc(32, 0x11),
    });
    expect(bytes.subarray(0, 3)).toEqual(hex('16 0301'));
    const h = parseClientHelloRecords(bytes);
    expect(h.recordLengths).toEqual([bytes.length - 5]);
    expect(h.messageLength).toBe(bytes.length - 5);
    expect(h.clientVersion).toBe(0x0303);
    expect(h.random).toEqual(RANDOM);
    expect(h.sessionId).toEqual(Buffer.alloc(32, 0x11));
    expect(h.cipherSuites).toEqual([0xc02f, 0x009e, 0x002f, 0x00ff, 0x5600]);
    expect(h.compressionMethods).toEqual([1, 0]);
    expect(h.extensions!.map(([t]) => t)).toEqual([0, 23, 0xff01, 10, 11, 35, 16, 13]);
    expect(ext(h, 0)).toEqual(Buffer.concat([hex('000e 00 000b'), Buffer.from('example.org')]));
    expect(ext(h, 23)).toEqual(Buffer.alloc(0));
    expect(ext(h, 0xff01)).toEqual(hex('00'));
    expect(ext(h, 10)).toEqual(hex('0004 001d 0017'));
    expect(ext(h, 11)).toEqual(hex('01 00'));
    expect(ext(h, 35)).toEqual(Buffer.alloc(0));
    expect(ext(h, 16)).toEqual(Buffer.concat([hex('000c 0b'), Buffer.from('xmpp-client')]));
    expect(ext(h, 13)).toEqual(hex('0004 0403 0804'));
  });

  it('lays out TLS 1.3 supported_versions, psk modes and key shares (an empty list too)', () => {
    const share = { group: 0x001d, keyExchange: Buffer.alloc(32, 7) };
    const h = parseClientHelloRecords(
      buildClientHello({ ...base, cipherSuites: [0x1301], supportedVersions: [0x0304, 0x0303], pskKeyExchangeModes: [1], keyShares: [share] }),
    );
    expect(ext(h, 43)).toEqual(hex('04 0304 0303'));
    expect(ext(h, 45)).toEqual(hex('01 01'));
    expect(ext(h, 51)).toEqual(Buffer.concat([hex('0024 001d 0020'), Buffer.alloc(32, 7)]));
    const sigalgs = ext(h, 13)!;
    expect(sigalgs.readUInt16BE(0)).toBe(DEFAULT_SIGNATURE_ALGORITHMS.length * 2);
    expect(sigalgs.readUInt16BE(2)).toBe(DEFAULT_SIGNATURE_ALGORITHMS[0]);

    const empty = parseClientHelloRecords(buildClientHello({ ...base, supportedVersions: [0x0304], keyShares: [] }));
    expect(ext(empty, 51)).toEqual(hex('0000'));
  });

  it('sends signature_algorithms only from TLS 1.2 on', () => {
    for (const clientVersion of [0x0300, 0x0301, 0x0302]) {
      const h = parseClientHelloRecords(buildClientHello({ ...base, clientVersion, signatureAlgorithms: [0x0401] }));
      expect(ext(h, 13)).toBeUndefined();
    }
    expect(ext(parseClientHelloRecords(buildClientHello(base)), 13)).toBeDefined();
    expect(ext(parseClientHelloRecords(buildClientHello({ ...base, signatureAlgorithms: [] })), 13)).toBeUndefined();
  });

  it('handles SNI: omitted for IP literals, trailing dot dropped, IDNs as A-labels', () => {
    for (const ip of ['192.0.2.1', '2001:db8::1', '[2001:db8::1]']) {
      expect(ext(parseClientHelloRecords(buildClientHello({ ...base, serverName: ip })), 0)).toBeUndefined();
    }
    const sni = (name: string): string =>
      ext(parseClientHelloRecords(buildClientHello({ ...base, serverName: name })), 0)!
        .subarray(5)
        .toString('ascii');
    expect(sni('example.org.')).toBe('example.org');
    expect(sni('bücher.example')).toBe('xn--bcher-kva.example');
  });

  it('writes an SSLv3-style hello without an extensions block', () => {
    const bytes = buildClientHello({ ...base, recordVersion: 0x0300, clientVersion: 0x0300, noExtensions: true, serverName: 'example.org' });
    const h = parseClientHelloRecords(bytes);
    expect(h.recordVersions).toEqual([0x0300]);
    expect(h.clientVersion).toBe(0x0300);
    expect(h.extensions).toBeNull();
    expect(h.messageLength).toBe(4 + 2 + 32 + 1 + 2 + 2 + 1 + 1);
    expect(() => buildClientHello({ ...base, noExtensions: true, padTo: 'auto' })).toThrow(RangeError);
  });

  it('enforces at most 128 cipher suites and valid fields', () => {
    const suites = (n: number): number[] => Array.from({ length: n }, (_, i) => 0x0100 + i);
    expect(parseClientHelloRecords(buildClientHello({ ...base, cipherSuites: suites(MAX_CIPHER_SUITES) })).cipherSuites).toHaveLength(128);
    expect(() => buildClientHello({ ...base, cipherSuites: suites(129) })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, cipherSuites: [] })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, cipherSuites: [0x10000] })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, random: Buffer.alloc(31) })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, sessionId: Buffer.alloc(33) })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, compressionMethods: [] })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, supportedGroups: [-1] })).toThrow(RangeError);
    expect(() => buildClientHello({ ...base, padTo: -5 })).toThrow(RangeError);
  });

  it('uses a fresh random by default', () => {
    const a = parseClientHelloRecords(buildClientHello({ ...base, random: undefined }));
    const b = parseClientHelloRecords(buildClientHello({ ...base, random: undefined }));
    expect(a.random).toHaveLength(32);
    expect(a.random.equals(b.random)).toBe(false);
  });

  it('splits a hello longer than 16384 bytes into several records', () => {
    const bytes = buildClientHello({ ...base, padTo: 40_000 });
    const h = parseClientHelloRecords(bytes);
    expect(h.messageLength).toBe(40_000);
    expect(h.recordLengths).toEqual([16384, 16384, 40_000 - 2 * 16384]);
    expect(h.extensions!.at(-1)![0]).toBe(21);
  });
});

describe('padding', () => {
  const helloOptions = fc.record({
    suites: fc.integer({ min: 1, max: 128 }),
    name: fc.option(fc.stringMatching(/^[a-z]{1,60}$/), { nil: undefined }),
    groups: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }),
    sessionId: fc.integer({ min: 0, max: 32 }),
    tls13: fc.boolean(),
  });
  const toOptions = (o: { suites: number; name: string | undefined; groups: number[]; sessionId: number; tls13: boolean }): ClientHelloOptions => ({
    ...base,
    cipherSuites: Array.from({ length: o.suites }, (_, i) => i + 1),
    serverName: o.name,
    supportedGroups: o.groups,
    sessionId: Buffer.alloc(o.sessionId),
    ...(o.tls13 ? { supportedVersions: [0x0304], keyShares: [{ group: 0x1d, keyExchange: Buffer.alloc(32) }] } : {}),
  });

  it("'auto' never leaves the handshake message in 256–511 bytes, and pads only that range", () => {
    let padded = 0;
    fc.assert(
      fc.property(helloOptions, (o) => {
        const opts = toOptions(o);
        const unpadded = buildClientHelloMessage(opts).length;
        const h = parseClientHelloRecords(buildClientHello({ ...opts, padTo: 'auto' }));
        expect(h.messageLength < 256 || h.messageLength > 511).toBe(true);
        if (unpadded >= 256 && unpadded <= 511) {
          padded++;
          expect(h.messageLength).toBe(unpadded <= 508 ? 512 : unpadded + 4);
          const [type, data] = h.extensions!.at(-1)!;
          expect(type).toBe(21);
          expect(data.every((b) => b === 0)).toBe(true);
        } else {
          expect(h.messageLength).toBe(unpadded);
        }
      }),
      { numRuns: 500 },
    );
    expect(padded).toBeGreaterThan(0);
  });

  it('covers the edge lengths 255, 256, 508, 509, 511, 512', () => {
    // Grow the hello byte by byte through the SNI length and check each boundary.
    const seen = new Map<number, number>();
    for (let n = 1; n < 400; n++) {
      const opts = { ...base, serverName: 'a'.repeat(n) };
      const unpadded = buildClientHelloMessage(opts).length;
      seen.set(unpadded, parseClientHelloRecords(buildClientHello({ ...opts, padTo: 'auto' })).messageLength);
    }
    expect(seen.get(255)).toBe(255);
    expect(seen.get(256)).toBe(512);
    expect(seen.get(508)).toBe(512);
    expect(seen.get(509)).toBe(513);
    expect(seen.get(511)).toBe(515);
    expect(seen.get(512)).toBe(512);
  });

  it('a numeric padTo reaches at least that length', () => {
    fc.assert(
      fc.property(helloOptions, fc.integer({ min: 0, max: 3000 }), (o, target) => {
        const opts = toOptions(o);
        const unpadded = buildClientHelloMessage(opts).length;
        const len = parseClientHelloRecords(buildClientHello({ ...opts, padTo: target })).messageLength;
        expect(len).toBeGreaterThanOrEqual(target);
        if (unpadded >= target) expect(len).toBe(unpadded);
        else expect(len).toBe(Math.max(target, unpadded + 4));
      }),
      { numRuns: 300 },
    );
  });
});

describe('x25519KeyShare', () => {
  it('shares one key for ten minutes, then makes a new one', () => {
    const t = 1_000_000_000_000;
    const first = x25519KeyShare(t);
    expect(x25519KeyShare(t + 9 * 60_000)).toBe(first);
    const later = x25519KeyShare(t + 10 * 60_000);
    expect(Buffer.from(later.keyExchange).equals(Buffer.from(first.keyExchange))).toBe(false);
    expect(later.keyExchange).toHaveLength(32);
  });
});

describe('freshX25519KeyShare', () => {
  it('returns a fresh 32-byte X25519 public key', () => {
    const a = freshX25519KeyShare();
    const b = freshX25519KeyShare();
    expect(a.group).toBe(0x001d);
    expect(a.keyExchange).toHaveLength(32);
    expect(Buffer.from(a.keyExchange).equals(Buffer.from(b.keyExchange))).toBe(false);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(a.keyExchange).toString('base64url') }, format: 'jwk' });
    expect(key.asymmetricKeyType).toBe('x25519');
    expect(key.export({ type: 'spki', format: 'der' }).subarray(-32)).toEqual(Buffer.from(a.keyExchange));
  });
});

describe('buildRecords', () => {
  it('frames a payload in records of at most maxFragment bytes', () => {
    expect(buildRecords(21, 0x0303, hex('0228'))).toEqual(hex('15 0303 0002 0228'));
    expect(buildRecords(22, 0x0301, hex('0102030405'), 2)).toEqual(hex('16 0301 0002 0102  16 0301 0002 0304  16 0301 0001 05'));
    expect(buildRecords(23, 0x0303, new Uint8Array(0))).toEqual(hex('17 0303 0000'));
  });
});

describe('buildSslv2ClientHello', () => {
  it('matches the SSLv2 CLIENT-HELLO layout byte for byte', () => {
    const challenge = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const bytes = buildSslv2ClientHello({ cipherSpecs: [0x010080, 0x020080, 0x0700c0], challenge });
    expect(bytes).toEqual(
      hex(
        `
        80 22        # record header: high bit, length 34
        01           # SSL2_MT_CLIENT_HELLO
        0002         # version
        0009         # cipher specs length
        0000         # session id length
        0010         # challenge length
        010080 020080 0700c0
        000102030405060708090a0b0c0d0e0f`.replace(/#[^\n]*/g, ''),
      ),
    );
  });

  it('defaults to a random 16-byte challenge and checks its arguments', () => {
    const a = buildSslv2ClientHello({ cipherSpecs: [0x010080] });
    expect(a).toHaveLength(2 + 9 + 3 + 16);
    expect(a.readUInt16BE(0)).toBe(0x8000 | (a.length - 2));
    expect(a.readUInt16BE(3)).toBe(0x0002);
    expect(() => buildSslv2ClientHello({ cipherSpecs: [] })).toThrow(RangeError);
    expect(() => buildSslv2ClientHello({ cipherSpecs: [0x1000000] })).toThrow(RangeError);
    expect(() => buildSslv2ClientHello({ cipherSpecs: [1], challenge: Buffer.alloc(15) })).toThrow(RangeError);
    expect(() => buildSslv2ClientHello({ cipherSpecs: [1], challenge: Buffer.alloc(33) })).toThrow(RangeError);
  });
});
