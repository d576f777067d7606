import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

// HTTP basic authentication as in the Prometheus exporter-toolkit web configuration
// (`basic_auth_users: { name: hash }`). Accepted hashes:
//
//     $2y$… / $2a$… / $2b$…       bcrypt, as exporter-toolkit (htpasswd -nBC 10 "" | tr -d ':\n')
//     sha256:<64 hex digits>      the SHA-256 of the UTF-8 password (`printf %s 'secret' | sha256sum`)
//
// Anything else (plain text) is refused when the server starts, with the user's name in the
// message: a configuration mistake must not become an open or locked-out endpoint silently.
// bcrypt is slow on purpose, so, like exporter-toolkit, a successful check is cached (keyed by a
// SHA-256 of user and password) and repeated scrapes cost one hash. sha256 comparisons are
// constant time, and an unknown user is compared against a dummy so timing does not tell which
// names exist.

export const PASSWORD_HASH_PREFIX = 'sha256:';
const SHA256_PATTERN = /^sha256:([0-9a-fA-F]{64})$/;
const BCRYPT_PATTERN = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** `sha256:<hex>` for a password: a value to put in the configuration. */
export function sha256PasswordHash(password: string): string {
  return PASSWORD_HASH_PREFIX + createHash('sha256').update(password, 'utf8').digest('hex');
}

export type BasicAuthVerifier = (authorizationHeader: string | undefined) => Promise<{ ok: true; user: string } | { ok: false }>;

type StoredHash = { kind: 'sha256'; digest: Buffer } | { kind: 'bcrypt'; hash: string };

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
    if (sha) hashes.set(user, { kind: 'sha256', digest: Buffer.from(sha[1]!, 'hex') });
    else if (BCRYPT_PATTERN.test(hash)) hashes.set(user, { kind: 'bcrypt', hash });
    else throw new Error(`basic auth: the password of user ${JSON.stringify(user)}: not a supported password hash; use a bcrypt hash ($2y$…) or "sha256:<64 hex digits>"`);
  }
  const dummy = Buffer.alloc(32);
  const verified = new Set<string>();

  return async (header) => {
    const creds = parseBasicAuthorization(header);
    if (!creds) return { ok: false };
    const stored = hashes.get(creds.user);
    const given = createHash('sha256').update(creds.password, 'utf8').digest();
    if (stored?.kind === 'bcrypt') {
      const cacheKey = createHash('sha256').update(`${creds.user}\0${creds.password}`, 'utf8').digest('hex');
      if (verified.has(cacheKey)) return { ok: true, user: creds.user };
      if (!(await bcrypt.compare(creds.password, stored.hash))) return { ok: false };
      if (verified.size > 1000) verified.clear();
      verified.add(cacheKey);
      return { ok: true, user: creds.user };
    }
    // Always compare, known user or not: same work either way.
    const expected = stored?.kind === 'sha256' ? stored.digest : undefined;
    const equal = timingSafeEqual(given, expected ?? dummy);
    return equal && expected !== undefined ? { ok: true, user: creds.user } : { ok: false };
  };
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
