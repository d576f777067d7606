import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

// SASL SCRAM (RFC 5802; SCRAM-SHA-256: RFC 7677) as a client, without channel binding (gs2 header
// "n,,": we do not offer the -PLUS variants). node:crypto does the work; PBKDF2 runs on the thread
// pool, so a high iteration count does not block the event loop. The password never leaves this
// module other than as the salted proof, and no message here contains it.

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-1';

/** In order of preference. */
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];

const HASH: Record<ScramMechanism, { name: 'sha256' | 'sha1'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-1': { name: 'sha1', bytes: 20 },
};

/** More iterations than this is a server trying to make us burn CPU (common values: 4096 to 100 000). */
export const MAX_SCRAM_ITERATIONS = 1_000_000;

export class ScramError extends Error {
  override readonly name = 'ScramError';
}

/** RFC 4013 SASLprep, the mapping part: non-ASCII spaces to U+0020, "mapped to nothing" removed, NFKC. */
export function saslPrep(s: string): string {
  // "Mapped to nothing" in two classes: the combining ones (grapheme joiner, variation selectors) apart.
  return s
    .replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, ' ')
    .replace(/[\u00AD\u1806\u200B-\u200D\u2060\uFEFF]|[\u034F\u180B-\u180D\uFE00-\uFE0F]/g, '')
    .normalize('NFKC');
}

/** RFC 5802 saslname: "=" and "," escaped. */
function saslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new ScramError(`malformed SCRAM message from the server (${JSON.stringify(part.slice(0, 40))})`);
    if (!attrs.has(m[1]!)) attrs.set(m[1]!, m[2]!);
  }
  return attrs;
}

/** One SCRAM exchange: first() → final(server-first) → verify(server-final). */
export class ScramClient {
  private readonly hash: { name: 'sha256' | 'sha1'; bytes: number };
  private readonly clientFirstBare: string;
  private readonly gs2Header = 'n,,';
  private expectedServerSignature: Buffer | null = null;
  readonly #password: string;

  constructor(
    readonly mechanism: ScramMechanism,
    username: string,
    password: string,
    private readonly clientNonce: string = randomBytes(24).toString('base64').replace(/[+/=]/g, ''),
  ) {
    this.hash = HASH[mechanism];
    this.#password = saslPrep(password);
    this.clientFirstBare = `n=${saslName(saslPrep(username))},r=${clientNonce}`;
  }

  /** The client-first-message (the initial response of `<auth>`). */
  first(): string {
    return this.gs2Header + this.clientFirstBare;
  }

  /** The client-final-message for the server-first-message. Throws ScramError on a bad challenge. */
  async final(serverFirst: string): Promise<string> {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('m')) throw new ScramError('the server requires a SCRAM extension we do not know');
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce?.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new ScramError("the server's SCRAM nonce does not extend ours");
    }
    if (!salt || !/^[A-Za-z0-9+/]+={0,2}$/.test(salt)) throw new ScramError('the server sent no valid SCRAM salt');
    if (!Number.isInteger(iterations) || iterations < 1) throw new ScramError('the server sent no valid SCRAM iteration count');
    if (iterations > MAX_SCRAM_ITERATIONS) throw new ScramError(`the server asks for ${iterations} SCRAM iterations (more than ${MAX_SCRAM_ITERATIONS})`);

    const { name, bytes } = this.hash;
    const salted = await pbkdf2Async(this.#password, Buffer.from(salt, 'base64'), iterations, bytes, name);
    const clientKey = createHmac(name, salted).update('Client Key').digest();
    const storedKey = createHash(name).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(this.gs2Header).toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = createHmac(name, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    const serverKey = createHmac(name, salted).update('Server Key').digest();
    this.expectedServerSignature = createHmac(name, serverKey).update(authMessage).digest();
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final-message: the server proves it knows the password too. Throws ScramError. */
  verify(serverFinal: string): void {
    if (!this.expectedServerSignature) throw new ScramError('SCRAM outcome before the challenge');
    const attrs = parseAttributes(serverFinal);
    const e = attrs.get('e');
    if (e !== undefined) throw new ScramError(`the server ended SCRAM with error ${JSON.stringify(e.slice(0, 60))}`);
    const v = attrs.get('v');
    const got = v === undefined ? Buffer.alloc(0) : Buffer.from(v, 'base64');
    if (got.length !== this.expectedServerSignature.length || !timingSafeEqual(got, this.expectedServerSignature)) {
      throw new ScramError("the server's SCRAM signature is wrong: it does not know the password (a man in the middle?)");
    }
  }
}
