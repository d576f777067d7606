import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type DaneVerdict, matchTlsa } from '../../../src/certificate/dane.js';
import type { TlsaRecord } from '../../../src/result/types.js';
import { analyzeChain } from '../../../src/certificate/trust.js';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { OPENSSL_PATH, type OpenSslServer, startOpenSslServer } from '../../harness/openssl-server.js';
import { type CertOptions, type TestCert, createCa, createIntermediate, createLeaf, tlsaRecord, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { needTool } from '../../harness/tools.js';

// OpenSSL's own DANE as the oracle for matchTlsa (src/certificate/dane.ts). One real
// `openssl s_server` per test chain on 127.0.0.1; for every row (a chain and a TLSA RRset)
// `openssl s_client -dane_tlsa_domain NAME -dane_tlsa_rrdata "u s m hex" … -verify_return_error`
// must come to our verdict (valid iff `matched` is non-empty), and when both say valid, the
// record and depth OpenSSL reports ("DANE TLSA 2 0 1 …cafe matched TA certificate at depth 2")
// must be among our matches. Rows where OpenSSL departs from the RFCs say so (`differs`), and
// assert that it still does.
//
// Fair by construction:
//  - -dane_ee_no_namechecks: RFC 7671 §5.1 (DANE-EE ignores names), and what OpenSSL's manual
//    tells SMTP and XMPP clients to use;
//  - one reference name: s_client takes one (the TLSA base domain), where RFC 7673 §4 lets XMPP
//    accept the SRV target or the service domain. Rows giving us two names give OpenSSL the one
//    the leaf has (or either, when it has neither), so that both judge the same question;
//  - PKIX usages: s_client trusts the same CA file (-CAfile, no system store) our PKIX path is
//    built with (analyzeChain), for the same name;
//  - the leaves name themselves by DNS-ID only (OpenSSL does not know XMPP's SRV-ID, see the row
//    that says so) and use no partial wildcards.

const HOST = 'xmpp.example.org';
const DOMAIN = 'example.org';
const DAY_MS = 86_400_000;
const CONCURRENCY = 8;
const now = new Date();
const past = { notBefore: new Date(now.getTime() - 400 * DAY_MS), notAfter: new Date(now.getTime() - 30 * DAY_MS) };
const ec = { key: { type: 'EC' as const }, freshKey: true };

interface Pki {
  root: TestCert;
  inter: TestCert;
  leaf: TestCert;
  rsaRoot: TestCert;
  rsaInter: TestCert;
  rsaLeaf: TestCert;
  otherRoot: TestCert;
  otherLeaf: TestCert;
  selfSigned: TestCert;
  expiredSelfSigned: TestCert;
  expiredLeaf: TestCert;
  expiredRoot: TestCert;
  interOfExpiredRoot: TestCert;
  underExpiredRoot: TestCert;
  expiredInter: TestCert;
  underExpiredInter: TestCert;
  notCa: TestCert;
  underNotCa: TestCert;
  wrongName: TestCert;
  domainOnly: TestCert;
  srvOnly: TestCert;
  untrustedRoot: TestCert;
  untrustedInter: TestCert;
  untrustedLeaf: TestCert;
}
type Cert = keyof Pki;

/** The chains the servers send, leaf first. */
const CHAINS = {
  ordered: ['leaf', 'inter', 'root'],
  rsa: ['rsaLeaf', 'rsaInter', 'rsaRoot'],
  'root not sent': ['leaf', 'inter'],
  'out of order': ['leaf', 'root', 'inter'],
  'self-signed': ['selfSigned'],
  'expired self-signed': ['expiredSelfSigned'],
  'expired leaf': ['expiredLeaf', 'inter', 'root'],
  'expired root': ['underExpiredRoot', 'interOfExpiredRoot', 'expiredRoot'],
  'expired intermediate': ['underExpiredInter', 'expiredInter', 'root'],
  'intermediate not a CA': ['underNotCa', 'notCa', 'root'],
  'wrong name': ['wrongName', 'inter', 'root'],
  'service domain only': ['domainOnly', 'inter', 'root'],
  'SRV-ID only': ['srvOnly', 'inter', 'root'],
  'untrusted root': ['untrustedLeaf', 'untrustedInter', 'untrustedRoot'],
} satisfies Record<string, Cert[]>;
type ChainName = keyof typeof CHAINS;

/** `[usage, selector, matching type, certificate]`, or raw data for records that designate nothing. */
type Rec = [number, number, number, Cert] | [number, number, number, { data: string; what: string }];

interface Row {
  chain: ChainName;
  records: Rec[];
  /** Our reference names (default: HOST). */
  names?: string[];
  /** The one name s_client checks (default: the first of `names`). */
  opensslName?: string;
  /** Where OpenSSL departs from the RFCs: its verdict, and why. */
  differs?: { openssl: boolean; why: string };
}

const junk = (bytes: number, what: string) => ({
  data: createHash('sha512')
    .update(what)
    .digest('hex')
    .repeat(4)
    .slice(0, 2 * bytes),
  what,
});

const GRID: Row[] = [0, 1, 2, 3].flatMap((usage) =>
  [0, 1].flatMap((selector) =>
    [0, 1, 2].flatMap((matchingType): Row[] => [
      // Each usage × selector × matching type, designating the certificate it is for…
      { chain: 'ordered', records: [[usage, selector, matchingType, usage % 2 === 1 ? 'leaf' : 'inter']] },
      // … and one it is not for.
      { chain: 'ordered', records: [[usage, selector, matchingType, usage % 2 === 1 ? 'otherLeaf' : 'otherRoot']] },
    ]),
  ),
);

const ROWS: Row[] = [
  ...GRID,
  { chain: 'ordered', records: [[2, 0, 1, 'root']] },
  { chain: 'ordered', records: [[2, 1, 2, 'root']] },
  { chain: 'ordered', records: [[0, 0, 1, 'root']] },
  { chain: 'ordered', records: [[0, 1, 2, 'root']] },
  // A usage on the wrong end of the chain.
  { chain: 'ordered', records: [[3, 1, 1, 'inter']] },
  { chain: 'ordered', records: [[1, 1, 1, 'inter']] },
  { chain: 'ordered', records: [[2, 1, 1, 'leaf']] },
  { chain: 'ordered', records: [[0, 1, 1, 'leaf']] },
  { chain: 'rsa', records: [[3, 1, 1, 'rsaLeaf']] },
  { chain: 'rsa', records: [[2, 0, 2, 'rsaRoot']] },
  { chain: 'rsa', records: [[0, 1, 1, 'rsaInter']] },
  { chain: 'rsa', records: [[1, 0, 0, 'rsaLeaf']] },

  // The trust anchor not sent (RFC 7671 §5.2.2, §5.2.3).
  { chain: 'root not sent', records: [[2, 0, 1, 'root']] },
  { chain: 'root not sent', records: [[2, 1, 1, 'root']] },
  { chain: 'root not sent', records: [[2, 0, 0, 'root']] },
  { chain: 'root not sent', records: [[2, 1, 0, 'root']] },
  { chain: 'root not sent', records: [[2, 1, 0, 'otherRoot']] },
  { chain: 'root not sent', records: [[2, 0, 0, 'otherRoot']] },
  { chain: 'root not sent', records: [[2, 0, 1, 'inter']] },
  { chain: 'root not sent', records: [[0, 0, 1, 'root']] },
  { chain: 'out of order', records: [[2, 0, 1, 'root']] },
  { chain: 'out of order', records: [[2, 1, 1, 'inter']] },
  { chain: 'out of order', records: [[0, 0, 2, 'root']] },

  // Self-signed leaves: DANE-EE whatever the dates; DANE-TA never the leaf itself, but "2 1 0" of its key.
  { chain: 'self-signed', records: [[3, 1, 1, 'selfSigned']] },
  { chain: 'self-signed', records: [[3, 0, 0, 'selfSigned']] },
  { chain: 'self-signed', records: [[2, 0, 1, 'selfSigned']] },
  { chain: 'self-signed', records: [[2, 1, 1, 'selfSigned']] },
  { chain: 'self-signed', records: [[2, 0, 0, 'selfSigned']] },
  { chain: 'self-signed', records: [[2, 1, 0, 'selfSigned']] },
  { chain: 'self-signed', records: [[1, 1, 1, 'selfSigned']] },
  { chain: 'self-signed', records: [[0, 0, 1, 'selfSigned']] },
  { chain: 'expired self-signed', records: [[3, 1, 1, 'expiredSelfSigned']] },
  { chain: 'expired self-signed', records: [[3, 0, 2, 'expiredSelfSigned']] },
  { chain: 'expired self-signed', records: [[2, 1, 0, 'expiredSelfSigned']] },
  { chain: 'expired self-signed', records: [[1, 0, 1, 'expiredSelfSigned']] },

  // Dates: below the anchor they count; the anchor's own do not (RFC 5280 §6.1), except for OpenSSL.
  { chain: 'expired leaf', records: [[3, 1, 1, 'expiredLeaf']] },
  { chain: 'expired leaf', records: [[2, 0, 1, 'inter']] },
  { chain: 'expired leaf', records: [[2, 1, 1, 'root']] },
  { chain: 'expired leaf', records: [[1, 1, 1, 'expiredLeaf']] },
  { chain: 'expired leaf', records: [[0, 0, 1, 'root']] },
  {
    chain: 'expired root',
    records: [[2, 0, 1, 'expiredRoot']],
    differs: {
      openssl: false,
      why: "OpenSSL 3 checks the dates of a self-issued trust anchor (x509_vfy.c internal_verify: 'in addition to RFC 5280 requirements'); RFC 6698 §2.1.1 makes the matched certificate the trust anchor of an RFC 5280 §6.1 validation, which does not check a trust anchor's dates",
    },
  },
  {
    chain: 'expired root',
    records: [[2, 1, 1, 'expiredRoot']],
    differs: { openssl: false, why: 'the same, for an anchor matched by its key' },
  },
  { chain: 'expired root', records: [[2, 0, 1, 'interOfExpiredRoot']] },
  { chain: 'expired root', records: [[3, 1, 1, 'underExpiredRoot']] },
  { chain: 'expired intermediate', records: [[2, 0, 1, 'expiredInter']] },
  { chain: 'expired intermediate', records: [[2, 1, 1, 'root']] },
  { chain: 'expired intermediate', records: [[0, 1, 1, 'root']] },
  { chain: 'expired intermediate', records: [[3, 1, 1, 'underExpiredInter']] },

  // CA rules apply to the anchor and below it.
  { chain: 'intermediate not a CA', records: [[2, 0, 1, 'notCa']] },
  { chain: 'intermediate not a CA', records: [[2, 0, 1, 'root']] },
  { chain: 'intermediate not a CA', records: [[3, 1, 1, 'underNotCa']] },

  // Names: DANE-TA and PKIX yes, DANE-EE no.
  { chain: 'wrong name', records: [[2, 0, 1, 'inter']] },
  { chain: 'wrong name', records: [[2, 1, 2, 'root']] },
  { chain: 'wrong name', records: [[3, 1, 1, 'wrongName']] },
  { chain: 'wrong name', records: [[1, 1, 1, 'wrongName']] },
  { chain: 'wrong name', records: [[0, 0, 1, 'root']] },
  // RFC 7673 §4: the service domain will do as well as the SRV target; s_client is asked for the name the leaf has.
  { chain: 'service domain only', records: [[2, 0, 1, 'inter']], names: [HOST, DOMAIN], opensslName: DOMAIN },
  { chain: 'service domain only', records: [[1, 1, 1, 'domainOnly']], names: [HOST, DOMAIN], opensslName: DOMAIN },
  { chain: 'service domain only', records: [[2, 0, 1, 'inter']], names: [HOST] },
  { chain: 'service domain only', records: [[2, 0, 1, 'inter']], names: ['other.example', 'other.example.net'] },
  {
    chain: 'SRV-ID only',
    records: [[2, 0, 1, 'inter']],
    names: [HOST, DOMAIN],
    opensslName: DOMAIN,
    differs: {
      openssl: false,
      why: "OpenSSL's name check (X509_check_host) knows DNS-IDs and the CN only; XMPP names a service by SRV-ID too (RFC 6120 §13.7.1.2, RFC 7590 §3.2, RFC 7673 §4): not a DANE difference, a name-matching one",
    },
  },

  // PKIX usages need PKIX (RFC 7671 §5.3, §5.4); DANE usages do not.
  { chain: 'untrusted root', records: [[0, 0, 1, 'untrustedRoot']] },
  { chain: 'untrusted root', records: [[1, 1, 1, 'untrustedLeaf']] },
  { chain: 'untrusted root', records: [[2, 0, 1, 'untrustedRoot']] },
  { chain: 'untrusted root', records: [[3, 1, 1, 'untrustedLeaf']] },

  // RRsets: unusable records are ignored, any one match is enough; digest agility (RFC 7671 §9).
  {
    chain: 'ordered',
    records: [
      [4, 1, 1, junk(32, 'usage 4')],
      [3, 1, 1, junk(31, 'short digest')],
      [3, 0, 0, junk(40, 'no certificate')],
      [3, 1, 1, 'otherLeaf'],
      [2, 0, 1, 'otherRoot'],
      [3, 1, 1, 'leaf'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [4, 1, 1, junk(32, 'usage 4')],
      [3, 2, 1, junk(32, 'selector 2')],
      [3, 1, 3, junk(32, 'matching type 3')],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 1, { data: 'zz'.repeat(32), what: 'not hex' }],
      [2, 1, 1, 'inter'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 1, 'leaf'],
      [3, 1, 2, 'otherLeaf'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 2, 'leaf'],
      [3, 1, 1, 'otherLeaf'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 1, 'leaf'],
      [3, 0, 2, 'otherLeaf'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 1, 'leaf'],
      [2, 1, 2, 'otherRoot'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 0, 'leaf'],
      [3, 1, 2, 'otherLeaf'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [2, 0, 1, 'inter'],
      [2, 0, 2, 'otherRoot'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [3, 1, 1, 'leaf'],
      [3, 1, 2, junk(31, 'short SHA2-512')],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [1, 1, 1, 'otherLeaf'],
      [2, 0, 1, 'inter'],
    ],
  },
  {
    chain: 'ordered',
    records: [
      [0, 0, 1, 'otherRoot'],
      [1, 1, 2, 'leaf'],
    ],
  },
];

let dir: string;
let pki: Pki;
let caFile: string;
const servers = new Map<ChainName, OpenSslServer>();

beforeAll(async () => {
  needTool(OPENSSL_PATH, 'openssl');
  dir = await mkdtemp(join(tmpdir(), 'xte-dane-'));
  const leafOf = (issuer: TestCert | null, opts: CertOptions = {}) => createLeaf(issuer, { dns: [HOST], ...ec, ...opts });
  const root = await createCa({ cn: 'DANE Oracle Root', ...ec });
  const inter = await createIntermediate(root, { cn: 'DANE Oracle Intermediate', ...ec });
  const rsaRoot = await createCa({ cn: 'DANE Oracle RSA Root' });
  const rsaInter = await createIntermediate(rsaRoot, { cn: 'DANE Oracle RSA Intermediate' });
  const expiredRoot = await createCa({ cn: 'Expired Root', ...ec, ...past });
  const interOfExpiredRoot = await createIntermediate(expiredRoot, { cn: 'Intermediate of Expired Root', ...ec });
  const expiredInter = await createIntermediate(root, { cn: 'Expired Intermediate', ...ec, ...past });
  const notCa = await createIntermediate(root, { cn: 'Not a CA', isCa: false, ...ec });
  const untrustedRoot = await createCa({ cn: 'Untrusted Root', ...ec });
  const untrustedInter = await createIntermediate(untrustedRoot, { cn: 'Untrusted Intermediate', ...ec });
  pki = {
    root,
    inter,
    leaf: await leafOf(inter),
    rsaRoot,
    rsaInter,
    rsaLeaf: await createLeaf(rsaInter, { dns: [HOST] }),
    otherRoot: await createCa({ cn: 'Other Root', ...ec }),
    otherLeaf: await leafOf(inter),
    selfSigned: await leafOf(null),
    expiredSelfSigned: await leafOf(null, past),
    expiredLeaf: await leafOf(inter, past),
    expiredRoot,
    interOfExpiredRoot,
    underExpiredRoot: await leafOf(interOfExpiredRoot),
    expiredInter,
    underExpiredInter: await leafOf(expiredInter),
    notCa,
    underNotCa: await leafOf(notCa),
    wrongName: await leafOf(inter, { dns: ['other.example.net'] }),
    domainOnly: await leafOf(inter, { dns: [DOMAIN] }),
    srvOnly: await leafOf(inter, { dns: [], cn: 'SRV-ID only', srv: [`_xmpp-client.${DOMAIN}`] }),
    untrustedRoot,
    untrustedInter,
    untrustedLeaf: await leafOf(untrustedInter),
  };
  caFile = await writeCertFile(join(dir, 'ca.pem'), [root, rsaRoot]);
  // One s_server per chain: the harness's server, told (later options win) to send our leaf and chain.
  await Promise.all(
    (Object.keys(CHAINS) as ChainName[]).map(async (name, i) => {
      const [leaf, ...rest] = CHAINS[name].map((c) => pki[c]);
      const { certFile, keyFile } = await writePemFiles(dir, `chain${i}`, leaf!, rest);
      const extraArgs = ['-cert', certFile, '-key', keyFile];
      if (rest.length > 0) extraArgs.push('-cert_chain', await writeCertFile(join(dir, `chain${i}-rest.pem`), rest));
      servers.set(name, await startOpenSslServer({ extraArgs }));
    }),
  );
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function tlsaOf([usage, selector, matchingType, target]: Rec): TlsaRecord {
  if (typeof target !== 'string') return { usage, selector, matchingType, data: target.data };
  return tlsaRecord(usage, selector, matchingType, pki[target]);
}

const describeRec = ([u, s, m, target]: Rec) => `${u} ${s} ${m} ${typeof target === 'string' ? target : `<${target.what}>`}`;

/** The PKIX path as the product builds it (analyzeChain, trusting the CA file), when trusted and named `name`. */
function pkixPath(presented: TestCert[], name: string): Buffer[] | null {
  const store = loadTrustStore({ caFiles: [caFile], systemRoots: false });
  const result = analyzeChain(
    presented.map((c) => c.der),
    { domain: name, mode: 'c2s', now, store },
  );
  if (!result.trusted || !result.hostnameValid) return null;
  const byFingerprint = new Map((Object.values(pki) as TestCert[]).map((c) => [createHash('sha256').update(c.der).digest('hex'), c.der]));
  return result.builtChain.map((e) => {
    const der = byFingerprint.get(e.fingerprintSha256.replace(/:/g, '').toLowerCase());
    if (!der) throw new Error(`built chain entry ${e.subject} is none of the test certificates`);
    return der;
  });
}

interface OpenSslVerdict {
  verified: boolean;
  /** What it reports matched: `u s m`, the tail of the data it shows, the depth. */
  match: { usms: string; tail: string; depth: number } | null;
  output: string;
}

function sClient(port: number, name: string, records: TlsaRecord[]): Promise<OpenSslVerdict> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-brief', '-verify_return_error', '-dane_ee_no_namechecks', '-dane_tlsa_domain', name];
  for (const r of records) args.push('-dane_tlsa_rrdata', `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`);
  args.push('-CAfile', caFile, '-no-CApath', '-no-CAstore');
  return new Promise((resolve, reject) => {
    const child = spawn(OPENSSL_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      const m = output.match(/^DANE TLSA (\d+ \d+ \d+) \.\.\.([0-9a-f]+) (?:matched (?:EE|TA) certificate|signed the certificate) at depth (\d+)$/m);
      resolve({
        verified: /^Verification: OK$/m.test(output),
        match: m ? { usms: m[1]!, tail: m[2]!, depth: Number(m[3]) } : null,
        output,
      });
    });
  });
}

async function inTurn<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

function ours(v: DaneVerdict): string {
  if (v.matched.length === 0) return `mismatch (${[...new Set(v.problems.map((p) => p.code))].join(', ') || 'no usable record'})`;
  return `valid: ${v.matched.map((m) => `${m.record.usage} ${m.record.selector} ${m.record.matchingType}@${m.depth}`).join(', ')}`;
}

test(`OpenSSL's DANE and matchTlsa agree on ${ROWS.length} rows`, async () => {
  const results = await inTurn(ROWS, CONCURRENCY, async (row) => {
    const records = row.records.map(tlsaOf);
    const names = row.names ?? [HOST];
    const opensslName = row.opensslName ?? names[0]!;
    const chain = CHAINS[row.chain].map((c) => pki[c]);
    const verdict = matchTlsa({
      records,
      presented: chain.map((c) => c.der),
      pkixPath: pkixPath(chain, opensslName),
      referenceNames: names,
      mode: 'c2s',
      now,
    });
    const openssl = await sClient(servers.get(row.chain)!.port, opensslName, records);
    const valid = verdict.matched.length > 0;
    const wanted = row.differs ? row.differs.openssl : valid;
    const disagreements: string[] = [];
    if (openssl.verified !== wanted) disagreements.push(`OpenSSL says ${openssl.verified ? 'verified' : 'not verified'}`);
    if (row.differs && valid === row.differs.openssl) disagreements.push('we no longer differ from OpenSSL here');
    if (valid && openssl.verified && openssl.match) {
      const { usms, tail, depth } = openssl.match;
      const same = verdict.matched.some(
        (m) => `${m.record.usage} ${m.record.selector} ${m.record.matchingType}` === usms && m.record.data.endsWith(tail) && m.depth === depth,
      );
      if (!same) disagreements.push(`OpenSSL matched ${usms} …${tail.slice(-8)} at depth ${depth}, which we do not`);
    }
    const label = `[${row.chain}] ${row.records.map(describeRec).join(' + ')}${row.names ? ` names=${names.join('|')} openssl=${opensslName}` : ''}`;
    const opensslSays = openssl.verified
      ? `OK${openssl.match ? ` ${openssl.match.usms}@${openssl.match.depth}` : ''}`
      : (openssl.output
          .match(/verify error:num=\d+:(.*)|(Failed to import any TLSA records)/)
          ?.slice(1)
          .find(Boolean) ?? 'not verified');
    const line = `${disagreements.length === 0 ? '✓' : '✗'} ${label}\n    ours: ${ours(verdict)} | openssl: ${opensslSays}${row.differs ? `\n    documented difference: ${row.differs.why}` : ''}`;
    return { line, disagreements: disagreements.map((d) => `${label}: ${d}; ours: ${ours(verdict)}\n${openssl.output}`) };
  });
  process.stdout.write(`DANE oracle, ${ROWS.length} rows (matchTlsa vs openssl s_client):\n${results.map((r) => r.line).join('\n')}\n`);
  expect(results.flatMap((r) => r.disagreements)).toEqual([]);
});
