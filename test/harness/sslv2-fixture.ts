import net from 'node:net';

// A tiny SSLv2 server written from the SSL 2.0 draft (draft-hickman-netscape-ssl-00): no real SSLv2
// implementation is left to test against. It reads the client's CLIENT-HELLO, answers a
// SERVER-HELLO carrying its certificate and the cipher specs it shares with the client, and closes
// (no key exchange follows: a prober only needs the SERVER-HELLO). A TLS hello (first byte 0x16)
// gets a fatal handshake_failure alert, as from a server that speaks only SSLv2.

/** Fatal handshake_failure alert in a TLS 1.0 record. */
export const TLS_HANDSHAKE_FAILURE = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

const MT_ERROR = 0;
const MT_CLIENT_HELLO = 1;
const MT_SERVER_HELLO = 4;
const SSL_PE_NO_CIPHER = 0x0001;
const SSL_CT_X509_CERTIFICATE = 1;
const SSL2_VERSION = 0x0002;

export interface Sslv2ClientHello {
  version: number;
  cipherSpecs: number[];
  sessionId: Buffer;
  challenge: Buffer;
}

export interface Sslv2FixtureOptions {
  /** The server's cipher specs (3-byte codes), in its order of preference. */
  cipherSpecs: number[];
  /** DER certificate for the SERVER-HELLO. */
  certificate: Buffer;
  /**
   * `shared` (default): answer the specs both sides have, in the server's order, or an SSLv2
   * ERROR (NO-CIPHER) when there are none; `all`: list every spec of the server, offered or not
   * (a broken server).
   */
  answer?: 'shared' | 'all';
}

export interface Sslv2Fixture {
  port: number;
  /** Every CLIENT-HELLO received, parsed. */
  clientHellos: Sslv2ClientHello[];
  /** How many connections opened with a TLS record (and got the alert). */
  tlsHellos: number;
  stop(): Promise<void>;
}

/** Parses an SSLv2 CLIENT-HELLO message (from its type byte); null if it is not one. */
export function parseSslv2ClientHello(msg: Buffer): Sslv2ClientHello | null {
  if (msg.length < 9 || msg[0] !== MT_CLIENT_HELLO) return null;
  const version = msg.readUInt16BE(1);
  const specsLength = msg.readUInt16BE(3);
  const sessionIdLength = msg.readUInt16BE(5);
  const challengeLength = msg.readUInt16BE(7);
  if (specsLength % 3 !== 0 || msg.length < 9 + specsLength + sessionIdLength + challengeLength) return null;
  const cipherSpecs: number[] = [];
  for (let i = 0; i < specsLength; i += 3) cipherSpecs.push(msg.readUIntBE(9 + i, 3));
  const sessionId = msg.subarray(9 + specsLength, 9 + specsLength + sessionIdLength);
  const challenge = msg.subarray(9 + specsLength + sessionIdLength, 9 + specsLength + sessionIdLength + challengeLength);
  return { version, cipherSpecs, sessionId: Buffer.from(sessionId), challenge: Buffer.from(challenge) };
}

/** A record with a 2-byte header: length with the high bit set. */
function sslv2Record(msg: Buffer): Buffer {
  if (msg.length > 0x7fff) throw new RangeError(`SSLv2 record of ${msg.length} bytes`);
  const header = Buffer.alloc(2);
  header.writeUInt16BE(0x8000 | msg.length);
  return Buffer.concat([header, msg]);
}

/**
 * SERVER-HELLO: msg type 4, session-id-hit, certificate type, server version, certificate length,
 * cipher-specs length, connection-id length, then the certificate, the specs, the connection id.
 */
export function buildSslv2ServerHello(certificate: Buffer, cipherSpecs: number[], connectionId: Buffer): Buffer {
  const head = Buffer.alloc(11);
  head.writeUInt8(MT_SERVER_HELLO, 0);
  head.writeUInt8(0, 1); // session-id-hit: no
  head.writeUInt8(SSL_CT_X509_CERTIFICATE, 2);
  head.writeUInt16BE(SSL2_VERSION, 3);
  head.writeUInt16BE(certificate.length, 5);
  head.writeUInt16BE(cipherSpecs.length * 3, 7);
  head.writeUInt16BE(connectionId.length, 9);
  const specs = Buffer.alloc(cipherSpecs.length * 3);
  for (const [i, c] of cipherSpecs.entries()) specs.writeUIntBE(c, i * 3, 3);
  return sslv2Record(Buffer.concat([head, certificate, specs, connectionId]));
}

/** ERROR message: msg type 0 and a 2-byte error code. */
export function buildSslv2Error(code: number): Buffer {
  const msg = Buffer.alloc(3);
  msg.writeUInt8(MT_ERROR, 0);
  msg.writeUInt16BE(code, 1);
  return sslv2Record(msg);
}

export async function startSslv2Fixture(opts: Sslv2FixtureOptions): Promise<Sslv2Fixture> {
  const clientHellos: Sslv2ClientHello[] = [];
  const sockets = new Set<net.Socket>();
  const fixture: Sslv2Fixture = { port: 0, clientHellos, tlsHellos: 0, stop: async () => {} };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const first = buffered[0] ?? 0;
      if ((first & 0x80) === 0) {
        // A TLS record (0x16 handshake) or anything else that is not SSLv2: refuse.
        socket.off('data', onData);
        if (first === 0x16) fixture.tlsHellos++;
        socket.end(TLS_HANDSHAKE_FAILURE);
        return;
      }
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0) & 0x7fff;
      if (buffered.length < 2 + length) return;
      socket.off('data', onData);
      const hello = parseSslv2ClientHello(buffered.subarray(2, 2 + length));
      if (!hello) {
        socket.destroy();
        return;
      }
      clientHellos.push(hello);
      const specs = opts.answer === 'all' ? opts.cipherSpecs : opts.cipherSpecs.filter((c) => hello.cipherSpecs.includes(c));
      if (specs.length === 0) {
        socket.end(buildSslv2Error(SSL_PE_NO_CIPHER));
        return;
      }
      const connectionId = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) connectionId[i] = (i * 37 + 11) & 0xff;
      socket.end(buildSslv2ServerHello(opts.certificate, specs, connectionId));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.port = (server.address() as net.AddressInfo).port;
  fixture.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fixture;
}
