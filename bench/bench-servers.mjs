// The two Prosody servers the benchmark scans, set up from scratch in a temporary folder:
//   legacy.bench.test  TLS 1.0–1.3, every suite OpenSSL 3.0 still has (NULL and anonymous
//                      included, SECLEVEL=0), 1024-bit DH parameters
//   modern.bench.test  Prosody's defaults (TLS 1.2 and 1.3)
// A minimal copy of test/harness/prosody.ts (a .mjs program cannot import the TypeScript harness).
//
// Usage as a program (keeps both servers running until Ctrl-C, for manual measurements):
//   node bench/bench-servers.mjs

import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freeTcpPort, stopChild, waitForPort } from '../test/harness/processes.mjs';

export { freeTcpPort };

export const PROFILES = {
  legacy: {
    domain: 'legacy.bench.test',
    protocol: 'tlsv1+',
    ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0',
    dh1024: true,
    legacyOpensslConf: true,
  },
  modern: {
    domain: 'modern.bench.test',
    protocol: null,
    ciphers: null,
    dh1024: false,
    legacyOpensslConf: false,
  },
};

/** TLS 1.0 and every suite OpenSSL 3.0 still has, for a server process (its OPENSSL_CONF). */
export const OPENSSL_LEGACY_CONF = `openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_sect

[ssl_sect]
system_default = system_default_sect

[system_default_sect]
MinProtocol = TLSv1
CipherString = ALL:COMPLEMENTOFALL:@SECLEVEL=0
`;

const lua = (s) => JSON.stringify(s);

/** sslscan and testssl.sh put the host name they were given into the stream's to=: it must resolve. */
export function ensureHostsEntries(domains) {
  const hosts = readFileSync('/etc/hosts', 'utf8');
  const missing = domains.filter((d) => !new RegExp(`^\\s*127\\.0\\.0\\.1\\s.*\\b${d.replace(/\./g, '\\.')}\\b`, 'm').test(hosts));
  if (missing.length === 0) return [];
  appendFileSync('/etc/hosts', `${hosts.endsWith('\n') ? '' : '\n'}${missing.map((d) => `127.0.0.1 ${d}`).join('\n')}\n`);
  return missing;
}

function openssl(args, env) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env } : {}) });
}

/**
 * Starts one Prosody for `profileName`; returns its c2s port and a stop(). `extraDomains` are more
 * virtual hosts with the same TLS settings (the certificate names them all).
 */
export async function startBenchServer(profileName, extraDomains = []) {
  const profile = PROFILES[profileName];
  const domains = [profile.domain, ...extraDomains];
  const dir = mkdtempSync(join(tmpdir(), `xte-bench-${profileName}-`));
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'certs'));
  const cert = join(dir, 'certs', `${profile.domain}.crt`);
  const key = join(dir, 'certs', `${profile.domain}.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=${profile.domain}`,
    '-addext',
    `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}`,
  ]);
  let dhparam = null;
  if (profile.dh1024) {
    dhparam = join(dir, 'dh1024.pem');
    openssl(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'dh_paramgen_prime_len:1024', '-out', dhparam]);
  }
  let opensslConf = null;
  if (profile.legacyOpensslConf) {
    opensslConf = join(dir, 'openssl-legacy.cnf');
    writeFileSync(opensslConf, OPENSSL_LEGACY_CONF);
  }
  const sslFields = [`certificate = ${lua(cert)}`, `key = ${lua(key)}`];
  if (profile.protocol) sslFields.push(`protocol = ${lua(profile.protocol)}`);
  if (profile.ciphers) sslFields.push(`ciphers = ${lua(profile.ciphers)}`);
  if (dhparam) sslFields.push(`dhparam = ${lua(dhparam)}`);
  const ssl = `{ ${sslFields.join(', ')} }`;
  const c2s = await freeTcpPort();
  const s2s = await freeTcpPort();
  const config = [
    'run_as_root = true',
    `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
    `data_path = ${lua(join(dir, 'data'))}`,
    `log = { { levels = { min = "warn" }, to = "file", filename = ${lua(join(dir, 'prosody.log'))} } }`,
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${c2s} }`,
    `s2s_ports = { ${s2s} }`,
    'c2s_direct_tls_ports = { }',
    's2s_direct_tls_ports = { }',
    'legacy_ssl_ports = { }',
    'modules_enabled = { "tls", "saslauth", "dialback", "disco", "version", "ping" }',
    `certificates = ${lua(join(dir, 'certs'))}`,
    'c2s_require_encryption = true',
    's2s_require_encryption = true',
    'authentication = "internal_hashed"',
    `ssl = ${ssl}`,
    ...domains.flatMap((d) => [`VirtualHost ${lua(d)}`, `  ssl = ${ssl}`]),
    '',
  ].join('\n');
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(configFile, config);

  const env = { ...process.env, ...(opensslConf ? { OPENSSL_CONF: opensslConf } : {}) };
  const child = spawn('/usr/bin/prosody', ['--config', configFile, '-F'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const log = () =>
    output +
    (() => {
      try {
        return readFileSync(join(dir, 'prosody.log'), 'utf8');
      } catch {
        return '';
      }
    })();
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(c2s, '127.0.0.1', 15000, () => !exited);
  } catch (err) {
    const text = log();
    await stop();
    throw new Error(`Prosody (${profileName}) did not start: ${err.message}\n${text}`);
  }
  return { profile: profileName, domain: profile.domain, port: c2s, pid: child.pid, dir, log, stop };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureHostsEntries(Object.values(PROFILES).map((p) => p.domain));
  const servers = [await startBenchServer('legacy'), await startBenchServer('modern')];
  for (const s of servers) process.stdout.write(`${s.profile}: ${s.domain} on 127.0.0.1:${s.port} (pid ${s.pid}, ${s.dir})\n`);
  const stopAll = async () => {
    for (const s of servers) await s.stop();
    process.exit(0);
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
}
