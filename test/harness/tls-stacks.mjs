// TLS servers of stacks other than OpenSSL, as the public federation runs them, each from a
// Debian package and started on 127.0.0.1 with a self-signed certificate made at start: GnuTLS
// (gnutls-serv), mbedTLS (lighttpd with mod_mbedtls), Go's crypto/tls (a small server built with
// `go build`, standard library only), Erlang/OTP's ssl (an escript: what ejabberd and MongooseIM
// use). And a STARTTLS front: XMPP up to <proceed/>, then the bytes go to such a server. Plain
// JavaScript so that the tests and bench/stacks-bench.mjs share it.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeTcpPort, stopChild, waitForPort } from './processes.mjs';

function needTool(path, debianPackage) {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${debianPackage} (bash scripts/test.sh installs it)`);
}

/** A folder with a self-signed certificate for tls.test: RSA-2048, or EC on `curve` (e.g. prime256v1). */
function material(name, curve = null) {
  const dir = mkdtempSync(join(tmpdir(), `xte-${name}-`));
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const key = curve ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`] : ['-newkey', 'rsa:2048'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...key,
      '-nodes',
      '-sha256',
      '-days',
      '30',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=tls.test',
      '-addext',
      'subjectAltName=DNS:tls.test',
    ],
    { stdio: 'ignore' },
  );
  return { dir, certFile, keyFile, certificate: new X509Certificate(readFileSync(certFile)).raw };
}

async function started(name, m, command, args, port, opts = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let output = '';
  let exited = false;
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.once('exit', () => (exited = true));
  const stop = async () => {
    await stopChild(child);
    rmSync(m.dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, '127.0.0.1', 20_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(`${name} did not start (${err.message}):\n${output}`);
  }
  return { name, port, certificate: m.certificate, stop };
}

/** gnutls-serv with a priority string (it listens on every interface; the tests only talk to 127.0.0.1). */
export async function startGnutls(priority) {
  needTool('/usr/bin/gnutls-serv', 'gnutls-bin');
  const m = material('gnutls');
  const port = await freeTcpPort();
  return started(
    `GnuTLS (${priority})`,
    m,
    '/usr/bin/gnutls-serv',
    ['--priority', priority, '--port', String(port), '--x509certfile', m.certFile, '--x509keyfile', m.keyFile, '--quiet'],
    port,
  );
}

/** lighttpd with mod_mbedtls (mbedTLS 2.28), TLS 1.2, `cipherString` in its OpenSSL-like syntax. */
export async function startMbedtls(cipherString) {
  needTool('/usr/sbin/lighttpd', 'lighttpd');
  needTool('/usr/lib/lighttpd/mod_mbedtls.so', 'lighttpd-mod-mbedtls');
  const m = material('mbedtls');
  const port = await freeTcpPort();
  const conf = join(m.dir, 'lighttpd.conf');
  writeFileSync(
    conf,
    [
      `server.document-root = "${m.dir}"`,
      `server.port = ${port}`,
      'server.bind = "127.0.0.1"',
      `server.errorlog = "${join(m.dir, 'error.log')}"`,
      'server.modules += ( "mod_mbedtls" )',
      'ssl.engine = "enable"',
      `ssl.pemfile = "${m.certFile}"`,
      `ssl.privkey = "${m.keyFile}"`,
      `ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2", "CipherString" => "${cipherString}")`,
      '',
    ].join('\n'),
  );
  return started(`mbedTLS via lighttpd (${cipherString})`, m, '/usr/sbin/lighttpd', ['-D', '-f', conf], port);
}

const GO_SERVER = `package main

import (
	"crypto/tls"
	"net"
	"os"
)

// A TLS server with Go's defaults (its own cipher order, TLS 1.0 allowed): handshakes, then closes.
func main() {
	cert, err := tls.LoadX509KeyPair(os.Args[1], os.Args[2])
	if err != nil {
		panic(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:"+os.Args[3], &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10})
	if err != nil {
		panic(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}(c)
	}
}
`;

/** Go's crypto/tls with its defaults, built at start (`go build`, standard library only). */
export async function startGo() {
  needTool('/usr/bin/go', 'golang-go');
  const m = material('go');
  writeFileSync(join(m.dir, 'main.go'), GO_SERVER);
  const env = { ...process.env, HOME: m.dir, GOCACHE: join(m.dir, 'cache'), GOPATH: join(m.dir, 'gopath'), GO111MODULE: 'off', GOFLAGS: '' };
  await promisify(execFile)('/usr/bin/go', ['build', '-o', 'server', 'main.go'], { cwd: m.dir, env, timeout: 180_000 });
  const port = await freeTcpPort();
  return started("Go crypto/tls (Go's defaults)", m, join(m.dir, 'server'), [m.certFile, m.keyFile, String(port)], port, { cwd: m.dir });
}

const ERLANG_SERVER = `#!/usr/bin/env escript
%% Erlang/OTP ssl as a legacy server: every suite OTP has for TLS 1.0-1.2, anonymous ones included.
%% Or, with two more arguments, the given versions (comma-separated, e.g. tlsv1.3,tlsv1.2) and suites
%% (colon-separated RFC or OpenSSL names, each through ssl:str_to_suite/1).
main([Port, Cert, Key]) ->
  ok = ssl:start(),
  Suites = ssl:cipher_suites(all, 'tlsv1.2') ++ ssl:cipher_suites(anonymous, 'tlsv1.2'),
  listen(Port, Cert, Key, ['tlsv1.2', 'tlsv1.1', 'tlsv1'], Suites);
main([Port, Cert, Key, Versions, Ciphers]) ->
  ok = ssl:start(),
  listen(Port, Cert, Key, [list_to_atom(V) || V <- string:tokens(Versions, ",")],
         [ssl:str_to_suite(C) || C <- string:tokens(Ciphers, ":")]).
listen(Port, Cert, Key, Versions, Suites) ->
  {ok, L} = ssl:listen(list_to_integer(Port), [{certfile, Cert}, {keyfile, Key}, {reuseaddr, true}, {ip, {127,0,0,1}},
                                              {active, false}, {versions, Versions}, {ciphers, Suites}]),
  loop(L).
loop(L) ->
  {ok, S} = ssl:transport_accept(L),
  spawn(fun() -> _ = ssl:handshake(S, 5000), ssl:close(S) end),
  loop(L).
`;

/**
 * Erlang/OTP's ssl (escript). Without options: a legacy configuration with every suite it has for
 * TLS 1.0–1.2, SRP ones included (not set up). With `versions` (OTP names: `tlsv1.3`, `tlsv1.2`, …)
 * and `ciphers` (RFC or OpenSSL suite names): exactly those.
 */
export async function startErlang(opts = {}) {
  needTool('/usr/bin/escript', 'erlang-base');
  const m = material('erlang');
  const script = join(m.dir, 'server.escript');
  writeFileSync(script, ERLANG_SERVER);
  const port = await freeTcpPort();
  const custom = opts.versions && opts.ciphers ? [opts.versions.join(','), opts.ciphers.join(':')] : [];
  const name = custom.length > 0 ? `Erlang/OTP ssl (${custom[0]}; ${custom[1]})` : 'Erlang/OTP ssl (every suite, SRP not set up)';
  return started(name, m, '/usr/bin/escript', [script, String(port), m.certFile, m.keyFile, ...custom], port, { cwd: m.dir });
}

/** openssl s_server with an ECDSA certificate only (its curve: `curve`, default P-256). */
export async function startOpensslEcdsa(curve = 'prime256v1') {
  needTool('/usr/bin/openssl', 'openssl');
  const m = material('openssl-ecdsa', curve);
  const port = await freeTcpPort();
  return started(
    `OpenSSL, ECDSA ${curve} certificate only`,
    m,
    '/usr/bin/openssl',
    ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', m.certFile, '-key', m.keyFile, '-www', '-quiet'],
    port,
  );
}

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='tls.test' id='front' version='1.0'>";
const FEATURES = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";

/**
 * An XMPP STARTTLS front for a plain TLS server: the stream header, features with STARTTLS
 * required, <proceed/> (a <starttls/> pipelined with the header included), then every byte both
 * ways between the client and 127.0.0.1:upstreamPort.
 */
export async function startStarttlsFront(upstreamPort) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    let seen = '';
    let sentFeatures = false;
    const onData = (chunk) => {
      seen += chunk.toString('latin1');
      if (!sentFeatures && seen.includes('<stream:stream')) {
        sentFeatures = true;
        seen = seen.slice(seen.indexOf('<stream:stream') + '<stream:stream'.length);
        client.write(HEADER + FEATURES);
      }
      if (!sentFeatures || !seen.includes('<starttls')) return;
      client.off('data', onData);
      client.pause();
      client.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    };
    client.on('data', onData);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
