// A DNSSEC lab on 127.0.0.1: a real authoritative NSD serving zones signed at start with
// ldns-signzone, a validating Unbound that trusts exactly those zones' keys (no root anchor, no
// internet), and a second Unbound that resolves the same zones but never validates (never sets AD).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';
import { freeUdpPort } from './dnsmasq.js';
import { waitForPort } from './processes.mjs';
import { needTool } from './tools.js';

export const NSD_PATH = '/usr/sbin/nsd';
export const UNBOUND_PATH = '/usr/sbin/unbound';
export const UNBOUND_CONTROL_PATH = '/usr/sbin/unbound-control';
export const LDNS_KEYGEN_PATH = '/usr/bin/ldns-keygen';
export const LDNS_SIGNZONE_PATH = '/usr/bin/ldns-signzone';

export interface LabZone {
  /** e.g. 'secure.test' (no trailing dot). */
  name: string;
  /**
   * Zone-file lines, owner names relative to the zone or absolute (with the dot), e.g.
   * '_xmpp-client._tcp IN SRV 0 0 5222 xmpp', 'xmpp IN A 127.0.0.1',
   * '_5222._tcp.xmpp IN TLSA 3 1 1 ab…'. The harness adds $TTL 300, the SOA, `@ NS ns` and `ns A 127.0.0.1`.
   */
  records: string[];
  /**
   * 'secure': signed, its key is a trust anchor of the validating resolver (answers have AD).
   * 'unsigned': no signatures, no anchor (insecure: NOERROR without AD).
   * 'expired': signed with RRSIGs whose validity ended 30 days ago, anchor given (bogus: SERVFAIL,
   * EDE 7 "Signature Expired"; with CD the records and their RRSIGs come back).
   */
  signing: 'secure' | 'unsigned' | 'expired';
}

export interface DnssecLab {
  /** "127.0.0.1:PORT" of the validating Unbound. */
  resolver: string;
  /** "127.0.0.1:PORT" of an Unbound with module-config "iterator": same answers, never AD. */
  nonValidatingResolver: string;
  /** "127.0.0.1:PORT" of NSD: authoritative answers (AA, RRSIGs when DO is set), no recursion. */
  authoritative: string;
  /** Replaces a zone's records, re-signs it, waits until NSD serves the new serial, then flushes both Unbounds' caches for it. */
  updateZone(name: string, records: string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface QueryOptions {
  /** Set CD (Checking Disabled): a validating resolver answers even bogus data, unvalidated. */
  checkingDisabled?: boolean;
  /** Set RD; default true (false for the authoritative server makes no difference to NSD). */
  recursionDesired?: boolean;
  timeoutMs?: number;
}

const START_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 5;
const TTL = 300;
const DAY_S = 86_400;

const run = promisify(execFile);

/** One UDP query with EDNS0 and the DO bit (so RRSIGs come back), decoded. Rejects on timeout or truncation. */
export function queryDns(server: string, name: string, type: packet.RecordType, options: QueryOptions = {}): Promise<packet.DecodedPacket> {
  const [host, port] = splitServer(server);
  const id = Math.floor(Math.random() * 65536);
  let flags = (options.recursionDesired ?? true) ? packet.RECURSION_DESIRED : 0;
  if (options.checkingDisabled) flags |= packet.CHECKING_DISABLED;
  const query = packet.encode({
    type: 'query',
    id,
    flags,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK } as packet.Answer],
  });
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const done = (err: Error | null, answer?: packet.DecodedPacket): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => done(new Error(`no answer from ${server} for ${name} ${type} within ${options.timeoutMs ?? 2000} ms`)),
      options.timeoutMs ?? 2000,
    );
    socket.on('error', (err) => done(err));
    socket.on('message', (message) => {
      let answer: packet.DecodedPacket;
      try {
        answer = packet.decode(message);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (answer.id !== id) return; // a late answer to an earlier query on a reused port
      if (answer.flag_tc) done(new Error(`truncated answer from ${server} for ${name} ${type}`));
      else done(null, answer);
    });
    socket.send(query, port, host);
  });
}

/** The answer's rcode ("NOERROR", "SERVFAIL", …); dns-packet has it but its types do not. */
export function rcodeOf(answer: packet.DecodedPacket): string {
  return (answer as packet.DecodedPacket & { rcode: string }).rcode;
}

/** RFC 8914 Extended DNS Errors in the answer's OPT record, e.g. [{ code: 7, text: '…' }]. */
export function extendedErrors(answer: packet.DecodedPacket): { code: number; text: string }[] {
  const opt = answer.additionals?.find((r): r is packet.OptAnswer => r.type === 'OPT');
  return (opt?.options ?? [])
    .filter((o) => (o.code as number) === 15 && o.data !== undefined && o.data.length >= 2)
    .map((o) => ({ code: o.data!.readUInt16BE(0), text: o.data!.subarray(2).toString('utf8') }));
}

function splitServer(server: string): [string, number] {
  const colon = server.lastIndexOf(':');
  return [server.slice(0, colon), Number(server.slice(colon + 1))];
}

interface ZoneState {
  name: string;
  signing: LabZone['signing'];
  records: string[];
  serial: number;
  /** ldns-keygen's base name (K<zone>.+013+<tag>), absent for 'unsigned'. */
  key?: string;
  /** What NSD reads: the signed file, or the plain one for 'unsigned'. */
  servedFile: string;
  mtimeMs: number;
}

function zoneText(zone: ZoneState): string {
  return [
    `$ORIGIN ${zone.name}.`,
    `$TTL ${TTL}`,
    `@ IN SOA ns hostmaster ${zone.serial} 3600 600 86400 ${TTL}`,
    '@ IN NS ns',
    'ns IN A 127.0.0.1',
    ...zone.records,
    '',
  ].join('\n');
}

/** Writes (and signs) the zone. The mtime is forced forward: NSD's SIGHUP reloads only files whose mtime changed. */
async function writeZone(dir: string, zone: ZoneState): Promise<void> {
  const plain = join(dir, `${zone.name}.zone`);
  await writeFile(plain, zoneText(zone));
  if (zone.key !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    // Unbound forgives up to a day of clock skew (val-sig-skew-max), so both windows keep well clear of now.
    const [inception, expiration] = zone.signing === 'expired' ? [now - 60 * DAY_S, now - 30 * DAY_S] : [now - DAY_S, now + 30 * DAY_S];
    await run(LDNS_SIGNZONE_PATH, ['-i', String(inception), '-e', String(expiration), '-o', `${zone.name}.`, '-f', zone.servedFile, plain, zone.key], {
      cwd: dir,
    });
  }
  const mtime = (await stat(zone.servedFile)).mtimeMs;
  if (mtime <= zone.mtimeMs) {
    const forward = new Date(zone.mtimeMs + 1000);
    await utimes(zone.servedFile, forward, forward);
    zone.mtimeMs += 1000;
  } else {
    zone.mtimeMs = mtime;
  }
}

/** A key pair per signed zone, one key (flags 257) signing everything: a KSK/ZSK split would prove nothing more here. */
async function generateKey(dir: string, name: string): Promise<{ key: string; trustAnchor: string }> {
  const { stdout } = await run(LDNS_KEYGEN_PATH, ['-a', 'ECDSAP256SHA256', '-k', name], { cwd: dir });
  const key = stdout.trim();
  const ds = (await readFile(join(dir, `${key}.ds`), 'utf8')).trim().split(/\s+/).join(' '); // "name. IN DS tag 13 2 hex"
  return { key, trustAnchor: ds };
}

function nsdConfig(dir: string, port: number, zones: ZoneState[]): string {
  return [
    'server:',
    '  ip-address: 127.0.0.1',
    `  port: ${port}`,
    '  do-ip6: no',
    '  server-count: 1',
    '  reuseport: no', // else a second server that got the same "free" port would share it silently
    '  database: ""', // no nsd.db: zone files are read directly
    `  zonesdir: "${dir}"`,
    `  zonelistfile: "${join(dir, 'zone.list')}"`,
    `  pidfile: "${join(dir, 'nsd.pid')}"`,
    `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
    `  xfrdir: "${dir}"`,
    `  logfile: "${join(dir, 'nsd.log')}"`,
    '  username: ""', // stay the user we are (root in CI would otherwise switch to "nsd")
    '  chroot: ""',
    '  verbosity: 1',
    'remote-control:',
    '  control-enable: no',
    ...zones.flatMap((z) => ['zone:', `  name: "${z.name}"`, `  zonefile: "${z.servedFile}"`]),
    '',
  ].join('\n');
}

function unboundConfig(dir: string, port: number, nsdPort: number, zones: ZoneState[], trustAnchors: string[], validating: boolean): string {
  return [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${port}`,
    '  do-ip6: no',
    '  so-reuseport: no', // on by default: two Unbounds given the same "free" port would split its queries
    '  num-threads: 1',
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${join(dir, 'unbound.pid')}"`,
    '  use-syslog: no',
    '  logfile: ""', // stderr, kept for the error messages
    '  verbosity: 1',
    '  val-log-level: 2', // a bogus answer logs why
    '  ede: yes', // RFC 8914 Extended DNS Errors on bogus answers (Unbound >= 1.16)
    '  do-not-query-localhost: no', // NSD is on 127.0.0.1
    '  trust-anchor-signaling: no',
    '  root-key-sentinel: no',
    `  module-config: "${validating ? 'validator iterator' : 'iterator'}"`,
    // No root anchor and no internet: everything outside the lab is REFUSED at once, not timed out.
    // "test." is one of Unbound's default (NXDOMAIN) local zones; the lab zones are carved out of both.
    '  local-zone: "." refuse',
    '  local-zone: "test." nodefault',
    ...zones.map((z) => `  local-zone: "${z.name}." transparent`),
    ...(validating ? trustAnchors.map((a) => `  trust-anchor: "${a}"`) : []),
    'remote-control:', // a Unix socket needs no TLS keys: unbound-control flush_zone after updateZone
    '  control-enable: yes',
    `  control-interface: "${join(dir, 'unbound.ctl')}"`,
    ...zones.flatMap((z) => ['stub-zone:', `  name: "${z.name}."`, `  stub-addr: 127.0.0.1@${nsdPort}`]),
    '',
  ].join('\n');
}

interface Daemon {
  child: ChildProcess;
  port: number;
  server: string;
  /** The daemon's log so far: its stderr, then its log file (NSD's) if it has one. */
  log(): Promise<string>;
  alive(): boolean;
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM to the process group (NSD forks xfrd and a server process), SIGKILL after 3 s. */
async function stopDaemon(daemon: Daemon): Promise<void> {
  const { child } = daemon;
  if (exited(child)) return;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is already gone
    }
  };
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal('SIGTERM');
  const force = setTimeout(() => signal('SIGKILL'), 3000);
  await gone;
  clearTimeout(force);
  signal('SIGKILL'); // a forked child the main process left behind
}

function spawnDaemon(path: string, config: string, port: number, logFile?: string): Daemon {
  // Own process group (detached), so stopDaemon() reaches NSD's forked children too.
  const child = spawn(path, ['-d', '-c', config], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  child.on('error', (err) => {
    stderr += `\n${err.message}`;
  });
  return {
    child,
    port,
    server: `127.0.0.1:${port}`,
    alive: () => !exited(child),
    log: async () => stderr + (logFile === undefined ? '' : await readFile(logFile, 'utf8').catch(() => '')),
  };
}

/** Starts a daemon on a free port, retrying with another one when it dies at start (most likely the port was taken meanwhile). */
async function startDaemon(name: string, start: (port: number) => Promise<Daemon>, ready: (daemon: Daemon) => Promise<void>): Promise<Daemon> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const daemon = await start(await freeUdpPort());
    try {
      await waitForPort(daemon.port, '127.0.0.1', START_TIMEOUT_MS, daemon.alive);
      await ready(daemon);
      return daemon;
    } catch (err) {
      const log = (await daemon.log()).slice(-8000);
      await stopDaemon(daemon);
      lastError = new Error(`${name} did not start on port ${daemon.port}: ${(err as Error).message}\n${log}`);
      if (err instanceof ZoneRejected) break;
    }
  }
  throw lastError;
}

/** NSD loaded a zone file with errors: it will never serve that zone, and another port will not help. */
class ZoneRejected extends Error {}

/** Resolves once NSD serves every zone at its current serial (authoritative, NOERROR). `logFrom`: where this load's log lines start. */
async function waitForSerials(nsd: Daemon, zones: ZoneState[], logFrom = 0): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const zone of zones) {
    for (;;) {
      if (!nsd.alive()) throw new Error('NSD exited');
      const answer = await queryDns(nsd.server, zone.name, 'SOA', { recursionDesired: false, timeoutMs: 500 }).catch(() => null);
      const soa = answer?.answers?.find((r): r is packet.SoaAnswer => r.type === 'SOA');
      if (answer && rcodeOf(answer) === 'NOERROR' && answer.flag_aa && soa?.data.serial === zone.serial) break;
      // NSD logs a zone file it rejects, and never serves it: fail now rather than at the deadline.
      if (/error: zone .* read with \d+ errors/.test((await nsd.log()).slice(logFrom))) throw new ZoneRejected(`NSD rejected a zone file (${zone.name})`);
      if (Date.now() > deadline) throw new Error(`NSD does not serve ${zone.name} serial ${zone.serial} after ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export async function startDnssecLab(zones: LabZone[]): Promise<DnssecLab> {
  needTool(NSD_PATH, 'nsd');
  needTool(UNBOUND_PATH, 'unbound');
  needTool(UNBOUND_CONTROL_PATH, 'unbound');
  needTool(LDNS_KEYGEN_PATH, 'ldnsutils');
  needTool(LDNS_SIGNZONE_PATH, 'ldnsutils');
  if (zones.length === 0) throw new Error('a DNSSEC lab needs at least one zone');

  const dir = await mkdtemp(join(tmpdir(), 'dnssec-lab-'));
  const daemons: Daemon[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all(daemons.map(stopDaemon)).then(() => rm(dir, { recursive: true, force: true }));
    return stopping;
  };
  try {
    const zoneDir = join(dir, 'zones');
    await mkdir(zoneDir);
    const trustAnchors: string[] = [];
    const states = await Promise.all(
      zones.map(async (z): Promise<ZoneState> => {
        const name = z.name.replace(/\.$/, '').toLowerCase();
        const state: ZoneState = { name, signing: z.signing, records: [...z.records], serial: 1, servedFile: join(zoneDir, `${name}.zone`), mtimeMs: 0 };
        if (z.signing !== 'unsigned') {
          const { key, trustAnchor } = await generateKey(zoneDir, name);
          state.key = key;
          state.servedFile = join(zoneDir, `${name}.zone.signed`);
          trustAnchors.push(trustAnchor);
        }
        await writeZone(zoneDir, state);
        return state;
      }),
    );

    const nsdDir = join(dir, 'nsd');
    await mkdir(nsdDir);
    const nsd = await startDaemon(
      'NSD',
      async (port) => {
        const config = join(nsdDir, 'nsd.conf');
        await writeFile(config, nsdConfig(nsdDir, port, states));
        await rm(join(nsdDir, 'nsd.log'), { force: true }); // this attempt's log only
        return spawnDaemon(NSD_PATH, config, port, join(nsdDir, 'nsd.log'));
      },
      (daemon) => waitForSerials(daemon, states),
    );
    daemons.push(nsd);

    const startUnbound = (validating: boolean): Promise<Daemon> => {
      const unboundDir = join(dir, validating ? 'unbound' : 'unbound-iterator');
      return startDaemon(
        validating ? 'Unbound' : 'Unbound (iterator only)',
        async (port) => {
          await mkdir(unboundDir, { recursive: true });
          await writeFile(join(unboundDir, 'unbound.conf'), unboundConfig(unboundDir, port, nsd.port, states, trustAnchors, validating));
          return spawnDaemon(UNBOUND_PATH, join(unboundDir, 'unbound.conf'), port);
        },
        async (daemon) => {
          // Through to NSD and back: CD so that even an 'expired' first zone answers NOERROR.
          const answer = await queryDns(daemon.server, states[0]!.name, 'SOA', { checkingDisabled: true });
          if (rcodeOf(answer) !== 'NOERROR') throw new Error(`SOA ${states[0]!.name}: ${rcodeOf(answer)}`);
        },
      );
    };
    // allSettled: when one fails, the other must be running (and in `daemons`) before stop().
    const unbounds = await Promise.allSettled([startUnbound(true), startUnbound(false)]);
    for (const u of unbounds) if (u.status === 'fulfilled') daemons.push(u.value);
    for (const u of unbounds) if (u.status === 'rejected') throw u.reason;
    const [validator, iterator] = daemons.slice(1) as [Daemon, Daemon];
    const unboundConfigs = [join(dir, 'unbound', 'unbound.conf'), join(dir, 'unbound-iterator', 'unbound.conf')];

    return {
      resolver: validator.server,
      nonValidatingResolver: iterator.server,
      authoritative: nsd.server,
      async updateZone(name, records) {
        const zone = states.find((z) => z.name === name.replace(/\.$/, '').toLowerCase());
        if (zone === undefined) throw new Error(`${name} is not a zone of this lab`);
        zone.records = [...records];
        zone.serial++;
        await writeZone(zoneDir, zone);
        const logFrom = (await nsd.log()).length;
        nsd.child.kill('SIGHUP'); // NSD re-reads the zone files whose mtime changed
        try {
          await waitForSerials(nsd, [zone], logFrom);
        } catch (err) {
          throw new Error(`${(err as Error).message}\n${(await nsd.log()).slice(logFrom).slice(-8000)}`);
        }
        // Records, messages and (validator) key entries at or below the zone.
        await Promise.all(unboundConfigs.map((config) => run(UNBOUND_CONTROL_PATH, ['-c', config, 'flush_zone', zone.name])));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
