import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { parseConfig } from '../../../src/config/load.js';
import { versionAccountOptions } from '../../../src/config/scan-options.js';
import { ConfigError, VERSION_ENV } from '../../../src/config/types.js';
import { Secret } from '../../../src/config/secret.js';
import { checkConfig } from '../../../src/daemon/startup.js';
import { LOG_REDACT, createLogger } from '../../../src/daemon/logger.js';
import { pino } from 'pino';

// `version:` (the XEP-0092 software query's account) and its environment variables.

const PASSWORD = 'hunter2-NOT-IN-ANY-MESSAGE';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xte-version-config-'));
  writeFileSync(join(dir, 'pw.txt'), `${PASSWORD}\n`);
  writeFileSync(join(dir, 'empty.txt'), '\n');
  writeFileSync(join(dir, 'ca.pem'), 'PEM\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, 'config.yaml');
const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, file(), { env });

function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.map((i) => `${i.line ?? '?'}:${i.column ?? '?'} ${i.path}: ${i.message}`);
    // Whatever went wrong, the password is never repeated.
    expect(issues.join('\n')).not.toContain(PASSWORD);
    return issues;
  }
  throw new Error('the configuration was accepted');
}

describe('version: in the file', () => {
  test('absent: no query', () => {
    expect(parse('{}').version).toBeUndefined();
    expect(versionAccountOptions(parse('{}'))).toBeUndefined();
  });

  test('every key, with defaults, relative paths against the configuration directory', () => {
    const v = parse(`version:\n  jid: scanner@Example.ORG\n  password: "${PASSWORD}"\n`).version!;
    expect(v).toMatchObject({
      jid: 'scanner@Example.ORG',
      passwordSource: 'version.password',
      directTls: false,
      caFiles: [],
      systemRoots: true,
      allowPlain: false,
      timeoutSeconds: 15,
    });
    expect(v.password.reveal()).toBe(PASSWORD);
    const full = parse(
      'version:\n  jid: a@b.example\n  passwordFile: pw.txt\n  connect: "127.0.0.1:5223"\n  directTls: true\n  caFiles: [ca.pem]\n  systemRoots: false\n  allowPlain: true\n  timeoutSeconds: 2.5\n  resource: probe\n',
    ).version!;
    expect(full).toMatchObject({
      jid: 'a@b.example',
      passwordSource: 'version.passwordFile',
      connect: '127.0.0.1:5223',
      directTls: true,
      caFiles: [join(dir, 'ca.pem')],
      systemRoots: false,
      allowPlain: true,
      timeoutSeconds: 2.5,
      resource: 'probe',
    });
    // One trailing newline of the file is not part of the password.
    expect(full.password.reveal()).toBe(PASSWORD);
  });

  test('the password prints as [redacted] however the configuration is printed', () => {
    const config = parse(`version:\n  jid: a@b.example\n  password: "${PASSWORD}"\n`);
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(inspect(config, { depth: 10 })).not.toContain(PASSWORD);
    expect(String(config.version!.password)).toBe('[redacted]');
    expect(`${config.version!.password}`).toBe('[redacted]');
    const lines: string[] = [];
    const logger = pino({ redact: LOG_REDACT }, { write: (s: string) => lines.push(s) });
    logger.info({ config, password: PASSWORD, nested: { password: PASSWORD } }, 'dump');
    expect(lines.join('')).not.toContain(PASSWORD);
    expect(createLogger('silent', 'json')).toBeDefined();
  });

  test('to VersionQueryClient options: the password revealed there only; login timeouts from timeouts, resolver from scanner', () => {
    const config = parse(
      `timeouts:\n  connectSeconds: 2\nscanner:\n  resolver: 127.0.0.1\nversion:\n  jid: a@b.example\n  password: "${PASSWORD}"\n  connect: "h.example:5222"\n  timeoutSeconds: 3\n`,
    );
    const o = versionAccountOptions(config)!;
    expect(o).toMatchObject({
      jid: 'a@b.example',
      password: PASSWORD,
      connect: 'h.example:5222',
      resolver: '127.0.0.1',
      allowPlain: false,
      queryTimeoutMs: 3000,
    });
    expect(o.timeouts).toEqual({ connectMs: 2000, readMs: 10000, handshakeMs: 10000 });
    expect(o.trustStore.anchors.length).toBeGreaterThan(100); // the bundled roots
    expect(o.directTls).toBeUndefined();
  });

  const bad: Array<[string, string, string[]]> = [
    ['no jid', `version:\n  password: x\n`, [`2:3 version.jid: is required (or set ${VERSION_ENV.jid})`]],
    ['not a bare JID', `version:\n  jid: example.org\n  password: x\n`, ['2:8 version.jid: must be a bare JID user@domain (got "example.org")']],
    ['a full JID', `version:\n  jid: a@b.example/res\n  password: x\n`, ['2:8 version.jid: must be a bare JID user@domain (got "a@b.example/res")']],
    ['a bad domain', `version:\n  jid: a@b..example\n  password: x\n`, ['2:8 version.jid: invalid domain "b..example": empty label']],
    [
      'no password at all',
      `version:\n  jid: a@b.example\n`,
      [`2:3 version.password: is required: set version.password, version.passwordFile, ${VERSION_ENV.password} or ${VERSION_ENV.passwordFile}`],
    ],
    [
      'password and passwordFile',
      `version:\n  jid: a@b.example\n  password: x\n  passwordFile: pw.txt\n`,
      ['4:17 version.passwordFile: set either password or passwordFile, not both'],
    ],
    ['a missing password file', `version:\n  jid: a@b.example\n  passwordFile: nope.txt\n`, [`3:17 version.passwordFile: file not found: DIR/nope.txt`]],
    ['an empty password file', `version:\n  jid: a@b.example\n  passwordFile: empty.txt\n`, [`3:17 version.passwordFile: DIR/empty.txt is empty`]],
    ['an empty password', `version:\n  jid: a@b.example\n  password: ""\n`, ['3:13 version.password: must not be empty']],
    ['a password that is not a string: not echoed', `version:\n  jid: a@b.example\n  password: 12345\n`, ['3:13 version.password: must be a string']],
    [
      'connect without port',
      `version:\n  jid: a@b.example\n  password: x\n  connect: h.example\n`,
      ['4:12 version.connect: invalid host:port "h.example": no port given'],
    ],
    ['unknown key', `version:\n  jid: a@b.example\n  password: x\n  pasword: y\n`, ['4:3 version.pasword: unknown key (did you mean "password"?)']],
    ['zero timeout', `version:\n  jid: a@b.example\n  password: x\n  timeoutSeconds: 0\n`, ['4:19 version.timeoutSeconds: must be more than 0 (got 0)']],
    ['missing CA file', `version:\n  jid: a@b.example\n  password: x\n  caFiles: [nope.pem]\n`, ['4:13 version.caFiles[0]: file not found: DIR/nope.pem']],
  ];
  test.each(bad)('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected.map((e) => e.replaceAll('DIR', dir)));
  });

  test('a wrong password in the file is never echoed in a type error', () => {
    const issues = issuesOf(`version:\n  jid: a@b.example\n  password: [${PASSWORD}]\n`);
    expect(issues).toEqual(['3:13 version.password: must be a string']);
  });
});

describe('environment variables', () => {
  test('JID and password alone turn the query on', () => {
    const v = parse('{}', { [VERSION_ENV.jid]: 'env@b.example', [VERSION_ENV.password]: PASSWORD }).version!;
    expect(v).toMatchObject({ jid: 'env@b.example', passwordSource: VERSION_ENV.password, systemRoots: true, timeoutSeconds: 15 });
    expect(v.password.reveal()).toBe(PASSWORD);
  });

  test('they override the file; an environment password replaces the file password or password file', () => {
    const text = 'version:\n  jid: file@b.example\n  passwordFile: nope.txt\n  timeoutSeconds: 4\n';
    const v = parse(text, { [VERSION_ENV.jid]: 'env@b.example', [VERSION_ENV.password]: 'from-env', [VERSION_ENV.connect]: '127.0.0.1:5222' }).version!;
    expect(v).toMatchObject({ jid: 'env@b.example', connect: '127.0.0.1:5222', timeoutSeconds: 4, passwordSource: VERSION_ENV.password });
    expect(v.password.reveal()).toBe('from-env');
  });

  test('a password file from the environment, relative to the working directory', () => {
    const v = parse(`version:\n  jid: a@b.example\n  password: "in-the-file"\n`, { [VERSION_ENV.passwordFile]: join(dir, 'pw.txt') }).version!;
    expect(v.passwordSource).toBe(VERSION_ENV.passwordFile);
    expect(v.password.reveal()).toBe(PASSWORD);
    expect(issuesOf('{}', { [VERSION_ENV.jid]: 'a@b.example', [VERSION_ENV.passwordFile]: 'relative-nope.txt' })).toEqual([
      `?:? version.passwordFile: file not found: ${resolve('relative-nope.txt')} (from the environment variable ${VERSION_ENV.passwordFile})`,
    ]);
  });

  test('problems with their values name the variable', () => {
    expect(issuesOf('{}', { [VERSION_ENV.jid]: 'no-at-sign', [VERSION_ENV.password]: PASSWORD })).toEqual([
      `?:? version.jid: must be a bare JID user@domain (got "no-at-sign") (from the environment variable ${VERSION_ENV.jid})`,
    ]);
    expect(issuesOf('{}', { [VERSION_ENV.password]: PASSWORD })).toEqual([`1:1 version.jid: is required (or set ${VERSION_ENV.jid})`]);
    expect(issuesOf('{}', { [VERSION_ENV.jid]: 'a@b.example', [VERSION_ENV.password]: 'x', [VERSION_ENV.connect]: 'nope' })).toEqual([
      `?:? version.connect: invalid host:port "nope": no port given (from the environment variable ${VERSION_ENV.connect})`,
    ]);
  });

  test('empty variables count as unset', () => {
    expect(parse('{}', { [VERSION_ENV.jid]: '', [VERSION_ENV.password]: '' }).version).toBeUndefined();
  });
});

test('check-config names the account and where its password comes from, never the password', async () => {
  const f = join(dir, 'check.yaml');
  writeFileSync(f, 'version:\n  jid: a@b.example\n  passwordFile: pw.txt\n');
  const outcome = await checkConfig(f);
  expect(outcome.exitCode).toBe(0);
  expect(outcome.lines).toContain(`${f}: software version query as a@b.example (password from version.passwordFile; the login is not tried here)`);
  expect(outcome.lines.join('\n')).not.toContain(PASSWORD);
});

test('Secret', () => {
  const s = new Secret('abc');
  expect(s.reveal()).toBe('abc');
  expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
  expect(inspect({ s })).toBe('{ s: Secret([redacted]) }');
});
