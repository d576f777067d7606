// The certificate chain exactly as the server sent it, read from the bytes of a handshake that
// Node's TLS made. Node only reports the chain it rebuilt (tls getPeerCertificate(true) follows
// issuer links with OpenSSL's X509_check_issued): certificates that are not a proper issuer
// (an end-entity certificate used as a CA, keyUsage without keyCertSign), the second of two
// same-name intermediates, duplicates and junk are dropped, and the order is Node's. The path
// validator must see what was sent, so we read the Certificate message ourselves:
//   - TLS ≤ 1.2: it is in the clear;
//   - TLS 1.3: it is encrypted with the server handshake traffic secret, which Node hands out
//     through the 'keylog' event (NSS key log format); RFC 8446 §7 derives key and IV from it.
// Pure: bytes and key log lines in, certificates out; null when the handshake cannot be read
// (the caller then falls back to Node's chain). No library does this for Node: TLS stacks keep
// their handshake to themselves, and this project's wire parsers already read the messages.
import { createDecipheriv, createHmac } from 'node:crypto';
import { ContentType, HandshakeType, TlsVersion } from './wire/constants.js';
import { parseCertificate, parseServerHello } from './wire/handshake.js';
import { HandshakeReassembler, TlsRecordReader } from './wire/records.js';

/** Largest server flight we read (a larger one is not a chain we could judge either). */
export const MAX_SENT_CHAIN_BYTES = 256 * 1024;

interface Tls13Cipher {
  algorithm: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: number;
  hash: 'sha256' | 'sha384';
}

// The AEADs a TLS 1.3 client can offer through Node's OpenSSL by default (CCM suites are not).
const TLS13_CIPHERS: ReadonlyMap<number, Tls13Cipher> = new Map([
  [0x1301, { algorithm: 'aes-128-gcm', keyLength: 16, hash: 'sha256' }],
  [0x1302, { algorithm: 'aes-256-gcm', keyLength: 32, hash: 'sha384' }],
  [0x1303, { algorithm: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' }],
]);

const TAG_LENGTH = 16;

/**
 * The certificates (DER, in the order sent) of the server's Certificate message, from the bytes
 * the server sent during the handshake and the key log lines of the connection. Null when the
 * bytes hold no readable Certificate message (resumed session, unknown cipher, malformed or
 * truncated input, a secret that does not decrypt).
 */
export function sentCertificateChain(serverBytes: Buffer, keylog: readonly string[]): Buffer[] | null {
  try {
    return readChain(serverBytes, keylog);
  } catch {
    // Any parse or decryption error: the caller falls back to the chain Node rebuilt.
    return null;
  }
}

function readChain(serverBytes: Buffer, keylog: readonly string[]): Buffer[] | null {
  if (serverBytes.length > MAX_SENT_CHAIN_BYTES) return null;
  const records = new TlsRecordReader({ maxBuffered: MAX_SENT_CHAIN_BYTES });
  records.push(serverBytes);
  const clear = new HandshakeReassembler();
  let decrypt: ((record: Buffer, header: Buffer) => { type: number; content: Buffer }) | null = null;
  let encrypted: HandshakeReassembler | null = null;

  for (let record = records.nextRecord(); record !== null; record = records.nextRecord()) {
    if (decrypt === null) {
      if (record.contentType !== ContentType.handshake) continue; // alerts, CCS before the keys
      clear.push(record.fragment);
      for (let m = clear.next(); m !== null; m = clear.next()) {
        if (m.type === HandshakeType.certificate) return parseCertificate(m.body, false);
        if (m.type !== HandshakeType.server_hello) continue;
        const hello = parseServerHello(m.body);
        if (hello.isHelloRetryRequest || hello.selectedVersion !== TlsVersion.TLS1_3) continue;
        const cipher = TLS13_CIPHERS.get(hello.cipherSuite);
        const secret = serverHandshakeSecret(keylog);
        if (!cipher || !secret) return null;
        decrypt = recordDecrypter(cipher, secret);
        encrypted = new HandshakeReassembler();
      }
      continue;
    }
    // TLS 1.3 after the ServerHello: the middlebox-compatibility CCS is in the clear, the rest
    // is application_data records wrapping handshake messages.
    if (record.contentType !== ContentType.application_data) continue;
    const header = Buffer.from([record.contentType, record.version >> 8, record.version & 0xff, record.fragment.length >> 8, record.fragment.length & 0xff]);
    const inner = decrypt(record.fragment, header);
    if (inner.type !== ContentType.handshake) continue;
    encrypted!.push(inner.content);
    for (let m = encrypted!.next(); m !== null; m = encrypted!.next()) {
      if (m.type === HandshakeType.certificate) return parseCertificate(m.body, true);
      if (m.type === HandshakeType.certificate_verify || m.type === HandshakeType.finished) return null;
    }
  }
  return null;
}

/** The SERVER_HANDSHAKE_TRAFFIC_SECRET of the connection's key log (the last, after a HelloRetryRequest). */
function serverHandshakeSecret(keylog: readonly string[]): Buffer | null {
  let secret: Buffer | null = null;
  for (const line of keylog) {
    const [label, , hex] = line.trim().split(' ');
    if (label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET' && hex !== undefined && /^[0-9a-f]+$/i.test(hex)) secret = Buffer.from(hex, 'hex');
  }
  return secret;
}

/** RFC 8446 §7.3: the record protection of one traffic secret; each call takes the next sequence number. */
function recordDecrypter(cipher: Tls13Cipher, secret: Buffer): (fragment: Buffer, header: Buffer) => { type: number; content: Buffer } {
  const key = hkdfExpandLabel(cipher.hash, secret, 'key', cipher.keyLength);
  const iv = hkdfExpandLabel(cipher.hash, secret, 'iv', 12);
  let sequence = 0n;
  return (fragment, header) => {
    if (fragment.length < TAG_LENGTH + 1) throw new Error('encrypted record too short');
    const nonce = Buffer.from(iv);
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(sequence++);
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seq[i]!;
    // (typed as GCM: the typings have no overload for a union of AEAD names; ChaCha20-Poly1305 takes the same calls)
    const decipher = createDecipheriv(cipher.algorithm as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(header);
    decipher.setAuthTag(fragment.subarray(fragment.length - TAG_LENGTH));
    const plain = Buffer.concat([decipher.update(fragment.subarray(0, fragment.length - TAG_LENGTH)), decipher.final()]);
    // TLSInnerPlaintext: content, the real content type, then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new Error('encrypted record without a content type');
    return { type: plain[end]!, content: plain.subarray(0, end) };
  };
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
export function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  // HKDF-Expand (RFC 5869 §2.3); node:crypto's hkdf always runs Extract first, so it cannot be used.
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, secret)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
