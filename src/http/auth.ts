import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// HTTP basic authentication as in the Prometheus exporter-toolkit web configuration
// (`basic_auth_users: { name: hash }`). Accepted hashes:
//
//     $2y$… / $2a$… / $2b$…       bcrypt, as exporter-toolkit (htpasswd -nBC 10 "" | tr -d ':\n')
//     sha256:<64 hex digits>      the SHA-256 of the UTF-8 password (`printf %s 'secret' | sha256sum`)
//
// Anything else (plain text) is refused when the server starts, with the user's name in the
// message: a configuration mistake must not become an open or locked-out endpoint silently.
//
// bcrypt is slow on purpose (~250 ms at cost 12). So that wrong passwords can neither stall the
// server nor tell which user names exist:
// - bcrypt runs in a worker thread, never on the event loop that serves /metrics and runs scans;
// - an unknown user costs the same work as a known one: a bcrypt comparison against a dummy hash
//   of the highest configured cost (when any user has a bcrypt hash), else a SHA-256 comparison;
// - at most MAX_QUEUED_BCRYPT checks wait for the worker; more at once are refused at once
//   (`busy`, the server answers 429) instead of queueing up seconds of work;
// - like exporter-toolkit, a successful check is cached (keyed by a SHA-256 of user and
//   password), so repeated scrapes cost one hash and never wait for the worker.
// sha256 comparisons are constant time.

export const PASSWORD_HASH_PREFIX = 'sha256:';
const SHA256_PATTERN = /^sha256:([0-9a-fA-F]{64})$/;
const BCRYPT_PATTERN = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** bcrypt checks that may wait for the worker at once; more are refused as busy. */
export const MAX_QUEUED_BCRYPT = 8;

/** `sha256:<hex>` for a password: a value to put in the configuration. */
export function sha256PasswordHash(password: string): string {
  return PASSWORD_HASH_PREFIX + createHash('sha256').update(password, 'utf8').digest('hex');
}

export type AuthOutcome = { ok: true; user: string } | { ok: false; busy?: true };

export interface BasicAuthVerifier {
  /** Checks an `Authorization` header value. */
  verify(authorizationHeader: string | undefined): Promise<AuthOutcome>;
  /** Stops the bcrypt worker (if one was started). */
  close(): Promise<void>;
}

type StoredHash = { kind: 'sha256'; digest: Buffer } | { kind: 'bcrypt'; hash: string; cost: number };

/**
 * Checks the configured users and returns a verifier for `Authorization` header values. Throws on
 * a user without a usable hash (or with a name basic auth cannot carry: empty, or containing ':').
 */
export function createBasicAuthVerifier(users: Readonly<Record<string, string>>): BasicAuthVerifier {
  const hashes = new Map<string, StoredHash>();
  for (const [user, raw] of Object.entries(users)) {
    if (user === '' || user.includes(':')) throw new Error(`basic auth: invalid user name ${JSON.stringify(user)} (empty, or contains ":")`);
    const hash = typeof raw === 'string' ? raw.trim() : '';
    const sha = SHA256_PATTERN.exec(hash);
    const bcrypt = BCRYPT_PATTERN.exec(hash);
    if (sha) hashes.set(user, { kind: 'sha256', digest: Buffer.from(sha[1]!, 'hex') });
    else if (bcrypt) hashes.set(user, { kind: 'bcrypt', hash, cost: Number(bcrypt[1]) });
    else
      throw new Error(
        `basic auth: the password of user ${JSON.stringify(user)}: not a supported password hash; use a bcrypt hash ($2y$…) or "sha256:<64 hex digits>"`,
      );
  }
  const costs = [...hashes.values()].flatMap((h) => (h.kind === 'bcrypt' ? [h.cost] : []));
  // Same cost, same work, never matches: a salt and digest of "."s are valid bcrypt syntax.
  const dummyBcrypt = costs.length ? `$2b$${String(Math.max(...costs)).padStart(2, '0')}$${'.'.repeat(53)}` : null;
  const dummyDigest = Buffer.alloc(32);
  const verified = new Set<string>();
  const worker = new BcryptWorker();

  const verify = async (header: string | undefined): Promise<AuthOutcome> => {
    const creds = parseBasicAuthorization(header);
    if (!creds) return { ok: false };
    const stored = hashes.get(creds.user);
    const cacheKey = createHash('sha256').update(`${creds.user}\0${creds.password}`, 'utf8').digest('hex');
    if (verified.has(cacheKey)) return { ok: true, user: creds.user };
    const bcryptHash = stored?.kind === 'bcrypt' ? stored.hash : stored === undefined ? dummyBcrypt : null;
    let ok: boolean;
    if (bcryptHash !== null) {
      const outcome = await worker.compare(creds.password, bcryptHash);
      if (outcome === 'busy') return { ok: false, busy: true };
      ok = outcome && stored !== undefined;
    } else {
      // Always compare, known user or not: same work either way.
      const given = createHash('sha256').update(creds.password, 'utf8').digest();
      const expected = stored?.kind === 'sha256' ? stored.digest : dummyDigest;
      ok = timingSafeEqual(given, expected) && stored !== undefined;
    }
    if (!ok) return { ok: false };
    if (verified.size > 1000) verified.clear();
    verified.add(cacheKey);
    return { ok: true, user: creds.user };
  };
  return { verify, close: () => worker.close() };
}

/** `Basic base64(user:password)` → its parts; null when absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// The worker is CommonJS source run with `eval`, so that it needs no file of its own next to this
// one (which would differ between src/ under the tests and dist/); it loads bcryptjs by path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage({ id, ok });
});
`;

/** One worker thread for bcrypt comparisons, started at the first one; a bounded queue. */
class BcryptWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  compare(password: string, hash: string): Promise<boolean | 'busy'> {
    if (this.pending.size >= MAX_QUEUED_BCRYPT) return Promise.resolve('busy');
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll();
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath } });
    worker.unref();
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.pending.get(id)?.(ok);
      this.pending.delete(id);
    });
    // A worker that dies denies what it was asked; the next check starts a new one.
    const gone = () => {
      if (this.worker === worker) this.worker = null;
      this.failAll();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private failAll(): void {
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
  }
}
