import { X509Certificate as NodeX509 } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { isBlockingTrustError } from '../result/trust-errors.js';
import type { ChainEntry, Mode, TrustError } from '../result/types.js';
import { OID_SRV_NAME, OID_XMPP_ADDR } from './parse.js';

// Certification path building and validation for a TLS server certificate, after RFC 5280 §6
// and the CA/Browser Forum baseline, as OpenSSL's `verify -x509_strict -purpose sslserver` does
// it. Pure: certificates in, a path and its problems out; `now` is a parameter.
//
// Why not pkijs's CertificateChainValidationEngine (same family as the @peculiar packages we
// use)? Evaluated (pkijs 4.0.0 and 3.4.3) against the cases of
// test/integration/certificate/path-validation.test.ts with openssl verify as the referee, it
// accepts a pathLenConstraint violation, a clientAuth-only leaf and unknown critical extensions;
// it does not backtrack (a same-name intermediate whose root is gone fails a valid chain in either
// order); an untrusted cross-signing loop never returns; and it stops at the first problem with
// a free-text message and an ad-hoc number, where we report every problem as closed codes.
//
// Building: a breadth-first search from the leaf over every issuer candidate (the chain as sent,
// in any order, with duplicates and junk; certificates fetched over AIA; the trust anchors),
// matching names and key identifiers and verifying each signature once. It backtracks across
// candidates with the same subject (cross-signed intermediates, root transitions) and returns
// the shortest path to an anchor with the fewest blocking problems; without one, the longest
// path it could build. Bounded: at most MAX_DEPTH certificates in a path and MAX_EXPANSIONS
// partial paths, so 500 cross-signed certificates cost milliseconds.

export interface PathCertificate {
  node: NodeX509;
  source: ChainEntry['source'];
  /** A trust anchor (from the bundled roots or a CA file). */
  anchor: boolean;
}

export interface PathProblem {
  reason: TrustError;
  /** Subject of the certificate the problem is about. */
  subject: string;
  message: string;
}

export interface ValidatedPath {
  /** Leaf first; ends at an anchor when `end` is 'anchor'. */
  path: PathCertificate[];
  end: 'anchor' | 'self_signed' | 'unknown_issuer';
  /** Every problem of the path (not the first only), in path order. */
  problems: PathProblem[];
}

export interface PathOptions {
  now: Date;
  mode: Mode;
}

const MAX_DEPTH = 10;
const MAX_EXPANSIONS = 2000;

export const OID_ANY_EKU = '2.5.29.37.0';
export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Extensions this validator (or the rest of the analysis) processes: a critical one of any other OID is a problem. */
const KNOWN_EXTENSIONS = new Set([
  asn1x509.id_ce_basicConstraints,
  asn1x509.id_ce_keyUsage,
  asn1x509.id_ce_extKeyUsage,
  asn1x509.id_ce_subjectAltName,
  asn1x509.id_ce_issuerAltName,
  asn1x509.id_ce_nameConstraints,
  asn1x509.id_ce_certificatePolicies,
  asn1x509.id_ce_policyConstraints,
  asn1x509.id_ce_policyMappings,
  asn1x509.id_ce_inhibitAnyPolicy,
  asn1x509.id_ce_subjectKeyIdentifier,
  asn1x509.id_ce_authorityKeyIdentifier,
  asn1x509.id_ce_cRLDistributionPoints,
  asn1x509.id_pe_authorityInfoAccess,
]);

/** What validation reads from a certificate, parsed once. */
interface Facts {
  subject: string;
  issuer: string;
  selfIssued: boolean;
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  /** keyUsage bits (asn1x509.KeyUsageFlags), null without the extension. */
  keyUsage: number | null;
  extendedKeyUsage: string[] | null;
  nameConstraints: { permitted: string[]; excluded: string[] } | null;
  unknownCritical: string[];
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** Identities a dNSName constraint applies to: DNS SANs, the domains of SRV-IDs and XmppAddrs, and the CN without DNS SANs. */
  dnsIdentities: string[];
  notBefore: number;
  notAfter: number;
}

const factsCache = new WeakMap<NodeX509, Facts>();

export function factsOf(node: NodeX509): Facts {
  let f = factsCache.get(node);
  if (!f) {
    f = readFacts(node);
    factsCache.set(node, f);
  }
  return f;
}

function readFacts(node: NodeX509): Facts {
  const cert = AsnConvert.parse(node.raw, asn1x509.Certificate);
  const tbs = cert.tbsCertificate;
  const extensions = tbs.extensions ?? [];
  const ext = <T>(oid: string, schema: new () => T): T | null => {
    const found = extensions.find((e) => e.extnID === oid);
    if (!found) return null;
    try {
      return AsnConvert.parse(found.extnValue, schema);
    } catch {
      return null;
    }
  };
  const bc = ext(asn1x509.id_ce_basicConstraints, asn1x509.BasicConstraints);
  const ku = ext(asn1x509.id_ce_keyUsage, asn1x509.KeyUsage);
  const eku = ext(asn1x509.id_ce_extKeyUsage, asn1x509.ExtendedKeyUsage);
  const nc = ext(asn1x509.id_ce_nameConstraints, asn1x509.NameConstraints);
  const san = ext(asn1x509.id_ce_subjectAltName, asn1x509.SubjectAlternativeName) ?? [];
  const ski = ext(asn1x509.id_ce_subjectKeyIdentifier, asn1x509.SubjectKeyIdentifier);
  const aki = ext(asn1x509.id_ce_authorityKeyIdentifier, asn1x509.AuthorityKeyIdentifier);
  const dnsNames = (names: asn1x509.GeneralSubtrees | undefined) => (names ?? []).flatMap((t) => (t.base.dNSName !== undefined ? [t.base.dNSName.toLowerCase()] : []));
  const dns = san.flatMap((n) => (n.dNSName !== undefined ? [n.dNSName] : []));
  const xmpp = san.flatMap((n) => {
    if (n.otherName?.typeId === OID_SRV_NAME) return [srvDomain(decodeOtherName(n.otherName.value))];
    if (n.otherName?.typeId === OID_XMPP_ADDR) return [jidDomain(decodeOtherName(n.otherName.value))];
    return [];
  });
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(node.subject)?.[1];
  return {
    subject: node.subject,
    issuer: node.issuer,
    selfIssued: node.subject === node.issuer,
    basicConstraints: bc ? { ca: bc.cA, pathLen: bc.pathLenConstraint ?? null } : null,
    keyUsage: ku ? ku.toNumber() : null,
    extendedKeyUsage: eku ? [...eku] : null,
    nameConstraints: nc ? { permitted: dnsNames(nc.permittedSubtrees), excluded: dnsNames(nc.excludedSubtrees) } : null,
    unknownCritical: extensions.filter((e) => e.critical && !KNOWN_EXTENSIONS.has(e.extnID)).map((e) => e.extnID),
    subjectKeyId: ski ? Buffer.from(ski.buffer).toString('hex') : null,
    authorityKeyId: aki?.keyIdentifier ? Buffer.from(aki.keyIdentifier.buffer).toString('hex') : null,
    dnsIdentities: [...dns, ...xmpp, ...(dns.length === 0 && cn ? [cn] : [])].filter((n): n is string => !!n).map((n) => n.toLowerCase()),
    notBefore: Date.parse(node.validFrom),
    notAfter: Date.parse(node.validTo),
  };
}

/** The string of an SRVName (IA5String) or XmppAddr (UTF8String) otherName; null for anything else. */
function decodeOtherName(value: ArrayBuffer): string | null {
  const parsed = asn1js.fromBER(value);
  if (parsed.offset === -1) return null;
  const r = parsed.result;
  return r instanceof asn1js.IA5String || r instanceof asn1js.Utf8String ? r.valueBlock.value : null;
}

/** `_xmpp-client.example.org` → `example.org`. */
function srvDomain(srv: string | null): string | null {
  if (!srv) return null;
  const dot = srv.indexOf('.');
  return srv.startsWith('_') && dot > 0 ? srv.slice(dot + 1) : null;
}

/** `user@example.org/res` → `example.org`. */
function jidDomain(jid: string | null): string | null {
  if (!jid) return null;
  const at = jid.indexOf('@');
  const rest = at >= 0 ? jid.slice(at + 1) : jid;
  const slash = rest.indexOf('/');
  return slash >= 0 ? rest.slice(0, slash) : rest;
}

// --- building ---------------------------------------------------------------------------------

const issuedCache = new WeakMap<NodeX509, Map<NodeX509, boolean>>();

/** Did `parent` issue `child`: names, key identifiers when both are present, and the signature (checked once a pair). */
function issued(child: NodeX509, parent: NodeX509): boolean {
  let byParent = issuedCache.get(child);
  if (!byParent) issuedCache.set(child, (byParent = new Map()));
  const known = byParent.get(parent);
  if (known !== undefined) return known;
  const c = factsOf(child);
  const p = factsOf(parent);
  let ok = c.issuer === p.subject && (c.authorityKeyId === null || p.subjectKeyId === null || c.authorityKeyId === p.subjectKeyId);
  if (ok) {
    try {
      ok = child.verify(parent.publicKey);
    } catch {
      ok = false; // a key or signature algorithm OpenSSL does not support
    }
  }
  byParent.set(parent, ok);
  return ok;
}

/**
 * The best path from `leaf`: the shortest complete one (ending at an anchor) with the fewest
 * blocking problems; without any, the longest partial one (and why it ends).
 */
export function buildAndValidate(leaf: PathCertificate, candidates: readonly PathCertificate[], anchors: readonly PathCertificate[], opts: PathOptions): ValidatedPath {
  // A leaf that is itself an anchor (a pinned certificate) is trusted as it is.
  const pinned = anchors.find((a) => a.node.fingerprint256 === leaf.node.fingerprint256);
  if (pinned) {
    const path = [{ ...leaf, source: pinned.source, anchor: true }];
    return { path, end: 'anchor', problems: validate(path, opts) };
  }
  const now = opts.now.getTime();
  const validFirst = (a: PathCertificate, b: PathCertificate) => Number(!isValidAt(a, now)) - Number(!isValidAt(b, now));
  const best: { path: ValidatedPath | null; score: number } = { path: null, score: Number.POSITIVE_INFINITY };
  /** Keeps the path if it is the best so far; true when it cannot be beaten (complete, no blocking problem). */
  const consider = (path: PathCertificate[], end: ValidatedPath['end']): boolean => {
    const problems = validate(path, opts);
    const blocking = problems.filter((p) => isBlockingTrustError(p.reason)).length;
    // Complete before partial; then fewer blocking problems; then shorter (complete) or longer (partial).
    const score = (end === 'anchor' ? 0 : 1_000_000) + blocking * 1000 + (end === 'anchor' ? path.length : MAX_DEPTH - path.length);
    if (score < best.score) {
      best.path = { path, end, problems };
      best.score = score;
    }
    return end === 'anchor' && blocking === 0;
  };
  const fallback = (): ValidatedPath => best.path ?? { path: [leaf], end: 'unknown_issuer', problems: validate([leaf], opts) };

  // Breadth first: the first clean complete path found is a shortest one.
  let queue: PathCertificate[][] = [[leaf]];
  let expansions = 0;
  while (queue.length > 0) {
    const next: PathCertificate[][] = [];
    for (const path of queue) {
      if (++expansions > MAX_EXPANSIONS) return fallback();
      const current = path[path.length - 1] as PathCertificate;
      const inPath = new Set(path.map((p) => p.node.fingerprint256));
      const byAnchor = anchors.filter((a) => issued(current.node, a.node)).sort(validFirst);
      for (const anchor of byAnchor) if (consider([...path, anchor], 'anchor')) return fallback();
      const selfSigned = current.node.subject === current.node.issuer && issued(current.node, current.node);
      const issuers = selfSigned ? [] : candidates.filter((c) => !inPath.has(c.node.fingerprint256) && issued(current.node, c.node)).sort(validFirst);
      if (byAnchor.length === 0 && issuers.length === 0) consider(path, selfSigned ? 'self_signed' : 'unknown_issuer');
      if (path.length >= MAX_DEPTH) {
        if (byAnchor.length === 0 && issuers.length > 0) consider(path, 'unknown_issuer');
        continue;
      }
      for (const issuer of issuers) next.push([...path, issuer]);
    }
    // Once a complete path is known, longer ones can only tie or lose on length.
    if (best.path?.end === 'anchor') break;
    queue = next;
  }
  return fallback();
}

function isValidAt(c: PathCertificate, now: number): boolean {
  const f = factsOf(c.node);
  return f.notBefore <= now && now <= f.notAfter;
}

// --- validation -------------------------------------------------------------------------------

/** Every problem of `path` (leaf first) as RFC 5280 §6 and the server purpose define them. */
export function validate(path: readonly PathCertificate[], opts: PathOptions): PathProblem[] {
  const problems: PathProblem[] = [];
  const now = opts.now.getTime();
  const add = (reason: TrustError, f: Facts, message: string) => problems.push({ reason, subject: f.subject, message });
  path.forEach((c, i) => {
    const f = factsOf(c.node);
    const isAnchor = c.anchor && i > 0;
    const what = i === 0 ? 'the server certificate' : isAnchor ? 'the trust anchor' : 'the intermediate';
    const name = `${what} ${quoteCn(f.subject)}`;
    // An anchor from a CA file is checked like the rest; the bundled roots vouch for themselves.
    const judged = !isAnchor || c.source === 'ca_file';
    if (isAnchor && judged && (now > f.notAfter || now < f.notBefore)) {
      add('anchor_expired', f, `${name} is not valid now (${now > f.notAfter ? 'expired' : 'not yet valid'})`);
    }
    if (judged && f.unknownCritical.length > 0) add('unknown_critical_extension', f, `${name} has a critical extension we do not know (${f.unknownCritical.join(', ')})`);
    if (i === 0) {
      checkServerUsage(f, name, add);
      return;
    }
    if (!judged) return;
    // An issuer: a CA, allowed to sign certificates, for server certificates, this deep.
    if (!f.basicConstraints?.ca) {
      add('not_a_ca', f, `${name} is not a CA certificate (${f.basicConstraints ? 'basicConstraints cA=false' : 'no basicConstraints'}) but issued ${quoteCn(factsOf((path[i - 1] as PathCertificate).node).subject)}`);
    }
    if (f.keyUsage !== null && !(f.keyUsage & asn1x509.KeyUsageFlags.keyCertSign)) add('bad_key_usage', f, `${name} may not sign certificates (keyUsage without keyCertSign)`);
    if (f.extendedKeyUsage && !f.extendedKeyUsage.some((o) => o === OID_SERVER_AUTH || o === OID_ANY_EKU)) {
      add('bad_extended_key_usage', f, `${name} is restricted to other purposes than server authentication (extendedKeyUsage)`);
    }
    const pathLen = f.basicConstraints?.pathLen ?? null;
    if (pathLen !== null) {
      // Non-self-issued intermediates below this CA (the leaf does not count).
      const below = path.slice(1, i).filter((p) => !factsOf(p.node).selfIssued).length;
      if (below > pathLen) add('path_length_exceeded', f, `${name} allows ${pathLen} intermediate CA(s) below it (pathLenConstraint), the path has ${below}`);
    }
    if (f.nameConstraints) {
      for (const below of path.slice(0, i)) {
        const b = factsOf(below.node);
        if (below !== path[0] && b.selfIssued) continue;
        const outside = b.dnsIdentities.filter((n) => !allowedBy(n, f.nameConstraints as { permitted: string[]; excluded: string[] }));
        if (outside.length > 0) add('name_constraint_violation', f, `${name} may not vouch for ${outside.join(', ')} (nameConstraints), in ${quoteCn(b.subject)}`);
      }
    }
  });
  return problems;
}

/** The leaf must be usable by a TLS server: keyUsage for signing or key exchange, extendedKeyUsage for serverAuth. */
function checkServerUsage(f: Facts, name: string, add: (reason: TrustError, f: Facts, message: string) => void): void {
  const F = asn1x509.KeyUsageFlags;
  if (f.keyUsage !== null && !(f.keyUsage & (F.digitalSignature | F.keyEncipherment | F.keyAgreement))) {
    add('bad_key_usage', f, `${name} may not be used for a TLS key exchange (keyUsage without digitalSignature, keyEncipherment or keyAgreement)`);
  }
  if (f.extendedKeyUsage && !f.extendedKeyUsage.some((o) => o === OID_SERVER_AUTH || o === OID_ANY_EKU)) {
    add('bad_extended_key_usage', f, `${name} is not for server authentication (extendedKeyUsage ${f.extendedKeyUsage.map(ekuName).join(', ')})`);
  }
}

/** RFC 5280 §4.2.1.10 for dNSName: within a permitted subtree (when there are any), in no excluded one. */
function allowedBy(name: string, c: { permitted: string[]; excluded: string[] }): boolean {
  const within = (subtree: string) => {
    const base = subtree.replace(/^\./, '');
    return name === base || name.endsWith(`.${base}`);
  };
  if (c.excluded.some(within)) return false;
  return c.permitted.length === 0 || c.permitted.some(within);
}

export function ekuName(oid: string): string {
  return oid === OID_SERVER_AUTH ? 'serverAuth' : oid === OID_CLIENT_AUTH ? 'clientAuth' : oid === OID_ANY_EKU ? 'anyExtendedKeyUsage' : oid;
}

/** A certificate's name for messages: its CN in quotes, else the whole subject. */
export function quoteCn(subject: string): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1];
  return `'${cn ?? subject.replace(/\n/g, ', ')}'`;
}
