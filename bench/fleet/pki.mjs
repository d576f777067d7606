// Certificates for the simulated federation: one test CA, and one certificate per domain, most
// issued by the CA, some expired, self-signed or for another name. Two leaf keys serve every
// domain (an RSA-2048 one and an ECDSA P-256 one, as the federation mixes both): generating a key
// per domain would cost minutes and change nothing the scanner measures.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const { subtle } = webcrypto;
x509.cryptoProvider.set(webcrypto);
const DAY_MS = 86_400_000;

async function keyPair(type) {
  const algorithm =
    type === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
  const signing = type === 'rsa' ? algorithm : { name: 'ECDSA', hash: 'SHA-256' };
  return { type, keys, keyPem, signing };
}

/** The CA and the two shared leaf keys. */
export async function createFleetPki() {
  const ca = await keyPair('ecdsa');
  const name = 'CN=Fleet Bench Root CA';
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    keys: ca.keys,
    signingAlgorithm: ca.signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return {
    ca: { ...ca, name, cert: caCert, pem: `${caCert.toString('pem').trimEnd()}\n` },
    leafKeys: { rsa: await keyPair('rsa'), ecdsa: await keyPair('ecdsa') },
  };
}

let serial = 1;

/**
 * One domain's certificate (PEM) and key (PEM). kind: valid | expired | selfSigned | wrongHost.
 * keyType: rsa | ecdsa.
 */
export async function issueFor(pki, domain, kind, keyType) {
  const leaf = pki.leafKeys[keyType];
  const now = Date.now();
  const selfSigned = kind === 'selfSigned';
  const names = kind === 'wrongHost' ? [`other-${domain}`] : [domain];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(8, '0'),
    subject: `CN=${names[0]}`,
    issuer: selfSigned ? `CN=${names[0]}` : pki.ca.name,
    notBefore: new Date(kind === 'expired' ? now - 400 * DAY_MS : now - DAY_MS),
    notAfter: new Date(kind === 'expired' ? now - 35 * DAY_MS : now + 80 * DAY_MS),
    publicKey: leaf.keys.publicKey,
    signingKey: selfSigned ? leaf.keys.privateKey : pki.ca.keys.privateKey,
    signingAlgorithm: selfSigned ? leaf.signing : pki.ca.signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        keyType === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns', value }))),
    ],
  });
  return { certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem: leaf.keyPem };
}
