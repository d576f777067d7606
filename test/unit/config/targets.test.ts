import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load.js';
import { TargetSources, resolveTargets } from '../../../src/config/targets.js';
import { mergeTargets, parseFileSd, parseTargetDocument, parseTargetList } from '../../../src/config/targets.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xte-targets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configWith(yaml: string) {
  return parseConfig(yaml, join(dir, 'config.yaml'));
}

describe('the list format', () => {
  test('one domain a line, optional modes, comments and blank lines', () => {
    const text = '# federation\n\njabber.org\nExample.ORG c2s   # only clients\nexample.net s2s,c2s\n  bücher.example  s2s s2s\n';
    expect(parseTargetList(text, 'list.txt')).toEqual({
      targets: [
        { domain: 'jabber.org', modes: ['c2s', 's2s'] },
        { domain: 'example.org', modes: ['c2s'] },
        { domain: 'example.net', modes: ['s2s', 'c2s'] },
        { domain: 'xn--bcher-kva.example', modes: ['s2s'] },
      ],
      errors: [],
    });
  });

  test('a bad line is skipped and reported with its line number; the rest counts', () => {
    const parsed = parseTargetList('good.example\nbad..example\nother.example c3s\n192.0.2.1\nlast.example s2s\n', 'list.txt');
    expect(parsed.targets).toEqual([
      { domain: 'good.example', modes: ['c2s', 's2s'] },
      { domain: 'last.example', modes: ['s2s'] },
    ]);
    expect(parsed.errors).toEqual([
      'list.txt:2: invalid domain "bad..example": empty label',
      'list.txt:3: "c3s" is not a mode (c2s or s2s)',
      'list.txt:4: invalid domain "192.0.2.1": an IP address is not a domain',
    ]);
  });
});

describe('Prometheus file_sd', () => {
  const json = JSON.stringify([
    { targets: ['jabber.org', 'Example.org'], labels: { mode: 'c2s,s2s', env: 'prod' } },
    { targets: ['xmpp.example.net:5223'], labels: { mode: 'c2s', direct_tls: 'true', schedule: '15 */2 * * *' } },
    { targets: ['s2s-only.example'], labels: { mode: 's2s' } },
    { targets: ['nolabels.example'] },
  ]);
  const expected = [
    { domain: 'jabber.org', modes: ['c2s', 's2s'] },
    { domain: 'example.org', modes: ['c2s', 's2s'] },
    { domain: 'xmpp.example.net', connect: 'xmpp.example.net:5223', modes: ['c2s'], directTls: true, schedule: '15 */2 * * *' },
    { domain: 's2s-only.example', modes: ['s2s'] },
    { domain: 'nolabels.example', modes: ['c2s', 's2s'] },
  ];

  test('JSON: modes, direct TLS and schedule from labels; HOST:PORT becomes a connect override', () => {
    expect(parseFileSd(json, 'sd.json')).toEqual({ targets: expected, errors: [] });
  });

  test('YAML gives the same', () => {
    const yaml = `
- targets: [jabber.org, Example.org]
  labels: { mode: "c2s,s2s", env: prod }
- targets:
    - xmpp.example.net:5223
  labels:
    mode: c2s
    direct_tls: "true"
    schedule: "15 */2 * * *"
- targets: [s2s-only.example]
  labels: { mode: s2s }
- targets: [nolabels.example]
`;
    expect(parseFileSd(yaml, 'sd.yaml')).toEqual({ targets: expected, errors: [] });
  });

  test('bad groups and entries are skipped and reported with their place', () => {
    const text = JSON.stringify([
      { targets: ['ok.example', '[2001:db8::1]:5222', 7, 'bad..example'] },
      { targets: ['a.example'], labels: { mode: 'client' } },
      { targets: ['b.example'], labels: { direct_tls: 'yes' } },
      { targets: 'c.example' },
      'd.example',
    ]);
    const parsed = parseFileSd(text, 'sd.json');
    expect(parsed.targets).toEqual([{ domain: 'ok.example', modes: ['c2s', 's2s'] }]);
    expect(parsed.errors).toEqual([
      'sd.json: [0].targets[1]: "[2001:db8::1]:5222": an IP address is not an XMPP domain (use DOMAIN:PORT)',
      'sd.json: [0].targets[2]: must be a string',
      'sd.json: [0].targets[3]: invalid domain "bad..example": empty label',
      'sd.json: [1].labels.mode: must be c2s, s2s or "c2s,s2s" (got "client")',
      'sd.json: [2].labels.direct_tls: must be "true" or "false" (got "yes")',
      'sd.json: [3].targets: must be a list',
      'sd.json: [4]: must be a mapping with targets (and labels)',
    ]);
  });

  test('a document that is not a list fails as a whole', () => {
    expect(() => parseFileSd('{"targets": ["a.example"]}', 'sd.json')).toThrow('sd.json: a file_sd document must be a list of {targets, labels} groups');
    expect(() => parseFileSd('[{"targets": ["a.example"]', 'sd.json')).toThrow(/^sd\.json: not valid JSON or YAML: /);
  });

  test('a body is file_sd when it starts with [ or "- ", the list format otherwise', () => {
    expect(parseTargetDocument('# c\n- targets: [a.example]\n  labels: {mode: c2s}\n', 'u').targets).toEqual([{ domain: 'a.example', modes: ['c2s'] }]);
    expect(parseTargetDocument('\n  [{"targets": ["a.example"]}]', 'u').targets).toEqual([{ domain: 'a.example', modes: ['c2s', 's2s'] }]);
    expect(parseTargetDocument('# c\na.example s2s\n', 'u').targets).toEqual([{ domain: 'a.example', modes: ['s2s'] }]);
  });
});

describe('merging', () => {
  test('each (domain, mode) once, the first listing wins, later ones add the modes not taken', () => {
    expect(
      mergeTargets([
        [{ domain: 'a.example', modes: ['c2s'], connect: 'h1.a.example:5222' }],
        [
          { domain: 'a.example', modes: ['c2s', 's2s'], connect: 'h2.a.example:5269' },
          { domain: 'b.example', modes: ['c2s', 's2s'] },
        ],
        [{ domain: 'b.example', modes: ['s2s'], directTls: true }],
      ]),
    ).toEqual([
      { domain: 'a.example', modes: ['c2s'], connect: 'h1.a.example:5222' },
      { domain: 'a.example', modes: ['s2s'], connect: 'h2.a.example:5269' },
      { domain: 'b.example', modes: ['c2s', 's2s'] },
    ]);
  });
});

describe('resolveTargets', () => {
  test('inline targets, list files and file_sd files (JSON and YAML) together, de-duplicated', async () => {
    writeFileSync(join(dir, 'list.txt'), 'jabber.org c2s\nlist.example\n');
    writeFileSync(join(dir, 'sd.json'), JSON.stringify([{ targets: ['jabber.org', 'sd.example'], labels: { mode: 's2s' } }]));
    writeFileSync(join(dir, 'sd.yaml'), '- targets: [list.example, yaml.example]\n  labels: {mode: c2s}\n');
    const config = configWith(
      'targets:\n  - domain: jabber.org\n    modes: [c2s]\n    connect: "jabber.org:5222"\ntargetSources:\n  files: [list.txt]\n  fileSd: [sd.json, sd.yaml]\n',
    );
    const resolved = await resolveTargets(config);
    expect(resolved.errors).toEqual([]);
    expect(resolved.targets).toEqual([
      { domain: 'jabber.org', modes: ['c2s'], connect: 'jabber.org:5222' },
      { domain: 'list.example', modes: ['c2s', 's2s'] },
      { domain: 'jabber.org', modes: ['s2s'] },
      { domain: 'sd.example', modes: ['s2s'] },
      { domain: 'yaml.example', modes: ['c2s'] },
    ]);
    expect(resolved.sources.map((s) => [s.kind, s.source, s.count])).toEqual([
      ['inline', 'targets', 1],
      ['file', join(dir, 'list.txt'), 2],
      ['file_sd', join(dir, 'sd.json'), 2],
      ['file_sd', join(dir, 'sd.yaml'), 2],
    ]);
  });

  test('a failing source gives an error string; the other sources still count', async () => {
    writeFileSync(join(dir, 'ok.txt'), 'ok.example\n');
    writeFileSync(join(dir, 'broken.json'), '{"not": "a list"}');
    const config = configWith('targets: [inline.example]\ntargetSources:\n  files: [missing.txt, ok.txt]\n  fileSd: [broken.json]\n');
    const resolved = await resolveTargets(config);
    expect(resolved.targets.map((t) => t.domain)).toEqual(['inline.example', 'ok.example']);
    expect(resolved.errors).toEqual([
      expect.stringMatching(new RegExp(`^targets file ${join(dir, 'missing.txt')}: cannot read: ENOENT.* \\(no targets from it\\)$`)),
      `file_sd ${join(dir, 'broken.json')}: a file_sd document must be a list of {targets, labels} groups (no targets from it)`,
    ]);
  });

  test('a long-lived TargetSources keeps the last good list of a source that fails', async () => {
    const files = new Map<string, string>([[join(dir, 'l.txt'), 'a.example\nb.example\n']]);
    const sources = new TargetSources({
      readFile: async (path) => {
        const text = files.get(path);
        if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
        return text;
      },
    });
    const config = configWith('targetSources:\n  files: [l.txt]\n');
    expect((await sources.resolve(config)).targets.map((t) => t.domain)).toEqual(['a.example', 'b.example']);

    files.delete(join(dir, 'l.txt'));
    const failed = await sources.resolve(config);
    expect(failed.targets.map((t) => t.domain)).toEqual(['a.example', 'b.example']);
    expect(failed.errors).toEqual([
      `targets file ${join(dir, 'l.txt')}: cannot read: ENOENT: no such file, open '${join(dir, 'l.txt')}' (keeping the 2 targets of the last good read)`,
    ]);

    files.set(join(dir, 'l.txt'), 'c.example\n');
    const back = await sources.resolve(config);
    expect(back).toEqual({ targets: [{ domain: 'c.example', modes: ['c2s', 's2s'] }], errors: [], sources: expect.any(Array) });
  });
});
