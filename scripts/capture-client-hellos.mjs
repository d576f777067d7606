#!/usr/bin/env node
// Captures the ClientHello that real TLS client libraries send with their default settings, and writes one client
// profile (src/tls/registry/client-profiles.ts, `ClientProfile`) per library as JSON. Issue #18 (handshake simulation).
//
//   node scripts/capture-client-hellos.mjs [--only ID]... [--out DIR] [--list]
//
// For each library found on this machine: listen on 127.0.0.1 (a random port), run the real client against it as an
// XMPP program using that library would (its defaults, SNI example.org, no ALPN: c2s and s2s with STARTTLS send none),
// read TLS records until the whole ClientHello handshake message is in, close the connection, parse the hello and
// write DIR/<id>.json. The clients: `openssl s_client`, `gnutls-cli`, a Java client (JSSE, `java Hello.java`), a Go
// client (crypto/tls, built here), a Python client (`ssl.create_default_context()`, Debian's /usr/bin/python3) and
// NSS's `tstclnt`. On Debian 12: apt-get install openssl gnutls-bin default-jdk-headless golang-go python3
// libnss3-tools. A library that is missing is reported and skipped (exit status 1 only if `--only` named it).
//
// Only the hello is read: no certificate, no handshake beyond it, nothing leaves 127.0.0.1. The server_name and
// key_share extensions are stored as sent (the simulation rewrites both per connection); the random and the session
// id are not stored. Plain Node (no dependencies, no TS runner): run `npm run generate:client-profiles` afterwards.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = path.join(repoRoot, 'src/tls/registry/client-profiles');
const SNI = 'example.org';
/** A client that has not sent a whole ClientHello by then has failed. */
const HELLO_TIMEOUT_MS = 60_000;
/** Building the Go client with a cold build cache compiles crypto/tls. */
const BUILD_TIMEOUT_MS = 300_000;

const HELP = `Usage: node scripts/capture-client-hellos.mjs [options]

Captures the ClientHello of the TLS client libraries installed here (their defaults, SNI ${SNI}) and writes one
client profile per library as JSON (src/tls/registry/client-profiles.ts describes the shape).

Options:
  --only ID   capture only this profile (an id such as openssl_3_0, or a family: openssl, gnutls, jsse, go, python,
              nss); repeatable
  --out DIR   where to write <id>.json (default: src/tls/registry/client-profiles)
  --list      print the families and whether their client is installed, then exit
  -h, --help  this text

Then run: npm run generate:client-profiles`;

// ---------------------------------------------------------------------------------------------------------------
// IANA names (extensions and versions), for people reading the JSON
// ---------------------------------------------------------------------------------------------------------------

const EXTENSION_NAMES = new Map([
  [0, 'server_name'],
  [1, 'max_fragment_length'],
  [2, 'client_certificate_url'],
  [3, 'trusted_ca_keys'],
  [4, 'truncated_hmac'],
  [5, 'status_request'],
  [6, 'user_mapping'],
  [7, 'client_authz'],
  [8, 'server_authz'],
  [9, 'cert_type'],
  [10, 'supported_groups'],
  [11, 'ec_point_formats'],
  [12, 'srp'],
  [13, 'signature_algorithms'],
  [14, 'use_srtp'],
  [15, 'heartbeat'],
  [16, 'application_layer_protocol_negotiation'],
  [17, 'status_request_v2'],
  [18, 'signed_certificate_timestamp'],
  [19, 'client_certificate_type'],
  [20, 'server_certificate_type'],
  [21, 'padding'],
  [22, 'encrypt_then_mac'],
  [23, 'extended_master_secret'],
  [24, 'token_binding'],
  [25, 'cached_info'],
  [26, 'tls_lts'],
  [27, 'compress_certificate'],
  [28, 'record_size_limit'],
  [29, 'pwd_protect'],
  [30, 'pwd_clear'],
  [31, 'password_salt'],
  [32, 'ticket_pinning'],
  [33, 'tls_cert_with_extern_psk'],
  [34, 'delegated_credential'],
  [35, 'session_ticket'],
  [36, 'TLMSP'],
  [37, 'TLMSP_proxying'],
  [38, 'TLMSP_delegate'],
  [39, 'supported_ekt_ciphers'],
  [41, 'pre_shared_key'],
  [42, 'early_data'],
  [43, 'supported_versions'],
  [44, 'cookie'],
  [45, 'psk_key_exchange_modes'],
  [47, 'certificate_authorities'],
  [48, 'oid_filters'],
  [49, 'post_handshake_auth'],
  [50, 'signature_algorithms_cert'],
  [51, 'key_share'],
  [52, 'transparency_info'],
  [53, 'connection_id_deprecated'],
  [54, 'connection_id'],
  [55, 'external_id_hash'],
  [56, 'external_session_id'],
  [57, 'quic_transport_parameters'],
  [58, 'ticket_request'],
  [59, 'dnssec_chain'],
  [60, 'sequence_number_encryption_algorithms'],
  [61, 'rrc'],
  [17513, 'application_settings'],
  [13172, 'next_protocol_negotiation'],
  [30031, 'channel_id_old'],
  [30032, 'channel_id'],
  [65037, 'encrypted_client_hello'],
  [65281, 'renegotiation_info'],
]);

/** True for a two-byte GREASE value (RFC 8701). */
function isGrease(v) {
  return (v & 0x0f0f) === 0x0a0a && v >> 12 === ((v >> 4) & 0x0f);
}

function extensionName(type) {
  if (isGrease(type)) return 'GREASE';
  return EXTENSION_NAMES.get(type) ?? `unassigned_${type}`;
}

const VERSION_NAMES = new Map([
  [0x0300, 'SSLv3'],
  [0x0301, 'TLSv1.0'],
  [0x0302, 'TLSv1.1'],
  [0x0303, 'TLSv1.2'],
  [0x0304, 'TLSv1.3'],
]);
const VERSION_ORDER = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

// ---------------------------------------------------------------------------------------------------------------
// ClientHello parsing
// ---------------------------------------------------------------------------------------------------------------

/** A reader over a Buffer that throws a plain message when the hello is shorter than its length fields say. */
class Reader {
  constructor(buf, what) {
    this.buf = buf;
    this.pos = 0;
    this.what = what;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new Error(`${this.what}: truncated at byte ${this.pos} (needs ${n} more)`);
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24() {
    this.need(3);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  bytes(n) {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  get done() {
    return this.pos === this.buf.length;
  }
}

/**
 * Parses a ClientHello handshake message (4-byte handshake header included) into the fields a profile keeps.
 * Throws on anything that is not a well-formed TLS ClientHello with an extensions block.
 */
export function parseClientHello(message) {
  const r = new Reader(Buffer.from(message), 'ClientHello');
  const type = r.u8();
  if (type !== 1) throw new Error(`not a ClientHello: handshake type ${type}`);
  const length = r.u24();
  if (length !== message.length - 4) throw new Error(`ClientHello length ${length} but ${message.length - 4} bytes follow the header`);
  const legacyVersion = r.u16();
  r.bytes(32); // random
  const sessionId = r.bytes(r.u8());
  if (sessionId.length > 32) throw new Error(`session id of ${sessionId.length} bytes`);
  const suitesLength = r.u16();
  if (suitesLength % 2 !== 0 || suitesLength === 0) throw new Error(`cipher_suites length ${suitesLength}`);
  const suites = new Reader(r.bytes(suitesLength), 'cipher_suites');
  const cipherSuites = [];
  while (!suites.done) cipherSuites.push(suites.u16());
  const compressionMethods = [...r.bytes(r.u8())];
  const extensions = [];
  if (!r.done) {
    const ext = new Reader(r.bytes(r.u16()), 'extensions');
    while (!ext.done) {
      const extType = ext.u16();
      const data = ext.bytes(ext.u16());
      extensions.push({ type: extType, name: extensionName(extType), data: data.toString('hex') });
    }
  }
  if (!r.done) throw new Error(`${message.length - r.pos} bytes after the extensions`);
  return { legacyVersion, sessionIdLength: sessionId.length, cipherSuites, compressionMethods, extensions };
}

/** The versions of a supported_versions extension (GREASE dropped), or null when the hello has none. */
function supportedVersions(extensions) {
  const ext = extensions.find((e) => e.type === 43);
  if (!ext) return null;
  const r = new Reader(Buffer.from(ext.data, 'hex'), 'supported_versions');
  const list = new Reader(r.bytes(r.u8()), 'supported_versions');
  const versions = [];
  while (!list.done) {
    const v = list.u16();
    if (!isGrease(v) && VERSION_NAMES.has(v)) versions.push(VERSION_NAMES.get(v));
  }
  return versions;
}

/** accepts.versions: supported_versions when sent, else from the library's documented minimum up to legacy_version. */
function acceptedVersions(hello, minimum) {
  const sent = supportedVersions(hello.extensions);
  if (sent) return VERSION_ORDER.filter((v) => sent.includes(v));
  const max = VERSION_NAMES.get(hello.legacyVersion);
  if (!max) throw new Error(`legacy_version 0x${hello.legacyVersion.toString(16)} is not SSLv3 to TLS 1.2`);
  return VERSION_ORDER.slice(VERSION_ORDER.indexOf(minimum), VERSION_ORDER.indexOf(max) + 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Capture: a listener that reads one ClientHello
// ---------------------------------------------------------------------------------------------------------------

/**
 * Listens on 127.0.0.1, calls start(port) to run the client, and resolves with the ClientHello handshake message and
 * the version of the first record once the whole message is in (then closes). Rejects when the client exits first,
 * sends something that is not a TLS handshake record, or HELLO_TIMEOUT_MS passes.
 */
function captureHello(start) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let child = null;
    const server = createServer();
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.close();
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no complete ClientHello within ${HELLO_TIMEOUT_MS / 1000} s`)), HELLO_TIMEOUT_MS);
    server.on('error', (err) => finish(err));
    server.on('connection', (socket) => {
      server.close(); // one connection is all we take
      let buf = Buffer.alloc(0);
      let recordVersion = null;
      let handshake = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        try {
          while (buf.length >= 5) {
            const contentType = buf[0];
            const version = buf.readUInt16BE(1);
            const length = buf.readUInt16BE(3);
            if (contentType !== 22) throw new Error(`first bytes are not a TLS handshake record (content type ${contentType}; an SSLv2 hello?)`);
            if (length === 0 || length > 16384 + 2048) throw new Error(`record length ${length}`);
            if (buf.length < 5 + length) break;
            recordVersion ??= version;
            handshake = Buffer.concat([handshake, buf.subarray(5, 5 + length)]);
            buf = buf.subarray(5 + length);
            if (handshake.length >= 4) {
              const total = 4 + handshake.readUIntBE(1, 3);
              if (handshake.length >= total) {
                socket.destroy();
                finish(null, { message: handshake.subarray(0, total), recordVersion });
                return;
              }
            }
          }
        } catch (err) {
          socket.destroy();
          finish(err);
        }
      });
      socket.on('end', () => finish(new Error(`connection closed after ${handshake.length} handshake bytes, before the whole ClientHello`)));
    });
    server.listen(0, '127.0.0.1', () => {
      try {
        child = start(server.address().port);
      } catch (err) {
        finish(err);
        return;
      }
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      child.stdout?.on('data', () => {});
      child.on('error', (err) => finish(err));
      child.on('exit', (code, signal) => {
        // A client may exit right after sending (the hello is still in the socket buffer): give it a moment.
        setTimeout(() => finish(new Error(`client exited (${signal ?? code}) before its ClientHello was in: ${stderr.trim().slice(0, 500)}`)), 2000);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Facts about this machine
// ---------------------------------------------------------------------------------------------------------------

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir || '.', cmd);
    if (existsSync(p)) return p;
  }
  return null;
}

/** "pkg version" of the Debian package owning `file` (after symlinks), or of package `pkg`. */
function debPackageOf(file) {
  const owner = run('dpkg-query', ['-S', realpathSync(file)]).split('\n')[0];
  const pkg = owner.split(':')[0]; // "openjdk-17-jre-headless:amd64: /usr/lib/…"
  return debPackage(pkg);
}

function debPackage(pkg) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const version = run('dpkg-query', ['-W', '-f=${Version}', pkg]).trim();
  if (!version) throw new Error(`Debian package ${pkg} is not installed`);
  return `${pkg} ${version}`;
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** "3.0.19" -> "3_0" */
function majorMinor(version) {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`cannot read a version from ${JSON.stringify(version)}`);
  return `${m[1]}_${m[2]}`;
}

/** The smallest DH prime an OpenSSL security level accepts (SSL_CTX_set_security_level(3)). */
const OPENSSL_SECLEVEL_DH_BITS = { 0: null, 1: 1024, 2: 2048, 3: 3072, 4: 7680, 5: 15360 };

/**
 * The default security level of the local OpenSSL: the `@SECLEVEL=` of a CipherString in the system configuration,
 * else the level this Debian build was compiled with (2: Debian configures OpenSSL with
 * -DOPENSSL_TLS_SECURITY_LEVEL=2; upstream 3.0 defaults to 1).
 */
function opensslSecurityLevel() {
  const conf = '/etc/ssl/openssl.cnf';
  if (existsSync(conf)) {
    const m = /^\s*CipherString\s*=.*@SECLEVEL=(\d)/m.exec(readFileSync(conf, 'utf8'));
    if (m) return { level: Number(m[1]), source: `${conf} (CipherString @SECLEVEL=${m[1]})` };
  }
  return { level: 2, source: 'the Debian build default (OPENSSL_TLS_SECURITY_LEVEL=2; /etc/ssl/openssl.cnf sets none)' };
}

// ---------------------------------------------------------------------------------------------------------------
// The clients
// ---------------------------------------------------------------------------------------------------------------

const JAVA_CLIENT = `import java.util.List;
import javax.net.ssl.*;

// Connects with the JVM's default SSLSocketFactory (its default protocols, suites, groups), setting only SNI: JSSE
// sends none for an IP literal, and an XMPP server connects to a host name.
public class Hello {
  public static void main(String[] args) throws Exception {
    SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
    try (SSLSocket socket = (SSLSocket) factory.createSocket("127.0.0.1", Integer.parseInt(args[0]))) {
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(args[1])));
      socket.setSSLParameters(params);
      socket.startHandshake();
    } catch (java.io.IOException expected) {
      // the capture closes the connection after the hello
    }
  }
}
`;

const GO_CLIENT = `package main

// tls.Dial with a default tls.Config, ServerName set (it would be taken from the address, and an IP literal gets
// no SNI), as an XMPP component or bot does.
import (
	"crypto/tls"
	"net"
	"os"
)

func main() {
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", os.Args[1]), &tls.Config{ServerName: os.Args[2]})
	if err == nil {
		conn.Close()
	}
}
`;

const PYTHON_CLIENT = `import socket, ssl, sys
ctx = ssl.create_default_context()
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    ctx.wrap_socket(sock, server_hostname=sys.argv[2])
except (ssl.SSLError, OSError):
    pass  # the capture closes the connection after the hello
`;

const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Each family: detect() -> facts or throws "not installed"; prepare(dir, facts) builds what must be built; start(port,
 * dir, facts) spawns the client; describe(facts, hello) -> the rest of the profile.
 */
const FAMILIES = [
  {
    family: 'openssl',
    detect() {
      if (!which('openssl')) throw new Error('openssl is not installed (apt-get install openssl)');
      const version = run('openssl', ['version']).trim(); // "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)"
      const m = /^OpenSSL (\d+\.\d+\.\d+\S*)/.exec(version);
      if (!m) throw new Error(`unexpected openssl version: ${version}`);
      return { id: `openssl_${majorMinor(m[1])}`, version, short: m[1], package: `${debPackage('openssl')}, ${debPackage('libssl3')}` };
    },
    start(port) {
      return spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', SNI], { stdio: ['pipe', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      const sec = opensslSecurityLevel();
      return {
        name: `OpenSSL ${facts.short.replace(/^(\d+\.\d+).*/, '$1')} (Debian ${debianVersion()})`,
        software: ['Prosody (LuaSec)', 'ejabberd (fast_tls)', 'Profanity (libstrophe)', 'Gajim on Windows (glib-networking, OpenSSL backend)'],
        roles: ['c2s', 's2s'],
        current: true,
        tool: 'openssl s_client',
        accepts: { versions: acceptedVersions(hello, 'TLSv1.0'), minDhBits: OPENSSL_SECLEVEL_DH_BITS[sec.level] ?? null },
        notes:
          `libssl defaults as s_client uses them (SSL_CTX_new(TLS_client_method()), default cipher list and groups). minDhBits: security level ${sec.level} from ${sec.source} ` +
          '(checked: a 1024-bit DHE prime is refused with "dh key too small", 2048 accepted). TLS 1.0/1.1 are offered but only work with RSA key exchange: ' +
          'an (EC)DHE ServerKeyExchange signed with MD5-SHA1 is refused at security level >= 1 ("legacy sigalg disallowed"). ' +
          'Applications may narrow this: Prosody and ejabberd set their own cipher strings and options.',
      };
    },
  },
  {
    family: 'gnutls',
    detect() {
      if (!which('gnutls-cli')) throw new Error('gnutls-cli is not installed (apt-get install gnutls-bin)');
      const version = run('gnutls-cli', ['--version']).split('\n')[0].trim(); // "gnutls-cli 3.7.9"
      const m = /(\d+\.\d+\.\d+)/.exec(version);
      if (!m) throw new Error(`unexpected gnutls-cli version: ${version}`);
      return { id: `gnutls_${majorMinor(m[1])}`, version, short: m[1], package: `${debPackage('gnutls-bin')}, ${debPackage('libgnutls30')}` };
    },
    start(port) {
      return spawn('gnutls-cli', ['--insecure', '--sni-hostname', SNI, '-p', String(port), '127.0.0.1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      return {
        name: `GnuTLS ${facts.short.replace(/^(\d+\.\d+).*/, '$1')} (Debian ${debianVersion()})`,
        software: ['Dino (glib-networking)', 'Gajim on Linux (glib-networking)', 'mcabber (Loudmouth)', 'gloox-based clients'],
        roles: ['c2s'],
        current: true,
        tool: 'gnutls-cli',
        // The priority string's level sets the smallest DH prime the client takes (gnutls_dh_set_prime_bits(3)): for
        // NORMAL that is the "weak" security parameter, 1008 bits.
        accepts: { versions: acceptedVersions(hello, 'TLSv1.2'), minDhBits: 1008 },
        notes:
          'Default priority (NORMAL; Debian ships no system-wide /etc/gnutls/config). minDhBits: checked against gnutls-serv with custom DH primes ' +
          '(1000 bits refused as "not long enough", 1008 accepted). TLS 1.0/1.1 are offered and work (checked against gnutls-serv).',
      };
    },
  },
  {
    family: 'jsse',
    detect() {
      if (!which('java')) throw new Error('java is not installed (apt-get install default-jdk-headless)');
      const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
      const text = `${r.stdout}${r.stderr}`.trim(); // java -version prints to stderr
      const m = /version "(\d+)(?:\.(\d+)\.(\d+))?[^"]*"/.exec(text);
      if (!m) throw new Error(`unexpected java -version output: ${text}`);
      const javaHome = path.resolve(path.dirname(realpathSync(which('java'))), '..');
      return {
        id: `jsse_${m[1]}`,
        major: m[1],
        version: text.split('\n').slice(0, 2).join('; '),
        package: debPackageOf(which('java')),
        javaHome,
      };
    },
    prepare(dir) {
      writeFileSync(path.join(dir, 'Hello.java'), JAVA_CLIENT);
    },
    start(port, dir) {
      return spawn('java', [path.join(dir, 'Hello.java'), String(port), SNI], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      const { minDhBits, source } = jdkMinDhBits(facts.javaHome);
      return {
        name: `Java ${facts.major} (JSSE, OpenJDK, Debian ${debianVersion()})`,
        software: ['Openfire', 'Tigase', 'Smack-based desktop clients (Spark)'],
        roles: ['c2s', 's2s'],
        current: true,
        tool: 'java Hello.java (SSLSocketFactory.getDefault(), SNI set, startHandshake)',
        accepts: { versions: acceptedVersions(hello, 'TLSv1.2'), minDhBits },
        notes:
          `JVM defaults (no system properties). minDhBits from ${source} (checked: 1023-bit DHE refused, 1024 accepted). ` +
          'Openfire and Tigase can restrict protocols and suites in their own configuration.',
      };
    },
  },
  {
    family: 'go',
    detect() {
      if (!which('go')) throw new Error('go is not installed (apt-get install golang-go)');
      const version = run('go', ['version']).trim(); // "go version go1.19.8 linux/amd64"
      const m = /go(\d+\.\d+(?:\.\d+)?)/.exec(version.replace(/^go version /, ''));
      if (!m) throw new Error(`unexpected go version: ${version}`);
      return { id: `go_${majorMinor(m[1])}`, version, short: m[1], package: debPackageOf(which('go')) };
    },
    prepare(dir) {
      writeFileSync(path.join(dir, 'hello.go'), GO_CLIENT);
      execFileSync('go', ['build', '-o', path.join(dir, 'hello-go'), path.join(dir, 'hello.go')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: BUILD_TIMEOUT_MS,
        env: { ...process.env, GOPROXY: 'off', GOFLAGS: '', GO111MODULE: 'auto' },
      });
    },
    start(port, dir) {
      return spawn(path.join(dir, 'hello-go'), [String(port), SNI], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      return {
        name: `Go ${facts.short.replace(/^(\d+\.\d+).*/, '$1')} crypto/tls (Debian ${debianVersion()})`,
        software: ['XMPP components and bots in Go (mellium.im/xmpp, gosrc.io/xmpp)'],
        roles: ['c2s', 's2s'],
        current: true,
        tool: 'Go program: tls.Dial with tls.Config{ServerName}',
        accepts: { versions: acceptedVersions(hello, 'TLSv1.2'), minDhBits: null },
        notes: 'crypto/tls has no finite-field DHE at all (minDhBits does not apply). Client default minimum version TLS 1.2 since Go 1.18.',
      };
    },
  },
  {
    family: 'python',
    detect() {
      if (!existsSync(DEBIAN_PYTHON)) throw new Error(`${DEBIAN_PYTHON} is not installed (apt-get install python3)`);
      const version = run(DEBIAN_PYTHON, ['-c', 'import sys, ssl; print("Python", sys.version.split()[0], "with", ssl.OPENSSL_VERSION)']).trim();
      const m = /^Python (\d+\.\d+\.\d+)/.exec(version);
      if (!m) throw new Error(`unexpected python version: ${version}`);
      const minor = majorMinor(m[1]);
      return {
        id: `python_${minor}_ssl`,
        version,
        short: m[1],
        package: `${debPackage(`python${minor.replace('_', '.')}`)}, ${debPackage('libssl3')}`,
      };
    },
    start(port) {
      return spawn(DEBIAN_PYTHON, ['-c', PYTHON_CLIENT, String(port), SNI], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      const sec = opensslSecurityLevel();
      return {
        name: `Python ${facts.short.replace(/^(\d+\.\d+).*/, '$1')} ssl (OpenSSL, Debian ${debianVersion()})`,
        software: ['slixmpp', 'XMPP bots in Python'],
        roles: ['c2s'],
        current: true,
        tool: `${DEBIAN_PYTHON}: ssl.create_default_context().wrap_socket(server_hostname=...)`,
        accepts: { versions: acceptedVersions(hello, 'TLSv1.2'), minDhBits: OPENSSL_SECLEVEL_DH_BITS[sec.level] ?? null },
        notes:
          "create_default_context(). Debian builds Python with --with-ssl-default-suites=openssl: OpenSSL's default suites and no minimum version " +
          "(upstream's default build has its own cipher string and minimum TLS 1.2), so the hello is s_client's plus the padding extension (OP_ALL). " +
          `minDhBits: security level ${sec.level} (checked: 1024-bit DHE refused, 2048 accepted). TLS 1.0/1.1 only with RSA key exchange, as for openssl_3_0.`,
      };
    },
  },
  {
    family: 'nss',
    detect() {
      if (!which('tstclnt')) throw new Error('tstclnt is not installed (apt-get install libnss3-tools)');
      const pkg = debPackage('libnss3');
      const lib = ['/usr/lib/x86_64-linux-gnu/libnss3.so', '/usr/lib/aarch64-linux-gnu/libnss3.so'].find((p) => existsSync(p));
      const fromLib = lib ? /NSS (\d+\.\d+(?:\.\d+)?)/.exec(readFileSync(lib).toString('latin1')) : null;
      const short = fromLib?.[1] ?? /^libnss3 (?:\d+:)?(\d+\.\d+(?:\.\d+)?)/.exec(pkg)?.[1];
      if (!short) throw new Error(`cannot tell the NSS version (${pkg})`);
      return { id: `nss_${majorMinor(short)}`, version: `NSS ${short}`, short, package: `${debPackage('libnss3-tools')}, ${pkg}` };
    },
    start(port) {
      return spawn('tstclnt', ['-h', '127.0.0.1', '-p', String(port), '-a', SNI, '-D', '-o'], { stdio: ['pipe', 'pipe', 'pipe'] });
    },
    describe(facts, hello) {
      return {
        name: `NSS ${facts.short.replace(/^(\d+\.\d+).*/, '$1')} (Debian ${debianVersion()})`,
        software: ['Pidgin (libpurple, Debian builds use NSS)'],
        roles: ['c2s'],
        current: false,
        tool: 'tstclnt (NSS test client)',
        accepts: { versions: acceptedVersions(hello, 'TLSv1.0'), minDhBits: 1023 },
        notes:
          'NSS library defaults as tstclnt leaves them (tstclnt enables every version the library supports, as libpurple does). ' +
          'Not a current mainstream XMPP stack: Thunderbird (NSS) sets its own preferences. minDhBits: checked against gnutls-serv with custom DH ' +
          'primes (1016 bits refused as SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY, 1023 accepted). TLS 1.0/1.1 are offered and work (checked).',
      };
    },
  },
];

/** "12" from /etc/debian_version ("12.11"). */
function debianVersion() {
  const v = existsSync('/etc/debian_version') ? readFileSync('/etc/debian_version', 'utf8').trim() : '';
  return /^\d+/.exec(v)?.[0] ?? v;
}

/** The `DH keySize < N` of jdk.tls.disabledAlgorithms in the JDK's java.security: N, the smallest DH prime it accepts. */
function jdkMinDhBits(javaHome) {
  const file = path.join(javaHome, 'conf/security/java.security');
  if (!existsSync(file)) return { minDhBits: null, source: `nothing (${file} not found)` };
  const text = readFileSync(file, 'utf8').replace(/\\\r?\n\s*/g, '');
  const line = /^jdk\.tls\.disabledAlgorithms=(.*)$/m.exec(text)?.[1] ?? '';
  const m = /\bDH keySize < (\d+)/.exec(line);
  return m
    ? { minDhBits: Number(m[1]), source: `jdk.tls.disabledAlgorithms "DH keySize < ${m[1]}" (${file})` }
    : { minDhBits: null, source: `nothing (no DH keySize limit in ${file})` };
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { only: [], out: DEFAULT_OUT, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(HELP);
      process.exit(0);
    } else if (a === '--only' || a === '--out') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      if (a === '--only') opts.only.push(v);
      else opts.out = path.resolve(v);
    } else if (a === '--list') {
      opts.list = true;
    } else {
      throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  return opts;
}

/** The profile object, keys in the order of ClientProfile. */
function buildProfile(facts, family, hello, recordVersion, date) {
  const d = family.describe(facts, hello);
  return {
    id: facts.id,
    name: d.name,
    software: d.software,
    roles: d.roles,
    current: d.current,
    provenance: {
      method: 'captured',
      tool: d.tool,
      version: facts.version,
      package: facts.package,
      date,
      command: `node scripts/capture-client-hellos.mjs --only ${facts.id}`,
    },
    clientHello: {
      legacyVersion: hello.legacyVersion,
      recordVersion,
      cipherSuites: hello.cipherSuites,
      compressionMethods: hello.compressionMethods,
      extensions: hello.extensions,
    },
    accepts: d.accepts,
    notes: d.notes,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const detected = FAMILIES.map((family) => {
    try {
      return { family, facts: family.detect() };
    } catch (err) {
      return { family, error: err.message };
    }
  });
  if (opts.list) {
    for (const d of detected) console.log(`${d.family.family.padEnd(8)} ${d.facts ? `${d.facts.id.padEnd(16)} ${d.facts.version}` : `-  ${d.error}`}`);
    return 0;
  }
  const wanted = (d) => opts.only.length === 0 || opts.only.includes(d.family.family) || (d.facts && opts.only.includes(d.facts.id));
  for (const name of opts.only) {
    if (!detected.some((d) => d.family.family === name || d.facts?.id === name)) {
      const known = detected.map((d) => d.facts?.id ?? d.family.family).join(', ');
      throw new Error(`--only ${name}: no such profile or family here (known: ${known})`);
    }
  }
  mkdirSync(opts.out, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'capture-client-hellos-'));
  const date = today();
  let failed = 0;
  const started = Date.now();
  try {
    for (const d of detected.filter(wanted)) {
      const label = d.facts?.id ?? d.family.family;
      if (!d.facts) {
        console.error(`skip ${label}: ${d.error}`);
        if (opts.only.length > 0) failed++;
        continue;
      }
      const t0 = Date.now();
      try {
        const dir = mkdtempSync(path.join(work, `${d.family.family}-`));
        d.family.prepare?.(dir, d.facts);
        const { message, recordVersion } = await captureHello((port) => d.family.start(port, dir, d.facts));
        const hello = parseClientHello(message);
        const profile = buildProfile(d.facts, d.family, hello, recordVersion, date);
        const file = path.join(opts.out, `${profile.id}.json`);
        writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
        const exts = hello.extensions.map((e) => e.name).join(',');
        console.log(
          `${profile.id}: ${hello.cipherSuites.length} suites, versions ${profile.accepts.versions.join('/')}, extensions ${exts} ` +
            `(${((Date.now() - t0) / 1000).toFixed(1)} s) -> ${path.relative(process.cwd(), file)}`,
        );
      } catch (err) {
        failed++;
        console.error(`FAILED ${label}: ${err.message}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s; now run: npm run generate:client-profiles`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err.message);
      process.exit(2);
    },
  );
}
