import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ProtocolName, TlsResult } from '../../../src/result/types.js';
import { probeTls } from '../../../src/tls/probe/prober.js';
import { type OpenSslServer, startOpenSslServer, tcpOpener } from '../../harness/openssl-server.js';
import { freeTcpPort } from '../../harness/ports.js';
import { type ScriptedServer, startScriptedServer } from '../../harness/scripted-server.js';

// The raw prober against servers that misbehave at the TLS level: silence, garbage, endless
// streams, resets, hello-size intolerance, rate limiting. The prober must always come back (no
// hang, no exception), report what it could not decide as protocolErrors, and invent nothing.

// Jest's default 5 s per test is tight for real servers on a loaded machine (the project-level testTimeout is not applied).
jest.setTimeout(30_000);

const ALL: ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const FAST = { probeTimeoutMs: 300, retries: 1 } as const;
const HANDSHAKE_FAILURE = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function scripted(onConnection: (socket: net.Socket) => void): Promise<ScriptedServer> {
  const server = await startScriptedServer(onConnection);
  servers.push(server);
  return server;
}

function expectNothingFound(r: TlsResult) {
  for (const p of ALL) expect(r.protocols[p]).toBe(false);
  expect(r.cipherSuites).toEqual([]);
  expect(r.serverPreference).toEqual([]);
  expect(r.groups).toEqual([]);
  expect(r.dh).toEqual([]);
  expect(r.compression).toBeNull();
  expect(r.fallbackScsv).toBeNull();
  expect(r.certificateChain).toEqual([]);
}

/** Writes `chunk` again and again, as fast as the peer reads, until the connection ends. */
function pumpForever(socket: net.Socket, chunk: Buffer) {
  const pump = () => {
    while (!socket.destroyed && socket.writable && socket.write(chunk));
  };
  socket.on('drain', pump);
  pump();
}

// --- minimal TLS server-side wire helpers for scripted servers ---

function tlsRecord(contentType: number, body: Buffer): Buffer {
  const header = Buffer.from([contentType, 0x03, 0x03, 0, 0]);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

function handshakeMessage(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  header[0] = type;
  return Buffer.concat([header, body]);
}

/** A TLS 1.2 ServerHello choosing `suite`, with an empty renegotiation_info. */
function serverHello(suite: number): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 0x5a), // random
    Buffer.from([0]), // session id
    Buffer.from([suite >> 8, suite & 0xff, 0]), // suite, compression null
    Buffer.from([0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00]), // extensions: renegotiation_info
  ]);
  return tlsRecord(22, handshakeMessage(2, body));
}

/** A Certificate message with one 1000-byte "certificate". */
function certificateMessage(): Buffer {
  const cert = Buffer.alloc(1000, 0x30);
  const entry = Buffer.concat([Buffer.from([0, (cert.length >> 8) & 0xff, cert.length & 0xff]), cert]);
  const list = Buffer.concat([Buffer.from([0, (entry.length >> 8) & 0xff, entry.length & 0xff]), entry]);
  return tlsRecord(22, handshakeMessage(11, list));
}

/** The first TLS record of a connection (the ClientHello) once complete, or null (SSLv2, garbage, incomplete). */
function firstTlsRecord(buffered: Buffer): Buffer | null {
  if (buffered.length < 5 || buffered[0] !== 0x16) return null;
  const need = 5 + buffered.readUInt16BE(3);
  return buffered.length >= need ? buffered.subarray(0, need) : null;
}

/** client_version and cipher suites of a ClientHello record. */
function parseClientHello(record: Buffer): { version: number; suites: number[] } {
  let o = 5 + 4; // record header, handshake header
  const version = record.readUInt16BE(o);
  o += 2 + 32;
  o += 1 + (record[o] ?? 0); // session id
  const n = record.readUInt16BE(o);
  o += 2;
  const suites: number[] = [];
  for (let i = 0; i < n; i += 2) suites.push(record.readUInt16BE(o + i));
  return { version, suites };
}

/**
 * A TCP proxy to `upstream` that reads each connection's first record and then either forwards
 * the connection or closes it, as `refuse(firstRecord, connectionIndex)` decides. SSLv2 hellos
 * are forwarded.
 */
async function gate(upstream: number, refuse: (hello: Buffer, index: number) => boolean | 'stall'): Promise<{ port: number; counts: { refused: number } }> {
  let index = 0;
  const counts = { refused: 0 };
  const server = await scripted((client) => {
    const i = index++;
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const sslv2 = (buffered[0] ?? 0) & 0x80 && buffered.length >= 2 && buffered.length >= 2 + (buffered.readUInt16BE(0) & 0x7fff);
      const hello = sslv2 ? buffered : firstTlsRecord(buffered);
      if (!hello) return;
      client.off('data', onData);
      const verdict = refuse(hello, i);
      if (verdict === 'stall') return;
      if (verdict) {
        counts.refused++;
        client.destroy();
        return;
      }
      const up = net.connect(upstream, '127.0.0.1');
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.write(buffered);
      client.pipe(up);
      up.pipe(client);
    };
    client.on('data', onData);
  });
  return { port: server.port, counts };
}

describe('a server that never answers', () => {
  test('every protocol ends with a timeout error; the prober comes back', async () => {
    const server = await scripted(() => {});
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    for (const p of ALL) expect(r.protocolErrors[p]).toMatchObject({ code: 'timeout', phase: 'tls_handshake' });
    // Each first probe was tried twice (retries: 1).
    expect(r.probeCount % 2).toBe(0);
  });

  test('a refused port: connection_refused for every protocol', async () => {
    const port = await freeTcpPort();
    const r = await probeTls({ openSocket: tcpOpener(port), serverName: null, ...FAST });
    expectNothingFound(r);
    for (const p of ALL) expect(r.protocolErrors[p]).toMatchObject({ code: 'connection_refused' });
  });
});

describe('garbage instead of TLS', () => {
  test.each([
    ['an HTTP error, then close', (s: net.Socket) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')],
    ['an SSH banner, connection left open', (s: net.Socket) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')],
    ['binary bytes, connection left open', (s: net.Socket) => s.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42]))],
    ['an XMPP stream error', (s: net.Socket) => s.end("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'><stream:error/>")],
    ['a TLS record with a non-ServerHello handshake message', (s: net.Socket) => s.write(tlsRecord(22, handshakeMessage(14, Buffer.alloc(0))))],
    ['an SSLv2-framed record of an unknown message type', (s: net.Socket) => s.end(Buffer.from([0x80, 0x03, 0x09, 0x00, 0x00]))],
  ])('%s: nothing supported, nothing undecided', async (_name, reply) => {
    const server = await scripted((s) => s.once('data', () => reply(s)));
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    expect(r.protocolErrors).toEqual({});
  });

  test('the start of an SSLv2 record that never completes: timeouts, not a hang', async () => {
    // 0xFF 0xFF announces a 32767-byte SSLv2 record; only 3 bytes come.
    const server = await scripted((s) => s.once('data', () => s.write(Buffer.from([0xff, 0xff, 0x01]))));
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    for (const p of ALL) expect(r.protocolErrors[p]?.code).toBe('timeout');
  });
});

describe('endless streams are cut off', () => {
  test('endless non-TLS bytes: rejected at once', async () => {
    const server = await scripted((s) => s.once('data', () => pumpForever(s, Buffer.alloc(64 * 1024, 0x41))));
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    expect(r.protocolErrors).toEqual({});
  });

  test('endless empty handshake records: the probe deadline holds although bytes keep coming', async () => {
    const empty = Buffer.from([0x16, 0x03, 0x03, 0x00, 0x00]);
    const chunk = Buffer.concat(Array.from({ length: 3000 }, () => empty));
    const server = await scripted((s) => s.once('data', () => pumpForever(s, chunk)));
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    for (const p of ALL.filter((p) => p !== 'SSLv2')) expect(r.protocolErrors[p]?.code).toBe('timeout');
  });

  test('a ServerHello followed by endless Certificate messages: the suite is kept, the stream cut at the deadline', async () => {
    let streamed = 0;
    const certificates = Buffer.concat(Array.from({ length: 16 }, certificateMessage));
    const server = await scripted((s) => {
      s.on('close', () => (streamed += s.bytesWritten));
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if ((buffered[0] ?? 0) !== 0x16) return s.destroy();
        const record = firstTlsRecord(buffered);
        if (!record) return;
        s.off('data', onData);
        const hello = parseClientHello(record);
        // TLS 1.2 hellos offering ECDHE-RSA-AES128-GCM-SHA256 only; TLS 1.3 hellos carry 0x13xx suites.
        const tls12 = hello.version === 0x0303 && !hello.suites.some((c) => c >> 8 === 0x13);
        if (!tls12 || !hello.suites.includes(0xc02f)) return s.end(HANDSHAKE_FAILURE);
        s.write(serverHello(0xc02f));
        pumpForever(s, certificates);
      };
      s.on('data', onData);
    });
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expect(r.protocolErrors).toEqual({});
    expect(Object.entries(r.protocols).filter(([, v]) => v)).toEqual([['TLSv1.2', true]]);
    expect(r.cipherSuites.map((s) => `${s.protocol} ${s.code}`)).toEqual(['TLSv1.2 0xC02F']);
    expect(r.secureRenegotiation).toBe(true);
    // The flight never completed (no ServerHelloDone): the CertificateRequest question stays open.
    expect(r.clientCertificateRequested).toBeNull();
    // Far more than any of the prober's buffers (256 KiB) went by: it reads and drops as it goes.
    expect(streamed).toBeGreaterThan(1024 * 1024);
  });
});

describe('resets', () => {
  test('reset after the hello: refused, not undecided', async () => {
    const server = await scripted((s) => s.once('data', () => s.resetAndDestroy()));
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    expect(r.protocolErrors).toEqual({});
  });

  test('reset right after accept: nothing supported; any error is a connection reset', async () => {
    const server = await scripted((s) => s.resetAndDestroy());
    const r = await probeTls({ openSocket: tcpOpener(server.port), serverName: null, ...FAST });
    expectNothingFound(r);
    // Whether the RST beats the connect event is a race: a probe sees either a reset during the
    // exchange (a refusal) or a failed connect (retried, then an error).
    for (const e of Object.values(r.protocolErrors)) expect(e.code).toBe('connection_reset');
  });
});

describe('in front of a real server (openssl s_server)', () => {
  let upstream: OpenSslServer;
  let direct: TlsResult;
  const suiteSet = (r: TlsResult) => r.cipherSuites.map((s) => `${s.protocol} ${s.code}`).sort();

  beforeAll(async () => {
    upstream = await startOpenSslServer({
      protocols: ['TLSv1.2', 'TLSv1.3'],
      cipher: 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256',
      serverPreference: true,
    });
    direct = await probeTls({ openSocket: tcpOpener(upstream.port), serverName: 'tls.test' });
    expect(direct.protocols).toMatchObject({ 'TLSv1.2': true, 'TLSv1.3': true });
    expect(direct.notes).toEqual([]);
  });
  afterAll(async () => {
    await upstream.stop();
  });

  test('a server that closes on hellos with more than 64 suites: found through smaller hellos, with a note', async () => {
    const proxy = await gate(upstream.port, (hello) => hello[0] === 0x16 && parseClientHello(hello).suites.length > 64);
    const r = await probeTls({ openSocket: tcpOpener(proxy.port), serverName: 'tls.test' });
    expect(proxy.counts.refused).toBeGreaterThan(0);
    expect(r.protocolErrors).toEqual({});
    expect(r.protocols).toEqual(direct.protocols);
    expect(suiteSet(r)).toEqual(suiteSet(direct));
    expect(r.serverPreference).toEqual(direct.serverPreference);
    expect(r.notes).toContain('TLSv1.2: the server closed the connection on large hellos; smaller ones worked');
  });

  test('a server that refuses by closing silently (no shared suite, older protocols): no size-intolerance note, no halving', async () => {
    // TLS 1.2 only; 16 suites in the client's order; no shared suite → close without an alert. The
    // enumeration splits chunks once connections sit idle: a half that holds no accepted suite ends
    // in such a close, and must not be taken for intolerance to big hellos (its parent's, bigger,
    // hello was answered).
    const accepted = [0x009c, 0x009d, 0x002f, 0x0035, 0x003c, 0x003d, 0x009e, 0x009f, 0x0033, 0x0039, 0x0067, 0x006b, 0xc09c, 0xc09d, 0xc0a0, 0xc0a1];
    const server = await scripted((socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered[0] !== 0x16) return void socket.destroy();
        const record = firstTlsRecord(buffered);
        if (!record) return;
        const { version, suites } = parseClientHello(record);
        // Older protocols: closed without a word too.
        if (version !== 0x0303 || suites.some((c) => c >> 8 === 0x13)) return void socket.destroy();
        const pick = suites.find((c) => accepted.includes(c));
        if (pick === undefined) return void socket.destroy();
        socket.end(serverHello(pick));
      });
    });
    const probes: ProtocolName[] = [];
    const r = await probeTls({
      openSocket: tcpOpener(server.port),
      serverName: null,
      protocols: ['TLSv1.2', 'TLSv1.1', 'TLSv1.0'],
      onProbe: (e) => probes.push(e.protocol),
      ...FAST,
    });
    expect(r.protocolErrors).toEqual({});
    expect(r.protocols).toMatchObject({ 'TLSv1.2': true, 'TLSv1.1': false, 'TLSv1.0': false });
    expect(r.cipherSuites.map((s) => parseInt(s.code, 16)).sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
    expect(r.notes.filter((n) => n.includes('large hellos'))).toEqual([]);
    // TLS 1.1 and 1.0 (169 candidate suites: two hellos each) are refused as they are: the server
    // answered bigger TLS 1.2 hellos, so their closes are not taken for size intolerance.
    expect(probes.filter((p) => p === 'TLSv1.1')).toHaveLength(2);
    expect(probes.filter((p) => p === 'TLSv1.0')).toHaveLength(2);
  });

  test('a server that closes every other connection (rate limiting): no error, no invention, flagged in the notes', async () => {
    // A close after the protocol already answered is retried once; a close on the first hello of
    // a chunk is a refusal, so what it finds may be a subset of the truth, and it says so.
    // One connection at a time keeps the alternation deterministic.
    const proxy = await gate(upstream.port, (_hello, i) => i % 2 === 1);
    const r = await probeTls({ openSocket: tcpOpener(proxy.port), serverName: 'tls.test', maxConnections: 1 });
    expect(proxy.counts.refused).toBeGreaterThan(0);
    expect(r.protocolErrors).toEqual({});
    expect(suiteSet(direct)).toEqual(expect.arrayContaining(suiteSet(r)));
    for (const p of ALL) if (r.protocols[p]) expect(direct.protocols[p]).toBe(true);
    expect(r.notes.length).toBeGreaterThan(0);
  });

  test('a server that stalls on the small hellos of the order probes: probeTls still returns the enumeration', async () => {
    // Enumeration hellos offer dozens of suites; the order, compression and fallback probes offer
    // only the 5 accepted TLS 1.2 suites.
    const proxy = await gate(upstream.port, (hello) => {
      if (hello[0] !== 0x16) return false;
      const { suites } = parseClientHello(hello);
      return suites.length < 12 && !suites.some((c) => c >> 8 === 0x13) ? 'stall' : false;
    });
    const r = await probeTls({ openSocket: tcpOpener(proxy.port), serverName: 'tls.test', ...FAST });
    expect(r.protocols).toEqual(direct.protocols);
    expect(r.serverPreference.find((o) => o.protocol === 'TLSv1.2')?.serverEnforced).toBeNull();
  });

  test('a server that stalls on hellos offering NULL-MD5 still shows TLS 1.2 and the suites found in other hellos', async () => {
    const proxy = await gate(upstream.port, (hello) => (hello[0] === 0x16 && parseClientHello(hello).suites.includes(0x0001) ? 'stall' : false));
    const r = await probeTls({ openSocket: tcpOpener(proxy.port), serverName: 'tls.test', ...FAST });
    expect(r.protocols['TLSv1.3']).toBe(true);
    expect(r.protocols['TLSv1.2']).toBe(true);
    expect(r.cipherSuites.some((s) => s.protocol === 'TLSv1.2')).toBe(true);
  });
});

test('no probe connection is opened after probeTls() has returned', async () => {
  let connections = 0;
  const server = await scripted(() => connections++);
  await probeTls({ openSocket: tcpOpener(server.port), serverName: null, protocols: ['TLSv1.2'], maxConnections: 1, ...FAST });
  const atReturn = connections;
  await new Promise((r) => setTimeout(r, 1500));
  expect(connections).toBe(atReturn);
});
