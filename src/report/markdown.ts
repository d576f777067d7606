import { type Section, type Table, modeCounts, reportSections } from './sections.js';
import { DIFF_TITLE, diffTables } from './diff-tables.js';
import type { ReportDiff, SurveyReport } from './types.js';

// The report as GitHub-flavoured Markdown: one heading per section, one table each (charts are
// for the HTML report). Cells are escaped so that server-controlled text (certificate subjects,
// software names) can neither break a table nor inject HTML.

/** Escapes text for a Markdown table cell: no line breaks, no pipes, no inline markup or HTML. */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\|*_`[\]#~])/g, '\\$1');
}

export function mdTable(t: Table): string {
  const align = t.head.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(t.head), `|${align.join('|')}|`, ...t.rows.map(line)].join('\n');
}

function mdSection(s: Section): string {
  const parts = [`## ${s.title}`, s.intro];
  for (const t of s.tables) if (t.rows.length > 0) parts.push(mdTable(t));
  return parts.join('\n\n');
}

export function renderMarkdown(report: SurveyReport): string {
  const head = [
    '# State of TLS on XMPP',
    `Generated ${report.generatedAt} by ${mdCell(report.scanner.name)} ${mdCell(report.scanner.version)}` +
      `${report.source ? ` from ${mdCell(report.source)}` : ''}; grading profile ${mdCell(report.profile ?? 'none')}; ${modeCounts(report)} domain(s).`,
  ];
  return `${[...head, ...reportSections(report).map(mdSection)].join('\n\n')}\n`;
}

export function renderDiffMarkdown(diff: ReportDiff): string {
  const parts = [
    `# ${DIFF_TITLE}`,
    `From ${diff.old.generatedAt}${diff.old.source ? ` (${mdCell(diff.old.source)})` : ''} to ${diff.new.generatedAt}${diff.new.source ? ` (${mdCell(diff.new.source)})` : ''}.`,
  ];
  for (const { title, intro, table } of diffTables(diff)) {
    parts.push(`## ${title}`, intro);
    if (table.rows.length > 0) parts.push(mdTable(table));
  }
  return `${parts.join('\n\n')}\n`;
}
