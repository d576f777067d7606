import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { abortError } from '../../result/errors.js';
import type { Mode, ProtocolName, SimulationFailure, SimulationResult } from '../../result/types.js';
import type { ClientProfile } from '../registry/client-profiles.js';
import { type CipherSuite, cipherSuiteByCode, groupByCode } from '../registry/index.js';
import {
  type HelloExtension,
  buildClientHelloFromParts,
  buildClientHelloMessageFromParts,
  keyShareFor,
  serverNameExtensionData,
  sniHostName,
} from '../wire/client-hello.js';
import { ByteReader, ByteWriter, ExtensionType, hex4 } from '../wire/index.js';
import { type ProbeAnswer, exchange } from './exchange.js';
import { ConnectionLimiter, sleep } from './limiter.js';

// Handshake simulation (issue #18): would this real client, with its default settings, connect to
// the server, and with what? For each client profile (its ClientHello as data), one fresh
// connection gets that exact hello (fresh random, our SNI, fresh key shares, ALPN for direct TLS),
// and the server's first answer is judged as that client would judge it. Two pure parts, so that
// each can be tested without sockets: helloOf (the bytes) and judge (the verdict).
//
// What the verdict rests on: the hello, `accepts` of the profile (versions, smallest DH prime),
// and the client's own lists in the hello (suites, groups, key shares, signature schemes). Nothing
// past the server's first flight is checked: no certificate validation (a chain the client would
// not trust still "connects" here), no finished handshake.

export interface SimulateOptions {
  /** A socket ready for TLS bytes, one per profile (as probeTls's openSocket). */
  openSocket: () => Promise<Socket>;
  /** SNI to put in the hello (the XMPP domain); an IP literal sends none, as real clients do. */
  serverName: string;
  profiles: readonly ClientProfile[];
  /** XEP-0368 direct TLS: the hello offers ALPN `xmpp-client` (c2s) or `xmpp-server` (s2s), replacing the profile's. */
  directTls: boolean;
  mode: Mode;
  /** Connections to this endpoint at once (≥ 1). */
  maxConnections: number;
  /** Minimum time between two connection starts, ms. */
  delayMs: number;
  /** Time for the server to answer one hello, ms. */
  probeTimeoutMs: number;
  /** Retries of a profile whose connection could not be opened or whose hello got no answer in time (default 1). */
  retries?: number;
  /** Stops the simulation: simulateHandshakes then rejects with the abort's ScanError. */
  signal?: AbortSignal;
}

/**
 * One result per profile, in profile order. Whatever the server sends (or does not) becomes a
 * result; it rejects only when `signal` aborts (with the abort's ScanError, phase tls_handshake)
 * or a profile's data is broken (a RangeError naming the profile: a bug in the registry).
 */
export async function simulateHandshakes(opts: SimulateOptions): Promise<SimulationResult[]> {
  const target: HelloTarget = { serverName: opts.serverName, directTls: opts.directTls, mode: opts.mode };
  // Every hello is built before the first connection: a broken profile fails here, not halfway through.
  const hellos = opts.profiles.map((profile) => helloOf(profile, target));
  const limiter = new ConnectionLimiter(opts.maxConnections, opts.delayMs);
  const retries = opts.retries ?? 1;
  return Promise.all(opts.profiles.map((profile, i) => simulateOne(profile, hellos[i] as SimulatedHello, target, limiter, retries, opts)));
}

async function simulateOne(
  profile: ClientProfile,
  firstHello: SimulatedHello,
  target: HelloTarget,
  limiter: ConnectionLimiter,
  retries: number,
  opts: SimulateOptions,
): Promise<SimulationResult> {
  const { signal } = opts;
  let answer: SimulationAnswer = { kind: 'timeout' };
  let hello = firstHello;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (signal?.aborted) throw abortError(signal, 'tls_handshake');
    if (attempt > 0) await sleep(500 * 2 ** (attempt - 1), signal);
    const sent = await limiter.run(async (): Promise<ProbeAnswer | Error> => {
      if (signal?.aborted) throw abortError(signal, 'tls_handshake');
      let socket: Socket;
      try {
        socket = await opts.openSocket();
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
      if (signal?.aborted) {
        socket.destroy();
        throw abortError(signal, 'tls_handshake');
      }
      // A retry is a new connection: a fresh random, session ID and key shares.
      if (attempt > 0) hello = helloOf(profile, target);
      // An abort destroys the socket; the "close" that follows is ours, not the server's.
      const onAbort = () => socket.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await exchange(socket, hello.bytes, { timeoutMs: opts.probeTimeoutMs, keyExchangeOf });
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
    if (signal?.aborted) throw abortError(signal, 'tls_handshake');
    answer = sent instanceof Error ? noConnection(sent) : sent;
    if (answer.kind !== 'timeout' && answer.kind !== 'no_connection') break;
  }
  return judge(profile, answer, hello);
}

/** What judge reads: the server's answer to the hello, or why no hello could be sent. */
export type SimulationAnswer = ProbeAnswer | NoConnection;

/** openSocket failed (connection refused, STARTTLS refused, timed out, …): no hello was sent. */
export interface NoConnection {
  kind: 'no_connection';
  timeout: boolean;
  message: string;
}

function noConnection(err: Error): NoConnection {
  const code = (err as { code?: unknown }).code;
  return { kind: 'no_connection', timeout: code === 'timeout' || code === 'ETIMEDOUT', message: err.message };
}

// ---------------------------------------------------------------------------------------------
// The hello

export interface HelloTarget {
  serverName: string;
  directTls: boolean;
  mode: Mode;
}

/** A profile's hello for one connection, and what of it the verdict needs beyond the profile. */
export interface SimulatedHello {
  /** The ClientHello record(s), ready to write. */
  bytes: Buffer;
  /** ALPN protocol names offered (the profile's, or the XEP-0368 one with direct TLS). */
  alpn: string[];
}

/** Extensions a fresh client never sends (resumption): dropped from a profile if captured. */
const RESUMPTION_ONLY: ReadonlySet<number> = new Set([ExtensionType.pre_shared_key, ExtensionType.early_data]);

/**
 * The profile's ClientHello as the real client would send it to `target`: its version, suites,
 * compression and extensions in its order, with
 * - a fresh random, and a fresh 32-byte session ID when it offers TLS 1.3 (the middlebox
 *   compatibility mode OpenSSL, BoringSSL, Go, NSS, GnuTLS and JSSE use; the profile does not
 *   record the session ID, and a client without TLS 1.3 sends an empty one for a new session);
 * - server_name for target.serverName (none for an IP literal, as real clients do; none either
 *   when the profile sends none);
 * - key_share with the same groups and key lengths, with fresh keys for x25519, x448 and the
 *   NIST curves; other groups (FFDHE, hybrid post-quantum, GREASE) keep the captured bytes,
 *   which is harmless since the handshake is never finished: the server only has to parse them;
 * - with direct TLS, ALPN `xmpp-client` / `xmpp-server` instead of the profile's (or added, before
 *   padding); over STARTTLS the profile's ALPN, if any, as captured;
 * - padding recomputed (see {@link paddingLength});
 * - no pre_shared_key / early_data (a first connection has no ticket).
 * `fixed` is for tests: a given random and session ID instead of fresh ones.
 */
export function helloOf(profile: ClientProfile, target: HelloTarget, fixed: { random?: Uint8Array; sessionId?: Uint8Array } = {}): SimulatedHello {
  const ch = profile.clientHello;
  const fail = (what: string): never => {
    throw new RangeError(`client profile ${profile.id}: ${what}`);
  };
  const sni = sniHostName(target.serverName);
  const alpnName = target.directTls ? (target.mode === 'c2s' ? 'xmpp-client' : 'xmpp-server') : null;

  const extensions: HelloExtension[] = [];
  let alpn: string[] = [];
  let paddingAt = -1;
  for (const e of ch.extensions) {
    if (!/^(?:[0-9a-f]{2})*$/i.test(e.data)) fail(`extension ${e.name} (${e.type}): data is not hex`);
    const data = Buffer.from(e.data, 'hex');
    if (RESUMPTION_ONLY.has(e.type)) continue;
    if (e.type === ExtensionType.server_name) {
      if (sni !== null) extensions.push({ type: e.type, data: serverNameExtensionData(sni) });
    } else if (e.type === ExtensionType.key_share) {
      extensions.push({ type: e.type, data: freshKeyShares(data, fail) });
    } else if (e.type === ExtensionType.application_layer_protocol_negotiation) {
      if (alpnName !== null) {
        extensions.push({ type: e.type, data: alpnData([alpnName]) });
        alpn = [alpnName];
      } else {
        extensions.push({ type: e.type, data });
        alpn = readAlpn(data, fail);
      }
    } else {
      if (e.type === ExtensionType.padding) paddingAt = extensions.length;
      extensions.push({ type: e.type, data });
    }
  }
  if (alpnName !== null && alpn.length === 0) {
    extensions.splice(paddingAt >= 0 ? paddingAt : extensions.length, 0, {
      type: ExtensionType.application_layer_protocol_negotiation,
      data: alpnData([alpnName]),
    });
    if (paddingAt >= 0) paddingAt++;
    alpn = [alpnName];
  }

  const offersTls13 = profile.accepts.versions.includes('TLSv1.3');
  const parts = {
    recordVersion: ch.recordVersion,
    legacyVersion: ch.legacyVersion,
    ...(fixed.random ? { random: fixed.random } : {}),
    sessionId: fixed.sessionId ?? (offersTls13 ? randomSessionId() : new Uint8Array(0)),
    cipherSuites: ch.cipherSuites,
    compressionMethods: ch.compressionMethods,
    extensions,
  };
  if (paddingAt >= 0) {
    const capturedPadding = (extensions[paddingAt] as HelloExtension).data.length;
    // The message without padding: with an empty padding extension, less its 4-byte header.
    extensions[paddingAt] = { type: ExtensionType.padding, data: new Uint8Array(0) };
    const unpadded = buildClientHelloMessageFromParts(parts).length - 4;
    const len = paddingLength(unpadded, capturedMessageLength(profile, offersTls13), capturedPadding);
    if (len === null) extensions.splice(paddingAt, 1);
    else extensions[paddingAt] = { type: ExtensionType.padding, data: new Uint8Array(len) };
  }
  try {
    return { bytes: buildClientHelloFromParts(parts), alpn };
  } catch (err) {
    return fail((err as Error).message);
  }
}

/**
 * RFC 7685 padding as the real clients add it. OpenSSL, BoringSSL and NSS pad a ClientHello
 * whose message (4-byte header included) would be 256–511 bytes to 512 (the F5 workaround), with
 * at least one byte of data, and send no padding otherwise. A capture of 512–516 bytes shows that
 * rule, which is then applied to our hello (whose length differs by the SNI and ALPN): padding, or
 * none (null). A capture of another length shows another rule we do not know: the captured
 * padding is kept as it was.
 */
export function paddingLength(unpadded: number, capturedTotal: number, capturedPadding: number): number | null {
  if (capturedTotal >= 512 && capturedTotal <= 516) {
    if (unpadded <= 0xff || unpadded >= 0x200) return null;
    const len = 0x200 - unpadded;
    return len > 4 ? len - 4 : 1;
  }
  return capturedPadding;
}

/** The length of the captured ClientHello message, assuming the session ID helloOf sends. */
function capturedMessageLength(profile: ClientProfile, offersTls13: boolean): number {
  const ch = profile.clientHello;
  const exts = ch.extensions.reduce((n, e) => n + 4 + e.data.length / 2, 0);
  return 4 + 2 + 32 + 1 + (offersTls13 ? 32 : 0) + 2 + 2 * ch.cipherSuites.length + 1 + ch.compressionMethods.length + 2 + exts;
}

/** key_share's client_shares with the same groups and key lengths, fresh keys where we can make them. */
function freshKeyShares(data: Buffer, fail: (what: string) => never): Buffer {
  const shares: { group: number; key: Buffer }[] = [];
  try {
    const r = new ByteReader(data, 'key_share');
    const list = r.sub16('client_shares');
    r.end();
    while (list.remaining > 0) shares.push({ group: list.u16('group'), key: list.vec16('key_exchange') });
  } catch (err) {
    fail(`key_share: ${(err as Error).message}`);
  }
  return new ByteWriter()
    .vec16((l) => {
      for (const s of shares) {
        const fresh = keyShareFor(s.group);
        l.u16(s.group).vec16(fresh && fresh.keyExchange.length === s.key.length ? fresh.keyExchange : s.key);
      }
    })
    .toBuffer();
}

function alpnData(names: string[]): Buffer {
  return new ByteWriter()
    .vec16((l) => {
      for (const n of names) l.vec8(Buffer.from(n, 'ascii'));
    })
    .toBuffer();
}

function readAlpn(data: Buffer, fail: (what: string) => never): string[] {
  try {
    const r = new ByteReader(data, 'ALPN');
    const list = r.sub16('protocol_name_list');
    r.end();
    const names: string[] = [];
    while (list.remaining > 0) names.push(list.vec8('protocol_name').toString('latin1'));
    return names;
  } catch (err) {
    return fail(`ALPN: ${(err as Error).message}`);
  }
}

function randomSessionId(): Buffer {
  return randomBytes(32);
}

// ---------------------------------------------------------------------------------------------
// The verdict

const VERSION_NAMES: ReadonlyMap<number, ProtocolName> = new Map([
  [0x0300, 'SSLv3'],
  [0x0301, 'TLSv1.0'],
  [0x0302, 'TLSv1.1'],
  [0x0303, 'TLSv1.2'],
  [0x0304, 'TLSv1.3'],
]);
const RANK: Readonly<Record<ProtocolName, number>> = { SSLv2: 0, SSLv3: 1, 'TLSv1.0': 2, 'TLSv1.1': 3, 'TLSv1.2': 4, 'TLSv1.3': 5 };
/** rsa_pkcs1_sha1, dsa_sha1, ecdsa_sha1: what a TLS 1.0/1.1 ServerKeyExchange signature amounts to. */
const SHA1_SCHEMES: readonly number[] = [0x0201, 0x0202, 0x0203];

/** The lists of a profile's hello the verdict reads. null: the extension is not sent. */
interface ProfileLists {
  groups: number[] | null;
  keyShareGroups: number[];
  signatureAlgorithms: number[] | null;
}

function listsOf(profile: ClientProfile): ProfileLists {
  const data = (type: number) => {
    const e = profile.clientHello.extensions.find((x) => x.type === type);
    return e ? Buffer.from(e.data, 'hex') : null;
  };
  const u16s = (buf: Buffer | null, what: string): number[] | null => {
    if (buf === null) return null;
    try {
      const r = new ByteReader(buf, what);
      const list = r.sub16(what);
      const out: number[] = [];
      while (list.remaining > 0) out.push(list.u16(what));
      return out;
    } catch {
      return [];
    }
  };
  const keyShareGroups: number[] = [];
  const ks = data(ExtensionType.key_share);
  if (ks) {
    try {
      const list = new ByteReader(ks, 'key_share').sub16('client_shares');
      while (list.remaining > 0) {
        keyShareGroups.push(list.u16('group'));
        list.vec16('key_exchange');
      }
    } catch {
      // helloOf refuses such a profile; judge reads what it can.
    }
  }
  return {
    groups: u16s(data(ExtensionType.supported_groups), 'supported_groups'),
    keyShareGroups,
    signatureAlgorithms: u16s(data(ExtensionType.signature_algorithms), 'signature_algorithms'),
  };
}

/**
 * What the profile's client would make of the server's answer. `hello` is what was sent beyond
 * the profile (the ALPN of direct TLS); default: the profile's own ALPN.
 *
 * A ServerHello connects unless the real client would abort on it: a version it does not accept
 * (no_shared_protocol); a suite it did not offer, or one that does not belong to the version; a
 * compression method it did not offer; a downgrade sentinel; an ALPN protocol it did not offer;
 * a TLS 1.3 key share for a group it sent no share for; a TLS ≤ 1.2 ECDHE group outside its
 * supported_groups or explicit curve parameters; a DHE prime below accepts.minDhBits; a TLS 1.2
 * signature scheme outside its signature_algorithms; a TLS 1.0/1.1 ServerKeyExchange (signed
 * with MD5+SHA-1 or SHA-1) when its signature_algorithms has no SHA-1 scheme — that is how
 * OpenSSL 3 at security level ≥ 1 behaves ('legacy sigalg disallowed'): it accepts TLS 1.0 with
 * RSA key transport but not with (EC)DHE (all rejected_by_client).
 *
 * A HelloRetryRequest (TLS 1.3) counts as connecting when it asks for a group of the client's
 * supported_groups for which it sent no share: the real client retries with that group, which the
 * result names. A group outside supported_groups is no_shared_group.
 *
 * Alerts: protocol_version → no_shared_protocol; handshake_failure and insufficient_security →
 * no_shared_cipher (servers send the same alert when no group is shared, which the alert does not
 * tell apart: we keep the common case); close_notify → closed; any other → alert.
 */
export function judge(
  profile: ClientProfile,
  answer: SimulationAnswer,
  hello: Pick<SimulatedHello, 'alpn'> = { alpn: profileAlpn(profile) },
): SimulationResult {
  const who = profile.name;
  const failed = (reason: SimulationFailure, message: string): SimulationResult => ({
    profile: profile.id,
    connects: false,
    protocol: null,
    cipherSuite: null,
    cipherSuiteCode: null,
    group: null,
    forwardSecrecy: null,
    failure: { reason, message },
  });

  switch (answer.kind) {
    case 'alert': {
      const { name, levelName } = answer.alert;
      const level = levelName === 'unknown' ? '' : `${levelName} `;
      if (name === 'protocol_version') {
        return failed(
          'no_shared_protocol',
          `The server refused every protocol version ${who} offers (${listed(profile.accepts.versions)}) with a protocol_version alert.`,
        );
      }
      if (name === 'handshake_failure' || name === 'insufficient_security') {
        return failed('no_shared_cipher', `The server refused ${who}'s cipher suites (or key exchange groups) with a ${level}${name} alert.`);
      }
      if (name === 'close_notify') return failed('closed', `The server closed the connection (close_notify) instead of answering ${who}'s hello.`);
      return failed('alert', `The server answered ${who}'s hello with a ${level}${name} alert.`);
    }
    case 'closed':
      return failed('closed', `The server ${answer.reset ? 'reset' : 'closed'} the connection without an alert after ${who}'s hello.`);
    case 'no_connection':
      return failed(answer.timeout ? 'timeout' : 'closed', `No connection could be opened to send ${who}'s hello: ${answer.message.replace(/\.$/, '')}.`);
    case 'timeout':
      return failed('timeout', `The server did not answer ${who}'s hello in time.`);
    case 'malformed':
      return failed('malformed', `The server's answer to ${who}'s hello is not TLS that ${who} could read: ${answer.message}.`);
    case 'sslv2':
    case 'sslv2_error':
      return failed('malformed', `The server answered ${who}'s hello in SSLv2, which ${who} cannot read.`);
    case 'hello':
      break;
  }

  const { serverHello: sh, flight } = answer;
  const lists = listsOf(profile);
  const version = VERSION_NAMES.get(sh.selectedVersion);
  if (version === undefined || !profile.accepts.versions.includes(version as ClientProfile['accepts']['versions'][number])) {
    const chose = version ?? `version ${hex4(sh.selectedVersion)}`;
    return failed('no_shared_protocol', `The server chose ${chose}, which ${who} does not accept (it accepts ${listed(profile.accepts.versions)}).`);
  }
  const suiteHex = hex4(sh.cipherSuite);
  if (!profile.clientHello.cipherSuites.includes(sh.cipherSuite)) {
    return failed('rejected_by_client', `The server chose cipher suite ${cipherSuiteByCode(sh.cipherSuite)?.name ?? suiteHex}, which ${who} did not offer.`);
  }
  const suite = cipherSuiteByCode(sh.cipherSuite);
  if (suite === undefined) return failed('rejected_by_client', `The server chose ${suiteHex}, a value ${who} offers only as a placeholder (GREASE or SCSV).`);
  const tls13 = version === 'TLSv1.3';
  if (suite.tls13 !== tls13 || RANK[version] < RANK[suite.minProtocol]) {
    return failed('rejected_by_client', `The server chose ${suite.name} with ${version}, a combination ${who} refuses.`);
  }
  if (!profile.clientHello.compressionMethods.includes(sh.compressionMethod) || (tls13 && sh.compressionMethod !== 0)) {
    return failed('rejected_by_client', `The server chose compression method ${sh.compressionMethod}, which ${who} did not offer.`);
  }
  if (sh.alpn !== null && !hello.alpn.includes(sh.alpn)) {
    return failed('rejected_by_client', `The server selected the ALPN protocol "${sh.alpn}", which ${who} did not offer.`);
  }
  const connects = (group: string | null): SimulationResult => success(profile, version, suite, group);

  if (tls13) {
    const code = sh.keyShareGroup;
    const name = code === null ? null : groupName(code);
    if (sh.isHelloRetryRequest) {
      // A HelloRetryRequest with only a cookie: the client retries with the same shares.
      if (code === null || name === null) return connects(null);
      if (lists.groups !== null && !lists.groups.includes(code)) {
        return failed('no_shared_group', `The server asked (HelloRetryRequest) for a key share for ${name}, which is not among ${who}'s groups.`);
      }
      if (lists.keyShareGroups.includes(code)) {
        return failed('rejected_by_client', `The server asked (HelloRetryRequest) for a key share for ${name}, which ${who} had already sent.`);
      }
      return connects(name);
    }
    if (code === null || name === null) return failed('rejected_by_client', `The server's ${version} ServerHello has no key share, which ${who} requires.`);
    if (!lists.keyShareGroups.includes(code)) {
      return failed('rejected_by_client', `The server answered with a key share for ${name}, for which ${who} sent none.`);
    }
    return connects(name);
  }

  // TLS ≤ 1.2. A TLS 1.3 client checks the downgrade sentinel (RFC 8446 §4.1.3).
  const sentinel = sh.downgradeSentinel;
  if (
    (sentinel === 'tls12' && profile.accepts.versions.includes('TLSv1.3')) ||
    (sentinel === 'tls11' && RANK[version] < RANK['TLSv1.2'] && profile.accepts.versions.includes('TLSv1.2'))
  ) {
    return failed(
      'rejected_by_client',
      `The server's ${version} ServerHello carries the downgrade sentinel of a server that supports a newer version, which ${who} treats as an attack.`,
    );
  }
  if (!flight.complete) {
    return failed(
      'closed',
      `The server chose ${version} with ${suite.name} but did not finish its first flight (no ServerHelloDone): it stopped, sent an alert or sent something unreadable.`,
    );
  }
  const kx = flight.serverKeyExchange;
  const ephemeral = suite.keyExchange === 'ECDHE' || suite.keyExchange === 'ECDHE_PSK' || suite.keyExchange === 'DHE' || suite.keyExchange === 'DHE_PSK';
  let group: string | null = null;
  if (ephemeral) {
    if (kx === null) return failed('malformed', `The server chose ${suite.name} but sent no ServerKeyExchange ${who} could read.`);
    if (kx.kind === 'ecdhe') {
      if (kx.namedGroup === null)
        return failed('rejected_by_client', `The server sent explicit curve parameters for ${suite.name}, which ${who} does not accept.`);
      group = groupName(kx.namedGroup);
      // Without supported_groups, a client takes the server's choice (RFC 8422 §4).
      if (lists.groups !== null && !lists.groups.includes(kx.namedGroup)) {
        return failed('rejected_by_client', `The server chose the group ${group} for ECDHE, which is not among ${who}'s groups.`);
      }
    } else {
      group = `DH ${kx.primeBits}`;
      const min = profile.accepts.minDhBits;
      if (min !== null && kx.primeBits < min) {
        return failed('rejected_by_client', `The server's DH prime has ${kx.primeBits} bits; ${who} requires at least ${min}.`);
      }
    }
    if (!suite.anonymous && lists.signatureAlgorithms !== null) {
      if (version === 'TLSv1.2') {
        const scheme = kx.rest.length >= 2 ? kx.rest.readUInt16BE(0) : null;
        if (scheme !== null && !lists.signatureAlgorithms.includes(scheme)) {
          return failed('rejected_by_client', `The server signed its key exchange with signature scheme ${hex4(scheme)}, which ${who} did not offer.`);
        }
      } else if (!SHA1_SCHEMES.some((s) => lists.signatureAlgorithms?.includes(s))) {
        return failed(
          'rejected_by_client',
          `The server's ${version} key exchange is signed with MD5+SHA-1 or SHA-1, which ${who} no longer accepts (it offers no SHA-1 signature scheme).`,
        );
      }
    }
  }
  return connects(group);
}

function success(profile: ClientProfile, version: ProtocolName, suite: CipherSuite, group: string | null): SimulationResult {
  return {
    profile: profile.id,
    connects: true,
    protocol: version,
    cipherSuite: suite.name,
    cipherSuiteCode: suite.hex,
    group,
    forwardSecrecy: suite.forwardSecrecy,
    failure: null,
  };
}

function profileAlpn(profile: ClientProfile): string[] {
  const e = profile.clientHello.extensions.find((x) => x.type === ExtensionType.application_layer_protocol_negotiation);
  if (!e) return [];
  try {
    return readAlpn(Buffer.from(e.data, 'hex'), (what) => {
      throw new RangeError(what);
    });
  } catch {
    return [];
  }
}

function groupName(code: number): string {
  return groupByCode(code)?.name ?? hex4(code);
}

function keyExchangeOf(code: number): 'dhe' | 'ecdhe' | null {
  const kx = cipherSuiteByCode(code)?.keyExchange;
  if (kx === 'DHE' || kx === 'DHE_PSK') return 'dhe';
  if (kx === 'ECDHE' || kx === 'ECDHE_PSK') return 'ecdhe';
  return null;
}

function listed(items: readonly string[]): string {
  if (items.length === 0) return 'none';
  if (items.length === 1) return items[0] as string;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
