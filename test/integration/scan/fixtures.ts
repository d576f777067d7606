import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestCert, createCa, createIntermediate, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { type ProsodyHost, type ProsodyInstance, type ProsodyOptions, startProsody } from '../../harness/prosody.js';

// One test PKI and one Prosody serving a virtual host per certificate case, so a single server
// process covers the certificate verdicts. Domains are under .test (never resolvable outside).

const DAY = 86_400_000;

export interface CertCase {
  domain: string;
  /** The leaf, or the leaf with the certificates sent after it (when they are made for the case). */
  leaf: (pki: { ca: TestCert; intermediate: TestCert }) => Promise<TestCert | { leaf: TestCert; chain: TestCert[] }>;
  /** Certificates sent after the leaf. Default: the intermediate. */
  chain?: (pki: { ca: TestCert; intermediate: TestCert }) => TestCert[];
}

export const CERT_CASES: CertCase[] = [
  { domain: 'trusted.test', leaf: ({ intermediate }) => createLeaf(intermediate, { dns: ['trusted.test'] }) },
  {
    domain: 'expired.test',
    leaf: ({ intermediate }) =>
      createLeaf(intermediate, { dns: ['expired.test'], notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') }),
  },
  { domain: 'selfsigned.test', leaf: () => createLeaf(null, { dns: ['selfsigned.test'], selfSigned: true }), chain: () => [] },
  { domain: 'wronghost.test', leaf: ({ intermediate }) => createLeaf(intermediate, { dns: ['other.test'] }) },
  {
    domain: 'srvid.test',
    leaf: ({ intermediate }) => createLeaf(intermediate, { cn: 'not-the-domain', srv: ['_xmpp-client.srvid.test', '_xmpp-server.srvid.test'] }),
  },
  { domain: 'xmppaddr.test', leaf: ({ intermediate }) => createLeaf(intermediate, { cn: 'not-the-domain', xmppAddr: ['xmppaddr.test'] }) },
  { domain: 'chat.wildcard.test', leaf: ({ intermediate }) => createLeaf(intermediate, { dns: ['*.wildcard.test'] }) },
  { domain: 'ecdsa.test', leaf: ({ intermediate }) => createLeaf(intermediate, { dns: ['ecdsa.test'], key: { type: 'EC', curve: 'P-256' } }) },
  {
    domain: 'soon.test',
    leaf: ({ intermediate }) =>
      createLeaf(intermediate, { dns: ['soon.test'], notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 10 * DAY) }),
  },
  { domain: 'nochain.test', leaf: ({ intermediate }) => createLeaf(intermediate, { dns: ['nochain.test'] }), chain: () => [] },
  {
    // A forged leaf: signed by an end-entity certificate (cA=false) that the test CA issued for
    // another domain. openssl verify: "invalid CA certificate".
    domain: 'forged.test',
    leaf: async ({ intermediate }) => {
      const endEntity = await createLeaf(intermediate, { dns: ['innocent.test'], freshKey: true });
      return { leaf: await createLeaf(endEntity, { dns: ['forged.test'], freshKey: true }), chain: [endEntity, intermediate] };
    },
  },
];

export interface TestWorld {
  dir: string;
  ca: TestCert;
  intermediate: TestCert;
  caFile: string;
  hosts: ProsodyHost[];
  prosody: ProsodyInstance;
  stop(): Promise<void>;
}

export interface WorldOptions extends Omit<ProsodyOptions, 'hosts'> {
  /** Prosody verifies client certificates (s2s SASL EXTERNAL) against the test CA. */
  verifyClientsWithTestCa?: boolean;
}

export async function startWorld(options: WorldOptions = {}, cases: CertCase[] = CERT_CASES): Promise<TestWorld> {
  const { verifyClientsWithTestCa, ...prosodyOptions } = options;
  const dir = await mkdtemp(join(tmpdir(), 'xte-world-'));
  const ca = await createCa({ cn: 'xmpp-tls-exporter Test Root CA' });
  const intermediate = await createIntermediate(ca, { cn: 'xmpp-tls-exporter Test Intermediate' });
  const caFile = await writeCertFile(join(dir, 'test-ca.pem'), [ca]);
  const hosts: ProsodyHost[] = [];
  for (const c of cases) {
    const made = await c.leaf({ ca, intermediate });
    const leaf = 'leaf' in made ? made.leaf : made;
    const chain = 'chain' in made ? made.chain : c.chain ? c.chain({ ca, intermediate }) : [intermediate];
    const files = await writePemFiles(dir, c.domain, leaf, chain);
    hosts.push({ domain: c.domain, certFile: files.certFile, keyFile: files.keyFile });
  }
  if (verifyClientsWithTestCa) prosodyOptions.ssl = { ...prosodyOptions.ssl, cafile: caFile };
  const prosody = await startProsody({ hosts, ...prosodyOptions });
  return {
    dir,
    ca,
    intermediate,
    caFile,
    hosts,
    prosody,
    async stop() {
      await prosody.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
