import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { type XmppTarget, openTlsReadySocket } from '../../../src/connector/xmpp.js';
import type { SimulationResult } from '../../../src/result/types.js';
import { mapLimit } from '../../../src/scan/scan.js';
import { simulateHandshakes } from '../../../src/tls/index.js';
import type { ClientProfile } from '../../../src/tls/registry/client-profiles.js';
import { CLIENT_PROFILES, cipherSuiteByCode, cipherSuiteByName } from '../../../src/tls/registry/index.js';
import { groupByCode } from '../../../src/tls/registry/groups.js';
import {
  ContentType,
  HandshakeReassembler,
  HandshakeType,
  type ServerHello,
  TlsRecordReader,
  alertName,
  parseServerHello,
  parseServerKeyExchange,
} from '../../../src/tls/wire/index.js';
import { type JsseServer, startJsseServer } from '../../harness/jsse/index.js';
import { LEGACY_OPENSSL_CONF, OPENSSL_PATH, writeDhParams } from '../../harness/openssl-server.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { PROSODY_PATH, type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { type StarttlsFront, type TlsStackServer, startErlang, startGnutls, startStarttlsFront } from '../../harness/tls-stacks.mjs';
import { needTool } from '../../harness/tools.js';
import { ext, parseClientHelloRecords, startHelloCapture } from '../../unit/tls/wire/helpers.js';

// The oracle of the handshake simulation for every client profile we capture from a real library
// (scripts/capture-client-hellos.mjs): the REAL client, with its default settings, against real
// XMPP servers, and simulateHandshakes with that client's registry profile against the same
// servers. They must agree on whether it connects and, when both connect, on the protocol, the
// cipher suite and the key exchange group. Where they may not agree because the real client has a
// policy its hello cannot show, the row says so and the difference is asserted (KNOWN below).
//
// Transport: XMPP c2s STARTTLS everywhere, the way a client meets these servers. Of the real
// clients only s_client and gnutls-cli speak XMPP STARTTLS themselves — tstclnt and the Java, Go and
// Python programs do not, and gnutls-cli's stream header says to='127.0.0.1' (the host it connects
// to, whatever --sni-hostname says: checked), which Prosody refuses — so every real client, s_client
// included for uniformity, connects to a relay of this test, which opens the
// XMPP stream, does STARTTLS with the product's own connector (openTlsReadySocket: the very socket
// the simulation gets) and then passes the TLS bytes through untouched both ways. The client's TLS
// is exactly its own; SNI is the XMPP domain (tls.test) on both sides; no side offers ALPN (XMPP
// STARTTLS clients send none, and neither does the simulation without direct TLS). The relay also
// keeps what the server sent in clear — its ServerHello(s) and a TLS ≤ 1.2 ServerKeyExchange — so
// the negotiated suite and group are known for the clients that do not print them (tstclnt and
// gnutls-cli print no suite name; Java 17, Go 1.19 and Python 3.11 cannot tell the group).
//
// Servers without XMPP of their own (Erlang/OTP, gnutls-serv) sit behind the STARTTLS front of
// tls-stacks.mjs. Erlang/OTP's ssl is what ejabberd and MongooseIM terminate TLS with; ejabberd
// itself is not installed in CI (nor here), so an escript with OTP's ssl stands in for it.
//
// Certificates are self-signed: every real client runs in a mode that does not fail on that —
// s_client by default (it fails only with -verify_return_error), gnutls-cli --insecure, tstclnt -o,
// a trust-all X509ExtendedTrustManager in Java, InsecureSkipVerify in Go, CERT_NONE without
// check_hostname in Python. None of these changes the ClientHello: the first test captures each
// client's hello as it is run here and compares it with the registry profile.
//
// Each server is also probed once by s_client with options made for it (`confirm`), so that a
// server that did not start as meant (a Prosody that ignores its ssl settings, say) fails the test
// instead of making rows agree trivially. Run time: about 5 s (servers start in parallel; the 36
// real-client runs go CONCURRENCY at once).

jest.setTimeout(60_000);

const execFileP = promisify(execFile);
const DOMAIN = 'tls.test';
const PYTHON = '/usr/bin/python3';
const JAVA = '/usr/bin/java';
const JAVAC = '/usr/bin/javac';
const GO = '/usr/bin/go';
const TSTCLNT = '/usr/bin/tstclnt';
const GNUTLS_CLI = '/usr/bin/gnutls-cli';
/** Real client runs at once (each a process; the machine may have 2 cores). */
const CONCURRENCY = 4;

type ClientId = 'openssl_3_0' | 'gnutls_3_7' | 'nss_3_87' | 'jsse_17' | 'go_1_19' | 'python_3_11_ssl';
const CLIENT_IDS: ClientId[] = ['openssl_3_0', 'gnutls_3_7', 'nss_3_87', 'jsse_17', 'go_1_19', 'python_3_11_ssl'];

// ---------------------------------------------------------------------------------------------
// Outcomes

interface Outcome {
  connects: boolean;
  protocol: string | null;
  /** IANA name. */
  suite: string | null;
  /** As the simulation names it: x25519, secp256r1, ffdhe2048 (TLS 1.3), `DH 1024` (TLS ≤ 1.2 DHE); null for RSA key transport. */
  group: string | null;
  why: string | null;
  /** Values taken from the ServerHello / ServerKeyExchange because the client does not print them. */
  fromWire?: string[];
}

/** What the client printed itself. protocol/suite null, group undefined: it does not print that. */
interface Printed {
  connects: boolean;
  protocol: string | null;
  suite: string | null;
  group?: string | null;
  why: string | null;
}

/** What the server sent in clear, as read by the relay. */
interface Wire {
  /** The last ServerHello (after a HelloRetryRequest, the second). */
  serverHello: ServerHello | null;
  helloRetry: boolean;
  group: string | null;
  alert: string | null;
}

const NOT_RUN: Outcome = { connects: false, protocol: null, suite: null, group: null, why: 'not run' };
const row = (o: Outcome) => (o.connects ? `${o.protocol} ${o.suite} ${o.group ?? '-'}` : 'fails');

const VERSION_NAMES: Record<number, string> = { 768: 'SSLv3', 769: 'TLSv1.0', 770: 'TLSv1.1', 771: 'TLSv1.2', 772: 'TLSv1.3' };
/** TLSv1 (JSSE, Python, s_client) as our TLSv1.0. */
const protocolName = (p: string) => (p === 'TLSv1' ? 'TLSv1.0' : p);
const suiteName = (name: string) => cipherSuiteByName(name)?.name ?? cipherSuiteByName(name.replace(/^SSL_/, 'TLS_'))?.name ?? name;
/** s_client's and gnutls-cli's group names as IANA's. */
const GROUP_NAMES: Record<string, string> = {
  X25519: 'x25519',
  X448: 'x448',
  prime256v1: 'secp256r1',
  'P-256': 'secp256r1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
  SECP256R1: 'secp256r1',
  SECP384R1: 'secp384r1',
  SECP521R1: 'secp521r1',
};

function simulated(r: SimulationResult): Outcome {
  return {
    connects: r.connects,
    protocol: r.protocol,
    suite: r.cipherSuite,
    group: r.group,
    why: r.failure ? `${r.failure.reason}: ${r.failure.message}` : null,
  };
}

// ---------------------------------------------------------------------------------------------
// The server's clear-text flight, as the relay saw it

function readWire(bytes: Buffer): Wire {
  const wire: Wire = { serverHello: null, helloRetry: false, group: null, alert: null };
  const records = new TlsRecordReader();
  const handshake = new HandshakeReassembler();
  try {
    records.push(bytes);
    for (let record = records.nextRecord(); record; record = records.nextRecord()) {
      if (record.contentType === ContentType.alert) {
        wire.alert = alertName(record.fragment[1] ?? 255);
        break;
      }
      // TLS 1.3 sends a compatibility ChangeCipherSpec after a HelloRetryRequest; in TLS ≤ 1.2 it
      // ends the clear part (and application data always does).
      if (record.contentType === ContentType.change_cipher_spec && wire.serverHello?.isHelloRetryRequest) continue;
      if (record.contentType !== ContentType.handshake) break;
      handshake.push(record.fragment);
      let done = false;
      for (const m of handshake.drain()) {
        if (m.type === HandshakeType.server_hello) {
          const sh = parseServerHello(m.body);
          wire.serverHello = sh;
          if (sh.isHelloRetryRequest) {
            wire.helloRetry = true;
            continue;
          }
          if (sh.selectedVersion === 0x0304) {
            wire.group = sh.keyShareGroup === null ? null : (groupByCode(sh.keyShareGroup)?.name ?? `0x${sh.keyShareGroup.toString(16)}`);
            done = true;
          }
        } else if (m.type === HandshakeType.server_key_exchange && wire.serverHello) {
          const kx = cipherSuiteByCode(wire.serverHello.cipherSuite)?.keyExchange;
          const ske = parseServerKeyExchange(m.body, kx === 'DHE' || kx === 'DHE_PSK' ? 'dhe' : 'ecdhe');
          wire.group =
            ske.kind === 'dhe' ? `DH ${ske.primeBits}` : ske.namedGroup === null ? 'explicit' : (groupByCode(ske.namedGroup)?.name ?? String(ske.namedGroup));
        } else if (m.type === HandshakeType.server_hello_done) {
          done = true;
        }
        if (done) break;
      }
      if (done) break;
    }
  } catch {
    // What could be read is enough: the wire only completes what the client prints.
  }
  return wire;
}

// ---------------------------------------------------------------------------------------------
// The relay: the client's plain TCP in, XMPP STARTTLS out, TLS bytes passed through

function target(port: number): XmppTarget {
  return {
    domain: DOMAIN,
    mode: 'c2s',
    host: '127.0.0.1',
    address: '127.0.0.1',
    port,
    directTls: false,
    from: 'x.invalid',
    timeouts: { connectMs: 5000, readMs: 5000, handshakeMs: 5000 },
  };
}

interface Relay {
  port: number;
  /** Per connection, what the server sent after <proceed/> (or why STARTTLS failed). */
  connections: { fromServer: Buffer[]; error: string | null }[];
  close(): Promise<void>;
}

async function startRelay(xmppPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const connections: Relay['connections'] = [];
  const server: Server = createServer((client) => {
    const conn: Relay['connections'][number] = { fromServer: [], error: null };
    connections.push(conn);
    sockets.add(client);
    client.pause();
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    openTlsReadySocket(target(xmppPort)).then(
      ({ socket }) => {
        sockets.add(socket);
        socket.on('error', () => client.destroy());
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
        });
        client.on('close', () => socket.destroy());
        socket.on('data', (d: Buffer) => conn.fromServer.push(d));
        client.pipe(socket).pipe(client);
        client.resume();
      },
      (err: Error) => {
        conn.error = err.message;
        client.destroy();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The real clients

const JAVA_CLIENT = `import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.*;

// JSSE with the JVM's defaults (a fresh SSLContext "TLS": its default protocols, suites, groups), SNI
// set, and a trust-all X509ExtendedTrustManager for the self-signed test certificate (no endpoint
// identification either, as SSLSocket does by default). Prints OK <protocol> <suite> or FAIL <why>.
public class SimClient {
  public static void main(String[] args) throws Exception {
    TrustManager trustAll = new X509ExtendedTrustManager() {
      public void checkClientTrusted(X509Certificate[] c, String a) {}
      public void checkServerTrusted(X509Certificate[] c, String a) {}
      public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
      public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
      public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
      public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] { trustAll }, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", Integer.parseInt(args[0]))) {
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(args[1])));
      socket.setSSLParameters(params);
      socket.startHandshake();
      SSLSession s = socket.getSession();
      System.out.println("OK " + s.getProtocol() + " " + s.getCipherSuite());
    } catch (Exception e) {
      System.out.println("FAIL " + e);
    }
  }
}
`;

const GO_CLIENT = `package main

// crypto/tls with its defaults: tls.Dial with ServerName set and InsecureSkipVerify for the
// self-signed test certificate. Prints OK <version> <suite> or FAIL <why>.
import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
)

func main() {
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", os.Args[1]), &tls.Config{ServerName: os.Args[2], InsecureSkipVerify: true})
	if err != nil {
		fmt.Println("FAIL", err)
		return
	}
	cs := conn.ConnectionState()
	fmt.Println("OK", cs.Version, tls.CipherSuiteName(cs.CipherSuite))
	conn.Close()
}
`;

const PYTHON_CLIENT = `import socket, ssl, sys
# ssl.create_default_context() without certificate checks (self-signed test certificate).
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    s = ctx.wrap_socket(sock, server_hostname=sys.argv[2])
    print("OK", s.version(), s.cipher()[0])
    s.close()
except (ssl.SSLError, OSError) as e:
    print("FAIL", e)
`;

interface RealClient {
  id: ClientId;
  /** The command for a TLS connection to 127.0.0.1:port with SNI tls.test. */
  command(port: number): [string, string[]];
  parse(out: string): Printed;
  env?: NodeJS.ProcessEnv;
}

const failed = (why: string): Printed => ({ connects: false, protocol: null, suite: null, why });
/** "OK <protocol> <suite>" / "FAIL <why>" of the Java, Go and Python programs. */
function parseOkFail(out: string, version: (v: string) => string): Printed {
  const ok = /^OK (\S+) (\S+)$/m.exec(out);
  if (!ok) return failed(/^FAIL (.*)$/m.exec(out)?.[1] ?? (out.trim() || 'no output'));
  return { connects: true, protocol: version(ok[1] as string), suite: suiteName(ok[2] as string), why: null };
}

/** `openssl s_client -brief`: its verdict, protocol, suite and group (Server Temp Key). */
function parseSClient(out: string): Printed {
  const line = (label: string) => new RegExp(`^${label}: (.+)$`, 'm').exec(out)?.[1]?.trim() ?? null;
  const protocol = line('Protocol version');
  const cipher = line('Ciphersuite');
  if (!/CONNECTION ESTABLISHED/.test(out) || protocol === null || cipher === null) {
    return failed(/error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/.exec(out)?.[1] ?? out.trim().split('\n').pop() ?? 'no output');
  }
  // "X25519, 253 bits" · "ECDH, prime256v1, 256 bits" · "DH, 1024 bits"; none for RSA key transport.
  const temp = line('Server Temp Key');
  let group: string | null = null;
  if (temp?.startsWith('ECDH, ')) group = temp.split(', ')[1] ?? temp;
  else if (temp?.startsWith('DH, ')) group = `DH ${/(\d+) bits/.exec(temp)?.[1]}`;
  else if (temp) group = temp.split(',')[0] ?? temp;
  if (group !== null) group = GROUP_NAMES[group] ?? group;
  const p = protocolName(protocol);
  // TLS 1.3 finite-field groups: s_client says "DH, 2048 bits", the simulation ffdhe2048.
  if (p === 'TLSv1.3' && group?.startsWith('DH ')) group = `ffdhe${group.slice(3)}`;
  return { connects: true, protocol: p, suite: suiteName(cipher), group, why: null };
}

function makeClients(dir: string): RealClient[] {
  return [
    {
      id: 'openssl_3_0',
      command: (port) => [OPENSSL_PATH, ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', DOMAIN, '-brief']],
      parse: parseSClient,
    },
    {
      id: 'gnutls_3_7',
      command: (port) => [GNUTLS_CLI, ['--insecure', '--sni-hostname', DOMAIN, '-p', String(port), '127.0.0.1']],
      parse(out) {
        // "- Description: (TLS1.3-X.509)-(ECDHE-SECP256R1)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)"; no suite name.
        const desc = /^- Description: \((TLS1\.\d|SSL3\.0)-[^)]*\)-\(([^)]*)\)/m.exec(out);
        if (!/^- Handshake was completed/m.test(out) || !desc)
          return failed(/^\*\*\* (?:Fatal error|Handshake has failed): ?(.*)$/im.exec(out)?.[1] ?? 'no handshake');
        const version = (desc[1] as string).replace(/^TLS1\./, 'TLSv1.').replace('SSL3.0', 'SSLv3');
        const kx = /^ECDHE-(.+)$/.exec(desc[2] as string);
        return { connects: true, protocol: version, suite: null, ...(kx ? { group: GROUP_NAMES[kx[1] as string] ?? (kx[1] as string) } : {}), why: null };
      },
    },
    {
      id: 'nss_3_87',
      // -v for "SSL version 3.4 using …" once the handshake is done; -Q: exit after the handshake.
      command: (port) => [TSTCLNT, ['-h', '127.0.0.1', '-p', String(port), '-a', DOMAIN, '-D', '-o', '-Q', '-v']],
      parse(out) {
        const v = /SSL version 3\.(\d) using/.exec(out);
        if (!v) return failed(/(SSL_ERROR_\w+|SEC_ERROR_\w+|PR_\w+_ERROR)/.exec(out)?.[1] ?? (out.trim().split('\n').pop() || 'no output'));
        return { connects: true, protocol: ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'][Number(v[1])] ?? `3.${v[1]}`, suite: null, why: null };
      },
    },
    {
      id: 'jsse_17',
      command: (port) => [JAVA, ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-cp', dir, 'SimClient', String(port), DOMAIN]],
      parse: (out) => parseOkFail(out, protocolName),
    },
    {
      id: 'go_1_19',
      command: (port) => [join(dir, 'sim-client-go'), [String(port), DOMAIN]],
      parse: (out) => parseOkFail(out, (v) => VERSION_NAMES[Number(v)] ?? v),
    },
    {
      id: 'python_3_11_ssl',
      command: (port) => [PYTHON, ['-c', PYTHON_CLIENT, String(port), DOMAIN]],
      parse: (out) => parseOkFail(out, protocolName),
    },
  ];
}

/** The client's run, stdin closed, through a fresh relay to the server's XMPP port. */
async function runClient(client: RealClient, xmppPort: number): Promise<{ printed: Printed; wire: Wire; relayError: string | null; output: string }> {
  const relay = await startRelay(xmppPort);
  try {
    const [cmd, args] = client.command(relay.port);
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(cmd, args, { timeout: 15_000, ...(client.env ? { env: client.env } : {}) }, (err, stdout, stderr) => {
        if (err?.killed) return reject(new Error(`${client.id} did not finish: ${stdout}\n${stderr}`));
        resolve(`${stdout}\n${stderr}`);
      });
      child.stdin?.end();
    });
    const conn = relay.connections[0];
    return {
      printed: client.parse(output),
      wire: readWire(Buffer.concat(conn?.fromServer ?? [])),
      relayError: conn ? conn.error : 'the client never connected',
      output,
    };
  } finally {
    await relay.close();
  }
}

/** The client's outcome: its own words, completed from the wire where it does not print a value. */
function realOutcome(printed: Printed, wire: Wire): Outcome {
  if (!printed.connects) return { connects: false, protocol: null, suite: null, group: null, why: printed.why };
  const sh = wire.serverHello;
  const fromWire = [printed.protocol === null ? 'protocol' : '', printed.suite === null ? 'suite' : '', printed.group === undefined ? 'group' : ''].filter(
    Boolean,
  );
  return {
    fromWire,
    connects: true,
    protocol: printed.protocol ?? (sh ? (VERSION_NAMES[sh.selectedVersion] ?? null) : null),
    suite: printed.suite ?? (sh ? (cipherSuiteByCode(sh.cipherSuite)?.name ?? null) : null),
    group: printed.group !== undefined ? printed.group : wire.group,
    why: null,
  };
}

// ---------------------------------------------------------------------------------------------
// The servers

interface XmppServer {
  /** XMPP c2s STARTTLS port. */
  port: number;
  stop(): Promise<void>;
}

interface ServerCase {
  id: string;
  name: string;
  start(dir: string): Promise<XmppServer>;
  /** What every real client that connects must get here: guards against a server that did not start as meant. */
  meant: { what: string; check: (o: Outcome) => boolean };
  /**
   * And what it must do with a hello made for it: `openssl s_client` (through the relay, with
   * LEGACY_OPENSSL_CONF so that the client side allows everything) with these arguments, and what
   * it must get, as row() writes it.
   */
  confirm: { args: string[]; expect: string };
}

async function prosodyHosts(dir: string, name: string) {
  const leaf = await createLeaf(null, { dns: [DOMAIN], selfSigned: true });
  const sub = await mkdtemp(join(dir, `${name}-`));
  return [{ domain: DOMAIN, ...(await writePemFiles(sub, DOMAIN, leaf)) }];
}

const fromProsody = (p: ProsodyInstance): XmppServer => ({ port: p.ports.c2s, stop: () => p.stop() });
const fronted = async (s: TlsStackServer): Promise<XmppServer> => {
  let front: StarttlsFront;
  try {
    front = await startStarttlsFront(s.port);
  } catch (err) {
    await s.stop();
    throw err;
  }
  return { port: front.port, stop: async () => Promise.all([front.stop(), s.stop()]).then(() => undefined) };
};
const fromJsse = (j: JsseServer): XmppServer => ({ port: j.starttlsPort, stop: () => j.stop() });

const SERVERS: ServerCase[] = [
  {
    id: 'prosody-modern',
    name: 'Prosody 0.12, default TLS',
    start: async (dir) => fromProsody(await startProsody({ hosts: await prosodyHosts(dir, 'modern'), directTls: false })),
    meant: { what: 'TLS 1.2 or 1.3', check: (o) => o.protocol === 'TLSv1.2' || o.protocol === 'TLSv1.3' },
    confirm: { args: ['-tls1_1', '-cipher', 'ALL:@SECLEVEL=0'], expect: 'fails' },
  },
  {
    id: 'prosody-tls13',
    name: 'Prosody, TLS 1.3 only (tlsv1_3+)',
    start: async (dir) => fromProsody(await startProsody({ hosts: await prosodyHosts(dir, 'tls13'), directTls: false, ssl: { protocol: 'tlsv1_3+' } })),
    meant: { what: 'TLS 1.3', check: (o) => o.protocol === 'TLSv1.3' },
    confirm: { args: ['-tls1_2'], expect: 'fails' },
  },
  {
    id: 'prosody-legacy',
    name: 'Prosody legacy (TLS 1.0+, ALL:COMPLEMENTOFALL, DH 1024)',
    start: async (dir) => {
      const sub = await mkdtemp(join(dir, 'legacy-conf-'));
      const opensslConf = join(sub, 'openssl-legacy.cnf');
      await writeFile(opensslConf, LEGACY_OPENSSL_CONF);
      const dhparam = await writeDhParams(sub, 'node:modp2'); // 1024 bits
      return fromProsody(
        await startProsody({
          hosts: await prosodyHosts(dir, 'legacy'),
          directTls: false,
          opensslConf,
          ssl: { protocol: 'tlsv1+', ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0', dhparam },
        }),
      );
    },
    meant: { what: 'TLS 1.3 (what every client here prefers)', check: (o) => o.protocol === 'TLSv1.3' },
    confirm: { args: ['-tls1', '-cipher', 'DHE-RSA-AES128-SHA:@SECLEVEL=0'], expect: 'TLSv1.0 TLS_DHE_RSA_WITH_AES_128_CBC_SHA DH 1024' },
  },
  {
    id: 'jsse-legacy',
    name: 'JSSE legacy (SSLv3 + TLS 1.0, old suites, DH 1024)',
    start: async () =>
      fromJsse(
        await startJsseServer({
          domain: DOMAIN,
          protocols: ['SSLv3', 'TLSv1'],
          // In the server's order of preference.
          cipherSuites: [
            'SSL_RSA_WITH_RC4_128_MD5',
            'SSL_RSA_WITH_RC4_128_SHA',
            'SSL_RSA_WITH_DES_CBC_SHA',
            'SSL_RSA_WITH_3DES_EDE_CBC_SHA',
            'SSL_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
            'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
            'TLS_RSA_WITH_AES_128_CBC_SHA',
            // Last: for s_client's probe of the DH size (Debian's OpenSSL 3 has no 3DES suites at all).
            'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
          ],
          ephemeralDhKeySize: 1024,
        }),
      ),
    meant: { what: 'SSLv3 or TLS 1.0', check: (o) => o.protocol === 'SSLv3' || o.protocol === 'TLSv1.0' },
    confirm: { args: ['-tls1', '-cipher', 'DHE-RSA-AES128-SHA:@SECLEVEL=0'], expect: 'TLSv1.0 TLS_DHE_RSA_WITH_AES_128_CBC_SHA DH 1024' },
  },
  {
    id: 'erlang-chacha',
    name: 'Erlang/OTP ssl (ejabberd’s TLS), ChaCha20 only, TLS 1.2 + 1.3',
    start: async () =>
      fronted(
        await startErlang({
          versions: ['tlsv1.3', 'tlsv1.2'],
          ciphers: ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
        }),
      ),
    meant: { what: 'a ChaCha20 suite', check: (o) => o.suite?.includes('CHACHA20') === true },
    confirm: { args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA'], expect: 'fails' },
  },
  {
    id: 'gnutls-x25519',
    name: 'gnutls-serv, x25519 the only group',
    start: async () => fronted(await startGnutls('NORMAL:-GROUP-ALL:+GROUP-X25519')),
    meant: { what: 'x25519', check: (o) => o.group === 'x25519' },
    confirm: { args: ['-groups', 'P-256:P-384:ffdhe2048'], expect: 'fails' },
  },
];

/**
 * Rows where the real client and the simulation are known to differ, because the client has a
 * policy its hello cannot show: `${client} × ${server}` → both verdicts as row() writes them, and
 * why. None so far: on these servers every client's behaviour follows from its hello and `accepts`
 * (OpenSSL's and Python's refusal of a TLS 1.0 ECDHE key exchange signed with MD5+SHA-1 included,
 * which simulate.ts derives from the SHA-1-less signature_algorithms of their hello).
 */
const KNOWN: Record<string, { real: string; simulated: string; why: string }> = {};

// ---------------------------------------------------------------------------------------------
// Hello capture: the hello each client sends as run here, against its registry profile

/** Where the captured hello differs from the profile's (server_name, key_share keys and padding length aside). */
function helloDifferences(profile: ClientProfile, bytes: Buffer): string[] {
  const h = parseClientHelloRecords(bytes);
  const ch = profile.clientHello;
  const diffs: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${what}: sent ${JSON.stringify(a)}, profile ${JSON.stringify(b)}`);
  };
  if (!ext(h, 0)?.includes(Buffer.from(DOMAIN))) diffs.push(`no SNI ${DOMAIN}`);
  same('legacy_version', h.clientVersion, ch.legacyVersion);
  same('record version', h.recordVersions[0], ch.recordVersion);
  same('cipher suites', h.cipherSuites, ch.cipherSuites);
  same('compression', h.compressionMethods, ch.compressionMethods);
  const exts = h.extensions ?? [];
  same(
    'extensions',
    exts.map(([t]) => t),
    ch.extensions.map((e) => e.type),
  );
  const keyShareShape = (data: Buffer) => {
    const out: string[] = [];
    for (let i = 2; i + 4 <= data.length; ) {
      const len = data.readUInt16BE(i + 2);
      out.push(`${data.readUInt16BE(i)}/${len}`);
      i += 4 + len;
    }
    return out;
  };
  for (const e of ch.extensions) {
    const sent = ext(h, e.type);
    if (sent === undefined || e.type === 0 || e.type === 21) continue;
    if (e.type === 51) same('key_share groups/lengths', keyShareShape(sent), keyShareShape(Buffer.from(e.data, 'hex')));
    else same(`extension ${e.name}`, sent.toString('hex'), e.data);
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------

/** Runs `jobs` with at most `n` at once (the scan's own mapLimit), results in order. */
const pool = <T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> => mapLimit(jobs, n, (job) => job());

interface Row {
  client: ClientId;
  server: ServerCase;
  real: Outcome;
  sim: Outcome;
  /** The client's own values and the ServerHello it got disagree (a relay or parsing fault). */
  wireMismatch: string | null;
  output: string;
}

const key = (r: Pick<Row, 'client' | 'server'>) => `${r.client} × ${r.server.id}`;

describe('handshake simulation of every captured client against real servers', () => {
  let dir: string;
  const servers = new Map<string, XmppServer>();
  const captures = new Map<ClientId, string[]>();
  const confirmed = new Map<string, Outcome>();
  const rows: Row[] = [];
  let profiles: ClientProfile[];

  beforeAll(async () => {
    needTool(OPENSSL_PATH, 'openssl');
    needTool(GNUTLS_CLI, 'gnutls-bin');
    needTool(TSTCLNT, 'libnss3-tools');
    needTool(JAVAC, 'default-jdk-headless');
    needTool(GO, 'golang-go');
    needTool(PYTHON, 'python3');
    needTool(PROSODY_PATH, 'prosody');
    profiles = CLIENT_IDS.map((id) => {
      const p = CLIENT_PROFILES.find((x) => x.id === id);
      if (!p) throw new Error(`no registry profile ${id}`);
      return p;
    });
    const started = Date.now();
    dir = await mkdtemp(join(tmpdir(), 'xte-simclients-'));
    // The servers, the Java and the Go clients, all at once.
    const goEnv = { ...process.env, HOME: dir, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GO111MODULE: 'off', GOFLAGS: '' };
    await writeFile(join(dir, 'SimClient.java'), JAVA_CLIENT);
    await writeFile(join(dir, 'sim-client.go'), GO_CLIENT);
    const settled = await Promise.allSettled([
      ...SERVERS.map(async (s) => servers.set(s.id, await s.start(dir))),
      execFileP(JAVAC, ['-d', dir, join(dir, 'SimClient.java')]),
      execFileP(GO, ['build', '-o', join(dir, 'sim-client-go'), join(dir, 'sim-client.go')], { cwd: dir, env: goEnv, timeout: 180_000 }),
    ]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const clients = makeClients(dir);
    const legacyConf = join(dir, 'openssl-legacy.cnf');
    await writeFile(legacyConf, LEGACY_OPENSSL_CONF);
    const setUp = Date.now();

    // Each client's hello as run here, through the same relay, to a STARTTLS front that only reads it.
    await pool(
      clients.map((c) => async () => {
        const capture = await startHelloCapture();
        const front = await startStarttlsFront(capture.port);
        try {
          const run = runClient(c, front.port);
          // The hello, or the client ended (or failed) without sending one.
          const gaveUp = run.then(
            () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the client ended without a ClientHello')), 2000)),
            (err: Error) => Promise.reject(err),
          );
          try {
            captures.set(c.id, helloDifferences(profiles[CLIENT_IDS.indexOf(c.id)] as ClientProfile, await Promise.race([capture.hello, gaveUp])));
          } catch (err) {
            captures.set(c.id, [`no hello captured: ${(err as Error).message}`]);
          }
          gaveUp.catch(() => {});
          await run.catch(() => {});
        } finally {
          capture.close();
          await front.stop();
        }
      }),
      CONCURRENCY,
    );

    // The simulation: all six profiles per server; the real clients: one run per client and server.
    const simulations = new Map<string, SimulationResult[]>();
    const jobs = [
      ...SERVERS.map((s) => async () => {
        const probe: RealClient = {
          id: 'openssl_3_0',
          command: (port) => [OPENSSL_PATH, ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', DOMAIN, '-brief', ...s.confirm.args]],
          parse: parseSClient,
          env: { ...process.env, OPENSSL_CONF: legacyConf },
        };
        const { printed, wire } = await runClient(probe, (servers.get(s.id) as XmppServer).port);
        confirmed.set(s.id, realOutcome(printed, wire));
      }),
      ...SERVERS.map((s) => async () => {
        const port = (servers.get(s.id) as XmppServer).port;
        simulations.set(
          s.id,
          await simulateHandshakes({
            openSocket: async () => (await openTlsReadySocket(target(port))).socket,
            serverName: DOMAIN,
            profiles,
            directTls: false,
            mode: 'c2s',
            maxConnections: 3,
            delayMs: 0,
            probeTimeoutMs: 5000,
          }),
        );
      }),
      ...SERVERS.flatMap((s) =>
        clients.map((c) => async () => {
          const { printed, wire, relayError, output } = await runClient(c, (servers.get(s.id) as XmppServer).port);
          if (relayError) throw new Error(`${c.id} × ${s.id}: the relay could not do STARTTLS: ${relayError}`);
          const real = realOutcome(printed, wire);
          const sh = wire.serverHello;
          let wireMismatch: string | null = null;
          if (printed.connects && sh) {
            const wireProtocol = VERSION_NAMES[sh.selectedVersion];
            const wireSuite = cipherSuiteByCode(sh.cipherSuite)?.name;
            if ((printed.protocol !== null && printed.protocol !== wireProtocol) || (printed.suite !== null && printed.suite !== wireSuite)) {
              wireMismatch = `printed ${printed.protocol} ${printed.suite}, ServerHello ${wireProtocol} ${wireSuite}`;
            }
          } else if (printed.connects) wireMismatch = 'connected, but the relay saw no ServerHello';
          if (!printed.connects && wire.alert) real.why = `${real.why} (server alert: ${wire.alert})`;
          rows.push({ client: c.id, server: s, real, sim: NOT_RUN, wireMismatch, output });
        }),
      ),
    ];
    await pool(jobs, CONCURRENCY);
    for (const r of rows) {
      const res = simulations.get(r.server.id)?.[CLIENT_IDS.indexOf(r.client)];
      if (res) r.sim = simulated(res);
    }
    rows.sort((a, b) => SERVERS.indexOf(a.server) - SERVERS.indexOf(b.server) || CLIENT_IDS.indexOf(a.client) - CLIENT_IDS.indexOf(b.client));

    const lines = rows.map((r) => {
      const agree = row(r.real) === row(r.sim);
      const mark = agree ? 'agree' : KNOWN[key(r)] ? 'KNOWN' : 'DIFFER';
      const whys = [
        !r.real.connects && r.real.why ? `real: ${r.real.why}` : '',
        !r.sim.connects && r.sim.why ? `simulated: ${r.sim.why}` : '',
        KNOWN[key(r)] ? `known: ${KNOWN[key(r)]?.why}` : '',
        // A new difference: what the client said, to find out why.
        mark === 'DIFFER' ? `client output: ${r.output.trim().split('\n').slice(-6).join(' | ')}` : '',
      ].filter(Boolean);
      return [
        `${mark.padEnd(7)}${r.client.padEnd(16)}× ${r.server.id.padEnd(15)}`,
        `real: ${row(r.real)}${r.real.fromWire?.length ? ` (${r.real.fromWire.join('+')}: wire)` : ''}`.padEnd(78),
        `simulated: ${row(r.sim)}`,
        ...whys.map((w) => `\n${' '.repeat(40)}${w}`),
      ].join(' ');
    });
    const captureLines = CLIENT_IDS.map(
      (id) => `${id.padEnd(16)} hello as run here vs profile: ${(captures.get(id) ?? ['not captured']).join('; ') || 'same'}`,
    );
    console.log(
      [
        `real client × server → real / simulated (STARTTLS c2s, SNI ${DOMAIN}); set-up ${((setUp - started) / 1000).toFixed(1)} s, rows ${((Date.now() - setUp) / 1000).toFixed(1)} s`,
        ...SERVERS.map(
          (s) =>
            `  ${s.id}: ${s.name}; s_client ${s.confirm.args.join(' ')}: ${row(confirmed.get(s.id) ?? NOT_RUN)}${confirmed.get(s.id)?.why ? ` (${confirmed.get(s.id)?.why})` : ''}`,
        ),
        ...captureLines,
        ...lines,
        `${rows.filter((r) => row(r.real) === row(r.sim)).length} of ${rows.length} rows agree`,
      ].join('\n'),
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('each client, as run here, sends its registry profile’s hello (the no-verification options change nothing)', () => {
    expect(Object.fromEntries(CLIENT_IDS.map((id) => [id, captures.get(id)]))).toEqual(Object.fromEntries(CLIENT_IDS.map((id) => [id, []])));
  });

  test('every client × server row ran, and what the clients print matches the ServerHello they got', () => {
    expect(rows).toHaveLength(CLIENT_IDS.length * SERVERS.length);
    expect(rows.filter((r) => r.wireMismatch).map((r) => `${key(r)}: ${r.wireMismatch}`)).toEqual([]);
  });

  test('every server is what its case means: each client that connects gets it, and s_client’s probe gets what it must', () => {
    const off = rows.filter((r) => r.real.connects && !r.server.meant.check(r.real));
    expect(off.map((r) => `${key(r)}: ${row(r.real)} (meant: ${r.server.meant.what})`)).toEqual([]);
    expect(SERVERS.map((s) => `${s.id} s_client ${s.confirm.args.join(' ')}: ${row(confirmed.get(s.id) ?? NOT_RUN)}`)).toEqual(
      SERVERS.map((s) => `${s.id} s_client ${s.confirm.args.join(' ')}: ${s.confirm.expect}`),
    );
  });

  test('the simulation agrees with the real client on every row: connects, protocol, suite, group', () => {
    // A known difference: the simulation says what KNOWN says, where the real client says otherwise.
    const expected = (r: Row) => KNOWN[key(r)]?.simulated ?? row(r.real);
    expect(rows.map((r) => `${key(r)}: ${row(r.sim)}`)).toEqual(rows.map((r) => `${key(r)}: ${expected(r)}`));
  });

  test('each known difference is still there, as documented', () => {
    const known = rows.filter((r) => KNOWN[key(r)]);
    expect(known.map((r) => `${key(r)}: ${row(r.real)}`)).toEqual(known.map((r) => `${key(r)}: ${KNOWN[key(r)]?.real}`));
    expect(Object.keys(KNOWN).filter((k) => !rows.some((r) => key(r) === k))).toEqual([]);
  });
});
