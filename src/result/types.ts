// The scan result document: the product's core interface. Metrics, reports and the HTTP API are
// all derived from it. Documented by docs/result.schema.json (keep both in step; a test checks
// real scan output against the schema). Plain JSON only: no Dates, no Buffers, no undefined.

import type { DomainGrade, EndpointGrade } from '../grading/types.js';

export type { DomainGrade, EndpointGrade };

export type Mode = 'c2s' | 's2s';

/** Stable machine-readable error codes. The message says the same for humans. */
export type ErrorCode =
  | 'invalid_domain'
  | 'dns_failure'
  | 'dns_no_address'
  | 'service_not_offered'
  | 'no_ipv6_route'
  | 'connection_refused'
  | 'connection_reset'
  | 'connection_closed'
  | 'host_unreachable'
  | 'timeout'
  | 'not_xml'
  | 'protocol_violation'
  | 'stream_error'
  | 'starttls_not_offered'
  | 'starttls_failure'
  | 'tls_handshake_failed'
  | 'response_too_large'
  /** The scan was cancelled from outside (shutdown, the /probe client went away): not a finding about the server. */
  | 'aborted'
  | 'internal_error';

/**
 * Which deadline a `timeout` hit: the phase's own (`timeouts.connectSeconds` …, a total for the
 * phase that bytes cannot stretch), the endpoint's budget (`timeouts.endpointSeconds`) or the
 * whole scan's (`timeouts.scanSeconds`, or the /probe scrape deadline).
 */
export type DeadlineKind = 'phase' | 'endpoint' | 'scan';

/** The stage a connection was in when something went wrong; timeouts are reported per phase. */
export type Phase =
  | 'dns'
  | 'connect'
  | 'stream_header'
  | 'features'
  | 'proceed'
  | 'tls_handshake'
  | 'stream_header_after_tls'
  | 'features_after_tls'
  | 'sasl_external';

export interface ScanErrorInfo {
  code: ErrorCode;
  message: string;
  phase?: Phase;
  /** Stream error condition (`host-unknown`, `see-other-host`, …) or STARTTLS/SASL failure condition. */
  condition?: string;
  /** Free text the server sent with a stream error, or the see-other-host target. */
  text?: string;
  /** For `timeout`: which deadline ran out. */
  deadline?: DeadlineKind;
}

/** Closed list of domain-level warning codes: something went wrong, but the scan went on. */
export type ScanWarningCode =
  /** One of the domain's SRV lookups failed while another gave records: the endpoints found were scanned. */
  'dns_partial_failure';

export interface ScanWarning {
  code: ScanWarningCode;
  message: string;
  /** The DNS name whose lookup failed (`_xmpps-client._tcp.example.org`). */
  name?: string;
  /** The resolver's condition (`ETIMEOUT`, `ESERVFAIL`, `EREFUSED`, …). */
  condition?: string;
}

export type StarttlsState = 'none' | 'offered' | 'required';

export interface XmppFacts {
  /** Stream header attributes of the server's first stream (pre-TLS, or post-TLS for direct TLS). */
  streamFrom: string | null;
  streamVersion: string | null;
  /** `none` for direct-TLS endpoints, where no STARTTLS is negotiated. */
  starttls: StarttlsState;
  saslMechanisms: string[];
  saslMechanismsAfterTls: string[];
  /** Dialback offered (s2s): `urn:xmpp:features:dialback` in the features, before or after TLS. */
  dialback: boolean;
  compression: string[];
  /** Namespaces of every feature child before / after TLS, for what we do not model (yet). */
  featuresBeforeTls: string[];
  featuresAfterTls: string[];
  /**
   * Did the server refuse to go on without a client certificate? true: it said so (TLS alert
   * certificate_required / handshake refused, or stream closed for lack of one); false: TLS and
   * the stream after it worked without one; null: not determined (e.g. we presented one).
   */
  clientCertificateRequired: boolean | null;
  /** s2s with a client certificate configured: SASL EXTERNAL after TLS. */
  saslExternal: SaslExternalResult | null;
}

export interface SaslExternalResult {
  offered: boolean;
  attempted: boolean;
  /** null when not attempted. */
  succeeded: boolean | null;
  /** SASL failure condition when it failed (`not-authorized`, `invalid-authzid`, …). */
  failure: string | null;
}

export type KeyType = 'RSA' | 'DSA' | 'EC' | 'Ed25519' | 'Ed448' | 'unknown';

export type TrustError =
  | 'expired'
  | 'not_yet_valid'
  | 'self_signed'
  | 'self_signed_in_chain'
  | 'unknown_issuer'
  /** An issuer in the path is not a CA (basicConstraints cA=false, or none). */
  | 'not_a_ca'
  /** A CA's pathLenConstraint allows fewer intermediates below it than the path has. */
  | 'path_length_exceeded'
  /** An issuer's keyUsage lacks keyCertSign, or the leaf's allows no TLS key exchange. */
  | 'bad_key_usage'
  /** The leaf's (or an issuer's) extendedKeyUsage does not allow serverAuth. */
  | 'bad_extended_key_usage'
  /** A name in a certificate is outside a CA's nameConstraints (DNS names; SRV-ID and XmppAddr domains). */
  | 'name_constraint_violation'
  /** A certificate has a critical extension we do not process. */
  | 'unknown_critical_extension'
  /** The trust anchor (from a CA file) is expired or not yet valid. */
  | 'anchor_expired'
  | 'incomplete_chain'
  | 'weak_signature'
  | 'weak_key';

export interface SubjectAltNames {
  dns: string[];
  /** SRV-ID (otherName 1.3.6.1.5.5.7.8.7), e.g. `_xmpp-client.example.org`. */
  srv: string[];
  /** id-on-xmppAddr (otherName 1.3.6.1.5.5.7.8.5). */
  xmppAddr: string[];
  ip: string[];
  uri: string[];
  email: string[];
}

/** One certificate, as parsed. */
export interface CertificateDetails {
  subject: string;
  issuer: string;
  commonName: string | null;
  sans: SubjectAltNames;
  serial: string;
  fingerprintSha1: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  /** RSA/DSA modulus bits, EC field bits (256 for P-256), 256 for Ed25519, 456 for Ed448. */
  keyBits: number | null;
  /** Named curve for EC keys (`P-256`, …). */
  curve: string | null;
  /** e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA384`, `ED25519`. */
  signatureAlgorithm: string;
  isCa: boolean;
  selfIssued: boolean;
  ocspUrls: string[];
  caIssuersUrls: string[];
  crlUrls: string[];
  pem: string;
}

export interface IdentityCheck {
  /** How the domain matched: which identifier type and which value. */
  matchedBy: 'dns' | 'srv' | 'xmppAddr' | 'cn' | null;
  matchedValue: string | null;
}

/** The leaf certificate plus verdicts on the chain it came with. */
export interface CertificateResult extends CertificateDetails {
  daysToExpiry: number;
  trusted: boolean;
  trustErrors: TrustError[];
  /**
   * What each trust error is about, in words ("the intermediate 'X' is not a CA certificate …"):
   * at least one entry per code in trustErrors (one per certificate it applies to), in the order
   * of trustErrors. Absent in documents written before it existed.
   */
  trustErrorDetails?: { reason: TrustError; message: string }[];
  /** The leaf's extendedKeyUsage (serverAuth, clientAuth, or an OID); null without the extension (any use). */
  extendedKeyUsage?: string[] | null;
  /**
   * The leaf may also authenticate a TLS client (no extendedKeyUsage, or one with clientAuth or
   * anyExtendedKeyUsage): what an s2s server needs when it presents this certificate to its peers.
   * Absent in documents written before it existed.
   */
  clientAuth?: boolean;
  hostnameValid: boolean;
  identity: IdentityCheck;
  selfSigned: boolean;
  /** Chain as the server presented it (leaf first): summaries of the first 16 certificates. */
  chain: ChainEntry[];
  /**
   * How many certificates the server sent (more than `chain` lists when over 16, unreadable ones
   * included). Absent in documents written before it existed.
   */
  chainLength?: number;
  /** Path we built from the leaf to a trust anchor (or as far as we got), leaf first. */
  builtChain: ChainEntry[];
}

export interface ChainEntry {
  subject: string;
  issuer: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  keyBits: number | null;
  signatureAlgorithm: string;
  /** Where this certificate came from when building the path. */
  source: 'presented' | 'trust_store' | 'ca_file' | 'aia';
}

export interface TlsSessionFacts {
  /** What Node's TLS negotiated for the certificate handshake (`TLSv1.3`, …). */
  protocol: string | null;
  cipher: string | null;
}

export type ProtocolName = 'SSLv2' | 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** One accepted (protocol, cipher suite) pair, with the suite's registry properties. */
export interface CipherSuiteFinding {
  protocol: ProtocolName;
  /** `0xC030`; SSLv2 cipher specs have three bytes (`0x0700C0`). */
  code: string;
  /** IANA name (SSLv2: the spec's name, e.g. `SSL_CK_DES_192_EDE3_CBC_WITH_MD5`). */
  name: string;
  openssl: string | null;
  /** Nominal key bits, and strength in bits (3DES: 168 and 112). */
  bits: number;
  effectiveBits: number;
  keyExchange: string;
  authentication: string;
  encryption: string;
  mac: string;
  aead: boolean;
  forwardSecrecy: boolean;
  export: boolean;
  anonymous: boolean;
  null: boolean;
  rc4: boolean;
  /** 64-bit block cipher (3DES, DES, IDEA, RC2). */
  blockSize64: boolean;
  /** ECDHE: the group the server chose when we offered ours; DHE: the prime size. */
  kxGroup: string | null;
  dhBits: number | null;
}

/** A cipher suite the server refuses to see offered (see TlsResult.intolerantSuites). */
export interface IntolerantSuite {
  protocol: ProtocolName;
  /** `0xC0A0` */
  code: string;
  /** IANA name. */
  name: string;
}

/** Cipher suite order per protocol. */
export interface CipherOrder {
  protocol: ProtocolName;
  /** true: the server picks by its own order; false: it follows ours; null: one suite only. */
  serverEnforced: boolean | null;
  /** The server's order (codes as in `cipherSuites`) when it enforces one. */
  order: string[];
}

export interface GroupFinding {
  /** `0x001D` */
  code: string;
  name: string;
  /** Where we saw it: an ECDHE ServerKeyExchange (TLS ≤ 1.2) or a TLS 1.3 key share / HelloRetryRequest. */
  protocol: 'TLSv1.2' | 'TLSv1.3';
  kind: string;
  /** EC field size or FFDHE modulus size. */
  bits: number | null;
}

export interface DhFinding {
  bits: number;
  /** A known group (RFC 2409/3526/5114/7919 or a common 1024-bit prime), or null. */
  name: string | null;
  protocol: ProtocolName;
}

/** The raw TLS prober's findings for one endpoint. */
export interface TlsResult {
  protocols: Record<ProtocolName, boolean>;
  /** Protocols we could not decide (the server stalled or broke every probe): their error. */
  protocolErrors: Partial<Record<ProtocolName, ScanErrorInfo>>;
  cipherSuites: CipherSuiteFinding[];
  /**
   * Suites that break a hello: the server refuses it unlike its usual "no shared suite" (mbedTLS
   * picks an ARIA suite it lists and closes; Erlang/OTP picks an SRP suite it cannot use), or never
   * answers it. Never negotiable; isolated so that they hide no other suite. Absent in documents
   * written before this field existed (read: none).
   */
  intolerantSuites?: IntolerantSuite[];
  serverPreference: CipherOrder[];
  groups: GroupFinding[];
  dh: DhFinding[];
  /** TLS compression (DEFLATE) accepted. null: not tested (no TLS ≤ 1.2). */
  compression: boolean | null;
  /** RFC 5746 renegotiation_info in the ServerHello (TLS ≤ 1.2). */
  secureRenegotiation: boolean | null;
  /** A lower-version hello with TLS_FALLBACK_SCSV got inappropriate_fallback. null: needs two protocols. */
  fallbackScsv: boolean | null;
  /** The server sent a CertificateRequest (TLS ≤ 1.2). */
  clientCertificateRequested: boolean | null;
  /** DER certificates (base64) in the Certificate message, as sent (TLS ≤ 1.2). */
  certificateChain: string[];
  /** Odd behaviour worth a human's eye: version intolerance, downgrades, retries. */
  notes: string[];
  /**
   * The prober was stopped by a deadline (endpoint or scan budget) before it finished: what it
   * found is kept, but lists may be incomplete, so the endpoint is not graded. Absent in documents
   * written before this field existed (read: false).
   */
  partial?: boolean;
  probeCount: number;
  durationSeconds: number;
}

export type EndpointStatus = 'ok' | 'error' | 'skipped';

/** Where an endpoint is and how it was found: what discovery yields and every result repeats. */
export interface EndpointLocation {
  /** SRV target, the domain itself (fallback) or the `connect` override host. */
  host: string;
  port: number;
  /** IP address; `''` when the host has none (then the error says why). */
  address: string;
  /** For `address: ''` entries: 6 when only the AAAA lookup failed, else 4 (there is no address). */
  family: 4 | 6;
  /** XEP-0368 direct TLS (`_xmpps-*` records) rather than STARTTLS. */
  directTls: boolean;
  source: 'srv' | 'fallback' | 'override';
  /** SRV priority and weight when source is `srv`. */
  priority: number | null;
  weight: number | null;
}

/** How DNSSEC vouched for an answer (RFC 4035 §3.2.3), as the validating resolver said with its AD bit. */
export type DnssecStatus = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

/**
 * DANE verdict of an endpoint (RFC 6698, RFC 7671, RFC 7673): `none` no TLSA records published;
 * `valid` a usable record matches the chain the server sent; `mismatch` TLSA is published and
 * DNSSEC-secure but no record matches; `insecure` records exist but some answer on the way (SRV,
 * address, TLSA) is not signed, so no client may use them; `bogus` an answer failed DNSSEC
 * validation; `error` the lookups failed, or the resolver does not validate.
 */
export type DaneStatus = 'none' | 'valid' | 'mismatch' | 'insecure' | 'bogus' | 'error';

/** One TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type, association data (lowercase hex). */
export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  data: string;
}

/** A record that authenticated the chain, and the depth of the certificate it matched (0 = leaf). */
export interface DaneMatch extends TlsaRecord {
  depth: number;
}

export type DaneProblemCode =
  /** The SRV, address or TLSA answer is not signed (insecure): TLSA must not be used (RFC 7673 §3). */
  | 'srv_insecure'
  | 'address_insecure'
  | 'tlsa_insecure'
  /** An answer failed DNSSEC validation. */
  | 'srv_bogus'
  | 'address_bogus'
  | 'tlsa_bogus'
  /** The resolver never sets the AD bit: it does not validate, so no DNSSEC status can be known. */
  | 'resolver_not_validating'
  /** A lookup got no usable answer (timeout, SERVFAIL that is not bogus, refused). */
  | 'lookup_failed'
  /** The server sent no certificate we could read, so nothing could be matched. */
  | 'no_certificate'
  /** What matching found (src/certificate/dane.ts). */
  | 'unusable_record'
  | 'no_match'
  | 'pkix_untrusted'
  | 'trust_anchor_not_in_chain'
  | 'name_mismatch'
  | 'chain_invalid'
  /** Advisory on a record that does match: its DANE-TA anchor is outside its own validity period. */
  | 'trust_anchor_expired';

export interface DaneProblem {
  code: DaneProblemCode;
  message: string;
  /** Index in `records` when the problem is about one record. */
  record?: number;
}

export interface DaneResult {
  status: DaneStatus;
  /** The TLSA owner name (`_5222._tcp.xmpp.example.org`); null when the endpoint's host is an IP address. */
  name: string | null;
  /** DNSSEC status of each answer on the way; null when not asked (no SRV for a fallback or override). */
  dnssec: { srv: DnssecStatus | null; address: DnssecStatus | null; tlsa: DnssecStatus | null };
  records: TlsaRecord[];
  matched: DaneMatch[];
  problems: DaneProblem[];
}

/** Why a simulated client could not connect (docs/result.md#simulations). */
export type SimulationFailure =
  /** The server chose a protocol version the client does not accept, or refused every version it offers (protocol_version alert). */
  | 'no_shared_protocol'
  /** The server refused every cipher suite (or key exchange group: the alert cannot tell) the client offers (handshake_failure / insufficient_security). */
  | 'no_shared_cipher'
  /** No key exchange group in common (TLS 1.3 HelloRetryRequest for a group the client does not have, or refused groups). */
  | 'no_shared_group'
  /** The server's choice is one the client refuses: a suite, group, version or ALPN it did not offer, a DH prime smaller than it accepts, a signature scheme it does not allow. */
  | 'rejected_by_client'
  /** Another alert from the server. */
  | 'alert'
  /** The server closed or reset the connection without an alert. */
  | 'closed'
  | 'timeout'
  /** The answer was not TLS the client could read. */
  | 'malformed';

/** One simulated client (a profile of src/tls/registry/client-profiles/): could it connect, and with what. */
export interface SimulationResult {
  /** The profile's id (`openssl_3_0`, …). */
  profile: string;
  connects: boolean;
  /** What the handshake would negotiate; null when it does not connect. */
  protocol: ProtocolName | null;
  /** IANA name of the suite, and its code (`0xC02F`). */
  cipherSuite: string | null;
  cipherSuiteCode: string | null;
  /** The key exchange group or DH size (`x25519`, `secp256r1`, `DH 2048`); null for RSA key exchange or when it does not connect. */
  group: string | null;
  forwardSecrecy: boolean | null;
  failure: { reason: SimulationFailure; message: string } | null;
}

export interface EndpointResult extends EndpointLocation {
  status: EndpointStatus;
  error: ScanErrorInfo | null;
  xmpp: XmppFacts | null;
  certificate: CertificateResult | null;
  session: TlsSessionFacts | null;
  /** Raw TLS probing (protocols, cipher suites, key exchange); null when not run. */
  tls: TlsResult | null;
  /** The endpoint's grade; null when it could not be graded (not scanned far enough). */
  grade: EndpointGrade | null;
  /**
   * DANE (TLSA with DNSSEC) for this endpoint; null when not checked (skipped endpoint, DANE
   * switched off). Absent in documents written before it existed.
   */
  dane?: DaneResult | null;
  /**
   * Handshake simulation: one entry per client profile of the scan's mode (docs/result.md#simulations);
   * null when not run (skipped endpoint, no TLS, simulation switched off). Absent in documents written before it existed.
   */
  simulations?: SimulationResult[] | null;
  durationSeconds: number;
}

export interface ScanResult {
  schemaVersion: 1;
  domain: string;
  mode: Mode;
  startedAt: string;
  durationSeconds: number;
  /** Domain-level failure (no endpoint could be found): DNS failure, service not offered. */
  error: ScanErrorInfo | null;
  /**
   * Domain-level problems the scan got past (one SRV lookup of two failed, …). Absent in
   * documents written before this field existed (read: none).
   */
  warnings?: ScanWarning[];
  endpoints: EndpointResult[];
  /** The domain's grade: its worst endpoint; null when no endpoint was graded. */
  grade: DomainGrade | null;
  scanner: { name: string; version: string };
  /**
   * The server software as the domain answers XEP-0092 (jabber:iq:version), asked through the
   * configured client account after the TLS scan, in both modes. null when no account is
   * configured; absent in documents written before the field existed.
   */
  software?: SoftwareInfo | null;
}

/** Why the software version query failed. */
export type SoftwareErrorCode =
  /** Could not connect or log in to the account's own server (network, TLS, stream, no usable SASL mechanism). */
  | 'login_failed'
  /** The account's server refused the credentials (SASL failure, e.g. `not-authorized`). */
  | 'auth_failed'
  /** No answer within the query timeout (or the scan was aborted). */
  | 'timeout'
  /** The domain (or our server on its behalf) answered with an error stanza; `condition` says which. */
  | 'stanza_error'
  /** An answer without a jabber:iq:version query in it. */
  | 'invalid_reply'
  /** The client connection broke while the query was waiting. */
  | 'connection_lost'
  | 'internal_error';

export interface SoftwareErrorInfo {
  code: SoftwareErrorCode;
  message: string;
  /** Stanza error condition (`service-unavailable`, `remote-server-not-found`, …) or SASL failure condition (`not-authorized`, …). */
  condition?: string;
}

/**
 * XEP-0092 answer. The texts are server-controlled: control characters are removed, whitespace
 * collapsed and lengths capped; an empty or missing element is null.
 */
export interface SoftwareInfo {
  name: string | null;
  version: string | null;
  os: string | null;
  /** When the query was sent, ISO 8601 UTC. */
  queriedAt: string;
  /** Present only when the query failed (then name, version and os are null). */
  error?: SoftwareErrorInfo;
}
