// Trust evaluation: build a path from the leaf to a trust anchor ourselves (rather than letting
// the TLS handshake verify) so that we can say *why* a chain is not trusted, and grade chains the
// handshake would reject.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { CertificateDetails, CertificateResult, ChainEntry, Mode, TrustError } from '../result/types.js';
import { checkIdentity } from './identity.js';
import { isWeakSignatureAlgorithm, parseCertificate } from './parse.js';

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

const MAX_PATH_LENGTH = 10;
const DAY_MS = 86_400_000;
const MIN_RSA_DSA_BITS = 2048;
const MIN_EC_BITS = 224;

// Errors that make a chain untrusted. The others (incomplete_chain, weak_signature, weak_key)
// are findings to grade, not verdicts: clients with AIA fetching, or a laxer policy, still
// accept such chains, so `trusted` stays true and the grading decides how bad they are.
const BLOCKING: readonly TrustError[] = ['expired', 'not_yet_valid', 'self_signed', 'self_signed_in_chain', 'unknown_issuer'];
// The order trustErrors are reported in, so results are stable.
const ORDER: readonly TrustError[] = [...BLOCKING, 'incomplete_chain', 'weak_signature', 'weak_key'];

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

interface PathNode {
  cert: NodeX509;
  source: ChainEntry['source'];
  anchor: boolean;
  /** Parsed up front for presented and extra certificates, on demand for anchors. */
  details?: CertificateDetails;
}

type PathEnd = 'anchor' | 'self_signed' | 'unknown_issuer';

/**
 * Verdict on the certificate chain a server presented (leaf first). Throws when the leaf cannot
 * be parsed; other unparsable certificates in the chain are ignored.
 */
export function analyzeChain(presented: Buffer[], opts: AnalyzeOptions): CertificateResult {
  const [leafDer, ...rest] = presented;
  if (leafDer === undefined) throw new Error('no certificate presented');
  const leaf = parseCertificate(leafDer);
  const leafNode: PathNode = { cert: new NodeX509(leafDer), source: 'presented', anchor: false, details: leaf };
  const presentedNodes = rest.flatMap((der) => tryNode(der, 'presented'));
  const extraNodes = (opts.extraIntermediates ?? []).flatMap((e) => tryNode(e.der, e.source));

  const { path, end } = buildPath(leafNode, presentedNodes, extraNodes, opts);
  const details = path.map((node) => node.details ?? parseCertificate(node.cert.raw));
  const errors = new Set<TrustError>();

  // Anchors vouch for themselves, so their own validity, signature and key are not judged.
  // The leaf always is, even when pinned as an anchor: it is what protects the session.
  details.forEach((cert, i) => {
    if (i > 0 && path[i]?.anchor) return;
    if (new Date(cert.notAfter) < opts.now) errors.add('expired');
    if (new Date(cert.notBefore) > opts.now) errors.add('not_yet_valid');
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm)) errors.add('weak_signature');
    if (isWeakKey(cert)) errors.add('weak_key');
  });
  if (end === 'self_signed') errors.add(path.length === 1 ? 'self_signed' : 'self_signed_in_chain');
  if (end === 'unknown_issuer') errors.add('unknown_issuer');
  if (path.some((node) => node.source === 'aia')) errors.add('incomplete_chain');

  const trustErrors = ORDER.filter((e) => errors.has(e));
  const identity = checkIdentity(leaf, opts.domain, opts.mode);
  return {
    ...leaf,
    daysToExpiry: Math.round(((Date.parse(leaf.notAfter) - opts.now.getTime()) / DAY_MS) * 100) / 100,
    trusted: end === 'anchor' && !trustErrors.some((e) => BLOCKING.includes(e)),
    trustErrors,
    hostnameValid: identity.matchedBy !== null,
    identity,
    selfSigned: isSelfSigned(leafNode.cert),
    chain: [leafNode, ...presentedNodes].map((n) => chainEntry(n.details!, 'presented')),
    builtChain: details.map((c, i) => chainEntry(c, path[i]?.source ?? 'presented')),
  };
}

function tryNode(der: Buffer, source: 'presented' | 'aia'): PathNode[] {
  try {
    return [{ cert: new NodeX509(der), source, anchor: false, details: parseCertificate(der) }];
  } catch {
    return [];
  }
}

/**
 * Walks up from the leaf. At each step the issuer is looked for among the trust anchors first
 * (reaching one ends the path), then among the presented certificates, then the extra ones.
 */
function buildPath(leaf: PathNode, presented: PathNode[], extra: PathNode[], opts: AnalyzeOptions): { path: PathNode[]; end: PathEnd } {
  const anchors: PathNode[] = opts.store.anchors.map((a) => ({ cert: a.cert, source: a.source, anchor: true }));
  // A leaf that is itself an anchor (a pinned certificate) is trusted as is.
  const pinned = anchors.find((a) => a.cert.fingerprint256 === leaf.cert.fingerprint256);
  if (pinned) return { path: [{ ...leaf, source: pinned.source, anchor: true }], end: 'anchor' };

  const path = [leaf];
  const used = new Set([leaf.cert.fingerprint256]);
  while (path.length < MAX_PATH_LENGTH) {
    const current = path[path.length - 1]!.cert;
    const anchor = findIssuer(current, anchors, used, opts.now);
    if (anchor) return { path: [...path, anchor], end: 'anchor' };
    if (isSelfSigned(current)) return { path, end: 'self_signed' };
    const issuer = findIssuer(current, presented, used, opts.now) ?? findIssuer(current, extra, used, opts.now);
    if (!issuer) break;
    path.push(issuer);
    used.add(issuer.cert.fingerprint256);
  }
  return { path, end: 'unknown_issuer' };
}

/** An unused candidate that issued `child` (name, key identifiers and signature), preferring one valid at `now`. */
function findIssuer(child: NodeX509, candidates: PathNode[], used: Set<string>, now: Date): PathNode | undefined {
  const issuers = candidates.filter(
    (c) => c.cert.subject === child.issuer && !used.has(c.cert.fingerprint256) && child.checkIssued(c.cert) && verifies(child, c.cert),
  );
  return issuers.find((c) => isValidAt(c.cert, now)) ?? issuers[0];
}

function verifies(child: NodeX509, issuer: NodeX509): boolean {
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false; // unsupported key or signature algorithm
  }
}

// Not checkIssued(cert): it also demands keyCertSign, which self-signed server certificates lack.
function isSelfSigned(cert: NodeX509): boolean {
  return cert.subject === cert.issuer && verifies(cert, cert);
}

function isValidAt(cert: NodeX509, now: Date): boolean {
  return Date.parse(cert.validFrom) <= now.getTime() && now.getTime() <= Date.parse(cert.validTo);
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
