import { type TrustStore, analyzeChain, completeChain, judgeDane, loadTrustStore } from '../certificate/index.js';
import { type ClientCertificate, type Timeouts, type XmppTarget, inspectEndpoint, openTlsReadySocket } from '../connector/index.js';
import { DEFAULTS } from '../defaults.js';
import { DEFAULT_DNS_TIMEOUT_MS, type DiscoveredEndpoint, type TlsaLookup, discoverEndpoints, lookupTlsa, normalizeDomain } from '../discovery/index.js';
import { ScanError, abortError, deadline, toErrorInfo } from '../result/errors.js';
import type { CertificateResult, EndpointResult, Mode, ScanResult, SoftwareInfo } from '../result/types.js';
import { type ProfileName, gradeDomain, gradeEndpoint } from '../grading/index.js';
import { probeTls, simulateHandshakes } from '../tls/index.js';
import { profilesFor } from '../tls/registry/profile-lookup.js';
import { SCANNER } from '../version.js';

// The scan orchestrator: domain → endpoints → per-endpoint inspection → certificate verdict →
// one result document. Every failure ends up in the document; nothing here throws for a
// misbehaving server, and one endpoint's failure never stops the others.

export interface ScanOptions {
  mode: Mode;
  /** "HOST:PORT": skip DNS and scan this one address (the domain still goes into to=/SNI/identity). */
  connect?: string;
  directTls?: boolean;
  /** DNS server "IP[:PORT]" to ask instead of the system's. */
  resolver?: string;
  /** Trust anchors; built from `caFiles` (plus the bundled Mozilla roots) when not given. */
  trustStore?: TrustStore;
  caFiles?: string[];
  /** s2s: the domain we claim in from=. */
  from?: string;
  clientCertificate?: ClientCertificate;
  /** Each phase's deadline (connect, each read, the handshake): totals, not idle timers. */
  timeouts?: Partial<Timeouts>;
  /** Budget of one endpoint (inspection and TLS probing), ms (default DEFAULT_ENDPOINT_TIMEOUT_MS). */
  endpointTimeoutMs?: number;
  /** Budget of the whole scan (DNS and every endpoint; not the software query), ms (default DEFAULT_SCAN_TIMEOUT_MS). */
  scanTimeoutMs?: number;
  /** Fetch missing intermediates from the AIA caIssuers URL (as browsers do). Default true. */
  fetchAia?: boolean;
  /** Endpoints of one domain scanned at once. */
  endpointConcurrency?: number;
  /** Handshake simulation of the client profiles of the mode (needs tlsProbe). Default true. */
  simulation?: boolean;
  /** DANE: look up each endpoint's TLSA records and their DNSSEC status, and match them. Default true. */
  dane?: boolean;
  /** A name a validating resolver answers as secure, to tell whether the resolver validates (default "."). */
  resolverCheckName?: string;
  /** Raw TLS probing (protocols, cipher suites, …); false skips it (certificate and XMPP facts only). */
  tlsProbe?: boolean;
  /** Probe connections to one endpoint at once, and the minimum gap between two, ms (defaults: DEFAULTS.concurrency). */
  maxConnectionsPerHost?: number;
  connectionDelayMs?: number;
  /** Grading profile (default ssllabs-2009r). */
  profile?: ProfileName;
  /**
   * Asks the domain for its server software (XEP-0092) once the TLS scan is done: in practice
   * VersionQueryClient#query of the configured client account. Without it `software` is null.
   */
  softwareQuery?: (domain: string, signal?: AbortSignal) => Promise<SoftwareInfo>;
  /**
   * Cancels the scan (shutdown, a /probe client that went away). Whatever was in flight ends at
   * once; the document then holds `aborted` errors and is not a finding about the server.
   */
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Default budgets (DEFAULTS.timeouts). A legacy server (TLS 1.0–1.3, 104 suites, ~136 probes) takes
 * 6 s at 50 ms RTT and 33 s at 300 ms RTT (BENCHMARKS.md, bench/budget-bench.mjs): the endpoint
 * budget leaves a 3.5× margin over that, and the scan budget lets a domain's endpoints (4 at a
 * time) run two rounds.
 */
export const DEFAULT_ENDPOINT_TIMEOUT_MS = DEFAULTS.timeouts.endpointSeconds * 1000;
export const DEFAULT_SCAN_TIMEOUT_MS = DEFAULTS.timeouts.scanSeconds * 1000;

/** Each phase's deadline when ScanOptions.timeouts leaves it out. */
const DEFAULT_PHASE_TIMEOUTS: Timeouts = {
  connectMs: DEFAULTS.timeouts.connectSeconds * 1000,
  readMs: DEFAULTS.timeouts.readSeconds * 1000,
  handshakeMs: DEFAULTS.timeouts.handshakeSeconds * 1000,
};

export async function scanDomain(input: string, opts: ScanOptions): Promise<ScanResult> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const result: ScanResult = {
    schemaVersion: 1,
    domain: input,
    mode: opts.mode,
    startedAt: started.toISOString(),
    durationSeconds: 0,
    error: null,
    warnings: [],
    endpoints: [],
    grade: null,
    scanner: SCANNER,
    software: null,
  };
  let validDomain = false;
  // The scan's budget: every wait below ends when it runs out (or when opts.signal aborts).
  const budget = deadline(opts.signal, opts.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS, 'scan', "the scan's budget");
  try {
    const domain = normalizeDomain(input);
    result.domain = domain;
    validDomain = true;
    const trustStore = opts.trustStore ?? loadTrustStore({ caFiles: opts.caFiles ?? [] });
    const discovery = await discoverEndpoints(domain, {
      mode: opts.mode,
      signal: budget.signal,
      ...(opts.connect !== undefined ? { connect: opts.connect } : {}),
      ...(opts.resolver !== undefined ? { resolver: opts.resolver } : {}),
      ...(opts.directTls !== undefined ? { directTls: opts.directTls } : {}),
    });
    // A lookup cut by the deadline shows up as a skipped host: the scan's deadline is the reason.
    if (budget.signal.aborted) throw abortError(budget.signal, 'dns');
    result.warnings = discovery.warnings;
    // TLSA lookups run while the endpoints are scanned; each endpoint waits for its own at the end.
    const tlsa =
      opts.dane === false
        ? null
        : lookupTlsa(domain, discovery.endpoints, {
            mode: opts.mode,
            timeoutMs: DEFAULT_DNS_TIMEOUT_MS,
            signal: budget.signal,
            ...(opts.resolver !== undefined ? { resolver: opts.resolver } : {}),
            ...(opts.resolverCheckName !== undefined ? { validationCheckName: opts.resolverCheckName } : {}),
          });
    result.endpoints = await mapLimit(discovery.endpoints, opts.endpointConcurrency ?? 4, async (ep, i) => {
      const scanned = await scanEndpoint(domain, ep, { ...opts, signal: budget.signal, trustStore, now });
      if (tlsa !== null) scanned.endpoint.dane = endpointDane((await tlsa)[i] ?? null, scanned, domain, opts.mode, now());
      return scanned.endpoint;
    });
    const profile = opts.profile ?? DEFAULTS.grading.profile;
    for (const ep of result.endpoints) ep.grade = gradeEndpoint(ep, profile);
    result.grade = gradeDomain(result.endpoints.map((ep) => ep.grade));
  } catch (err) {
    result.error = toErrorInfo(err);
  } finally {
    budget.dispose();
  }
  // After the TLS scan, so the query never competes with the measurement. Also when the scan
  // found no endpoint: our server may still reach the domain over s2s, or say why it cannot.
  // The scan's duration is the TLS scan's: the query's login can take seconds and is not what
  // xmpp_tls_scan_duration_seconds is about.
  result.durationSeconds = round((performance.now() - t0) / 1000);
  if (opts.softwareQuery && validDomain && !opts.signal?.aborted) {
    result.software = await querySoftware(opts.softwareQuery, result.domain, opts.signal, now);
  }
  return result;
}

async function querySoftware(
  query: NonNullable<ScanOptions['softwareQuery']>,
  domain: string,
  signal: AbortSignal | undefined,
  now: () => Date,
): Promise<SoftwareInfo> {
  try {
    return await query(domain, signal);
  } catch (err) {
    // The query function reports failures in its result; anything thrown is a bug.
    const message = err instanceof Error ? err.message : String(err);
    return { name: null, version: null, os: null, queriedAt: now().toISOString(), error: { code: 'internal_error', message: `unexpected error: ${message}` } };
  }
}

/** An endpoint's findings, and the chain it sent (leaf first) for DANE. */
interface ScannedEndpoint {
  endpoint: EndpointResult;
  presented: Buffer[];
}

async function scanEndpoint(domain: string, ep: DiscoveredEndpoint, opts: ScanOptions & { trustStore: TrustStore; now: () => Date }): Promise<ScannedEndpoint> {
  const t0 = performance.now();
  const { skip, ...location } = ep;
  const base: EndpointResult = {
    ...location,
    status: 'skipped',
    error: skip,
    xmpp: null,
    certificate: null,
    session: null,
    tls: null,
    grade: null,
    durationSeconds: 0,
  };
  let presented: Buffer[] = [];
  if (skip) return { endpoint: base, presented };
  if (opts.signal?.aborted) {
    // The scan's budget ran out (or the scan was cancelled) before this endpoint's turn.
    const err = abortError(opts.signal);
    base.error = { ...err.toJSON(), message: `not scanned: ${err.message}` };
    return { endpoint: base, presented };
  }
  const budget = deadline(opts.signal, opts.endpointTimeoutMs ?? DEFAULT_ENDPOINT_TIMEOUT_MS, 'endpoint', "the endpoint's budget");
  try {
    const target: XmppTarget = {
      domain,
      mode: opts.mode,
      host: ep.host,
      address: ep.address,
      port: ep.port,
      directTls: ep.directTls,
      from: opts.from ?? DEFAULTS.scanner.from,
      timeouts: { ...DEFAULT_PHASE_TIMEOUTS, ...opts.timeouts },
      signal: budget.signal,
    };
    const inspection = await inspectEndpoint(target, opts.clientCertificate ? { clientCertificate: opts.clientCertificate } : {});
    base.xmpp = inspection.xmpp;
    base.session = inspection.session;
    base.error = inspection.error ? inspection.error.toJSON() : null;
    if (inspection.peerCertificates.length > 0) {
      presented = inspection.peerCertificates;
      base.certificate = await judgeCertificate(inspection.peerCertificates, domain, opts, inspection.session?.cipher ?? null);
    }
    // Probe TLS when we got as far as a TLS socket: the prober needs the same XMPP preamble to work.
    const reachedTls = inspection.session !== null || (inspection.error?.phase === 'tls_handshake' && inspection.error.code !== 'timeout');
    if (opts.tlsProbe !== false && reachedTls && !budget.signal.aborted) {
      // Pipeline <starttls/> once we know the server offers it; go back to the plain dialogue
      // for good if a pipelined attempt fails.
      let pipeline = !target.directTls && inspection.xmpp !== null && inspection.xmpp.starttls !== 'none';
      const openSocket = async () => {
        if (!pipeline) return (await openTlsReadySocket(target)).socket;
        try {
          return (await openTlsReadySocket(target, { pipelineStarttls: true })).socket;
        } catch (err) {
          if (budget.signal.aborted) throw err;
          pipeline = false;
          return (await openTlsReadySocket(target)).socket;
        }
      };
      base.tls = await probeTls({
        openSocket,
        serverName: domain,
        maxConnections: opts.maxConnectionsPerHost ?? DEFAULTS.concurrency.connectionsPerHost,
        delayMs: opts.connectionDelayMs ?? DEFAULTS.concurrency.connectionDelayMs,
        probeTimeoutMs: target.timeouts.handshakeMs,
        // A server that failed our full handshake gets one hello per protocol to show it can do better.
        failFast: inspection.session === null,
        signal: budget.signal,
      });
      // The prober stopped at a deadline: say so on the endpoint, its findings stay (marked partial).
      if (base.tls.partial && !base.error) base.error = abortError(budget.signal, 'tls_handshake').toJSON();
      // Which real clients and servers could connect: one hello per profile of the mode, after the
      // probes (the same connection cap and gap); skipped when a deadline already cut the probes
      // short, or when the server accepted no protocol at all (nobody connects: the probes said so).
      const speaksTls = Object.values(base.tls.protocols).some((supported) => supported === true);
      const profiles = opts.simulation === false || base.tls.partial || !speaksTls ? [] : profilesFor(opts.mode);
      if (profiles.length > 0 && !budget.signal.aborted) {
        // A deadline during the simulation leaves it out (null): the probes' findings stand.
        base.simulations = await simulateHandshakes({
          openSocket,
          serverName: domain,
          profiles,
          directTls: target.directTls,
          mode: opts.mode,
          maxConnections: opts.maxConnectionsPerHost ?? DEFAULTS.concurrency.connectionsPerHost,
          delayMs: opts.connectionDelayMs ?? DEFAULTS.concurrency.connectionDelayMs,
          probeTimeoutMs: target.timeouts.handshakeMs,
          signal: budget.signal,
        }).catch((err: unknown) => {
          if (budget.signal.aborted) return null;
          throw err;
        });
      }
      // Our full handshake failed (say, the server demands a client certificate) but the probes saw
      // the server's certificate: judge that one, rather than grade a certificate nobody saw.
      if (!base.certificate && base.tls.certificateChain.length > 0) {
        presented = base.tls.certificateChain.map((b64) => Buffer.from(b64, 'base64'));
        base.certificate = await judgeCertificate(presented, domain, opts, null).catch(() => null);
      }
      // A CertificateRequest, then our empty Certificate refused: the server requires a client certificate.
      if (
        inspection.session === null &&
        inspection.error?.code === 'tls_handshake_failed' &&
        base.tls.clientCertificateRequested &&
        base.xmpp?.clientCertificateRequired === null
      ) {
        base.xmpp.clientCertificateRequired = true;
      }
    }
  } catch (err) {
    base.error = toErrorInfo(err);
  } finally {
    budget.dispose();
  }
  base.status = base.error ? 'error' : 'ok';
  base.durationSeconds = round((performance.now() - t0) / 1000);
  return { endpoint: base, presented };
}

/** The endpoint's DANE verdict: the lookups' own, or the match of its records against the chain it sent. */
function endpointDane(lookup: TlsaLookup | null, scanned: ScannedEndpoint, domain: string, mode: ScanOptions['mode'], now: Date): EndpointResult['dane'] {
  if (lookup === null) return null;
  const { endpoint, presented } = scanned;
  return judgeDane(lookup, { presented, certificate: endpoint.certificate, referenceNames: [endpoint.host, domain], mode, now });
}

async function judgeCertificate(
  presented: Buffer[],
  domain: string,
  opts: ScanOptions & { trustStore: TrustStore; now: () => Date },
  /** The suite of the handshake that fetched the chain, so the leaf's keyUsage is checked for it. */
  cipherSuite: string | null,
): Promise<CertificateResult> {
  const analyzeOpts = { domain, mode: opts.mode, now: opts.now(), store: opts.trustStore, cipherSuite };
  try {
    if (opts.fetchAia === false) return analyzeChain(presented, analyzeOpts);
    return await completeChain(presented, { ...analyzeOpts, timeoutMs: opts.timeouts?.readMs ?? DEFAULT_PHASE_TIMEOUTS.readMs });
  } catch (err) {
    throw new ScanError('protocol_violation', `the server's certificate could not be analysed: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
