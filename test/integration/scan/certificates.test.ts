import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import type { ScanResult } from '../../../src/result/types.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { type TestWorld, startWorld } from './fixtures.js';

// Real Prosody, one virtual host per certificate case, scanned through real STARTTLS.

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterAll(async () => world?.stop());

async function scan(domain: string, mode: 'c2s' | 's2s' = 'c2s', direct = false): Promise<ScanResult> {
  const port = direct
    ? mode === 'c2s'
      ? world.prosody.ports.c2sDirectTls
      : world.prosody.ports.s2sDirectTls
    : mode === 'c2s'
      ? world.prosody.ports.c2s
      : world.prosody.ports.s2s;
  return scanDomain(domain, {
    mode,
    connect: `127.0.0.1:${port}`,
    directTls: direct,
    trustStore: loadTrustStore({ caFiles: [world.caFile], systemRoots: false }),
    fetchAia: false,
  });
}

describe('certificate verdicts through real STARTTLS (c2s)', () => {
  test.each([
    // domain, trusted, trustErrors, hostnameValid, matchedBy
    ['trusted.test', true, [], true, 'dns'],
    ['expired.test', false, ['expired'], true, 'dns'],
    ['selfsigned.test', false, ['self_signed'], true, 'dns'],
    ['wronghost.test', true, [], false, null],
    ['srvid.test', true, [], true, 'srv'],
    ['xmppaddr.test', true, [], true, 'xmppAddr'],
    ['chat.wildcard.test', true, [], true, 'dns'],
    ['ecdsa.test', true, [], true, 'dns'],
    ['nochain.test', false, ['unknown_issuer'], true, 'dns'],
    ['forged.test', false, ['not_a_ca', 'bad_key_usage'], true, 'dns'],
  ] as const)('%s → trusted=%s %j, hostnameValid=%s', async (domain, trusted, trustErrors, hostnameValid, matchedBy) => {
    const r = await scan(domain);
    expect(r.error).toBeNull();
    expect(r.endpoints).toHaveLength(1);
    const ep = r.endpoints[0]!;
    expect(ep.error).toBeNull();
    expect(ep.status).toBe('ok');
    expect(ep.source).toBe('override');
    expect(ep.xmpp?.starttls).toBe('required');
    const cert = ep.certificate!;
    expect(cert.trusted).toBe(trusted);
    expect(cert.trustErrors).toEqual(trustErrors);
    expect(cert.hostnameValid).toBe(hostnameValid);
    expect(cert.identity.matchedBy).toBe(matchedBy);
  });

  test('facts of a modern trusted server: chain as sent, key, expiry, SASL after TLS', async () => {
    const r = await scan('trusted.test');
    const ep = r.endpoints[0]!;
    const cert = ep.certificate!;
    expect(cert.chain.map((c) => c.subject)).toEqual([expect.stringContaining('CN=trusted.test'), expect.stringContaining('Test Intermediate')]);
    expect(cert.builtChain.map((c) => c.source)).toEqual(['presented', 'presented', 'ca_file']);
    expect(cert.keyType).toBe('RSA');
    expect(cert.keyBits).toBe(2048);
    expect(cert.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(cert.daysToExpiry).toBeGreaterThan(300);
    expect(ep.session?.protocol).toBe('TLSv1.3');
    expect(ep.xmpp?.streamFrom).toBe('trusted.test');
    expect(ep.xmpp?.saslMechanismsAfterTls).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));
    expect(ep.xmpp?.clientCertificateRequired).toBe(false);
  });

  test('ECDSA key and a certificate about to expire', async () => {
    expect((await scan('ecdsa.test')).endpoints[0]!.certificate).toMatchObject({ keyType: 'EC', curve: 'P-256', keyBits: 256 });
    const soon = (await scan('soon.test')).endpoints[0]!.certificate!;
    expect(soon.daysToExpiry).toBeGreaterThan(9);
    expect(soon.daysToExpiry).toBeLessThan(10.01);
  });
});

describe('s2s and direct TLS', () => {
  test('s2s STARTTLS: jabber:server stream, dialback after TLS, SRV-ID for _xmpp-server', async () => {
    const r = await scan('srvid.test', 's2s');
    const ep = r.endpoints[0]!;
    expect(ep.error).toBeNull();
    expect(ep.xmpp?.starttls).toBe('required');
    expect(ep.xmpp?.dialback).toBe(true);
    expect(ep.certificate?.identity).toEqual({ matchedBy: 'srv', matchedValue: '_xmpp-server.srvid.test' });
  });

  test.each(['c2s', 's2s'] as const)('direct TLS %s (XEP-0368): certificate picked by SNI', async (mode) => {
    const r = await scan('xmppaddr.test', mode, true);
    const ep = r.endpoints[0]!;
    expect(ep.error).toBeNull();
    expect(ep.directTls).toBe(true);
    expect(ep.xmpp?.starttls).toBe('none');
    expect(ep.certificate?.identity.matchedBy).toBe('xmppAddr');
    expect(ep.certificate?.trusted).toBe(true);
  });
});

describe('stream-level refusals', () => {
  test('a domain the server does not host: stream error host-unknown', async () => {
    const r = await scan('not-hosted.test');
    expect(r.endpoints[0]!.error).toMatchObject({ code: 'stream_error', condition: 'host-unknown', phase: 'features' });
  });
});

describe('grades end to end (ssllabs-2009r)', () => {
  test.each([
    // domain, letter, letterIgnoringTrust
    ['trusted.test', 'A+', 'A+'],
    ['selfsigned.test', 'T', 'A+'],
    ['expired.test', 'T', 'A+'],
    ['wronghost.test', 'M', 'A+'],
    ['forged.test', 'T', 'A+'],
  ] as const)('%s grades %s (%s ignoring trust)', async (domain, letter, ignoringTrust) => {
    const r = await scan(domain);
    expect(r.endpoints[0]!.grade).toMatchObject({ profile: 'ssllabs-2009r', letter, letterIgnoringTrust: ignoringTrust });
    expect(r.grade).toMatchObject({ letter, letterIgnoringTrust: ignoringTrust, mixed: false, endpointsGraded: 1 });
  });

  test('xmppoke-2015: an untrusted certificate is an F, the trust-ignored grade an A', async () => {
    const r = await scanDomain('selfsigned.test', {
      mode: 'c2s',
      connect: `127.0.0.1:${world.prosody.ports.c2s}`,
      trustStore: loadTrustStore({ caFiles: [world.caFile], systemRoots: false }),
      fetchAia: false,
      profile: 'xmppoke-2015',
    });
    expect(r.endpoints[0]!.grade).toMatchObject({ profile: 'xmppoke-2015', letter: 'F', letterIgnoringTrust: 'A' });
  });

  test('an endpoint that could not be scanned has no grade', async () => {
    const r = await scan('not-hosted.test');
    expect(r.endpoints[0]!.grade).toBeNull();
    expect(r.grade).toBeNull();
  });
});
