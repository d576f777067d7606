import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import * as packet from 'dns-packet';
import { abortError } from '../result/errors.js';
import { DnsQueryError, errorCode } from './dns.js';
import { parseHostPort } from './host-port.js';

// DNS queries that report DNSSEC: Node's resolver (c-ares) can neither ask for TLSA nor show the
// AD bit, so DANE's lookups go over the wire with dns-packet (encoding and decoding only; the
// transport is ours): UDP with EDNS0 and the DO bit, TCP when the answer is truncated. Like
// Postfix and Prosody, we trust the AD bit of the configured resolver — it must validate, which
// resolverValidates() checks.

/** RFC 4035 §3.2.3 and RFC 6840 §5.8, as the validating resolver answered. */
export type DnssecStatus = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

export type SecureRecordType = 'SRV' | 'A' | 'AAAA' | 'TLSA' | 'SOA';

export interface WireAnswer {
  rcode: string;
  /** Authenticated Data: the resolver validated every record of the answer (RFC 4035 §3.2.3). */
  authenticated: boolean;
  answers: packet.Answer[];
  /** RFC 8914 Extended DNS Error the resolver attached ("7 Signature Expired: …"), if any. */
  extendedError: string | null;
}

export interface SecureAnswer<T> {
  status: DnssecStatus;
  records: T[];
  /** Why the status is bogus, from the resolver's Extended DNS Error when it gave one. */
  reason: string | null;
}

export interface SecureDnsOptions {
  /** "IP", "IP:PORT" or "[IPv6]:PORT"; absent: the first of the system's servers. */
  resolver?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Largest UDP answer we ask for (the DNS flag day 2020 value: no IP fragmentation). */
const UDP_PAYLOAD_SIZE = 1232;

/** RFC 8914 info codes a validator sets for DNSSEC failures, with their registry names. */
const EDE_NAMES: Record<number, string> = {
  1: 'Unsupported DNSKEY Algorithm',
  2: 'Unsupported DS Digest Type',
  6: 'DNSSEC Bogus',
  7: 'Signature Expired',
  8: 'Signature Not Yet Valid',
  9: 'DNSKEY Missing',
  10: 'RRSIGs Missing',
  11: 'No Zone Key Bit Set',
  12: 'NSEC Missing',
};

/** The server queries go to, as parseHostPort reads it; a DnsQueryError when there is none. */
export function secureResolverAddress(spec: string | undefined): { host: string; port: number } {
  const chosen = spec ?? getServers()[0];
  if (chosen === undefined) throw new DnsQueryError('the system resolver', 'ECONNREFUSED');
  return parseHostPort(chosen, 53);
}

/** One resolver, one deadline per query; no state between queries but the server's address. */
export class SecureDnsClient {
  private readonly server: { host: string; port: number };
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;

  constructor(options: SecureDnsOptions) {
    this.server = secureResolverAddress(options.resolver);
    this.timeoutMs = options.timeoutMs;
    this.signal = options.signal;
  }

  /** The resolver's address as "IP:PORT" (for messages and the per-resolver validation check). */
  get serverName(): string {
    return this.server.host.includes(':') ? `[${this.server.host}]:${this.server.port}` : `${this.server.host}:${this.server.port}`;
  }

  /**
   * The records of `type` at `name` and how DNSSEC vouches for them. A validating resolver answers
   * SERVFAIL for bogus data: asked again with Checking Disabled, it then hands the data over, which
   * tells bogus from a plain server failure (what `delv` and Postfix's `dane` tests do).
   */
  async lookup<T>(name: string, type: SecureRecordType): Promise<SecureAnswer<T>> {
    const first = await this.query(name, type, false);
    if (first.rcode === 'NOERROR' || first.rcode === 'NXDOMAIN') {
      return { status: first.authenticated ? 'secure' : 'insecure', records: recordsOf<T>(first, type), reason: null };
    }
    if (first.rcode === 'SERVFAIL') {
      const unchecked = await this.query(name, type, true);
      if (unchecked.rcode === 'NOERROR' || unchecked.rcode === 'NXDOMAIN') {
        const reason = first.extendedError ?? 'the resolver could not validate the answer (SERVFAIL, and an answer with Checking Disabled)';
        return { status: 'bogus', records: recordsOf<T>(unchecked, type), reason };
      }
    }
    const code = first.rcode === 'SERVFAIL' ? 'ESERVFAIL' : first.rcode === 'REFUSED' ? 'EREFUSED' : first.rcode === 'FORMERR' ? 'EFORMERR' : 'EBADRESP';
    throw new DnsQueryError(`${type} ${name}`, code);
  }

  /** One query: UDP (sent twice within the deadline, a lost packet is common), TCP when truncated. */
  async query(name: string, type: SecureRecordType, checkingDisabled: boolean): Promise<WireAnswer> {
    const label = `${type} ${name}`;
    if (this.signal?.aborted) throw abortError(this.signal, 'dns');
    const id = randomInt(0, 0x10000);
    const request: packet.Packet = {
      type: 'query',
      id,
      // RD, and AD so a resolver reports validation even to a client that has not shown it understands DNSSEC (RFC 6840 §5.7).
      flags: packet.RECURSION_DESIRED | packet.AUTHENTIC_DATA | (checkingDisabled ? packet.CHECKING_DISABLED : 0),
      questions: [{ type, name, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD_SIZE, flags: packet.DNSSEC_OK } as unknown as packet.Answer],
    };
    const bytes = packet.encode(request);
    return this.withDeadline(label, async (signal) => {
      const udp = await this.overUdp(bytes, id, name, type, signal);
      const answer = udp.flag_tc ? await this.overTcp(bytes, id, name, type, signal) : udp;
      return toWireAnswer(answer);
    });
  }

  private async withDeadline<T>(label: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DnsQueryError(label, 'ETIMEOUT')), this.timeoutMs);
    const onAbort = () => controller.abort(this.signal?.reason);
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(controller.signal);
    } catch (err) {
      if (this.signal?.aborted) throw abortError(this.signal, 'dns');
      if (controller.signal.aborted) throw controller.signal.reason;
      if (err instanceof DnsQueryError) throw err;
      throw new DnsQueryError(label, errorCode(err), err);
    } finally {
      clearTimeout(timer);
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  private overUdp(bytes: Buffer, id: number, name: string, type: string, signal: AbortSignal): Promise<packet.DecodedPacket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(this.server.host.includes(':') ? 'udp6' : 'udp4');
      const send = () => socket.send(bytes, this.server.port, this.server.host);
      const resend = setTimeout(send, Math.max(1, Math.floor(this.timeoutMs / 3)));
      const finish = (err: unknown, value?: packet.DecodedPacket) => {
        clearTimeout(resend);
        signal.removeEventListener('abort', onAbort);
        socket.close();
        if (value) resolve(value);
        else reject(err);
      };
      const onAbort = () => finish(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(err));
      socket.on('message', (message, from) => {
        // Anything but the answer to this question from this server is ignored (spoofing, stray replies).
        if (from.port !== this.server.port) return;
        const decoded = decodeReply(message, id, name, type);
        if (decoded) finish(null, decoded);
      });
      send();
    });
  }

  private overTcp(bytes: Buffer, id: number, name: string, type: string, signal: AbortSignal): Promise<packet.DecodedPacket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.server.host, port: this.server.port });
      let received = Buffer.alloc(0);
      const finish = (err: unknown, value?: packet.DecodedPacket) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (value) resolve(value);
        else reject(err);
      };
      const onAbort = () => finish(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(err));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(bytes.length);
        socket.write(Buffer.concat([length, bytes]));
      });
      socket.on('data', (chunk) => {
        // A two-byte length, then at most 64 KiB: nothing a server sends can grow past that.
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const size = received.readUInt16BE(0);
        if (received.length < 2 + size) return;
        const decoded = decodeReply(received.subarray(2, 2 + size), id, name, type);
        finish(decoded ? null : new DnsQueryError(`${type} ${name}`, 'EBADRESP'), decoded ?? undefined);
      });
      socket.on('end', () => finish(new DnsQueryError(`${type} ${name}`, 'EBADRESP')));
    });
  }
}

/** The reply to our question, or null for anything else (wrong id or question, junk). */
function decodeReply(message: Buffer, id: number, name: string, type: string): packet.DecodedPacket | null {
  try {
    const decoded = packet.decode(message);
    const question = decoded.questions?.[0];
    if (decoded.id !== id || decoded.type !== 'response' || !question) return null;
    if (question.type !== type || question.name.toLowerCase() !== name.toLowerCase()) return null;
    return decoded;
  } catch {
    return null;
  }
}

function toWireAnswer(reply: packet.DecodedPacket): WireAnswer {
  const opt = (reply.additionals ?? []).find((a) => a.type === 'OPT') as { options?: Array<{ code: number; data?: Buffer }> } | undefined;
  const ede = opt?.options?.find((o) => o.code === 15 && o.data !== undefined && o.data.length >= 2);
  let extendedError: string | null = null;
  if (ede?.data) {
    const info = ede.data.readUInt16BE(0);
    // The extra text is free-form UTF-8 from the resolver: printable characters only, bounded.
    const text = ede.data
      .subarray(2, 258)
      .toString('utf8')
      .replace(/[^\x20-\x7e]/g, '');
    extendedError = `${info} ${EDE_NAMES[info] ?? 'Extended DNS Error'}${text ? `: ${text}` : ''}`;
  }
  return {
    rcode: (reply as unknown as { rcode?: string }).rcode ?? 'NOERROR',
    authenticated: reply.flag_ad,
    answers: reply.answers ?? [],
    extendedError,
  };
}

/** The answer section's records of `type` (a CNAME chain's final records included), their data only. */
function recordsOf<T>(answer: WireAnswer, type: SecureRecordType): T[] {
  return answer.answers.filter((a) => a.type === type).map((a) => (a as unknown as { data: T }).data);
}
