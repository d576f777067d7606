import net from 'node:net';
import tls from 'node:tls';
import { upgradeToTls } from '../../../src/connector/tls-upgrade.js';
import { ScanError } from '../../../src/result/errors.js';
import { createCa, createLeaf, type TestCert } from '../../harness/pki.js';

// The one TLS upgrade, against loopback servers that behave in each way a handshake can end: the
// caller's options decide what is verified, the upgrade gives typed errors in phase tls_handshake.

type Behaviour = 'tls' | 'close' | 'reset' | 'silent';

let ca: TestCert;
let leaf: TestCert;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  ca = await createCa();
  leaf = await createLeaf(ca, { dns: ['upgrade.test'] });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function server(behaviour: Behaviour): Promise<number> {
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    if (behaviour === 'close') socket.once('data', () => socket.end());
    if (behaviour === 'reset') socket.once('data', () => socket.resetAndDestroy());
  };
  const s =
    behaviour === 'tls'
      ? tls.createServer({ cert: leaf.pem, key: leaf.keyPem }, (t) => t.on('error', () => {})).on('connection', onSocket)
      : net.createServer(onSocket);
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as net.AddressInfo).port;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

async function upgradeError(port: number, options: tls.ConnectionOptions, extra: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ScanError> {
  const raw = await connect(port);
  const err = await upgradeToTls(raw, options, { peer: 'peer', timeoutMs: extra.timeoutMs ?? 10_000, ...(extra.signal ? { signal: extra.signal } : {}) }).then(
    (s) => {
      s.destroy();
      return null;
    },
    (e: unknown) => e,
  );
  raw.destroy();
  expect(err).toBeInstanceOf(ScanError);
  return err as ScanError;
}

describe('upgradeToTls', () => {
  test("with the caller's options: verified against its CA and name, the handshake completes", async () => {
    const raw = await connect(await server('tls'));
    let started = false;
    const socket = await upgradeToTls(raw, { ca: [ca.pem], servername: 'upgrade.test' }, { peer: 'peer', timeoutMs: 10_000, onStart: () => (started = true) });
    expect(started).toBe(true);
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    socket.destroy();
  });

  test('a certificate the options do not trust: tls_handshake_failed with the verification code as condition', async () => {
    const err = await upgradeError(await server('tls'), { servername: 'upgrade.test', ca: [] });
    expect(err.toJSON()).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake', condition: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test("a name the caller's identity check refuses: tls_handshake_failed", async () => {
    const err = await upgradeError(await server('tls'), { ca: [ca.pem], servername: 'upgrade.test', checkServerIdentity: () => new Error('not ours') });
    expect(err.toJSON()).toMatchObject({ code: 'tls_handshake_failed', phase: 'tls_handshake', message: 'TLS with peer failed: not ours' });
  });

  test('a server that closes the connection on our ClientHello: tls_handshake_failed, not a reset', async () => {
    const err = await upgradeError(await server('close'), { rejectUnauthorized: false });
    expect(err.toJSON()).toMatchObject({
      code: 'tls_handshake_failed',
      phase: 'tls_handshake',
      message: expect.stringContaining('the server closed the connection'),
    });
  });

  test('a server that resets the connection: connection_reset', async () => {
    const err = await upgradeError(await server('reset'), { rejectUnauthorized: false });
    expect(err.toJSON()).toMatchObject({ code: 'connection_reset', phase: 'tls_handshake' });
  });

  test('a server that never answers: timeout of the phase', async () => {
    const err = await upgradeError(await server('silent'), { rejectUnauthorized: false }, { timeoutMs: 200 });
    expect(err.toJSON()).toEqual({
      code: 'timeout',
      phase: 'tls_handshake',
      deadline: 'phase',
      message: 'TLS handshake with peer did not finish within 0.2 s',
    });
  });

  test('an aborted scan: aborted, in phase tls_handshake', async () => {
    const controller = new AbortController();
    const port = await server('silent');
    setTimeout(() => controller.abort(), 50);
    const err = await upgradeError(port, { rejectUnauthorized: false }, { signal: controller.signal });
    expect(err.toJSON()).toMatchObject({ code: 'aborted', phase: 'tls_handshake' });
  });
});
