import { execFile, spawn } from 'node:child_process';
import { beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { SimulationResult } from '../../../src/result/types.js';
import { simulateHandshakes } from '../../../src/tls/index.js';
import type { ClientProfile } from '../../../src/tls/registry/client-profiles.js';
import { cipherSuiteByName } from '../../../src/tls/registry/index.js';
import { OPENSSL_PATH, type OpenSslServerOptions, startOpenSslServer, tcpOpener } from '../../harness/openssl-server.js';
import { needTool } from '../../harness/tools.js';
import { ext, parseClientHelloRecords, profileFromHello, startHelloCapture } from '../../unit/tls/wire/helpers.js';

// The oracle of the handshake simulation: the real `openssl s_client` (default settings, -brief)
// and our simulation of its captured ClientHello, against the same `openssl s_server`
// configurations. They must agree on whether it connects and, when it does, on the protocol, the
// cipher suite and the key exchange group. The hello is captured here, from this machine's
// s_client, on a loopback listener: the profile is whatever this OpenSSL sends.

jest.setTimeout(60_000);

const SERVER_NAME = 'tls.test';
const SUPPORTED_VERSIONS = 43;
const VERSION_NAMES: Record<number, ClientProfile['accepts']['versions'][number]> = {
  768: 'SSLv3',
  769: 'TLSv1.0',
  770: 'TLSv1.1',
  771: 'TLSv1.2',
  772: 'TLSv1.3',
};

/** The ClientHello record `openssl s_client` sends with its defaults (SNI tls.test). */
async function captureHello(): Promise<Buffer> {
  const capture = await startHelloCapture();
  const client = spawn(OPENSSL_PATH, ['s_client', '-connect', `127.0.0.1:${capture.port}`, '-servername', SERVER_NAME, '-brief'], { stdio: 'ignore' });
  try {
    const hello = await capture.hello;
    if (hello.length !== 5 + hello.readUInt16BE(3)) throw new Error('the ClientHello spans several records');
    return hello;
  } finally {
    client.kill();
    capture.close();
  }
}

/** A client profile of a captured hello: the versions it accepts are those it offers. */
function profileOf(bytes: Buffer): ClientProfile {
  const h = parseClientHelloRecords(bytes);
  const sv = ext(h, SUPPORTED_VERSIONS);
  const versions: number[] = [];
  if (sv) for (let i = 1; i < sv.length; i += 2) versions.push(sv.readUInt16BE(i));
  else versions.push(h.clientVersion);
  return profileFromHello(bytes, {
    id: 'openssl_local',
    name: 'openssl s_client',
    provenance: { method: 'published', source: 'captured by this test', note: 'test profile' },
    accepts: {
      versions: versions.map((v) => VERSION_NAMES[v]).filter((v) => v !== undefined),
      // Debian builds OpenSSL with security level 2: DH primes of at least 2048 bits.
      minDhBits: 2048,
    },
  });
}

interface Outcome {
  connects: boolean;
  protocol: string | null;
  /** IANA name. */
  suite: string | null;
  /** IANA name (x25519, secp384r1), or `DH 2048` for finite-field DH (s_client does not name FFDHE groups); null for RSA key transport. */
  group: string | null;
  /** Why not (ours: failure reason; s_client: the OpenSSL error reason). */
  why: string | null;
}

const ourGroup = (g: string | null) => (g === null ? null : g.replace(/^ffdhe(\d+)$/, 'DH $1'));
/** s_client's names (OBJ_nid2sn, or the NIST name) as IANA's. */
const THEIR_GROUPS: Record<string, string> = {
  X25519: 'x25519',
  X448: 'x448',
  prime256v1: 'secp256r1',
  'P-256': 'secp256r1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

function ours(r: SimulationResult): Outcome {
  return {
    connects: r.connects,
    protocol: r.protocol,
    suite: r.cipherSuite,
    group: ourGroup(r.group),
    why: r.failure ? `${r.failure.reason}: ${r.failure.message}` : null,
  };
}

/** `openssl s_client -brief` with stdin closed and this machine's default settings. */
function sClient(port: number, extraArgs: string[] = []): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      OPENSSL_PATH,
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', SERVER_NAME, '-brief', ...extraArgs],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err?.killed) return reject(new Error(`openssl s_client did not finish: ${stderr}`));
        const out = `${stdout}\n${stderr}`;
        const line = (label: string) => new RegExp(`^${label}: (.+)$`, 'm').exec(out)?.[1]?.trim() ?? null;
        const protocol = line('Protocol version');
        const cipher = line('Ciphersuite');
        if (!/CONNECTION ESTABLISHED/.test(out) || protocol === null || cipher === null) {
          const why = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/.exec(out)?.[1] ?? out.trim().split('\n').pop() ?? 'no output';
          return resolve({ connects: false, protocol: null, suite: null, group: null, why });
        }
        // "X25519, 253 bits" · "ECDH, prime256v1, 256 bits" · "DH, 2048 bits"
        const temp = line('Server Temp Key');
        let group: string | null = null;
        if (temp?.startsWith('ECDH, ')) group = temp.split(', ')[1] ?? temp;
        else if (temp?.startsWith('DH, ')) group = `DH ${/(\d+) bits/.exec(temp)?.[1]}`;
        else if (temp) group = temp.split(',')[0] ?? temp;
        if (group !== null) group = THEIR_GROUPS[group] ?? group;
        resolve({
          connects: true,
          protocol: protocol === 'TLSv1' ? 'TLSv1.0' : protocol,
          suite: cipherSuiteByName(cipher)?.name ?? cipher,
          group,
          why: null,
        });
      },
    );
    child.stdin?.end();
  });
}

interface Case {
  name: string;
  server: OpenSslServerOptions;
  /** What s_client must get, as row() writes it: guards against a server that did not start as meant. */
  expect: string;
  /** Our failure reason, when it does not connect. */
  reason?: string;
  /** XEP-0368 direct TLS: we offer ALPN xmpp-client, and so does s_client (`-alpn xmpp-client`). */
  directTls?: boolean;
}

const TLS12: OpenSslServerOptions['protocols'] = ['TLSv1.2'];
const cases: Case[] = [
  { name: 'modern default', server: {}, expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 x25519' },
  {
    name: 'direct TLS, server with ALPN xmpp-client',
    server: { extraArgs: ['-alpn', 'xmpp-client'] },
    directTls: true,
    expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 x25519',
  },
  {
    name: 'direct TLS, TLS 1.2 (ALPN in the ServerHello)',
    server: { protocols: TLS12, extraArgs: ['-alpn', 'xmpp-client'] },
    directTls: true,
    expect: 'TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 x25519',
  },
  { name: 'TLS 1.3 only', server: { protocols: ['TLSv1.3'] }, expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 x25519' },
  {
    name: 'TLS 1.2 only, ECDHE-RSA-AES128-GCM-SHA256',
    server: { protocols: TLS12, cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
    expect: 'TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 x25519',
  },
  { name: 'TLS 1.2 only, RSA key transport', server: { protocols: TLS12, cipher: 'AES128-GCM-SHA256' }, expect: 'TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 -' },
  {
    name: 'TLS 1.2 only, server order AES256-SHA first',
    server: { protocols: TLS12, cipher: 'AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256', serverPreference: true },
    expect: 'TLSv1.2 TLS_RSA_WITH_AES_256_CBC_SHA -',
  },
  {
    name: 'TLS 1.2 only, ECDSA certificate',
    server: { protocols: TLS12, key: { type: 'EC', curve: 'P-256' } },
    expect: 'TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 x25519',
  },
  { name: 'TLS 1.0 only (legacy), default suites', server: { protocols: ['TLSv1.0'], legacy: true }, expect: 'fails', reason: 'rejected_by_client' },
  {
    name: 'TLS 1.0 only (legacy), AES128-SHA',
    server: { protocols: ['TLSv1.0'], legacy: true, cipher: 'AES128-SHA' },
    expect: 'TLSv1.0 TLS_RSA_WITH_AES_128_CBC_SHA -',
  },
  {
    name: 'TLS 1.1 only (legacy), ECDHE-RSA-AES128-SHA',
    server: { protocols: ['TLSv1.1'], legacy: true, cipher: 'ECDHE-RSA-AES128-SHA' },
    expect: 'fails',
    reason: 'rejected_by_client',
  },
  {
    name: 'ChaCha20 only',
    server: { ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256', cipher: 'ECDHE-RSA-CHACHA20-POLY1305' },
    expect: 'TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 x25519',
  },
  {
    name: 'TLS 1.3 only, AES-128-CCM only',
    server: { protocols: ['TLSv1.3'], ciphersuites: 'TLS_AES_128_CCM_SHA256' },
    expect: 'fails',
    reason: 'no_shared_cipher',
  },
  {
    name: 'TLS 1.2 only, ARIA only (not in its list)',
    server: { protocols: TLS12, cipher: 'ECDHE-ARIA128-GCM-SHA256' },
    expect: 'fails',
    reason: 'no_shared_cipher',
  },
  { name: 'groups X25519 only', server: { groups: 'X25519' }, expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 x25519' },
  { name: 'groups P-384 only (HelloRetryRequest)', server: { groups: 'P-384' }, expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 secp384r1' },
  { name: 'groups P-384 only, TLS 1.2', server: { protocols: TLS12, groups: 'P-384' }, expect: 'TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 secp384r1' },
  {
    name: 'groups ffdhe2048 only, TLS 1.3 (HelloRetryRequest)',
    server: { protocols: ['TLSv1.3'], groups: 'ffdhe2048' },
    expect: 'TLSv1.3 TLS_AES_256_GCM_SHA384 DH 2048',
  },
  {
    name: 'DHE only, 1024-bit DH (legacy)',
    server: { protocols: TLS12, legacy: true, cipher: 'DHE-RSA-AES128-GCM-SHA256', dhGroup: 'dh_1024_160' },
    expect: 'fails',
    reason: 'rejected_by_client',
  },
  {
    name: 'DHE only, ffdhe2048',
    server: { protocols: TLS12, cipher: 'DHE-RSA-AES128-GCM-SHA256', dhGroup: 'ffdhe2048' },
    expect: 'TLSv1.2 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 DH 2048',
  },
];

const row = (o: Outcome) => (o.connects ? `${o.protocol} ${o.suite} ${o.group ?? '-'}` : 'fails');

describe('handshake simulation of openssl s_client, against openssl s_server', () => {
  let profile: ClientProfile;
  const results: { c: Case; sim: Outcome; real: Outcome }[] = [];

  beforeAll(async () => {
    needTool(OPENSSL_PATH, 'openssl');
    profile = profileOf(await captureHello());
    // Every case on its own server, all at once: each server sees our hello, then s_client's.
    const settled = await Promise.allSettled(
      cases.map(async (c) => {
        const server = await startOpenSslServer(c.server);
        try {
          const [r] = await simulateHandshakes({
            openSocket: tcpOpener(server.port),
            serverName: SERVER_NAME,
            profiles: [profile],
            directTls: c.directTls ?? false,
            mode: 'c2s',
            maxConnections: 1,
            delayMs: 0,
            probeTimeoutMs: 5000,
          });
          results.push({ c, sim: ours(r as SimulationResult), real: await sClient(server.port, c.directTls ? ['-alpn', 'xmpp-client'] : []) });
        } finally {
          await server.stop();
        }
      }),
    );
    // Every server stopped before a failure is reported.
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    results.sort((a, b) => cases.indexOf(a.c) - cases.indexOf(b.c));
    const table = results.map(({ c, sim, real }) =>
      [
        c.name.padEnd(52),
        `simulated: ${row(sim)}`.padEnd(72),
        `s_client: ${row(real)}`,
        sim.why ? `\n${' '.repeat(54)}ours: ${sim.why}\n${' '.repeat(54)}s_client: ${real.why}` : '',
      ].join(' '),
    );
    console.log(`openssl s_client (captured hello) against openssl s_server:\n${table.join('\n')}`);
  });

  test('the profile is this OpenSSL’s hello: TLS 1.3 down to 1.0 offered, x25519 key share', () => {
    expect(profile.accepts.versions).toContain('TLSv1.3');
    expect(profile.clientHello.extensions.map((e) => e.type)).toEqual(expect.arrayContaining([0, 10, 13, 43, 51]));
  });

  test('the simulation and s_client agree on every server: connects, protocol, suite, group', () => {
    const label = (pick: 'sim' | 'real') => results.map((r) => `${r.c.name}: ${row(r[pick])}`);
    expect(label('sim')).toEqual(label('real'));
  });

  test('every server was what the case meant (s_client got what was expected), failures with the expected reason', () => {
    expect(results.map((r) => `${r.c.name}: ${row(r.real)}`)).toEqual(cases.map((c) => `${c.name}: ${c.expect}`));
    expect(results.filter((r) => !r.sim.connects).map((r) => `${r.c.name}: ${r.sim.why?.split(':')[0]}`)).toEqual(
      cases.filter((c) => c.reason).map((c) => `${c.name}: ${c.reason}`),
    );
  });
});
