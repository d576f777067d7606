import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { getDiffieHellman } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { socketErrorToScanError } from '../../src/result/socket-errors.js';
import { type KeySpec, createLeaf, writePemFiles } from './pki.js';
import { freeTcpPort, stopChild, waitForPort } from './processes.mjs';

// A real TLS server for the raw prober's tests: `openssl s_server -www` (Debian's OpenSSL 3.0) on
// 127.0.0.1 with the protocol, cipher, group, DH and client-certificate options a test asks for.
// s_server serves one connection at a time; the prober's concurrent connections wait in the
// listen backlog and are served in turn.

const run = promisify(execFile);
export const OPENSSL_PATH = '/usr/bin/openssl';
export const SSLSCAN_PATH = '/usr/bin/sslscan';

/**
 * An OPENSSL_CONF that lets OpenSSL 3.0 do TLS 1.0/1.1, NULL, anonymous and 3DES suites, 1024-bit
 * DH and small keys (Debian's default is SECLEVEL=2, TLS ≥ 1.2).
 */
export const LEGACY_OPENSSL_CONF = [
  'openssl_conf = openssl_init',
  '[openssl_init]',
  'ssl_conf = ssl_sect',
  '[ssl_sect]',
  'system_default = system_default_sect',
  '[system_default_sect]',
  'MinProtocol = TLSv1',
  'CipherString = ALL:COMPLEMENTOFALL:@SECLEVEL=0',
  '',
].join('\n');

export type OpenSslProtocol = 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const NO_FLAG: Record<OpenSslProtocol, string> = {
  'TLSv1.0': '-no_tls1',
  'TLSv1.1': '-no_tls1_1',
  'TLSv1.2': '-no_tls1_2',
  'TLSv1.3': '-no_tls1_3',
};

export interface OpenSslServerOptions {
  /** Protocols to enable (others get -no_…). Default: what OpenSSL's config allows. */
  protocols?: OpenSslProtocol[];
  /** TLS ≤ 1.2 cipher string (`-cipher`). */
  cipher?: string;
  /** TLS 1.3 suites (`-ciphersuites`). */
  ciphersuites?: string;
  /** Pick by the server's order (`-serverpref`). */
  serverPreference?: boolean;
  /** DH parameters file (`-dhparam`); see {@link writeDhParams}. Default: OpenSSL's automatic choice. */
  dhparam?: string;
  /** DH parameters by group name, written to a file in the server's folder (instead of `dhparam`). */
  dhGroup?: DhGroupName;
  /** Groups (`-groups`), e.g. `X25519:P-384`. */
  groups?: string;
  /** Ask for a client certificate (`-verify 1`). */
  requestClientCertificate?: boolean;
  /** Run with {@link LEGACY_OPENSSL_CONF} (TLS 1.0, SECLEVEL=0). */
  legacy?: boolean;
  /** Server key (default RSA-2048). */
  key?: KeySpec;
  /** A second certificate (`-dcert`/`-dkey`), e.g. an ECDSA one next to the RSA one. */
  secondKey?: KeySpec;
  extraArgs?: string[];
}

export interface OpenSslServer {
  port: number;
  dir: string;
  /** The server certificate (DER), as the prober should find it in `certificateChain`. */
  certificate: Buffer;
  /** The environment the server runs with (OPENSSL_CONF for legacy servers): give it to oracles too. */
  env: NodeJS.ProcessEnv;
  /** s_server's stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startOpenSslServer(opts: OpenSslServerOptions = {}): Promise<OpenSslServer> {
  const dir = await mkdtemp(join(tmpdir(), 'xte-openssl-'));
  try {
    const leaf = await createLeaf(null, { dns: ['tls.test'], selfSigned: true, ...(opts.key ? { key: opts.key } : {}) });
    const { certFile, keyFile } = await writePemFiles(dir, 'server', leaf);
    const args = ['s_server', '-accept', '', '-cert', certFile, '-key', keyFile, '-www', '-quiet'];
    if (opts.secondKey) {
      const second = await createLeaf(null, { dns: ['tls.test'], selfSigned: true, key: opts.secondKey });
      const files = await writePemFiles(dir, 'second', second);
      args.push('-dcert', files.certFile, '-dkey', files.keyFile);
    }
    if (opts.protocols) for (const [p, flag] of Object.entries(NO_FLAG)) if (!opts.protocols.includes(p as OpenSslProtocol)) args.push(flag);
    if (opts.cipher !== undefined) args.push('-cipher', opts.cipher);
    if (opts.ciphersuites !== undefined) args.push('-ciphersuites', opts.ciphersuites);
    if (opts.serverPreference) args.push('-serverpref');
    if (opts.dhparam) args.push('-dhparam', opts.dhparam);
    else if (opts.dhGroup) args.push('-dhparam', await writeDhParams(dir, opts.dhGroup));
    if (opts.groups) args.push('-groups', opts.groups);
    if (opts.requestClientCertificate) args.push('-verify', '1');
    args.push(...(opts.extraArgs ?? []));

    const env: NodeJS.ProcessEnv = { ...process.env };
    if (opts.legacy) {
      const conf = join(dir, 'openssl-legacy.cnf');
      await writeFile(conf, LEGACY_OPENSSL_CONF);
      env.OPENSSL_CONF = conf;
    }
    return await spawnServer(dir, args, env, leaf.der);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function spawnServer(dir: string, args: string[], env: NodeJS.ProcessEnv, certificate: Buffer, attempts = 3): Promise<OpenSslServer> {
  // The port was free a moment ago; another process may take it before s_server binds: retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freeTcpPort();
    const argv = args.map((a, i) => (i > 0 && args[i - 1] === '-accept' ? `127.0.0.1:${port}` : a));
    const child: ChildProcess = spawn(OPENSSL_PATH, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    const stop = () => stopChild(child, 2000);
    try {
      await waitForPort(port, '127.0.0.1', 10_000, () => !exited);
    } catch (err) {
      await stop();
      if (attempt < attempts && /Address already in use/i.test(output)) continue;
      throw new Error(`openssl s_server did not start (${(err as Error).message}): openssl ${argv.join(' ')}\n${output}`);
    }
    return {
      port,
      dir,
      certificate,
      env,
      output: () => output,
      stop: async () => {
        await stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Named DH groups OpenSSL generates instantly (`genpkey -genparam -pkeyopt group:NAME`). */
export type OpenSslDhGroup = 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096' | 'modp_1536' | 'modp_2048' | 'dh_1024_160' | 'dh_2048_224' | 'dh_2048_256';
/** Node's RFC 2409 groups: `node:modp1` (768 bits) and `node:modp2` (1024 bits). */
export type DhGroupName = OpenSslDhGroup | 'node:modp1' | 'node:modp2';

/**
 * Writes a DH parameters PEM file: an OpenSSL named group, or one of Node's RFC 2409/3526 MODP
 * groups (`node:modp2` is the 1024-bit Oakley group 2, which OpenSSL has no name for).
 */
export async function writeDhParams(dir: string, group: DhGroupName, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = join(dir, `dh-${group.replace(/\W/g, '_')}.pem`);
  if (group.startsWith('node:')) {
    const dh = getDiffieHellman(group.slice(5));
    await writeFile(file, dhParamsPem(dh.getPrime(), dh.getGenerator()));
  } else {
    await run(OPENSSL_PATH, ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', `group:${group}`, '-out', file], { env });
  }
  return file;
}

/** PKCS#3 DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }, as `BEGIN DH PARAMETERS` PEM. */
function dhParamsPem(p: Buffer, g: Buffer): string {
  const der = derSequence([derInteger(p), derInteger(g)]);
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN DH PARAMETERS-----\n${b64}\n-----END DH PARAMETERS-----\n`;
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derInteger(unsigned: Buffer): Buffer {
  let v = unsigned;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

function derSequence(items: Buffer[]): Buffer {
  const body = Buffer.concat(items);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/** One accepted (protocol, suite) pair as sslscan reports it. */
export interface SslscanCipher {
  protocol: string;
  /** `0xC030`, upper-case hex like the prober's codes. */
  code: string;
  name: string;
}

/**
 * sslscan's accepted suites for 127.0.0.1:port (`--xml=-`). `env` should be the server's, so that
 * sslscan's OpenSSL allows what a legacy server offers.
 */
export async function sslscanCiphers(port: number, env: NodeJS.ProcessEnv = process.env, extraArgs: string[] = []): Promise<SslscanCipher[]> {
  const { stdout } = await run(SSLSCAN_PATH, ['--no-colour', '--no-heartbleed', '--xml=-', ...extraArgs, `127.0.0.1:${port}`], {
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  const ciphers: SslscanCipher[] = [];
  for (const m of stdout.matchAll(/<cipher\s([^>]*)\/>/g)) {
    const attrs = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (!attrs.sslversion || !attrs.id) continue;
    // sslscan names versions as we do: SSLv2, SSLv3, TLSv1.0 … TLSv1.3.
    ciphers.push({ protocol: attrs.sslversion, code: `0x${attrs.id.replace(/^0x/i, '').toUpperCase().padStart(4, '0')}`, name: attrs.cipher ?? '' });
  }
  return ciphers;
}

/**
 * An `openSocket` for the prober: a plain TCP connection to 127.0.0.1:port (direct TLS). Connect
 * errors become ScanErrors (`connection_refused`, …), as the product's connector reports them.
 */
export function tcpOpener(port: number, host = '127.0.0.1'): () => Promise<net.Socket> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const onError = (err: Error) => reject(socketErrorToScanError(err, `${host}:${port}`, 'connect'));
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(socket);
      });
      socket.once('error', onError);
    });
}
