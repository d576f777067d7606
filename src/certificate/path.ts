import 'reflect-metadata'; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { isBlockingTrustError } from '../result/trust-errors.js';
import type { ChainEntry, TrustError } from '../result/types.js';
import type { ChainCertificate } from './chain-certificate.js';
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
// in any order, with duplicates and junk; certificates fetched over AIA; the trust anchors). A
// candidate is an issuer when its subject is the issuer name, byte for byte (as Go compares names,
// and as the CA/Browser Forum baseline requires), and its key verifies the signature; a key is
// tried once per certificate, however many certificates share it. The search backtracks across candidates with the same subject (cross-signed
// intermediates, root transitions), never repeats a certificate in a path, and returns the
// shortest path to an anchor with the fewest blocking problems; without one, the longest path it
// could build. Bounded so a hostile server's certificate maze costs milliseconds: MAX_DEPTH
// certificates in a path, MAX_ISSUERS verified issuers followed per certificate, MAX_PATHS
// partial paths, MAX_SIGNATURE_CHECKS signature verifications. Certificates are only read
// shallowly (ChainCertificate) until they are on a path.

export interface PathCertificate {
  cert: ChainCertificate;
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
  /** The search hit one of its limits before it could finish (only on hostile or absurd input). */
  limitReached: string | null;
}

export interface PathOptions {
  now: Date;
  /**
   * How the session that fetched the certificate used the server's key (from its cipher suite),
   * so the leaf's keyUsage is checked for that use; null or absent: for any TLS use.
   */
  keyUse?: LeafKeyUse | null;
}

/** What a TLS key exchange needs of the server key (RFC 5246 §7.4.2, RFC 8446 §4.4.2.2). */
export type LeafKeyUse = 'digitalSignature' | 'keyEncipherment' | 'keyAgreement';

/**
 * The keyUsage bit a cipher suite (IANA name) needs of the server certificate: keyEncipherment
 * for RSA key transport (TLS_RSA_*), keyAgreement for static (EC)DH (TLS_DH_*, TLS_ECDH_*),
 * digitalSignature for everything that signs ((EC)DHE, TLS 1.3). Null for names we do not know.
 */
export function keyUseOfSuite(suite: string | null | undefined): LeafKeyUse | null {
  if (!suite) return null;
  if (/^TLS_RSA_(?:EXPORT_|EXPORT1024_)?WITH_/.test(suite)) return 'keyEncipherment';
  if (/^TLS_(?:ECDH|DH)_(?:RSA|DSS|ECDSA)_/.test(suite)) return 'keyAgreement';
  if (/^TLS_(?:ECDHE|DHE)_/.test(suite) || /^TLS_(?:AES|CHACHA20|SM4)_/.test(suite)) return 'digitalSignature';
  return null;
}

export const MAX_DEPTH = 10;
export const MAX_ISSUERS = 8;
export const MAX_PATHS = 2000;
export const MAX_SIGNATURE_CHECKS = 400;

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
  /** RFC 4514 display. */
  subject: string;
  commonName: string | null;
  selfIssued: boolean;
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  /** keyUsage bits (asn1x509.KeyUsageFlags), null without the extension. */
  keyUsage: number | null;
  extendedKeyUsage: string[] | null;
  nameConstraints: { permitted: string[]; excluded: string[] } | null;
  unknownCritical: string[];
  /** Identities a dNSName constraint applies to: DNS SANs, the domains of SRV-IDs and XmppAddrs, and the CN without DNS SANs. */
  dnsIdentities: string[];
  notBefore: number;
  notAfter: number;
}

const factsCache = new WeakMap<ChainCertificate, Facts>();

/**
 * The full decoding, once per certificate (only for certificates on a path). `decoded`: the
 * certificate's ASN.1 structure when the caller has it already (the leaf).
 */
export function factsOf(c: ChainCertificate, decoded?: asn1x509.Certificate): Facts {
  let f = factsCache.get(c);
  if (!f) {
    f = readFacts(c, decoded ?? AsnConvert.parse(c.der, asn1x509.Certificate));
    factsCache.set(c, f);
  }
  return f;
}

function readFacts(c: ChainCertificate, cert: asn1x509.Certificate): Facts {
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
  const dnsNames = (names: asn1x509.GeneralSubtrees | undefined) =>
    (names ?? []).flatMap((t) => (t.base.dNSName !== undefined ? [t.base.dNSName.toLowerCase()] : []));
  const dns = san.flatMap((n) => (n.dNSName !== undefined ? [n.dNSName] : []));
  const xmpp = san.flatMap((n) => {
    if (n.otherName?.typeId === OID_SRV_NAME) return [srvDomain(decodeOtherName(n.otherName.value))];
    if (n.otherName?.typeId === OID_XMPP_ADDR) return [jidDomain(decodeOtherName(n.otherName.value))];
    return [];
  });
  const cn = new x509.Name(tbs.subject).getField('CN').at(-1) ?? null;
  return {
    subject: c.subject,
    commonName: cn,
    selfIssued: c.subjectKey === c.issuerKey,
    basicConstraints: bc ? { ca: bc.cA, pathLen: bc.pathLenConstraint ?? null } : null,
    keyUsage: ku ? ku.toNumber() : null,
    extendedKeyUsage: eku ? [...eku] : null,
    nameConstraints: nc ? { permitted: dnsNames(nc.permittedSubtrees), excluded: dnsNames(nc.excludedSubtrees) } : null,
    unknownCritical: extensions.filter((e) => e.critical && !KNOWN_EXTENSIONS.has(e.extnID)).map((e) => e.extnID),
    dnsIdentities: [...dns, ...xmpp, ...(dns.length === 0 && cn ? [cn] : [])].filter((n): n is string => !!n).map((n) => n.toLowerCase()),
    notBefore: tbs.validity.notBefore.getTime().getTime(),
    notAfter: tbs.validity.notAfter.getTime().getTime(),
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

/** Subject match key → certificates, for the anchors of a trust store (built once per anchor list). */
const anchorIndexes = new WeakMap<readonly PathCertificate[], Map<string, PathCertificate[]>>();

function indexBySubject(certs: readonly PathCertificate[]): Map<string, PathCertificate[]> {
  const index = new Map<string, PathCertificate[]>();
  for (const c of certs) {
    const list = index.get(c.cert.subjectKey);
    if (list) list.push(c);
    else index.set(c.cert.subjectKey, [c]);
  }
  return index;
}

/**
 * The best path from `leaf`: the shortest complete one (ending at an anchor) with the fewest
 * blocking problems; without any, the longest partial one (and why it ends). `anchors` should be
 * the same array from one call to the next (its index is kept).
 */
export function buildAndValidate(
  leaf: PathCertificate,
  candidates: readonly PathCertificate[],
  anchors: readonly PathCertificate[],
  opts: PathOptions,
): ValidatedPath {
  // A leaf that is itself an anchor (a pinned certificate) is trusted as it is.
  const pinned = anchors.find((a) => a.cert.fingerprint256 === leaf.cert.fingerprint256);
  if (pinned) {
    const path = [{ ...leaf, source: pinned.source, anchor: true }];
    return { path, end: 'anchor', problems: validate(path, opts), limitReached: null };
  }
  let anchorIndex = anchorIndexes.get(anchors);
  if (!anchorIndex) {
    anchorIndex = indexBySubject(anchors);
    anchorIndexes.set(anchors, anchorIndex);
  }
  // Each certificate once (a server may send one several times).
  const seen = new Set<string>([leaf.cert.fingerprint256]);
  const candidateIndex = indexBySubject(candidates.filter((c) => !seen.has(c.cert.fingerprint256) && seen.add(c.cert.fingerprint256)));

  const now = opts.now.getTime();
  let limitReached: string | null = null;
  let signatureChecks = 0;
  const verified = new Map<string, boolean>();
  /** Did `parent`'s key sign `child`: once per (certificate, key), within the budget. */
  const signs = (child: ChainCertificate, parent: ChainCertificate): boolean => {
    const key = `${child.fingerprint256} ${parent.keyId}`;
    let ok = verified.get(key);
    if (ok === undefined) {
      if (signatureChecks >= MAX_SIGNATURE_CHECKS) {
        limitReached ??= `${MAX_SIGNATURE_CHECKS} signature checks`;
        return false;
      }
      signatureChecks++;
      ok = child.signedBy(parent);
      verified.set(key, ok);
    }
    return ok;
  };
  const validFirst = (a: PathCertificate, b: PathCertificate) => Number(!isValidAt(a, now)) - Number(!isValidAt(b, now));
  /** The issuers of a certificate among the anchors and the candidates (at most MAX_ISSUERS of these), valid ones first. */
  const issuersCache = new Map<ChainCertificate, { anchors: PathCertificate[]; others: PathCertificate[] }>();
  const issuersOf = (c: ChainCertificate) => {
    let found = issuersCache.get(c);
    if (!found) {
      const anchorsFound = (anchorIndex.get(c.issuerKey) ?? []).filter((a) => signs(c, a.cert) && decodes(a.cert)).sort(validFirst);
      const others: PathCertificate[] = [];
      for (const candidate of candidateIndex.get(c.issuerKey) ?? []) {
        if (candidate.cert === c || !signs(c, candidate.cert) || !decodes(candidate.cert)) continue;
        others.push(candidate);
        if (others.length >= MAX_ISSUERS) {
          limitReached ??= `${MAX_ISSUERS} issuers of one certificate`;
          break;
        }
      }
      found = { anchors: anchorsFound, others: others.sort(validFirst) };
      issuersCache.set(c, found);
    }
    return found;
  };

  const best: { path: ValidatedPath | null; score: number } = { path: null, score: Number.POSITIVE_INFINITY };
  /** Keeps the path if it is the best so far; true when it cannot be beaten (complete, no blocking problem). */
  const consider = (path: PathCertificate[], end: ValidatedPath['end']): boolean => {
    const problems = validate(path, opts);
    const blocking = problems.filter((p) => isBlockingTrustError(p.reason)).length;
    // Complete before partial; then fewer blocking problems; then shorter (complete) or longer (partial).
    const score = (end === 'anchor' ? 0 : 1_000_000) + blocking * 1000 + (end === 'anchor' ? path.length : MAX_DEPTH - path.length);
    if (score < best.score) {
      best.path = { path, end, problems, limitReached: null };
      best.score = score;
    }
    return end === 'anchor' && blocking === 0;
  };
  const result = (): ValidatedPath => {
    const found = best.path ?? { path: [leaf], end: 'unknown_issuer' as const, problems: validate([leaf], opts), limitReached: null };
    return { ...found, limitReached };
  };

  // Breadth first: the first clean complete path found is a shortest one.
  let queue: PathCertificate[][] = [[leaf]];
  let paths = 1;
  while (queue.length > 0) {
    const next: PathCertificate[][] = [];
    for (const path of queue) {
      const current = path[path.length - 1]!.cert;
      const { anchors: byAnchor, others } = issuersOf(current);
      for (const anchor of byAnchor) if (consider([...path, anchor], 'anchor')) return result();
      const selfSigned = current.subjectKey === current.issuerKey && signs(current, current);
      const issuers = selfSigned ? [] : others.filter((c) => !path.some((p) => p.cert === c.cert));
      if (byAnchor.length === 0 && issuers.length === 0) consider(path, selfSigned ? 'self_signed' : 'unknown_issuer');
      if (path.length >= MAX_DEPTH) {
        if (byAnchor.length === 0 && issuers.length > 0) {
          limitReached ??= `a path of ${MAX_DEPTH} certificates`;
          consider(path, 'unknown_issuer');
        }
        continue;
      }
      for (const issuer of issuers) {
        if (paths >= MAX_PATHS) {
          limitReached ??= `${MAX_PATHS} partial paths`;
          break;
        }
        paths++;
        next.push([...path, issuer]);
      }
    }
    // Once a complete path is known, longer ones can only tie or lose on length.
    if (best.path?.end === 'anchor') break;
    queue = next;
  }
  return result();
}

function isValidAt(c: PathCertificate, now: number): boolean {
  const f = factsOf(c.cert);
  return f.notBefore <= now && now <= f.notAfter;
}

/** A certificate can go on a path only if validation can read all of it (OpenSSL accepting it is not enough). */
function decodes(c: ChainCertificate): boolean {
  if (c.summary() === null) return false;
  try {
    factsOf(c);
    return true;
  } catch {
    return false;
  }
}

// --- validation -------------------------------------------------------------------------------

/** Every problem of `path` (leaf first) as RFC 5280 §6 and the server purpose define them. */
export function validate(path: readonly PathCertificate[], opts: PathOptions): PathProblem[] {
  const problems: PathProblem[] = [];
  const now = opts.now.getTime();
  const add = (reason: TrustError, f: Facts, message: string) => problems.push({ reason, subject: f.subject, message });
  path.forEach((c, i) => {
    const f = factsOf(c.cert);
    const isAnchor = c.anchor && i > 0;
    const what = i === 0 ? 'the server certificate' : isAnchor ? 'the trust anchor' : 'the intermediate';
    const name = `${what} ${named(f)}`;
    // An anchor from a CA file is checked like the rest; the bundled roots vouch for themselves.
    const judged = !isAnchor || c.source === 'ca_file';
    if (isAnchor && judged && (now > f.notAfter || now < f.notBefore)) {
      add('anchor_expired', f, `${name} is not valid now (${now > f.notAfter ? 'expired' : 'not yet valid'})`);
    }
    if (judged && f.unknownCritical.length > 0)
      add('unknown_critical_extension', f, `${name} has a critical extension we do not know (${f.unknownCritical.join(', ')})`);
    if (i === 0) {
      checkServerUsage(f, name, opts.keyUse ?? null, add);
      return;
    }
    if (!judged) return;
    // An issuer: a CA, allowed to sign certificates, for server certificates, this deep.
    if (!f.basicConstraints?.ca) {
      add(
        'not_a_ca',
        f,
        `${name} is not a CA certificate (${f.basicConstraints ? 'basicConstraints cA=false' : 'no basicConstraints'}) but issued ${named(factsOf((path[i - 1] as PathCertificate).cert))}`,
      );
    }
    if (f.keyUsage !== null && !(f.keyUsage & asn1x509.KeyUsageFlags.keyCertSign))
      add('bad_key_usage', f, `${name} may not sign certificates (keyUsage without keyCertSign)`);
    if (f.extendedKeyUsage && !f.extendedKeyUsage.some((o) => o === OID_SERVER_AUTH || o === OID_ANY_EKU)) {
      add('bad_extended_key_usage', f, `${name} is restricted to other purposes than server authentication (extendedKeyUsage)`);
    }
    const pathLen = f.basicConstraints?.pathLen ?? null;
    if (pathLen !== null) {
      // Non-self-issued intermediates below this CA (the leaf does not count).
      const below = path.slice(1, i).filter((p) => !factsOf(p.cert).selfIssued).length;
      if (below > pathLen) add('path_length_exceeded', f, `${name} allows ${pathLen} intermediate CA(s) below it (pathLenConstraint), the path has ${below}`);
    }
    if (f.nameConstraints) {
      for (const below of path.slice(0, i)) {
        const b = factsOf(below.cert);
        if (below !== path[0] && b.selfIssued) continue;
        const outside = b.dnsIdentities.filter((n) => !allowedBy(n, f.nameConstraints as { permitted: string[]; excluded: string[] }));
        if (outside.length > 0) add('name_constraint_violation', f, `${name} may not vouch for ${outside.join(', ')} (nameConstraints), in ${named(b)}`);
      }
    }
  });
  return problems;
}

/** The leaf must be usable by a TLS server: keyUsage for signing or key exchange, extendedKeyUsage for serverAuth. */
function checkServerUsage(f: Facts, name: string, keyUse: LeafKeyUse | null, add: (reason: TrustError, f: Facts, message: string) => void): void {
  const F = asn1x509.KeyUsageFlags;
  if (f.keyUsage !== null && keyUse !== null && !(f.keyUsage & F[keyUse])) {
    add('bad_key_usage', f, `${name} may not be used for the key exchange the server chose (keyUsage without ${keyUse})`);
  } else if (f.keyUsage !== null && !(f.keyUsage & (F.digitalSignature | F.keyEncipherment | F.keyAgreement))) {
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
function named(f: Facts): string {
  return `'${f.commonName ?? f.subject}'`;
}
