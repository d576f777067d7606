import fc from 'fast-check';
import { describeUnexpectedBytes } from '../../../src/connector/unexpected-bytes.js';
import { socketErrorToScanError } from '../../../src/result/socket-errors.js';
import { ScanError } from '../../../src/result/errors.js';
import type { ErrorCode } from '../../../src/result/types.js';

const PEER = 'xmpp.example.org (192.0.2.10) port 5222';

/** An Error as Node's net/tls modules make them: a message and a `code`. */
function nodeError(code: string | undefined, message: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('socketErrorToScanError', () => {
  it.each<[code: string | undefined, nodeMessage: string, expected: ErrorCode, message: string]>([
    ['ECONNREFUSED', 'connect ECONNREFUSED 192.0.2.10:5222', 'connection_refused', `${PEER} refused the connection`],
    ['ECONNRESET', 'read ECONNRESET', 'connection_reset', `${PEER} reset the connection`],
    ['EPIPE', 'write EPIPE', 'connection_reset', `${PEER} reset the connection`],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 192.0.2.10:5222', 'host_unreachable', `${PEER} is unreachable (EHOSTUNREACH)`],
    ['ENETUNREACH', 'connect ENETUNREACH 2001:db8::1:5222', 'host_unreachable', `${PEER} is unreachable (ENETUNREACH)`],
    ['EADDRNOTAVAIL', 'connect EADDRNOTAVAIL', 'host_unreachable', `${PEER} is unreachable (EADDRNOTAVAIL)`],
    ['ETIMEDOUT', 'connect ETIMEDOUT 192.0.2.10:5222', 'timeout', `${PEER} timed out at the TCP level`],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', 'tls_handshake_failed', `TLS with ${PEER} failed: wrong version number`],
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'sslv3 alert handshake failure',
      'tls_handshake_failed',
      `TLS with ${PEER} failed: sslv3 alert handshake failure`,
    ],
    ['ECONNABORTED', 'socket aborted', 'connection_reset', `connection to ${PEER} failed: socket aborted`],
    ['ERR_SOCKET_CLOSED', 'Socket is closed', 'connection_reset', `connection to ${PEER} failed: Socket is closed`],
    [undefined, 'something odd', 'connection_reset', `connection to ${PEER} failed: something odd`],
  ])('%s → %s', (code, nodeMessage, expected, message) => {
    const cause = nodeError(code, nodeMessage);
    const err = socketErrorToScanError(cause, PEER, 'connect');
    expect(err).toBeInstanceOf(ScanError);
    expect(err.code).toBe(expected);
    expect(err.message).toBe(message);
    expect(err.phase).toBe('connect');
    expect(err.cause).toBe(cause);
  });

  it('names the OpenSSL error code as the condition of a TLS failure, and nothing else', () => {
    expect(socketErrorToScanError(nodeError('ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'no protocols available'), PEER, 'tls_handshake').toJSON()).toEqual({
      code: 'tls_handshake_failed',
      message: `TLS with ${PEER} failed: no protocols available`,
      phase: 'tls_handshake',
      condition: 'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
    });
    expect(socketErrorToScanError(nodeError('ECONNRESET', 'read ECONNRESET'), PEER, 'tls_handshake').toJSON()).toEqual({
      code: 'connection_reset',
      message: `${PEER} reset the connection`,
      phase: 'tls_handshake',
    });
  });

  it.each<[what: string, code: string | undefined, expected: ErrorCode]>([
    ['a certificate verification code', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls_handshake_failed'],
    ['a host name check', 'ERR_TLS_CERT_ALTNAME_INVALID', 'tls_handshake_failed'],
    ['no code at all (a checkServerIdentity error)', undefined, 'tls_handshake_failed'],
    ['a socket errno code', 'ECONNRESET', 'connection_reset'],
    ['an unknown errno code', 'ECONNABORTED', 'connection_reset'],
    ['a closed socket', 'ERR_SOCKET_CLOSED', 'connection_reset'],
  ])('raised by the TLS layer, %s → %s (by the code, not the words)', (_what, code, expected) => {
    const err = socketErrorToScanError(nodeError(code, 'words that say TLS and SSL and alert'), PEER, 'tls_handshake', 'tls');
    expect(err.code).toBe(expected);
    expect(err.condition).toBe(expected === 'tls_handshake_failed' ? code : undefined);
  });

  it('an error from the socket layer with TLS-sounding words is not taken for a TLS failure', () => {
    expect(socketErrorToScanError(nodeError(undefined, 'ssl tls alert'), PEER).code).toBe('connection_reset');
  });

  it('leaves the phase out when none is given', () => {
    expect(socketErrorToScanError(nodeError('ECONNRESET', 'read ECONNRESET'), PEER).toJSON()).toEqual({
      code: 'connection_reset',
      message: `${PEER} reset the connection`,
    });
  });
});

describe('describeUnexpectedBytes', () => {
  const DIRECT_TLS = 'server answered with TLS instead of XML: this looks like a direct-TLS port (try --direct-tls)';
  const bytes = (...values: number[]) => Buffer.from(values);

  it.each<[string, Buffer, string | null]>([
    ['a TLS handshake record (ServerHello)', bytes(0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03), DIRECT_TLS],
    ['a TLS 1.0 record header', bytes(0x16, 0x03, 0x01), DIRECT_TLS],
    ['a TLS alert record', bytes(0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46), DIRECT_TLS],
    ['a lone 0x16 byte', bytes(0x16), 'server sent data that is not XML: "."'],
    ['0x16 followed by something else than a TLS version', bytes(0x16, 0x41, 0x42), 'server sent data that is not XML: ".AB"'],
    [
      'an HTTP response',
      Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html></html>'),
      'server answered with HTTP instead of XML: "HTTP/1.1 400 Bad Request"',
    ],
    ['an HTTP/1.0 response with a bare LF', Buffer.from('HTTP/1.0 302 Found\nLocation: /'), 'server answered with HTTP instead of XML: "HTTP/1.0 302 Found"'],
    [
      'an SSH banner',
      Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n'),
      'server answered with an SSH banner instead of XML: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"',
    ],
    ['an SMTP greeting', Buffer.from('220 mail.example.org ESMTP Postfix\r\n'), 'server sent data that is not XML: "220 mail.example.org ESMTP Postfix"'],
    ['binary junk, shown with dots', bytes(0x00, 0x01, 0xff, 0x41, 0x7f, 0x42), 'server sent data that is not XML: "...A.B"'],
    ['a quote and a backslash, JSON-escaped', Buffer.from('say "hi" \\o/'), 'server sent data that is not XML: "say \\"hi\\" \\\\o/"'],
    ['a long line, cut at 48 characters', Buffer.from(`${'x'.repeat(60)}\nsecond line`), `server sent data that is not XML: "${'x'.repeat(48)}"`],
    ['an XML declaration', Buffer.from("<?xml version='1.0'?><stream:stream>"), null],
    ['a stream header', Buffer.from("<stream:stream xmlns='jabber:client'>"), null],
    ['XML after whitespace', Buffer.from(' \r\n\t<stream:stream>'), null],
    ['HTML (XML-looking: the parser judges it)', Buffer.from('<html><body>'), null],
    ['nothing', Buffer.alloc(0), null],
  ])('%s', (_what, input, expected) => {
    expect(describeUnexpectedBytes(input)).toBe(expected);
  });

  // The parser accepts a stream that starts with a UTF-8 byte order mark: so must the hint.
  it('treats a stream that starts with a UTF-8 byte order mark as XML-looking', () => {
    expect(describeUnexpectedBytes(Buffer.from("\uFEFF<?xml version='1.0'?><stream:stream>"))).toBeNull();
  });

  it('never throws and always says something printable, or null for XML-looking input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (array) => {
        const input = Buffer.from(array);
        const description = describeUnexpectedBytes(input);
        if (description !== null) expect(description).toMatch(/^[\x20-\x7e]+$/);
        const looksTls = (input[0] === 0x15 || input[0] === 0x16) && input[1] === 0x03;
        expect(description === null).toBe(!looksTls && (input.length === 0 || input.toString('latin1').trimStart().startsWith('<')));
      }),
      { numRuns: 1000 },
    );
  });
});
