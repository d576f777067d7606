// A shallow read of a DER certificate: where its names, validity, public key and signature
// algorithm are, without decoding the rest. Why not asn1js / @peculiar/asn1-schema here: they
// decode the whole certificate (about 0.5 ms each), and path building must look at every
// certificate a server sends — hundreds from a hostile one — to find the few worth decoding.
// Each part found here is decoded with @peculiar/asn1-x509 by the caller when it is needed.

export interface CertificateOutline {
  /** The DER of each part (tag and length included). */
  issuer: Buffer;
  validity: Buffer;
  subject: Buffer;
  subjectPublicKeyInfo: Buffer;
  /** The outer signatureAlgorithm (AlgorithmIdentifier). */
  signatureAlgorithm: Buffer;
}

const SEQUENCE = 0x30;
const VERSION = 0xa0; // [0] EXPLICIT
const INTEGER = 0x02;

interface Tlv {
  tag: number;
  /** Offset of the first content byte. */
  body: number;
  /** Offset just past the content. */
  end: number;
}

/** One DER element at `offset`, within `[offset, limit)`; throws on anything malformed. */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER element');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tag');
  let length = der[offset + 1]!;
  let body = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('indefinite or oversized DER length');
    if (body + bytes > limit) throw new Error('truncated DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[body + i]!;
    body += bytes;
  }
  const end = body + length;
  if (end > limit) throw new Error('DER element overruns its container');
  return { tag, body, end };
}

function expect(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) throw new Error(`${what}: tag 0x${tlv.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return tlv;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature } (RFC 5280 §4.1). Throws when malformed. */
export function outlineCertificate(der: Buffer): CertificateOutline {
  const cert = expect(readTlv(der, 0, der.length), SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new Error('bytes after the certificate');
  const tbs = expect(readTlv(der, cert.body, cert.end), SEQUENCE, 'tbsCertificate');
  const signatureAlgorithm = expect(readTlv(der, tbs.end, cert.end), SEQUENCE, 'signatureAlgorithm');
  const slice = (t: Tlv, start: number) => der.subarray(start, t.end);
  // TBSCertificate: [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  let at = tbs.body;
  let next = readTlv(der, at, tbs.end);
  if (next.tag === VERSION) {
    at = next.end;
    next = readTlv(der, at, tbs.end);
  }
  at = expect(next, INTEGER, 'serialNumber').end;
  at = expect(readTlv(der, at, tbs.end), SEQUENCE, 'signature').end;
  const parts: Buffer[] = [];
  for (const what of ['issuer', 'validity', 'subject', 'subjectPublicKeyInfo']) {
    const t = expect(readTlv(der, at, tbs.end), SEQUENCE, what);
    parts.push(slice(t, at));
    at = t.end;
  }
  const [issuer, validity, subject, subjectPublicKeyInfo] = parts as [Buffer, Buffer, Buffer, Buffer];
  return { issuer, validity, subject, subjectPublicKeyInfo, signatureAlgorithm: slice(signatureAlgorithm, tbs.end) };
}
