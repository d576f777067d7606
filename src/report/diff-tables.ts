import type { Table } from './sections.js';
import type { ReportDiff, RowField } from './types.js';

// A report comparison as format-neutral tables, rendered by markdown.ts and html.ts.

export const DIFF_TITLE = 'State of TLS on XMPP: changes';

export const FIELD_LABELS: Readonly<Record<RowField, string>> = {
  status: 'status',
  grade: 'grade',
  gradeIgnoringTrust: 'grade ignoring trust',
  protocols: 'protocols',
  certificate: 'certificate',
  software: 'software',
};

export interface DiffTable {
  title: string;
  intro: string;
  table: Table;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export function diffTables(diff: ReportDiff): DiffTable[] {
  const changed = diff.domains.filter((d) => d.kind === 'changed').length;
  const added = diff.domains.filter((d) => d.kind === 'added').length;
  const removed = diff.domains.filter((d) => d.kind === 'removed').length;
  return [
    {
      title: 'Domains',
      intro:
        `${changed} changed, ${added} new, ${removed} gone, ${diff.unchanged} unchanged. One row per change, worse changes first; ` +
        'a new certificate fingerprint means the certificate was renewed or replaced.',
      table: {
        head: ['domain', 'mode', 'what', 'old', 'new', 'change'],
        rows: diff.domains.flatMap((d) =>
          d.changes.map((c) => [
            d.domain,
            d.mode,
            FIELD_LABELS[c.field],
            c.old ?? '—',
            c.new ?? '—',
            d.kind !== 'changed' ? (d.kind === 'added' ? 'new domain' : 'domain gone') : (c.direction ?? ''),
          ]),
        ),
        numeric: [],
      },
    },
    {
      title: 'Totals',
      intro: diff.totals.length > 0 ? 'Every count that moved (paths as in the JSON report).' : 'No count changed.',
      table: {
        head: ['mode', 'count', 'old', 'new', 'difference'],
        rows: diff.totals.map((t) => [t.mode, t.path, String(t.old), String(t.new), signed(t.new - t.old)]),
        numeric: [2, 3, 4],
      },
    },
  ];
}
