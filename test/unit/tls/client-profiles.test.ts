// The client profiles for handshake simulation (issue #18): the generated table must be what the generator makes of
// src/tls/registry/client-profiles/*.json, the generator must refuse a bad file by name, and every profile must be a
// well-formed ClientHello made of values the registry knows.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_PROFILES,
  type ClientProfile,
  cipherSuiteByCode,
  groupByCode,
  isGrease,
  signallingSuiteByCode,
  signatureSchemeByCode,
} from '../../../src/tls/registry/index.js';
import { ByteReader, ByteWriter } from '../../../src/tls/wire/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const generator = path.join(repoRoot, 'scripts/generate-client-profiles.mjs');
const generatedFile = path.join(repoRoot, 'src/tls/registry/client-profiles.generated.ts');
const profileDir = path.join(repoRoot, 'src/tls/registry/client-profiles');

function runGenerator(...args: string[]) {
  return spawnSync(process.execPath, [generator, ...args], { encoding: 'utf8' });
}

describe('generated client profile table', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'client-profiles-gen-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is up to date with the JSON profiles', () => {
    const out = path.join(dir, 'client-profiles.generated.ts');
    const r = runGenerator('--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // On failure: run `npm run generate:client-profiles` and commit the result.
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(generatedFile, 'utf8'));
  });

  it('holds every JSON profile, as written', () => {
    const files = readdirSync(profileDir).filter((f) => f.endsWith('.json'));
    const fromJson = files.map((f) => JSON.parse(readFileSync(path.join(profileDir, f), 'utf8')) as ClientProfile);
    expect(CLIENT_PROFILES.map((p) => p.id)).toEqual(fromJson.map((p) => p.id).sort());
    for (const p of fromJson) expect(CLIENT_PROFILES.find((q) => q.id === p.id)).toEqual(p);
  });

  const breakages: Array<[string, (p: Record<string, unknown>) => void, string]> = [
    [
      'a role that is neither c2s nor s2s',
      (p) => {
        p.roles = ['c2s', 'client'];
      },
      'roles',
    ],
    [
      'an id unlike the file name',
      (p) => {
        p.id = 'something_else';
      },
      'differs from the file name',
    ],
    [
      'a missing accepts',
      (p) => {
        delete p.accepts;
      },
      'missing "accepts"',
    ],
    [
      'upper-case hex',
      (p) => {
        (p.clientHello as { extensions: Array<{ data: string }> }).extensions[0]!.data = 'ABCD';
      },
      'not lowercase hex',
    ],
    [
      'an unknown key',
      (p) => {
        p.colour = 'blue';
      },
      'unknown key "colour"',
    ],
  ];

  it.each(breakages)('refuses a profile with %s, naming the file, and writes nothing', (_what, breakIt, message) => {
    const bad = mkdtempSync(path.join(dir, 'bad-'));
    cpSync(profileDir, bad, { recursive: true });
    const file = path.join(bad, 'openssl_3_0.json');
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    breakIt(profile);
    writeFileSync(file, JSON.stringify(profile));
    const out = path.join(bad, 'never.ts');
    const r = runGenerator('--dir', bad, '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });
});

/** The ClientHello handshake message a profile describes (zero random, empty session id). */
function helloMessage(p: ClientProfile): Buffer {
  const h = p.clientHello;
  const body = new ByteWriter()
    .u16(h.legacyVersion)
    .bytes(Buffer.alloc(32))
    .vec8(() => {})
    .vec16((w) => {
      for (const s of h.cipherSuites) w.u16(s);
    })
    .vec8((w) => {
      for (const c of h.compressionMethods) w.u8(c);
    })
    .vec16((w) => {
      for (const e of h.extensions) w.u16(e.type).vec16((d) => d.bytes(Buffer.from(e.data, 'hex')));
    })
    .toBuffer();
  return new ByteWriter().u8(1).u24(body.length).bytes(body).toBuffer();
}

interface ParsedHello {
  legacyVersion: number;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: Array<{ type: number; data: string }>;
}

/** A ClientHello parser of its own (the wire module builds hellos, it does not read them). */
function parseHello(message: Uint8Array): ParsedHello {
  const r = new ByteReader(message, 'ClientHello');
  expect(r.u8('msg_type')).toBe(1);
  expect(r.u24('length')).toBe(message.length - 4);
  const legacyVersion = r.u16('legacy_version');
  r.skip(32, 'random');
  r.skip(r.u8('session_id length'), 'session_id');
  const suites = new ByteReader(r.bytes(r.u16('cipher_suites length'), 'cipher_suites'), 'cipher_suites');
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16('suite'));
  const compressionMethods = [...r.bytes(r.u8('compression_methods length'), 'compression_methods')];
  const exts = new ByteReader(r.bytes(r.u16('extensions length'), 'extensions'), 'extensions');
  const extensions: ParsedHello['extensions'] = [];
  while (exts.remaining > 0) {
    const type = exts.u16('extension type');
    extensions.push({ type, data: exts.bytes(exts.u16('extension length'), 'extension_data').toString('hex') });
  }
  expect(r.remaining).toBe(0);
  return { legacyVersion, cipherSuites, compressionMethods, extensions };
}

/** A list of 16-bit values behind a length prefix of `prefix` bytes that must fill `data` exactly. */
function u16List(data: string, prefix: 1 | 2): number[] {
  const r = new ByteReader(Buffer.from(data, 'hex'));
  const length = prefix === 1 ? r.u8() : r.u16();
  expect(length).toBe(r.remaining);
  expect(length % 2).toBe(0);
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.u16());
  return out;
}

const VERSION_NAMES: Record<number, string> = { 768: 'SSLv3', 769: 'TLSv1.0', 770: 'TLSv1.1', 771: 'TLSv1.2', 772: 'TLSv1.3' };
const ext = (p: ClientProfile, type: number) => p.clientHello.extensions.find((e) => e.type === type);

describe('client profiles', () => {
  it('are there, with unique ids of lowercase letters, digits and _', () => {
    expect(CLIENT_PROFILES.length).toBeGreaterThanOrEqual(10);
    const ids = CLIENT_PROFILES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('include a current profile for each role', () => {
    for (const role of ['c2s', 's2s'] as const) expect(CLIENT_PROFILES.some((p) => p.current && p.roles.includes(role))).toBe(true);
  });

  describe.each(CLIENT_PROFILES.map((p) => [p.id, p] as const))('%s', (_id, p) => {
    it('parses back into the same ClientHello', () => {
      const parsed = parseHello(helloMessage(p));
      expect(parsed).toEqual({
        legacyVersion: p.clientHello.legacyVersion,
        cipherSuites: p.clientHello.cipherSuites,
        compressionMethods: p.clientHello.compressionMethods,
        extensions: p.clientHello.extensions.map(({ type, data }) => ({ type, data })),
      });
      expect(p.clientHello.compressionMethods).toContain(0);
      expect([0x0300, 0x0301, 0x0302, 0x0303]).toContain(p.clientHello.recordVersion);
      expect([0x0300, 0x0301, 0x0302, 0x0303]).toContain(p.clientHello.legacyVersion);
      const types = p.clientHello.extensions.map((e) => e.type).filter((t) => !isGrease(t));
      expect(new Set(types).size).toBe(types.length);
    });

    it('offers only suites the registry knows (or GREASE, or an SCSV)', () => {
      const unknown = p.clientHello.cipherSuites.filter((c) => !cipherSuiteByCode(c) && !isGrease(c) && !signallingSuiteByCode(c));
      expect(unknown.map((c) => `0x${c.toString(16)}`)).toEqual([]);
    });

    it('names its groups, signature schemes and key shares with values the registry knows', () => {
      const groups = ext(p, 10) ? u16List(ext(p, 10)!.data, 2) : [];
      expect(groups.filter((g) => !isGrease(g) && !groupByCode(g))).toEqual([]);
      for (const type of [13, 50]) {
        const schemes = ext(p, type) ? u16List(ext(p, type)!.data, 2) : [];
        expect(schemes.filter((s) => !isGrease(s) && !signatureSchemeByCode(s))).toEqual([]);
      }
      const keyShare = ext(p, 51);
      if (keyShare) {
        const r = new ByteReader(Buffer.from(keyShare.data, 'hex'), 'key_share');
        expect(r.u16()).toBe(r.remaining);
        while (r.remaining > 0) {
          const group = r.u16();
          expect(r.bytes(r.u16()).length).toBeGreaterThan(0);
          expect(isGrease(group) || groups.includes(group)).toBe(true);
        }
      }
    });

    it('sends SNI example.org (rewritten per connection)', () => {
      expect(ext(p, 0)?.data).toBe(`000e0000${Buffer.from('\u000bexample.org').toString('hex')}`);
    });

    it('accepts the versions its supported_versions offers, or up to its legacy_version', () => {
      const sv = ext(p, 43);
      const offered = sv ? u16List(sv.data, 1).filter((v) => !isGrease(v)) : null;
      if (offered) {
        expect([...p.accepts.versions].sort()).toEqual(offered.map((v) => VERSION_NAMES[v]).sort());
      } else {
        expect(p.accepts.versions.at(-1)).toBe(VERSION_NAMES[p.clientHello.legacyVersion]);
        expect(p.accepts.versions).not.toContain('TLSv1.3');
      }
      expect(p.accepts.minDhBits === null || p.accepts.minDhBits >= 512).toBe(true);
    });

    it('says where it comes from and who uses it', () => {
      expect(p.roles.length).toBeGreaterThan(0);
      for (const role of p.roles) expect(['c2s', 's2s']).toContain(role);
      expect(p.software.length).toBeGreaterThan(0);
      if (p.provenance.method === 'captured') {
        expect(p.provenance.command).toBe(`node scripts/capture-client-hellos.mjs --only ${p.id}`);
        expect(p.provenance.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        for (const field of [p.provenance.tool, p.provenance.version, p.provenance.package]) expect(field.trim()).not.toBe('');
      } else {
        expect(p.provenance.source.trim()).not.toBe('');
        expect(p.provenance.note.trim()).not.toBe('');
      }
    });
  });
});
