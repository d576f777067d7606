import 'reflect-metadata'; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { type KeyObject, X509Certificate as NodeX509, createHash, createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import type { ChainEntry } from '../result/types.js';
import { outlineCertificate } from './outline.js';
import { describePublicKey, signatureAlgorithmName } from './parse.js';

/**
 * A certificate as path building handles it: names and key identity from a shallow read (cheap
 * for the hundreds of certificates a hostile server may send), OpenSSL's object, the public key
 * and the summary decoded only when asked, once. Throws on construction when even the outline is
 * malformed.
 */
export class ChainCertificate {
  readonly der: Buffer;
  /** SHA-256 fingerprint in Node's format (AB:CD:…). */
  readonly fingerprint256: string;
  /**
   * The names as compared: their DER bytes, as Go's crypto/x509 compares them (the CA/Browser
   * Forum baseline requires an issuer name byte-for-byte equal to its CA's subject). OpenSSL
   * compares a canonical form, which also matches differently encoded equal names.
   */
  readonly subjectKey: string;
  readonly issuerKey: string;
  /** SHA-256 of the SubjectPublicKeyInfo: certificates with the same key share it. */
  readonly keyId: string;
  private readonly outline: ReturnType<typeof outlineCertificate>;
  private nodeValue: NodeX509 | null | undefined;
  private keyValue: KeyObject | null | undefined;
  private summaryValue: Omit<ChainEntry, 'source'> | null | undefined;
  private subjectValue: string | undefined;
  private issuerValue: string | undefined;

  constructor(der: Buffer, node?: NodeX509) {
    this.der = der;
    this.outline = outlineCertificate(der);
    this.fingerprint256 = colonHex(createHash('sha256').update(der).digest('hex'));
    this.subjectKey = this.outline.subject.toString('latin1');
    this.issuerKey = this.outline.issuer.toString('latin1');
    this.keyId = createHash('sha256').update(this.outline.subjectPublicKeyInfo).digest('hex');
    this.nodeValue = node;
  }

  /** The SubjectPublicKeyInfo DER (what TLSA selector SPKI(1) designates, RFC 6698 §2.1.2). */
  get subjectPublicKeyInfo(): Buffer {
    return this.outline.subjectPublicKeyInfo;
  }

  /** RFC 4514 display of the subject, as in CertificateDetails. */
  get subject(): string {
    this.subjectValue ??= new x509.Name(this.outline.subject).toString();
    return this.subjectValue;
  }

  get issuer(): string {
    this.issuerValue ??= new x509.Name(this.outline.issuer).toString();
    return this.issuerValue;
  }

  /** OpenSSL's view (for signatures and the full decoding); null when OpenSSL refuses the certificate. */
  get node(): NodeX509 | null {
    if (this.nodeValue === undefined) {
      try {
        this.nodeValue = new NodeX509(this.der);
      } catch {
        this.nodeValue = null;
      }
    }
    return this.nodeValue;
  }

  /** The subject public key; null for one OpenSSL cannot load. */
  get publicKey(): KeyObject | null {
    if (this.keyValue === undefined) {
      try {
        this.keyValue = createPublicKey({ key: this.outline.subjectPublicKeyInfo, format: 'der', type: 'spki' });
      } catch {
        this.keyValue = null;
      }
    }
    return this.keyValue;
  }

  /** True when `issuer`'s key verifies this certificate's signature. */
  signedBy(issuer: ChainCertificate): boolean {
    const key = issuer.publicKey;
    const node = this.node;
    if (key === null || node === null) return false;
    try {
      return node.verify(key);
    } catch {
      return false; // a signature algorithm OpenSSL does not support
    }
  }

  /** What a chain entry of the result says about it; null when a part of it does not decode. */
  summary(): Omit<ChainEntry, 'source'> | null {
    if (this.summaryValue === undefined) {
      try {
        const validity = AsnConvert.parse(this.outline.validity, asn1x509.Validity);
        const key = describePublicKey(() => {
          if (this.publicKey === null) throw new Error('unsupported key');
          return this.publicKey;
        });
        this.summaryValue = {
          subject: this.subject,
          issuer: this.issuer,
          fingerprintSha256: this.fingerprint256,
          notBefore: validity.notBefore.getTime().toISOString(),
          notAfter: validity.notAfter.getTime().toISOString(),
          keyType: key.type,
          keyBits: key.bits,
          signatureAlgorithm: signatureAlgorithmName(AsnConvert.parse(this.outline.signatureAlgorithm, asn1x509.AlgorithmIdentifier).algorithm),
        };
      } catch {
        // A server's junk: such a certificate is listed nowhere and issues nothing.
        this.summaryValue = null;
      }
    }
    return this.summaryValue;
  }
}

function colonHex(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** A ChainCertificate, or null for bytes that are not a certificate. */
export function tryChainCertificate(der: Buffer, node?: NodeX509): ChainCertificate | null {
  try {
    return new ChainCertificate(der, node);
  } catch {
    return null;
  }
}
