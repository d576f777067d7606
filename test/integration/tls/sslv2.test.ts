import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { TlsResult } from '../../../src/result/types.js';
import { probeTls } from '../../../src/tls/probe/prober.js';
import { tcpOpener } from '../../harness/openssl-server.js';
import { type TestCert, createLeaf } from '../../harness/pki.js';
import { type Sslv2Fixture, type Sslv2FixtureOptions, startSslv2Fixture } from '../../harness/sslv2-fixture.js';

// SSLv2 against a fixture written from the SSL 2.0 draft: it answers SSLv2 CLIENT-HELLOs with a
// SERVER-HELLO and every TLS hello with a handshake_failure alert.

// Jest's default 5 s per test is tight for real servers on a loaded machine (the project-level testTimeout is not applied).
jest.setTimeout(30_000);

const DES_192_EDE3_CBC_WITH_MD5 = 0x0700c0;
const RC4_128_EXPORT40_WITH_MD5 = 0x020080;
const RC4_128_WITH_MD5 = 0x010080;
const ALL_SPEC_CODES = [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0, 0x080080];

let cert: TestCert;
beforeAll(async () => {
  cert = await createLeaf(null, { dns: ['sslv2.test'], selfSigned: true, key: { type: 'RSA', bits: 1024 }, freshKey: true });
});

const fixtures: Sslv2Fixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.stop()));
});

async function probeFixture(opts: Omit<Sslv2FixtureOptions, 'certificate'>): Promise<{ r: TlsResult; fixture: Sslv2Fixture }> {
  const fixture = await startSslv2Fixture({ ...opts, certificate: cert.der });
  fixtures.push(fixture);
  const r = await probeTls({ openSocket: tcpOpener(fixture.port), serverName: null, probeTimeoutMs: 2000, retries: 0 });
  return { r, fixture };
}

function expectNoTls(r: TlsResult) {
  expect(r.protocols).toMatchObject({ SSLv3: false, 'TLSv1.0': false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false });
  // A handshake_failure alert is a refusal, not an undecided protocol.
  expect(r.protocolErrors).toEqual({});
  expect(r.cipherSuites.filter((s) => s.protocol !== 'SSLv2')).toEqual([]);
  expect(r.serverPreference).toEqual([]);
  expect(r.groups).toEqual([]);
  expect(r.dh).toEqual([]);
  expect(r.secureRenegotiation).toBeNull();
  expect(r.compression).toBeNull();
  expect(r.fallbackScsv).toBeNull();
}

describe('SSLv2', () => {
  test('finds the cipher specs an SSLv2-only server shares, with their properties', async () => {
    const { r, fixture } = await probeFixture({ cipherSpecs: [DES_192_EDE3_CBC_WITH_MD5, RC4_128_EXPORT40_WITH_MD5, RC4_128_WITH_MD5] });
    expect(r.protocols.SSLv2).toBe(true);
    expectNoTls(r);
    const v2 = r.cipherSuites.filter((s) => s.protocol === 'SSLv2');
    expect(v2.map((s) => s.code).sort()).toEqual(['0x010080', '0x020080', '0x0700C0']);
    expect(v2.find((s) => s.code === '0x0700C0')).toMatchObject({
      name: 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5',
      openssl: 'DES-CBC3-MD5',
      export: false,
      bits: 168,
      effectiveBits: 112,
      blockSize64: true,
      rc4: false,
      keyExchange: 'RSA',
      mac: 'MD5',
    });
    expect(v2.find((s) => s.code === '0x020080')).toMatchObject({
      name: 'SSL_CK_RC4_128_EXPORT40_WITH_MD5',
      openssl: 'EXP-RC4-MD5',
      export: true,
      effectiveBits: 40,
      rc4: true,
      blockSize64: false,
    });
    expect(v2.find((s) => s.code === '0x010080')).toMatchObject({ name: 'SSL_CK_RC4_128_WITH_MD5', export: false, effectiveBits: 128, rc4: true });

    // The prober's CLIENT-HELLO: SSL 2.0, every spec it knows, a 16-byte challenge, no session id.
    expect(fixture.clientHellos.length).toBeGreaterThanOrEqual(1);
    const hello = fixture.clientHellos[0]!;
    expect(hello.version).toBe(0x0002);
    expect([...hello.cipherSpecs].sort((a, b) => a - b)).toEqual(ALL_SPEC_CODES);
    expect(hello.challenge.length).toBe(16);
    expect(hello.sessionId.length).toBe(0);
    // Every TLS protocol was tried (and refused by alert).
    expect(fixture.tlsHellos).toBeGreaterThanOrEqual(5);
  });

  test('a server that shares no spec answers ERROR (NO-CIPHER): SSLv2 not supported', async () => {
    const { r, fixture } = await probeFixture({ cipherSpecs: [0x0a0080] });
    expect(r.protocols.SSLv2).toBe(false);
    expect(r.cipherSuites).toEqual([]);
    expectNoTls(r);
    expect(fixture.clientHellos.length).toBeGreaterThanOrEqual(1);
  });

  test('specs the server lists but the client did not offer are not counted', async () => {
    const { r } = await probeFixture({ cipherSpecs: [0x0a0080, RC4_128_WITH_MD5, 0xff0080], answer: 'all' });
    expect(r.protocols.SSLv2).toBe(true);
    expect(r.cipherSuites.map((s) => `${s.protocol} ${s.code}`)).toEqual(['SSLv2 0x010080']);
  });

  test('the SSLv2 probe alone, when only SSLv2 is asked for', async () => {
    const fixture = await startSslv2Fixture({ cipherSpecs: [RC4_128_EXPORT40_WITH_MD5], certificate: cert.der });
    fixtures.push(fixture);
    const r = await probeTls({ openSocket: tcpOpener(fixture.port), serverName: null, protocols: ['SSLv2'], probeTimeoutMs: 2000 });
    expect(r.protocols.SSLv2).toBe(true);
    expect(r.cipherSuites.map((s) => [s.code, s.export])).toEqual([['0x020080', true]]);
    expect(fixture.tlsHellos).toBe(0);
    expect(r.probeCount).toBe(1);
  });
});
