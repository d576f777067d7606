// DANE: does a TLSA RRset authenticate the chain a server sent? RFC 6698 as updated by RFC 7671,
// with RFC 7673 §4 for the reference names of SRV-based services such as XMPP. Pure: records,
// certificates, the PKIX verdict and `now` in, a verdict out; nothing a zone or a server sends
// makes it throw (an unusable record is a problem, not an error).
//
// OpenSSL 3's own DANE (SSL_dane_enable: Postfix's, and Prosody's through LuaSec) is the oracle:
// test/integration/certificate/dane-openssl-oracle.test.ts compares the two row by row. As
// OpenSSL does, and as RFC 7671 asks:
//  - digest algorithm agility (§9): per usage and selector only the strongest digest (SHA2-512
//    over SHA2-256) is used; Full(0) records always are;
//  - DANE-EE(3) looks at the leaf only, not at its names or dates (§5.1);
//  - a DANE-TA(2) trust anchor is an issuer the server sent (§5.2.2), never the leaf itself; it
//    is judged as a CA (not a CA, keyUsage, extendedKeyUsage, pathLen and name constraints: the
//    reason §5.2.1 prefers Cert(0)); every certificate below it must be valid now and the leaf
//    must name a reference identifier. A "2 0 0" record carries the anchor itself and may stand
//    for one the server left out (§5.2.2); a "2 1 0" key may have signed the topmost certificate
//    sent (§5.2.3, which also lets a self-signed leaf stand on a "2 1 0" record of its own key).
// Where we differ: the dates of the trust anchor itself are not checked (a trust anchor is not
// part of the path RFC 5280 §6.1 validates); OpenSSL 3 checks them when the anchor is
// self-issued, so an out-of-date anchor is reported (trust_anchor_expired) without failing.
//
// Bounded for hostile input (a server may send hundreds of certificates, a zone hundreds of
// records): MAX_RECORDS records, MAX_CERTIFICATES sent certificates, chains built to at most
// MAX_TRUST_ANCHORS distinct DANE-TA anchors (each with path.ts's own limits). Matching is by
// lookup: each certificate and its SubjectPublicKeyInfo are hashed once (SHA-256 when the
// certificate is read, SHA-512 only if a record needs it) and looked up in maps of the records.
import { type KeyObject, createHash, createPublicKey } from 'node:crypto';
import { isBlockingTrustError } from '../result/trust-errors.js';
import type { DaneProblem, DaneProblemCode, Mode, TlsaRecord } from '../result/types.js';
import { type ChainCertificate, tryChainCertificate } from './chain-certificate.js';
import { checkIdentity } from './identity.js';
import { parseCertificate } from './parse.js';
import { MAX_DEPTH, type PathCertificate, type PathProblem, buildAndValidate, factsOf } from './path.js';

export interface DaneMatch {
  record: TlsaRecord;
  /**
   * Depth of the certificate it matched on the chain as verified (0 = leaf), which is its index
   * in the presented chain when the server sends its chain in order, and what OpenSSL reports.
   * PKIX-TA: the depth in pkixPath (also for a trust-store root the server did not send). DANE-TA
   * with a "2 0 0" anchor the server did not send: the depth the anchor takes above the sent
   * certificates; with a "2 1 0" key that signed the topmost certificate sent: that certificate's
   * depth (as OpenSSL reports it).
   */
  depth: number;
}

/**
 * Why a record does not authenticate the server, or what else is worth knowing about it. At
 * most one problem per record (the decisive one); a problem without `record` is about the input
 * as a whole (the work limits, a leaf that cannot be read).
 */
export type DaneMatchProblemCode = Extract<
  DaneProblemCode,
  /** Ignored: unknown usage, selector or matching type; data not hex; a digest of the wrong length; Full(0) data that is not a certificate or key (RFC 6698 §4.1, RFC 7671 §9); past MAX_RECORDS. */
  | 'unusable_record'
  /** Matches no certificate it applies to: the leaf (DANE-EE, PKIX-EE) or a CA certificate of the PKIX path (PKIX-TA); or set aside by digest agility for a stronger digest that does not match (RFC 7671 §9). */
  | 'no_match'
  /** PKIX-TA or PKIX-EE record that matches, but PKIX validation failed (RFC 7671 §5.3, §5.4). */
  | 'pkix_untrusted'
  /** DANE-TA record matching none of the certificates sent after the leaf (the leaf itself is no anchor), nor standing for a missing anchor with 2 0 0 or 2 1 0 (RFC 7671 §5.2.2, §5.2.3). */
  | 'trust_anchor_not_in_chain'
  /** DANE-TA anchor found, but the leaf does not chain up to it through the sent certificates, or that chain breaks a rule (not a CA, key usage, path length, name constraints, a certificate below the anchor out of date); or a leaf that cannot be read. */
  | 'chain_invalid'
  /** DANE-TA chain valid, but the leaf names none of the reference identifiers (RFC 7671 §5.2, RFC 7673 §4). */
  | 'name_mismatch'
  /** Advisory, the record does authenticate: its DANE-TA anchor is outside its own validity period, which RFC 5280 ignores but OpenSSL 3 rejects for a self-issued anchor. */
  | 'trust_anchor_expired'
>;

export interface DaneInput {
  records: readonly TlsaRecord[];
  /** The chain as the server sent it, leaf first (DER). */
  presented: readonly Buffer[];
  /** PKIX verdict (trusted AND name valid) and the path it built, leaf first ending at the trust anchor (DER); null when PKIX failed. */
  pkixPath: readonly Buffer[] | null;
  /** Reference identifiers the leaf must match for DANE-TA and PKIX usages (RFC 7673 §4: the SRV target host and the service domain: either one is enough). */
  referenceNames: readonly string[];
  mode: Mode;
  now: Date;
}

export interface DaneVerdict {
  /** Records that are usable (RFC 6698 §4.1), whether or not digest agility then set some aside. */
  usableRecords: number;
  /** Every record that authenticates the server, in record order; the verdict is valid iff this is non-empty. */
  matched: DaneMatch[];
  problems: DaneProblem[];
}

export const MAX_RECORDS = 100;
/** Certificates looked at after the leaf. */
export const MAX_CERTIFICATES = 64;
/** Distinct DANE-TA anchors a chain is built to. */
export const MAX_TRUST_ANCHORS = 8;
/** A DNS RDATA is at most 65535 bytes. */
const MAX_DATA_BYTES = 65_535;

const PKIX_TA = 0;
const PKIX_EE = 1;
const DANE_TA = 2;
const DANE_EE = 3;
/** RFC 7218 names of the certificate usages 0–3. */
export const TLSA_USAGE_NAMES: readonly string[] = ['PKIX-TA', 'PKIX-EE', 'DANE-TA', 'DANE-EE'];
const DIGEST_BYTES = [0, 32, 64];

/** A usable record, decoded. */
interface Usable {
  index: number;
  record: TlsaRecord;
  usage: number;
  selector: number;
  matchingType: number;
  bytes: Buffer;
  /** What a certificate's digest is looked up by: the digest for SHA2 records, the SHA-256 of the data for Full(0) ones. */
  lookupKey: string;
  /** "2 0 0": the trust anchor certificate itself (RFC 7671 §5.2.2). */
  anchorCert: ChainCertificate | null;
  /** "2 1 0": the trust anchor key (RFC 7671 §5.2.3). */
  anchorKey: KeyObject | null;
}

type Outcome = { ok: true; depth: number; advisory?: string } | { ok: false; code: DaneMatchProblemCode; message: string };

export function matchTlsa(input: DaneInput): DaneVerdict {
  const problems: DaneProblem[] = [];
  const usable: Usable[] = [];
  input.records.slice(0, MAX_RECORDS).forEach((record, index) => {
    const read = readRecord(record, index);
    if (typeof read === 'string') problems.push({ code: 'unusable_record', record: index, message: `${label(record)} is unusable and ignored: ${read}` });
    else usable.push(read);
  });
  if (input.records.length > MAX_RECORDS) {
    problems.push({
      code: 'unusable_record',
      message: `only the first ${MAX_RECORDS} of ${input.records.length} TLSA records were examined, the rest are ignored`,
    });
  }

  // Digest algorithm agility (RFC 7671 §9), after unusable records are gone.
  const strongest = new Map<string, number>();
  for (const r of usable) if (r.matchingType !== 0) strongest.set(group(r), Math.max(strongest.get(group(r)) ?? 0, r.matchingType));
  const active = usable.filter((r) => r.matchingType === 0 || r.matchingType === strongest.get(group(r)));
  const superseded = usable.filter((r) => r.matchingType !== 0 && r.matchingType !== strongest.get(group(r)));
  const verdict = (outcomes: Map<number, Outcome>): DaneVerdict => finish(input.records, usable.length, outcomes, problems);
  if (active.length === 0) return verdict(new Map());

  const leaf = input.presented[0] === undefined ? null : tryChainCertificate(input.presented[0]);
  if (leaf === null) {
    problems.push({
      code: 'chain_invalid',
      message: input.presented.length === 0 ? 'the server sent no certificate' : 'the server certificate cannot be parsed',
    });
    return verdict(new Map());
  }
  const hasUsage = (u: number) => active.some((r) => r.usage === u);
  const digests = new Digests();
  const activeIndex = new RecordIndex(active, digests);
  const outcomes = new Map<number, Outcome>();
  /** Keeps the better outcome of a record: a match over a failure, the lower depth, the first failure. */
  const settle = (r: Usable, o: Outcome) => {
    const had = outcomes.get(r.index);
    if (!had || (o.ok && (!had.ok || o.depth < had.depth))) outcomes.set(r.index, o);
  };

  // The certificates sent after the leaf: each once, never the leaf again.
  const sent: ChainCertificate[] = [];
  const seen = new Set([leaf.fingerprint256]);
  for (const der of input.presented.slice(1, 1 + MAX_CERTIFICATES)) {
    const c = tryChainCertificate(der);
    if (c && !seen.has(c.fingerprint256)) {
      seen.add(c.fingerprint256);
      sent.push(c);
    }
  }
  if (input.presented.length - 1 > MAX_CERTIFICATES && (hasUsage(DANE_TA) || hasUsage(PKIX_TA))) {
    problems.push({
      code: 'chain_invalid',
      message: `only the first ${MAX_CERTIFICATES} of the ${input.presented.length - 1} certificates sent after the server certificate were examined`,
    });
  }

  // DANE-EE(3): the leaf, whatever its names and dates (RFC 7671 §5.1). PKIX-EE(1): the leaf, and PKIX (§5.3).
  for (const r of activeIndex.lookup(leaf, (u) => u === DANE_EE || u === PKIX_EE)) {
    if (r.usage === DANE_EE || input.pkixPath !== null) settle(r, { ok: true, depth: 0 });
    else
      settle(r, {
        ok: false,
        code: 'pkix_untrusted',
        message: `${label(r.record)} matches the server certificate, but PKIX validation failed (RFC 7671 §5.3)`,
      });
  }

  // PKIX-TA(0): a CA certificate of the PKIX path, sent or from the trust store (RFC 7671 §5.4).
  let pkixCas: (ChainCertificate | null)[] | undefined;
  /** The PKIX path past the leaf, read once; index i is depth i + 1. */
  const pkixPathCas = () => (pkixCas ??= (input.pkixPath ?? []).slice(1, 1 + MAX_DEPTH).map((der) => tryChainCertificate(der)));
  if (hasUsage(PKIX_TA)) {
    if (input.pkixPath !== null) {
      pkixPathCas().forEach((c, i) => {
        if (c) for (const r of activeIndex.lookup(c, (u) => u === PKIX_TA)) settle(r, { ok: true, depth: i + 1 });
      });
    } else {
      for (const c of sent) {
        for (const r of activeIndex.lookup(c, (u) => u === PKIX_TA)) {
          settle(r, { ok: false, code: 'pkix_untrusted', message: `${label(r.record)} matches ${named(c)}, but PKIX validation failed (RFC 7671 §5.4)` });
        }
      }
    }
  }

  if (hasUsage(DANE_TA)) matchDaneTa(input, leaf, sent, active, activeIndex, settle, (r) => outcomes.has(r.index));

  // What the records that matched nothing need said.
  for (const r of active) {
    if (outcomes.has(r.index)) continue;
    if (r.usage === DANE_TA) continue; // matchDaneTa settles every DANE-TA record it could examine
    const what =
      r.usage === PKIX_TA
        ? input.pkixPath === null
          ? 'any certificate the server sent (and PKIX validation failed)'
          : 'any CA certificate of the PKIX path (RFC 7671 §5.4)'
        : 'the server certificate';
    settle(r, { ok: false, code: 'no_match', message: `${label(r.record)} does not match ${what}` });
  }

  // Records set aside by digest agility: worth a word when they would have matched where the stronger ones did not.
  if (superseded.length > 0) {
    const matchedGroups = new Set(active.filter((r) => outcomes.get(r.index)?.ok).map(group));
    const waiting = superseded.filter((r) => !matchedGroups.has(group(r)));
    const index = new RecordIndex(waiting, digests);
    const would = new Set<number>();
    for (const r of index.lookup(leaf, (u) => u === DANE_EE || u === PKIX_EE)) would.add(r.index);
    for (const c of sent) for (const r of index.lookup(c, (u) => u === DANE_TA || u === PKIX_TA)) would.add(r.index);
    for (const c of pkixPathCas()) if (c) for (const r of index.lookup(c, (u) => u === PKIX_TA)) would.add(r.index);
    for (const r of waiting) {
      const stronger = `SHA2-${strongest.get(group(r)) === 2 ? 512 : 256}`;
      settle(
        r,
        would.has(r.index)
          ? {
              ok: false,
              code: 'no_match',
              message: `${label(r.record)} would match, but is not used: the RRset has ${stronger} ${TLSA_USAGE_NAMES[r.usage]} records for the same selector, and digest algorithm agility uses only the strongest (RFC 7671 §9)`,
            }
          : {
              ok: false,
              code: 'no_match',
              message: `${label(r.record)} matches no certificate (and is set aside for the ${stronger} records anyway, RFC 7671 §9)`,
            },
      );
    }
  }
  return verdict(outcomes);
}

/**
 * DANE-TA(2) (RFC 7671 §5.2): for each anchor (a sent certificate a record matches, or a "2 0 0"
 * certificate), the best path from the leaf through the sent certificates, judged with the
 * anchor as its only trust anchor; then "2 1 0" keys against the topmost certificate sent.
 */
function matchDaneTa(
  input: DaneInput,
  leaf: ChainCertificate,
  sent: readonly ChainCertificate[],
  active: readonly Usable[],
  index: RecordIndex,
  settle: (r: Usable, o: Outcome) => void,
  settled: (r: Usable) => boolean,
): void {
  const records = active.filter((r) => r.usage === DANE_TA);
  const fail = (code: DaneMatchProblemCode, message: string): Outcome => ({ ok: false, code, message });
  // Path building decodes the leaf in full; one that does not decode has no chain to judge.
  try {
    factsOf(leaf);
  } catch {
    for (const r of records) settle(r, fail('chain_invalid', `${label(r.record)}: the server certificate cannot be decoded`));
    return;
  }
  const now = input.now.getTime();
  let names: Outcome | undefined;
  /** RFC 7673 §4: either reference identifier will do. Decoded once, and only if a chain is otherwise valid. */
  const nameCheck = (): Outcome => {
    names ??= (() => {
      let details: ReturnType<typeof parseCertificate>;
      try {
        details = parseCertificate(leaf.der);
      } catch {
        return fail('name_mismatch', 'the names of the server certificate cannot be decoded');
      }
      if (input.referenceNames.some((n) => checkIdentity(details, n, input.mode).matchedBy !== null)) return { ok: true, depth: 0 };
      const wanted = input.referenceNames.length > 0 ? input.referenceNames.join(' or ') : '(no reference name given)';
      return fail('name_mismatch', `the server certificate is not for ${wanted} (RFC 7671 §5.2, RFC 7673 §4)`);
    })();
    return names;
  };
  /** A path from the leaf (leaf first): valid now below the anchor, without blocking problems, for a reference name. */
  const judge = (path: readonly PathCertificate[], pathProblems: readonly PathProblem[], anchored: boolean): Outcome => {
    const last = path.length - 1;
    const wrong = pathProblems.filter((p) => isBlockingTrustError(p.reason) && p.reason !== 'anchor_expired').map((p) => p.message);
    path.forEach((p, i) => {
      if (anchored && i === last) return;
      const dated = outOfDate(p.cert, now);
      if (dated) wrong.push(dated);
    });
    if (wrong.length > 0) return fail('chain_invalid', wrong.join('; '));
    const identity = nameCheck();
    if (!identity.ok) return identity;
    const anchor = path[last]!.cert;
    const anchorDated = anchored ? outOfDate(anchor, now) : null;
    if (!anchorDated) return { ok: true, depth: last };
    const openssl = factsOf(anchor).selfIssued
      ? 'OpenSSL 3 does check them for a self-issued anchor like this one, and rejects the chain'
      : 'nor does OpenSSL 3 for an anchor that is not self-issued';
    return { ok: true, depth: last, advisory: `its trust anchor ${anchorDated}: RFC 5280 does not check a trust anchor's dates; ${openssl}` };
  };

  // The anchors: sent certificates first (in the order sent), then "2 0 0" certificates the server left out.
  const anchors = new Map<string, { cert: ChainCertificate; records: Usable[]; sent: boolean }>();
  for (const c of sent) {
    const hits = index.lookup(c, (u) => u === DANE_TA);
    if (hits.length > 0) anchors.set(c.fingerprint256, { cert: c, records: hits, sent: true });
  }
  for (const r of records) {
    const c = r.anchorCert;
    if (c && c.fingerprint256 !== leaf.fingerprint256 && !anchors.has(c.fingerprint256)) anchors.set(c.fingerprint256, { cert: c, records: [r], sent: false });
  }
  const leafPath: PathCertificate = { cert: leaf, source: 'presented', anchor: false };
  const candidates: PathCertificate[] = sent.map((cert) => ({ cert, source: 'presented', anchor: false }));
  let built = 0;
  for (const { cert, records: matching, sent: wasSent } of anchors.values()) {
    if (built >= MAX_TRUST_ANCHORS) break; // the records of the others are reported below
    built++;
    // Judged as a CA-file anchor is: as a CA, with its constraints (RFC 7671 §5.2.1).
    const result = buildAndValidate(
      leafPath,
      candidates.filter((c) => c.cert !== cert),
      [{ cert, source: 'ca_file', anchor: true }],
      { now: input.now },
    );
    const gaveUp = result.limitReached ? ` (the search gave up after ${result.limitReached})` : '';
    const outcome =
      result.end === 'anchor'
        ? judge(result.path, result.problems, true)
        : wasSent
          ? fail('chain_invalid', `the server certificate does not chain up to it through the certificates sent${gaveUp}`)
          : fail('trust_anchor_not_in_chain', `the server did not send it, and it issued none of the certificates sent (RFC 7671 §5.2.2)${gaveUp}`);
    for (const r of matching) {
      settle(r, outcome.ok ? outcome : { ...outcome, message: `${label(r.record)} designates ${named(cert)}, but ${outcome.message}` });
    }
  }

  // "2 1 0" keys of anchors the server did not send: did one sign the topmost certificate sent (RFC 7671 §5.2.3)?
  const anchored = new Set([...anchors.values()].flatMap((a) => a.records.map((r) => r.index)));
  const keys = records.filter((r) => r.anchorKey !== null && !anchored.has(r.index));
  if (keys.length > 0) {
    const chain = buildAndValidate(leafPath, candidates, [], { now: input.now });
    const top = chain.path[chain.path.length - 1]!.cert;
    for (const r of keys) {
      if (verifiedBy(top, r.anchorKey!)) {
        const outcome = judge(chain.path, chain.problems, false);
        settle(r, outcome.ok ? outcome : { ...outcome, message: `${label(r.record)}'s key signed ${named(top)}, but ${outcome.message}` });
      }
    }
  }

  const onLeaf = new Set(index.lookup(leaf, (u) => u === DANE_TA).map((r) => r.index));
  for (const r of records) {
    if (settled(r)) continue;
    if (anchored.has(r.index)) {
      settle(
        r,
        fail('chain_invalid', `${label(r.record)} was not examined: the server sent more than ${MAX_TRUST_ANCHORS} certificates that DANE-TA records match`),
      );
      continue;
    }
    if (onLeaf.has(r.index)) {
      settle(
        r,
        fail(
          'trust_anchor_not_in_chain',
          `${label(r.record)} designates the server certificate itself: a DANE-TA(2) trust anchor is an issuer; DANE-EE(3) designates the server certificate (RFC 7671 §5.2)`,
        ),
      );
    } else if (r.anchorKey !== null) {
      settle(
        r,
        fail(
          'trust_anchor_not_in_chain',
          `${label(r.record)} matches none of the certificates sent after the server certificate, and its key signed none of them (RFC 7671 §5.2.3)`,
        ),
      );
    } else {
      settle(
        r,
        fail(
          'trust_anchor_not_in_chain',
          `${label(r.record)} matches none of the certificates sent after the server certificate: the server must send its trust anchor (RFC 7671 §5.2.2)`,
        ),
      );
    }
  }
}

/** The verdict: matches and problems in record order (problems about the whole input last). */
function finish(records: readonly TlsaRecord[], usableRecords: number, outcomes: Map<number, Outcome>, problems: readonly DaneProblem[]): DaneVerdict {
  const matched: DaneMatch[] = [];
  const all = [...problems];
  for (const [index, o] of [...outcomes].sort((a, b) => a[0] - b[0])) {
    const record = records[index]!;
    if (!o.ok) all.push({ code: o.code, record: index, message: o.message });
    else {
      matched.push({ record, depth: o.depth });
      if (o.advisory) {
        all.push({
          code: 'trust_anchor_expired',
          record: index,
          message: `${label(record)} authenticates the server, but ${o.advisory}`,
        });
      }
    }
  }
  all.sort((a, b) => (a.record ?? Number.MAX_SAFE_INTEGER) - (b.record ?? Number.MAX_SAFE_INTEGER));
  return { usableRecords, matched, problems: all };
}

/** A usable record, or why it is not (RFC 6698 §4.1; RFC 7671 §9 for digest lengths; Full(0) data must decode, as OpenSSL requires). */
function readRecord(record: TlsaRecord, index: number): Usable | string {
  const { usage, selector, matchingType, data } = record;
  if (!Number.isInteger(usage) || usage < 0 || usage > 3) return `unknown certificate usage ${usage}`;
  if (!Number.isInteger(selector) || selector < 0 || selector > 1) return `unknown selector ${selector}`;
  if (!Number.isInteger(matchingType) || matchingType < 0 || matchingType > 2) return `unknown matching type ${matchingType}`;
  if (typeof data !== 'string' || data.length === 0) return 'no data';
  if (data.length > 2 * MAX_DATA_BYTES) return 'more data than a DNS record can hold';
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(data)) return 'the data is not hexadecimal';
  const bytes = Buffer.from(data, 'hex');
  const base = { index, record, usage, selector, matchingType, bytes, anchorCert: null, anchorKey: null };
  if (matchingType !== 0) {
    const want = DIGEST_BYTES[matchingType]!;
    if (bytes.length !== want) return `a ${bytes.length}-byte digest where SHA2-${want * 8} has ${want} bytes`;
    return { ...base, lookupKey: data.toLowerCase() };
  }
  const lookupKey = createHash('sha256').update(bytes).digest('hex');
  if (selector === 0) {
    const cert = tryChainCertificate(bytes);
    if (cert === null || cert.node === null || cert.publicKey === null) return 'the data is not a DER certificate';
    return { ...base, lookupKey, anchorCert: usage === DANE_TA ? cert : null };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  } catch {
    return 'the data is not a DER SubjectPublicKeyInfo';
  }
  return { ...base, lookupKey, anchorKey: usage === DANE_TA ? key : null };
}

/** Digest agility applies per usage and selector. */
function group(r: Usable): string {
  return `${r.usage} ${r.selector}`;
}

/** `3 1 1 0a1b2c3d4e5f…` (the record in presentation form, its data cut short). */
function label(r: TlsaRecord): string {
  const data = typeof r.data === 'string' ? r.data : '';
  return `TLSA ${r.usage} ${r.selector} ${r.matchingType} ${data.length > 16 ? `${data.slice(0, 16).toLowerCase()}…` : data.toLowerCase()}`.trimEnd();
}

/** The digests of certificates as records designate them, each computed once. */
class Digests {
  private readonly memo = new Map<ChainCertificate, Map<string, string>>();

  /** SHA-256 (matching types 0 and 1: a Full(0) record is looked up by the SHA-256 of its data) or SHA-512 of the certificate or its key. */
  of(c: ChainCertificate, selector: number, matchingType: number): string {
    let forCert = this.memo.get(c);
    if (!forCert) {
      forCert = new Map();
      this.memo.set(c, forCert);
    }
    const sha512 = matchingType === 2;
    const key = `${selector}${sha512 ? 2 : 1}`;
    let digest = forCert.get(key);
    if (digest === undefined) {
      if (!sha512) digest = selector === 0 ? c.fingerprint256.replace(/:/g, '').toLowerCase() : c.keyId;
      else
        digest = createHash('sha512')
          .update(selector === 0 ? c.der : c.subjectPublicKeyInfo)
          .digest('hex');
      forCert.set(key, digest);
    }
    return digest;
  }
}

/** Records by (selector, matching type) and digest: a certificate is looked up, not compared with each record. */
class RecordIndex {
  private readonly byKind = new Map<string, { selector: number; matchingType: number; byKey: Map<string, Usable[]> }>();

  constructor(
    records: readonly Usable[],
    private readonly digests: Digests,
  ) {
    for (const r of records) {
      const kind = `${r.selector}${r.matchingType}`;
      let entry = this.byKind.get(kind);
      if (!entry) {
        entry = { selector: r.selector, matchingType: r.matchingType, byKey: new Map() };
        this.byKind.set(kind, entry);
      }
      const list = entry.byKey.get(r.lookupKey);
      if (list) list.push(r);
      else entry.byKey.set(r.lookupKey, [r]);
    }
  }

  /** The records of the usages `wanted` accepts that designate `c`. */
  lookup(c: ChainCertificate, wanted: (usage: number) => boolean): Usable[] {
    const found: Usable[] = [];
    for (const { selector, matchingType, byKey } of this.byKind.values()) {
      for (const r of byKey.get(this.digests.of(c, selector, matchingType)) ?? []) {
        // Full(0): the digest found the candidate, the bytes decide.
        if (wanted(r.usage) && (matchingType !== 0 || r.bytes.equals(selector === 0 ? c.der : c.subjectPublicKeyInfo))) found.push(r);
      }
    }
    return found;
  }
}

/** Why a certificate is not valid at `now`, or null. */
function outOfDate(c: ChainCertificate, now: number): string | null {
  const f = factsOf(c);
  if (now > f.notAfter) return `${named(c)} expired on ${new Date(f.notAfter).toISOString()}`;
  if (now < f.notBefore) return `${named(c)} is valid from ${new Date(f.notBefore).toISOString()} only`;
  return null;
}

/** Did `key` sign the certificate (a bare DANE-TA key, RFC 7671 §5.2.3)? */
function verifiedBy(c: ChainCertificate, key: KeyObject): boolean {
  try {
    return c.node?.verify(key) ?? false;
  } catch {
    return false; // a key or signature algorithm OpenSSL cannot use
  }
}

function named(c: ChainCertificate): string {
  return `'${c.subject}'`;
}
