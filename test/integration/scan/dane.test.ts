import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { formatScanReport } from '../../../src/cli/report-text.js';
import type { ScanResult } from '../../../src/result/types.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { type DnssecLab, type LabZone, startDnssecLab } from '../../harness/dnssec.js';
import { OPENSSL_PATH } from '../../harness/openssl-server.js';
import { type TestCert, createCa, createLeaf, tlsaRecord, writePemFiles } from '../../harness/pki.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { needTool } from '../../harness/tools.js';

// DANE end to end: a real Prosody serves each domain's certificate; a real NSD serves zones signed at
// test time (ldns-signzone), and a real Unbound validates them with their trust anchors. Each case of
// issue #17 is one domain with its own zone. Where the verdict is a match or a mismatch, OpenSSL's own
// DANE implementation (s_client -dane_tlsa_rrdata, over XMPP STARTTLS against the same Prosody) must
// agree with ours.

let dir: string;
let prosody: ProsodyInstance;
let lab: DnssecLab;
let ca: TestCert;
const leaves: Record<string, TestCert> = {};

const spkiSha256 = (c: TestCert) => tlsaRecord(3, 1, 1, c).data;
const certSha256 = (c: TestCert) => tlsaRecord(2, 0, 1, c).data;

/** A zone for `domain`: SRV → xmpp.DOMAIN (the c2s port), its address, and the TLSA lines given. */
function zone(domain: string, signing: LabZone['signing'], tlsa: string[], port: number, extra: string[] = []): LabZone {
  return {
    name: domain,
    signing,
    records: [`_xmpp-client._tcp IN SRV 0 0 ${port} xmpp`, 'xmpp IN A 127.0.0.1', ...tlsa.map((t) => `_${port}._tcp.xmpp IN TLSA ${t}`), ...extra],
  };
}

beforeAll(async () => {
  needTool(OPENSSL_PATH, 'openssl');
  dir = await mkdtemp(join(tmpdir(), 'dane-'));
  ca = await createCa({ cn: 'DANE Test CA' });
  // Each leaf its own key: a TLSA record of one must not match another.
  const selfSigned = (name: string) => createLeaf(null, { dns: [name], selfSigned: true, freshKey: true });
  const [ee, ta, stale, replaced, unsigned, expired, notlsa, novalidation] = await Promise.all([
    selfSigned('ee.test'),
    createLeaf(ca, { dns: ['ta.test'], freshKey: true }),
    selfSigned('stale.test'),
    selfSigned('stale.test'),
    selfSigned('unsigned.test'),
    selfSigned('expired.test'),
    selfSigned('notlsa.test'),
    selfSigned('novalidation.test'),
  ]);
  Object.assign(leaves, { ee, ta, stale, replaced, unsigned, expired, notlsa, novalidation });
  // Prosody serves `replaced` for stale.test: the TLSA record still pins `stale`, the certificate before.
  const served: [string, TestCert, TestCert[]][] = [
    ['ee.test', ee, []],
    ['ta.test', ta, [ca]], // DANE-TA: the trust anchor must be in the chain the server sends
    ['stale.test', replaced, []],
    ['unsigned.test', unsigned, []],
    ['expired.test', expired, []],
    ['notlsa.test', notlsa, []],
    ['novalidation.test', novalidation, []],
  ];
  const hosts = await Promise.all(served.map(async ([domain, leaf, chain]) => ({ domain, ...(await writePemFiles(dir, domain, leaf, chain)) })));
  prosody = await startProsody({ hosts, directTls: false });
  const port = prosody.ports.c2s;
  lab = await startDnssecLab([
    zone('ee.test', 'secure', [`3 1 1 ${spkiSha256(ee)}`], port),
    zone('ta.test', 'secure', [`2 0 1 ${certSha256(ca)}`], port),
    zone('stale.test', 'secure', [`3 1 1 ${spkiSha256(stale)}`], port),
    zone('unsigned.test', 'unsigned', [`3 1 1 ${spkiSha256(unsigned)}`], port),
    // The TLSA RRset in a zone of its own whose signatures have expired; SRV and address are secure.
    // (delegated from expired.test, without DS: the child zone's own trust anchor decides)
    zone('expired.test', 'secure', [], port, [`_${port}._tcp.xmpp IN NS ns`]),
    { name: `_${port}._tcp.xmpp.expired.test`, signing: 'expired', records: [`@ IN TLSA 3 1 1 ${spkiSha256(expired)}`] },
    zone('notlsa.test', 'secure', [], port),
    zone('novalidation.test', 'secure', [`3 1 1 ${spkiSha256(novalidation)}`], port),
  ]);
}, 90_000);

afterAll(async () => {
  await lab?.stop();
  await prosody?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function scan(domain: string, resolver = lab.resolver, resolverCheckName = 'ee.test'): Promise<ScanResult> {
  return scanDomain(domain, {
    mode: 'c2s',
    resolver,
    resolverCheckName,
    // Only the test CA's own chains are PKIX-trusted; none of the self-signed leaves is.
    trustStore: loadTrustStore({ caFiles: [], systemRoots: false }),
    fetchAia: false,
    tlsProbe: true,
    maxConnectionsPerHost: 8,
  });
}

/** OpenSSL's DANE verdict on the served chain: true when s_client verifies it with these TLSA records. */
async function opensslDane(domain: string, records: string[]): Promise<boolean> {
  // The reference name is the XMPP domain (the certificates name it; RFC 7673 §4 also accepts the
  // SRV target, s_client takes one name). -dane_ee_no_namechecks: RFC 7671 §5.1, DANE-EE checks no name.
  const args = ['s_client', '-connect', `127.0.0.1:${prosody.ports.c2s}`, '-starttls', 'xmpp', '-xmpphost', domain, '-dane_tlsa_domain', domain];
  for (const r of records) args.push('-dane_tlsa_rrdata', r);
  args.push('-dane_ee_no_namechecks', '-verify_return_error', '-brief');
  // stdin closed: s_client quits once the handshake is done. -verify_return_error: a failed
  // verification ends the handshake and s_client exits 1.
  const child = spawn(OPENSSL_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return code === 0 && /Verification: OK/.test(output);
}

describe('DANE against a real Prosody, NSD and a validating Unbound', () => {
  test('DANE-EE 3 1 1 matching a self-signed certificate: valid, and the grade is not T', async () => {
    const r = await scan('ee.test');
    const ep = r.endpoints[0]!;
    expect(ep.host).toBe('xmpp.ee.test');
    expect(ep.certificate?.trusted).toBe(false);
    expect(ep.dane).toEqual({
      status: 'valid',
      name: `_${prosody.ports.c2s}._tcp.xmpp.ee.test`,
      dnssec: { srv: 'secure', address: 'secure', tlsa: 'secure' },
      records: [{ usage: 3, selector: 1, matchingType: 1, data: spkiSha256(leaves.ee!) }],
      matched: [{ usage: 3, selector: 1, matchingType: 1, data: spkiSha256(leaves.ee!), depth: 0 }],
      problems: [],
    });
    expect(ep.grade?.letter).not.toBe('T');
    expect(ep.grade?.caps.map((c) => c.code)).not.toContain('certificate_not_trusted');
    expect(ep.grade?.notes).toEqual([{ code: 'dane_authenticated', message: expect.stringContaining('DANE-EE 3 1 1') }]);
    await expect(opensslDane('ee.test', [`3 1 1 ${spkiSha256(leaves.ee!)}`])).resolves.toBe(true);
    // What `scan` prints of it.
    const text = formatScanReport(r);
    expect(text).toContain(`  DANE                valid: a TLSA record matches the certificate (_${prosody.ports.c2s}._tcp.xmpp.ee.test)`);
    expect(text).toContain('  DNSSEC              SRV secure, ADDRESS secure, TLSA secure');
    expect(text).toContain(`    3 1 1 ${spkiSha256(leaves.ee!)} [DANE-EE] ✓ matched at depth 0`);
    expect(text).toMatch(/note dane_authenticated: A DNSSEC-secure TLSA record \(DANE-EE 3 1 1\)/);
  });

  test('DANE-TA 2 0 1 matching the CA the server sends: valid with PKIX untrusted (the CA is no trust anchor here)', async () => {
    const r = await scan('ta.test');
    const ep = r.endpoints[0]!;
    expect(ep.certificate?.trusted).toBe(false);
    expect(ep.dane?.status).toBe('valid');
    expect(ep.dane?.matched).toEqual([{ usage: 2, selector: 0, matchingType: 1, data: certSha256(ca), depth: 1 }]);
    expect(ep.grade?.letter).not.toBe('T');
    expect(ep.grade?.notes?.[0]?.code).toBe('dane_authenticated');
    await expect(opensslDane('ta.test', [`2 0 1 ${certSha256(ca)}`])).resolves.toBe(true);
  });

  test('a stale TLSA record after the certificate was replaced: mismatch, reported, the grade untouched (T)', async () => {
    const r = await scan('stale.test');
    const ep = r.endpoints[0]!;
    expect(ep.dane?.status).toBe('mismatch');
    expect(ep.dane?.dnssec).toEqual({ srv: 'secure', address: 'secure', tlsa: 'secure' });
    expect(ep.dane?.matched).toEqual([]);
    expect(ep.dane?.problems.length).toBeGreaterThan(0);
    expect(ep.grade?.letter).toBe('T');
    expect(ep.grade?.notes).toBeUndefined();
    await expect(opensslDane('stale.test', [`3 1 1 ${spkiSha256(leaves.stale!)}`])).resolves.toBe(false);
    // The record of the certificate now served would have matched, by both.
    await expect(opensslDane('stale.test', [`3 1 1 ${spkiSha256(leaves.replaced!)}`])).resolves.toBe(true);
  });

  test('TLSA in an unsigned zone: insecure, ignored (the grade stays T), and said so', async () => {
    const r = await scan('unsigned.test');
    const dane = r.endpoints[0]!.dane!;
    expect(dane.status).toBe('insecure');
    expect(dane.dnssec).toEqual({ srv: 'insecure', address: 'insecure', tlsa: 'insecure' });
    expect(dane.records).toHaveLength(1);
    expect(dane.matched).toEqual([]);
    expect(dane.problems.map((p) => p.code)).toEqual(['srv_insecure', 'address_insecure', 'tlsa_insecure']);
    expect(dane.problems[0]!.message).toMatch(/not DNSSEC-signed.*must not be used/);
    expect(r.endpoints[0]!.grade?.letter).toBe('T');
  });

  test("an expired RRSIG on the TLSA RRset: bogus, with the resolver's reason", async () => {
    const r = await scan('expired.test');
    const ep = r.endpoints[0]!;
    expect(ep.status).toBe('ok'); // SRV and address are secure: the endpoint is scanned as usual
    const dane = ep.dane!;
    expect(dane.status).toBe('bogus');
    expect(dane.dnssec).toEqual({ srv: 'secure', address: 'secure', tlsa: 'bogus' });
    expect(dane.records).toHaveLength(1); // handed over with Checking Disabled
    expect(dane.problems).toEqual([{ code: 'tlsa_bogus', message: expect.stringContaining('Signature Expired') }]);
  });

  test('SRV secure but no TLSA: none', async () => {
    const r = await scan('notlsa.test');
    const dane = r.endpoints[0]!.dane!;
    expect(dane).toMatchObject({ status: 'none', dnssec: { srv: 'secure', address: 'secure', tlsa: 'secure' }, records: [], matched: [], problems: [] });
  });

  test('a resolver that does not validate: reported, nothing judged', async () => {
    const r = await scan('novalidation.test', lab.nonValidatingResolver);
    const dane = r.endpoints[0]!.dane!;
    expect(dane.status).toBe('error');
    expect(dane.dnssec).toEqual({ srv: 'indeterminate', address: 'indeterminate', tlsa: 'indeterminate' });
    expect(dane.records).toHaveLength(1);
    expect(dane.problems).toEqual([{ code: 'resolver_not_validating', message: expect.stringContaining('does not set the AD bit') }]);
    expect(r.endpoints[0]!.grade?.letter).toBe('T');
  });
});
