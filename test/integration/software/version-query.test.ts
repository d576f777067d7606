import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { type MinimalLogger, VersionQueryClient, type VersionAccountOptions } from '../../../src/software/client.js';
import { createCa, createIntermediate, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { resultSchemaErrors } from '../../harness/result-schema.js';

// XEP-0092 through a real client account: a Prosody with three virtual hosts (home.test holds
// the account; other.test answers version queries too; quiet.test has mod_version disabled) and
// an account created by the harness with prosodyctl. Prosody 0.12 stores SCRAM-SHA-1 keys, so
// this is a real SCRAM-SHA-1 login over verified STARTTLS (and direct TLS).

const PASSWORD = 'correct horse, battery=staple';
let dir: string;
let caFile: string;
let prosody: ProsodyInstance;
const clients: VersionQueryClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-software-'));
  const ca = await createCa({ cn: 'xmpp-tls-exporter Software Test CA' });
  const intermediate = await createIntermediate(ca);
  caFile = await writeCertFile(join(dir, 'ca.pem'), [ca]);
  const hosts = [];
  for (const domain of ['home.test', 'other.test', 'quiet.test', 'mismatch.test']) {
    const names = domain === 'mismatch.test' ? ['elsewhere.test'] : [domain];
    const files = await writePemFiles(dir, domain, await createLeaf(intermediate, { dns: names }), [intermediate]);
    hosts.push({ domain, ...files, ...(domain === 'quiet.test' ? { extra: 'modules_disabled = { "version" }' } : {}) });
  }
  const accounts = ['home.test', 'mismatch.test'].map((host) => ({ user: 'scanner', host, password: PASSWORD }));
  prosody = await startProsody({ hosts, accounts });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await prosody?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Logged {
  level: string;
  obj: object;
  msg: string;
}

function client(over: Partial<VersionAccountOptions> = {}, logs: Logged[] = []): VersionQueryClient {
  const logger: MinimalLogger = {
    info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    debug: (obj, msg) => logs.push({ level: 'debug', obj, msg }),
  };
  const c = new VersionQueryClient({
    jid: 'scanner@home.test',
    password: PASSWORD,
    connect: `127.0.0.1:${prosody.ports.c2s}`,
    trustStore: loadTrustStore({ caFiles: [caFile], systemRoots: false }),
    timeouts: { connectMs: 3000, readMs: 5000, handshakeMs: 5000 },
    queryTimeoutMs: 8000,
    logger,
    ...over,
  });
  clients.push(c);
  return c;
}

describe('a logged-in account asks the domains', () => {
  test('its own domain and another virtual host answer: Prosody, its version, the OS; one session for all', async () => {
    const logs: Logged[] = [];
    const c = client({}, logs);
    const [home, other] = await Promise.all([c.query('home.test'), c.query('other.test')]);
    expect(home.error).toBeUndefined();
    expect(home).toMatchObject({ name: 'Prosody', os: 'Linux' });
    expect(home.version).toMatch(/^\d+\.\d+/);
    expect(Date.parse(home.queriedAt)).not.toBeNaN();
    expect(other).toMatchObject({ name: 'Prosody', version: home.version });
    const logins = logs.filter((l) => l.msg === 'version query account logged in');
    expect(logins).toHaveLength(1);
    expect(logins[0]!.obj).toMatchObject({ mechanism: 'SCRAM-SHA-1' });
    expect((logins[0]!.obj as { jid: string }).jid).toMatch(/^scanner@home\.test\/xmpp-tls-exporter-/);
    // Still the same session afterwards.
    expect((await c.query('home.test')).name).toBe('Prosody');
    expect(logs.filter((l) => l.msg === 'version query account logged in')).toHaveLength(1);
  });

  test('a domain without mod_version: stanza_error service-unavailable, and the session goes on', async () => {
    const c = client();
    const quiet = await c.query('quiet.test');
    expect(quiet).toMatchObject({ name: null, version: null, os: null, error: { code: 'stanza_error', condition: 'service-unavailable' } });
    expect(quiet.error!.message).toContain('quiet.test');
    expect((await c.query('home.test')).name).toBe('Prosody');
  });

  test('a domain our server cannot reach over s2s: stanza_error remote-server-not-found (or -timeout)', async () => {
    const c = client();
    const r = await c.query('127.0.0.2');
    expect(r.error?.code).toBe('stanza_error');
    expect(['remote-server-not-found', 'remote-server-timeout']).toContain(r.error?.condition);
  }, 40_000);

  test('direct TLS (XEP-0368) to the account server works too', async () => {
    const c = client({ connect: `127.0.0.1:${prosody.ports.c2sDirectTls!}`, directTls: true });
    expect(await c.query('home.test')).toMatchObject({ name: 'Prosody' });
  });
});

describe('login failures are clear and never break anything', () => {
  test('a wrong password: auth_failed not-authorized, no retry before the backoff, and the password is never logged', async () => {
    const wrong = 'wr0ng-Pa55word-do-not-log';
    const logs: Logged[] = [];
    const c = client({ password: wrong }, logs);
    const r = await c.query('home.test');
    expect(r).toMatchObject({ name: null, version: null, os: null, error: { code: 'auth_failed', condition: 'not-authorized' } });
    expect(r.error!.message).toContain('scanner@home.test');
    const again = await c.query('home.test');
    expect(again.error).toMatchObject({ code: 'auth_failed' });
    expect(again.error!.message).toMatch(/not retried for another \d+ s/);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1); // one login attempt only
    const everything = JSON.stringify([r, again, logs]);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(wrong).toString('base64'));
  });

  test('an unknown account: auth_failed as well', async () => {
    const r = await client({ jid: 'nobody@home.test' }).query('home.test');
    expect(r.error).toMatchObject({ code: 'auth_failed', condition: 'not-authorized' });
  });

  test('a server certificate we do not trust: login_failed in the TLS handshake, no credentials sent', async () => {
    const r = await client({ trustStore: loadTrustStore({ caFiles: [], systemRoots: true }) }).query('home.test');
    expect(r.error?.code).toBe('login_failed');
    expect(r.error?.message).toMatch(/TLS with .* failed/);
  });

  test('a certificate that does not name the account domain: login_failed before any credentials are sent', async () => {
    const r = await client({ jid: 'scanner@mismatch.test' }).query('home.test');
    expect(r.error).toMatchObject({ code: 'login_failed', message: expect.stringContaining('the certificate does not name mismatch.test') });
  });

  test('an account domain the server does not serve: login_failed with the stream error', async () => {
    const r = await client({ jid: 'scanner@nohost.test' }).query('home.test');
    expect(r.error).toMatchObject({ code: 'login_failed', condition: 'host-unknown' });
  });

  test('nobody listening: login_failed naming the address', async () => {
    const r = await client({ connect: '127.0.0.1:1' }).query('home.test');
    expect(r.error?.code).toBe('login_failed');
    expect(r.error?.message).toContain('127.0.0.1');
  });
});

describe('in the scan', () => {
  test('scanDomain records software after the TLS scan; the document validates against the schema', async () => {
    const c = client();
    const result = await scanDomain('home.test', {
      mode: 'c2s',
      connect: `127.0.0.1:${prosody.ports.c2s}`,
      trustStore: loadTrustStore({ caFiles: [caFile], systemRoots: false }),
      tlsProbe: false,
      softwareQuery: (d, s) => c.query(d, s),
    });
    expect(result.endpoints[0]?.status).toBe('ok');
    expect(result.software).toMatchObject({ name: 'Prosody', os: 'Linux' });
    expect(resultSchemaErrors(result)).toEqual([]);
    expect(Date.parse(result.software!.queriedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
  });

  test('s2s scans record it too; a failed login leaves the scan as it was, with software.error', async () => {
    const result = await scanDomain('home.test', {
      mode: 's2s',
      connect: `127.0.0.1:${prosody.ports.s2s}`,
      trustStore: loadTrustStore({ caFiles: [caFile], systemRoots: false }),
      tlsProbe: false,
      softwareQuery: (d, s) => client({ password: 'nope' }).query(d, s),
    });
    expect(result.error).toBeNull();
    expect(result.endpoints[0]?.status).toBe('ok');
    expect(result.software?.error?.code).toBe('auth_failed');
    expect(resultSchemaErrors(result)).toEqual([]);
  });

  test('without an account, software is null', async () => {
    const result = await scanDomain('home.test', {
      mode: 'c2s',
      connect: `127.0.0.1:${prosody.ports.c2s}`,
      trustStore: loadTrustStore({ caFiles: [caFile], systemRoots: false }),
      tlsProbe: false,
    });
    expect(result.software).toBeNull();
  });
});
