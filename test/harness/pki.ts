// Test PKI: CAs, intermediates and server certificates made to order, as DER/PEM and as files
// that OpenSSL-based servers (Prosody) load. Keys come from WebCrypto.
import 'reflect-metadata'; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { createHash, webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { AsnConvert, AsnIA5StringConverter, AsnUtf8StringConverter } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';

const subtle = webcrypto.subtle;
// The project has no DOM lib, so WebCrypto types come from node:crypto's webcrypto namespace.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const OID_SRV_NAME = '1.3.6.1.5.5.7.8.7';
const OID_XMPP_ADDR = '1.3.6.1.5.5.7.8.5';
const DAY_MS = 86_400_000;

export type KeySpec = { type: 'RSA'; bits?: number } | { type: 'EC'; curve?: 'P-256' | 'P-384' | 'P-521' } | { type: 'Ed25519' };
export type SignatureHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CertOptions {
  /** Subject CN. Default: a unique name for CAs, the first DNS SAN (or `example.org`) for leaves. */
  cn?: string;
  /** Extra subject attribute O. */
  organization?: string;
  dns?: string[];
  /** SRV-IDs, e.g. `_xmpp-client.example.org` (otherName SRVName, IA5String). */
  srv?: string[];
  /** XmppAddr identifiers (otherName id-on-xmppAddr, UTF8String). */
  xmppAddr?: string[];
  ip?: string[];
  uri?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Default RSA-2048. */
  key?: KeySpec;
  /** Generate a new key instead of reusing the process-wide one for this role and key spec. */
  freshKey?: boolean;
  /** Use this certificate's key (re-issued or cross-signed certificates); `key` and `freshKey` are then ignored. */
  keyFrom?: TestCert;
  /** Hash of the signature made by the issuer (or by the certificate itself when self-signed). Default SHA-256. */
  hash?: SignatureHash;
  /** basicConstraints cA. Default: true for CAs and intermediates, false for leaves. */
  isCa?: boolean;
  /** basicConstraints pathLenConstraint (CAs). */
  pathLen?: number;
  /** Leave basicConstraints out altogether. */
  omitBasicConstraints?: boolean;
  /** keyUsage flags (x509.KeyUsageFlags), or 'omit'. Default: keyCertSign, cRLSign, digitalSignature for CAs; digitalSignature (+ keyEncipherment for RSA) for leaves. */
  keyUsage?: number | 'omit';
  /** extendedKeyUsage OIDs, or 'omit'. Default: serverAuth and clientAuth for leaves, none for CAs. */
  extendedKeyUsage?: string[] | 'omit';
  /** nameConstraints (critical) on dNSName subtrees. */
  nameConstraints?: { permitted?: string[]; excluded?: string[] };
  /** Add a critical extension of an OID nobody knows. */
  unknownCriticalExtension?: boolean;
  /** Leaf only: sign the certificate with its own key (subject = issuer); the issuer argument is ignored. */
  selfSigned?: boolean;
  caIssuersUrl?: string | string[];
  ocspUrl?: string | string[];
  crlUrl?: string | string[];
  /** Hex serial number. Default random. */
  serial?: string;
}

interface KeyMaterial {
  spec: KeySpec;
  pkcs8: ArrayBuffer;
  spki: ArrayBuffer;
}

export interface TestCert {
  cert: x509.X509Certificate;
  der: Buffer;
  pem: string;
  /** Private key, PKCS#8 PEM. */
  keyPem: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Key material, for signing certificates below this one. */
  readonly key: KeyMaterial;
}

type Role = 'ca' | 'intermediate' | 'leaf';

// Key generation (RSA especially) is slow: one key per role and spec per process. Distinct keys
// per role keep "which certificate issued which" meaningful in path-building tests.
const keyCache = new Map<string, Promise<KeyMaterial>>();
let nameCounter = 0;

function keyFor(role: Role, spec: KeySpec, fresh: boolean): Promise<KeyMaterial> {
  const cacheKey = `${role}:${JSON.stringify(spec)}`;
  const cached = keyCache.get(cacheKey);
  if (cached && !fresh) return cached;
  const generated = generateKey(spec);
  if (!fresh) keyCache.set(cacheKey, generated);
  return generated;
}

async function generateKey(spec: KeySpec): Promise<KeyMaterial> {
  const keys = (await subtle.generateKey(keyAlgorithm(spec, 'SHA-256'), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return { spec, pkcs8: await subtle.exportKey('pkcs8', keys.privateKey), spki: await subtle.exportKey('spki', keys.publicKey) };
}

function keyAlgorithm(spec: KeySpec, hash: SignatureHash): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm {
  switch (spec.type) {
    case 'RSA':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits ?? 2048, publicExponent: new Uint8Array([1, 0, 1]), hash };
    case 'EC':
      return { name: 'ECDSA', namedCurve: spec.curve ?? 'P-256' };
    case 'Ed25519':
      return { name: 'Ed25519' };
  }
}

/** A private key usable for signing with `hash`: for RSA the hash is part of the WebCrypto key. */
async function signingKey(key: KeyMaterial, hash: SignatureHash): Promise<{ key: webcrypto.CryptoKey; algorithm: webcrypto.Algorithm }> {
  const algorithm = keyAlgorithm(key.spec, hash);
  const cryptoKey = await subtle.importKey('pkcs8', key.pkcs8, algorithm, false, ['sign']);
  return { key: cryptoKey, algorithm: key.spec.type === 'EC' ? ({ name: 'ECDSA', hash } as webcrypto.EcdsaParams) : algorithm };
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function otherName(typeId: string, value: ArrayBuffer): asn1x509.GeneralName {
  return new asn1x509.GeneralName({ otherName: new asn1x509.OtherName({ typeId, value }) });
}

/** SAN extension encoded with asn1-x509 directly: @peculiar/x509's GeneralName has no otherName SRVName/XmppAddr. */
function subjectAltName(opts: CertOptions): x509.Extension | null {
  const names = [
    ...(opts.dns ?? []).map((dNSName) => new asn1x509.GeneralName({ dNSName })),
    // otherName value is [0] EXPLICIT: asn1-schema adds the tag around the encoded string.
    ...(opts.srv ?? []).map((v) => otherName(OID_SRV_NAME, AsnConvert.serialize(AsnIA5StringConverter.toASN(v)))),
    ...(opts.xmppAddr ?? []).map((v) => otherName(OID_XMPP_ADDR, AsnConvert.serialize(AsnUtf8StringConverter.toASN(v)))),
    ...(opts.ip ?? []).map((iPAddress) => new asn1x509.GeneralName({ iPAddress })),
    ...(opts.uri ?? []).map((uniformResourceIdentifier) => new asn1x509.GeneralName({ uniformResourceIdentifier })),
  ];
  if (names.length === 0) return null;
  return new x509.Extension(asn1x509.id_ce_subjectAltName, false, AsnConvert.serialize(new asn1x509.SubjectAlternativeName(names)));
}

async function issue(role: Role, issuer: TestCert | null, opts: CertOptions): Promise<TestCert> {
  const key = opts.keyFrom?.key ?? (await keyFor(role, opts.key ?? { type: 'RSA', bits: 2048 }, opts.freshKey ?? false));
  const spec = key.spec;
  const signer = issuer?.key ?? key; // null issuer: self-signed
  const isCa = opts.isCa ?? role !== 'leaf';
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - DAY_MS);
  const notAfter = opts.notAfter ?? new Date(now + (isCa ? 3650 : 365) * DAY_MS);
  const cn = opts.cn ?? (role === 'leaf' ? (opts.dns?.[0] ?? 'example.org') : `Test ${role === 'ca' ? 'Root CA' : 'Intermediate CA'} ${++nameCounter}`);
  const subject: x509.JsonName = [{ CN: [cn] }, ...(opts.organization ? [{ O: [opts.organization] }] : [])];

  const publicKey = await x509.PublicKey.create(new Uint8Array(key.spki));
  const signerPublicKey = await x509.PublicKey.create(new Uint8Array(signer.spki));
  const extensions: x509.Extension[] = [
    ...(opts.omitBasicConstraints ? [] : [new x509.BasicConstraintsExtension(isCa, opts.pathLen, true)]),
    ...(opts.keyUsage === 'omit' ? [] : [new x509.KeyUsagesExtension(opts.keyUsage ?? keyUsages(isCa, spec), true)]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(signerPublicKey),
  ];
  const eku = opts.extendedKeyUsage ?? (isCa ? 'omit' : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
  if (eku !== 'omit') extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  if (opts.nameConstraints) extensions.push(nameConstraints(opts.nameConstraints));
  // An OID under 1.3.6.1.4.1.32473 (the IANA example enterprise number): no software knows it.
  if (opts.unknownCriticalExtension) extensions.push(new x509.Extension('1.3.6.1.4.1.32473.1.1', true, new Uint8Array([0x05, 0x00]).buffer));
  const san = subjectAltName(opts);
  if (san) extensions.push(san);
  const caIssuers = list(opts.caIssuersUrl);
  const ocsp = list(opts.ocspUrl);
  if (caIssuers.length + ocsp.length > 0) extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers, ocsp }));
  const crl = list(opts.crlUrl);
  if (crl.length > 0) extensions.push(new x509.CRLDistributionPointsExtension(crl));

  const signing = await signingKey(signer, opts.hash ?? 'SHA-256');
  const cert = await x509.X509CertificateGenerator.create({
    ...(opts.serial === undefined ? {} : { serialNumber: opts.serial }),
    subject,
    issuer: issuer ? issuer.cert.subjectName : subject,
    notBefore,
    notAfter,
    publicKey,
    signingKey: signing.key,
    signingAlgorithm: signing.algorithm,
    extensions,
  });
  const pkcs8 = Buffer.from(key.pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return {
    cert,
    der: Buffer.from(cert.rawData),
    pem: `${cert.toString('pem').trimEnd()}\n`,
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`,
    subject: cert.subject,
    notBefore,
    notAfter,
    key,
  };
}

/** nameConstraints (critical) with dNSName subtrees. */
function nameConstraints(c: { permitted?: string[]; excluded?: string[] }): x509.Extension {
  const subtrees = (names: string[] | undefined) =>
    names?.length
      ? new asn1x509.GeneralSubtrees(names.map((dNSName) => new asn1x509.GeneralSubtree({ base: new asn1x509.GeneralName({ dNSName }) })))
      : undefined;
  const value = new asn1x509.NameConstraints({
    ...(subtrees(c.permitted) ? { permittedSubtrees: subtrees(c.permitted) } : {}),
    ...(subtrees(c.excluded) ? { excludedSubtrees: subtrees(c.excluded) } : {}),
  });
  return new x509.Extension(asn1x509.id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

function keyUsages(isCa: boolean, spec: KeySpec): x509.KeyUsageFlags {
  const F = x509.KeyUsageFlags;
  if (isCa) return F.keyCertSign | F.cRLSign | F.digitalSignature;
  // keyEncipherment only makes sense for RSA (RSA key exchange).
  return spec.type === 'RSA' ? F.digitalSignature | F.keyEncipherment : F.digitalSignature;
}

/** A self-signed root CA. */
export function createCa(opts: CertOptions = {}): Promise<TestCert> {
  return issue('ca', null, opts);
}

/** An intermediate CA signed by `ca`. */
export function createIntermediate(ca: TestCert, opts: CertOptions = {}): Promise<TestCert> {
  return issue('intermediate', ca, opts);
}

/** A server certificate signed by `issuer`, or self-signed when `issuer` is null or `opts.selfSigned`. */
export function createLeaf(issuer: TestCert | null, opts: CertOptions = {}): Promise<TestCert> {
  return issue('leaf', opts.selfSigned ? null : issuer, opts);
}

/** Writes `<name>.crt` (leaf, then chain, as a server sends them) and `<name>.key`. */
export async function writePemFiles(dir: string, name: string, leaf: TestCert, chain: TestCert[] = []): Promise<{ certFile: string; keyFile: string }> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await writeFile(certFile, [leaf, ...chain].map((c) => c.pem).join(''));
  await writeFile(keyFile, leaf.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

/** Writes certificates (e.g. a CA for `--ca-file`) to one PEM file and returns its path. */
export async function writeCertFile(path: string, certs: TestCert[]): Promise<string> {
  await writeFile(path, certs.map((c) => c.pem).join(''));
  return path;
}

/** A PKCS#7 certs-only bundle (`.p7c`), as some CAs serve at their caIssuers URL. */
export function toPkcs7(certs: TestCert[], format: 'der' | 'pem' = 'der'): Buffer | string {
  const bundle = new x509.X509Certificates(certs.map((c) => c.cert));
  return format === 'der' ? Buffer.from(bundle.export('raw')) : bundle.export('pem');
}

/** The TLSA record (RFC 6698 §2.1) of this usage, selector and matching type for `c`, its data in lowercase hex. */
export function tlsaRecord(
  usage: number,
  selector: number,
  matchingType: number,
  c: TestCert,
): { usage: number; selector: number; matchingType: number; data: string } {
  const selected = selector === 0 ? c.der : Buffer.from(c.cert.publicKey.rawData);
  const data =
    matchingType === 0
      ? selected.toString('hex')
      : createHash(matchingType === 1 ? 'sha256' : 'sha512')
          .update(selected)
          .digest('hex');
  return { usage, selector, matchingType, data };
}
