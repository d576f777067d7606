import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeChain } from '../../../src/certificate/trust.js';
import { loadTrustStore, type TrustStore } from '../../../src/certificate/trust-store.js';
import type { ChainEntry, TrustError } from '../../../src/result/types.js';
import { createCa, createIntermediate, createLeaf, writeCertFile, type TestCert } from '../../harness/pki.js';

const DAY_MS = 86_400_000;
const now = new Date();
const past = { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') };
const future = { notBefore: new Date(now.getTime() + 10 * DAY_MS), notAfter: new Date(now.getTime() + 400 * DAY_MS) };
const domain = 'example.org';
const names = { dns: [domain] };

let dir: string;
let ca: TestCert;
let intermediate: TestCert;
let otherCa: TestCert;
/** Trusts `ca` only (as a CA file), not the system roots. */
let store: TrustStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-'));
  ca = await createCa();
  intermediate = await createIntermediate(ca);
  otherCa = await createCa();
  store = loadTrustStore({ caFiles: [await writeCertFile(join(dir, 'ca.crt'), [ca])], systemRoots: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function analyze(presented: TestCert[], extra: TestCert[] = [], trustStore = store) {
  return analyzeChain(
    presented.map((c) => c.der),
    { domain, mode: 'c2s', now, store: trustStore, extraIntermediates: extra.map((c) => ({ der: c.der, source: 'aia' as const })) },
  );
}

const sources = (entries: ChainEntry[]) => entries.map((e) => e.source);

interface Case {
  name: string;
  build: () => Promise<{ presented: TestCert[]; extra?: TestCert[]; store?: TrustStore }>;
  trusted: boolean;
  errors: TrustError[];
  builtChain: ChainEntry['source'][];
  selfSigned?: boolean;
}

describe('analyzeChain', () => {
  it.each<Case>([
    {
      name: 'leaf issued by a CA-file anchor',
      build: async () => ({ presented: [await createLeaf(ca, names)] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'leaf and intermediate presented',
      build: async () => ({ presented: [await createLeaf(intermediate, names), intermediate] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'chain presented out of order, with an unrelated certificate',
      build: async () => ({ presented: [await createLeaf(intermediate, names), otherCa, ca, intermediate] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'root sent along: the anchor is used, not the presented copy',
      build: async () => ({ presented: [await createLeaf(intermediate, names), intermediate, ca] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'intermediate missing',
      build: async () => ({ presented: [await createLeaf(intermediate, names)] }),
      trusted: false,
      errors: ['unknown_issuer'],
      builtChain: ['presented'],
    },
    {
      name: 'intermediate missing but found through AIA',
      build: async () => ({ presented: [await createLeaf(intermediate, names)], extra: [intermediate] }),
      trusted: true,
      errors: ['incomplete_chain'],
      builtChain: ['presented', 'aia', 'ca_file'],
    },
    {
      name: 'presented intermediate preferred over the AIA copy',
      build: async () => ({ presented: [await createLeaf(intermediate, names), intermediate], extra: [intermediate] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'leaf issued by an untrusted CA',
      build: async () => ({ presented: [await createLeaf(otherCa, names)] }),
      trusted: false,
      errors: ['unknown_issuer'],
      builtChain: ['presented'],
    },
    {
      name: 'expired leaf',
      build: async () => ({ presented: [await createLeaf(ca, { ...names, ...past })] }),
      trusted: false,
      errors: ['expired'],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'leaf not yet valid',
      build: async () => ({ presented: [await createLeaf(ca, { ...names, ...future })] }),
      trusted: false,
      errors: ['not_yet_valid'],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'expired intermediate',
      build: async () => {
        const expired = await createIntermediate(ca, past);
        return { presented: [await createLeaf(expired, names), expired] };
      },
      trusted: false,
      errors: ['expired'],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'expired and a valid copy of the intermediate: the valid one is used',
      build: async () => {
        const expired = await createIntermediate(ca, { cn: 'Renewed Intermediate', ...past });
        const renewed = await createIntermediate(ca, { cn: 'Renewed Intermediate', keyFrom: expired });
        return { presented: [await createLeaf(renewed, names), expired, renewed] };
      },
      trusted: true,
      errors: [],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'expired anchor from a CA file: anchor_expired (as openssl verify)',
      build: async () => {
        const oldCa = await createCa(past);
        const oldStore = loadTrustStore({ caFiles: [await writeCertFile(join(dir, 'old-ca.crt'), [oldCa])], systemRoots: false });
        return { presented: [await createLeaf(oldCa, names)], store: oldStore };
      },
      trusted: false,
      errors: ['anchor_expired'],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'self-signed leaf',
      build: async () => ({ presented: [await createLeaf(null, names)] }),
      trusted: false,
      errors: ['self_signed'],
      builtChain: ['presented'],
      selfSigned: true,
    },
    {
      name: 'self-signed leaf pinned as an anchor',
      build: async () => {
        const leaf = await createLeaf(null, { ...names, selfSigned: true });
        const pinned = loadTrustStore({ caFiles: [await writeCertFile(join(dir, 'pinned.crt'), [leaf])], systemRoots: false });
        return { presented: [leaf], store: pinned };
      },
      trusted: true,
      errors: [],
      builtChain: ['ca_file'],
      selfSigned: true,
    },
    {
      name: 'untrusted self-signed root sent in the chain',
      build: async () => {
        const otherIntermediate = await createIntermediate(otherCa);
        return { presented: [await createLeaf(otherIntermediate, names), otherIntermediate, otherCa] };
      },
      trusted: false,
      errors: ['self_signed_in_chain'],
      builtChain: ['presented', 'presented', 'presented'],
    },
    {
      name: 'leaf signed with SHA-1',
      build: async () => ({ presented: [await createLeaf(ca, { ...names, hash: 'SHA-1' })] }),
      trusted: true,
      errors: ['weak_signature'],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'intermediate signed with SHA-1',
      build: async () => {
        const sha1 = await createIntermediate(ca, { hash: 'SHA-1' });
        return { presented: [await createLeaf(sha1, names), sha1] };
      },
      trusted: true,
      errors: ['weak_signature'],
      builtChain: ['presented', 'presented', 'ca_file'],
    },
    {
      name: 'RSA-1024 leaf',
      build: async () => ({ presented: [await createLeaf(ca, { ...names, key: { type: 'RSA', bits: 1024 } })] }),
      trusted: true,
      errors: ['weak_key'],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'EC P-256 leaf (not weak)',
      build: async () => ({ presented: [await createLeaf(ca, { ...names, key: { type: 'EC', curve: 'P-256' } })] }),
      trusted: true,
      errors: [],
      builtChain: ['presented', 'ca_file'],
    },
    {
      name: 'several findings at once, in the stable order',
      build: async () => ({
        presented: [await createLeaf(intermediate, { ...names, ...past, hash: 'SHA-1', key: { type: 'RSA', bits: 1024 } })],
        extra: [intermediate],
      }),
      trusted: false,
      errors: ['expired', 'incomplete_chain', 'weak_signature', 'weak_key'],
      builtChain: ['presented', 'aia', 'ca_file'],
    },
  ])('$name', async ({ build, trusted, errors, builtChain, selfSigned }) => {
    const { presented, extra, store: caseStore } = await build();
    const result = analyze(presented, extra, caseStore);
    expect(result.trustErrors).toEqual(errors);
    expect(result.trusted).toBe(trusted);
    expect(sources(result.builtChain)).toEqual(builtChain);
    expect(result.selfSigned).toBe(selfSigned ?? false);
    expect(result.chain).toHaveLength(presented.length);
    expect(result.chain.every((e) => e.source === 'presented')).toBe(true);
    expect(result.builtChain[0]?.fingerprintSha256).toBe(result.fingerprintSha256);
  });

  it('describes the presented chain and the built path', async () => {
    const leaf = await createLeaf(intermediate, names);
    const result = analyze([leaf, intermediate]);
    expect(result.chain.map((e) => e.subject)).toEqual([leaf.subject, intermediate.subject]);
    expect(result.builtChain.map((e) => e.subject)).toEqual([leaf.subject, intermediate.subject, ca.subject]);
    expect(result.builtChain[2]).toMatchObject({ issuer: ca.subject, keyType: 'RSA', keyBits: 2048, signatureAlgorithm: 'sha256WithRSAEncryption' });
  });

  it('reports the leaf details and the identity check', async () => {
    const leaf = await createLeaf(ca, { dns: ['other.example'], xmppAddr: [domain] });
    const result = analyze([leaf]);
    expect(result).toMatchObject({ hostnameValid: true, identity: { matchedBy: 'xmppAddr', matchedValue: domain }, commonName: 'other.example' });
    expect(result.sans.xmppAddr).toEqual([domain]);
  });

  it('keeps trust and hostname verdicts independent', async () => {
    const result = analyze([await createLeaf(ca, { dns: ['example.net'] })]);
    expect(result).toMatchObject({ trusted: true, trustErrors: [], hostnameValid: false, identity: { matchedBy: null, matchedValue: null } });
  });

  it.each<[string, string, number]>([
    ['10.5 days left', '2030-01-01T00:00:00Z', 10.5],
    ['a third of a day left, rounded', '2030-01-11T04:00:00Z', 0.33],
    ['expired half a day ago', '2030-01-12T00:00:00Z', -0.5],
    ['expired 365 days ago', '2031-01-11T12:00:00Z', -365],
  ])('daysToExpiry: %s', async (_name, at, days) => {
    const leaf = await createLeaf(ca, { ...names, notBefore: new Date('2029-01-01T00:00:00Z'), notAfter: new Date('2030-01-11T12:00:00Z') });
    const result = analyzeChain([leaf.der], { domain, mode: 'c2s', now: new Date(at), store });
    expect(result.daysToExpiry).toBe(days);
    expect(result.trustErrors.includes('expired')).toBe(days < 0);
  });

  it('stops at a loop of cross-signed intermediates', async () => {
    const b0 = await createCa({ cn: 'Loop B' });
    const a = await createIntermediate(b0, { cn: 'Loop A' });
    const b = await createIntermediate(a, { cn: 'Loop B', keyFrom: b0 });
    const result = analyze([await createLeaf(a, names), a, b]);
    expect(result.trustErrors).toEqual(['unknown_issuer']);
    expect(result.builtChain.map((e) => e.subject)).toEqual(['CN=example.org', 'CN=Loop A', 'CN=Loop B']);
  });

  it('limits the path length', async () => {
    const chain = [await createIntermediate(ca)];
    for (let i = 0; i < 11; i++) chain.unshift(await createIntermediate(chain[0]!));
    const result = analyze([await createLeaf(chain[0]!, names), ...chain]);
    expect(result.trusted).toBe(false);
    expect(result.trustErrors).toEqual(['unknown_issuer']);
    expect(result.builtChain).toHaveLength(10);
  });

  it('ignores unparsable certificates after the leaf', async () => {
    const leaf = await createLeaf(intermediate, names);
    const result = analyzeChain([leaf.der, Buffer.from('garbage'), intermediate.der], { domain, mode: 'c2s', now, store });
    expect(result.trusted).toBe(true);
    expect(result.chain).toHaveLength(2);
  });

  it.each<[string, Buffer[]]>([
    ['no certificate', []],
    ['an unparsable leaf', [Buffer.from('garbage')]],
  ])('throws on %s', (_name, presented) => {
    expect(() => analyzeChain(presented, { domain, mode: 'c2s', now, store })).toThrow(Error);
  });
});

describe('loadTrustStore', () => {
  it('loads the system roots by default, which do not trust the test CA', async () => {
    const system = loadTrustStore();
    expect(system.anchors.length).toBeGreaterThan(50);
    expect(system.anchors.every((a) => a.source === 'trust_store')).toBe(true);
    const result = analyze([await createLeaf(intermediate, names), intermediate], [], system);
    expect(result.trustErrors).toEqual(['unknown_issuer']);
  });

  it('adds CA files to the system roots, reported as ca_file', async () => {
    const both = loadTrustStore({ caFiles: [join(dir, 'ca.crt')] });
    expect(both.anchors.filter((a) => a.source === 'ca_file')).toHaveLength(1);
    expect(both.anchors.length).toBe(loadTrustStore().anchors.length + 1);
    expect(analyze([await createLeaf(ca, names)], [], both).trusted).toBe(true);
  });

  it('reads several PEM certificates from one file, skipping duplicates', async () => {
    const file = await writeCertFile(join(dir, 'bundle.crt'), [ca, otherCa, ca]);
    const bundle = loadTrustStore({ caFiles: [file], systemRoots: false });
    expect(bundle.anchors).toHaveLength(2);
    expect(analyze([await createLeaf(otherCa, names)], [], bundle).trusted).toBe(true);
  });

  it('reads a DER certificate file', async () => {
    const file = join(dir, 'ca.der');
    await writeFile(file, ca.der);
    expect(loadTrustStore({ caFiles: [file], systemRoots: false }).anchors).toHaveLength(1);
  });

  it('trusts nothing without CA files and system roots', async () => {
    const empty = loadTrustStore({ systemRoots: false });
    expect(empty.anchors).toHaveLength(0);
    expect(analyze([await createLeaf(ca, names)], [], empty).trustErrors).toEqual(['unknown_issuer']);
  });

  it.each<[string, string, RegExp]>([
    ['a missing file', 'missing.crt', /cannot read CA file .*missing\.crt/],
    ['a file without certificate', 'empty.txt', /CA file .*empty\.txt holds no certificate/],
    ['a file with a broken PEM certificate', 'broken.crt', /CA file .*broken\.crt holds a malformed certificate/],
  ])('throws naming %s', async (_name, fileName, message) => {
    await writeFile(join(dir, 'empty.txt'), 'nothing here\n');
    await writeFile(join(dir, 'broken.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(() => loadTrustStore({ caFiles: [join(dir, fileName)], systemRoots: false })).toThrow(message);
  });
});
