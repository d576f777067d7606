import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { freeTcpPort } from '../../harness/ports.js';
import { SERVER_HEADER, type ScriptedServer, replyOnFirstData, startScriptedServer } from '../../harness/scripted-server.js';

// Every way a server can misbehave before TLS ends as a typed error on the endpoint, and the
// scan itself completes.

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function scanScriptedEndpoint(onConnection: Parameters<typeof startScriptedServer>[0], readMs = 800) {
  const server = await startScriptedServer(onConnection);
  servers.push(server);
  const r = await scanDomain('bad.test', {
    mode: 'c2s',
    connect: `127.0.0.1:${server.port}`,
    trustStore: loadTrustStore({ systemRoots: false }),
    timeouts: { connectMs: 2000, readMs, handshakeMs: 2000 },
  });
  expect(r.error).toBeNull();
  expect(r.endpoints).toHaveLength(1);
  expect(r.endpoints[0]!.status).toBe('error');
  return r.endpoints[0]!;
}

async function scanScripted(onConnection: Parameters<typeof startScriptedServer>[0], readMs = 800) {
  return (await scanScriptedEndpoint(onConnection, readMs)).error!;
}

const features = (inner: string) => `${SERVER_HEADER}<stream:features>${inner}</stream:features>`;
const STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

describe('bad servers give typed errors', () => {
  test('refused port', async () => {
    const port = await freeTcpPort();
    const r = await scanDomain('bad.test', { mode: 'c2s', connect: `127.0.0.1:${port}`, trustStore: loadTrustStore({ systemRoots: false }) });
    expect(r.endpoints[0]!.error).toMatchObject({ code: 'connection_refused', phase: 'connect' });
  });

  test('a server that never speaks: timeout waiting for the stream header', async () => {
    expect(await scanScripted(() => {})).toMatchObject({ code: 'timeout', phase: 'stream_header' });
  });

  test('a server that sends its header but no features', async () => {
    expect(await scanScripted(replyOnFirstData(SERVER_HEADER))).toMatchObject({ code: 'timeout', phase: 'features' });
  });

  test('garbage instead of XML', async () => {
    const err = await scanScripted(replyOnFirstData(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42])));
    expect(err.code).toBe('not_xml');
    expect(err.message).toMatch(/not XML/);
  });

  test('an HTTP server', async () => {
    const err = await scanScripted(replyOnFirstData('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(err).toMatchObject({ code: 'not_xml' });
    expect(err.message).toMatch(/HTTP/);
  });

  test('a direct-TLS port scanned with STARTTLS', async () => {
    const err = await scanScripted(replyOnFirstData(Buffer.from('150301000202280000', 'hex')));
    expect(err.code).toBe('not_xml');
    expect(err.message).toMatch(/direct-TLS/);
  });

  test('malformed XML after a good header', async () => {
    expect(await scanScripted(replyOnFirstData(`${SERVER_HEADER}<stream:features><a></b>`))).toMatchObject({ code: 'not_xml' });
  });

  test('a wrong root element', async () => {
    expect(await scanScripted(replyOnFirstData("<?xml version='1.0'?><html><body/>"))).toMatchObject({ code: 'protocol_violation' });
  });

  test('a stream error with its condition and text', async () => {
    const err = await scanScripted(
      replyOnFirstData(
        `${SERVER_HEADER}<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>go away</text></stream:error></stream:stream>`,
      ),
    );
    expect(err).toMatchObject({ code: 'stream_error', condition: 'policy-violation', text: 'go away', phase: 'features' });
  });

  test('see-other-host names the other host', async () => {
    const err = await scanScripted(
      replyOnFirstData(
        `${SERVER_HEADER}<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>other.test:5222</see-other-host></stream:error>`,
      ),
    );
    expect(err).toMatchObject({ code: 'stream_error', condition: 'see-other-host', text: 'other.test:5222' });
  });

  test('STARTTLS not offered', async () => {
    const err = await scanScripted(
      replyOnFirstData(features("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>")),
    );
    expect(err).toMatchObject({ code: 'starttls_not_offered', phase: 'features' });
  });

  test('the pre-TLS facts survive a STARTTLS failure', async () => {
    const server = await startScriptedServer((socket) => {
      socket.once('data', () => {
        socket.write(features(`${STARTTLS}<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>`));
        socket.once('data', () => socket.end("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"));
      });
    });
    servers.push(server);
    const r = await scanDomain('bad.test', { mode: 'c2s', connect: `127.0.0.1:${server.port}`, trustStore: loadTrustStore({ systemRoots: false }) });
    const ep = r.endpoints[0]!;
    expect(ep.error).toMatchObject({ code: 'starttls_failure', phase: 'proceed' });
    expect(ep.xmpp).toMatchObject({ starttls: 'offered', saslMechanisms: ['PLAIN'] });
  });

  test('no <proceed/>: timeout in the proceed phase', async () => {
    expect(await scanScripted(replyOnFirstData(features(STARTTLS)))).toMatchObject({ code: 'timeout', phase: 'proceed' });
  });

  test('<proceed/> then garbage instead of a ServerHello', async () => {
    const err = await scanScripted((socket) => {
      socket.once('data', () => {
        socket.write(features(STARTTLS));
        socket.once('data', () => {
          socket.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
          socket.once('data', () => socket.end('this is not TLS at all\n'));
        });
      });
    });
    expect(err).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake' });
  });

  test('<proceed/> then silence: handshake timeout', async () => {
    const err = await scanScripted((socket) => {
      socket.once('data', () => {
        socket.write(features(STARTTLS));
        socket.once('data', () => socket.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
      });
    });
    expect(err).toMatchObject({ code: 'timeout', phase: 'tls_handshake' });
  });

  test('a connection closed mid-stream', async () => {
    expect(await scanScripted(replyOnFirstData((s) => s.end(SERVER_HEADER)))).toMatchObject({ code: 'connection_closed', phase: 'features' });
  });

  test('a connection reset', async () => {
    expect(await scanScripted(replyOnFirstData((s) => s.resetAndDestroy()))).toMatchObject({ code: 'connection_reset' });
  });

  test('endless bytes are cut off by size', async () => {
    const err = await scanScripted(
      replyOnFirstData((s) => {
        s.write(`${SERVER_HEADER}<stream:features><x>`);
        const chunk = 'a'.repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 4 * 1024 * 1024 && s.writable && s.write(chunk)) sent += chunk.length;
          if (sent < 4 * 1024 * 1024 && s.writable) s.once('drain', pump);
        };
        pump();
      }),
      5000,
    );
    expect(err).toMatchObject({ code: 'response_too_large' });
  });
});

describe('a server that demands a client certificate', () => {
  test('TLS 1.3 certificate_required alert → clientCertificateRequired, typed error', async () => {
    const { createLeaf } = await import('../../harness/pki.js');
    const tls = await import('node:tls');
    const leaf = await createLeaf(null, { dns: ['bad.test'], selfSigned: true });
    const context = tls.createSecureContext({ cert: leaf.pem, key: leaf.keyPem, ca: [leaf.pem] });
    const ep = await scanScriptedEndpoint((socket) => {
      socket.once('data', () => {
        socket.write(features(STARTTLS));
        socket.once('data', () => {
          socket.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
          const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context, requestCert: true, rejectUnauthorized: true });
          secure.on('error', () => {});
        });
      });
    }, 3000);
    expect(ep.error).toMatchObject({ code: 'tls_handshake_failed', message: expect.stringMatching(/requires a client certificate/) });
    expect(ep.xmpp?.clientCertificateRequired).toBe(true);
    expect(ep.xmpp?.starttls).toBe('offered');
  });
});

describe('a TLS 1.2 server that requires a client certificate (our full handshake fails)', () => {
  test('the certificate its CertificateRequest flight carried is judged; no made-up certificate_unavailable', async () => {
    const { startOpenSslServer } = await import('../../harness/openssl-server.js');
    const server = await startOpenSslServer({ protocols: ['TLSv1.2'], extraArgs: ['-Verify', '1'] });
    try {
      const r = await scanDomain('tls.test', {
        mode: 's2s',
        connect: `127.0.0.1:${server.port}`,
        directTls: true,
        trustStore: loadTrustStore({ systemRoots: false }),
        fetchAia: false,
        timeouts: { connectMs: 2000, readMs: 2000, handshakeMs: 2000 },
      });
      const ep = r.endpoints[0]!;
      expect(ep.error).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake' });
      expect(ep.tls?.clientCertificateRequested).toBe(true);
      expect(ep.certificate?.fingerprintSha256.replace(/:/g, '').toLowerCase()).toBe(createHash('sha256').update(server.certificate).digest('hex'));
      // Self-signed: untrusted, so T, for the certificate's own reason.
      expect(ep.grade?.caps.map((c) => c.code)).toContain('certificate_not_trusted');
      expect(ep.grade?.caps.map((c) => c.code)).not.toContain('certificate_unavailable');
    } finally {
      await server.stop();
    }
  });
});
