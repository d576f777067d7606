// Hand-built scan results and a started HTTP server for the HTTP tests. The results are typed
// against src/result/types.ts, so they stay the shape the daemon stores.
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { type HttpLogger, type HttpServerOptions, type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import type { DomainGrade, GradeLetter, TrustIgnoringLetter } from '../../../src/grading/types.js';
import type { CertificateResult, EndpointResult, Mode, ScanErrorInfo, ScanResult } from '../../../src/result/types.js';
import type { StoredEntry } from '../../../src/store/store.js';
import { makeCertificate } from '../../unit/grading/fixtures.js';

const DAY_MS = 86_400_000;

/** The grading tests' certificate, for xmpp.example.org, issued by a test CA, expiring at `notAfter`. */
export function certificate(opts: { subject?: string; notAfter: Date; commonName?: string }): CertificateResult {
  return makeCertificate({
    subject: opts.subject ?? 'CN=xmpp.example.org',
    issuer: 'CN=Test CA',
    commonName: opts.commonName ?? 'xmpp.example.org',
    sans: { dns: ['xmpp.example.org'], srv: [], xmppAddr: [], ip: [], uri: [], email: [] },
    fingerprintSha1: '00'.repeat(20),
    fingerprintSha256: '00'.repeat(32),
    notBefore: new Date(opts.notAfter.getTime() - 90 * DAY_MS).toISOString(),
    notAfter: opts.notAfter.toISOString(),
    daysToExpiry: Math.floor((opts.notAfter.getTime() - Date.now()) / DAY_MS),
    identity: { matchedBy: 'dns', matchedValue: 'xmpp.example.org' },
    builtChain: [],
  });
}

export function endpoint(
  opts: { status?: EndpointResult['status']; certificate?: CertificateResult | null; error?: ScanErrorInfo | null; port?: number } = {},
): EndpointResult {
  return {
    host: 'xmpp.example.org',
    port: opts.port ?? 5222,
    address: '192.0.2.1',
    family: 4,
    directTls: false,
    source: 'srv',
    priority: 0,
    weight: 0,
    status: opts.status ?? 'ok',
    error: opts.error ?? null,
    xmpp: null,
    certificate: opts.certificate ?? null,
    session: null,
    tls: null,
    grade: null,
    durationSeconds: 1,
  };
}

export function domainGrade(letter: GradeLetter, letterIgnoringTrust: TrustIgnoringLetter = letter as TrustIgnoringLetter): DomainGrade {
  return {
    profile: 'ssllabs-2009r',
    letter,
    letterIgnoringTrust,
    score: 90,
    mixed: false,
    letters: [letter],
    endpointsGraded: 1,
    endpointsUngraded: 0,
  };
}

export function scanResult(opts: {
  domain: string;
  mode?: Mode;
  startedAt?: string;
  error?: ScanErrorInfo | null;
  endpoints?: EndpointResult[];
  grade?: DomainGrade | null;
}): ScanResult {
  return {
    schemaVersion: 1,
    domain: opts.domain,
    mode: opts.mode ?? 'c2s',
    startedAt: opts.startedAt ?? '2025-01-02T03:04:05.000Z',
    durationSeconds: 2,
    error: opts.error ?? null,
    endpoints: opts.endpoints ?? [endpoint()],
    grade: opts.grade ?? null,
    scanner: { name: 'xmpp-tls-exporter', version: '0.0.0-test' },
  };
}

export function entry(latest: ScanResult, lastGood: ScanResult | null): StoredEntry {
  return { domain: latest.domain, mode: latest.mode, latest, lastGood };
}

export interface LogCall {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps what it is told. */
export function memoryLogger(): HttpLogger & { calls: LogCall[] } {
  const calls: LogCall[] = [];
  const at = (level: LogCall['level']) => (obj: object, msg: string) => void calls.push({ level, obj, msg });
  return { calls, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Options with harmless defaults: no results, fixed metrics, a probe that must not be called, ready. */
export function serverOptions(overrides: Partial<HttpServerOptions> = {}): HttpServerOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    store: () => [],
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP up test\nup 1\n' }),
    probe: async () => {
      throw new Error('probe not expected in this test');
    },
    ready: () => true,
    version: '1.2.3-test',
    ...overrides,
  };
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request; the body read whole. */
export async function fetchText(
  server: RunningHttpServer | string,
  path: string,
  opts: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; dispatcher?: Dispatcher; signal?: AbortSignal } = {},
): Promise<Response> {
  const base = typeof server === 'string' ? server : server.url;
  const res = await request(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers, dispatcher: opts.dispatcher, signal: opts.signal });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

export async function withServer<T>(opts: HttpServerOptions, fn: (server: RunningHttpServer) => Promise<T>): Promise<T> {
  const server = await startHttpServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
