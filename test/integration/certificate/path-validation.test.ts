import 'reflect-metadata'; // before @peculiar/x509 (tsyringe needs the Reflect metadata API)
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as x509 from '@peculiar/x509';
import { analyzeChain } from '../../../src/certificate/trust.js';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import type { TrustError } from '../../../src/result/types.js';
import { type TestCert, createCa, createIntermediate, createLeaf, writeCertFile } from '../../harness/pki.js';
import { needTool } from '../../harness/tools.js';

// Path building and validation (src/certificate/path.ts), one case per rule, each in a failing
// and a passing variant, over chains generated here; and for every chain, OpenSSL as the oracle:
// `openssl verify -x509_strict -purpose sslserver -attime T -CAfile anchors -untrusted rest leaf`
// must agree with our `trusted`, and `-verify_hostname` with our `hostnameValid`.

const OPENSSL = '/usr/bin/openssl';
const NOW = new Date();
const F = x509.KeyUsageFlags;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const past = { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') };

let dir: string;
let root: TestCert;
let caFile: string;

beforeAll(async () => {
  needTool(OPENSSL, 'openssl');
  dir = await mkdtemp(join(tmpdir(), 'xte-path-'));
  root = await createCa({ cn: 'Path Test Root' });
  caFile = await writeCertFile(join(dir, 'root.pem'), [root]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Chain {
  /** As the server sends it: leaf first, then the rest in any order. */
  presented: TestCert[];
  /** Trust anchors (default: the root). */
  anchors?: TestCert[];
}

interface Case {
  name: string;
  build: () => Promise<Chain>;
  trusted: boolean;
  /** Reasons that must be among trustErrors (all of them reported, not the first). */
  reasons?: TrustError[];
  /** The domain (default example.org). */
  domain?: string;
  hostnameValid?: boolean;
  /** The suite of the handshake (the leaf's keyUsage is checked for its key exchange). */
  cipherSuite?: string;
  /** Where we deliberately differ from openssl verify -x509_strict (docs/result.md lists each): its verdict, and why. */
  openssl?: { trusted: boolean; why: string };
}

const leafOf = (issuer: TestCert, opts: Parameters<typeof createLeaf>[1] = {}) => createLeaf(issuer, { dns: ['example.org'], ...opts });
const intermediate = (issuer: TestCert, opts: Parameters<typeof createIntermediate>[1] = {}) => createIntermediate(issuer, { freshKey: true, ...opts });

const CASES: Case[] = [
  {
    name: 'root → intermediate → leaf',
    build: async () => {
      const i = await intermediate(root);
      return { presented: [await leafOf(i), i] };
    },
    trusted: true,
  },
  {
    name: 'forged: a leaf signed by another leaf of the CA (cA=false)',
    build: async () => {
      const victim = await leafOf(root, { dns: ['victim.example'], freshKey: true });
      return { presented: [await leafOf(victim), victim] };
    },
    trusted: false,
    reasons: ['not_a_ca'],
  },
  {
    name: 'an issuer with no basicConstraints at all',
    build: async () => {
      const i = await intermediate(root, { omitBasicConstraints: true });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['not_a_ca'],
  },
  {
    name: 'pathLen 0 CA issuing a leaf',
    build: async () => {
      const i = await intermediate(root, { pathLen: 0 });
      return { presented: [await leafOf(i), i] };
    },
    trusted: true,
  },
  {
    name: 'pathLen 0 CA issuing another CA',
    build: async () => {
      const i1 = await intermediate(root, { pathLen: 0 });
      const i2 = await intermediate(i1);
      return { presented: [await leafOf(i2), i2, i1] };
    },
    trusted: false,
    reasons: ['path_length_exceeded'],
  },
  {
    name: 'an issuer whose keyUsage lacks keyCertSign',
    build: async () => {
      const i = await intermediate(root, { keyUsage: F.digitalSignature | F.cRLSign });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['bad_key_usage'],
  },
  {
    name: 'an issuer with no keyUsage at all (allowed)',
    build: async () => {
      const i = await intermediate(root, { keyUsage: 'omit' });
      return { presented: [await leafOf(i), i] };
    },
    trusted: true,
    openssl: { trusted: false, why: 'x509_strict requires keyUsage on CAs (RFC 5280 MUST); like browsers we check keyCertSign only when keyUsage is present' },
  },
  {
    name: 'a leaf whose keyUsage allows no key exchange (cRLSign only)',
    build: async () => ({ presented: [await leafOf(root, { keyUsage: F.cRLSign })] }),
    trusted: false,
    reasons: ['bad_key_usage'],
  },
  {
    name: 'an RSA leaf for key transport only (keyEncipherment), in an ECDHE handshake',
    build: async () => ({ presented: [await leafOf(root, { keyUsage: F.keyEncipherment })] }),
    cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    trusted: false,
    reasons: ['bad_key_usage'],
    openssl: {
      trusted: true,
      why: 'openssl verify does not know the key exchange; the purpose check wants any of digitalSignature, keyEncipherment, keyAgreement',
    },
  },
  {
    name: 'an RSA leaf for key transport only (keyEncipherment), in an RSA key exchange',
    build: async () => ({ presented: [await leafOf(root, { keyUsage: F.keyEncipherment })] }),
    cipherSuite: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
    trusted: true,
  },
  {
    name: 'a signing-only leaf (digitalSignature) in TLS 1.3',
    build: async () => ({ presented: [await leafOf(root, { keyUsage: F.digitalSignature })] }),
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    trusted: true,
  },
  {
    name: 'a clientAuth-only leaf',
    build: async () => ({ presented: [await leafOf(root, { extendedKeyUsage: [CLIENT_AUTH] })] }),
    trusted: false,
    reasons: ['bad_extended_key_usage'],
  },
  { name: 'a leaf without extendedKeyUsage (any use)', build: async () => ({ presented: [await leafOf(root, { extendedKeyUsage: 'omit' })] }), trusted: true },
  {
    name: 'a leaf with anyExtendedKeyUsage',
    build: async () => ({ presented: [await leafOf(root, { extendedKeyUsage: [ANY_EKU] })] }),
    trusted: true,
    openssl: { trusted: false, why: 'OpenSSL does not count anyExtendedKeyUsage as serverAuth; RFC 5280 §4.2.1.12 lets it stand for any purpose' },
  },
  {
    name: 'an intermediate restricted to clientAuth',
    build: async () => {
      const i = await intermediate(root, { extendedKeyUsage: [CLIENT_AUTH] });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['bad_extended_key_usage'],
  },
  {
    name: 'an intermediate restricted to serverAuth (allowed)',
    build: async () => {
      const i = await intermediate(root, { extendedKeyUsage: [SERVER_AUTH] });
      return { presented: [await leafOf(i), i] };
    },
    trusted: true,
  },
  {
    name: 'name constraints: excluded example.org, a leaf for example.org',
    build: async () => {
      const i = await intermediate(root, { nameConstraints: { excluded: ['example.org'] } });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['name_constraint_violation'],
  },
  {
    name: 'name constraints: permitted example.org, a leaf for chat.example.org',
    build: async () => {
      const i = await intermediate(root, { nameConstraints: { permitted: ['example.org'] } });
      return { presented: [await leafOf(i, { dns: ['chat.example.org'] }), i] };
    },
    trusted: true,
    domain: 'chat.example.org',
  },
  {
    name: 'name constraints: permitted example.net, a leaf for example.org',
    build: async () => {
      const i = await intermediate(root, { nameConstraints: { permitted: ['example.net'] } });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['name_constraint_violation'],
  },
  {
    name: 'an unknown critical extension on the leaf',
    build: async () => ({ presented: [await leafOf(root, { unknownCriticalExtension: true })] }),
    trusted: false,
    reasons: ['unknown_critical_extension'],
  },
  {
    name: 'an unknown critical extension on an intermediate',
    build: async () => {
      const i = await intermediate(root, { unknownCriticalExtension: true });
      return { presented: [await leafOf(i), i] };
    },
    trusted: false,
    reasons: ['unknown_critical_extension'],
  },
  {
    name: 'an expired trust anchor from a CA file',
    build: async () => {
      const old = await createCa({ ...past, cn: 'Expired Test Root', freshKey: true });
      return { presented: [await leafOf(old)], anchors: [old] };
    },
    trusted: false,
    reasons: ['anchor_expired'],
  },
  {
    name: 'every problem reported, not the first: a clientAuth-only leaf issued by a non-CA',
    build: async () => {
      const victim = await leafOf(root, { dns: ['victim.example'], freshKey: true });
      return { presented: [await leafOf(victim, { extendedKeyUsage: [CLIENT_AUTH] }), victim] };
    },
    trusted: false,
    reasons: ['not_a_ca', 'bad_extended_key_usage'],
  },
  ...(['in this order', 'in the other order'] as const).map(
    (order): Case => ({
      name: `two intermediates with the same name, ${order}: the one that signed wins`,
      build: async () => {
        const a = await intermediate(root, { cn: 'Same Name CA' });
        const b = await intermediate(root, { cn: 'Same Name CA' });
        const leaf = await leafOf(b);
        return { presented: order === 'in this order' ? [leaf, a, b] : [leaf, b, a] };
      },
      trusted: true,
    }),
  ),
  {
    name: 'cross-signed: the intermediate under a root that is gone, and the same one under the trusted root',
    build: async () => {
      const gone = await createCa({ cn: 'Gone Root', freshKey: true });
      const underGone = await intermediate(gone, { cn: 'Cross CA' });
      const underRoot = await createIntermediate(root, { cn: 'Cross CA', keyFrom: underGone });
      return { presented: [await leafOf(underGone), underGone, underRoot] };
    },
    trusted: true,
    openssl: { trusted: false, why: 'OpenSSL takes the first intermediate with the right name and does not backtrack to the other untrusted one' },
  },
  {
    name: 'out of order, with an unrelated extra certificate',
    build: async () => {
      const i1 = await intermediate(root);
      const i2 = await intermediate(i1);
      const stranger = await createCa({ cn: 'Stranger', freshKey: true });
      return { presented: [await leafOf(i2), stranger, i1, i2] };
    },
    trusted: true,
  },
  {
    name: 'three intermediates',
    build: async () => {
      const i1 = await intermediate(root);
      const i2 = await intermediate(i1);
      const i3 = await intermediate(i2);
      return { presented: [await leafOf(i3), i3, i2, i1] };
    },
    trusted: true,
  },
  // Identity (RFC 6125), against -verify_hostname.
  { name: 'identity: the DNS name', build: async () => ({ presented: [await leafOf(root)] }), trusted: true, domain: 'example.org', hostnameValid: true },
  { name: 'identity: another name', build: async () => ({ presented: [await leafOf(root)] }), trusted: true, domain: 'other.example', hostnameValid: false },
  {
    name: 'identity: a wildcard',
    build: async () => ({ presented: [await leafOf(root, { dns: ['*.example.org'] })] }),
    trusted: true,
    domain: 'chat.example.org',
    hostnameValid: true,
  },
  {
    name: 'identity: CN only, no subjectAltName (the CN fallback both allow)',
    build: async () => ({ presented: [await createLeaf(root, { cn: 'example.org' })] }),
    trusted: true,
    domain: 'example.org',
    hostnameValid: true,
  },
];

async function opensslVerify(chain: Chain, name: string, hostname?: string): Promise<boolean> {
  const base = join(dir, name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
  const [leaf, ...rest] = chain.presented;
  const leafFile = await writeCertFile(`${base}-leaf.pem`, [leaf as TestCert]);
  const anchors = chain.anchors ? await writeCertFile(`${base}-anchors.pem`, chain.anchors) : caFile;
  const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-attime', String(Math.floor(NOW.getTime() / 1000)), '-CAfile', anchors];
  if (rest.length) args.push('-untrusted', await writeCertFile(`${base}-rest.pem`, rest));
  if (hostname) args.push('-verify_hostname', hostname);
  args.push(leafFile);
  try {
    await promisify(execFile)(OPENSSL, args);
    return true;
  } catch {
    return false;
  }
}

describe('path validation: our verdict, and openssl verify agreeing', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const chain = await c.build();
    const anchorsFile = chain.anchors ? await writeCertFile(join(dir, `anchors-${Math.random().toString(36).slice(2)}.pem`), chain.anchors) : caFile;
    const store = loadTrustStore({ caFiles: [anchorsFile], systemRoots: false });
    const domain = c.domain ?? 'example.org';
    const r = analyzeChain(
      chain.presented.map((t) => t.der),
      { domain, mode: 'c2s', now: NOW, store, cipherSuite: c.cipherSuite ?? null },
    );
    expect(r.trusted).toBe(c.trusted);
    for (const reason of c.reasons ?? []) expect(r.trustErrors).toContain(reason);
    if (c.reasons) expect(r.trustErrorDetails?.map((d) => d.reason)).toEqual(expect.arrayContaining(c.reasons));
    if (c.hostnameValid !== undefined) expect(r.hostnameValid).toBe(c.hostnameValid);
    // The oracle (where we differ on purpose, its own verdict is what is expected of it).
    expect(await opensslVerify(chain, c.name)).toBe(c.openssl?.trusted ?? r.trusted);
    if (c.hostnameValid !== undefined) expect(await opensslVerify(chain, `${c.name}-host`, domain)).toBe(r.trusted && r.hostnameValid);
  });

  test('a 200-certificate junk chain: the real path is found (bench/chain-bench.mjs times it)', async () => {
    const i = await intermediate(root, { cn: 'Junk Test CA' });
    const leaf = await leafOf(i);
    // Junk with the intermediate's very name (the worst case: each is a candidate issuer).
    const junk: TestCert[] = [];
    const junkKey = await createCa({ cn: 'Junk Test CA', freshKey: true });
    for (let n = 0; n < 200; n++) junk.push(await createIntermediate(junkKey, { cn: 'Junk Test CA', keyFrom: junkKey }));
    const store = loadTrustStore({ caFiles: [caFile], systemRoots: false });
    const r = analyzeChain([leaf.der, ...junk.map((j) => j.der), i.der], { domain: 'example.org', mode: 'c2s', now: NOW, store });
    expect(r.trusted).toBe(true);
    expect(r.builtChain).toHaveLength(3);
    // The result lists the first 16 certificates sent and says how many there were.
    expect(r.chain).toHaveLength(16);
    expect(r.chainLength).toBe(202);
  });
});
