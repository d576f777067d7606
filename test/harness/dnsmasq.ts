// Starts a private dnsmasq on 127.0.0.1 and a free high port, serving exactly the records a test
// gives it. Nothing is forwarded anywhere (except to a dead local port, for `unresponsive`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './processes.mjs';

export const DNSMASQ_PATH = '/usr/sbin/dnsmasq';

export interface SrvHostRecord {
  /** Full owner name, e.g. `_xmpp-client._tcp.example.test`. */
  service: string;
  /** Omitted or '.': the RFC 2782 "decidedly not available" record. */
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
}

export interface HostRecord {
  name: string;
  /** IPv4 and/or IPv6 addresses; every one is served (one --host-record each). */
  addresses: string[];
}

export interface DnsmasqOptions {
  srv?: SrvHostRecord[];
  hosts?: HostRecord[];
  /** Domains answered only from the records above: NXDOMAIN / NODATA otherwise. Default ['test']. */
  local?: string[];
  /** Domains whose queries are answered REFUSED (a DNS failure that comes back at once). */
  refuse?: string[];
  /** Domains forwarded to a dead local port: no answer ever, the client times out. */
  unresponsive?: string[];
  /** Port to listen on; default: a free one. */
  port?: number;
}

export interface DnsmasqInstance {
  port: number;
  address: '127.0.0.1';
  /** "127.0.0.1:PORT", as DiscoveryOptions.resolver takes it. */
  server: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 5;

/** A UDP port that was free a moment ago (the kernel picks it). dnsmasq may still lose a race: we retry. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function srvArgument(r: SrvHostRecord): string {
  if (r.target === undefined || r.target === '.') return `--srv-host=${r.service}`; // empty target = "."
  return `--srv-host=${[r.service, r.target, r.port ?? 5222, r.priority ?? 0, r.weight ?? 0].join(',')}`;
}

function dnsmasqArguments(options: DnsmasqOptions, port: number, pidFile: string, deadPort: number): string[] {
  return [
    '--keep-in-foreground', // no fork, so the child we spawn is dnsmasq and stop() can kill it
    '--conf-file=/dev/null', // ignore any /etc/dnsmasq.conf
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    `--port=${port}`,
    `--pid-file=${pidFile}`,
    '--user=root', // as root dnsmasq would otherwise switch to "nobody"; harmless when not root
    '--log-facility=-',
    '--cache-size=0',
    ...(options.local ?? ['test']).map((d) => `--local=/${d}/`),
    ...(options.refuse ?? []).map((d) => `--server=/${d}/#`), // "#" = the (absent) standard servers: REFUSED
    ...(options.unresponsive ?? []).map((d) => `--server=/${d}/127.0.0.1#${deadPort}`),
    ...(options.srv ?? []).map(srvArgument),
    ...(options.hosts ?? []).flatMap((h) => h.addresses.map((a) => `--host-record=${h.name},${a}`)),
  ];
}

/** Resolves once dnsmasq answers a query (any answer, even NXDOMAIN, proves it is up). */
async function waitUntilAnswering(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dnsmasq exited at start (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    try {
      await resolver.resolve4('dnsmasq-harness-probe.invalid');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ECONNREFUSED' && code !== 'ETIMEOUT') return;
    }
    if (Date.now() > deadline) throw new Error(`dnsmasq did not answer on port ${port} within ${START_TIMEOUT_MS} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startOnce(options: DnsmasqOptions, port: number, dir: string): Promise<DnsmasqInstance> {
  const deadPort = await freeUdpPort();
  const child = spawn(DNSMASQ_PATH, dnsmasqArguments(options, port, join(dir, 'dnsmasq.pid'), deadPort), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {}); // only matters during the race below
  try {
    await Promise.race([waitUntilAnswering(port, child, () => log), spawnError]);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { port, address: '127.0.0.1', server: `127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export async function startDnsmasq(options: DnsmasqOptions = {}): Promise<DnsmasqInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsmasq-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port === undefined ? START_ATTEMPTS : 1); attempt++) {
    try {
      const instance = await startOnce(options, options.port ?? (await freeUdpPort()), dir);
      return {
        ...instance,
        stop: async () => {
          await instance.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err; // most likely the port was taken between freeUdpPort() and dnsmasq's bind
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
