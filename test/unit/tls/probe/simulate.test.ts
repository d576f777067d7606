import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { describe, expect, test } from '@jest/globals';
import { ScanError } from '../../../../src/result/errors.js';
import type { SimulationResult } from '../../../../src/result/types.js';
import type { ProbeAnswer, ServerFlight } from '../../../../src/tls/probe/exchange.js';
import { type SimulationAnswer, helloOf, judge, paddingLength, simulateHandshakes } from '../../../../src/tls/probe/simulate.js';
import type { ClientProfile } from '../../../../src/tls/registry/client-profiles.js';
import { x25519KeyShare } from '../../../../src/tls/wire/client-hello.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../../../src/tls/wire/constants.js';
import type { Alert, ServerHello, ServerKeyExchange } from '../../../../src/tls/wire/handshake.js';
import { type ParsedClientHello, ext, parseClientHelloRecords, profileFromHello } from '../wire/helpers.js';

// The handshake simulation in its two pure parts: helloOf (the real client's hello, byte for byte,
// with our random, SNI, key shares, ALPN and padding) against a real capture, and judge (the
// client's verdict on the server's answer) over crafted answers; then simulateHandshakes end to
// end against a scripted loopback server that answers each profile's hello with fixed bytes.

/** `openssl s_client -connect 127.0.0.1:PORT -servername tls.test -brief` (OpenSSL 3.0.19, Debian): its ClientHello record. */
const OPENSSL_HELLO = Buffer.from(
  '160301013501000131030318e3f4e960fb8aa23b5225c9300953499c17ec565a6584cce6f53112beb1d15620f18b23ddb247a9e492526ff1e4808e1ac4fc3dc00d177d723bcf627a585c7232003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000aa0000000d000b000008746c732e74657374000b000403000102000a00160014001d0017001e0019001801000101010201030104002300000016000000170000000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d00020101003300260024001d002081b8c03c2e2978c35ce34cd1352f27ca273a16410b959919e3e3b6ba5527a820',
  'hex',
);

const SERVER_NAME = 0;
const SUPPORTED_GROUPS = 10;
const ALPN = 16;
const PADDING = 21;
const PRE_SHARED_KEY = 41;
const KEY_SHARE = 51;

const OPENSSL = profileFromHello(OPENSSL_HELLO);
const CAPTURED = parseClientHelloRecords(OPENSSL_HELLO);
const SAME = { random: CAPTURED.random, sessionId: CAPTURED.sessionId };
const c2s = (serverName: string, directTls = false) => ({ serverName, directTls, mode: 'c2s' as const });

/** A profile with its extensions edited: `edit` gets and returns the list. */
function withExtensions(
  p: ClientProfile,
  edit: (e: ClientProfile['clientHello']['extensions']) => ClientProfile['clientHello']['extensions'],
  id = p.id,
): ClientProfile {
  return { ...p, id, clientHello: { ...p.clientHello, extensions: edit([...p.clientHello.extensions]) } };
}
const u16list = (values: number[]) => {
  const b = Buffer.alloc(2 + 2 * values.length);
  b.writeUInt16BE(2 * values.length, 0);
  for (const [i, v] of values.entries()) b.writeUInt16BE(v, 2 + 2 * i);
  return b.toString('hex');
};
const keyShareHex = (shares: [number, Buffer][]) => {
  const body = Buffer.concat(shares.map(([g, k]) => Buffer.concat([Buffer.from([g >> 8, g & 0xff, k.length >> 8, k.length & 0xff]), k])));
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]).toString('hex');
};
const alpnNames = (data: Buffer | undefined): string[] => {
  if (!data) return [];
  const names: string[] = [];
  for (let p = 2; p < data.length; p += 1 + (data[p] as number)) names.push(data.subarray(p + 1, p + 1 + (data[p] as number)).toString());
  return names;
};
const types = (h: ParsedClientHello) => (h.extensions ?? []).map(([t]) => t);

describe('helloOf', () => {
  test('is the captured hello byte for byte, but for the key share (same group and length, our x25519 key)', () => {
    const built = parseClientHelloRecords(helloOf(OPENSSL, c2s('tls.test'), SAME).bytes);
    const share = ext(built, KEY_SHARE) as Buffer;
    // client_shares: length, group x25519, key length 32, key.
    expect(share.subarray(0, 6).toString('hex')).toBe('0024001d0020');
    expect(share.subarray(6)).toEqual(x25519KeyShare().keyExchange);
    const capturedShare = ext(CAPTURED, KEY_SHARE) as Buffer;
    expect(share.length).toBe(capturedShare.length);
    // Put the captured key back: the rest is identical, framing included.
    const bytes = helloOf(OPENSSL, c2s('tls.test'), SAME).bytes;
    const at = bytes.indexOf(share);
    expect(Buffer.concat([bytes.subarray(0, at), capturedShare, bytes.subarray(at + share.length)])).toEqual(OPENSSL_HELLO);
  });

  test('a fresh random and session ID per hello, 32 bytes each for a TLS 1.3 client; none for a TLS 1.2-only one', () => {
    const a = parseClientHelloRecords(helloOf(OPENSSL, c2s('tls.test')).bytes);
    const b = parseClientHelloRecords(helloOf(OPENSSL, c2s('tls.test')).bytes);
    expect(a.random).not.toEqual(b.random);
    expect(a.sessionId.length).toBe(32);
    expect(a.sessionId).not.toEqual(b.sessionId);
    const tls12 = { ...OPENSSL, accepts: { versions: ['TLSv1.2' as const], minDhBits: null } };
    expect(parseClientHelloRecords(helloOf(tls12, c2s('tls.test')).bytes).sessionId.length).toBe(0);
  });

  test('SNI is the target name (A-label, no trailing dot) in place; none for an IP literal', () => {
    const built = parseClientHelloRecords(helloOf(OPENSSL, c2s('bücher.example.'), SAME).bytes);
    expect(types(built)).toEqual(types(CAPTURED));
    expect((ext(built, SERVER_NAME) as Buffer).subarray(5).toString()).toBe('xn--bcher-kva.example');
    for (const ip of ['192.0.2.7', '2001:db8::1', '[2001:db8::1]']) {
      const h = parseClientHelloRecords(helloOf(OPENSSL, c2s(ip), SAME).bytes);
      expect(types(h)).toEqual(types(CAPTURED).filter((t) => t !== SERVER_NAME));
    }
    // A client that sends no SNI sends none for us either.
    const noSni = withExtensions(OPENSSL, (e) => e.filter((x) => x.type !== SERVER_NAME));
    expect(ext(parseClientHelloRecords(helloOf(noSni, c2s('example.org')).bytes), SERVER_NAME)).toBeUndefined();
  });

  test('direct TLS: ALPN xmpp-client / xmpp-server, replacing the profile’s in place or added before padding', () => {
    const added = parseClientHelloRecords(helloOf(OPENSSL, c2s('tls.test', true), SAME).bytes);
    expect(types(added)).toEqual([...types(CAPTURED), ALPN]);
    expect(alpnNames(ext(added, ALPN))).toEqual(['xmpp-client']);
    const s2s = helloOf(OPENSSL, { serverName: 'tls.test', directTls: true, mode: 's2s' });
    expect(s2s.alpn).toEqual(['xmpp-server']);
    expect(alpnNames(ext(parseClientHelloRecords(s2s.bytes), ALPN))).toEqual(['xmpp-server']);

    const h2 = withExtensions(OPENSSL, (e) => [...e.slice(0, 2), { type: ALPN, name: 'alpn', data: '000c02683208687474702f312e31' }, ...e.slice(2)]);
    const replaced = parseClientHelloRecords(helloOf(h2, c2s('tls.test', true)).bytes);
    expect(types(replaced)).toEqual(h2.clientHello.extensions.map((e) => e.type));
    expect(alpnNames(ext(replaced, ALPN))).toEqual(['xmpp-client']);
    // STARTTLS: the profile's ALPN as captured.
    const starttls = helloOf(h2, c2s('tls.test'));
    expect(starttls.alpn).toEqual(['h2', 'http/1.1']);
    expect(alpnNames(ext(parseClientHelloRecords(starttls.bytes), ALPN))).toEqual(['h2', 'http/1.1']);

    const padded = withExtensions(OPENSSL, (e) => [...e, { type: PADDING, name: 'padding', data: '00'.repeat(10) }]);
    expect(types(parseClientHelloRecords(helloOf(padded, c2s('tls.test', true)).bytes)).slice(-2)).toEqual([ALPN, PADDING]);
  });

  test('fresh keys for x25519 and the NIST curves; other groups (FFDHE, GREASE) keep the captured bytes', () => {
    const ffdhe = Buffer.alloc(256, 0x5a);
    const oldP256 = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0x11)]);
    const shares: [number, Buffer][] = [
      [0x0a0a, Buffer.from([0])],
      [0x001d, Buffer.alloc(32, 0x22)],
      [0x0017, oldP256],
      [0x0100, ffdhe],
    ];
    const p = withExtensions(OPENSSL, (e) => e.map((x) => (x.type === KEY_SHARE ? { ...x, data: keyShareHex(shares) } : x)));
    const data = ext(parseClientHelloRecords(helloOf(p, c2s('tls.test')).bytes), KEY_SHARE) as Buffer;
    const got: [number, Buffer][] = [];
    for (let o = 2; o < data.length; ) {
      const len = data.readUInt16BE(o + 2);
      got.push([data.readUInt16BE(o), data.subarray(o + 4, o + 4 + len)]);
      o += 4 + len;
    }
    expect(got.map(([g, k]) => [g, k.length])).toEqual(shares.map(([g, k]) => [g, k.length]));
    expect(got[0]?.[1]).toEqual(Buffer.from([0]));
    expect(got[1]?.[1]).toEqual(x25519KeyShare().keyExchange);
    expect(got[2]?.[1][0]).toBe(4);
    expect(got[2]?.[1]).not.toEqual(oldP256);
    expect(got[3]?.[1]).toEqual(ffdhe);
  });

  test('padding follows the F5 rule of a 512-byte capture, for our SNI; a capture of another length keeps its padding', () => {
    // The capture is 309 bytes: an OpenSSL client with padding switched on would have padded it to 512.
    const unpadded = CAPTURED.messageLength;
    const p = withExtensions(OPENSSL, (e) => [...e, { type: PADDING, name: 'padding', data: '00'.repeat(512 - unpadded - 4) }]);
    for (const name of ['tls.test', 'a-rather-longer-name.example.org']) {
      expect(parseClientHelloRecords(helloOf(p, c2s(name)).bytes).messageLength).toBe(512);
    }
    // A name that takes the hello past 511 bytes: no padding, as the real client.
    const long = parseClientHelloRecords(helloOf(p, c2s(`${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.${'w'.repeat(60)}.example`)).bytes);
    expect(types(long)).not.toContain(PADDING);
    expect(paddingLength(300, 512, 0)).toBe(208);
    expect(paddingLength(510, 512, 0)).toBe(1);
    expect(paddingLength(255, 512, 0)).toBeNull();
    expect(paddingLength(512, 516, 0)).toBeNull();
    // Unknown rule: the captured padding as it was.
    const q = withExtensions(OPENSSL, (e) => [...e, { type: PADDING, name: 'padding', data: '00'.repeat(20) }]);
    expect((ext(parseClientHelloRecords(helloOf(q, c2s('example.org')).bytes), PADDING) as Buffer).length).toBe(20);
  });

  test('drops pre_shared_key (a first connection has no ticket); refuses a broken profile by name', () => {
    const psk = withExtensions(OPENSSL, (e) => [...e, { type: PRE_SHARED_KEY, name: 'pre_shared_key', data: 'abcd' }]);
    expect(types(parseClientHelloRecords(helloOf(psk, c2s('tls.test')).bytes))).not.toContain(PRE_SHARED_KEY);
    const broken = withExtensions(OPENSSL, (e) => e.map((x) => (x.type === KEY_SHARE ? { ...x, data: '0024001d' } : x)), 'broken_one');
    expect(() => helloOf(broken, c2s('tls.test'))).toThrow(/broken_one.*key_share/);
    const notHex = withExtensions(OPENSSL, (e) => [...e, { type: 99, name: 'x', data: 'zz' }], 'not_hex');
    expect(() => helloOf(notHex, c2s('tls.test'))).toThrow(/not_hex/);
  });
});

// ---------------------------------------------------------------------------------------------

const EMPTY_FLIGHT: ServerFlight = { certificates: null, serverKeyExchange: null, certificateRequest: null, complete: true };

function sh(over: Partial<ServerHello> & { cipherSuite: number; selectedVersion: number }): ServerHello {
  const hrr = over.isHelloRetryRequest ?? false;
  return {
    version: Math.min(over.selectedVersion, 0x0303),
    random: hrr ? HELLO_RETRY_REQUEST_RANDOM : Buffer.alloc(32, 7),
    sessionId: Buffer.alloc(0),
    compressionMethod: 0,
    extensions: new Map(),
    isHelloRetryRequest: false,
    secureRenegotiation: true,
    extendedMasterSecret: false,
    encryptThenMac: false,
    sessionTicket: false,
    keyShareGroup: null,
    keyShare: null,
    alpn: null,
    ecPointFormats: null,
    downgradeSentinel: null,
    ...over,
  };
}
const tls13 = (suite: number, group: number | null, more: Partial<ServerHello> = {}): ProbeAnswer => ({
  kind: 'hello',
  serverHello: sh({ cipherSuite: suite, selectedVersion: 0x0304, keyShareGroup: group, ...more }),
  flight: { ...EMPTY_FLIGHT, complete: false },
});
const hrr = (suite: number, group: number | null) => tls13(suite, group, { isHelloRetryRequest: true });
const ecdhe = (group: number | null, scheme = 0x0804): ServerKeyExchange => ({
  kind: 'ecdhe',
  curveType: group === null ? 1 : 3,
  namedGroup: group,
  publicKey: Buffer.alloc(65, 4),
  rest: Buffer.from([scheme >> 8, scheme & 0xff, 0, 0]),
});
const dhe = (bits: number): ServerKeyExchange => ({
  kind: 'dhe',
  p: Buffer.alloc(bits / 8, 0xff),
  g: Buffer.from([2]),
  ys: Buffer.alloc(bits / 8, 1),
  primeBits: bits,
  rest: Buffer.from([0x08, 0x04, 0, 0]),
});
const legacy = (version: number, suite: number, kx: ServerKeyExchange | null, more: Partial<ServerHello> = {}, complete = true): ProbeAnswer => ({
  kind: 'hello',
  serverHello: sh({ cipherSuite: suite, selectedVersion: version, ...more }),
  flight: { ...EMPTY_FLIGHT, serverKeyExchange: kx, complete },
});
const alert = (name: string, description: number, level: 1 | 2 = 2): SimulationAnswer => ({
  kind: 'alert',
  alert: { level, levelName: level === 1 ? 'warning' : 'fatal', description, name } satisfies Alert,
});

type Expect = Pick<SimulationResult, 'connects'> & Partial<Omit<SimulationResult, 'failure'>> & { reason?: string; message?: RegExp };

const TLS12_ONLY = { ...OPENSSL, accepts: { versions: ['TLSv1.2' as const, 'TLSv1.3' as const], minDhBits: 2048 } };
const GREASE_CLIENT: ClientProfile = { ...OPENSSL, clientHello: { ...OPENSSL.clientHello, cipherSuites: [0x0a0a, ...OPENSSL.clientHello.cipherSuites] } };
const NO_GROUPS = withExtensions(OPENSSL, (e) => e.filter((x) => x.type !== SUPPORTED_GROUPS));
const SHA1_SIGALGS = withExtensions(OPENSSL, (e) => e.map((x) => (x.type === 13 ? { ...x, data: u16list([0x0804, 0x0401, 0x0201]) } : x)));

const cases: [string, SimulationAnswer, Expect, ClientProfile?, { alpn: string[] }?][] = [
  [
    'TLS 1.3 with an x25519 share',
    tls13(0x1302, 0x001d),
    { connects: true, protocol: 'TLSv1.3', cipherSuite: 'TLS_AES_256_GCM_SHA384', cipherSuiteCode: '0x1302', group: 'x25519', forwardSecrecy: true },
  ],
  ['TLS 1.3 share for a group it sent no share for', tls13(0x1301, 0x0017), { connects: false, reason: 'rejected_by_client', message: /secp256r1/ }],
  ['TLS 1.3 without a key share', tls13(0x1301, null), { connects: false, reason: 'rejected_by_client' }],
  [
    'HelloRetryRequest for secp384r1 (in its groups)',
    hrr(0x1301, 0x0018),
    { connects: true, protocol: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'secp384r1' },
  ],
  // OpenSSL 3.0 offers the FFDHE groups, but no post-quantum hybrid.
  ['HelloRetryRequest for ffdhe2048 (in its groups)', hrr(0x1301, 0x0100), { connects: true, group: 'ffdhe2048' }],
  ['HelloRetryRequest for X25519MLKEM768 (not in its groups)', hrr(0x1301, 0x11ec), { connects: false, reason: 'no_shared_group', message: /X25519MLKEM768/ }],
  ['HelloRetryRequest for x25519, already sent', hrr(0x1301, 0x001d), { connects: false, reason: 'rejected_by_client', message: /already sent/ }],
  ['HelloRetryRequest with only a cookie', hrr(0x1303, null), { connects: true, group: null, cipherSuite: 'TLS_CHACHA20_POLY1305_SHA256' }],
  [
    'TLS 1.3 suite it did not offer',
    tls13(0x1304, 0x001d),
    { connects: false, reason: 'rejected_by_client', message: /TLS_AES_128_CCM_SHA256.*did not offer/ },
  ],
  ['TLS 1.2 suite in a TLS 1.3 ServerHello', tls13(0xc02f, 0x001d), { connects: false, reason: 'rejected_by_client' }],
  [
    'TLS 1.2 ECDHE secp256r1',
    legacy(0x0303, 0xc02f, ecdhe(0x0017)),
    {
      connects: true,
      protocol: 'TLSv1.2',
      cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      cipherSuiteCode: '0xC02F',
      group: 'secp256r1',
      forwardSecrecy: true,
    },
  ],
  ['TLS 1.2 ECDHE on a group it does not have', legacy(0x0303, 0xc02f, ecdhe(0x0001)), { connects: false, reason: 'rejected_by_client', message: /sect163k1/ }],
  ['TLS 1.2 ECDHE, no supported_groups sent: any group', legacy(0x0303, 0xc02f, ecdhe(0x0001)), { connects: true, group: 'sect163k1' }, NO_GROUPS],
  ['TLS 1.2 ECDHE with explicit curve parameters', legacy(0x0303, 0xc02f, ecdhe(null)), { connects: false, reason: 'rejected_by_client', message: /explicit/ }],
  ['TLS 1.2 DHE 2048', legacy(0x0303, 0x009e, dhe(2048)), { connects: true, group: 'DH 2048', cipherSuite: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' }],
  ['TLS 1.2 DHE 1024 (needs 2048)', legacy(0x0303, 0x009e, dhe(1024)), { connects: false, reason: 'rejected_by_client', message: /1024 bits.*2048/ }],
  [
    'TLS 1.2 DHE 1024, no DH minimum known',
    legacy(0x0303, 0x009e, dhe(1024)),
    { connects: true, group: 'DH 1024' },
    { ...OPENSSL, accepts: { ...OPENSSL.accepts, minDhBits: null } },
  ],
  ['TLS 1.2 DHE without a ServerKeyExchange', legacy(0x0303, 0x009e, null), { connects: false, reason: 'malformed' }],
  [
    'TLS 1.2 signed with a scheme it did not offer',
    legacy(0x0303, 0xc02f, ecdhe(0x001d, 0x0201)),
    { connects: false, reason: 'rejected_by_client', message: /0x0201/ },
  ],
  [
    'TLS 1.2 RSA key transport',
    legacy(0x0303, 0x009c, null),
    { connects: true, cipherSuite: 'TLS_RSA_WITH_AES_128_GCM_SHA256', group: null, forwardSecrecy: false },
  ],
  ['TLS 1.2 ServerHello, flight not finished', legacy(0x0303, 0x009c, null, {}, false), { connects: false, reason: 'closed', message: /ServerHelloDone/ }],
  ['TLS 1.0 RSA key transport', legacy(0x0301, 0x002f, null), { connects: true, protocol: 'TLSv1.0', cipherSuite: 'TLS_RSA_WITH_AES_128_CBC_SHA' }],
  [
    'TLS 1.0 ECDHE, no SHA-1 scheme offered (OpenSSL 3)',
    legacy(0x0301, 0xc013, ecdhe(0x001d)),
    { connects: false, reason: 'rejected_by_client', message: /SHA-1/ },
  ],
  ['TLS 1.0 ECDHE, SHA-1 schemes offered', legacy(0x0301, 0xc013, ecdhe(0x001d)), { connects: true, protocol: 'TLSv1.0', group: 'x25519' }, SHA1_SIGALGS],
  ['TLS 1.0 AEAD suite', legacy(0x0301, 0xc02f, ecdhe(0x001d)), { connects: false, reason: 'rejected_by_client', message: /TLSv1.0/ }],
  [
    'TLS 1.1 from a TLS 1.2+ client',
    legacy(0x0302, 0x002f, null),
    { connects: false, reason: 'no_shared_protocol', message: /TLSv1\.1.*TLSv1\.2 and TLSv1\.3/ },
    TLS12_ONLY,
  ],
  ['SSLv3', legacy(0x0300, 0x002f, null), { connects: false, reason: 'no_shared_protocol', message: /SSLv3/ }],
  ['an unknown version', legacy(0x7f1c, 0x1301, null), { connects: false, reason: 'no_shared_protocol', message: /0x7F1C/ }],
  [
    'a suite it did not offer',
    legacy(0x0303, 0x000a, null),
    { connects: false, reason: 'rejected_by_client', message: /TLS_RSA_WITH_3DES_EDE_CBC_SHA.*did not offer/ },
  ],
  ['a GREASE suite', legacy(0x0303, 0x0a0a, null), { connects: false, reason: 'rejected_by_client', message: /0x0A0A/ }, GREASE_CLIENT],
  ['DEFLATE compression', legacy(0x0303, 0x009c, null, { compressionMethod: 1 }), { connects: false, reason: 'rejected_by_client', message: /compression/ }],
  [
    'TLS 1.2 with the TLS 1.3 downgrade sentinel',
    legacy(0x0303, 0xc02f, ecdhe(0x001d), { downgradeSentinel: 'tls12' }),
    { connects: false, reason: 'rejected_by_client', message: /downgrade/ },
  ],
  ['an ALPN protocol it did not offer', tls13(0x1301, 0x001d, { alpn: 'h2' }), { connects: false, reason: 'rejected_by_client', message: /"h2"/ }],
  ['the ALPN protocol of direct TLS', tls13(0x1301, 0x001d, { alpn: 'xmpp-client' }), { connects: true }, OPENSSL, { alpn: ['xmpp-client'] }],
  ['protocol_version', alert('protocol_version', 70), { connects: false, reason: 'no_shared_protocol', message: /TLSv1\.3, TLSv1\.2, TLSv1\.1 and TLSv1\.0/ }],
  ['handshake_failure', alert('handshake_failure', 40), { connects: false, reason: 'no_shared_cipher', message: /fatal handshake_failure/ }],
  ['insufficient_security', alert('insufficient_security', 71), { connects: false, reason: 'no_shared_cipher' }],
  ['a warning unrecognized_name', alert('unrecognized_name', 112, 1), { connects: false, reason: 'alert', message: /warning unrecognized_name/ }],
  ['internal_error', alert('internal_error', 80), { connects: false, reason: 'alert', message: /internal_error/ }],
  ['close_notify', alert('close_notify', 0), { connects: false, reason: 'closed' }],
  ['closed', { kind: 'closed', reset: false }, { connects: false, reason: 'closed', message: /closed the connection/ }],
  ['reset', { kind: 'closed', reset: true }, { connects: false, reason: 'closed', message: /reset/ }],
  ['timeout', { kind: 'timeout' }, { connects: false, reason: 'timeout' }],
  [
    'malformed',
    { kind: 'malformed', message: 'unexpected record type 99 before the ServerHello' },
    { connects: false, reason: 'malformed', message: /record type 99/ },
  ],
  ['an SSLv2 error', { kind: 'sslv2_error', code: 1, name: 'NO-CIPHER-ERROR' }, { connects: false, reason: 'malformed', message: /SSLv2/ }],
  [
    'no connection (refused)',
    { kind: 'no_connection', timeout: false, message: 'connection refused by 192.0.2.1:5222' },
    { connects: false, reason: 'closed', message: /refused/ },
  ],
  ['no connection (timed out)', { kind: 'no_connection', timeout: true, message: 'no connection within 10 s.' }, { connects: false, reason: 'timeout' }],
];

describe('judge', () => {
  test.each(cases)('%s', (_name, answer, want, profile = OPENSSL, hello = undefined) => {
    const r = judge(profile, answer, hello);
    expect(r.profile).toBe(profile.id);
    const { reason, message, ...fields } = want;
    expect(r).toMatchObject(fields);
    if (r.connects) {
      expect(r.failure).toBeNull();
      expect(r.protocol).not.toBeNull();
      expect(r.cipherSuiteCode).toMatch(/^0x[0-9A-F]{4}$/);
    } else {
      expect(r).toMatchObject({ protocol: null, cipherSuite: null, cipherSuiteCode: null, group: null, forwardSecrecy: null });
      expect(r.failure?.reason).toBe(reason);
      // One English sentence with the values.
      expect(r.failure?.message).toMatch(/^[A-Z][^\n]*\.$/);
      if (message) expect(r.failure?.message).toMatch(message);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: a loopback server that reads each hello and answers by the hello's first suite.

/** A ServerHello record (TLS 1.3: supported_versions + key_share). */
function serverHelloRecord(suite: number, tls13Group: number | null): Buffer {
  const exts: Buffer[] = [];
  if (tls13Group !== null) {
    exts.push(Buffer.from([0, 43, 0, 2, 3, 4]));
    exts.push(Buffer.concat([Buffer.from([0, 51, 0, 36, tls13Group >> 8, tls13Group & 0xff, 0, 32]), Buffer.alloc(32, 9)]));
  }
  const extBlock = Buffer.concat(exts);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 1),
    Buffer.from([0, suite >> 8, suite & 0xff, 0, extBlock.length >> 8, extBlock.length & 0xff]),
    extBlock,
  ]);
  const msg = Buffer.concat([Buffer.from([2, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, 3, 3, msg.length >> 8, msg.length & 0xff]), msg]);
}

type Behaviour = 'tls13' | 'alert' | 'close' | 'stall';

async function scriptedServer(by: Map<number, Behaviour>) {
  // Counted on our side: the server may see a close after the client already opened the next one.
  let open = 0;
  let peak = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
      const first = parseClientHelloRecords(buf).cipherSuites[0] as number;
      const what = by.get(first);
      if (what === 'tls13') s.end(serverHelloRecord(first, 0x001d));
      else if (what === 'alert') s.end(Buffer.from([21, 3, 3, 0, 2, 2, 40]));
      else if (what === 'close') s.end();
      // 'stall': say nothing.
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    openSocket: () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          open++;
          peak = Math.max(peak, open);
          s.once('close', () => open--);
          resolve(s);
        });
        s.once('error', reject);
      }),
    peak: () => peak,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A profile whose hello starts with `first` (the scripted server's key). */
const keyed = (id: string, first: number): ClientProfile => ({
  ...OPENSSL,
  id,
  clientHello: { ...OPENSSL.clientHello, cipherSuites: [first, ...OPENSSL.clientHello.cipherSuites.filter((c) => c !== first)] },
});

describe('simulateHandshakes', () => {
  const base = { serverName: 'tls.test', directTls: false, mode: 'c2s' as const, delayMs: 0, probeTimeoutMs: 300, retries: 0 };

  test('one result per profile, in profile order, within the connection cap', async () => {
    const server = await scriptedServer(
      new Map<number, Behaviour>([
        [0x1302, 'tls13'],
        [0x1303, 'alert'],
        [0xc02f, 'close'],
        [0x1301, 'stall'],
      ]),
    );
    try {
      const profiles = [keyed('a', 0x1302), keyed('b', 0x1303), keyed('c', 0xc02f), keyed('d', 0x1301), keyed('e', 0x1302)];
      const results = await simulateHandshakes({ ...base, openSocket: server.openSocket, profiles, maxConnections: 2 });
      expect(results.map((r) => [r.profile, r.connects, r.cipherSuite ?? r.failure?.reason])).toEqual([
        ['a', true, 'TLS_AES_256_GCM_SHA384'],
        ['b', false, 'no_shared_cipher'],
        ['c', false, 'closed'],
        ['d', false, 'timeout'],
        ['e', true, 'TLS_AES_256_GCM_SHA384'],
      ]);
      expect(server.peak()).toBe(2);
    } finally {
      await server.close();
    }
  });

  test('a connection that cannot be opened is a result, after the retry', async () => {
    let calls = 0;
    const openSocket = async (): Promise<Socket> => {
      calls++;
      throw new ScanError('connection_refused', 'connection refused by 127.0.0.1:1');
    };
    const [r] = await simulateHandshakes({ ...base, retries: 1, openSocket, profiles: [OPENSSL], maxConnections: 1 });
    expect(calls).toBe(2);
    expect(r?.failure).toEqual({
      reason: 'closed',
      message: 'No connection could be opened to send OpenSSL (test)’s hello: connection refused by 127.0.0.1:1.'.replace('’', "'"),
    });
  });

  test('an abort stops it with the abort’s ScanError, its sockets closed', async () => {
    const server = await scriptedServer(new Map([[0x1301, 'stall' as const]]));
    try {
      const controller = new AbortController();
      const run = simulateHandshakes({
        ...base,
        probeTimeoutMs: 10_000,
        openSocket: server.openSocket,
        profiles: [keyed('a', 0x1301), keyed('b', 0x1301)],
        maxConnections: 1,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new ScanError('timeout', 'endpoint deadline', { deadline: 'endpoint' })), 100);
      const started = Date.now();
      await expect(run).rejects.toMatchObject({ name: 'ScanError', code: 'timeout', phase: 'tls_handshake' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });
});
