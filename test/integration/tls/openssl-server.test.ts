import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ProtocolName, TlsResult } from '../../../src/result/types.js';
import { probeTls } from '../../../src/tls/probe/prober.js';
import { type OpenSslServer, type OpenSslServerOptions, SSLSCAN_PATH, sslscanCiphers, startOpenSslServer, tcpOpener } from '../../harness/openssl-server.js';
import { needTool } from '../../harness/tools.js';

// The raw prober against a real TLS stack: `openssl s_server` (OpenSSL 3.0) in one configuration
// per case, each with the findings it must produce, cross-checked with sslscan.
// s_server serves connections one after another; the prober's 4 concurrent connections queue in
// the listen backlog, which works (no need for maxConnections: 1).

// Jest's default 5 s per test is tight for real servers on a loaded machine (the project-level testTimeout is not applied).
jest.setTimeout(30_000);

const ALL: ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

interface Case {
  name: string;
  server: OpenSslServerOptions;
  /** Protocols the server must be found to speak (all others false). */
  protocols: ProtocolName[];
  /** Further expectations on the result. */
  check: (r: TlsResult, server: OpenSslServer, probes: ProbeEvent[]) => void;
  /** Compare the (protocol, suite) set with sslscan's. Default true. */
  sslscan?: boolean;
}

type ProbeEvent = { protocol: ProtocolName; answer: string; alert?: string };
const probesFor = (probes: ProbeEvent[], protocol: ProtocolName) => probes.filter((p) => p.protocol === protocol);

const suitesOf = (r: TlsResult, protocol: ProtocolName) => r.cipherSuites.filter((s) => s.protocol === protocol).map((s) => s.code);
const orderOf = (r: TlsResult, protocol: ProtocolName) => r.serverPreference.find((p) => p.protocol === protocol);
const groupsOf = (r: TlsResult, protocol: 'TLSv1.2' | 'TLSv1.3') =>
  r.groups
    .filter((g) => g.protocol === protocol)
    .map((g) => g.name)
    .sort();

const TLS12_ORDER = 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:ECDHE-RSA-AES256-GCM-SHA384';
const TLS12_ORDER_CODES = ['0xCCA8', '0xC02F', '0x0035', '0xC030'];

const cases: Case[] = [
  {
    name: 'modern: TLS 1.2 and 1.3, default suites, client order',
    server: {},
    protocols: ['TLSv1.2', 'TLSv1.3'],
    check: (r, server, probes) => {
      expect(suitesOf(r, 'TLSv1.3').sort()).toEqual(['0x1301', '0x1302', '0x1303']);
      // A refused protocol costs one hello per chunk (TLS 1.0/1.1 and SSLv3: a mainstream chunk
      // and one of the poison-prone families), not one per parallel chunk. OpenSSL answers a
      // disabled TLS 1.0/1.1 with internal_error (the mainstream hello) or handshake_failure (the
      // other one, with no suite it knows for that version).
      for (const [p, alerts] of [
        ['TLSv1.1', ['internal_error', 'handshake_failure']],
        ['TLSv1.0', ['internal_error', 'handshake_failure']],
        ['SSLv3', ['handshake_failure', 'handshake_failure']],
      ] as const) {
        expect(probesFor(probes, p)).toEqual(alerts.map((alert) => ({ protocol: p, answer: 'alert', alert })));
      }
      expect(suitesOf(r, 'TLSv1.2')).toEqual(expect.arrayContaining(['0xC02F', '0xC030', '0xCCA8']));
      // Debian's SECLEVEL=2 default: no NULL, anonymous, export or RC4 suites.
      expect(r.cipherSuites.filter((s) => s.null || s.anonymous || s.export || s.rc4)).toEqual([]);
      expect(orderOf(r, 'TLSv1.2')).toEqual({ protocol: 'TLSv1.2', serverEnforced: false, order: [] });
      expect(orderOf(r, 'TLSv1.3')).toEqual({ protocol: 'TLSv1.3', serverEnforced: false, order: [] });
      expect(r.secureRenegotiation).toBe(true);
      // TLS 1.2 hello with TLS_FALLBACK_SCSV while TLS 1.3 is supported: inappropriate_fallback.
      expect(r.fallbackScsv).toBe(true);
      // Debian's OpenSSL has no zlib.
      expect(r.compression).toBe(false);
      expect(r.clientCertificateRequested).toBe(false);
      expect(r.certificateChain).toEqual([server.certificate.toString('base64')]);
      // ECDHE suites name the group the server chose.
      for (const s of r.cipherSuites.filter((c) => c.keyExchange === 'ECDHE')) expect(s.kxGroup).not.toBeNull();
      expect(r.notes).toEqual([]);
    },
  },
  {
    name: 'TLS 1.2 only, server order (-serverpref)',
    server: { protocols: ['TLSv1.2'], cipher: TLS12_ORDER, serverPreference: true },
    protocols: ['TLSv1.2'],
    check: (r) => {
      expect(suitesOf(r, 'TLSv1.2').sort()).toEqual([...TLS12_ORDER_CODES].sort());
      expect(r.serverPreference).toEqual([{ protocol: 'TLSv1.2', serverEnforced: true, order: TLS12_ORDER_CODES }]);
      // One protocol: nothing to fall back from.
      expect(r.fallbackScsv).toBeNull();
      expect(r.secureRenegotiation).toBe(true);
    },
  },
  {
    name: 'TLS 1.2 only, client order',
    server: { protocols: ['TLSv1.2'], cipher: TLS12_ORDER },
    protocols: ['TLSv1.2'],
    check: (r) => {
      expect(suitesOf(r, 'TLSv1.2').sort()).toEqual([...TLS12_ORDER_CODES].sort());
      expect(r.serverPreference).toEqual([{ protocol: 'TLSv1.2', serverEnforced: false, order: [] }]);
    },
  },
  {
    name: 'TLS 1.3 only, server order of -ciphersuites',
    server: {
      protocols: ['TLSv1.3'],
      ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256',
      serverPreference: true,
    },
    protocols: ['TLSv1.3'],
    check: (r) => {
      expect(r.serverPreference).toEqual([{ protocol: 'TLSv1.3', serverEnforced: true, order: ['0x1303', '0x1302', '0x1301'] }]);
      // Everything learnt from TLS ≤ 1.2 flights is undetermined.
      expect(r.secureRenegotiation).toBeNull();
      expect(r.compression).toBeNull();
      expect(r.fallbackScsv).toBeNull();
      expect(r.clientCertificateRequested).toBeNull();
      expect(r.certificateChain).toEqual([]);
    },
  },
  ...(
    [
      { group: 'ffdhe2048', legacy: false, bits: 2048, name: 'ffdhe2048' },
      { group: 'modp_2048', legacy: false, bits: 2048, name: 'modp2048' },
      { group: 'node:modp2', legacy: true, bits: 1024, name: 'oakley-group-2' },
      { group: 'dh_1024_160', legacy: true, bits: 1024, name: 'rfc5114-1024-160' },
    ] as const
  ).map(
    ({ group, legacy, bits, name }): Case => ({
      name: `DHE with the ${name} group${legacy ? ' (legacy OPENSSL_CONF)' : ''}`,
      server: {
        protocols: ['TLSv1.2'],
        cipher: `DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384${legacy ? ':@SECLEVEL=0' : ''}`,
        dhGroup: group,
        legacy,
      },
      protocols: ['TLSv1.2'],
      check: (r) => {
        expect(suitesOf(r, 'TLSv1.2').sort()).toEqual(['0x009E', '0x009F']);
        expect(r.dh).toEqual([{ bits, name, protocol: 'TLSv1.2' }]);
        for (const s of r.cipherSuites) expect(s).toMatchObject({ keyExchange: 'DHE', dhBits: bits, kxGroup: null, forwardSecrecy: true });
        expect(r.groups).toEqual([]);
      },
    }),
  ),
  {
    name: 'legacy profile: TLS 1.0–1.2, ALL:COMPLEMENTOFALL (NULL, anonymous), RSA and ECDSA certificates',
    server: {
      legacy: true,
      protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'],
      cipher: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0',
      secondKey: { type: 'EC', curve: 'P-256' },
    },
    protocols: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'],
    check: (r) => {
      for (const p of ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'] as const) {
        const codes = suitesOf(r, p);
        // ADH-AES128-SHA, AECDH-AES256-SHA, AECDH-NULL-SHA, NULL-MD5, NULL-SHA, ECDHE-ECDSA-AES128-SHA
        expect(codes).toEqual(expect.arrayContaining(['0x0034', '0xC019', '0xC015', '0x0001', '0x0002', '0xC009']));
      }
      expect(r.cipherSuites.find((s) => s.code === '0x0034')).toMatchObject({ anonymous: true, keyExchange: 'DHE', authentication: 'anon', dhBits: 1024 });
      expect(r.cipherSuites.find((s) => s.code === '0xC015')).toMatchObject({ anonymous: true, null: true });
      expect(r.cipherSuites.find((s) => s.code === '0x0001')).toMatchObject({ null: true, anonymous: false, effectiveBits: 0 });
      expect(r.cipherSuites.filter((s) => s.protocol === 'TLSv1.2' && s.aead).length).toBeGreaterThan(0);
      // AEAD and SHA-256 suites are TLS 1.2 only.
      expect(r.cipherSuites.filter((s) => s.protocol !== 'TLSv1.2' && s.aead)).toEqual([]);
      // OpenSSL's automatic DH parameters are RFC 2409/3526 groups chosen by strength.
      expect(r.dh.length).toBeGreaterThan(0);
      for (const d of r.dh) expect(d.name).toMatch(/^(oakley-group-2|modp2048|modp3072|modp4096|modp8192)$/);
      expect(r.fallbackScsv).toBe(true);
      expect(r.secureRenegotiation).toBe(true);
    },
  },
  {
    name: 'groups X25519:P-384 for TLS 1.2 and 1.3',
    server: { protocols: ['TLSv1.2', 'TLSv1.3'], groups: 'X25519:P-384' },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    check: (r) => {
      expect(groupsOf(r, 'TLSv1.2')).toEqual(['secp384r1', 'x25519']);
      expect(groupsOf(r, 'TLSv1.3')).toEqual(['secp384r1', 'x25519']);
      for (const s of r.cipherSuites.filter((c) => c.kxGroup !== null)) expect(['x25519', 'secp384r1']).toContain(s.kxGroup);
    },
  },
  {
    name: 'client certificate requested (-verify 1)',
    server: { requestClientCertificate: true },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    check: (r) => {
      expect(r.clientCertificateRequested).toBe(true);
    },
  },
];

beforeAll(() => needTool(SSLSCAN_PATH, 'sslscan'));

describe('prober against openssl s_server', () => {
  let server: OpenSslServer | null = null;
  afterAll(async () => {
    await server?.stop();
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    server = await startOpenSslServer(c.server);
    try {
      const probes: ProbeEvent[] = [];
      const r = await probeTls({
        openSocket: tcpOpener(server.port),
        serverName: 'tls.test',
        probeTimeoutMs: 5000,
        onProbe: (e) => probes.push({ protocol: e.protocol, answer: e.answer, ...(e.alert ? { alert: e.alert } : {}) }),
      });
      expect(r.protocolErrors).toEqual({});
      expect(Object.fromEntries(ALL.map((p) => [p, r.protocols[p]]))).toEqual(Object.fromEntries(ALL.map((p) => [p, c.protocols.includes(p)])));
      // Every finding is for a protocol found supported, and every supported protocol has suites.
      for (const p of c.protocols) expect(suitesOf(r, p).length).toBeGreaterThan(0);
      expect(r.cipherSuites.every((s) => c.protocols.includes(s.protocol))).toBe(true);
      c.check(r, server, probes);

      if (c.sslscan ?? true) {
        const oracle = await sslscanCiphers(server.port, server.env);
        const ours = r.cipherSuites.map((s) => `${s.protocol} ${s.code}`).sort();
        expect(ours).toEqual(oracle.map((s) => `${s.protocol} ${s.code}`).sort());
      }
    } catch (err) {
      // s_server's own account of what went wrong, next to the failed expectation.
      (err as Error).message += `\n--- s_server output ---\n${server.output().slice(-4000)}`;
      throw err;
    } finally {
      await server.stop();
      server = null;
    }
  });
});
