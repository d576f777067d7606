// The generated cipher suite table must be what the generator makes of the IANA CSV (scripts/data, a copy of the
// registry), and its OpenSSL names must agree with the local openssl wherever that openssl lists a suite
// (scripts/test.sh installs openssl).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cipherSuiteByCode } from '../../../../src/tls/registry/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const generator = path.join(repoRoot, 'scripts/generate-registry.mjs');
const generatedFile = path.join(repoRoot, 'src/tls/registry/cipher-suites.generated.ts');
const csvPath = path.join(repoRoot, 'scripts/data/iana-tls-cipher-suites.csv');

function runGenerator(csv: string, out: string) {
  return spawnSync(process.execPath, [generator, csv, '--out', out], { encoding: 'utf8' });
}

describe('generated cipher suite table', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'registry-gen-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is up to date with the generator and the IANA CSV', () => {
    const out = path.join(dir, 'cipher-suites.generated.ts');
    const r = runGenerator(csvPath, out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // On failure: run `node scripts/generate-registry.mjs` and commit the result.
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(generatedFile, 'utf8'));
  });

  it('covers every named IANA value of the CSV', () => {
    const csv = readFileSync(csvPath, 'utf8');
    const named = [...csv.matchAll(/^"0x([0-9A-F]{2}),0x([0-9A-F]{2})",(TLS_\w+),/gm)];
    expect(named).toHaveLength(352);
    for (const [, hi, lo, name] of named) {
      const code = parseInt(`${hi}${lo}`, 16);
      if (name!.endsWith('_SCSV')) expect(cipherSuiteByCode(code)).toBeUndefined();
      else expect(cipherSuiteByCode(code)?.name).toBe(name);
    }
  });

  it('fails loudly on a suite name it cannot parse', () => {
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(csv, `${readFileSync(csvPath, 'utf8').trimEnd()}\n"0xC1,0x07",TLS_FOO_WITH_BAR_CBC_SHA,N,N,[none]\n`);
    const r = runGenerator(csv, path.join(dir, 'never.ts'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot parse cipher suite name TLS_FOO_WITH_BAR_CBC_SHA: unknown key exchange FOO');
    expect(existsSync(path.join(dir, 'never.ts'))).toBe(false);
  });
});

interface OpensslCipher {
  code: number;
  standardName: string;
  name: string;
  protocol: string;
  kx: string;
  au: string;
  enc: string;
  bits: number;
  mac: string;
}

function listOpensslCiphers(): OpensslCipher[] {
  const text = execFileSync('openssl', ['ciphers', '-V', '-stdname', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], { encoding: 'utf8' });
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      // "0xC0,0x30 - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 - ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(256) Mac=AEAD"
      // (Enc=None has no bit count)
      const m = /^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)\s+(\S+)\s+Kx=(\S+)\s+Au=(\S+)\s+Enc=([^(\s]+)(?:\((\d+)\))?\s+Mac=(\S+)/.exec(line);
      if (!m) throw new Error(`unexpected openssl ciphers line: ${line}`);
      const [, hi, lo, standardName, name, protocol, kx, au, enc, bits, mac] = m;
      return {
        code: parseInt(`${hi}${lo}`, 16),
        standardName: standardName!,
        name: name!,
        protocol: protocol!,
        kx: kx!,
        au: au!,
        enc: enc!,
        bits: Number(bits ?? 0),
        mac: mac!,
      };
    });
}

// listOpensslCiphers() fails (naming the command) where there is no openssl: scripts/test.sh installs it.
describe('OpenSSL names and properties agree with the local openssl', () => {
  const ciphers = listOpensslCiphers();

  it('lists suites at all', () => {
    expect(ciphers.length).toBeGreaterThan(50);
  });

  it.each(ciphers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const s = cipherSuiteByCode(c.code);
    expect(s).toBeDefined();
    if (!s) return;
    expect(s.name).toBe(c.standardName);
    expect(s.openssl).toBe(c.name);
    // OpenSSL's protocol column is the lowest version it negotiates the suite with. Suites OpenSSL >= 1.1 keeps for
    // TLS >= 1.0 (ECC, some PSK…) are SSLv3 here: OpenSSL 1.0.x and others negotiated them over SSLv3.
    const expectedMin: Record<string, string[]> = { SSLv3: ['SSLv3'], TLSv1: ['SSLv3', 'TLSv1.0'], 'TLSv1.2': ['TLSv1.2'], 'TLSv1.3': ['TLSv1.3'] };
    expect(expectedMin[c.protocol]).toContain(s.minProtocol);
    expect(s.bits).toBe(c.bits);
    expect(s.aead).toBe(c.mac === 'AEAD');
    expect(s.mac).toBe(c.mac === 'SHA1' ? 'SHA' : c.mac);
    expect(s.anonymous).toBe(c.au === 'None');
    expect(s.null).toBe(c.enc === 'None');
    const kx: Record<string, string[]> = {
      RSA: ['RSA'],
      DH: ['DHE'],
      ECDH: ['ECDHE'],
      PSK: ['PSK'],
      DHEPSK: ['DHE_PSK'],
      RSAPSK: ['RSA_PSK'],
      ECDHEPSK: ['ECDHE_PSK'],
      SRP: ['SRP'],
      any: ['ANY'],
    };
    expect(kx[c.kx]).toContain(s.keyExchange);
    const au: Record<string, string> = { RSA: 'RSA', DSS: 'DSS', ECDSA: 'ECDSA', PSK: 'PSK', SRP: 'SRP', None: 'anon', any: 'ANY' };
    expect(s.authentication).toBe(au[c.au]);
  });
});
