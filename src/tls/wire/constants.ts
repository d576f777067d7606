// Protocol numbers used by the wire builders and parsers (IANA TLS parameters registries).

export const TlsVersion = {
  SSL2: 0x0002,
  SSL3: 0x0300,
  TLS1_0: 0x0301,
  TLS1_1: 0x0302,
  TLS1_2: 0x0303,
  TLS1_3: 0x0304,
} as const;

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
} as const;

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_url: 21,
  certificate_status: 22,
  key_update: 24,
  compressed_certificate: 25,
  message_hash: 254,
} as const;

export const ExtensionType = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** Largest plaintext fragment a record may carry (RFC 8446 §5.1). */
export const MAX_PLAINTEXT = 16384;
/** Largest fragment we accept from a peer: TLS ≤ 1.2 allows ciphertext up to 2^14 + 2048. */
export const MAX_RECORD_FRAGMENT = 16384 + 2048;

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM: Buffer = Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex');

/** "DOWNGRD" — the first 7 bytes of the last 8 of a downgrade-protected ServerHello.random. */
export const DOWNGRADE_PREFIX: Buffer = Buffer.from('444F574E475244', 'hex');

/** Alert descriptions of RFC 5246, 6066, 7301, 7507, 8446 and RFC 2246's deprecated ones. */
export const ALERT_DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [0, 'close_notify'],
  [10, 'unexpected_message'],
  [20, 'bad_record_mac'],
  [21, 'decryption_failed'],
  [22, 'record_overflow'],
  [30, 'decompression_failure'],
  [40, 'handshake_failure'],
  [41, 'no_certificate'],
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [47, 'illegal_parameter'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
  [50, 'decode_error'],
  [51, 'decrypt_error'],
  [60, 'export_restriction'],
  [70, 'protocol_version'],
  [71, 'insufficient_security'],
  [80, 'internal_error'],
  [86, 'inappropriate_fallback'],
  [90, 'user_canceled'],
  [100, 'no_renegotiation'],
  [109, 'missing_extension'],
  [110, 'unsupported_extension'],
  [111, 'certificate_unobtainable'],
  [112, 'unrecognized_name'],
  [113, 'bad_certificate_status_response'],
  [114, 'bad_certificate_hash_value'],
  [115, 'unknown_psk_identity'],
  [116, 'certificate_required'],
  [120, 'no_application_protocol'],
  [121, 'ech_required'],
]);

/** SSLv2 message types. */
export const Sslv2MessageType = {
  error: 0,
  client_hello: 1,
  client_master_key: 2,
  client_finished: 3,
  server_hello: 4,
  server_verify: 5,
  server_finished: 6,
  request_certificate: 7,
  client_certificate: 8,
} as const;

/** SSLv2 ERROR message codes. */
export const SSLV2_ERRORS: ReadonlyMap<number, string> = new Map([
  [1, 'no_cipher'],
  [2, 'no_certificate'],
  [4, 'bad_certificate'],
  [6, 'unsupported_certificate_type'],
]);
