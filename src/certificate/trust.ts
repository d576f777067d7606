// Trust evaluation: build a path from the leaf to a trust anchor ourselves (rather than letting
// the TLS handshake verify) so that we can say *why* a chain is not trusted, and grade chains the
// handshake would reject.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { isBlockingTrustError, TRUST_ERRORS } from '../result/trust-errors.js';
import type { CertificateDetails, CertificateResult, ChainEntry, Mode, TrustError } from '../result/types.js';
import { checkIdentity } from './identity.js';
import { isWeakSignatureAlgorithm, parseCertificate } from './parse.js';
import { OID_ANY_EKU, OID_CLIENT_AUTH, type PathCertificate, buildAndValidate, ekuName, factsOf, quoteCn } from './path.js';

export interface TrustAnchor {
  cert: NodeX509;
  source: 'trust_store' | 'ca_file';
}

export interface TrustStore {
  readonly anchors: readonly TrustAnchor[];
}

export interface AnalyzeOptions {
  domain: string;
  mode: Mode;
  now: Date;
  store: TrustStore;
  /** Issuers found elsewhere than in the handshake (AIA caIssuers downloads). */
  extraIntermediates?: { der: Buffer; source: 'aia' }[];
}

const DAY_MS = 86_400_000;
const MIN_RSA_DSA_BITS = 2048;
const MIN_EC_BITS = 224;

let systemAnchors: TrustAnchor[] | undefined;

/**
 * Trust anchors from PEM files (several certificates per file allowed; a bare DER certificate is
 * accepted too) and, unless `systemRoots` is false, Node's bundled Mozilla roots.
 * Throws an Error naming the file when one is unreadable or holds no certificate.
 */
export function loadTrustStore(opts: { caFiles?: string[]; systemRoots?: boolean } = {}): TrustStore {
  const anchors: TrustAnchor[] = [];
  for (const file of opts.caFiles ?? []) {
    for (const cert of readCertificateFile(file)) anchors.push({ cert, source: 'ca_file' });
  }
  if (opts.systemRoots ?? true) {
    systemAnchors ??= rootCertificates.map((pem) => ({ cert: new NodeX509(pem), source: 'trust_store' as const }));
    anchors.push(...systemAnchors);
  }
  // CA files first, so a certificate in both is reported as coming from the CA file.
  const seen = new Set<string>();
  return { anchors: anchors.filter((a) => !seen.has(a.cert.fingerprint256) && seen.add(a.cert.fingerprint256)) };
}

function readCertificateFile(file: string): NodeX509[] {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read CA file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const pems = data.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  if (pems === null) {
    try {
      return [new NodeX509(data)];
    } catch {
      throw new Error(`CA file ${file} holds no certificate`);
    }
  }
  try {
    return pems.map((pem) => new NodeX509(pem));
  } catch (err) {
    throw new Error(`CA file ${file} holds a malformed certificate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Verdict on the certificate chain a server presented (leaf first): the best path to a trust
 * anchor (path.ts) and everything wrong with it. Throws when the leaf cannot be parsed; other
 * unparsable certificates in the chain are ignored.
 */
export function analyzeChain(presented: Buffer[], opts: AnalyzeOptions): CertificateResult {
  const [leafDer, ...rest] = presented;
  if (leafDer === undefined) throw new Error('no certificate presented');
  const leaf = parseCertificate(leafDer);
  const leafNode: PathCertificate = { node: new NodeX509(leafDer), source: 'presented', anchor: false };
  const presentedNodes = rest.flatMap((der) => tryNode(der, 'presented'));
  const extraNodes = (opts.extraIntermediates ?? []).flatMap((e) => tryNode(e.der, e.source));
  const anchors: PathCertificate[] = opts.store.anchors.map((a) => ({ node: a.cert, source: a.source, anchor: true }));

  const { path, end, problems } = buildAndValidate(leafNode, [...presentedNodes, ...extraNodes], anchors, { now: opts.now, mode: opts.mode });
  const details = path.map((c, i) => (i === 0 ? leaf : parseCertificate(c.node.raw)));
  const found: { reason: TrustError; message: string }[] = problems.map(({ reason, message }) => ({ reason, message }));
  const add = (reason: TrustError, message: string) => found.push({ reason, message });

  // Anchors vouch for themselves, so their own validity (but see anchor_expired), signature and
  // key are not judged. The leaf always is, even when pinned as an anchor: it protects the session.
  details.forEach((cert, i) => {
    if (i > 0 && path[i]?.anchor) return;
    const name = `${i === 0 ? 'the server certificate' : 'the intermediate'} ${quoteCn(cert.subject)}`;
    if (new Date(cert.notAfter) < opts.now) add('expired', `${name} expired on ${cert.notAfter}`);
    if (new Date(cert.notBefore) > opts.now) add('not_yet_valid', `${name} is valid from ${cert.notBefore} only`);
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm)) add('weak_signature', `${name} is signed with ${cert.signatureAlgorithm}`);
    if (isWeakKey(cert)) add('weak_key', `${name} has a ${cert.keyBits}-bit ${cert.keyType} key`);
  });
  const last = details[details.length - 1]!;
  if (end === 'self_signed') {
    add(path.length === 1 ? 'self_signed' : 'self_signed_in_chain', `${quoteCn(last.subject)} is self-signed and not a trust anchor`);
  }
  if (end === 'unknown_issuer') add('unknown_issuer', `no issuer of ${quoteCn(last.subject)} (${quoteCn(last.issuer)}) among the certificates sent and the trust anchors`);
  path.forEach((c, i) => {
    if (c.source === 'aia') add('incomplete_chain', `the server did not send ${quoteCn(details[i]!.subject)}; it was fetched from the issuer's AIA URL`);
  });

  // Stable order: by reason (the order of TRUST_ERRORS), then path order.
  const rank = (r: TrustError) => TRUST_ERRORS.indexOf(r);
  const trustErrorDetails = found.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.reason) - rank(b.f.reason) || a.i - b.i).map(({ f }) => f);
  const trustErrors = TRUST_ERRORS.filter((e) => found.some((f) => f.reason === e));
  const identity = checkIdentity(leaf, opts.domain, opts.mode);
  const eku = factsOf(leafNode.node).extendedKeyUsage;
  return {
    ...leaf,
    daysToExpiry: Math.round(((Date.parse(leaf.notAfter) - opts.now.getTime()) / DAY_MS) * 100) / 100,
    trusted: end === 'anchor' && !trustErrors.some(isBlockingTrustError),
    trustErrors,
    trustErrorDetails,
    extendedKeyUsage: eku ? eku.map(ekuName) : null,
    clientAuth: eku === null || eku.includes(OID_CLIENT_AUTH) || eku.includes(OID_ANY_EKU),
    hostnameValid: identity.matchedBy !== null,
    identity,
    selfSigned: isSelfSigned(leafNode.node),
    chain: [leaf, ...presentedNodes.map((n) => parseCertificate(n.node.raw))].map((c) => chainEntry(c, 'presented')),
    builtChain: details.map((c, i) => chainEntry(c, path[i]?.source ?? 'presented')),
  };
}

function tryNode(der: Buffer, source: 'presented' | 'aia'): PathCertificate[] {
  try {
    const node = new NodeX509(der);
    factsOf(node); // parses the extensions: a certificate we cannot read is left out here
    return [{ node, source, anchor: false }];
  } catch {
    return [];
  }
}

// Not checkIssued(cert): it also demands keyCertSign, which self-signed server certificates lack.
function isSelfSigned(cert: NodeX509): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function isWeakKey(cert: CertificateDetails): boolean {
  if (cert.keyBits === null) return false;
  if (cert.keyType === 'RSA' || cert.keyType === 'DSA') return cert.keyBits < MIN_RSA_DSA_BITS;
  if (cert.keyType === 'EC') return cert.keyBits < MIN_EC_BITS;
  return false;
}

function chainEntry(cert: CertificateDetails, source: ChainEntry['source']): ChainEntry {
  const { subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm } = cert;
  return { subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm, source };
}
