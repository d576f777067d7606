import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import * as packet from 'dns-packet';
import { DnsQueryError } from '../../../src/discovery/dns.js';
import { SecureDnsClient } from '../../../src/discovery/secure-dns.js';

// The wire client of DANE's lookups against scripted DNS servers on loopback: what a broken or
// hostile resolver path can send (junk, a stray reply, a truncated answer, a TCP stream cut short)
// ends in a typed DnsQueryError or the right answer, never a crash or a wait past the deadline.
// Real validation (AD bits, bogus answers) is tested against Unbound in scan/dane.test.ts.

type Reply = (query: packet.DecodedPacket, raw: Buffer) => Buffer[];

const servers: Array<UdpSocket | Server> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A UDP server on loopback answering each query with what `reply` makes of it; and a TCP one on the same port when asked. */
async function udpServer(reply: Reply, tcp?: Reply): Promise<string> {
  const socket = createSocket('udp4');
  servers.push(socket);
  socket.on('message', (msg, from) => {
    for (const out of reply(packet.decode(msg), msg)) socket.send(out, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const { port } = socket.address();
  if (tcp) {
    const server = createServer((conn) => {
      conn.on('error', () => {});
      // The query may come in pieces: answer once its two-byte length is all there.
      let received = Buffer.alloc(0);
      conn.on('data', (data) => {
        received = Buffer.concat([received, data]);
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const query = received.subarray(2, 2 + received.readUInt16BE(0));
        for (const out of tcp(packet.decode(query), query)) conn.write(out);
        conn.end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  }
  return `127.0.0.1:${port}`;
}

function answer(query: packet.DecodedPacket, extra: Partial<packet.Packet> = {}): Buffer {
  return packet.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHENTIC_DATA,
    questions: query.questions ?? [],
    answers: [
      { type: 'TLSA', name: query.questions?.[0]?.name ?? '', ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 0xab) } },
    ],
    ...extra,
  });
}

const withLength = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const client = (resolver: string, timeoutMs = 1500) => new SecureDnsClient({ resolver, timeoutMs });

describe('SecureDnsClient against scripted servers', () => {
  test('a secure answer: AD bit set → secure, the TLSA data decoded', async () => {
    const resolver = await udpServer((q) => [answer(q)]);
    const got = await client(resolver).lookup<{ usage: number; certificate: Buffer }>('_5222._tcp.xmpp.example.test', 'TLSA');
    expect(got.status).toBe('secure');
    expect(got.records).toHaveLength(1);
    expect(got.records[0]!.usage).toBe(3);
    expect(got.records[0]!.certificate.toString('hex')).toBe('ab'.repeat(32));
  });

  test('junk, a reply with another id and one for another question are ignored; the real reply is taken', async () => {
    const resolver = await udpServer((q) => [
      Buffer.from('not a DNS message at all'),
      answer({ ...q, id: ((q.id ?? 0) + 1) & 0xffff }),
      answer({ ...q, questions: [{ type: 'TLSA', name: 'other.example.test', class: 'IN' }] }),
      answer(q, { flags: packet.RECURSION_AVAILABLE }), // no AD: insecure
    ]);
    const got = await client(resolver).lookup('_5222._tcp.xmpp.example.test', 'TLSA');
    expect(got.status).toBe('insecure');
  });

  test('a truncated UDP answer is asked again over TCP', async () => {
    const resolver = await udpServer(
      (q) => [answer(q, { flags: packet.TRUNCATED_RESPONSE | packet.AUTHENTIC_DATA, answers: [] })],
      (q) => [withLength(answer(q))],
    );
    const got = await client(resolver).lookup('_5222._tcp.xmpp.example.test', 'TLSA');
    expect(got).toMatchObject({ status: 'secure', records: [expect.objectContaining({ usage: 3 })] });
  });

  test('a TCP answer cut short ends with EBADRESP', async () => {
    const resolver = await udpServer(
      (q) => [answer(q, { flags: packet.TRUNCATED_RESPONSE, answers: [] })],
      (q) => [withLength(answer(q)).subarray(0, 20)],
    );
    const err = await client(resolver)
      .lookup('_5222._tcp.xmpp.example.test', 'TLSA')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsQueryError);
    expect((err as DnsQueryError).code).toBe('EBADRESP');
  });

  test('a server that never answers: ETIMEOUT at the deadline, whatever junk it sends meanwhile', async () => {
    const resolver = await udpServer(() => [Buffer.from([0xff, 0xff, 0x00])]);
    const err = await client(resolver, 400)
      .lookup('_5222._tcp.xmpp.example.test', 'TLSA')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsQueryError);
    expect((err as DnsQueryError).code).toBe('ETIMEOUT');
    expect((err as Error).message).toBe('DNS lookup of TLSA _5222._tcp.xmpp.example.test failed: ETIMEOUT (no answer from the DNS server in time)');
  });

  test('SERVFAIL that stays SERVFAIL with Checking Disabled is a failure (ESERVFAIL), not bogus', async () => {
    const resolver = await udpServer((q) => [answer(q, { flags: packet.RECURSION_AVAILABLE | 2, answers: [] })]);
    const err = await client(resolver)
      .lookup('_5222._tcp.xmpp.example.test', 'TLSA')
      .catch((e: unknown) => e);
    expect((err as DnsQueryError).code).toBe('ESERVFAIL');
  });

  test('SERVFAIL, then an answer with Checking Disabled: bogus, with the Extended DNS Error as the reason', async () => {
    const ede = Buffer.concat([Buffer.from([0, 7]), Buffer.from('signature expired\u0000\u0007')]);
    const resolver = await udpServer((q) =>
      q.flag_cd
        ? [answer(q, { flags: packet.RECURSION_AVAILABLE | packet.CHECKING_DISABLED })]
        : [
            answer(q, {
              flags: packet.RECURSION_AVAILABLE | 2,
              answers: [],
              additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [{ code: 15, data: ede }] } as unknown as packet.Answer],
            }),
          ],
    );
    const got = await client(resolver).lookup('_5222._tcp.xmpp.example.test', 'TLSA');
    expect(got.status).toBe('bogus');
    expect(got.records).toHaveLength(1);
    expect(got.reason).toBe('7 Signature Expired: signature expired');
  });

  test('an aborted scan ends the query at once with the abort', async () => {
    const resolver = await udpServer(() => []);
    const controller = new AbortController();
    const pending = new SecureDnsClient({ resolver, timeoutMs: 60_000, signal: controller.signal }).lookup('x.example.test', 'TLSA').catch((e: unknown) => e);
    controller.abort(new Error('shutting down'));
    const err = await pending;
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DnsQueryError);
  });
});
