// Certificate parsing: DER in, the plain-JSON CertificateDetails out.
// node:crypto (OpenSSL) does the parts it does well (DER validation, fingerprints, serial, key
// details, PEM); @peculiar/asn1-x509 gives us the structure (validity, extensions, including the
// XMPP otherName SANs that node:crypto only offers as display text) and @peculiar/x509 the names.
import 'reflect-metadata'; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { CertificateDetails, KeyType, SubjectAltNames } from '../result/types.js';

export const OID_SRV_NAME = '1.3.6.1.5.5.7.8.7';
export const OID_XMPP_ADDR = '1.3.6.1.5.5.7.8.5';

interface SignatureAlgorithmInfo {
  name: string;
  /** Uses a hash that is broken for signatures (MD2/MD4/MD5/SHA-1). */
  weak: boolean;
}

// OpenSSL's names (`openssl x509 -text`), so reports read like the tool people already know.
const SIGNATURE_ALGORITHMS: Record<string, SignatureAlgorithmInfo> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', weak: true },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', weak: true },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', weak: true },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', weak: true },
  '1.3.14.3.2.29': { name: 'sha1WithRSA', weak: true },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', weak: false },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', weak: false },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', weak: true },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', weak: false },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', weak: false },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', weak: false },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', weak: false },
  '1.2.840.10040.4.3': { name: 'dsaWithSHA1', weak: true },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa_with_SHA224', weak: false },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa_with_SHA256', weak: false },
  '1.3.101.112': { name: 'ED25519', weak: false },
  '1.3.101.113': { name: 'ED448', weak: false },
};

const WEAK_SIGNATURE_NAMES = new Set(
  Object.values(SIGNATURE_ALGORITHMS)
    .filter((a) => a.weak)
    .map((a) => a.name),
);

/** True for signature algorithms whose hash is broken (MD2/MD4/MD5/SHA-1). */
export function isWeakSignatureAlgorithm(name: string): boolean {
  return WEAK_SIGNATURE_NAMES.has(name);
}

// OpenSSL curve names → NIST names, with the field size in bits.
const EC_CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
};

/** Parses a DER (or PEM) certificate. Throws an Error with a readable message when malformed. */
export function parseCertificate(der: Buffer | Uint8Array): CertificateDetails {
  return decodeCertificate(der).details;
}

/** parseCertificate, with the decoded ASN.1 structure and OpenSSL's object (for callers that read more of it). */
export function decodeCertificate(der: Buffer | Uint8Array): { details: CertificateDetails; asn: asn1x509.Certificate; node: NodeX509 } {
  const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  let node: NodeX509;
  let cert: asn1x509.Certificate;
  try {
    // OpenSSL first: it rejects malformed DER quickly and cleanly.
    node = new NodeX509(bytes);
    cert = AsnConvert.parse(node.raw, asn1x509.Certificate);
  } catch (err) {
    throw new Error(`malformed certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return { details: describe(node, cert), asn: cert, node };
  } catch (err) {
    throw new Error(`malformed certificate extension or name: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function describe(node: NodeX509, cert: asn1x509.Certificate): CertificateDetails {
  const tbs = cert.tbsCertificate;
  const subjectName = new x509.Name(tbs.subject);
  const subject = subjectName.toString();
  const issuer = new x509.Name(tbs.issuer).toString();
  const ext = extensionReader(tbs);
  const basicConstraints = ext(asn1x509.id_ce_basicConstraints, asn1x509.BasicConstraints);
  const aia = ext(asn1x509.id_pe_authorityInfoAccess, asn1x509.AuthorityInfoAccessSyntax) ?? [];
  const crl = ext(asn1x509.id_ce_cRLDistributionPoints, asn1x509.CRLDistributionPoints) ?? [];
  const san = ext(asn1x509.id_ce_subjectAltName, asn1x509.SubjectAlternativeName) ?? [];
  const key = describePublicKey(() => node.publicKey);
  const signatureOid = cert.signatureAlgorithm.algorithm;

  return {
    subject,
    issuer,
    // The last CN is the most specific one when a subject (unusually) carries several.
    commonName: subjectName.getField('CN').at(-1) ?? null,
    sans: subjectAltNames(san),
    serial: node.serialNumber.toUpperCase(),
    fingerprintSha1: node.fingerprint,
    fingerprintSha256: node.fingerprint256,
    notBefore: tbs.validity.notBefore.getTime().toISOString(),
    notAfter: tbs.validity.notAfter.getTime().toISOString(),
    keyType: key.type,
    keyBits: key.bits,
    curve: key.curve,
    signatureAlgorithm: signatureAlgorithmName(signatureOid),
    isCa: basicConstraints?.cA ?? false,
    selfIssued: subject === issuer,
    ocspUrls: accessUrls(aia, asn1x509.id_ad_ocsp),
    caIssuersUrls: accessUrls(aia, asn1x509.id_ad_caIssuers),
    crlUrls: crl.flatMap((dp) => uris(dp.distributionPoint?.fullName ?? [])),
    pem: node.toString(),
  };
}

/** Returns a reader that decodes one extension (by OID) with its asn1-x509 schema, or null. */
function extensionReader(tbs: asn1x509.TBSCertificate) {
  // Decode the raw ASN.1 extensions: @peculiar/x509's own extension classes refuse SANs holding
  // otherNames they do not know (such as XmppAddr).
  const extensions = tbs.extensions ?? [];
  return <T>(oid: string, schema: new () => T): T | null => {
    const found = extensions.find((e) => e.extnID === oid);
    return found ? AsnConvert.parse(found.extnValue, schema) : null;
  };
}

function subjectAltNames(names: asn1x509.GeneralName[]): SubjectAltNames {
  const sans: SubjectAltNames = { dns: [], srv: [], xmppAddr: [], ip: [], uri: [], email: [] };
  for (const name of names) {
    if (name.dNSName !== undefined) sans.dns.push(name.dNSName);
    else if (name.iPAddress !== undefined) sans.ip.push(name.iPAddress);
    else if (name.uniformResourceIdentifier !== undefined) sans.uri.push(name.uniformResourceIdentifier);
    else if (name.rfc822Name !== undefined) sans.email.push(name.rfc822Name);
    else if (name.otherName?.typeId === OID_SRV_NAME) pushDefined(sans.srv, decodeString(name.otherName.value, asn1js.IA5String));
    else if (name.otherName?.typeId === OID_XMPP_ADDR) pushDefined(sans.xmppAddr, decodeString(name.otherName.value, asn1js.Utf8String));
  }
  return sans;
}

function pushDefined(list: string[], value: string | null): void {
  if (value !== null) list.push(value);
}

/**
 * Decodes the [0] EXPLICIT content of an otherName as the string type the RFC prescribes
 * (RFC 4985 SRVName: IA5String; RFC 6120 XmppAddr: UTF8String). A value of another type is
 * not a valid identifier and is skipped rather than guessed at.
 */
function decodeString(value: ArrayBuffer, type: typeof asn1js.IA5String | typeof asn1js.Utf8String): string | null {
  const parsed = asn1js.fromBER(value);
  if (parsed.offset === -1 || !(parsed.result instanceof type)) return null;
  return parsed.result.valueBlock.value;
}

function accessUrls(aia: asn1x509.AccessDescription[], method: string): string[] {
  return uris(aia.filter((a) => a.accessMethod === method).map((a) => a.accessLocation));
}

function uris(names: asn1x509.GeneralName[]): string[] {
  return names.flatMap((n) => (n.uniformResourceIdentifier === undefined ? [] : [n.uniformResourceIdentifier]));
}

/** OpenSSL's name of a signature algorithm OID (the OID itself when unknown). */
export function signatureAlgorithmName(oid: string): string {
  return SIGNATURE_ALGORITHMS[oid]?.name ?? oid;
}

/** Type, size and curve of a public key; `unknown` for a key OpenSSL cannot load. */
export function describePublicKey(load: () => KeyObject): { type: KeyType; bits: number | null; curve: string | null } {
  let type: string | undefined;
  let details: { modulusLength?: number; namedCurve?: string } = {};
  try {
    const key = load();
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails ?? {};
  } catch {
    // Key algorithms OpenSSL cannot load (e.g. GOST): report them as unknown, not as an error.
  }
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return { type: 'RSA', bits: details.modulusLength ?? null, curve: null };
    case 'dsa':
      return { type: 'DSA', bits: details.modulusLength ?? null, curve: null };
    case 'ec': {
      const curve = details.namedCurve ?? null;
      const known = curve === null ? undefined : EC_CURVES[curve];
      if (known) return { type: 'EC', bits: known.bits, curve: known.name };
      // Other curves carry their size in the name: secp224r1, brainpoolP512r1, prime192v1, …
      const size = curve?.match(/(\d{3})/)?.[1];
      return { type: 'EC', bits: size === undefined ? null : Number(size), curve };
    }
    case 'ed25519':
      return { type: 'Ed25519', bits: 256, curve: null };
    case 'ed448':
      return { type: 'Ed448', bits: 456, curve: null };
    default:
      return { type: 'unknown', bits: null, curve: null };
  }
}
