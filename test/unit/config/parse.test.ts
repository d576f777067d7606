import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, matchesPattern, parseConfig } from '../../../src/config/load.js';
import { toScanOptions } from '../../../src/config/scan-options.js';
import { type Config, ConfigError } from '../../../src/config/types.js';
import { checkResolver, normalizePattern, parseListen } from '../../../src/config/load.js';
import { configSchema } from '../../harness/config-schema.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const SHA = `sha256:${'ab'.repeat(32)}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xte-config-'));
  for (const f of ['ca.pem', 'client.crt', 'client.key', 'web.crt', 'web.key']) writeFileSync(join(dir, f), 'PEM\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What an empty file gives, with relative paths anchored at `baseDir`. */
const defaultsAt = (baseDir: string): Config => parseConfig('{}', join(baseDir, 'config.yaml'), { checkFiles: false });

/** The issues of a configuration that must fail, as "LINE:COL PATH: MESSAGE" (position omitted when unknown). */
function issuesOf(text: string, file = join(dir, 'config.yaml')): string[] {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.line ?? '?'}:${i.column ?? '?'} ${i.path}: ${i.message}`);
  }
  throw new Error('the configuration was accepted');
}

describe('defaults', () => {
  test('an empty file gives every default, paths anchored at the file', () => {
    const config = parseConfig('', join(dir, 'config.yaml'));
    const expected: Config = {
      listen: { host: '', port: 9522 },
      schedule: { cron: '0 */6 * * *', jitterSeconds: 1800 },
      concurrency: { domains: 'auto', connectionsPerHost: 4, connectionDelayMs: 0 },
      timeouts: { connectSeconds: 5, readSeconds: 10, handshakeSeconds: 10, endpointSeconds: 120, scanSeconds: 300 },
      scanner: {
        from: 'xmpp-tls-exporter.invalid',
        caFiles: [],
        systemRoots: true,
        fetchAia: true,
        tlsProbe: true,
        simulation: true,
        dane: true,
        resolverCheckName: '.',
      },
      grading: { profile: 'ssllabs-2009r' },
      targets: [],
      targetSources: { files: [], fileSd: [], urls: [] },
      store: { path: join(dir, 'data/xmpp-tls-exporter.db'), retention: { changesDays: 400, scansDays: 14 } },
      stateFile: join(dir, 'data/state.json'),
      stateFileSet: false,
      probe: { allow: 'configured', patterns: [], maxAgeSeconds: 3600 },
      web: { basicAuthUsers: {} },
      shard: { index: 0, count: 1, fromHostname: false },
      metrics: { detail: 'auto' },
      log: { level: 'info', format: 'auto' },
    };
    expect(config).toEqual(expected);
    expect(defaultsAt(dir)).toEqual(expected);
  });

  test('a file with only targets fills the rest; a bare domain means both modes', () => {
    const config = parseConfig('targets:\n  - Jabber.ORG.\n  - domain: bücher.example\n    modes: [s2s]\n', join(dir, 'c.yaml'));
    expect(config.targets).toEqual([
      { domain: 'jabber.org', modes: ['c2s', 's2s'] },
      { domain: 'xn--bcher-kva.example', modes: ['s2s'] },
    ]);
    expect(config.concurrency.domains).toBe('auto');
  });

  test('every setting is read, relative paths are resolved against the configuration directory', () => {
    const text = `
listen: "127.0.0.1:9999"
schedule: { cron: "*/30 * * * *", jitterSeconds: 0 }
concurrency: { domains: 8, connectionsPerHost: 1, connectionDelayMs: 250 }
timeouts: { connectSeconds: 2.5, readSeconds: 4, handshakeSeconds: 6, endpointSeconds: 90, scanSeconds: 240 }
scanner:
  from: Scanner.Example.org
  clientCertificate: { certFile: client.crt, keyFile: ./client.key }
  caFiles: [ca.pem]
  systemRoots: false
  fetchAia: false
  resolver: "[::1]:5353"
  tlsProbe: false
  dane: false
  resolverCheckName: example.org
grading: { profile: xmppoke-2015 }
targets:
  - domain: example.org
    modes: [c2s]
    connect: "[2001:db8::1]:5223"
    directTls: true
    schedule: "0 3 * * *"
targetSources:
  files: [list.txt]
  fileSd: [/etc/sd.json]
  urls: [{ url: "https://inv.example/targets" }, { url: "http://x.example/a", refreshSeconds: 60 }]
store: { path: state/results.db, retention: { changesDays: 90, scansDays: 7 } }
stateFile: state/s.json
probe: { allow: patterns, patterns: ["*.Example.NET", "example.com"], maxAgeSeconds: 0 }
web:
  tls_server_config: { cert_file: web.crt, key_file: web.key }
  basic_auth_users: { prometheus: "${SHA}" }
metrics: { detail: domain }
log: { level: debug, format: json }
`;
    const c = parseConfig(text, join(dir, 'config.yaml'));
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(c.schedule).toEqual({ cron: '*/30 * * * *', jitterSeconds: 0 });
    expect(c.concurrency).toEqual({ domains: 8, connectionsPerHost: 1, connectionDelayMs: 250 });
    expect(c.timeouts).toEqual({ connectSeconds: 2.5, readSeconds: 4, handshakeSeconds: 6, endpointSeconds: 90, scanSeconds: 240 });
    expect(c.scanner).toEqual({
      from: 'scanner.example.org',
      clientCertificate: { certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') },
      caFiles: [join(dir, 'ca.pem')],
      systemRoots: false,
      fetchAia: false,
      resolver: '[::1]:5353',
      tlsProbe: false,
      simulation: true,
      dane: false,
      resolverCheckName: 'example.org',
    });
    expect(c.grading.profile).toBe('xmppoke-2015');
    expect(c.targets).toEqual([{ domain: 'example.org', modes: ['c2s'], connect: '[2001:db8::1]:5223', directTls: true, schedule: '0 3 * * *' }]);
    expect(c.targetSources).toEqual({
      files: [join(dir, 'list.txt')],
      fileSd: ['/etc/sd.json'],
      urls: [
        { url: 'https://inv.example/targets', refreshSeconds: 300 },
        { url: 'http://x.example/a', refreshSeconds: 60 },
      ],
    });
    expect(c.store).toEqual({ path: join(dir, 'state/results.db'), retention: { changesDays: 90, scansDays: 7 } });
    expect(c.stateFile).toBe(join(dir, 'state/s.json'));
    expect(c.stateFileSet).toBe(true);
    expect(c.probe).toEqual({ allow: 'patterns', patterns: ['*.example.net', 'example.com'], maxAgeSeconds: 0 });
    expect(c.web).toEqual({ tlsCertFile: join(dir, 'web.crt'), tlsKeyFile: join(dir, 'web.key'), basicAuthUsers: { prometheus: SHA } });
    expect(c.metrics).toEqual({ detail: 'domain' });
    expect(c.log).toEqual({ level: 'debug', format: 'json' });
  });
});

describe('bad configurations name the path and the problem', () => {
  const cases: Array<[string, string, string[]]> = [
    ['invalid YAML, with its line', 'targets:\n  - domain: a.org\n   modes: [c2s]\n', ['3:1 : invalid YAML: Sequence item without - indicator']],
    ['a key twice', 'schedule:\n  cron: "0 * * * *"\nschedule:\n  cron: x\n', ['3:1 : invalid YAML: the key "schedule" appears twice in one mapping']],
    ['not a mapping', '- a.org\n', ['1:1 : the configuration must be a mapping of settings (got a list)']],
    ['unknown top-level key, with a suggestion', 'targtes: []\n', ['1:1 targtes: unknown key (did you mean "targets"?)']],
    [
      'unknown nested key, listing the allowed ones',
      'targets:\n  - domain: a.org\n    port: 5222\n',
      ['3:5 targets[0].port: unknown key (allowed here: domain, modes, connect, directTls, schedule)'],
    ],
    [
      'bad mode',
      'targets:\n  - a.org\n  - b.org\n  - c.org\n  - domain: d.org\n    modes: [c2s, s3s]\n',
      ['6:18 targets[3].modes[1]: must be one of c2s, s2s (got "s3s")'],
    ],
    ['a mode twice', 'targets:\n  - domain: d.org\n    modes: [s2s, s2s]\n', ['3:18 targets[0].modes[1]: repeats modes[0]']],
    ['no modes', 'targets:\n  - domain: d.org\n    modes: []\n', ['3:12 targets[0].modes: must not be empty']],
    ['target without domain', 'targets:\n  - modes: [c2s]\n', ['2:5 targets[0].domain: is required']],
    ['target of the wrong type', 'targets:\n  - 42\n', ['2:5 targets[0]: must be a domain name or a mapping with `domain:` (got 42)']],
    [
      'bad domain',
      'targets:\n  - domain: "exa mple.org"\n',
      ['2:13 targets[0].domain: invalid domain "exa mple.org": only letters, digits, "-" and "." are allowed'],
    ],
    ['IP instead of a domain', 'targets:\n  - 192.0.2.1\n', ['2:5 targets[0]: invalid domain "192.0.2.1": an IP address is not a domain']],
    [
      'duplicate targets',
      'targets:\n  - a.org\n  - domain: A.org\n    modes: [s2s]\n  - domain: b.org\n    modes: [c2s]\n  - domain: b.org\n    modes: [s2s]\n',
      ['3:13 targets[1].domain: a.org (s2s) is already listed at targets[0]'],
    ],
    ['bad cron', 'schedule:\n  cron: "61 * * * *"\n', ['2:9 schedule.cron: not a valid cron expression "61 * * * *": 61 is an invalid expression for minute']],
    [
      'bad per-target cron',
      'targets:\n  - domain: a.org\n    schedule: "* * *"\n',
      ['3:15 targets[0].schedule: not a valid cron expression "* * *": expected 5 or 6 fields but got 3'],
    ],
    ['negative concurrency', 'concurrency:\n  domains: -1\n', ['2:12 concurrency.domains: must be at least 1 (got -1)']],
    [
      'concurrency neither a number nor auto',
      'concurrency:\n  domains: fast\n',
      ['2:12 concurrency.domains: must be a whole number 1–256 or auto (got "fast")'],
    ],
    ['fractional concurrency', 'concurrency:\n  connectionsPerHost: 1.5\n', ['2:23 concurrency.connectionsPerHost: must be a whole number (got 1.5)']],
    ['zero timeout', 'timeouts:\n  connectSeconds: 0\n', ['2:19 timeouts.connectSeconds: must be more than 0 (got 0)']],
    ['connect without port', 'targets:\n  - domain: a.org\n    connect: a.org\n', ['3:14 targets[0].connect: invalid host:port "a.org": no port given']],
    [
      'connect with a bad port',
      'targets:\n  - domain: a.org\n    connect: "a.org:70000"\n',
      ['3:14 targets[0].connect: invalid host:port "a.org:70000": port 70000 out of range 1-65535'],
    ],
    ['listen without port', 'listen: localhost\n', ['1:9 listen: must be HOST:PORT, :PORT or [IPv6]:PORT (got "localhost")']],
    ['listen as a number', 'listen: 9522\n', ['1:9 listen: must be a string HOST:PORT (quote it: ":9522") (got 9522)']],
    ['listen port too large', 'listen: ":99999"\n', ['1:9 listen: port 99999 out of range 0-65535']],
    ['bad resolver', 'scanner:\n  resolver: dns.example:53\n', ['2:13 scanner.resolver: must be IP, IPv4:PORT or [IPv6]:PORT']],
    ['bad enum', 'grading:\n  profile: strict\n', ['2:12 grading.profile: must be one of ssllabs-2009r, xmppoke-2015 (got "strict")']],
    ['bad metrics detail', 'metrics:\n  detail: target\n', ['2:11 metrics.detail: must be one of auto, endpoint, domain (got "target")']],
    ['a list left empty', 'targets:\n', ['1:9 targets: must be a list (got nothing)']],
    ['patterns needed', 'probe:\n  allow: patterns\n', ['2:3 probe.patterns: must list at least one pattern with allow: patterns']],
    [
      'bad pattern',
      'probe:\n  patterns: ["*.*.x", "*.a..b"]\n',
      ['2:14 probe.patterns[0]: must be a domain or *.domain (got "*.*.x")', '2:23 probe.patterns[1]: invalid domain "a..b": empty label'],
    ],
    ['URL scheme', 'targetSources:\n  urls:\n    - url: ftp://x.org/a\n', ['3:12 targetSources.urls[0].url: must be an http:// or https:// URL (got ftp://)']],
    [
      'URL refresh too often',
      'targetSources:\n  urls:\n    - url: https://x.org/a\n      refreshSeconds: 1\n',
      ['4:23 targetSources.urls[0].refreshSeconds: must be at least 10 (got 1)'],
    ],
    [
      'truncated bcrypt hash, not echoed',
      'web:\n  basic_auth_users:\n    bob: "$2y$10$abcdefghijklmnopqrstuv"\n',
      [
        '3:10 web.basic_auth_users.bob: must be a bcrypt hash ($2y$…) or sha256:HEX, the SHA-256 of the password in 64 hex digits (plain passwords are not supported)',
      ],
    ],
    [
      'user name with a colon',
      `web:\n  basic_auth_users:\n    "a:b": ${SHA}\n`,
      ['3:12 web.basic_auth_users["a:b"]: a user name cannot contain ":" (basic auth splits there)'],
    ],
    ['TLS certificate without key', 'web:\n  tls_server_config:\n    cert_file: web.crt\n', ['3:5 web.tls_server_config.key_file: is required']],
    ['missing files', 'scanner:\n  caFiles: [ca.pem, nope.pem]\n', [`2:21 scanner.caFiles[1]: file not found: ${'DIR'}/nope.pem`]],
    [
      'a directory for a file',
      'scanner:\n  clientCertificate: { certFile: ".", keyFile: client.key }\n',
      [`2:34 scanner.clientCertificate.certFile: DIR is a directory, not a file`],
    ],
  ];
  test.each(cases)('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected.map((e) => e.replaceAll('DIR', dir)));
  });

  test('every issue is reported at once, sorted by position, as FILE:LINE:COLUMN: PATH: MESSAGE', () => {
    const file = join(dir, 'all.yaml');
    const text = 'concurrency:\n  domains: 0\ntargets:\n  - domain: a.org\n    modes: [c3s]\nschedule:\n  cron: nope\n';
    let err: unknown;
    try {
      parseConfig(text, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe(file);
    expect(e.issues.map((i) => i.path)).toEqual(['concurrency.domains', 'targets[0].modes[0]', 'schedule.cron']);
    expect(e.message.split('\n')).toEqual([
      `${file}:2:12: concurrency.domains: must be at least 1 (got 0)`,
      `${file}:5:13: targets[0].modes[0]: must be one of c2s, s2s (got "c3s")`,
      `${file}:7:9: schedule.cron: not a valid cron expression "nope": expected 5 or 6 fields but got 1`,
    ]);
  });

  test('a file that cannot be read is a ConfigError naming it', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(loadConfig(file)).rejects.toThrow(new RegExp(`^${file}: cannot read the configuration: ENOENT`));
  });

  test('file checks can be skipped (the configuration is checked elsewhere than it runs)', () => {
    const config = parseConfig('scanner:\n  caFiles: [/nowhere/ca.pem]\n', join(dir, 'c.yaml'), { checkFiles: false });
    expect(config.scanner.caFiles).toEqual(['/nowhere/ca.pem']);
  });
});

describe('config.example.yaml', () => {
  test('is valid and scans a couple of public domains, keeping results under ./data', async () => {
    const config = await loadConfig(join(ROOT, 'config.example.yaml'));
    expect(config.targets.map((t) => t.domain)).toEqual(['jabber.org', 'xmpp.org']);
    expect(config.store.path).toBe(join(ROOT, 'data/xmpp-tls-exporter.db'));
    // It shows the defaults: apart from its targets, it is what an empty file gives.
    expect({ ...config, targets: [] }).toEqual(defaultsAt(ROOT));
  });
});

describe('the JSON Schema for editors', () => {
  type Schema = Record<string, unknown>;
  const walk = (s: Schema, path: string, visit: (s: Schema, path: string) => void): void => {
    visit(s, path);
    for (const [k, sub] of Object.entries((s.properties as Record<string, Schema>) ?? {})) walk(sub, `${path}.${k}`, visit);
    if (s.items && typeof s.items === 'object') walk(s.items as Schema, `${path}[]`, visit);
    for (const [k, sub] of Object.entries((s.$defs as Record<string, Schema>) ?? {})) walk(sub, `$defs.${k}`, visit);
  };

  test('closes every mapping and describes every setting', () => {
    const open: string[] = [];
    const undescribed: string[] = [];
    walk(configSchema(), '', (s, path) => {
      if (s.type === 'object' && s.additionalProperties === undefined) open.push(path);
      if (s.properties) for (const [k, sub] of Object.entries(s.properties as Record<string, Schema>)) if (!sub.description) undescribed.push(`${path}.${k}`);
    });
    expect(open).toEqual([]);
    expect(undescribed).toEqual([]);
  });

  test('every setting is in docs/configuration.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const missing: string[] = [];
    walk(configSchema(), '', (s, path) => {
      for (const k of Object.keys((s.properties as Record<string, Schema>) ?? {})) if (!doc.includes(`\`${k}\``)) missing.push(`${path}.${k}`);
    });
    expect(missing).toEqual([]);
  });
});

describe('value syntax', () => {
  test.each([
    [':9522', { host: '', port: 9522 }],
    ['0.0.0.0:9522', { host: '0.0.0.0', port: 9522 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('listen %s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  test.each([['9522'], ['[nope]:1'], ['a b:1'], [':65536']])('listen %s is refused', (text) => {
    expect(() => parseListen(text)).toThrow();
  });

  test.each([['192.0.2.53'], ['192.0.2.53:5353'], ['::1'], ['[2001:db8::53]:53']])('resolver %s', (text) => {
    expect(() => checkResolver(text)).not.toThrow();
  });

  test.each([['ns.example'], ['192.0.2.53:0'], ['2001:db8::53:53:x'], ['[192.0.2.1]:53']])('resolver %s is refused', (text) => {
    expect(() => checkResolver(text)).toThrow();
  });

  test('probe patterns', () => {
    const star = normalizePattern('*.Example.ORG');
    expect(star).toBe('*.example.org');
    expect(matchesPattern('a.example.org', star)).toBe(true);
    expect(matchesPattern('a.b.example.org', star)).toBe(true);
    expect(matchesPattern('example.org', star)).toBe(false);
    expect(matchesPattern('badexample.org', star)).toBe(false);
    expect(matchesPattern('example.org', normalizePattern('example.org'))).toBe(true);
    expect(() => normalizePattern('*')).toThrow();
  });
});

describe('toScanOptions', () => {
  test('maps one target and mode to scanDomain options', () => {
    const config = parseConfig(
      'timeouts: { connectSeconds: 1.5, readSeconds: 2, handshakeSeconds: 3 }\nscanner: { resolver: "192.0.2.53", fetchAia: false, caFiles: [ca.pem] }\ntargets:\n  - domain: a.org\n    connect: "h.a.org:5223"\n    directTls: true\n  - b.org\n',
      join(dir, 'c.yaml'),
    );
    const clientCertificate = { cert: Buffer.from('c'), key: Buffer.from('k') };
    expect(toScanOptions(config, config.targets[0]!, 's2s', { clientCertificate })).toEqual({
      mode: 's2s',
      from: 'xmpp-tls-exporter.invalid',
      caFiles: [join(dir, 'ca.pem')],
      fetchAia: false,
      tlsProbe: true,
      simulation: true,
      dane: true,
      resolverCheckName: '.',
      profile: 'ssllabs-2009r',
      maxConnectionsPerHost: 4,
      connectionDelayMs: 0,
      timeouts: { connectMs: 1500, readMs: 2000, handshakeMs: 3000 },
      endpointTimeoutMs: 120_000,
      scanTimeoutMs: 300_000,
      connect: 'h.a.org:5223',
      directTls: true,
      resolver: '192.0.2.53',
      clientCertificate,
    });
    const plain = toScanOptions(config, config.targets[1]!, 'c2s');
    expect(plain).not.toHaveProperty('connect');
    expect(plain).not.toHaveProperty('directTls');
    expect(plain).not.toHaveProperty('trustStore');
  });
});
