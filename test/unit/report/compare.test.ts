import { describe, expect, test } from '@jest/globals';
import { parseDomainList } from '../../../src/cli/report-command.js';
import { aggregate } from '../../../src/report/aggregate.js';
import { compareReports, parseReport } from '../../../src/report/compare.js';
import { renderDiffHtml } from '../../../src/report/html.js';
import { renderDiffMarkdown } from '../../../src/report/markdown.js';
import type { SurveyReport } from '../../../src/report/types.js';
import { NOW, expiredSelfSigned, good, mixedLegacy, notServing, unreachable } from './fixtures.js';
import { parseXml } from './xml.js';

const LATER = new Date('2025-07-01T00:00:00.000Z');

/** A JSON round trip, as compare sees reports read from files. */
const viaJson = (r: SurveyReport): SurveyReport => parseReport(JSON.parse(JSON.stringify(r)), 'test');

describe('compareReports', () => {
  const before = viaJson(aggregate([good('a.example'), good('b.example'), mixedLegacy('c.example'), notServing('gone.example')], { now: NOW }));

  test('a changed grade, a newly unreachable domain, new and gone domains, totals', () => {
    const after = viaJson(
      aggregate([expiredSelfSigned('a.example'), { ...unreachable('b.example') }, mixedLegacy('c.example'), good('new.example')], { now: LATER }),
    );
    const diff = compareReports(before, after);
    const a = diff.domains.find((d) => d.domain === 'a.example')!;
    expect(a.kind).toBe('changed');
    expect(a.changes).toContainEqual({ field: 'grade', old: 'A+', new: 'T', direction: 'worse' });
    expect(a.changes).toContainEqual({ field: 'gradeIgnoringTrust', old: 'A+', new: 'B', direction: 'worse' });
    expect(a.changes).toContainEqual({ field: 'protocols', old: 'TLSv1.2 TLSv1.3', new: 'TLSv1.0 TLSv1.1 TLSv1.2', direction: null });
    expect(a.changes.find((c) => c.field === 'certificate')).toMatchObject({
      old: expect.stringContaining('expires 2026-01-01'),
      new: expect.stringContaining('expires 2025-05-01'),
    });
    const b = diff.domains.find((d) => d.domain === 'b.example')!;
    expect(b.changes).toContainEqual({ field: 'status', old: 'ok', new: 'unreachable', direction: 'worse' });
    expect(diff.domains.find((d) => d.domain === 'new.example')?.kind).toBe('added');
    expect(diff.domains.find((d) => d.domain === 'gone.example')?.kind).toBe('removed');
    expect(diff.unchanged).toBe(1); // c.example
    expect(diff.domains.slice(0, 2).map((d) => d.domain)).toEqual(['a.example', 'b.example']); // worse first
    expect(diff.totals).toContainEqual({ mode: 'c2s', path: 'grades.letters.A+', old: 2, new: 1 });
    expect(diff.totals).toContainEqual({ mode: 'c2s', path: 'certificates.problems.expired', old: 0, new: 1 });
    expect(diff.totals).toContainEqual({ mode: 'c2s', path: 'reachability.unreachable', old: 0, new: 1 });
    expect(diff.totals.find((t) => t.path === 'reachability.tested')).toBeUndefined(); // 4 and 4
  });

  test('identical reports: nothing changed', () => {
    const diff = compareReports(
      before,
      viaJson(aggregate([good('a.example'), good('b.example'), mixedLegacy('c.example'), notServing('gone.example')], { now: NOW })),
    );
    expect(diff.domains).toEqual([]);
    expect(diff.totals).toEqual([]);
    expect(diff.unchanged).toBe(4);
  });

  test('rendered as Markdown and HTML', () => {
    const after = viaJson(aggregate([expiredSelfSigned('a.example'), good('b.example'), mixedLegacy('c.example'), notServing('gone.example')], { now: LATER }));
    const diff = compareReports(before, after);
    const md = renderDiffMarkdown(diff);
    expect(md).toContain('| a.example | c2s | grade | A+ | T | worse |');
    expect(md).toContain('| c2s | grades.letters.T | 0 | 1 | +1 |');
    const html = renderDiffHtml(diff);
    expect(parseXml(html).errors).toEqual([]);
    expect(html).toContain('<td>a.example</td><td>c2s</td><td>grade</td><td>A+</td><td>T</td><td>worse</td>');
  });

  test('parseReport refuses what is not a report', () => {
    expect(() => parseReport([], 'x.json')).toThrow(/not a report/);
    expect(() => parseReport({ reportVersion: 2, modes: [], domains: [], generatedAt: '' }, 'x.json')).toThrow(/version 1/);
    expect(() => parseReport({ reportVersion: 1 }, 'x.json')).toThrow(/missing/);
  });
});

describe('parseDomainList', () => {
  const text = '# servers\nexample.org\n\njabber.example c2s  # c2s only\nexample.org\nbad..name s2s\n';

  test('one domain a line, comments, blank lines, modes, no repeats', () => {
    expect(parseDomainList(text, 'list.txt', ['c2s', 's2s'])).toEqual([
      { domain: 'example.org', mode: 'c2s' },
      { domain: 'example.org', mode: 's2s' },
      { domain: 'jabber.example', mode: 'c2s' },
      { domain: 'bad..name', mode: 's2s' },
    ]);
  });

  test('--mode narrows the list', () => {
    expect(parseDomainList(text, 'list.txt', ['s2s']).map((j) => j.domain)).toEqual(['example.org', 'bad..name']);
  });

  test('an unknown mode word is a usage error with the line', () => {
    expect(() => parseDomainList('a.example c3s\n', 'list.txt', ['c2s'])).toThrow('list.txt:1: "c3s" is not a mode');
  });
});
