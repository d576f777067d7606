import { isIP } from 'node:net';
import type { DaneProblem, DaneStatus, DnssecStatus, Mode, TlsaRecord } from '../result/types.js';
import { SERVICES } from './discover.js';
import { type SecureAnswer, SecureDnsClient, type SecureRecordType } from './secure-dns.js';
import type { DiscoveredEndpoint } from './types.js';

// What DANE needs from DNS for each endpoint (RFC 7673): the TLSA RRset at _PORT._tcp.HOST and
// how DNSSEC vouches for every answer on the way — the SRV RRset that named HOST, HOST's address
// records, the TLSA RRset. Only when all three are secure may a client use the records; the
// matching against the served chain is the certificate stage's (src/certificate/dane.ts).

/** What the lookups found for one endpoint; `status` null means "records usable: match them". */
export interface TlsaLookup {
  name: string | null;
  dnssec: { srv: DnssecStatus | null; address: DnssecStatus | null; tlsa: DnssecStatus | null };
  records: TlsaRecord[];
  /** A verdict reached without matching (none, insecure, bogus, error); null: match the records. */
  status: Exclude<DaneStatus, 'valid' | 'mismatch'> | null;
  problems: DaneProblem[];
}

export interface DaneLookupOptions {
  mode: Mode;
  resolver?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * A name whose answer a validating resolver marks secure, asked when records exist but no
   * answer of the scan carried the AD bit: does the resolver validate at all? Default the root
   * zone "." (every validating resolver holds its trust anchor).
   */
  validationCheckName?: string;
}

/** Whether a resolver validates, per resolver address, for VALIDATION_CHECK_TTL_MS. */
const validationChecks = new Map<string, { validates: Promise<boolean | null>; at: number }>();
const VALIDATION_CHECK_TTL_MS = 10 * 60 * 1000;

/**
 * The TLSA lookups of a domain's endpoints, aligned with `endpoints` (null for a skipped one).
 * Never rejects: a failed lookup becomes that endpoint's `error` status.
 */
export async function lookupTlsa(domain: string, endpoints: readonly DiscoveredEndpoint[], opts: DaneLookupOptions): Promise<Array<TlsaLookup | null>> {
  let client: SecureDnsClient;
  try {
    client = new SecureDnsClient({
      timeoutMs: opts.timeoutMs,
      ...(opts.resolver !== undefined ? { resolver: opts.resolver } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    const failed = lookupFailure(null, err);
    return endpoints.map((ep) => (ep.skip ? null : failed));
  }
  // Each question asked once per scan, whichever endpoints share it.
  const asked = new Map<string, Promise<SecureAnswer<unknown>>>();
  const ask = <T>(name: string, type: SecureRecordType): Promise<SecureAnswer<T>> => {
    const key = `${type} ${name}`;
    let answer = asked.get(key);
    if (answer === undefined) {
      answer = client.lookup<unknown>(name, type);
      answer.catch(() => {}); // awaited below; never an unhandled rejection
      asked.set(key, answer);
    }
    return answer as Promise<SecureAnswer<T>>;
  };

  const found = await Promise.all(endpoints.map((ep) => (ep.skip ? null : lookupEndpoint(domain, ep, opts.mode, ask))));
  // Records to judge (matched, or called insecure) but not one secure answer: is that the zones, or
  // a resolver that does not validate at all (and so never sets AD)?
  const judged = (f: TlsaLookup | null): f is TlsaLookup => f !== null && f.records.length > 0 && (f.status === null || f.status === 'insecure');
  if (!found.some(judged)) return found;
  if (found.some((f) => f !== null && Object.values(f.dnssec).includes('secure'))) return found;
  const validates = await resolverValidates(client, opts.validationCheckName ?? '.');
  if (validates === true) return found;
  return found.map((f) => (judged(f) ? notValidating(f, client.serverName, validates === null) : f));
}

async function lookupEndpoint(
  domain: string,
  ep: DiscoveredEndpoint,
  mode: Mode,
  ask: <T>(name: string, type: SecureRecordType) => Promise<SecureAnswer<T>>,
): Promise<TlsaLookup> {
  if (isIP(ep.host) !== 0) {
    return { name: null, dnssec: { srv: null, address: null, tlsa: null }, records: [], status: 'none', problems: [] };
  }
  const name = `_${ep.port}._tcp.${ep.host}`;
  const lookup: TlsaLookup = { name, dnssec: { srv: null, address: null, tlsa: null }, records: [], status: null, problems: [] };
  try {
    const srvName = ep.source === 'srv' ? `${SERVICES[mode].find((s) => s.directTls === ep.directTls)?.prefix}.${domain}` : null;
    const [srv, address, tlsa] = await Promise.all([
      srvName === null ? null : ask<unknown>(srvName, 'SRV'),
      ask<unknown>(ep.host, ep.family === 6 ? 'AAAA' : 'A'),
      ask<{ usage: number; selector: number; matchingType: number; certificate: Buffer }>(name, 'TLSA'),
    ]);
    lookup.dnssec = { srv: srv?.status ?? null, address: address.status, tlsa: tlsa.status };
    lookup.records = tlsa.records.map((r) => ({ usage: r.usage, selector: r.selector, matchingType: r.matchingType, data: r.certificate.toString('hex') }));
    const steps = [
      ['srv', srvName, srv],
      ['address', ep.host, address],
      ['tlsa', name, tlsa],
    ] as const;
    for (const [step, asked, answer] of steps) {
      if (answer?.status === 'bogus') {
        lookup.problems.push({ code: `${step}_bogus`, message: `the ${step.toUpperCase()} answer for ${asked} failed DNSSEC validation: ${answer.reason}` });
      }
    }
    if (lookup.problems.length > 0) lookup.status = 'bogus';
    else if (lookup.records.length === 0) lookup.status = 'none';
    else {
      for (const [step, asked, answer] of steps) {
        if (answer?.status === 'insecure') {
          lookup.problems.push({
            code: `${step}_insecure`,
            message: `the ${step === 'address' ? (ep.family === 6 ? 'AAAA' : 'A') : step.toUpperCase()} answer for ${asked} is not DNSSEC-signed: the TLSA records must not be used (RFC 7673)`,
          });
        }
      }
      if (lookup.problems.length > 0) lookup.status = 'insecure';
    }
    return lookup;
  } catch (err) {
    return lookupFailure(name, err);
  }
}

function lookupFailure(name: string | null, err: unknown): TlsaLookup {
  const message = err instanceof Error ? err.message : String(err);
  return { name, dnssec: { srv: null, address: null, tlsa: null }, records: [], status: 'error', problems: [{ code: 'lookup_failed', message }] };
}

function notValidating(found: TlsaLookup, server: string, checkFailed: boolean): TlsaLookup {
  const indeterminate = (s: DnssecStatus | null): DnssecStatus | null => (s === null ? null : 'indeterminate');
  const message = checkFailed
    ? `no answer carried the AD bit and the check whether the resolver ${server} validates DNSSEC failed: the TLSA records cannot be judged`
    : `the resolver ${server} does not set the AD bit (it does not validate DNSSEC): the TLSA records cannot be judged; configure a validating resolver`;
  return {
    ...found,
    dnssec: { srv: indeterminate(found.dnssec.srv), address: indeterminate(found.dnssec.address), tlsa: indeterminate(found.dnssec.tlsa) },
    status: 'error',
    problems: [{ code: 'resolver_not_validating', message }],
  };
}

/** Does the resolver validate: is `checkName`'s SOA answer marked secure? null when the check got no answer. */
function resolverValidates(client: SecureDnsClient, checkName: string): Promise<boolean | null> {
  const key = `${client.serverName} ${checkName}`;
  const cached = validationChecks.get(key);
  if (cached && Date.now() - cached.at < VALIDATION_CHECK_TTL_MS) return cached.validates;
  const validates = client.lookup(checkName, 'SOA').then(
    (answer) => answer.status === 'secure',
    () => null,
  );
  validationChecks.set(key, { validates, at: Date.now() });
  // A failed check is not remembered: the next scan asks again.
  validates.then((v) => v === null && validationChecks.delete(key));
  return validates;
}
