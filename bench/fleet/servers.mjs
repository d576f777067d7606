// The real servers of the simulated federation: Prosody processes hosting many virtual hosts
// each (modern and legacy TLS), one ejabberd, one JSSE server with SSLv3/RC4/EXPORT, and the dead
// ones (a closed port; a black hole that never completes a TCP handshake).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freeTcpPort, stopChild, waitForPort } from '../../test/harness/processes.mjs';
import { OPENSSL_LEGACY_CONF } from '../bench-servers.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const lua = (s) => JSON.stringify(s);

/** Reads utime+stime of a process and its threads, in seconds. */
export function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Peak RSS (VmHWM) and current RSS (VmRSS) of a process, MB. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { peakMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 };
  } catch {
    return { peakMb: 0, rssMb: 0 };
  }
}

async function started(child, port, name, logFile) {
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-5000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-5000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitForPort(port, '127.0.0.1', 600_000, () => !exited);
  } catch (err) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').slice(-5000);
    } catch {}
    await stopChild(child);
    throw new Error(`${name} did not start: ${err.message}\n${output}\n${log}`);
  }
  return { pid: child.pid, stop: () => stopChild(child, 10_000) };
}

/**
 * Resolves once the server at `port` answers a stream to `domain` with its features: a server
 * that hosts thousands of domains opens its ports long before the last one is loaded.
 */
export async function waitForXmpp(port, domain, ns = 'jabber:client', timeoutMs = 600_000) {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((done) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      const finish = (v) => {
        socket.destroy();
        done(v);
      };
      socket.setTimeout(5000, () => finish(false));
      socket.on('error', () => finish(false));
      socket.on('connect', () =>
        socket.write(`<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`),
      );
      socket.on('data', (d) => {
        text += d;
        if (/<stream:features/.test(text) || /starttls/.test(text)) finish(true);
        if (/<stream:error/.test(text)) finish(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no XMPP features for ${domain} on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * One Prosody with a virtual host per domain. profile: modern (Prosody's defaults: TLS 1.2/1.3)
 * or legacy (TLS 1.0–1.3, every suite OpenSSL 3.0 still has, SECLEVEL=0).
 * domains: [{ domain, certFile, keyFile }].
 */
export async function startProsody(dir, name, profile, domains) {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const c2s = await freeTcpPort();
  const s2s = await freeTcpPort();
  const legacy = profile === 'legacy';
  const tlsFields = legacy ? ['protocol = "tlsv1+"', 'ciphers = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"'] : [];
  const ssl = (d) => `{ ${[`certificate = ${lua(d.certFile)}`, `key = ${lua(d.keyFile)}`, ...tlsFields].join(', ')} }`;
  const logFile = join(dir, 'prosody.log');
  const config = [
    'run_as_root = true',
    `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
    `data_path = ${lua(join(dir, 'data'))}`,
    `log = { { levels = { min = "error" }, to = "file", filename = ${lua(logFile)} } }`,
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${c2s} }`,
    `s2s_ports = { ${s2s} }`,
    'c2s_direct_tls_ports = { }',
    's2s_direct_tls_ports = { }',
    'legacy_ssl_ports = { }',
    // What a public server loads; each virtual host loads them again.
    'modules_enabled = { "tls", "saslauth", "dialback", "disco", "version", "ping" }',
    'c2s_require_encryption = true',
    's2s_require_encryption = true',
    'authentication = "internal_hashed"',
    `ssl = ${ssl(domains[0])}`,
    ...domains.flatMap((d) => [`VirtualHost ${lua(d.domain)}`, `  ssl = ${ssl(d)}`]),
    '',
  ].join('\n');
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(configFile, config);
  let env = process.env;
  if (legacy) {
    writeFileSync(join(dir, 'openssl-legacy.cnf'), OPENSSL_LEGACY_CONF);
    env = { ...env, OPENSSL_CONF: join(dir, 'openssl-legacy.cnf') };
  }
  const child = spawn('/usr/bin/prosody', ['--config', configFile, '-F'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = await started(child, c2s, `Prosody ${name}`, logFile);
  await waitForXmpp(c2s, domains.at(-1).domain);
  return { ...s, name, software: 'prosody', profile, c2s, s2s };
}

/** One ejabberd with a host per domain (its own ctl config, spool and logs, as ENVIRONMENT.md says). */
export async function startEjabberd(dir, name, domains) {
  const c2s = await freeTcpPort();
  const s2s = await freeTcpPort();
  for (const sub of ['spool', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  const certs = domains.flatMap((d) => [d.certFile, d.keyFile]);
  const config = [
    'hosts:',
    ...domains.map((d) => `  - ${JSON.stringify(d.domain)}`),
    'loglevel: error',
    'certfiles:',
    ...[...new Set(certs)].map((f) => `  - ${JSON.stringify(f)}`),
    's2s_use_starttls: required',
    'listen:',
    `  - port: ${c2s}`,
    '    ip: "127.0.0.1"',
    '    module: ejabberd_c2s',
    '    starttls_required: true',
    `  - port: ${s2s}`,
    '    ip: "127.0.0.1"',
    '    module: ejabberd_s2s_in',
    'auth_method: internal',
    'acme:',
    '  auto: false',
    'modules:',
    '  mod_disco: {}',
    '  mod_version: {}',
    '  mod_ping: {}',
    '',
  ].join('\n');
  const configFile = join(dir, 'ejabberd.yml');
  writeFileSync(configFile, config);
  const ctl = join(dir, 'ejabberdctl.cfg');
  // A node name of this run's own: a node left running by an earlier run must not stop this one.
  writeFileSync(ctl, `ERLANG_NODE=ejabberd-${name}-${process.pid}@localhost\nINET_DIST_INTERFACE=127.0.0.1\n`);
  execFileSync('chown', ['-R', 'ejabberd:ejabberd', dir]);
  for (const f of new Set(certs))
    chownSync(f, Number(execFileSync('id', ['-u', 'ejabberd']).toString()), Number(execFileSync('id', ['-g', 'ejabberd']).toString()));
  const child = spawn(
    '/usr/sbin/ejabberdctl',
    ['--ctl-config', ctl, '--config', configFile, '--logs', join(dir, 'logs'), '--spool', join(dir, 'spool'), 'foreground'],
    // Its own process group: ejabberdctl starts su, sh and the Erlang VM, and stopping the first leaves the VM running.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const s = await started(child, c2s, `ejabberd ${name}`, join(dir, 'logs', 'ejabberd.log'));
  await waitForXmpp(c2s, domains.at(-1).domain);
  const pgrep = (pattern) => execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  const node = `ejabberd-${name}-${process.pid}@`;
  const vm = pgrep(`beam.smp.*${node}`)[0];
  const pids = [...new Set([child.pid, ...pgrep(node)])];
  return {
    ...s,
    // The Erlang VM does the work: its CPU is what the servers' figure needs.
    pid: vm,
    stop: async () => {
      for (const signal of ['SIGTERM', 'SIGKILL']) {
        try {
          process.kill(-child.pid, signal);
        } catch {}
        for (const pid of pids) {
          try {
            process.kill(pid, signal);
          } catch {}
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    },
    name,
    software: 'ejabberd',
    profile: 'modern',
    c2s,
    s2s,
  };
}

/**
 * The JSSE server of test/harness/jsse (SSLv3, RC4, DES, 3DES, EXPORT, NULL and anonymous suites
 * enabled), compiled into `dir`. It answers every domain with the one certificate it has, so its
 * other domains get a wrong-host certificate, as such old boxes often do.
 */
export async function startJsse(dir, name, domain, certFile, keyFile) {
  mkdirSync(dir, { recursive: true });
  const src = join(ROOT, 'test', 'harness', 'jsse', 'LegacyXmppServer.java');
  execFileSync('javac', ['-d', dir, src]);
  const security = join(dir, 'java.security');
  writeFileSync(security, 'jdk.tls.disabledAlgorithms=\njdk.certpath.disabledAlgorithms=\njdk.tls.legacyAlgorithms=\n');
  const child = spawn(
    'java',
    [
      `-Djava.security.properties=${security}`,
      '-Xmx256m',
      '-cp',
      dir,
      'LegacyXmppServer',
      '--domain',
      domain,
      '--cert',
      certFile,
      '--key',
      keyFile,
      '--protocols',
      JSSE_PROTOCOLS.join(','),
      '--suites',
      JSSE_SUITES.join(','),
    ],
    // stdin stays a pipe: the server exits when it closes.
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`JSSE ${name}: no READY line within 30 s\n${out}`)), 30_000);
    const read = (d) => {
      out += d;
      const m = /^READY (\d+) (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`JSSE ${name} exited (${code})\n${out}`)));
  });
  return {
    pid: child.pid,
    stop: async () => {
      child.stdin.end();
      await stopChild(child, 5000);
    },
    name,
    software: 'jsse',
    profile: 'jsse-legacy',
    c2s: port,
    s2s: port,
  };
}

// A 2005-era server: SSLv3 to TLS 1.2, RC4, 3DES, single DES and 40-bit EXPORT next to AES.
const JSSE_PROTOCOLS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];
const JSSE_SUITES = [
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'SSL_RSA_WITH_RC4_128_SHA',
  'SSL_RSA_WITH_RC4_128_MD5',
  'SSL_RSA_WITH_3DES_EDE_CBC_SHA',
  'SSL_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'SSL_RSA_WITH_DES_CBC_SHA',
  'SSL_RSA_EXPORT_WITH_RC4_40_MD5',
  'SSL_RSA_EXPORT_WITH_DES40_CBC_SHA',
];

/**
 * A black hole: a listening socket with a backlog of 0 that never accepts, so once its queue is
 * full the kernel drops further SYNs and connect() runs into its deadline, as with a firewalled
 * host. (Python: Node always accepts.)
 */
export async function startBlackHole() {
  const port = await freeTcpPort();
  const child = spawn(
    'python3',
    [
      '-c',
      `import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(("127.0.0.1",${port}))\ns.listen(0)\nprint("ok",flush=True)\ntime.sleep(1e9)`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise((r) => child.stdout.once('data', r));
  // Fill the accept queue: these connections are never accepted, later SYNs are dropped.
  const net = await import('node:net');
  const fillers = [];
  for (let i = 0; i < 3; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => {}));
  await new Promise((r) => setTimeout(r, 300));
  return {
    port,
    pid: child.pid,
    stop: async () => {
      for (const f of fillers) f.destroy();
      await stopChild(child);
    },
  };
}
