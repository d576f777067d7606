import { createHash } from 'node:crypto';
import { type DaneInput, type DaneMatchProblemCode as DaneProblemCode, type DaneVerdict, MAX_RECORDS, matchTlsa } from '../../../src/certificate/dane.js';
import type { TlsaRecord } from '../../../src/result/types.js';
import { type CertOptions, type TestCert, createCa, createIntermediate, createLeaf, tlsaRecord } from '../../harness/pki.js';

// DANE TLSA matching (src/certificate/dane.ts), one rule per row: records × chains, with
// certificates made here. OpenSSL's own DANE judges the same kinds of rows in
// test/integration/certificate/dane-openssl-oracle.test.ts.

const DAY_MS = 86_400_000;
const now = new Date();
const past = { notBefore: new Date(now.getTime() - 400 * DAY_MS), notAfter: new Date(now.getTime() - 30 * DAY_MS) };
const HOST = 'xmpp.example.org';
const DOMAIN = 'example.org';
/** Fresh EC keys: fast, and no two certificates share a key unless a row says so. */
const ec = { key: { type: 'EC' as const }, freshKey: true };

interface Pki {
  root: TestCert;
  inter: TestCert;
  leaf: TestCert;
  otherRoot: TestCert;
  otherLeaf: TestCert;
  selfSigned: TestCert;
  expiredSelfSigned: TestCert;
  wrongName: TestCert;
  domainOnly: TestCert;
  srvOnly: TestCert;
  expiredLeaf: TestCert;
  expiredInter: TestCert;
  underExpiredInter: TestCert;
  expiredRoot: TestCert;
  interOfExpiredRoot: TestCert;
  underExpiredRoot: TestCert;
  notCa: TestCert;
  underNotCa: TestCert;
}

let pki: Pki;

beforeAll(async () => {
  const leafOf = (issuer: TestCert | null, opts: CertOptions = {}) => createLeaf(issuer, { dns: [HOST], ...ec, ...opts });
  const root = await createCa({ cn: 'DANE Root', ...ec });
  const inter = await createIntermediate(root, { cn: 'DANE Intermediate', ...ec });
  const otherRoot = await createCa({ cn: 'Other Root', ...ec });
  const expiredInter = await createIntermediate(root, { cn: 'Expired Intermediate', ...ec, ...past });
  const expiredRoot = await createCa({ cn: 'Expired Root', ...ec, ...past });
  const interOfExpiredRoot = await createIntermediate(expiredRoot, { cn: 'Intermediate of Expired Root', ...ec });
  const notCa = await createIntermediate(root, { cn: 'Not a CA', isCa: false, ...ec });
  pki = {
    root,
    inter,
    leaf: await leafOf(inter),
    otherRoot,
    otherLeaf: await leafOf(inter),
    selfSigned: await leafOf(null),
    expiredSelfSigned: await leafOf(null, past),
    wrongName: await leafOf(inter, { dns: ['other.example.net'] }),
    domainOnly: await leafOf(inter, { dns: [DOMAIN] }),
    srvOnly: await leafOf(inter, { dns: [], cn: 'no DNS-ID', srv: [`_xmpp-client.${DOMAIN}`] }),
    expiredLeaf: await leafOf(inter, past),
    expiredInter,
    underExpiredInter: await leafOf(expiredInter),
    expiredRoot,
    interOfExpiredRoot,
    underExpiredRoot: await leafOf(interOfExpiredRoot),
    notCa,
    underNotCa: await leafOf(notCa),
  };
});

/** The TLSA record of usage, selector and matching type for `c` (its key as @peculiar/x509 has it, not as the code under test reads it). */
const tlsa = (usage: number, selector: number, matchingType: number, c: TestCert): TlsaRecord => tlsaRecord(usage, selector, matchingType, c);

const raw = (usage: number, selector: number, matchingType: number, data: string): TlsaRecord => ({ usage, selector, matchingType, data });
const sha256Of = (s: string) => createHash('sha256').update(s).digest('hex');

interface Row {
  name: string;
  records: (p: Pki) => TlsaRecord[];
  /** As sent, leaf first. */
  chain: (p: Pki) => TestCert[];
  /** The PKIX path (leaf first, ending at the anchor); absent: PKIX failed. */
  pkix?: (p: Pki) => TestCert[];
  names?: string[];
  /** Depth of each matched record, in record order ([] = not valid). */
  depths: number[];
  /** [record index (or null), code] of every problem, in order. */
  problems?: [number | null, DaneProblemCode][];
  /** A word each message must contain, when the row is about one. */
  message?: RegExp;
  usable?: number;
}

const USAGES = [
  { usage: 0, name: 'PKIX-TA', target: (p: Pki) => p.inter, depth: 1, miss: 'no_match' as const },
  { usage: 1, name: 'PKIX-EE', target: (p: Pki) => p.leaf, depth: 0, miss: 'no_match' as const },
  { usage: 2, name: 'DANE-TA', target: (p: Pki) => p.inter, depth: 1, miss: 'trust_anchor_not_in_chain' as const },
  { usage: 3, name: 'DANE-EE', target: (p: Pki) => p.leaf, depth: 0, miss: 'no_match' as const },
];
const fullChain = (p: Pki) => [p.leaf, p.inter, p.root];

/** Every usage × selector × matching type, matching and not, on a chain PKIX trusts. */
const grid: Row[] = USAGES.flatMap(({ usage, name, target, depth, miss }) =>
  [0, 1].flatMap((selector) =>
    [0, 1, 2].flatMap((matchingType): Row[] => [
      {
        name: `${name} ${usage} ${selector} ${matchingType} matches`,
        records: (p) => [tlsa(usage, selector, matchingType, target(p))],
        chain: fullChain,
        pkix: fullChain,
        depths: [depth],
      },
      {
        name: `${name} ${usage} ${selector} ${matchingType} of another certificate`,
        records: (p) => [tlsa(usage, selector, matchingType, usage % 2 === 0 ? p.otherRoot : p.otherLeaf)],
        chain: fullChain,
        pkix: fullChain,
        depths: [],
        problems: [[0, miss]],
      },
    ]),
  ),
);

const rows: Row[] = [
  ...grid,

  // Unusable records are problems, never errors (RFC 6698 §4.1), and never count.
  ...(
    [
      ['usage 4', raw(4, 1, 1, sha256Of('x')), /usage 4/],
      ['private usage 255', raw(255, 1, 1, sha256Of('x')), /usage 255/],
      ['selector 2', raw(3, 2, 1, sha256Of('x')), /selector 2/],
      ['matching type 3', raw(3, 1, 3, sha256Of('x')), /matching type 3/],
      ['a fractional usage', raw(2.5, 1, 1, sha256Of('x')), /usage 2.5/],
      ['data that is not hex', raw(3, 1, 1, 'zz'.repeat(32)), /not hexadecimal/],
      ['an odd number of hex digits', raw(3, 1, 1, 'abc'), /not hexadecimal/],
      ['no data', raw(3, 1, 1, ''), /no data/],
      ['a 31-byte SHA2-256 digest', raw(3, 1, 1, sha256Of('x').slice(2)), /31-byte/],
      ['a SHA2-256-long SHA2-512 digest', raw(3, 1, 2, sha256Of('x')), /32-byte digest where SHA2-512/],
      ['Full(0) data that is no certificate', raw(3, 0, 0, 'deadbeef'), /not a DER certificate/],
      ['Full(0) data that is no key', raw(3, 1, 0, 'deadbeef'), /not a DER SubjectPublicKeyInfo/],
    ] as const
  ).map(
    ([what, record, message]): Row => ({
      name: `unusable: ${what}`,
      records: () => [record],
      chain: fullChain,
      pkix: fullChain,
      depths: [],
      problems: [[0, 'unusable_record']],
      message,
      usable: 0,
    }),
  ),
  {
    name: 'upper-case hex is hex',
    records: (p) => [{ ...tlsa(3, 1, 1, p.leaf), data: tlsa(3, 1, 1, p.leaf).data.toUpperCase() }],
    chain: fullChain,
    depths: [0],
  },

  // DANE-EE(3): the leaf only; no names, no dates (RFC 7671 §5.1).
  ...[
    [3, 1, 1],
    [3, 0, 1],
    [3, 0, 0],
    [3, 1, 2],
  ].map(
    ([u, s, m]): Row => ({
      name: `DANE-EE ${u} ${s} ${m}: an expired self-signed leaf, named for nothing we asked`,
      records: (p) => [tlsa(u!, s!, m!, p.expiredSelfSigned)],
      chain: (p) => [p.expiredSelfSigned],
      names: ['elsewhere.example'],
      depths: [0],
    }),
  ),
  { name: 'DANE-EE: a wrong name does not matter', records: (p) => [tlsa(3, 1, 1, p.wrongName)], chain: (p) => [p.wrongName, p.inter], depths: [0] },
  {
    name: 'DANE-EE: the issuer never matches an EE record',
    records: (p) => [tlsa(3, 1, 1, p.inter)],
    chain: fullChain,
    depths: [],
    problems: [[0, 'no_match']],
  },

  // DANE-TA(2): an issuer the server sent, a valid chain to it, a reference name (RFC 7671 §5.2).
  { name: 'DANE-TA: the root, sent', records: (p) => [tlsa(2, 0, 1, p.root)], chain: fullChain, depths: [2] },
  { name: 'DANE-TA: the root by key, sent', records: (p) => [tlsa(2, 1, 1, p.root)], chain: fullChain, depths: [2] },
  {
    name: 'DANE-TA: a chain sent out of order',
    records: (p) => [tlsa(2, 0, 1, p.root)],
    chain: (p) => [p.leaf, p.root, p.inter],
    depths: [2],
  },
  {
    name: 'DANE-TA: the root not sent (RFC 7671 §5.2.2)',
    records: (p) => [tlsa(2, 0, 1, p.root)],
    chain: (p) => [p.leaf, p.inter],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
    message: /must send its trust anchor/,
  },
  {
    name: 'DANE-TA: the root not sent, matched by a SHA2-512 of its key',
    records: (p) => [tlsa(2, 1, 2, p.root)],
    chain: (p) => [p.leaf, p.inter],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
  },
  {
    name: 'DANE-TA 2 0 0: the record carries the root the server left out (RFC 7671 §5.2.2)',
    records: (p) => [tlsa(2, 0, 0, p.root)],
    chain: (p) => [p.leaf, p.inter],
    depths: [2],
  },
  {
    name: 'DANE-TA 2 1 0: the root key signed the topmost certificate sent (RFC 7671 §5.2.3)',
    records: (p) => [tlsa(2, 1, 0, p.root)],
    chain: (p) => [p.leaf, p.inter],
    depths: [1],
  },
  {
    name: 'DANE-TA 2 1 0: a key that signed nothing sent',
    records: (p) => [tlsa(2, 1, 0, p.otherRoot)],
    chain: (p) => [p.leaf, p.inter],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
    message: /signed none/,
  },
  {
    name: 'DANE-TA: the leaf is never its own trust anchor',
    records: (p) => [tlsa(2, 0, 1, p.leaf)],
    chain: fullChain,
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
    message: /server certificate itself/,
  },
  {
    name: 'DANE-TA: not even when the server sends it twice',
    records: (p) => [tlsa(2, 0, 1, p.leaf)],
    chain: (p) => [p.leaf, p.leaf, p.inter],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
  },
  {
    name: 'DANE-TA 2 0 1 on a self-signed leaf',
    records: (p) => [tlsa(2, 0, 1, p.selfSigned)],
    chain: (p) => [p.selfSigned],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
  },
  {
    name: 'DANE-TA 2 0 0 of a self-signed leaf',
    records: (p) => [tlsa(2, 0, 0, p.selfSigned)],
    chain: (p) => [p.selfSigned],
    depths: [],
    problems: [[0, 'trust_anchor_not_in_chain']],
  },
  {
    name: 'DANE-TA 2 1 0 of a self-signed leaf: its key signed the topmost certificate (as OpenSSL has it)',
    records: (p) => [tlsa(2, 1, 0, p.selfSigned)],
    chain: (p) => [p.selfSigned],
    depths: [0],
  },
  {
    name: 'DANE-TA 2 1 0 of an expired self-signed leaf: the dates apply',
    records: (p) => [tlsa(2, 1, 0, p.expiredSelfSigned)],
    chain: (p) => [p.expiredSelfSigned],
    depths: [],
    problems: [[0, 'chain_invalid']],
    message: /expired/,
  },
  {
    name: 'DANE-TA: the leaf names neither reference identifier',
    records: (p) => [tlsa(2, 0, 1, p.inter)],
    chain: (p) => [p.wrongName, p.inter],
    depths: [],
    problems: [[0, 'name_mismatch']],
    message: /xmpp\.example\.org or example\.org/,
  },
  {
    name: 'DANE-TA: the service domain is enough (RFC 7673 §4)',
    records: (p) => [tlsa(2, 0, 1, p.inter)],
    chain: (p) => [p.domainOnly, p.inter],
    depths: [1],
  },
  {
    name: 'DANE-TA: … when it is a reference name',
    records: (p) => [tlsa(2, 0, 1, p.inter)],
    chain: (p) => [p.domainOnly, p.inter],
    names: [HOST],
    depths: [],
    problems: [[0, 'name_mismatch']],
  },
  {
    name: 'DANE-TA: an SRV-ID names the service domain (c2s)',
    records: (p) => [tlsa(2, 0, 1, p.inter)],
    chain: (p) => [p.srvOnly, p.inter],
    depths: [1],
  },
  {
    name: 'DANE-TA: an expired leaf',
    records: (p) => [tlsa(2, 0, 1, p.inter)],
    chain: (p) => [p.expiredLeaf, p.inter],
    depths: [],
    problems: [[0, 'chain_invalid']],
    message: /expired/,
  },
  {
    name: 'DANE-TA: an expired intermediate below the anchor',
    records: (p) => [tlsa(2, 0, 1, p.root)],
    chain: (p) => [p.underExpiredInter, p.expiredInter, p.root],
    depths: [],
    problems: [[0, 'chain_invalid']],
    message: /Expired Intermediate.*expired/,
  },
  {
    name: 'DANE-TA: an expired intermediate as the anchor: valid, with a word on it',
    records: (p) => [tlsa(2, 0, 1, p.expiredInter)],
    chain: (p) => [p.underExpiredInter, p.expiredInter, p.root],
    depths: [1],
    problems: [[0, 'trust_anchor_expired']],
  },
  {
    name: 'DANE-TA: an expired root as the anchor: valid per RFC 5280, with a word on it (OpenSSL 3 refuses)',
    records: (p) => [tlsa(2, 0, 1, p.expiredRoot)],
    chain: (p) => [p.underExpiredRoot, p.interOfExpiredRoot, p.expiredRoot],
    depths: [2],
    problems: [[0, 'trust_anchor_expired']],
    message: /OpenSSL 3 does check them for a self-issued anchor/,
  },
  {
    name: 'DANE-TA: an anchor that is not a CA',
    records: (p) => [tlsa(2, 0, 1, p.notCa)],
    chain: (p) => [p.underNotCa, p.notCa, p.root],
    depths: [],
    problems: [[0, 'chain_invalid']],
    message: /not a CA/,
  },
  {
    name: 'DANE-TA: a certificate that is not a CA below the anchor',
    records: (p) => [tlsa(2, 0, 1, p.root)],
    chain: (p) => [p.underNotCa, p.notCa, p.root],
    depths: [],
    problems: [[0, 'chain_invalid']],
  },
  {
    name: 'DANE-TA: a sent certificate the leaf does not chain up to',
    records: (p) => [tlsa(2, 0, 1, p.otherRoot)],
    chain: (p) => [p.leaf, p.inter, p.otherRoot],
    depths: [],
    problems: [[0, 'chain_invalid']],
    message: /does not chain up/,
  },
  {
    name: 'DANE-TA: two anchors on the path, each record at its depth',
    records: (p) => [tlsa(2, 0, 1, p.root), tlsa(2, 1, 1, p.inter)],
    chain: fullChain,
    depths: [2, 1],
  },

  // PKIX-EE(1) and PKIX-TA(0): a match and the PKIX verdict (RFC 7671 §5.3, §5.4).
  { name: 'PKIX-EE without PKIX', records: (p) => [tlsa(1, 1, 1, p.leaf)], chain: fullChain, depths: [], problems: [[0, 'pkix_untrusted']] },
  { name: 'PKIX-TA without PKIX', records: (p) => [tlsa(0, 0, 1, p.inter)], chain: fullChain, depths: [], problems: [[0, 'pkix_untrusted']] },
  {
    name: 'PKIX-TA without PKIX, of nothing sent',
    records: (p) => [tlsa(0, 0, 1, p.otherRoot)],
    chain: fullChain,
    depths: [],
    problems: [[0, 'no_match']],
  },
  {
    name: 'PKIX-TA: a trust-store root the server did not send',
    records: (p) => [tlsa(0, 0, 1, p.root)],
    chain: (p) => [p.leaf, p.inter],
    pkix: fullChain,
    depths: [2],
  },
  { name: 'PKIX-TA: never the leaf', records: (p) => [tlsa(0, 0, 1, p.leaf)], chain: fullChain, pkix: fullChain, depths: [], problems: [[0, 'no_match']] },
  { name: 'PKIX-EE: never an issuer', records: (p) => [tlsa(1, 0, 1, p.inter)], chain: fullChain, pkix: fullChain, depths: [], problems: [[0, 'no_match']] },

  // RRsets: any one record is enough; digest agility (RFC 7671 §9).
  {
    name: 'one good record among bad ones',
    records: (p) => [raw(7, 1, 1, sha256Of('x')), raw(3, 1, 1, 'abcd'), tlsa(3, 1, 1, p.otherLeaf), tlsa(3, 1, 1, p.leaf), tlsa(2, 0, 1, p.otherRoot)],
    chain: fullChain,
    depths: [0],
    problems: [
      [0, 'unusable_record'],
      [1, 'unusable_record'],
      [2, 'no_match'],
      [4, 'trust_anchor_not_in_chain'],
    ],
    usable: 3,
  },
  {
    name: 'agility: a good SHA2-256 record is set aside for a stale SHA2-512 one',
    records: (p) => [tlsa(3, 1, 1, p.leaf), tlsa(3, 1, 2, p.otherLeaf)],
    chain: fullChain,
    depths: [],
    problems: [
      [0, 'no_match'],
      [1, 'no_match'],
    ],
  },
  {
    name: 'agility: a good SHA2-512 record, a stale SHA2-256 one',
    records: (p) => [tlsa(3, 1, 1, p.otherLeaf), tlsa(3, 1, 2, p.leaf)],
    chain: fullChain,
    depths: [0],
    problems: [],
  },
  {
    name: 'agility is per selector',
    records: (p) => [tlsa(3, 1, 1, p.leaf), tlsa(3, 0, 2, p.otherLeaf)],
    chain: fullChain,
    depths: [0],
    problems: [[1, 'no_match']],
  },
  {
    name: 'agility is per usage',
    records: (p) => [tlsa(3, 1, 1, p.leaf), tlsa(2, 1, 2, p.otherRoot)],
    chain: fullChain,
    depths: [0],
    problems: [[1, 'trust_anchor_not_in_chain']],
  },
  {
    name: 'agility comes after unusable records are dropped',
    records: (p) => [tlsa(3, 1, 1, p.leaf), raw(3, 1, 2, sha256Of('x'))],
    chain: fullChain,
    depths: [0],
    problems: [[1, 'unusable_record']],
  },
  {
    name: 'agility leaves Full(0) records alone',
    records: (p) => [tlsa(3, 1, 0, p.leaf), tlsa(3, 1, 2, p.otherLeaf)],
    chain: fullChain,
    depths: [0],
    problems: [[1, 'no_match']],
  },
  { name: 'no records', records: () => [], chain: fullChain, depths: [], problems: [], usable: 0 },
  {
    name: 'no certificate',
    records: (p) => [tlsa(3, 1, 1, p.leaf)],
    chain: () => [],
    depths: [],
    problems: [[null, 'chain_invalid']],
  },
];

function run(row: Row): DaneVerdict {
  const input: DaneInput = {
    records: row.records(pki),
    presented: row.chain(pki).map((c) => c.der),
    pkixPath: row.pkix ? row.pkix(pki).map((c) => c.der) : null,
    referenceNames: row.names ?? [HOST, DOMAIN],
    mode: 'c2s',
    now,
  };
  return matchTlsa(input);
}

describe('matchTlsa', () => {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const verdict = run(row);
    const records = row.records(pki);
    expect(verdict.matched.map((m) => m.depth)).toEqual(row.depths);
    for (const m of verdict.matched) expect(records).toContainEqual(m.record);
    if (row.problems) expect(verdict.problems.map((p) => [p.record ?? null, p.code])).toEqual(row.problems);
    if (row.message) for (const p of verdict.problems) expect(p.message).toMatch(row.message);
    if (row.usable !== undefined) expect(verdict.usableRecords).toBe(row.usable);
    for (const p of verdict.problems) expect(p.message.length).toBeGreaterThan(0);
  });

  test('a digest set aside by agility says so', () => {
    const verdict = run(rows.find((r) => r.name.startsWith('agility: a good SHA2-256'))!);
    expect(verdict.problems[0]!.message).toMatch(/would match.*SHA2-512.*RFC 7671 §9/);
  });

  test(`only the first ${MAX_RECORDS} records count`, () => {
    const junk = Array.from({ length: MAX_RECORDS + 20 }, (_, i) => raw(3, 1, 1, sha256Of(String(i))));
    junk[MAX_RECORDS + 5] = tlsa(3, 1, 1, pki.leaf);
    const verdict = matchTlsa({ records: junk, presented: [pki.leaf.der], pkixPath: null, referenceNames: [HOST], mode: 'c2s', now });
    expect(verdict.matched).toEqual([]);
    expect(verdict.usableRecords).toBe(MAX_RECORDS);
    expect(verdict.problems.at(-1)?.code).toBe('unusable_record');
    expect(verdict.problems.at(-1)?.record).toBeUndefined();
  });
});

describe('matchTlsa on hostile input', () => {
  test('hundreds of junk certificates and records: bounded, and the good record still found', () => {
    const junkCerts = Array.from({ length: 500 }, (_, i) => Buffer.from(`not a certificate ${i}`));
    const junkRecords = Array.from({ length: 90 }, (_, i) =>
      raw(
        i % 4,
        i % 2,
        1 + (i % 2),
        createHash(i % 2 ? 'sha512' : 'sha256')
          .update(`r${i}`)
          .digest('hex'),
      ),
    );
    const verdict = matchTlsa({
      records: [...junkRecords, tlsa(2, 0, 1, pki.root)],
      presented: [pki.leaf.der, ...junkCerts, pki.inter.der, pki.root.der],
      pkixPath: null,
      referenceNames: [HOST],
      mode: 'c2s',
      now,
    });
    // The anchor came after MAX_CERTIFICATES junk certificates: not looked at, and said so.
    expect(verdict.matched).toEqual([]);
    expect(verdict.problems.some((p) => p.record === undefined && /only the first 64/.test(p.message))).toBe(true);
  });

  test('many sent certificates match a DANE-TA key: chains are built to a few only', async () => {
    // Re-issued intermediates with the same key and other names: each matches "2 1 1", none issued the leaf.
    const decoys = await Promise.all(Array.from({ length: 12 }, (_, i) => createIntermediate(pki.root, { cn: `Decoy ${i}`, keyFrom: pki.inter })));
    const verdict = matchTlsa({
      records: [tlsa(2, 1, 1, pki.inter)],
      presented: [pki.leaf.der, ...decoys.map((d) => d.der), pki.inter.der],
      pkixPath: null,
      referenceNames: [HOST],
      mode: 'c2s',
      now,
    });
    expect(verdict.matched).toEqual([]);
    expect(verdict.problems).toEqual([expect.objectContaining({ code: 'chain_invalid', record: 0 })]);

    // The real issuer among the first ones sent: found.
    const found = matchTlsa({
      records: [tlsa(2, 1, 1, pki.inter)],
      presented: [pki.leaf.der, ...decoys.slice(0, 3).map((d) => d.der), pki.inter.der],
      pkixPath: null,
      referenceNames: [HOST],
      mode: 'c2s',
      now,
    });
    expect(found.matched.map((m) => m.depth)).toEqual([1]);
  });
});
