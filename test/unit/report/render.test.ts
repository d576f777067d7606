import { describe, expect, test } from '@jest/globals';
import { aggregate } from '../../../src/report/aggregate.js';
import { escapeXml, renderHtml } from '../../../src/report/html.js';
import { mdCell, renderMarkdown } from '../../../src/report/markdown.js';
import { reportSections } from '../../../src/report/sections.js';
import type { ScanResult } from '../../../src/result/types.js';
import { makeEndpoint } from '../grading/fixtures.js';
import {
  NOW,
  expiredSelfSigned,
  good,
  grade,
  mixedLegacy,
  noTls,
  notServing,
  result,
  s2sServer,
  selfSignedInChain,
  unknownIssuer,
  unreachable,
  withSoftware,
  SECTION_IDS,
} from './fixtures.js';
import { parseXml } from './xml.js';

const SECTION_TITLES = [
  'Tested domains',
  'Grades',
  'Grades ignoring trust',
  'Certificate problems',
  'Protocols',
  'Certificate keys',
  'Cipher suites',
  'Diffie-Hellman parameters',
  'Server-to-server',
  'Who can connect',
  'DANE',
  'Server software',
  'Domains',
];

const HOSTILE = '<script>alert("x")</script> | **bold** & `code` \n# heading';

function hostile(): ScanResult {
  const ep = makeEndpoint({ cert: { subject: `CN=${HOSTILE}`, issuer: HOSTILE, trusted: false, trustErrors: ['self_signed_in_chain'] } });
  ep.certificate!.chain = [
    ep.certificate!.chain[0] ?? { ...ep.certificate!.builtChain[0]! },
    { ...ep.certificate!.builtChain[0]!, subject: HOSTILE, issuer: HOSTILE },
  ];
  return withSoftware(result('evil.example', [ep], grade('T', 'A+')), { name: HOSTILE, version: '1<2', os: '"os"' });
}

const ALL = (): ScanResult[] => [
  good(),
  expiredSelfSigned(),
  selfSignedInChain('chain.example', 'CN=Evil Root'),
  unknownIssuer(),
  mixedLegacy(),
  noTls(),
  notServing(),
  unreachable(),
  s2sServer(),
  withSoftware(good('prosody.example'), { name: 'Prosody', version: '0.12.4', os: null }),
  hostile(),
];

describe('Markdown', () => {
  const md = renderMarkdown(aggregate(ALL(), { now: NOW, source: 'unit test' }));

  test('has every section, in order', () => {
    const headings = md
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3));
    expect(headings).toEqual(SECTION_TITLES);
    expect(md.startsWith('# State of TLS on XMPP\n')).toBe(true);
  });

  test('tables carry the counts with percentages', () => {
    expect(md).toContain('| not serving | 1 (10 %) | 0 (0 %) |');
    expect(md).toMatch(/\| expired \| 1 \(\d+ %\) \|/);
    expect(md).toContain('| CN=Evil Root | c2s | 1 |');
    expect(md).toContain('| Prosody 0.12.4 | c2s | 1 |');
  });

  test('server-controlled text cannot break a table or inject HTML', () => {
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
    for (const line of md.split('\n').filter((l) => l.includes('evil.example'))) {
      // Escaped pipes only: every row of the domain table has the same number of cells.
      expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(11);
    }
  });

  test('mdCell', () => {
    expect(mdCell('a|b\nc')).toBe('a\\|b c');
    expect(mdCell('<b>&')).toBe('&lt;b&gt;&amp;');
  });
});

describe('HTML', () => {
  const html = renderHtml(aggregate(ALL(), { now: NOW }));

  test('well-formed (XHTML-compatible), every section, charts as inline SVG', () => {
    const doc = parseXml(html);
    expect(doc.errors).toEqual([]);
    expect(doc.ids).toEqual(SECTION_IDS);
    expect(doc.elements.has('svg')).toBe(true);
    expect(doc.elements.has('rect')).toBe(true);
    for (const title of SECTION_TITLES) expect(doc.text).toContain(title);
  });

  test('self-contained: no script, no external resource', () => {
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html.match(/href="([^"]*)"/g)?.every((h) => h.startsWith('href="#'))).toBe(true);
  });

  test('escapes server-controlled text', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(parseXml(html).text).toContain(HOSTILE.replace(/\n/, '\n'));
  });

  test('escapeXml drops characters XML forbids', () => {
    expect(escapeXml('a\u0000b\u001b<')).toBe('ab&lt;');
  });

  test('an empty report still renders every section', () => {
    const empty = renderHtml(aggregate([], { now: NOW }));
    expect(parseXml(empty).errors).toEqual([]);
    expect(parseXml(empty).ids).toEqual(SECTION_IDS);
    expect(renderMarkdown(aggregate([], { now: NOW }))).toContain('## Domains');
  });
});

test('sections without s2s results say so', () => {
  const sections = reportSections(aggregate([good()], { now: NOW }));
  expect(sections.find((s) => s.id === 's2s')?.intro).toBe('No s2s results in this report.');
});
