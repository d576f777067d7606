// The builders and parsers against a real TLS stack: Node's OpenSSL server on 127.0.0.1, spoken
// to over a raw socket with our ClientHello bytes.
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { buildClientHello, buildRecords, x25519KeyShare, type ClientHelloOptions } from '../../../../src/tls/wire/client-hello.js';
import { parseAlert, parseCertificate, parseServerHello, parseServerKeyExchange } from '../../../../src/tls/wire/handshake.js';
import { HandshakeReassembler, TlsRecordReader, type HandshakeMessage } from '../../../../src/tls/wire/records.js';
import { exchange, parseClientHelloRecords, startTlsServer, type Exchange, type LocalTlsServer } from './helpers.js';

jest.setTimeout(60_000);

const ECDHE_RSA_AES128_GCM = 0xc02f;
const ECDHE_RSA_AES256_GCM = 0xc030;
const DHE_RSA_AES128_GCM = 0x009e;
const X25519 = 0x001d;
const SECP256R1 = 0x0017;

const tls12Hello = (extra: Partial<ClientHelloOptions> = {}): Buffer =>
  buildClientHello({
    recordVersion: 0x0301,
    clientVersion: 0x0303,
    cipherSuites: [ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM],
    serverName: 'localhost',
    supportedGroups: [X25519, SECP256R1],
    renegotiationInfo: true,
    extendedMasterSecret: true,
    ...extra,
  });

const tls13Hello = (extra: Partial<ClientHelloOptions> = {}): Buffer =>
  buildClientHello({
    recordVersion: 0x0301,
    clientVersion: 0x0303,
    cipherSuites: [0x1301, 0x1302, 0x1303],
    serverName: 'localhost',
    supportedGroups: [X25519, SECP256R1],
    supportedVersions: [0x0304],
    keyShares: [x25519KeyShare()],
    pskKeyExchangeModes: [1],
    sessionId: randomBytes(32),
    ...extra,
  });

const hasType = (type: number) => (e: Exchange) => e.messages.some((m) => m.type === type);
const sawAlertOr = (type: number) => (e: Exchange) => e.records.some((r) => r.contentType === 21) || hasType(type)(e);

function summary(msgs: HandshakeMessage[]): string[] {
  return msgs.map((m) => `${m.type}:${m.body.toString('hex')}`);
}

/** Feeds `chunks` through a record reader and reassembler; returns the handshake messages. */
function reassemble(chunks: Uint8Array[]): HandshakeMessage[] {
  const reader = new TlsRecordReader();
  const hs = new HandshakeReassembler();
  const out: HandshakeMessage[] = [];
  for (const c of chunks) {
    reader.push(c);
    for (let r = reader.nextRecord(); r !== null; r = reader.nextRecord()) {
      expect(r.contentType).toBe(22);
      hs.push(r.fragment);
      out.push(...hs.drain());
    }
  }
  expect(reader.buffered).toBe(0);
  expect(hs.hasPartial).toBe(false);
  return out;
}

describe('TLS 1.2 server (maxVersion TLSv1.2, dhparam auto)', () => {
  let server: LocalTlsServer;
  let flight: Exchange;

  beforeAll(async () => {
    server = await startTlsServer({ maxVersion: 'TLSv1.2', dhparam: 'auto' });
    flight = await exchange(server.port, tls12Hello(), hasType(14));
  });
  afterAll(() => server.close());

  it('answers our ECDHE ClientHello with ServerHello, Certificate, ServerKeyExchange, ServerHelloDone', () => {
    expect(flight.records[0]).toMatchObject({ contentType: 22, version: 0x0303 });
    expect(flight.messages.map((m) => m.type)).toEqual([2, 11, 12, 14]);
    const [sh, cert, ske, done] = flight.messages as [HandshakeMessage, HandshakeMessage, HandshakeMessage, HandshakeMessage];

    const hello = parseServerHello(sh.body);
    expect(hello.version).toBe(0x0303);
    expect(hello.selectedVersion).toBe(0x0303);
    expect([ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM]).toContain(hello.cipherSuite);
    expect(hello.compressionMethod).toBe(0);
    expect(hello.isHelloRetryRequest).toBe(false);
    expect(hello.secureRenegotiation).toBe(true);
    expect(hello.extendedMasterSecret).toBe(true);
    expect(hello.downgradeSentinel).toBeNull(); // the server is configured for TLS 1.2 at most

    const certs = parseCertificate(cert.body);
    expect(certs).toHaveLength(1);
    expect(certs[0]!.equals(server.cert.der)).toBe(true);

    const kx = parseServerKeyExchange(ske.body, 'ecdhe');
    expect(kx).toMatchObject({ kind: 'ecdhe', curveType: 3 });
    expect([X25519, SECP256R1]).toContain(kx.namedGroup);
    expect(kx.publicKey).toHaveLength(kx.namedGroup === X25519 ? 32 : 65);
    expect(kx.rest.length).toBeGreaterThan(4); // signature algorithm + signature, left unparsed

    expect(done.body).toHaveLength(0);
  });

  it('sends DHE parameters whose prime length the parser measures', async () => {
    const e = await exchange(server.port, tls12Hello({ cipherSuites: [DHE_RSA_AES128_GCM] }), hasType(14));
    const hello = parseServerHello(e.messages[0]!.body);
    expect(hello.cipherSuite).toBe(DHE_RSA_AES128_GCM);
    const ske = e.messages.find((m) => m.type === 12)!;
    const kx = parseServerKeyExchange(ske.body, 'dhe');
    expect(kx.primeBits).toBe(2048);
    expect(kx.p).toHaveLength(256);
    expect(kx.g.length).toBeGreaterThan(0);
    expect(kx.ys.length).toBeGreaterThan(0);
  });

  it('rejects a hello offering only suites it lacks with a handshake_failure alert', async () => {
    const e = await exchange(server.port, tls12Hello({ cipherSuites: [0x0004, 0x0005, 0x000a] }), sawAlertOr(2));
    expect(e.messages).toHaveLength(0);
    const alert = e.records.find((r) => r.contentType === 21);
    expect(alert).toBeDefined();
    expect(parseAlert(alert!.fragment)).toEqual({ level: 2, levelName: 'fatal', description: 40, name: 'handshake_failure' });
  });

  it('accepts an auto-padded hello (512 bytes) and one split across two records', async () => {
    // About 110 suites put the unpadded hello in the 256–511 range.
    const filler = Array.from({ length: 108 }, (_, i) => 0x0a00 + i);
    const padded = tls12Hello({ cipherSuites: [...filler, ECDHE_RSA_AES128_GCM], padTo: 'auto' });
    expect(parseClientHelloRecords(padded).messageLength).toBe(512);
    const e1 = await exchange(server.port, padded, hasType(2));
    expect(parseServerHello(e1.messages[0]!.body).cipherSuite).toBe(ECDHE_RSA_AES128_GCM);

    const big = tls12Hello({ padTo: 20_000 });
    expect(parseClientHelloRecords(big).recordLengths).toEqual([16384, 20_000 - 16384]);
    const e2 = await exchange(server.port, big, hasType(2));
    expect(e2.messages[0]?.type).toBe(2);
  });

  describe('the captured flight', () => {
    let expected: string[];
    beforeAll(() => {
      expected = summary(flight.messages);
    });

    it('reassembles the same from one chunk and from 1-byte chunks', () => {
      expect(summary(reassemble([flight.raw]))).toEqual(expected);
      const bytes = [...flight.raw].map((b) => Uint8Array.of(b));
      expect(summary(reassemble(bytes))).toEqual(expected);
    });

    it('reassembles the same from any split into chunks', () => {
      const n = flight.raw.length;
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: 40 }), (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), n];
          const chunks = points.slice(1).map((end, i) => flight.raw.subarray(points[i], end));
          expect(summary(reassemble(chunks))).toEqual(expected);
        }),
        { numRuns: 200 },
      );
    });

    it('reassembles the same with all messages in one record or spread over tiny records', () => {
      const payload = Buffer.concat(flight.messages.map((m) => m.raw));
      expect(summary(reassemble([buildRecords(22, 0x0303, payload)]))).toEqual(expected);
      for (const size of [1, 3, 7, 100, 1000]) {
        expect(summary(reassemble([buildRecords(22, 0x0303, payload, size)]))).toEqual(expected);
      }
    });
  });
});

describe('TLS 1.3 server', () => {
  let server: LocalTlsServer;
  beforeAll(async () => {
    server = await startTlsServer({ minVersion: 'TLSv1.2' });
  });
  afterAll(() => server.close());

  it('answers an x25519 key share with a TLS 1.3 ServerHello', async () => {
    const sessionId = randomBytes(32);
    const e = await exchange(server.port, tls13Hello({ sessionId }), hasType(2));
    expect(e.records[0]).toMatchObject({ contentType: 22, version: 0x0303 });
    const hello = parseServerHello(e.messages[0]!.body);
    expect(hello.version).toBe(0x0303);
    expect(hello.selectedVersion).toBe(0x0304);
    expect(hello.isHelloRetryRequest).toBe(false);
    expect([0x1301, 0x1302, 0x1303]).toContain(hello.cipherSuite);
    expect(hello.sessionId.equals(sessionId)).toBe(true);
    expect(hello.keyShareGroup).toBe(X25519);
    expect(hello.keyShare).toHaveLength(32);
  });

  it('answers an empty key share list with a HelloRetryRequest naming an offered group', async () => {
    const e = await exchange(server.port, tls13Hello({ keyShares: [] }), hasType(2));
    const hrr = parseServerHello(e.messages[0]!.body);
    expect(hrr.isHelloRetryRequest).toBe(true);
    expect(hrr.selectedVersion).toBe(0x0304);
    expect([X25519, SECP256R1]).toContain(hrr.keyShareGroup);
    expect(hrr.keyShare).toBeNull();
    expect(hrr.downgradeSentinel).toBeNull();
  });

  it('sets the TLS 1.2 downgrade sentinel when a client offers TLS 1.2 only', async () => {
    const e = await exchange(server.port, tls12Hello(), hasType(2));
    const hello = parseServerHello(e.messages[0]!.body);
    expect(hello.selectedVersion).toBe(0x0303);
    expect(hello.downgradeSentinel).toBe('tls12');
  });

  it('rejects TLS 1.0 with a protocol_version alert', async () => {
    const e = await exchange(server.port, tls12Hello({ clientVersion: 0x0301, cipherSuites: [0xc013, 0xc014] }), sawAlertOr(2));
    const alert = e.records.find((r) => r.contentType === 21);
    expect(alert).toBeDefined();
    expect(parseAlert(alert!.fragment)).toMatchObject({ level: 2, description: 70, name: 'protocol_version' });
  });
});
