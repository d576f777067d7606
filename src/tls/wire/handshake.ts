// Parsers of handshake message bodies (the bytes after the 4-byte handshake header), alerts and
// SSLv2's SERVER-HELLO. Every failure is a TlsParseError.
import { ByteReader } from './bytes.js';
import { ALERT_DESCRIPTIONS, DOWNGRADE_PREFIX, ExtensionType, HELLO_RETRY_REQUEST_RANDOM, SSLV2_ERRORS, Sslv2MessageType, TlsVersion } from './constants.js';
import { TlsParseError } from './errors.js';

/** Reads an extensions block (u16 length, then type + u16-length data), rejecting duplicates. */
function readExtensions(r: ByteReader, what: string): Map<number, Buffer> {
  const block = r.sub16('extensions');
  const exts = new Map<number, Buffer>();
  while (block.remaining > 0) {
    const type = block.u16('extension type');
    const data = block.vec16(`extension ${type}`);
    if (exts.has(type)) throw new TlsParseError('malformed', `${what}: duplicate extension ${type}`);
    exts.set(type, data);
  }
  return exts;
}

export type DowngradeSentinel = 'tls12' | 'tls11';

/**
 * The RFC 8446 §4.1.3 downgrade sentinel in a ServerHello.random: 'tls12' (…44 4F 57 4E 47 52 44
 * 01, a TLS 1.3 server negotiating TLS 1.2), 'tls11' (…00, TLS 1.1 or below), or null.
 */
export function downgradeSentinel(random: Uint8Array): DowngradeSentinel | null {
  if (random.length !== 32) return null;
  const tail = random.subarray(24);
  if (!DOWNGRADE_PREFIX.equals(tail.subarray(0, 7))) return null;
  if (tail[7] === 0x01) return 'tls12';
  if (tail[7] === 0x00) return 'tls11';
  return null;
}

export function isDowngradeSentinel(random: Uint8Array): boolean {
  return downgradeSentinel(random) !== null;
}

export function isHelloRetryRequestRandom(random: Uint8Array): boolean {
  return HELLO_RETRY_REQUEST_RANDOM.equals(random);
}

export interface ServerHello {
  /** legacy_version (the negotiated version up to TLS 1.2). */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compressionMethod: number;
  /** In the order sent. */
  extensions: Map<number, Buffer>;
  isHelloRetryRequest: boolean;
  /** supported_versions' version if present, else `version`. */
  selectedVersion: number;
  /** renegotiation_info present. */
  secureRenegotiation: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  /** session_ticket present (the server will send a NewSessionTicket). */
  sessionTicket: boolean;
  /** key_share: the server's share group, or in a HelloRetryRequest the group it asks for. */
  keyShareGroup: number | null;
  /** The server's key_exchange (ServerHello only). */
  keyShare: Buffer | null;
  /** The protocol selected by ALPN. */
  alpn: string | null;
  ecPointFormats: number[] | null;
  downgradeSentinel: DowngradeSentinel | null;
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const what = 'ServerHello';
  const r = new ByteReader(body, what);
  const version = r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vec8('session_id');
  if (sessionId.length > 32) throw new TlsParseError('malformed', `${what}: session_id of ${sessionId.length} bytes`);
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  // SSLv3 and early TLS servers may end the message here: no extensions block.
  const extensions = r.remaining === 0 ? new Map<number, Buffer>() : readExtensions(r, what);
  r.end('extensions');

  const isHelloRetryRequest = isHelloRetryRequestRandom(random);

  let selectedVersion = version;
  const sv = extensions.get(ExtensionType.supported_versions);
  if (sv !== undefined) {
    const e = new ByteReader(sv, `${what} supported_versions`);
    selectedVersion = e.u16('selected_version');
    e.end();
  }

  let keyShareGroup: number | null = null;
  let keyShare: Buffer | null = null;
  const ks = extensions.get(ExtensionType.key_share);
  if (ks !== undefined) {
    const e = new ByteReader(ks, `${what} key_share`);
    keyShareGroup = e.u16('group');
    if (!isHelloRetryRequest) {
      keyShare = e.vec16('key_exchange');
      if (keyShare.length === 0) throw new TlsParseError('malformed', `${what}: empty key_exchange`);
    }
    e.end();
  }

  let alpn: string | null = null;
  const alpnData = extensions.get(ExtensionType.application_layer_protocol_negotiation);
  if (alpnData !== undefined) {
    const list = new ByteReader(alpnData, `${what} ALPN`).sub16('protocol_name_list');
    const name = list.vec8('protocol_name');
    if (name.length === 0) throw new TlsParseError('malformed', `${what}: empty ALPN protocol name`);
    alpn = name.toString('latin1');
  }

  let ecPointFormats: number[] | null = null;
  const pf = extensions.get(ExtensionType.ec_point_formats);
  if (pf !== undefined) {
    const e = new ByteReader(pf, `${what} ec_point_formats`);
    ecPointFormats = [...e.vec8('ec_point_format_list')];
    e.end();
  }

  return {
    version,
    random,
    sessionId,
    cipherSuite,
    compressionMethod,
    extensions,
    isHelloRetryRequest,
    selectedVersion,
    secureRenegotiation: extensions.has(ExtensionType.renegotiation_info),
    extendedMasterSecret: extensions.has(ExtensionType.extended_master_secret),
    encryptThenMac: extensions.has(ExtensionType.encrypt_then_mac),
    sessionTicket: extensions.has(ExtensionType.session_ticket),
    keyShareGroup,
    keyShare,
    alpn,
    ecPointFormats,
    downgradeSentinel: isHelloRetryRequest ? null : downgradeSentinel(random),
  };
}

export interface CertificateEntry {
  /** DER (or a raw public key, if negotiated). */
  data: Buffer;
  /** TLS 1.3 per-entry extensions (e.g. status_request with an OCSP response); empty before. */
  extensions: Map<number, Buffer>;
}

export interface CertificateMessage {
  /** TLS 1.3 certificate_request_context; empty before. */
  context: Buffer;
  entries: CertificateEntry[];
}

/** A Certificate body: TLS ≤ 1.2 (u24 list of u24 certificates) or TLS 1.3 (context, entries with extensions). */
export function parseCertificateMessage(body: Uint8Array, tls13 = false): CertificateMessage {
  const what = tls13 ? 'Certificate (TLS 1.3)' : 'Certificate';
  const r = new ByteReader(body, what);
  const context = tls13 ? r.vec8('certificate_request_context') : Buffer.alloc(0);
  const list = r.sub24('certificate_list');
  r.end('certificate_list');
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const data = list.vec24('certificate');
    if (data.length === 0) throw new TlsParseError('malformed', `${what}: empty certificate entry`);
    const extensions = tls13 ? readExtensions(list, what) : new Map<number, Buffer>();
    entries.push({ data, extensions });
  }
  return { context, entries };
}

/** The certificates (DER) of a Certificate body, leaf first as sent. */
export function parseCertificate(body: Uint8Array, tls13 = false): Buffer[] {
  return parseCertificateMessage(body, tls13).entries.map((e) => e.data);
}

/** Bit length of a big-endian unsigned integer (leading zero bits not counted). */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] ?? 0));
}

export interface DheServerKeyExchange {
  kind: 'dhe';
  p: Buffer;
  g: Buffer;
  ys: Buffer;
  /** Bit length of p. */
  primeBits: number;
  /** The bytes after the parameters (the signature, unparsed). */
  rest: Buffer;
}

export interface EcdheServerKeyExchange {
  kind: 'ecdhe';
  /** 1 explicit_prime, 2 explicit_char2, 3 named_curve. */
  curveType: number;
  /** Named curves only. */
  namedGroup: number | null;
  /** The server's point; named curves only (explicit curve parameters are not parsed). */
  publicKey: Buffer | null;
  rest: Buffer;
}

export type ServerKeyExchange = DheServerKeyExchange | EcdheServerKeyExchange;

/**
 * The parameters of a ServerKeyExchange (TLS ≤ 1.2). The signature after them is left unparsed
 * in `rest` (its layout depends on the version).
 */
export function parseServerKeyExchange(body: Uint8Array, kind: 'dhe'): DheServerKeyExchange;
export function parseServerKeyExchange(body: Uint8Array, kind: 'ecdhe'): EcdheServerKeyExchange;
export function parseServerKeyExchange(body: Uint8Array, kind: 'dhe' | 'ecdhe'): ServerKeyExchange;
export function parseServerKeyExchange(body: Uint8Array, kind: 'dhe' | 'ecdhe'): ServerKeyExchange {
  if (kind === 'dhe') {
    const what = 'ServerKeyExchange (DHE)';
    const r = new ByteReader(body, what);
    const p = r.vec16('dh_p');
    const g = r.vec16('dh_g');
    const ys = r.vec16('dh_Ys');
    for (const [name, v] of [
      ['dh_p', p],
      ['dh_g', g],
      ['dh_Ys', ys],
    ] as const) {
      if (v.length === 0) throw new TlsParseError('malformed', `${what}: empty ${name}`);
    }
    return { kind, p, g, ys, primeBits: bitLength(p), rest: r.rest() };
  }
  const what = 'ServerKeyExchange (ECDHE)';
  const r = new ByteReader(body, what);
  const curveType = r.u8('curve_type');
  if (curveType === 3) {
    const namedGroup = r.u16('named_curve');
    const publicKey = r.vec8('public');
    if (publicKey.length === 0) throw new TlsParseError('malformed', `${what}: empty public point`);
    return { kind, curveType, namedGroup, publicKey, rest: r.rest() };
  }
  if (curveType === 1 || curveType === 2) return { kind, curveType, namedGroup: null, publicKey: null, rest: r.rest() };
  throw new TlsParseError('malformed', `${what}: unknown curve_type ${curveType}`);
}

export interface CertificateRequest {
  certificateTypes: number[];
  /** TLS 1.2 only; null when absent. */
  signatureAlgorithms: number[] | null;
  /** DER distinguished names of acceptable CAs. */
  certificateAuthorities: Buffer[];
}

function readCertificateRequest(body: Uint8Array, withSigAlgs: boolean): { request: CertificateRequest; trailing: number } {
  const r = new ByteReader(body, 'CertificateRequest');
  const certificateTypes = [...r.vec8('certificate_types')];
  let signatureAlgorithms: number[] | null = null;
  if (withSigAlgs) {
    const n = r.u16('supported_signature_algorithms length');
    signatureAlgorithms = r.u16List(n, 'supported_signature_algorithms');
  }
  const names = r.sub16('certificate_authorities');
  const certificateAuthorities: Buffer[] = [];
  while (names.remaining > 0) certificateAuthorities.push(names.vec16('distinguished_name'));
  return { request: { certificateTypes, signatureAlgorithms, certificateAuthorities }, trailing: r.remaining };
}

/**
 * A TLS ≤ 1.2 CertificateRequest, tolerantly: bytes after the CA list are ignored. With `version`
 * the layout follows it (signature algorithms from TLS 1.2 on); without, the layout that fits the
 * body exactly wins (TLS 1.2's first), then the one that parses at all.
 */
export function parseCertificateRequest(body: Uint8Array, version?: number): CertificateRequest {
  if (version !== undefined) return readCertificateRequest(body, version >= TlsVersion.TLS1_2).request;
  const attempts: { request: CertificateRequest; trailing: number }[] = [];
  let firstError: unknown = null;
  for (const withSigAlgs of [true, false]) {
    try {
      attempts.push(readCertificateRequest(body, withSigAlgs));
    } catch (err) {
      if (!(err instanceof TlsParseError)) throw err;
      firstError ??= err;
    }
  }
  const best = attempts.find((a) => a.trailing === 0) ?? attempts[0];
  if (best === undefined) throw firstError;
  return best.request;
}

export interface Alert {
  level: number;
  /** 'warning' (1), 'fatal' (2) or 'unknown'. */
  levelName: 'warning' | 'fatal' | 'unknown';
  description: number;
  /** RFC name, e.g. 'handshake_failure', or 'unknown_<n>'. */
  name: string;
}

export function alertName(description: number): string {
  return ALERT_DESCRIPTIONS.get(description) ?? `unknown_${description}`;
}

/**
 * A plaintext alert record fragment: exactly 2 bytes (longer is `malformed`: an encrypted alert or
 * not an alert).
 */
export function parseAlert(fragment: Uint8Array): Alert {
  if (fragment.length < 2) throw new TlsParseError('truncated', `alert of ${fragment.length} byte(s), expected 2`);
  if (fragment.length > 2) throw new TlsParseError('malformed', `alert of ${fragment.length} bytes, expected 2 (encrypted?)`);
  const level = fragment[0] ?? 0;
  const description = fragment[1] ?? 0;
  return {
    level,
    levelName: level === 1 ? 'warning' : level === 2 ? 'fatal' : 'unknown',
    description,
    name: alertName(description),
  };
}

/** The message of an SSLv2 record: strips a 2-byte record header if present (first byte ≥ 0x80). */
function sslv2Message(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) {
    if (bytes.length < 2) throw new TlsParseError('truncated', 'SSLv2 record header: 1 byte');
    const length = (((bytes[0] ?? 0) & 0x7f) << 8) | (bytes[1] ?? 0);
    if (bytes.length - 2 < length) {
      throw new TlsParseError('truncated', `SSLv2 record of ${length} bytes, only ${bytes.length - 2} present`);
    }
    return bytes.subarray(2, 2 + length);
  }
  return bytes;
}

export interface Sslv2ServerHello {
  sessionIdHit: boolean;
  /** 1 = X.509 certificate. */
  certificateType: number;
  version: number;
  certificate: Buffer;
  /** 3-byte cipher kinds. */
  cipherSpecs: number[];
  connectionId: Buffer;
}

export interface Sslv2Error {
  code: number;
  name: string;
}

function sslv2ErrorName(code: number): string {
  return SSLV2_ERRORS.get(code) ?? `unknown_${code}`;
}

/**
 * An SSLv2 SERVER-HELLO: the message (from the type byte 4), or the whole record with its 2-byte
 * header. An SSLv2 ERROR message is an `unexpected` error naming the error code.
 */
export function parseSslv2ServerHello(bytes: Uint8Array): Sslv2ServerHello {
  const what = 'SSLv2 SERVER-HELLO';
  const r = new ByteReader(sslv2Message(bytes), what);
  const type = r.u8('msg_type');
  if (type === Sslv2MessageType.error) {
    const code = r.u16('error_code');
    throw new TlsParseError('unexpected', `SSLv2 ERROR ${code} (${sslv2ErrorName(code)}) instead of SERVER-HELLO`);
  }
  if (type !== Sslv2MessageType.server_hello) throw new TlsParseError('unexpected', `SSLv2 message type ${type}, expected 4 (SERVER-HELLO)`);
  const sessionIdHit = r.u8('session_id_hit') !== 0;
  const certificateType = r.u8('certificate_type');
  const version = r.u16('server_version');
  const certLength = r.u16('certificate_length');
  const specsLength = r.u16('cipher_specs_length');
  const connIdLength = r.u16('connection_id_length');
  if (specsLength % 3 !== 0) throw new TlsParseError('malformed', `${what}: cipher specs length ${specsLength} is not a multiple of 3`);
  const certificate = r.bytes(certLength, 'certificate');
  const cipherSpecs: number[] = [];
  const specs = r.sub(specsLength, 'cipher_specs');
  while (specs.remaining > 0) cipherSpecs.push(specs.u24('cipher_spec'));
  const connectionId = r.bytes(connIdLength, 'connection_id');
  r.end('connection_id');
  return { sessionIdHit, certificateType, version, certificate, cipherSpecs, connectionId };
}

/** An SSLv2 ERROR message (type 0), with or without its 2-byte record header. */
export function parseSslv2Error(bytes: Uint8Array): Sslv2Error {
  const r = new ByteReader(sslv2Message(bytes), 'SSLv2 ERROR');
  const type = r.u8('msg_type');
  if (type !== Sslv2MessageType.error) throw new TlsParseError('unexpected', `SSLv2 message type ${type}, expected 0 (ERROR)`);
  const code = r.u16('error_code');
  r.end();
  return { code, name: sslv2ErrorName(code) };
}
