import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import type { Mode, TlsResult } from '../../../src/result/types.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { SSLSCAN_PATH, sslscan } from '../../harness/sslscan.js';
import { needTool } from '../../harness/tools.js';

// The prober against real Prosody servers — a modern profile and a legacy one (TLS 1.0–1.3, every
// OpenSSL suite incl. NULL and anonymous, 1024-bit DH) — with sslscan as the oracle: the protocol
// set and the (protocol, suite) pairs must be equal. The domain is `localhost`, because sslscan
// puts the host it connects to into the stream's to=.

const LEGACY_OPENSSL_CONF = `openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = ALL:COMPLEMENTOFALL:@SECLEVEL=0
`;

let dir: string;
let modern: ProsodyInstance;
let legacy: ProsodyInstance;

beforeAll(async () => {
  needTool(SSLSCAN_PATH, 'sslscan');
  dir = await mkdtemp(join(tmpdir(), 'xte-tls-'));
  const leaf = await createLeaf(null, { dns: ['localhost'], selfSigned: true });
  const files = await writePemFiles(dir, 'localhost', leaf);
  const conf = join(dir, 'legacy-openssl.cnf');
  await writeFile(conf, LEGACY_OPENSSL_CONF);
  const dhparam = join(dir, 'dh1024.pem');
  await promisify(execFile)('openssl', ['dhparam', '-dsaparam', '-out', dhparam, '1024']);
  const hosts = [{ domain: 'localhost', ...files }];
  [modern, legacy] = await Promise.all([
    startProsody({ hosts }),
    startProsody({ hosts, opensslConf: conf, ssl: { protocol: 'tlsv1+', ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0', dhparam } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([modern?.stop(), legacy?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scanLocalhost(port: number, mode: Mode, directTls = false) {
  return scanDomain('localhost', { mode, connect: `127.0.0.1:${port}`, directTls, trustStore: loadTrustStore({ systemRoots: false }), fetchAia: false });
}

async function probe(port: number, mode: Mode, directTls = false): Promise<TlsResult> {
  const r = await scanDomain('localhost', {
    mode,
    connect: `127.0.0.1:${port}`,
    directTls,
    trustStore: loadTrustStore({ systemRoots: false }),
    fetchAia: false,
  });
  const ep = r.endpoints[0]!;
  expect(ep.error).toBeNull();
  expect(ep.tls).not.toBeNull();
  return ep.tls!;
}

const pairs = (t: TlsResult) => new Set(t.cipherSuites.map((c) => `${c.protocol} ${c.code}`));
const enabled = (t: TlsResult) =>
  Object.entries(t.protocols)
    .filter(([, on]) => on)
    .map(([p]) => p)
    .sort();

describe('modern Prosody', () => {
  test('c2s STARTTLS: TLS 1.2 + 1.3 with forward-secret AEAD suites only', async () => {
    const t = await probe(modern.ports.c2s, 'c2s');
    expect(enabled(t)).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(t.cipherSuites.length).toBeGreaterThan(3);
    expect(t.cipherSuites.every((c) => c.forwardSecrecy && c.aead)).toBe(true);
    expect(t.secureRenegotiation).toBe(true);
    expect(t.fallbackScsv).toBe(true);
    expect(t.compression).toBe(false);
    expect(t.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['x25519', 'secp256r1']));
    expect(t.protocolErrors).toEqual({});
  });

  test('c2s: same findings as sslscan', async () => {
    const [ours, oracle] = await Promise.all([probe(modern.ports.c2s, 'c2s'), sslscan(`localhost:${modern.ports.c2s}`, ['--starttls-xmpp'])]);
    expect(pairs(ours)).toEqual(oracle.suites);
  });
});

describe('legacy Prosody (TLS 1.0–1.3, NULL and anonymous suites, DH 1024)', () => {
  test('c2s STARTTLS: protocols, weak suite classes, DH size', async () => {
    const t = await probe(legacy.ports.c2s, 'c2s');
    expect(enabled(t)).toEqual(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(t.cipherSuites.some((c) => c.anonymous)).toBe(true);
    expect(t.cipherSuites.some((c) => c.null)).toBe(true);
    expect(t.cipherSuites.some((c) => !c.forwardSecrecy && c.keyExchange === 'RSA')).toBe(true);
    expect(t.dh.map((d) => d.bits)).toContain(1024);
    expect(t.cipherSuites.filter((c) => c.dhBits !== null).every((c) => c.dhBits === 1024)).toBe(true);
  });

  test('c2s STARTTLS: same protocols and (protocol, suite) pairs as sslscan', async () => {
    const [ours, oracle] = await Promise.all([probe(legacy.ports.c2s, 'c2s'), sslscan(`localhost:${legacy.ports.c2s}`, ['--starttls-xmpp'])]);
    for (const [p, on] of Object.entries(oracle.protocols)) expect([p, ours.protocols[p as keyof TlsResult['protocols']]]).toEqual([p, on]);
    expect(pairs(ours)).toEqual(oracle.suites);
  });

  test('s2s STARTTLS: same pairs as sslscan --xmpp-server', async () => {
    const [ours, oracle] = await Promise.all([probe(legacy.ports.s2s, 's2s'), sslscan(`localhost:${legacy.ports.s2s}`, ['--starttls-xmpp', '--xmpp-server'])]);
    expect(pairs(ours)).toEqual(oracle.suites);
  });

  test('direct TLS: same pairs as sslscan on the plain TLS port', async () => {
    const [ours, oracle] = await Promise.all([probe(legacy.ports.c2sDirectTls!, 'c2s', true), sslscan(`localhost:${legacy.ports.c2sDirectTls}`, [])]);
    expect(pairs(ours)).toEqual(oracle.suites);
  });
});

describe('grades', () => {
  test('legacy: F even ignoring trust (anonymous and NULL suites), T with the self-signed certificate', async () => {
    const g = (await scanLocalhost(legacy.ports.c2s, 'c2s')).endpoints[0]!.grade!;
    expect(g).toMatchObject({ letter: 'T', letterIgnoringTrust: 'F' });
    expect(g.caps.map((c) => c.code)).toEqual(expect.arrayContaining(['anonymous_suites', 'dh_below_2048', 'tls10_or_tls11_supported']));
  });

  test('modern: A+ ignoring trust', async () => {
    const g = (await scanLocalhost(modern.ports.c2s, 'c2s')).endpoints[0]!.grade!;
    expect(g).toMatchObject({ letter: 'T', letterIgnoringTrust: 'A+' });
  });
});

describe('politeness', () => {
  test.each([1, 3])('the per-host cap of %i connection(s) holds, and the findings do not depend on it', async (cap) => {
    const { startCountingProxy } = await import('../../harness/counting-proxy.js');
    const proxy = await startCountingProxy(legacy.ports.c2s);
    try {
      const r = await scanDomain('localhost', {
        mode: 'c2s',
        connect: `127.0.0.1:${proxy.port}`,
        trustStore: loadTrustStore({ systemRoots: false }),
        fetchAia: false,
        maxConnectionsPerHost: cap,
      });
      const t = r.endpoints[0]!.tls!;
      expect(proxy.peak).toBeLessThanOrEqual(cap);
      // Every probe is one connection, plus the one that read the certificate and features, plus one
      // per simulated client profile (the simulation runs under the same cap).
      const simulations = r.endpoints[0]!.simulations ?? [];
      expect(simulations.length).toBeGreaterThan(0);
      expect(proxy.total).toBe(t.probeCount + 1 + simulations.length);
      const reference = await probe(legacy.ports.c2s, 'c2s');
      expect(pairs(t)).toEqual(pairs(reference));
    } finally {
      await proxy.stop();
    }
  });
});
