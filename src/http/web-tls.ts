import { readFile } from 'node:fs/promises';
import * as tlsModule from 'node:tls';

// The web server's HTTPS certificate and key: read once at start, and checked (also by check-config).

/**
 * The HTTPS certificate and key of `web` (null without them), read and checked the way the server
 * will use them: PEM that OpenSSL loads, and a key that matches the certificate. Throws an Error
 * naming the file and the cause. Start-up checks (check-config) call it too.
 */
export async function loadWebTls(web: { tlsCertFile?: string; tlsKeyFile?: string } | undefined): Promise<{ cert: Buffer; key: Buffer } | null> {
  const certFile = web?.tlsCertFile;
  const keyFile = web?.tlsKeyFile;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new Error('HTTPS needs both a certificate file and a key file (only one is configured)');
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} file ${file}: ${(err as Error).message}`);
    }
  };
  const loaded = { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
  checkKeyPair(loaded, { cert: `the TLS certificate file ${certFile}`, key: `the TLS key file ${keyFile}` });
  return loaded;
}

/**
 * Throws an Error naming the file when OpenSSL cannot load the certificate, the key, or the pair
 * (a key that does not belong to the certificate). OpenSSL's own messages name no file.
 */
export function checkKeyPair(pair: { cert: Buffer | string; key: Buffer | string }, names: { cert: string; key: string }): void {
  const attempt = (what: string, options: tlsModule.SecureContextOptions) => {
    try {
      tlsModule.createSecureContext(options);
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  };
  attempt(`${names.cert} is not a usable PEM certificate`, { cert: pair.cert });
  attempt(`${names.key} is not a usable PEM private key (unencrypted)`, { key: pair.key });
  attempt(`${names.key} does not belong to ${names.cert}`, { cert: pair.cert, key: pair.key });
}
