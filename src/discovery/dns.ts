import { Resolver, lookup } from 'node:dns/promises';
import type { SrvRecord } from './types.js';

/** Error codes that mean "the name or the record type does not exist": an empty answer, not a failure. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

const EXPLANATIONS: Record<string, string> = {
  ESERVFAIL: 'the DNS server reported a server failure (SERVFAIL)',
  EREFUSED: 'the DNS server refused the query (REFUSED)',
  ETIMEOUT: 'no answer from the DNS server in time',
  ECONNREFUSED: 'could not contact the DNS server',
  EFORMERR: 'the DNS server rejected the query as malformed (FORMERR)',
  EBADRESP: 'malformed reply from the DNS server',
  ECANCELLED: 'query cancelled',
  EAI_AGAIN: 'temporary failure in name resolution',
};

/** A DNS query that got no usable answer. "No such record" is not an error: it is an empty result. */
export class DnsQueryError extends Error {
  readonly query: string;
  readonly code: string;

  constructor(query: string, code: string, cause?: unknown) {
    const explanation = EXPLANATIONS[code];
    super(`DNS lookup of ${query} failed: ${code}${explanation === undefined ? '' : ` (${explanation})`}`, cause === undefined ? undefined : { cause });
    this.name = 'DnsQueryError';
    this.query = query;
    this.code = code;
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/**
 * Runs a lookup with a hard deadline (c-ares has its own timeouts, getaddrinfo has none we
 * control), maps "no records" to [] and everything else to DnsQueryError.
 */
async function guarded<T>(query: string, timeoutMs: number, run: () => Promise<T[]>): Promise<T[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsQueryError(query, 'ETIMEOUT')), timeoutMs);
  });
  try {
    return await Promise.race([run(), deadline]);
  } catch (err) {
    if (err instanceof DnsQueryError) throw err;
    const code = errorCode(err);
    if (NO_RECORDS.has(code)) return [];
    throw new DnsQueryError(query, code, err);
  } finally {
    clearTimeout(timer);
  }
}

export interface DnsClientOptions {
  timeoutMs: number;
  /** "IP:PORT" / "[IPv6]:PORT" as Resolver.setServers takes it; absent: the system's servers. */
  server?: string;
}

/** The DNS queries discovery needs, each with a deadline. One per discovery call; close() it after. */
export class DnsClient {
  private readonly resolver: Resolver;
  private readonly timeoutMs: number;

  constructor(options: DnsClientOptions) {
    this.timeoutMs = options.timeoutMs;
    // Two tries within the deadline (c-ares doubles the per-try timeout): one lost UDP packet
    // should not make a whole domain fail.
    this.resolver = new Resolver({ timeout: Math.max(1, Math.floor(options.timeoutMs / 3)), tries: 2 });
    if (options.server !== undefined) this.resolver.setServers([options.server]);
  }

  srv(name: string): Promise<SrvRecord[]> {
    return guarded(`SRV ${name}`, this.timeoutMs, () => this.resolver.resolveSrv(name));
  }

  ipv4(name: string): Promise<string[]> {
    return guarded(`A ${name}`, this.timeoutMs, () => this.resolver.resolve4(name));
  }

  ipv6(name: string): Promise<string[]> {
    return guarded(`AAAA ${name}`, this.timeoutMs, () => this.resolver.resolve6(name));
  }

  /** getaddrinfo (honours /etc/hosts and nsswitch), for names the user typed when no resolver is set. */
  systemLookup(name: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
    return guarded(`${name} (system resolver)`, this.timeoutMs, async () => {
      const found = await lookup(name, { all: true, verbatim: true });
      return found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) }));
    });
  }

  /** Cancels queries still running (e.g. after a deadline fired), so nothing outlives the call. */
  close(): void {
    this.resolver.cancel();
  }
}
