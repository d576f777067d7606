import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import type { ClientCertificate } from '../../../src/connector/xmpp.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { createLeaf, writePemFiles } from '../../harness/pki.js';
import { CERT_CASES, type TestWorld, startWorld } from './fixtures.js';

// A Prosody with encryption optional and client-certificate verification against the test CA:
// STARTTLS "offered", SASL before TLS, and s2s SASL EXTERNAL with our client certificate.

let world: TestWorld;
let scannerCert: ClientCertificate;
let strangerCert: ClientCertificate;

beforeAll(async () => {
  const cases = CERT_CASES.filter((c) => c.domain === 'trusted.test');
  world = await startWorld({ c2sRequireEncryption: false, s2sRequireEncryption: false, verifyClientsWithTestCa: true }, cases);
  const make = async (name: string) => {
    const leaf = await createLeaf(world.intermediate, { dns: [name] });
    const files = await writePemFiles(world.dir, `client-${name}`, leaf, [world.intermediate]);
    return { cert: await readFile(files.certFile), key: await readFile(files.keyFile) };
  };
  scannerCert = await make('scanner.test');
  strangerCert = await make('stranger.test');
}, 60_000);
afterAll(async () => world?.stop());

const trustStore = () => loadTrustStore({ caFiles: [world.caFile], systemRoots: false });

describe('encryption optional', () => {
  test('c2s: STARTTLS offered without <required/>, SASL offered before TLS', async () => {
    const r = await scanDomain('trusted.test', { mode: 'c2s', connect: `127.0.0.1:${world.prosody.ports.c2s}`, trustStore: trustStore() });
    const x = r.endpoints[0]!.xmpp!;
    expect(r.endpoints[0]!.error).toBeNull();
    expect(x.starttls).toBe('offered');
    expect(x.saslMechanisms.length).toBeGreaterThan(0);
    expect(x.featuresBeforeTls).toContain('urn:ietf:params:xml:ns:xmpp-tls#starttls');
    // Encryption not required is the XMPP counterpart of SSL Labs' HSTS rule: A- instead of A+.
    expect(r.endpoints[0]!.grade?.letter).toBe('A-');
    expect(r.endpoints[0]!.grade?.warnings.map((w) => w.code)).toContain('encryption_not_required');
  });

  test('s2s: dialback offered before TLS', async () => {
    const r = await scanDomain('trusted.test', { mode: 's2s', connect: `127.0.0.1:${world.prosody.ports.s2s}`, trustStore: trustStore() });
    const x = r.endpoints[0]!.xmpp!;
    expect(x.starttls).toBe('offered');
    expect(x.dialback).toBe(true);
    expect(x.saslExternal).toBeNull();
    expect(x.clientCertificateRequired).toBe(false);
  });
});

describe('s2s with a client certificate', () => {
  test('a certificate valid for our from= domain: SASL EXTERNAL offered and succeeds', async () => {
    const r = await scanDomain('trusted.test', {
      mode: 's2s',
      from: 'scanner.test',
      connect: `127.0.0.1:${world.prosody.ports.s2s}`,
      trustStore: trustStore(),
      clientCertificate: scannerCert,
    });
    const ep = r.endpoints[0]!;
    expect(ep.error).toBeNull();
    expect(ep.xmpp?.saslMechanismsAfterTls).toContain('EXTERNAL');
    expect(ep.xmpp?.saslExternal).toEqual({ offered: true, attempted: true, succeeded: true, failure: null });
    expect(ep.xmpp?.clientCertificateRequired).toBeNull();
  });

  test('a certificate for another domain: EXTERNAL not offered', async () => {
    const r = await scanDomain('trusted.test', {
      mode: 's2s',
      from: 'scanner.test',
      connect: `127.0.0.1:${world.prosody.ports.s2s}`,
      trustStore: trustStore(),
      clientCertificate: strangerCert,
    });
    expect(r.endpoints[0]!.xmpp?.saslExternal).toEqual({ offered: false, attempted: false, succeeded: null, failure: null });
  });
});
