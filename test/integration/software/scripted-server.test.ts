import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { VersionQueryClient, type VersionAccountOptions } from '../../../src/software/client.js';
import { createCa, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';

// What a real Prosody will not do on demand: a scripted XMPP server (direct TLS, SCRAM-SHA-256
// checked for real) that stays silent, answers nonsense, sends hostile text, drops the
// connection, pings us, or fakes its SCRAM signature.

const PASSWORD = 'pässwörd with spaces';
const SALT = randomBytes(16);
const ITERATIONS = 4096;

interface ServerState {
  logins: number;
  /** Mechanisms to offer. */
  mechanisms: string[];
  /** Send a wrong server signature. */
  fakeSignature: boolean;
  pingAnswered: boolean;
  connections: Set<tls.TLSSocket>;
}

const state: ServerState = {
  logins: 0,
  mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'],
  fakeSignature: false,
  pingAnswered: false,
  connections: new Set(),
};
let server: tls.Server;
let port: number;
let dir: string;
let caFile: string;
const clients: VersionQueryClient[] = [];

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='fake.test' id='s1' version='1.0'>";
const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

function scramServer(clientFirst: string): { serverFirst: string; check(clientFinal: string): string | null } {
  const bare = clientFirst.slice(3); // after "n,,"
  const clientNonce = /r=([^,]+)/.exec(bare)![1]!;
  const nonce = clientNonce + randomBytes(12).toString('base64url');
  const serverFirst = `r=${nonce},s=${SALT.toString('base64')},i=${ITERATIONS}`;
  return {
    serverFirst,
    check(clientFinal) {
      const withoutProof = clientFinal.replace(/,p=[^,]+$/, '');
      const proof = Buffer.from(/,p=([^,]+)$/.exec(clientFinal)![1]!, 'base64');
      const salted = pbkdf2Sync(PASSWORD.normalize('NFKC'), SALT, ITERATIONS, 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = createHash('sha256').update(clientKey).digest();
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const signature = createHmac('sha256', storedKey).update(authMessage).digest();
      const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
      if (!createHash('sha256').update(recovered).digest().equals(storedKey)) return null;
      const serverKey = createHmac('sha256', salted).update('Server Key').digest();
      return `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`;
    },
  };
}

/** A line-oriented fake: good enough for one client writing whole elements. */
function onConnection(socket: tls.TLSSocket): void {
  state.connections.add(socket);
  socket.on('close', () => state.connections.delete(socket));
  socket.on('error', () => {});
  let buffer = '';
  let scram: ReturnType<typeof scramServer> | null = null;
  let authed = false;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (;;) {
      const header = /^\s*<\?xml[^>]*\?>\s*<stream:stream[^>]*>/.exec(buffer);
      if (header) {
        buffer = buffer.slice(header[0].length);
        const features = authed
          ? "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
          : `<mechanisms xmlns='${SASL}'>${state.mechanisms.map((x) => `<mechanism>${x}</mechanism>`).join('')}</mechanisms>`;
        socket.write(`${HEADER}<stream:features>${features}</stream:features>`);
        continue;
      }
      const auth = /^<auth xmlns='[^']+' mechanism='([^']+)'>([^<]*)<\/auth>/.exec(buffer);
      if (auth) {
        buffer = buffer.slice(auth[0].length);
        if (auth[1] === 'PLAIN') {
          const [, user, pass] = Buffer.from(auth[2]!, 'base64').toString('utf8').split('\u0000');
          if (user === 'bot' && pass === PASSWORD) {
            authed = true;
            state.logins++;
            socket.write(`<success xmlns='${SASL}'/>`);
          } else socket.write(`<failure xmlns='${SASL}'><not-authorized/></failure>`);
          continue;
        }
        scram = scramServer(Buffer.from(auth[2]!, 'base64').toString('utf8'));
        socket.write(`<challenge xmlns='${SASL}'>${Buffer.from(scram.serverFirst).toString('base64')}</challenge>`);
        continue;
      }
      const response = /^<response xmlns='[^']+'>([^<]*)<\/response>/.exec(buffer);
      if (response) {
        buffer = buffer.slice(response[0].length);
        const serverFinal = scram!.check(Buffer.from(response[1]!, 'base64').toString('utf8'));
        if (!serverFinal) {
          socket.write(`<failure xmlns='${SASL}'><not-authorized/><text>bad proof</text></failure>`);
          continue;
        }
        authed = true;
        state.logins++;
        const v = state.fakeSignature ? `v=${randomBytes(32).toString('base64')}` : serverFinal;
        socket.write(`<success xmlns='${SASL}'>${Buffer.from(v).toString('base64')}</success>`);
        continue;
      }
      const bind = /^<iq type='set' id='bind'>.*?<\/iq>/.exec(buffer);
      if (bind) {
        buffer = buffer.slice(bind[0].length);
        socket.write(`<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>bot@fake.test/r1</jid></bind></iq>`);
        // The server pings its new client; the client must answer.
        socket.write(`<iq type='get' id='srvping' from='fake.test'><ping xmlns='urn:xmpp:ping'/></iq>`);
        continue;
      }
      const pong = /^<iq type='result' id='srvping'[^>]*\/>/.exec(buffer);
      if (pong) {
        buffer = buffer.slice(pong[0].length);
        state.pingAnswered = true;
        continue;
      }
      const version = /^<iq type='get' id='([^']+)' to='([^']+)'><query xmlns='jabber:iq:version'\/><\/iq>/.exec(buffer);
      if (version) {
        buffer = buffer.slice(version[0].length);
        answer(socket, version[1]!, version[2]!);
        continue;
      }
      const space = /^\s+/.exec(buffer);
      if (space && space[0].length > 0) {
        buffer = buffer.slice(space[0].length);
        continue;
      }
      if (buffer.startsWith('</stream:stream>')) socket.end('</stream:stream>');
      return;
    }
  });
}

function answer(socket: tls.TLSSocket, id: string, to: string): void {
  const q = (inner: string) => `<iq type='result' id='${id}' from='${to}'><query xmlns='jabber:iq:version'>${inner}</query></iq>`;
  switch (to) {
    case 'silent.test':
      return;
    case 'garbage.test':
      socket.write(`<iq type='result' id='${id}' from='${to}'><vCard xmlns='vcard-temp'/></iq>`);
      return;
    case 'hostile.test':
      socket.write(q(`<name>Evil\u202Egnp.exe\u200B</name><version>${'9'.repeat(500)}</version><os>line1\nline2\u0085</os>`));
      return;
    case 'drop.test':
      socket.destroy();
      return;
    case 'wrongid.test':
      socket.write(`<iq type='result' id='not-${id}' from='${to}'><query xmlns='jabber:iq:version'><name>Forged</name></query></iq>`);
      return;
    default:
      socket.write(q(`<name>FakeServer</name><version>1.2.3</version>`));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-fake-xmpp-'));
  const ca = await createCa({ cn: 'Fake XMPP CA' });
  const files = await writePemFiles(dir, 'fake.test', await createLeaf(ca, { dns: ['fake.test'] }));
  caFile = await writeCertFile(join(dir, 'ca.pem'), [ca]);
  server = tls.createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) }, onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of state.connections) s.destroy();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function client(over: Partial<VersionAccountOptions> = {}): VersionQueryClient {
  const c = new VersionQueryClient({
    jid: 'bot@fake.test',
    password: PASSWORD,
    connect: `127.0.0.1:${port}`,
    directTls: true,
    trustStore: loadTrustStore({ caFiles: [caFile], systemRoots: false }),
    timeouts: { connectMs: 2000, readMs: 2000, handshakeMs: 2000 },
    queryTimeoutMs: 500,
    backoff: { initialMs: 50, maxMs: 200 },
    ...over,
  });
  clients.push(c);
  return c;
}

describe('against a scripted server', () => {
  test('SCRAM-SHA-256 is preferred and verified both ways (SASLprep of a non-ASCII password); pings are answered', async () => {
    const before = state.logins;
    const r = await client().query('ok.test');
    expect(r).toMatchObject({ name: 'FakeServer', version: '1.2.3', os: null });
    expect(r.error).toBeUndefined();
    expect(state.logins).toBe(before + 1);
    await new Promise((res) => setTimeout(res, 50));
    expect(state.pingAnswered).toBe(true);
  });

  test('no answer: timeout, the session stays usable', async () => {
    const c = client();
    const r = await c.query('silent.test');
    expect(r.error).toMatchObject({ code: 'timeout', message: expect.stringContaining('silent.test within 0.5 s') });
    expect((await c.query('ok.test')).name).toBe('FakeServer');
  });

  test('an answer without a version query: invalid_reply', async () => {
    const r = await client().query('garbage.test');
    expect(r.error).toMatchObject({ code: 'invalid_reply', message: expect.stringContaining('vCard') });
  });

  test('an answer to another id is not ours (timeout), a forged answer never lands', async () => {
    const r = await client().query('wrongid.test');
    expect(r.name).toBeNull();
    expect(r.error?.code).toBe('timeout');
  });

  test('hostile text is cleaned and capped', async () => {
    const r = await client().query('hostile.test');
    expect(r.error).toBeUndefined();
    expect(r.name).toBe('Evilgnp.exe');
    expect(Array.from(r.version!)).toHaveLength(100);
    expect(r.version!.endsWith('…')).toBe(true);
    expect(r.os).toBe('line1 line2');
  });

  test('the connection drops mid-query: connection_lost; the next query logs in again', async () => {
    const c = client();
    expect((await c.query('ok.test')).name).toBe('FakeServer');
    const before = state.logins;
    const dropped = await c.query('drop.test');
    expect(dropped.error?.code).toBe('connection_lost');
    expect((await c.query('ok.test')).name).toBe('FakeServer');
    expect(state.logins).toBe(before + 1);
  });

  test('concurrent queries share one login', async () => {
    const before = state.logins;
    const c = client();
    const results = await Promise.all(['a.test', 'b.test', 'c.test', 'silent.test', 'd.test'].map((d) => c.query(d)));
    expect(results.map((r) => r.name)).toEqual(['FakeServer', 'FakeServer', 'FakeServer', null, 'FakeServer']);
    expect(state.logins).toBe(before + 1);
  });

  test('the session closes when idle and opens again when needed', async () => {
    const c = client({ idleCloseMs: 100 });
    const before = state.logins;
    await c.query('ok.test');
    const open = state.connections.size;
    await new Promise((res) => setTimeout(res, 400));
    expect(state.connections.size).toBe(open - 1);
    expect((await c.query('ok.test')).name).toBe('FakeServer');
    expect(state.logins).toBe(before + 2);
  });

  test('an abort signal (scan cancelled) ends the query at once', async () => {
    const c = client({ queryTimeoutMs: 10_000 });
    const ac = new AbortController();
    const pending = c.query('silent.test', ac.signal);
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    const r = await pending;
    expect(r.error).toMatchObject({ code: 'timeout', message: expect.stringContaining('aborted') });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('a server that fakes the SCRAM signature does not know the password: login_failed', async () => {
    state.fakeSignature = true;
    try {
      const r = await client().query('ok.test');
      expect(r.error).toMatchObject({ code: 'login_failed', message: expect.stringContaining('does not know the password') });
    } finally {
      state.fakeSignature = false;
    }
  });

  test("wrong password: auth_failed; retried after the backoff, by the client's clock", async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const c = client({ password: 'wrong', backoff: { initialMs: 60_000, maxMs: 600_000 }, now: () => clock });
    const first = await c.query('ok.test');
    expect(first.error).toMatchObject({ code: 'auth_failed', condition: 'not-authorized', message: expect.stringContaining('bad proof') });
    expect(first.queriedAt).toBe('2026-01-01T00:00:00.000Z');
    clock = new Date('2026-01-01T00:00:30Z');
    expect((await c.query('ok.test')).error?.message).toContain('login not retried for another 30 s');
    clock = new Date('2026-01-01T00:01:01Z');
    const third = await c.query('ok.test');
    // A fresh attempt reached the server and was refused again.
    expect(third.error).toMatchObject({ code: 'auth_failed', message: expect.stringContaining('bad proof') });
    expect(third.queriedAt).toBe('2026-01-01T00:01:01.000Z');
  });

  test('PLAIN only when allowed, and only when no SCRAM is offered', async () => {
    const saved = state.mechanisms;
    state.mechanisms = ['PLAIN'];
    try {
      const refused = await client().query('ok.test');
      expect(refused.error).toMatchObject({ code: 'login_failed', message: expect.stringContaining('it offers: PLAIN') });
      expect((await client({ allowPlain: true }).query('ok.test')).name).toBe('FakeServer');
    } finally {
      state.mechanisms = saved;
    }
  });

  test('close({ drainMs }) lets running queries finish (a reload replacing the client)', async () => {
    const c = client();
    const running = c.query('ok.test');
    const closing = c.close({ drainMs: 2000 });
    expect((await running).name).toBe('FakeServer');
    await closing;
    expect((await c.query('ok.test')).error?.code).toBe('internal_error');
  });

  test('after close(), queries fail without connecting', async () => {
    const c = client();
    await c.close();
    expect((await c.query('ok.test')).error).toMatchObject({ code: 'internal_error', message: expect.stringContaining('closed') });
  });
});
