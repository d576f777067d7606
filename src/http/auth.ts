import { createHash, timingSafeEqual } from 'node:crypto';

// HTTP basic authentication, in the spirit of the Prometheus exporter-toolkit web configuration
// (`basic_auth_users: { name: hash }`). exporter-toolkit stores bcrypt hashes; this project ships
// no bcrypt implementation (and takes no dependency for it), so the accepted hash format is
//
//     sha256:<64 hex digits>      the SHA-256 of the UTF-8 password, e.g. made with
//                                 `printf %s 'secret' | sha256sum`   or   sha256PasswordHash('secret')
//
// Anything else (bcrypt `$2y$…`, plain text) is refused when the server starts, with the user's
// name in the message: a configuration mistake must not become an open or locked-out endpoint
// silently. Comparison is constant time (crypto.timingSafeEqual over the two digests), and an
// unknown user is compared against a dummy digest so that the timing does not tell which user
// names exist.
//
// An unsalted SHA-256 is much weaker than bcrypt against offline guessing if the configuration file
// leaks: use long random passwords (they are machine credentials for Prometheus anyway).

export const PASSWORD_HASH_PREFIX = 'sha256:';
const HASH_PATTERN = /^sha256:([0-9a-fA-F]{64})$/;

/** `sha256:<hex>` for a password: the value to put in the configuration. */
export function sha256PasswordHash(password: string): string {
  return PASSWORD_HASH_PREFIX + createHash('sha256').update(password, 'utf8').digest('hex');
}

export type BasicAuthVerifier = (authorizationHeader: string | undefined) => { ok: true; user: string } | { ok: false };

/**
 * Checks the configured users and returns a verifier for `Authorization` header values. Throws on
 * a user without a usable hash (or with a name basic auth cannot carry: empty, or containing ':').
 */
export function createBasicAuthVerifier(users: Readonly<Record<string, string>>): BasicAuthVerifier {
  const digests = new Map<string, Buffer>();
  for (const [user, hash] of Object.entries(users)) {
    if (user === '' || user.includes(':')) throw new Error(`basic auth: invalid user name ${JSON.stringify(user)} (empty, or contains ":")`);
    const m = typeof hash === 'string' ? HASH_PATTERN.exec(hash.trim()) : null;
    if (!m) {
      const why = typeof hash === 'string' && /^\$2[abxy]?\$/.test(hash) ? 'bcrypt hashes are not supported' : 'not a supported password hash';
      throw new Error(`basic auth: the password of user ${JSON.stringify(user)}: ${why}; use "sha256:<64 hex digits>" (the SHA-256 of the password)`);
    }
    digests.set(user, Buffer.from(m[1]!, 'hex'));
  }
  const dummy = Buffer.alloc(32);

  return (header) => {
    const creds = parseBasicAuthorization(header);
    if (!creds) return { ok: false };
    const expected = digests.get(creds.user);
    const given = createHash('sha256').update(creds.password, 'utf8').digest();
    // Always compare, known user or not: same work either way.
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
