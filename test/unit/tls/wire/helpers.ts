// Test helpers for the wire tests: an independent ClientHello parser (so builder checks do not
// reuse the code under test), a local Node TLS server, and a raw-socket exchange; for the
// simulation tests, a listener that captures a real client's ClientHello and a profile made of one.
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { createServer, type Server, type TlsOptions } from 'node:tls';
import type { ClientProfile } from '../../../../src/tls/registry/client-profiles.js';
import { TlsParseError } from '../../../../src/tls/wire/errors.js';
import { HandshakeReassembler, TlsRecordReader, type HandshakeMessage, type TlsRecord } from '../../../../src/tls/wire/records.js';
import { createLeaf, type TestCert } from '../../../harness/pki.js';

export interface ParsedClientHello {
  recordVersions: number[];
  recordLengths: number[];
  /** Handshake message length including its 4-byte header. */
  messageLength: number;
  clientVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuites: number[];
  compressionMethods: number[];
  /** null when the message has no extensions block. */
  extensions: [number, Buffer][] | null;
}

function fail(msg: string): never {
  throw new Error(`test parser: ${msg}`);
}

/** Parses ClientHello record(s) with plain index arithmetic; any inconsistency throws. */
export function parseClientHelloRecords(bytes: Buffer): ParsedClientHello {
  const recordVersions: number[] = [];
  const recordLengths: number[] = [];
  const parts: Buffer[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < 5) fail('short record header');
    if (bytes[off] !== 22) fail(`content type ${bytes[off]}`);
    recordVersions.push(bytes.readUInt16BE(off + 1));
    const len = bytes.readUInt16BE(off + 3);
    if (len > 16384) fail(`record of ${len}`);
    recordLengths.push(len);
    if (off + 5 + len > bytes.length) fail('short record');
    parts.push(bytes.subarray(off + 5, off + 5 + len));
    off += 5 + len;
  }
  const msg = Buffer.concat(parts);
  if (msg[0] !== 1) fail(`handshake type ${msg[0]}`);
  const bodyLen = msg.readUIntBE(1, 3);
  if (bodyLen + 4 !== msg.length) fail(`handshake length ${bodyLen} vs ${msg.length - 4}`);
  const b = msg.subarray(4);
  let p = 0;
  const clientVersion = b.readUInt16BE(p);
  p += 2;
  const random = b.subarray(p, p + 32);
  p += 32;
  const sidLen = b[p++]!;
  const sessionId = b.subarray(p, p + sidLen);
  p += sidLen;
  const csLen = b.readUInt16BE(p);
  p += 2;
  const cipherSuites: number[] = [];
  for (let i = 0; i < csLen; i += 2) cipherSuites.push(b.readUInt16BE(p + i));
  p += csLen;
  const cmLen = b[p++]!;
  const compressionMethods = [...b.subarray(p, p + cmLen)];
  p += cmLen;
  let extensions: [number, Buffer][] | null = null;
  if (p < b.length) {
    const extLen = b.readUInt16BE(p);
    p += 2;
    if (p + extLen !== b.length) fail('extensions length');
    extensions = [];
    const end = p + extLen;
    while (p < end) {
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      extensions.push([type, b.subarray(p + 4, p + 4 + len)]);
      p += 4 + len;
    }
    if (p !== end) fail('extension overrun');
  }
  return {
    recordVersions,
    recordLengths,
    messageLength: msg.length,
    clientVersion,
    random,
    sessionId,
    cipherSuites,
    compressionMethods,
    extensions,
  };
}

export function ext(hello: ParsedClientHello, type: number): Buffer | undefined {
  return hello.extensions?.find(([t]) => t === type)?.[1];
}

/** Runs `fn`; passes if it returns or throws a TlsParseError, rethrows anything else. */
export function onlyTlsParseError(fn: () => unknown): TlsParseError | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof TlsParseError) return err;
    throw err;
  }
}

export interface LocalTlsServer {
  port: number;
  cert: TestCert;
  close(): Promise<void>;
}

let leaf: Promise<TestCert> | null = null;

/** A Node TLS server on 127.0.0.1 with a self-signed RSA certificate for `localhost`. */
export async function startTlsServer(options: TlsOptions = {}): Promise<LocalTlsServer> {
  leaf ??= createLeaf(null, { selfSigned: true, dns: ['localhost'], key: { type: 'RSA', bits: 2048 } });
  const cert = await leaf;
  const server: Server = createServer({ key: cert.keyPem, cert: cert.pem, ...options });
  server.on('tlsClientError', () => {}); // our probes never finish handshakes
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    cert,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Exchange {
  /** Every byte received until the stop condition. */
  raw: Buffer;
  records: TlsRecord[];
  messages: HandshakeMessage[];
}

/**
 * Writes `hello` to 127.0.0.1:`port` over a raw socket and reads records until `stop` says so
 * (checked after each record), the peer closes, or a 10 s safety net.
 */
export function exchange(port: number, hello: Buffer, stop: (e: Exchange) => boolean): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const state: Exchange = { raw: Buffer.alloc(0), records: [], messages: [] };
    const reader = new TlsRecordReader();
    const hs = new HandshakeReassembler();
    const sock = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(state);
    };
    const timer = setTimeout(() => finish(), 10_000);
    sock.on('connect', () => sock.write(hello));
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      state.raw = Buffer.concat([state.raw, chunk]);
      try {
        reader.push(chunk);
        for (let r = reader.nextRecord(); r !== null; r = reader.nextRecord()) {
          state.records.push(r);
          if (r.contentType === 22) {
            hs.push(r.fragment);
            state.messages.push(...hs.drain());
          }
          if (stop(state)) return finish();
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.on('error', () => finish());
    sock.on('close', () => finish());
  });
}

/**
 * A client profile whose ClientHello is the captured `hello` (its records parsed here), every
 * extension as sent; `over` sets the rest (id, name, provenance, accepts…).
 */
export function profileFromHello(hello: Buffer, over: Partial<ClientProfile> = {}): ClientProfile {
  const p = parseClientHelloRecords(hello);
  return {
    id: 'openssl_test',
    name: 'OpenSSL (test)',
    software: [],
    roles: ['c2s', 's2s'],
    current: true,
    provenance: { method: 'published', source: 'test', note: 'test' },
    clientHello: {
      legacyVersion: p.clientVersion,
      recordVersion: p.recordVersions[0] as number,
      cipherSuites: p.cipherSuites,
      compressionMethods: p.compressionMethods,
      extensions: (p.extensions ?? []).map(([type, data]) => ({ type, name: `ext_${type}`, data: data.toString('hex') })),
    },
    accepts: { versions: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0'], minDhBits: 2048 },
    ...over,
  };
}

/** Listens for one connection and resolves with the whole ClientHello it sends (its records). */
export async function startHelloCapture(): Promise<{ port: number; hello: Promise<Buffer>; close(): void }> {
  const listener = createTcpServer();
  const hello = new Promise<Buffer>((resolve, reject) => {
    listener.once('connection', (socket) => {
      let buf = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        // Whole records, until the handshake message is complete.
        let off = 0;
        const parts: Buffer[] = [];
        while (buf.length >= off + 5 && buf.length >= off + 5 + buf.readUInt16BE(off + 3)) {
          parts.push(buf.subarray(off + 5, off + 5 + buf.readUInt16BE(off + 3)));
          off += 5 + buf.readUInt16BE(off + 3);
        }
        const msg = Buffer.concat(parts);
        if (buf[0] !== 22) reject(new Error(`not a TLS handshake record: ${buf.subarray(0, 16).toString('hex')}`));
        else if (msg.length >= 4 && msg.length >= 4 + msg.readUIntBE(1, 3)) {
          resolve(buf.subarray(0, off));
          socket.destroy();
        }
      });
    });
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  return { port: (listener.address() as AddressInfo).port, hello, close: () => listener.close() };
}
