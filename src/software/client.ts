import type { TrustStore } from '../certificate/index.js';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../connector/index.js';
import { type DiscoveredEndpoint, discoverEndpoints } from '../discovery/index.js';
import { ScanError } from '../result/errors.js';
import type { SoftwareInfo } from '../result/types.js';
import { parseBareJid } from './jid.js';
import { NS_VERSION, SoftwareQueryError, parseVersionReply, stanzaErrorOf } from './reply.js';
import { XmppClientSession } from './session.js';

// The XEP-0092 software version query of the scanned domains, through one client account.
//
// One logged-in session is shared by every scan (queries run concurrently over it, matched by
// id). It is opened on the first query, closed after `idleCloseMs` without queries (so no
// connection sits idle for hours between two schedule ticks, and a connection that died
// silently is never reused for long), and opened again when needed. A failed login is not
// retried before a backoff (10 s, doubling up to 10 min): until then queries fail at once with
// the login's error, so a wrong password does not hammer the account's server (or lock the
// account) once per scan. Nothing here throws: every failure becomes `software.error`.

export interface VersionAccountOptions {
  /** The account, a bare JID `local@domain`. */
  jid: string;
  password: string;
  /** "HOST:PORT" of the account's server instead of its SRV records. */
  connect?: string;
  /** With `connect`: direct TLS (XEP-0368) instead of STARTTLS. */
  directTls?: boolean;
  /** DNS server for the account's SRV lookup. */
  resolver?: string;
  /** Trust anchors for the account's server certificate. */
  trustStore: TrustStore;
  allowPlain?: boolean;
  /** Resource to bind; default `xmpp-tls-exporter-` and a random suffix (two exporters on one account don't kick each other out). */
  resource?: string;
  /** Connect, read and TLS handshake timeouts of the login. */
  timeouts?: Partial<Timeouts>;
  /** Time to wait for each answer. Default 15 s. */
  queryTimeoutMs?: number;
  /** Close the session after this long without queries. Default 60 s. */
  idleCloseMs?: number;
  /** Login retry backoff. Default 10 s doubling up to 10 min. */
  backoff?: { initialMs: number; maxMs: number };
  logger?: MinimalLogger;
  /** The clock for queriedAt and the login backoff; default the system clock. */
  now?: () => Date;
}

/** The subset of pino's Logger used here. */
export interface MinimalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
const DEFAULT_IDLE_CLOSE_MS = 60_000;
const DEFAULT_BACKOFF = { initialMs: 10_000, maxMs: 600_000 };

export class VersionQueryClient {
  readonly #password: string;
  private readonly localpart: string;
  private readonly domain: string;
  private readonly opts: Omit<VersionAccountOptions, 'password'>;
  private readonly timeouts: Timeouts;
  private readonly resource: string;
  private session: XmppClientSession | null = null;
  private login: Promise<XmppClientSession> | null = null;
  private failure: { error: SoftwareQueryError; retryAt: number; attempts: number } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private closed = false;
  private drained: (() => void) | null = null;

  /** Throws Error when `jid` is not a bare JID. */
  constructor(options: VersionAccountOptions) {
    const { password, ...rest } = options;
    this.#password = password;
    this.opts = rest;
    const { localpart, domain } = parseBareJid(options.jid);
    this.localpart = localpart;
    this.domain = domain;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.resource = options.resource ?? `xmpp-tls-exporter-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** The one clock of the client (queriedAt, the login backoff): the caller's, or the system's. */
  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** The account, for logs (never the password). */
  get jid(): string {
    return `${this.localpart}@${this.domain}`;
  }

  /** Asks `domain` for its software. Never throws: failures are in `error`. */
  async query(domain: string, signal?: AbortSignal): Promise<SoftwareInfo> {
    const queriedAt = this.now().toISOString();
    this.inFlight++;
    this.clearIdle();
    try {
      const session = await this.withAbort(this.getSession(), signal, domain);
      const iq = await session.get(domain, `<query xmlns='${NS_VERSION}'/>`, this.opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, signal);
      if (iq.attrs.type === 'error') throw stanzaErrorOf(iq, domain);
      return { ...parseVersionReply(iq), queriedAt };
    } catch (err) {
      const e = err instanceof SoftwareQueryError ? err : new SoftwareQueryError('internal_error', `unexpected error: ${(err as Error).message}`);
      this.opts.logger?.debug({ domain, code: e.code, condition: e.condition }, 'version query failed');
      return { name: null, version: null, os: null, queriedAt, error: e.toJSON() };
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
      this.armIdle();
    }
  }

  /**
   * Closes the session; later queries fail with internal_error. With `drainMs`, queries already
   * running get that long to finish first (a reload replacing the client lets them end).
   */
  async close(opts: { drainMs?: number } = {}): Promise<void> {
    this.closed = true;
    this.clearIdle();
    if (opts.drainMs && this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.drainMs);
        timer.unref();
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.drained = null;
    }
    const pendingLogin = this.login;
    if (pendingLogin) await pendingLogin.catch(() => undefined);
    const s = this.session;
    this.session = null;
    await s?.close();
  }

  private async getSession(): Promise<XmppClientSession> {
    // Closing but draining: the open session still serves queries, those already running and those
    // of scans that started before a reload took this client away (daemon.softwareQuery).
    if (this.closed && !(this.drained && this.session && !this.session.closed)) {
      throw new SoftwareQueryError('internal_error', 'the version query client is closed');
    }
    if (this.session && !this.session.closed) return this.session;
    if (this.login) return this.login;
    const f = this.failure;
    const nowMs = this.now().getTime();
    if (f && nowMs < f.retryAt) {
      const wait = Math.ceil((f.retryAt - nowMs) / 1000);
      throw new SoftwareQueryError(f.error.code, `${f.error.message} (login not retried for another ${wait} s)`, f.error.condition);
    }
    this.login = this.openSession().then(
      (s) => {
        this.failure = null;
        this.session = s;
        s.onClose(() => {
          if (this.session === s) this.session = null;
        });
        this.opts.logger?.info({ jid: s.jid || this.jid, server: s.peer, mechanism: s.mechanism }, 'version query account logged in');
        if (this.closed && !this.drained) void s.close();
        return s;
      },
      (err: unknown) => {
        const error = err instanceof SoftwareQueryError ? err : new SoftwareQueryError('login_failed', `cannot log in: ${(err as Error).message}`);
        const attempts = (this.failure?.attempts ?? 0) + 1;
        const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempts - 1));
        this.failure = { error, retryAt: this.now().getTime() + delay, attempts };
        this.opts.logger?.warn({ jid: this.jid, code: error.code, error: error.message, retryInSeconds: delay / 1000 }, 'version query account: login failed');
        throw error;
      },
    );
    try {
      return await this.login;
    } finally {
      this.login = null;
    }
  }

  /** Tries the endpoints of the account's domain in order; an authentication failure ends the search. */
  private async openSession(): Promise<XmppClientSession> {
    let endpoints: DiscoveredEndpoint[];
    try {
      ({ endpoints } = await discoverEndpoints(this.domain, {
        mode: 'c2s',
        ...(this.opts.connect !== undefined ? { connect: this.opts.connect } : {}),
        ...(this.opts.directTls !== undefined ? { directTls: this.opts.directTls } : {}),
        ...(this.opts.resolver !== undefined ? { resolver: this.opts.resolver } : {}),
      }));
    } catch (err) {
      const message = err instanceof ScanError || err instanceof Error ? err.message : String(err);
      throw new SoftwareQueryError('login_failed', `cannot find the account's server ${this.domain}: ${message}`);
    }
    const usable = endpoints.filter((e) => !e.skip);
    if (usable.length === 0) {
      throw new SoftwareQueryError(
        'login_failed',
        `the account's server ${this.domain} has no usable endpoint${endpoints[0]?.skip ? `: ${endpoints[0].skip.message}` : ''}`,
      );
    }
    let first: SoftwareQueryError | null = null;
    for (const ep of usable) {
      try {
        return await XmppClientSession.open({
          localpart: this.localpart,
          domain: this.domain,
          password: this.#password,
          host: ep.host,
          address: ep.address,
          port: ep.port,
          directTls: ep.directTls,
          trustStore: this.opts.trustStore,
          allowPlain: this.opts.allowPlain ?? false,
          resource: this.resource,
          timeouts: this.timeouts,
        });
      } catch (err) {
        const e = err instanceof SoftwareQueryError ? err : new SoftwareQueryError('login_failed', (err as Error).message);
        if (e.code === 'auth_failed') throw e;
        first ??= e;
      }
    }
    const more = usable.length > 1 ? ` (and ${usable.length - 1} more endpoints failed)` : '';
    throw new SoftwareQueryError(first!.code, first!.message + more, first!.condition);
  }

  private withAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, domain: string): Promise<T> {
    if (!signal) return p;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new SoftwareQueryError('timeout', `the version query of ${domain} was aborted (scan cancelled)`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private armIdle(): void {
    if (this.inFlight > 0 || this.closed || !this.session) return;
    this.clearIdle();
    const s = this.session;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.inFlight === 0 && this.session === s) {
        this.session = null;
        void s.close();
      }
    }, this.opts.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }
}
