import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, stopChild, waitForPort } from './processes.mjs';

// Starts a real Prosody (Debian package) on loopback ports with the certificates a test made.
// Each instance gets its own folder for config, data, pid file and log; stop() removes it.

export const PROSODY_PATH = '/usr/bin/prosody';

export interface ProsodyHost {
  domain: string;
  certFile: string;
  keyFile: string;
  /** Extra Lua lines in this VirtualHost section (e.g. `modules_disabled = { "version" }`). */
  extra?: string;
}

/** A client account, registered with prosodyctl before the server starts. */
export interface ProsodyAccount {
  user: string;
  host: string;
  password: string;
}

export interface ProsodySsl {
  /** LuaSec protocol string, e.g. `tlsv1+`, `tlsv1_2+`. */
  protocol?: string;
  ciphers?: string;
  dhparam?: string;
  /** CA file to verify client certificates (s2s SASL EXTERNAL). */
  cafile?: string;
}

export interface ProsodyOptions {
  hosts: ProsodyHost[];
  c2sRequireEncryption?: boolean;
  s2sRequireEncryption?: boolean;
  /** Also listen for XEP-0368 direct TLS (c2s and s2s). Default true. */
  directTls?: boolean;
  /** Prosody-wide ssl options added to every host's own. */
  ssl?: ProsodySsl;
  /** A file for the OPENSSL_CONF environment variable (legacy protocols, SECLEVEL=0). */
  opensslConf?: string;
  /** Extra Lua lines for the global section. */
  extraGlobal?: string;
  /** Client accounts to create (stored hashed: Prosody 0.12 then offers SCRAM-SHA-1). */
  accounts?: ProsodyAccount[];
}

export interface ProsodyInstance {
  ports: { c2s: number; s2s: number; c2sDirectTls: number | null; s2sDirectTls: number | null };
  dir: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

const lua = (s: string) => JSON.stringify(s); // a Lua string literal (JSON escapes are valid Lua)

function sslTable(host: ProsodyHost | null, ssl: ProsodySsl | undefined): string {
  const fields: string[] = [];
  if (host) fields.push(`certificate = ${lua(host.certFile)}`, `key = ${lua(host.keyFile)}`);
  if (ssl?.protocol) fields.push(`protocol = ${lua(ssl.protocol)}`);
  if (ssl?.ciphers) fields.push(`ciphers = ${lua(ssl.ciphers)}`);
  if (ssl?.dhparam) fields.push(`dhparam = ${lua(ssl.dhparam)}`);
  if (ssl?.cafile) fields.push(`cafile = ${lua(ssl.cafile)}`);
  return `{ ${fields.join(', ')} }`;
}

export async function startProsody(opts: ProsodyOptions): Promise<ProsodyInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'xte-prosody-'));
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'certs'));
  // Prosody picks a direct-TLS certificate by SNI from its certificates folder (DOMAIN.crt/.key).
  for (const h of opts.hosts) {
    await copyFile(h.certFile, join(dir, 'certs', `${h.domain}.crt`));
    await copyFile(h.keyFile, join(dir, 'certs', `${h.domain}.key`));
  }
  const directTls = opts.directTls ?? true;
  const ports = {
    c2s: await freeTcpPort(),
    s2s: await freeTcpPort(),
    c2sDirectTls: directTls ? await freeTcpPort() : null,
    s2sDirectTls: directTls ? await freeTcpPort() : null,
  };
  const first = opts.hosts[0];
  const config = [
    'run_as_root = true',
    `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
    `data_path = ${lua(join(dir, 'data'))}`,
    `log = { { levels = { min = "info" }, to = "file", filename = ${lua(join(dir, 'prosody.log'))} } }`,
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${ports.c2s} }`,
    `s2s_ports = { ${ports.s2s} }`,
    `c2s_direct_tls_ports = { ${ports.c2sDirectTls ?? ''} }`,
    `s2s_direct_tls_ports = { ${ports.s2sDirectTls ?? ''} }`,
    'legacy_ssl_ports = { }',
    'modules_enabled = { "tls", "saslauth", "dialback", "disco", "version", "ping" }',
    'modules_disabled = { "s2s_bidi" }',
    `certificates = ${lua(join(dir, 'certs'))}`,
    `c2s_require_encryption = ${opts.c2sRequireEncryption ?? true}`,
    `s2s_require_encryption = ${opts.s2sRequireEncryption ?? true}`,
    's2s_secure_auth = false',
    'authentication = "internal_hashed"',
    // Direct TLS listeners need a service-level certificate; SNI then picks the host's.
    first ? `ssl = ${sslTable(first, opts.ssl)}` : '',
    opts.extraGlobal ?? '',
    ...opts.hosts.map((h) => `VirtualHost ${lua(h.domain)}\n  ssl = ${sslTable(h, opts.ssl)}${h.extra ? `\n  ${h.extra}` : ''}`),
    '',
  ].join('\n');
  const configFile = join(dir, 'prosody.cfg.lua');
  await writeFile(configFile, config);

  const env = { ...process.env, ...(opts.opensslConf ? { OPENSSL_CONF: opts.opensslConf } : {}) };
  for (const a of opts.accounts ?? []) await registerAccount(configFile, a, env, dir);
  const child: ChildProcess = spawn(PROSODY_PATH, ['--config', configFile, '-F'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const instance: ProsodyInstance = {
    ports,
    dir,
    log: async () => output + (await readFile(join(dir, 'prosody.log'), 'utf8').catch(() => '')),
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of Object.values(ports)) if (port) await waitForPort(port, '127.0.0.1', 15000, () => !exited);
  } catch (err) {
    const log = await instance.log();
    await instance.stop();
    throw new Error(`Prosody did not start: ${(err as Error).message}\n${log}`);
  }
  return instance;
}

export const PROSODYCTL_PATH = '/usr/bin/prosodyctl';

/** `prosodyctl register USER HOST PASSWORD` against the instance's config (works before the server runs). */
async function registerAccount(configFile: string, a: ProsodyAccount, env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  const child = spawn(PROSODYCTL_PATH, ['--config', configFile, 'register', a.user, a.host, a.password], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prosodyctl register ${a.user}@${a.host} failed (exit ${String(code)}): ${output}`);
  }
}
