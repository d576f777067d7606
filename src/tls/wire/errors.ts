/**
 * The one error type the wire parsers and readers throw. Anything else escaping them is a bug.
 *
 * - `truncated`: the input ends before a field or vector it announces;
 * - `malformed`: a field has an impossible value (bad content type, length, trailing bytes, …);
 * - `too_large`: a size limit of ours (buffered bytes, handshake message size) was exceeded;
 * - `unexpected`: well-formed, but not what was asked for (wrong message type, SSLv2 vs TLS framing).
 */
export type TlsParseErrorCode = 'truncated' | 'malformed' | 'too_large' | 'unexpected';

export class TlsParseError extends Error {
  readonly code: TlsParseErrorCode;

  constructor(code: TlsParseErrorCode, message: string) {
    super(message);
    this.name = 'TlsParseError';
    this.code = code;
  }
}
