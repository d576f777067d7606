import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ProtocolName, TlsResult } from '../../../src/result/types.js';
import { type XmppTarget, openTlsReadySocket } from '../../../src/connector/xmpp.js';
import type { ProbeAnswer } from '../../../src/tls/probe/exchange.js';
import { probeTls } from '../../../src/tls/probe/prober.js';
import { exchange } from '../../../src/tls/probe/exchange.js';
import { TLS12_GROUPS, WIRE_VERSION } from '../../../src/tls/probe/hellos.js';
import { type Offer, helloBytes } from '../../../src/tls/probe/offer.js';
import { cipherSuiteByCode, suitesForProtocol } from '../../../src/tls/registry/index.js';
import {
  type StarttlsFront,
  type TlsStackServer,
  startErlang,
  startGnutls,
  startGo,
  startMbedtls,
  startOpensslEcdsa,
  startStarttlsFront,
} from '../../harness/tls-stacks.mjs';
import { mapLimit } from '../../../src/scan/scan.js';

// The prober against TLS stacks other than OpenSSL-with-defaults, each behind an XMPP STARTTLS
// front, checked against a brute-force ground truth computed here: every suite offered alone, one
// hello per suite and protocol. The findings must equal it exactly, whatever the stack does with
// suites it dislikes (mbedTLS, Erlang/OTP), with an ECDSA-only certificate (OpenSSL), or with the
// client's order (Go).

const PROTOCOLS: Exclude<ProtocolName, 'SSLv2'>[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0'];
const hex = (c: number) => `0x${c.toString(16).toUpperCase().padStart(4, '0')}`;

function target(front: StarttlsFront): XmppTarget {
  return {
    domain: 'tls.test',
    mode: 'c2s',
    host: '127.0.0.1',
    address: '127.0.0.1',
    port: front.port,
    directTls: false,
    from: 'x.invalid',
    timeouts: { connectMs: 5000, readMs: 5000, handshakeMs: 5000 },
  };
}

/** One offer on a fresh STARTTLS connection through the front: what the prober sends, without its algorithms. */
function sender(front: StarttlsFront): (offer: Offer) => Promise<ProbeAnswer> {
  return async (offer) => {
    const { socket } = await openTlsReadySocket(target(front));
    return exchange(socket, helloBytes(offer, 'tls.test'), {
      timeoutMs: 5000,
      keyExchangeOf: (code) => (cipherSuiteByCode(code)?.keyExchange === 'ECDHE' ? 'ecdhe' : cipherSuiteByCode(code)?.keyExchange === 'DHE' ? 'dhe' : null),
    });
  };
}

/** Runs `jobs` with at most `n` at once (the scan's own mapLimit), results in order. */
const pool = <T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> => mapLimit(jobs, n, (job) => job());

/** Every (protocol, suite) the server accepts when offered alone: "TLSv1.2 0xC02F". */
async function groundTruth(front: StarttlsFront): Promise<string[]> {
  const send = sender(front);
  const jobs = PROTOCOLS.flatMap((protocol) =>
    suitesForProtocol(protocol).map((s) => async () => {
      const answer = await send({ protocol, suites: [s.code] });
      const ok = answer.kind === 'hello' && answer.serverHello.cipherSuite === s.code && answer.serverHello.selectedVersion === WIRE_VERSION[protocol];
      return ok ? `${protocol} ${hex(s.code)}` : null;
    }),
  );
  return (await pool(jobs, 8)).filter((x): x is string => x !== null).sort();
}

const pairs = (r: TlsResult) => r.cipherSuites.map((s) => `${s.protocol} ${s.code}`).sort();

interface Stack {
  start: () => Promise<TlsStackServer>;
  front: StarttlsFront;
  server: TlsStackServer;
  truth: string[];
  result: TlsResult;
}

async function setUp(start: () => Promise<TlsStackServer>): Promise<Stack> {
  const server = await start();
  const front = await startStarttlsFront(server.port);
  const truth = await groundTruth(front);
  const result = await probeTls({ openSocket: async () => (await openTlsReadySocket(target(front))).socket, serverName: 'tls.test' });
  return { start, front, server, truth, result };
}

async function tearDown(s: Stack | undefined): Promise<void> {
  await s?.front.stop();
  await s?.server.stop();
}

/** The group the ECDSA-only server picks for each group offered first, its certificate's curve (P-256) after it. */
async function groupTruth(s: Stack): Promise<string[]> {
  const ecdhe = s.result.cipherSuites.filter((c) => c.protocol === 'TLSv1.2' && c.keyExchange === 'ECDHE').map((c) => parseInt(c.code, 16));
  const send = sender(s.front);
  const picked = await pool(
    TLS12_GROUPS.map((g) => async () => {
      const answer = await send({ protocol: 'TLSv1.2', suites: ecdhe, groups: g === 0x0017 ? [g] : [g, 0x0017] });
      const kx = answer.kind === 'hello' ? answer.flight.serverKeyExchange : null;
      return kx?.kind === 'ecdhe' ? kx.namedGroup : null;
    }),
    8,
  );
  return [...new Set(picked.filter((x): x is number => x !== null))].map(hex).sort();
}

/** Each stack, and what it must show besides the suites (`also`). */
const STACKS: [string, () => Promise<TlsStackServer>, ((s: Stack) => Promise<void> | void) | null][] = [
  ['GnuTLS, its own order (NORMAL:%SERVER_PRECEDENCE)', () => startGnutls('NORMAL:%SERVER_PRECEDENCE'), null],
  [
    'mbedTLS (lighttpd), HIGH:ARIA:CAMELLIA: picks an ARIA suite it lists, then closes',
    () => startMbedtls('HIGH:ARIA:CAMELLIA'),
    (s) => {
      const intolerant = s.result.intolerantSuites ?? [];
      expect(intolerant.length).toBeGreaterThan(0);
      for (const i of intolerant) expect(i.name).toMatch(/_ARIA_/);
    },
  ],
  [
    'Erlang/OTP ssl, every suite it has: picks an SRP suite (not set up), then fails with handshake_failure',
    startErlang,
    (s) => {
      const intolerant = s.result.intolerantSuites ?? [];
      expect(intolerant.length).toBeGreaterThan(0);
      for (const i of intolerant) expect(i.name).toMatch(/^TLS_SRP_/);
    },
  ],
  [
    "Go crypto/tls: its order depends on the client's first suite; TLS 1.3 ignores the client's order",
    startGo,
    (s) => {
      // Offered like a modern client (AES-GCM first), the server's own order is reported.
      expect(s.result.serverPreference.find((o) => o.protocol === 'TLSv1.3')).toEqual({
        protocol: 'TLSv1.3',
        serverEnforced: true,
        order: ['0x1301', '0x1302', '0x1303'],
      });
      expect(s.result.serverPreference.find((o) => o.protocol === 'TLSv1.2')?.serverEnforced).toBe(true);
    },
  ],
  [
    'OpenSSL with an ECDSA certificate only (P-256): every TLS 1.2 group it takes, not only the certificate curve',
    () => startOpensslEcdsa('prime256v1'),
    async (s) => {
      const truth = await groupTruth(s);
      expect(truth.length).toBeGreaterThan(1);
      expect(
        s.result.groups
          .filter((g) => g.protocol === 'TLSv1.2')
          .map((g) => g.code)
          .sort(),
      ).toEqual(truth);
    },
  ],
];

describe.each(STACKS)('%s', (_name, start, also) => {
  let s: Stack;
  beforeAll(async () => {
    s = await setUp(start);
  }, 120_000);
  afterAll(async () => {
    await tearDown(s);
  });

  test('the prober finds exactly the suites each accepted alone', () => {
    expect(s.truth.length).toBeGreaterThan(0);
    expect(pairs(s.result)).toEqual(s.truth);
    expect(s.result.protocolErrors).toEqual({});
  });

  test('suites it reports intolerant are never accepted alone', () => {
    const intolerant = (s.result.intolerantSuites ?? []).map((i) => `${i.protocol} ${i.code}`);
    for (const i of intolerant) expect(s.truth).not.toContain(i);
  });

  if (also) test('and what this stack shows besides', async () => await also(s));
});
