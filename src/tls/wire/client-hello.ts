// ClientHello builders for a raw TLS prober: TLS 1.0–1.3 (and SSLv3-style) hellos, and SSLv2's
// CLIENT-HELLO. Pure byte assembly: nothing here negotiates or encrypts.
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { ByteWriter } from './bytes.js';
import { ContentType, ExtensionType, HandshakeType, MAX_PLAINTEXT, TlsVersion } from './constants.js';

/** Servers are known to fail on longer cipher suite lists; the builder refuses more. */
export const MAX_CIPHER_SUITES = 128;

/**
 * The signature_algorithms sent when the caller gives none (and the hello is TLS 1.2+): a broad
 * list, modern first, with SHA-1 last so old TLS 1.2 servers still find something.
 */
export const DEFAULT_SIGNATURE_ALGORITHMS: readonly number[] = [
  0x0403,
  0x0503,
  0x0603, // ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512
  0x0807,
  0x0808, // ed25519, ed448
  0x0804,
  0x0805,
  0x0806, // rsa_pss_rsae_sha256/384/512
  0x0809,
  0x080a,
  0x080b, // rsa_pss_pss_sha256/384/512
  0x0401,
  0x0501,
  0x0601, // rsa_pkcs1_sha256/384/512
  0x0402,
  0x0502,
  0x0602, // dsa_sha256/384/512 (TLS 1.2 only)
  0x0303,
  0x0301,
  0x0302, // sha224 ecdsa/rsa/dsa
  0x0203,
  0x0201,
  0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
];

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

export interface ClientHelloOptions {
  /** Version in the record header: 0x0300 SSLv3, 0x0301 TLS 1.0 (usual, also for TLS 1.3), … */
  recordVersion: number;
  /** ClientHello.client_version (legacy_version, 0x0303, in a TLS 1.3 hello). */
  clientVersion: number;
  /** At most {@link MAX_CIPHER_SUITES}. */
  cipherSuites: number[];
  /** Signalling cipher suite values appended after the suites, e.g. 0x00FF, 0x5600. */
  scsv?: number[];
  /** SNI host name; not sent for IP literals. A trailing dot is dropped, U-labels become A-labels. */
  serverName?: string;
  supportedGroups?: number[];
  /** Default [0] (uncompressed); [] sends no ec_point_formats extension. */
  ecPointFormats?: number[];
  /**
   * Sent only when clientVersion ≥ TLS 1.2 or supportedVersions offers TLS 1.2+; default
   * {@link DEFAULT_SIGNATURE_ALGORITHMS}; [] sends none.
   */
  signatureAlgorithms?: number[];
  /** An empty renegotiation_info extension (the initial handshake's). */
  renegotiationInfo?: boolean;
  /** Default [0] (null); [1, 0] offers DEFLATE. */
  compressionMethods?: number[];
  extendedMasterSecret?: boolean;
  /** An empty session_ticket extension. */
  sessionTicket?: boolean;
  /** ALPN protocol names, e.g. ['xmpp-client']. */
  alpn?: string[];
  /** TLS 1.3 supported_versions, e.g. [0x0304] or [0x0304, 0x0303]. */
  supportedVersions?: number[];
  /** TLS 1.3 key shares; [] sends an empty list, which provokes a HelloRetryRequest. */
  keyShares?: KeyShareEntry[];
  pskKeyExchangeModes?: number[];
  /** 32 bytes; default random. */
  random?: Uint8Array;
  /** Up to 32 bytes; default empty. */
  sessionId?: Uint8Array;
  /** No extensions block at all (an SSLv3-style hello); the extension options are ignored. */
  noExtensions?: boolean;
  /**
   * RFC 7685 padding. 'auto': a ClientHello handshake message (4-byte header included) of 256–511
   * bytes — which hangs some F5 load balancers — is padded to 512 bytes (or, from 509 bytes, gets
   * an empty padding extension, taking it past 511). A number: pad the message to at least that
   * many bytes.
   */
  padTo?: 'auto' | number;
}

function checkU16List(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what}: ${v} is not a 16-bit value`);
  }
}

function checkU8List(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what}: ${v} is not an 8-bit value`);
  }
}

/** server_name extension_data for one host_name entry (see {@link sniHostName} for the name). */
export function serverNameExtensionData(hostName: string): Buffer {
  return new ByteWriter().vec16((l) => l.u8(0 /* host_name */).vec16(Buffer.from(hostName, 'ascii'))).toBuffer();
}

/**
 * The host name a client puts in SNI for `serverName`: null for an IP literal (RFC 6066 forbids
 * them, and real clients send no server_name then); a trailing dot is dropped, U-labels become
 * A-labels. Throws a RangeError for a name that cannot be one.
 */
export function sniHostName(serverName: string): string | null {
  let name = serverName.endsWith('.') ? serverName.slice(0, -1) : serverName;
  if (name === '' || isIP(name) !== 0 || isIP(name.replace(/^\[|\]$/g, '')) !== 0) return null;
  if (!/^[\x21-\x7e]+$/.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === '') throw new RangeError(`serverName ${JSON.stringify(serverName)} is not a valid host name`);
    name = ascii;
  }
  return name;
}

function u16ListBytes(values: readonly number[]): Buffer {
  const w = new ByteWriter();
  for (const v of values) w.u16(v);
  return w.toBuffer();
}

function buildExtensions(opts: ClientHelloOptions): HelloExtension[] {
  const exts: HelloExtension[] = [];
  const add = (type: number, build: (w: ByteWriter) => void): void => {
    const w = new ByteWriter();
    build(w);
    exts.push({ type, data: w.toBuffer() });
  };

  const sni = opts.serverName === undefined ? null : sniHostName(opts.serverName);
  if (sni !== null) {
    exts.push({ type: ExtensionType.server_name, data: serverNameExtensionData(sni) });
  }
  if (opts.extendedMasterSecret) add(ExtensionType.extended_master_secret, () => {});
  if (opts.renegotiationInfo) add(ExtensionType.renegotiation_info, (w) => w.vec8(new Uint8Array(0)));
  if (opts.supportedGroups !== undefined && opts.supportedGroups.length > 0) {
    checkU16List(opts.supportedGroups, 'supportedGroups');
    const groups = opts.supportedGroups;
    add(ExtensionType.supported_groups, (w) => w.vec16(u16ListBytes(groups)));
  }
  const pointFormats = opts.ecPointFormats ?? [0];
  if (pointFormats.length > 0) {
    checkU8List(pointFormats, 'ecPointFormats');
    add(ExtensionType.ec_point_formats, (w) => w.vec8(Uint8Array.from(pointFormats)));
  }
  if (opts.sessionTicket) add(ExtensionType.session_ticket, () => {});
  if (opts.alpn !== undefined && opts.alpn.length > 0) {
    const names = opts.alpn;
    add(ExtensionType.application_layer_protocol_negotiation, (w) =>
      w.vec16((l) => {
        for (const p of names) {
          const b = Buffer.from(p, 'utf8');
          if (b.length === 0) throw new RangeError('alpn: empty protocol name');
          l.vec8(b);
        }
      }),
    );
  }
  const offersTls12 = opts.clientVersion >= TlsVersion.TLS1_2 || (opts.supportedVersions ?? []).some((v) => v >= TlsVersion.TLS1_2);
  const sigAlgs = opts.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
  if (offersTls12 && sigAlgs.length > 0) {
    checkU16List(sigAlgs, 'signatureAlgorithms');
    add(ExtensionType.signature_algorithms, (w) => w.vec16(u16ListBytes(sigAlgs)));
  }
  if (opts.supportedVersions !== undefined) {
    checkU16List(opts.supportedVersions, 'supportedVersions');
    const versions = opts.supportedVersions;
    add(ExtensionType.supported_versions, (w) => w.vec8(u16ListBytes(versions)));
  }
  if (opts.pskKeyExchangeModes !== undefined) {
    checkU8List(opts.pskKeyExchangeModes, 'pskKeyExchangeModes');
    const modes = opts.pskKeyExchangeModes;
    add(ExtensionType.psk_key_exchange_modes, (w) => w.vec8(Uint8Array.from(modes)));
  }
  if (opts.keyShares !== undefined) {
    const shares = opts.keyShares;
    checkU16List(
      shares.map((s) => s.group),
      'keyShares group',
    );
    add(ExtensionType.key_share, (w) =>
      w.vec16((l) => {
        for (const s of shares) l.u16(s.group).vec16(s.keyExchange);
      }),
    );
  }
  return exts;
}

function writeExtensions(w: ByteWriter, exts: readonly HelloExtension[]): void {
  w.vec16((l) => {
    for (const e of exts) l.u16(e.type).vec16(e.data);
  });
}

/** One extension of a hello built from parts: its type and extension_data. */
export interface HelloExtension {
  type: number;
  data: Uint8Array;
}

/**
 * A ClientHello as its parts, sent as given (a real client's hello replayed from a profile): no
 * defaults added, no limits beyond what the encoding allows.
 */
export interface ClientHelloParts {
  /** Version in the record header. */
  recordVersion: number;
  /** ClientHello.legacy_version (client_version). */
  legacyVersion: number;
  /** 32 bytes; default random. */
  random?: Uint8Array;
  /** Up to 32 bytes; default empty. */
  sessionId?: Uint8Array;
  /** In the order sent, GREASE values and SCSVs included. */
  cipherSuites: readonly number[];
  compressionMethods: readonly number[];
  /** In the order sent; null sends no extensions block at all (an SSLv3-style hello). */
  extensions: readonly HelloExtension[] | null;
}

/** The ClientHello handshake message (4-byte header + body) of `parts`, not framed in records. */
export function buildClientHelloMessageFromParts(parts: ClientHelloParts): Buffer {
  checkU16List([parts.recordVersion, parts.legacyVersion], 'version');
  if (parts.cipherSuites.length === 0) throw new RangeError('no cipher suites to offer');
  checkU16List(parts.cipherSuites, 'cipherSuites');
  if (parts.compressionMethods.length === 0) throw new RangeError('no compression methods to offer');
  checkU8List(parts.compressionMethods, 'compressionMethods');
  const random = parts.random ?? helloRandom();
  if (random.length !== 32) throw new RangeError(`random must be 32 bytes, not ${random.length}`);
  const sessionId = parts.sessionId ?? new Uint8Array(0);
  if (sessionId.length > 32) throw new RangeError(`sessionId must be at most 32 bytes, not ${sessionId.length}`);
  const body = new ByteWriter()
    .u16(parts.legacyVersion)
    .bytes(random)
    .vec8(sessionId)
    .vec16(u16ListBytes(parts.cipherSuites))
    .vec8(Uint8Array.from(parts.compressionMethods));
  if (parts.extensions !== null) {
    checkU16List(
      parts.extensions.map((e) => e.type),
      'extension type',
    );
    writeExtensions(body, parts.extensions);
  }
  return new ByteWriter().u8(HandshakeType.client_hello).vec24(body.toBuffer()).toBuffer();
}

/** The ClientHello of `parts` in handshake record(s), ready to write to the socket. */
export function buildClientHelloFromParts(parts: ClientHelloParts): Buffer {
  return buildRecords(ContentType.handshake, parts.recordVersion, buildClientHelloMessageFromParts(parts));
}

/** The ClientHello handshake message alone (4-byte handshake header + body), not framed in records. */
export function buildClientHelloMessage(opts: ClientHelloOptions): Buffer {
  checkU16List([opts.recordVersion], 'recordVersion');
  checkU16List([opts.clientVersion], 'clientVersion');
  if (opts.cipherSuites.length > MAX_CIPHER_SUITES) {
    throw new RangeError(`${opts.cipherSuites.length} cipher suites: at most ${MAX_CIPHER_SUITES} may be offered`);
  }
  const suites = [...opts.cipherSuites, ...(opts.scsv ?? [])];
  if (suites.length === 0) throw new RangeError('no cipher suites to offer');
  checkU16List(suites, 'cipherSuites');
  const compression = opts.compressionMethods ?? [0];
  if (compression.length === 0) throw new RangeError('no compression methods to offer');
  checkU8List(compression, 'compressionMethods');
  const random = opts.random ?? helloRandom();
  if (random.length !== 32) throw new RangeError(`random must be 32 bytes, not ${random.length}`);
  const sessionId = opts.sessionId ?? new Uint8Array(0);
  if (sessionId.length > 32) throw new RangeError(`sessionId must be at most 32 bytes, not ${sessionId.length}`);
  if (opts.padTo !== undefined && opts.padTo !== 'auto' && (!Number.isInteger(opts.padTo) || opts.padTo < 0)) {
    throw new RangeError(`padTo must be 'auto' or a byte count, not ${opts.padTo}`);
  }
  if (opts.noExtensions && opts.padTo !== undefined) throw new RangeError('padTo needs extensions (noExtensions is set)');

  let extensions: HelloExtension[] | null = null;
  if (!opts.noExtensions) {
    const exts = buildExtensions(opts);
    if (opts.padTo !== undefined) {
      const extLen = exts.reduce((n, e) => n + 4 + e.data.length, 0);
      // Handshake message length without padding, counting the extensions block's length field:
      // header, version, random, session id, suites, compression methods, then the extensions.
      const headLength = 2 + 32 + 1 + sessionId.length + 2 + 2 * suites.length + 1 + compression.length;
      const unpadded = 4 + headLength + 2 + extLen;
      let padLen: number | null = null;
      if (opts.padTo === 'auto') {
        if (unpadded >= 256 && unpadded <= 511) padLen = Math.max(0, 512 - unpadded - 4);
      } else if (unpadded < opts.padTo) {
        padLen = Math.max(0, opts.padTo - unpadded - 4);
      }
      if (padLen !== null) exts.push({ type: ExtensionType.padding, data: new Uint8Array(padLen) });
    }
    // No extension to send: no extensions block either.
    if (exts.length > 0) extensions = exts;
  }
  return buildClientHelloMessageFromParts({
    recordVersion: opts.recordVersion,
    legacyVersion: opts.clientVersion,
    random,
    sessionId,
    cipherSuites: suites,
    compressionMethods: compression,
    extensions,
  });
}

/** A handshake message: 1-byte type, 3-byte length, body. */
export function buildHandshakeMessage(type: number, body: Uint8Array): Buffer {
  return new ByteWriter().u8(type).vec24(body).toBuffer();
}

/**
 * Frames `payload` in records of at most `maxFragment` bytes each (one empty record for an empty
 * payload).
 */
export function buildRecords(contentType: number, version: number, payload: Uint8Array, maxFragment = MAX_PLAINTEXT): Buffer {
  if (!Number.isInteger(maxFragment) || maxFragment < 1 || maxFragment > 0xffff) {
    throw new RangeError(`maxFragment out of range: ${maxFragment}`);
  }
  const w = new ByteWriter();
  let off = 0;
  do {
    const frag = payload.subarray(off, off + maxFragment);
    w.u8(contentType).u16(version).vec16(frag);
    off += frag.length;
  } while (off < payload.length);
  return w.toBuffer();
}

/** The ClientHello in handshake record(s), ready to write to the socket. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  return buildRecords(ContentType.handshake, opts.recordVersion, buildClientHelloMessage(opts));
}

/** A fresh X25519 key share (group 0x001d); the private key is discarded. */
export function freshX25519KeyShare(): KeyShareEntry {
  const { publicKey } = generateKeyPairSync('x25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { group: 0x001d, keyExchange: Buffer.from(spki.subarray(spki.length - 32)) };
}

const KEY_SHARE_LIFETIME_MS = 10 * 60_000;
let sharedKeyShare: { entry: KeyShareEntry; madeAt: number } | null = null;

/**
 * The X25519 key share the probes offer: one public key for every hello for ten minutes. A probe
 * never completes a handshake (its private key is discarded), so nothing depends on the share
 * being fresh, and a key pair per hello was ~4 % of a fleet sweep's CPU (generate + export).
 */
export function x25519KeyShare(now = Date.now()): KeyShareEntry {
  if (!sharedKeyShare || now - sharedKeyShare.madeAt >= KEY_SHARE_LIFETIME_MS) sharedKeyShare = { entry: freshX25519KeyShare(), madeAt: now };
  return sharedKeyShare.entry;
}

/** The groups {@link keyShareFor} can make a key for, with Node's curve names (NIST curves: uncompressed points). */
const EC_KEY_SHARE_CURVES: ReadonlyMap<number, string> = new Map([
  [0x0017, 'prime256v1'],
  [0x0018, 'secp384r1'],
  [0x0019, 'secp521r1'],
]);
const sharedKeyShares = new Map<number, { entry: KeyShareEntry; madeAt: number }>();

/**
 * A valid key share for `group` (x25519, x448, secp256r1, secp384r1, secp521r1), or null for
 * groups we make no keys for (FFDHE, hybrid post-quantum, …). Like {@link x25519KeyShare}, one
 * public key per group for ten minutes, the private key discarded.
 */
export function keyShareFor(group: number, now = Date.now()): KeyShareEntry | null {
  if (group === 0x001d) return x25519KeyShare(now);
  const cached = sharedKeyShares.get(group);
  if (cached && now - cached.madeAt < KEY_SHARE_LIFETIME_MS) return cached.entry;
  let keyExchange: Buffer;
  const curve = EC_KEY_SHARE_CURVES.get(group);
  if (curve !== undefined) {
    const ecdh = createECDH(curve);
    ecdh.generateKeys();
    keyExchange = ecdh.getPublicKey(null, 'uncompressed');
  } else if (group === 0x001e) {
    const spki = generateKeyPairSync('x448').publicKey.export({ type: 'spki', format: 'der' });
    keyExchange = Buffer.from(spki.subarray(spki.length - 56));
  } else return null;
  const entry = { group, keyExchange };
  sharedKeyShares.set(group, { entry, madeAt: now });
  return entry;
}

const RANDOM_POOL_BYTES = 8192;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** 32 random bytes for a hello, cut from a pool refilled 8 KB at a time (one call per 256 hellos). */
function helloRandom(): Buffer {
  if (randomOffset + 32 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  randomOffset += 32;
  return randomPool.subarray(randomOffset - 32, randomOffset);
}

export interface Sslv2ClientHelloOptions {
  /** 3-byte SSLv2 cipher kinds, e.g. 0x010080 (SSL_CK_RC4_128_WITH_MD5), or TLS suites as 0x00XXXX. */
  cipherSpecs: number[];
  /** 16–32 bytes; default 16 random bytes. */
  challenge?: Uint8Array;
  /** Default 0x0002 (SSLv2). */
  version?: number;
}

/**
 * An SSLv2 CLIENT-HELLO in its 2-byte-header record: length with the high bit set, then msg type
 * 1, version, cipher-specs length, session-id length (0), challenge length, cipher specs, challenge.
 */
export function buildSslv2ClientHello(opts: Sslv2ClientHelloOptions): Buffer {
  if (opts.cipherSpecs.length === 0) throw new RangeError('no cipher specs to offer');
  for (const c of opts.cipherSpecs) {
    if (!Number.isInteger(c) || c < 0 || c > 0xffffff) throw new RangeError(`cipherSpecs: ${c} is not a 24-bit value`);
  }
  const challenge = opts.challenge ?? randomBytes(16);
  if (challenge.length < 16 || challenge.length > 32) {
    throw new RangeError(`challenge must be 16–32 bytes, not ${challenge.length}`);
  }
  const specs = new ByteWriter();
  for (const c of opts.cipherSpecs) specs.u24(c);
  const msg = new ByteWriter()
    .u8(1) // SSL2_MT_CLIENT_HELLO
    .u16(opts.version ?? TlsVersion.SSL2)
    .u16(specs.length)
    .u16(0) // session id length
    .u16(challenge.length)
    .bytes(specs.toBuffer())
    .bytes(challenge)
    .toBuffer();
  if (msg.length > 0x7fff) throw new RangeError(`SSLv2 record of ${msg.length} bytes is too long`);
  return new ByteWriter()
    .u16(0x8000 | msg.length)
    .bytes(msg)
    .toBuffer();
}
