// Trust evaluation: build a path from the leaf to a trust anchor ourselves (rather than letting
// the TLS handshake verify) so that we can say *why* a chain is not trusted, and grade chains the
// handshake would reject.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { CertificateDetails, CertificateResult, ChainEntry, Mode, TrustError } from '../result/types.js';
import { checkIdentity } from './identity.js';
import { isWeakSignatureAlgorithm, parseCertificate } from './parse.js';
import { type PathCertificate, buildAndValidate, ekuName, factsOf } from './path.js';

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

// Errors that make a chain untrusted. The others (incomplete_chain, weak_signature, weak_key)
// are findings to grade, not verdicts: clients with AIA fetching, or a laxer policy, still
// accept such chains, so `trusted` stays true and the grading decides how bad they are.
const BLOCKING: readonly TrustError[] = [
  'expired',
  'not_yet_valid',
  'self_signed',
  'self_signed_in_chain',
  'unknown_issuer',
  'not_a_ca',
  'path_length_exceeded',
  'bad_key_usage',
  'bad_extended_key_usage',
  'name_constraint_violation',
  'unknown_critical_extension',
  'anchor_expired',
];
const BLOCKING_SET: ReadonlySet<TrustError> = new Set(BLOCKING);
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

  const { path, end, problems } = buildAndValidate(leafNode, [...presentedNodes, ...extraNodes], anchors, { now: opts.now, mode: opts.mode, blocking: BLOCKING_SET });
  const details = path.map((c, i) => (i === 0 ? leaf : parseCertificate(c.node.raw)));
  const errors = new Set<TrustError>(problems.map((p) => p.reason));

  // Anchors vouch for themselves, so their own validity (but see anchor_expired), signature and
  // key are not judged. The leaf always is, even when pinned as an anchor: it protects the session.
  details.forEach((cert, i) => {
    if (i > 0 && path[i]?.anchor) return;
    if (new Date(cert.notAfter) < opts.now) errors.add('expired');
    if (new Date(cert.notBefore) > opts.now) errors.add('not_yet_valid');
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm)) errors.add('weak_signature');
    if (isWeakKey(cert)) errors.add('weak_key');
  });
  if (end === 'self_signed') errors.add(path.length === 1 ? 'self_signed' : 'self_signed_in_chain');
  if (end === 'unknown_issuer') errors.add('unknown_issuer');
  if (path.some((c) => c.source === 'aia')) errors.add('incomplete_chain');

  const trustErrors = ORDER.filter((e) => errors.has(e));
  const identity = checkIdentity(leaf, opts.domain, opts.mode);
  const eku = factsOf(leafNode.node).extendedKeyUsage;
  return {
    ...leaf,
    daysToExpiry: Math.round(((Date.parse(leaf.notAfter) - opts.now.getTime()) / DAY_MS) * 100) / 100,
    trusted: end === 'anchor' && !trustErrors.some((e) => BLOCKING_SET.has(e)),
    trustErrors,
    trustErrorDetails: problems.map(({ reason, message }) => ({ reason, message })),
    extendedKeyUsage: eku ? eku.map(ekuName) : null,
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
