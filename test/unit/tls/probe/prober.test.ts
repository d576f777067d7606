import { describe, expect, test } from '@jest/globals';
import type { ProtocolName, TlsResult } from '../../../../src/result/types.js';
import { probeTls } from '../../../../src/tls/probe/prober.js';
import { cipherSuiteByName, suitesForProtocol } from '../../../../src/tls/registry/index.js';
import { createLeaf } from '../../../harness/pki.js';
import { type FakeServerOptions, fakeServer } from './fake-server.js';

// The prober's algorithms against scripted fake servers (fake-server.ts): suite enumeration with
// suites a server refuses to see, ECDSA-only group enumeration, server order against a server that
// reads the client's order. Every case runs with one connection and with four (which changes how
// chunks are split, hence the probes, but never the findings), and must give the same findings.

const code = (name: string): number => {
  const s = cipherSuiteByName(name);
  if (!s) throw new Error(`no suite ${name}`);
  return s.code;
};
const hex = (c: number) => `0x${c.toString(16).toUpperCase().padStart(4, '0')}`;
const byName = (re: RegExp, protocol: 'TLSv1.2' | 'TLSv1.0' = 'TLSv1.2') =>
  suitesForProtocol(protocol)
    .filter((s) => re.test(s.name))
    .map((s) => s.code);

const TLS13 = [code('TLS_AES_128_GCM_SHA256'), code('TLS_AES_256_GCM_SHA384'), code('TLS_CHACHA20_POLY1305_SHA256')];
const MODERN12 = [
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
].map(code);
const CAMELLIA = byName(/^TLS_(ECDHE|DHE)_RSA_WITH_CAMELLIA_128_CBC_SHA256$/);
const ARIA = byName(/_ARIA_/);
const SRP = byName(/^TLS_SRP_/);

async function scan(opts: FakeServerOptions, maxConnections: number, extra: { protocols?: ProtocolName[] } = {}) {
  const server = fakeServer(opts);
  const result = await probeTls({
    send: (o) => server.send(o),
    serverName: 'fake.test',
    maxConnections,
    probeTimeoutMs: 50,
    retries: 0,
    protocols: extra.protocols ?? ['TLSv1.3', 'TLSv1.2', 'TLSv1.1'],
  });
  return { result, server };
}

const suites = (r: TlsResult, p: ProtocolName) =>
  r.cipherSuites
    .filter((s) => s.protocol === p)
    .map((s) => s.code)
    .sort();
const expected = (codes: number[]) => codes.map(hex).sort();
const findings = (r: TlsResult) => ({
  protocols: r.protocols,
  suites: r.cipherSuites.map((s) => `${s.protocol} ${s.code}`).sort(),
  intolerant: r.intolerantSuites,
  groups: r.groups.map((g) => `${g.protocol} ${g.name}`),
  order: r.serverPreference,
  protocolErrors: r.protocolErrors,
});

interface Case {
  name: string;
  server: () => Promise<FakeServerOptions> | FakeServerOptions;
  check: (r: TlsResult) => void;
}

const CASES: Case[] = [
  {
    name: 'well-behaved, client order: every suite, nothing intolerant',
    server: () => ({ protocols: { 'TLSv1.3': { suites: TLS13 }, 'TLSv1.2': { suites: MODERN12 } } }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected(MODERN12));
      expect(suites(r, 'TLSv1.3')).toEqual(expected(TLS13));
      expect(r.intolerantSuites).toEqual([]);
      expect(r.protocols['TLSv1.1']).toBe(false);
      expect(r.serverPreference.find((o) => o.protocol === 'TLSv1.2')?.serverEnforced).toBe(false);
    },
  },
  {
    name: 'its own order: read out as the server has it',
    server: () => ({ protocols: { 'TLSv1.2': { suites: MODERN12, order: 'server' } } }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected(MODERN12));
      expect(r.serverPreference.find((o) => o.protocol === 'TLSv1.2')).toEqual({ protocol: 'TLSv1.2', serverEnforced: true, order: MODERN12.map(hex) });
    },
  },
  {
    name: 'closes on any hello offering ARIA (an mbedTLS build): Camellia suites found all the same, ARIA reported intolerant',
    server: () => ({ protocols: { 'TLSv1.2': { suites: [...MODERN12, ...CAMELLIA] } }, poison: { suites: ARIA, answer: 'close' } }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected([...MODERN12, ...CAMELLIA]));
      expect(r.intolerantSuites?.map((s) => s.code).sort()).toEqual(expected(ARIA));
      expect(r.notes.join('\n')).toMatch(/TLSv1\.2: a hello fails .* when it offers one of these suites: TLS_\w*ARIA/);
    },
  },
  {
    // Erlang/OTP with SRP suites enabled and no SRP set-up fails with handshake_failure when it picks
    // one; "no shared suite" is insufficient_security.
    name: 'handshake_failure to hellos offering SRP (Erlang/OTP), insufficient_security otherwise: the rest found, SRP reported intolerant',
    server: () => ({
      protocols: { 'TLSv1.2': { suites: [...MODERN12, ...CAMELLIA], order: 'server' } },
      refusal: 'insufficient_security',
      poison: { suites: SRP, answer: 'handshake_failure' },
    }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected([...MODERN12, ...CAMELLIA]));
      expect(r.intolerantSuites?.map((s) => s.code).sort()).toEqual(expected(SRP));
    },
  },
  {
    name: 'stalls on hellos offering one mainstream suite: the others found, that one reported',
    server: () => ({ protocols: { 'TLSv1.2': { suites: MODERN12 } }, poison: { suites: [code('TLS_RSA_WITH_NULL_MD5')], answer: 'stall' } }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected(MODERN12));
      expect(r.intolerantSuites?.map((s) => s.code)).toEqual([hex(code('TLS_RSA_WITH_NULL_MD5'))]);
      expect(r.protocolErrors).toEqual({});
    },
  },
  {
    name: 'ECDSA-only, its certificate on P-256: every group it takes, not only P-256',
    server: async () => ({
      protocols: {
        'TLSv1.2': {
          suites: [code('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'), code('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384')],
          groups: [0x001d, 0x0018, 0x001e, 0x0017],
        },
      },
      certificateCurve: 0x0017,
      certificate: (await createLeaf(null, { dns: ['fake.test'], selfSigned: true, key: { type: 'EC', curve: 'P-256' } })).der,
    }),
    check: (r) => {
      expect(
        r.groups
          .filter((g) => g.protocol === 'TLSv1.2')
          .map((g) => g.name)
          .sort(),
      ).toEqual(['secp256r1', 'secp384r1', 'x25519', 'x448']);
    },
  },
  {
    name: "Go: its order depends on the client's first suite, and TLS 1.3 ignores the client's order",
    server: () => ({ protocols: { 'TLSv1.3': { suites: TLS13, goStyleOrder: true }, 'TLSv1.2': { suites: MODERN12, goStyleOrder: true } } }),
    check: (r) => {
      // Offered like a modern client (AES-GCM first), Go uses its AES-first order.
      expect(r.serverPreference.find((o) => o.protocol === 'TLSv1.3')).toEqual({ protocol: 'TLSv1.3', serverEnforced: true, order: TLS13.map(hex) });
      expect(r.serverPreference.find((o) => o.protocol === 'TLSv1.2')?.serverEnforced).toBe(true);
    },
  },
  {
    name: 'closes on hellos of more than 64 suites: found through smaller hellos',
    server: () => ({ protocols: { 'TLSv1.2': { suites: MODERN12 } }, maxSuites: 64 }),
    check: (r) => {
      expect(suites(r, 'TLSv1.2')).toEqual(expected(MODERN12));
      expect(r.intolerantSuites).toEqual([]);
    },
  },
];

describe('the prober against scripted servers', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const opts = await c.server();
    const one = await scan(opts, 1);
    c.check(one.result);
    // Four connections split chunks differently: the same findings.
    const four = await scan(opts, 4);
    c.check(four.result);
    expect(findings(four.result)).toEqual(findings(one.result));
  });

  /** Hellos that end with an accepted suite after suites that are not: the canary checks. */
  const canaryChecks = (offers: { suites: number[]; groups?: number[] }[], accepted: number[]) =>
    offers.filter(
      (o) => !o.groups && o.suites.length > 1 && accepted.includes(o.suites.at(-1) as number) && o.suites.slice(0, -1).every((c) => !accepted.includes(c)),
    );

  test.each([
    ['an alert', 'handshake_failure'],
    ['a silent close', 'close'],
  ] as const)('a server that refuses every chunk the same way (%s) pays no canary hello', async (_how, refusal) => {
    const { result, server } = await scan({ protocols: { 'TLSv1.2': { suites: MODERN12 } }, refusal }, 1, { protocols: ['TLSv1.2'] });
    expect(canaryChecks(server.offers, MODERN12)).toEqual([]);
    expect(suites(result, 'TLSv1.2')).toEqual(expected(MODERN12));
  });
});
