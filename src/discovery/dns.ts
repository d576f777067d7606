import { Resolver, lookup } from 'node:dns/promises';
import { abortError } from '../result/errors.js';
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

/** The `code` of a Node or c-ares error (`ENOTFOUND`, `ECONNREFUSED`, …), or EUNKNOWN. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/**
 * Runs a lookup with a hard deadline (c-ares has its own timeouts, getaddrinfo has none we
 * control), maps "no records" to [] and everything else to DnsQueryError. An abort of `signal`
 * (the scan's deadline) ends it at once with the abort's error.
 */
async function guarded<T>(query: string, timeoutMs: number, signal: AbortSignal | undefined, run: () => Promise<T[]>): Promise<T[]> {
  if (signal?.aborted) throw abortError(signal, 'dns');
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsQueryError(query, 'ETIMEOUT')), timeoutMs);
    onAbort = () => reject(abortError(signal as AbortSignal, 'dns'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run(), deadline]);
  } catch (err) {
    if (err instanceof DnsQueryError || signal?.aborted) throw signal?.aborted ? abortError(signal, 'dns') : err;
    const code = errorCode(err);
    if (NO_RECORDS.has(code)) return [];
    throw new DnsQueryError(query, code, err);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

export interface DnsClientOptions {
  timeoutMs: number;
  /** "IP:PORT" / "[IPv6]:PORT" as Resolver.setServers takes it; absent: the system's servers. */
  server?: string;
  /** Ends every query when it aborts. */
  signal?: AbortSignal;
}

/** The DNS queries discovery needs, each with a deadline. One per discovery call; close() it after. */
export class DnsClient {
  private readonly resolver: Resolver;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;

  constructor(options: DnsClientOptions) {
    this.timeoutMs = options.timeoutMs;
    this.signal = options.signal;
    // Two tries within the deadline (c-ares doubles the per-try timeout): one lost UDP packet
    // should not make a whole domain fail.
    this.resolver = new Resolver({ timeout: Math.max(1, Math.floor(options.timeoutMs / 3)), tries: 2 });
    if (options.server !== undefined) this.resolver.setServers([options.server]);
  }

  srv(name: string): Promise<SrvRecord[]> {
    return guarded(`SRV ${name}`, this.timeoutMs, this.signal, () => this.resolver.resolveSrv(name));
  }

  ipv4(name: string): Promise<string[]> {
    return guarded(`A ${name}`, this.timeoutMs, this.signal, () => this.resolver.resolve4(name));
  }

  ipv6(name: string): Promise<string[]> {
    return guarded(`AAAA ${name}`, this.timeoutMs, this.signal, () => this.resolver.resolve6(name));
  }

  /** getaddrinfo (honours /etc/hosts and nsswitch), for names the user typed when no resolver is set. */
  systemLookup(name: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
    return guarded(`${name} (system resolver)`, this.timeoutMs, this.signal, async () => {
      const found = await lookup(name, { all: true, verbatim: true });
      return found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) }));
    });
  }

  /** Cancels queries still running (e.g. after a deadline fired), so nothing outlives the call. */
  close(): void {
    this.resolver.cancel();
  }
}
