// Trust evaluation: build a path from the leaf to a trust anchor ourselves (rather than letting
// the TLS handshake verify) so that we can say *why* a chain is not trusted, and grade chains the
// handshake would reject.
import type { X509Certificate as NodeX509 } from 'node:crypto';
import { isBlockingTrustError, TRUST_ERRORS } from '../result/trust-errors.js';
import type { CertificateDetails, CertificateResult, ChainEntry, Mode, TrustError } from '../result/types.js';
import { checkIdentity } from './identity.js';
import { decodeCertificate, isWeakSignatureAlgorithm } from './parse.js';
import { ChainCertificate, tryChainCertificate } from './chain-certificate.js';
import type { TrustStore } from './trust-store.js';
import { OID_ANY_EKU, OID_CLIENT_AUTH, type PathCertificate, buildAndValidate, ekuName, factsOf, keyUseOfSuite } from './path.js';

export interface AnalyzeOptions {
  domain: string;
  mode: Mode;
  now: Date;
  store: TrustStore;
  /** Issuers found elsewhere than in the handshake (AIA caIssuers downloads). */
  extraIntermediates?: { der: Buffer; source: 'aia' }[];
  /** The cipher suite (IANA name) of the handshake that fetched the chain: the leaf's keyUsage must allow its key exchange. */
  cipherSuite?: string | null;
}

const DAY_MS = 86_400_000;
/** Certificates of the chain as sent that the result lists (a real chain has 2 to 5; a hostile one may have hundreds). */
export const MAX_CHAIN_ENTRIES = 16;
const MIN_RSA_DSA_BITS = 2048;
const MIN_EC_BITS = 224;

/** The anchors of each store as path building takes them (one array per store, so its index is kept). */
const anchorPaths = new WeakMap<TrustStore, PathCertificate[]>();
/** Read once per certificate: the bundled roots are shared by every store. */
const anchorCertificates = new WeakMap<NodeX509, ChainCertificate | null>();

function pathAnchors(store: TrustStore): PathCertificate[] {
  let anchors = anchorPaths.get(store);
  if (!anchors) {
    anchors = store.anchors.flatMap((a) => {
      let cert = anchorCertificates.get(a.cert);
      if (cert === undefined) {
        cert = tryChainCertificate(a.cert.raw, a.cert);
        anchorCertificates.set(a.cert, cert);
      }
      return cert ? [{ cert, source: a.source, anchor: true }] : [];
    });
    anchorPaths.set(store, anchors);
  }
  return anchors;
}

/**
 * Verdict on the certificate chain a server presented (leaf first): the best path to a trust
 * anchor (path.ts) and everything wrong with it. Throws when the leaf cannot be parsed; other
 * unparsable certificates in the chain are ignored.
 */
/** The DER of the path each verdict was built on (leaf first), for DANE's PKIX usages; not part of the document. */
const builtPaths = new WeakMap<CertificateResult, Buffer[]>();

/** The path `result` was built on, leaf first, as DER (undefined for a result analyzeChain did not make). */
export function builtPathOf(result: CertificateResult): readonly Buffer[] | undefined {
  return builtPaths.get(result);
}

export function analyzeChain(presented: Buffer[], opts: AnalyzeOptions): CertificateResult {
  const [leafDer, ...rest] = presented;
  if (leafDer === undefined) throw new Error('no certificate presented');
  const { details: leaf, asn: leafAsn, node: leafNode } = decodeCertificate(leafDer);
  const leafPath: PathCertificate = { cert: new ChainCertificate(leafNode.raw, leafNode), source: 'presented', anchor: false };
  factsOf(leafPath.cert, leafAsn); // decoded once for both
  const sent = rest.flatMap((der) => {
    const cert = tryChainCertificate(der);
    return cert ? [{ cert, source: 'presented' as const, anchor: false }] : [];
  });
  const fetched = (opts.extraIntermediates ?? []).flatMap((e) => {
    const cert = tryChainCertificate(e.der);
    return cert ? [{ cert, source: e.source, anchor: false }] : [];
  });

  const { path, end, problems, limitReached } = buildAndValidate(leafPath, [...sent, ...fetched], pathAnchors(opts.store), {
    now: opts.now,
    keyUse: keyUseOfSuite(opts.cipherSuite),
  });
  // Every certificate past the leaf decodes (path building takes no other).
  const entries = path.map((c, i) => (i === 0 ? chainEntry(leaf, c.source) : { ...c.cert.summary()!, source: c.source }));
  const found: { reason: TrustError; message: string }[] = problems.map(({ reason, message }) => ({ reason, message }));
  const add = (reason: TrustError, message: string) => found.push({ reason, message });

  // Anchors vouch for themselves, so their own validity (but see anchor_expired), signature and
  // key are not judged. The leaf always is, even when pinned as an anchor: it protects the session.
  entries.forEach((cert, i) => {
    if (i > 0 && path[i]?.anchor) return;
    const name = `${i === 0 ? 'the server certificate' : 'the intermediate'} ${quoteCn(cert.subject)}`;
    if (new Date(cert.notAfter) < opts.now) add('expired', `${name} expired on ${cert.notAfter}`);
    if (new Date(cert.notBefore) > opts.now) add('not_yet_valid', `${name} is valid from ${cert.notBefore} only`);
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm)) add('weak_signature', `${name} is signed with ${cert.signatureAlgorithm}`);
    if (isWeakKey(cert)) add('weak_key', `${name} has a ${cert.keyBits}-bit ${cert.keyType} key`);
  });
  const last = entries[entries.length - 1]!;
  if (end === 'self_signed') {
    add(path.length === 1 ? 'self_signed' : 'self_signed_in_chain', `${quoteCn(last.subject)} is self-signed and not a trust anchor`);
  }
  if (end === 'unknown_issuer') {
    const gaveUp = limitReached === null ? '' : ` (the search gave up after ${limitReached}; the server sent ${presented.length} certificates)`;
    add('unknown_issuer', `no issuer of ${quoteCn(last.subject)} (${quoteCn(last.issuer)}) among the certificates sent and the trust anchors${gaveUp}`);
  }
  path.forEach((c, i) => {
    if (c.source === 'aia') add('incomplete_chain', `the server did not send ${quoteCn(entries[i]!.subject)}; it was fetched from the issuer's AIA URL`);
  });

  // Stable order: by reason (the order of TRUST_ERRORS), then path order.
  const rank = (r: TrustError) => TRUST_ERRORS.indexOf(r);
  const trustErrorDetails = found
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.reason) - rank(b.f.reason) || a.i - b.i)
    .map(({ f }) => f);
  const trustErrors = TRUST_ERRORS.filter((e) => found.some((f) => f.reason === e));
  const identity = checkIdentity(leaf, opts.domain, opts.mode);
  const eku = factsOf(leafPath.cert).extendedKeyUsage;
  const result: CertificateResult = {
    ...leaf,
    daysToExpiry: Math.round(((Date.parse(leaf.notAfter) - opts.now.getTime()) / DAY_MS) * 100) / 100,
    trusted: end === 'anchor' && !trustErrors.some(isBlockingTrustError),
    trustErrors,
    trustErrorDetails,
    extendedKeyUsage: eku ? eku.map(ekuName) : null,
    clientAuth: eku === null || eku.includes(OID_CLIENT_AUTH) || eku.includes(OID_ANY_EKU),
    hostnameValid: identity.matchedBy !== null,
    identity,
    selfSigned: isSelfSigned(leafPath.cert),
    chain: [chainEntry(leaf, 'presented'), ...sentEntries(sent)],
    chainLength: presented.length,
    builtChain: entries,
  };
  builtPaths.set(
    result,
    path.map((c) => c.cert.der),
  );
  return result;
}

/** The first certificates after the leaf as sent, those that decode. */
function sentEntries(sent: readonly PathCertificate[]): ChainEntry[] {
  const entries: ChainEntry[] = [];
  for (const c of sent) {
    if (entries.length >= MAX_CHAIN_ENTRIES - 1) break;
    const summary = c.cert.summary();
    if (summary) entries.push({ ...summary, source: 'presented' });
  }
  return entries;
}

// Not checkIssued(cert): it also demands keyCertSign, which self-signed server certificates lack.
function isSelfSigned(cert: ChainCertificate): boolean {
  return cert.subjectKey === cert.issuerKey && cert.signedBy(cert);
}

/** A certificate's name for messages: its CN in quotes, else the whole subject (RFC 4514 display). */
function quoteCn(subject: string): string {
  // The last CN, like CertificateDetails.commonName.
  const cn = [...subject.matchAll(/(?:^|,\s*)CN=((?:[^,\\]|\\.)*)/g)].at(-1)?.[1];
  return `'${cn ?? subject}'`;
}

function isWeakKey(cert: Pick<ChainEntry, 'keyType' | 'keyBits'>): boolean {
  if (cert.keyBits === null) return false;
  if (cert.keyType === 'RSA' || cert.keyType === 'DSA') return cert.keyBits < MIN_RSA_DSA_BITS;
  if (cert.keyType === 'EC') return cert.keyBits < MIN_EC_BITS;
  return false;
}

function chainEntry(cert: CertificateDetails, source: ChainEntry['source']): ChainEntry {
  const { subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm } = cert;
  return { subject, issuer, fingerprintSha256, notBefore, notAfter, keyType, keyBits, signatureAlgorithm, source };
}
