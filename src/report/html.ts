import { LETTERS } from '../grading/index.js';
import { DIFF_TITLE, diffTables } from './diff-tables.js';
import { type Chart, type Section, type Table, modeCounts, reportSections } from './sections.js';
import type { ReportDiff, SurveyReport } from './types.js';

// The report as one self-contained HTML file: inline CSS, bar charts as inline SVG, no script, no
// external resource, so it reads offline and passes the daemon's Content-Security-Policy. The
// markup is also well-formed XML (every element closed, only the five XML entities), so it can be
// checked with an XML parser. Every piece of text goes through escapeXml: certificate subjects,
// curve and software names come from the scanned servers.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values (HTML and XML alike). */
export function escapeXml(value: unknown): string {
  // Control characters are not allowed in XML at all: drop them rather than emit a broken document.
  // Kept: tab, LF, CR and U+0020–U+FFFD (surrogates included, so characters beyond the BMP stay).
  return String(value)
    .replace(/[^\t\n\r\u0020-\uFFFD]/g, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

// Colours per letter from a fixed table: a letter read from a report file never reaches the markup unescaped.
const LETTER_COLOURS: Readonly<Record<string, string>> = {
  'A+': '#1a7f37',
  A: '#2da44e',
  'A-': '#4ac26b',
  B: '#9a6700',
  C: '#bf8700',
  D: '#d4a72c',
  E: '#e16f24',
  F: '#cf222e',
  M: '#8250df',
  T: '#6e40c9',
};
const BAR_COLOUR = '#0969da';

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 1em 2em 3em; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; margin-top: 2em; }
.meta, .intro { color: #57606a; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.grade { font-weight: bold; color: #fff; text-align: center; }
.charts { display: flex; flex-wrap: wrap; gap: 1em 2em; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg.chart text.title { font-weight: bold; }
`;

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A horizontal bar chart; one scale for all bars (the largest base), so lengths compare counts; labels give the shares. */
export function svgChart(c: Chart): string {
  const width = 600;
  const labelWidth = 230;
  const barWidth = 250;
  const row = 20;
  const top = 26;
  const height = top + c.bars.length * row + 6;
  const scale = Math.max(1, ...c.bars.map((b) => Math.max(b.of, b.value)));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(c.title)}">`,
    `<title>${escapeXml(c.title)}</title>`,
    `<text class="title" x="0" y="16">${escapeXml(c.title)}</text>`,
  ];
  c.bars.forEach((b, i) => {
    const y = top + i * row;
    const w = Math.round((Math.min(b.value, scale) / scale) * barWidth);
    const pct = b.of > 0 ? ` (${Math.round((b.value / b.of) * 100)} %)` : '';
    const colour = LETTER_COLOURS[b.label] ?? BAR_COLOUR;
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${escapeXml(truncate(b.label, 34))}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${barWidth}" height="${row - 6}" fill="#eaeef2"/>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}" fill="${colour}"/>`,
      `<text x="${labelWidth + barWidth + 6}" y="${y + 14}">${escapeXml(`${b.value}${pct}`)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function gradeCell(text: string): string {
  const letter = text.split(' ')[0] ?? '';
  const colour = (LETTERS as readonly string[]).includes(letter) ? LETTER_COLOURS[letter] : undefined;
  return colour ? `<td class="grade" style="background: ${colour}">${escapeXml(text)}</td>` : `<td>${escapeXml(text)}</td>`;
}

export function htmlTable(t: Table): string {
  const head = `<thead><tr>${t.head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>`;
  const rows = t.rows.map(
    (r) =>
      `<tr>${r
        .map((cell, i) =>
          t.gradeColumns?.includes(i) ? gradeCell(cell) : t.numeric.includes(i) ? `<td class="num">${escapeXml(cell)}</td>` : `<td>${escapeXml(cell)}</td>`,
        )
        .join('')}</tr>`,
  );
  return `<table>${head}<tbody>${rows.join('\n')}</tbody></table>`;
}

function htmlSection(s: Section): string {
  const parts = [`<section id="${escapeXml(s.id)}">`, `<h2>${escapeXml(s.title)}</h2>`, `<p class="intro">${escapeXml(s.intro)}</p>`];
  const charts = s.charts.filter((c) => c.bars.length > 0);
  if (charts.length > 0) parts.push(`<div class="charts">${charts.map(svgChart).join('\n')}</div>`);
  for (const t of s.tables) if (t.rows.length > 0) parts.push(htmlTable(t));
  parts.push('</section>');
  return parts.join('\n');
}

function page(title: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    ...body,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

export function renderHtml(report: SurveyReport): string {
  const sections = reportSections(report);
  const meta =
    `Generated ${report.generatedAt} by ${report.scanner.name} ${report.scanner.version}` +
    `${report.source ? ` from ${report.source}` : ''}; grading profile ${report.profile ?? 'none'}; ${modeCounts(report)} domain(s).`;
  return page('State of TLS on XMPP', [
    '<h1>State of TLS on XMPP</h1>',
    `<p class="meta">${escapeXml(meta)}</p>`,
    `<nav><ul>${sections.map((s) => `<li><a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a></li>`).join('')}</ul></nav>`,
    ...sections.map(htmlSection),
  ]);
}

export function renderDiffHtml(diff: ReportDiff): string {
  const meta = `From ${diff.old.generatedAt}${diff.old.source ? ` (${diff.old.source})` : ''} to ${diff.new.generatedAt}${diff.new.source ? ` (${diff.new.source})` : ''}.`;
  const body = [`<h1>${escapeXml(DIFF_TITLE)}</h1>`, `<p class="meta">${escapeXml(meta)}</p>`];
  for (const { title, intro, table } of diffTables(diff)) {
    body.push(`<section><h2>${escapeXml(title)}</h2>`, `<p class="intro">${escapeXml(intro)}</p>`);
    if (table.rows.length > 0) body.push(htmlTable(table));
    body.push('</section>');
  }
  return page(DIFF_TITLE, body);
}
