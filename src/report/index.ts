// The survey report ("State of TLS on XMPP"): scan results → counts and per-domain rows
// (aggregate), rendered as Markdown, HTML or JSON, and compared with an earlier report.
// Everything but progress.ts is pure. docs/report.md documents the JSON shape and how domains count.
export { type AggregateOptions, aggregate, PROTOCOLS } from './aggregate.js';
export { compareReports, parseReport } from './compare.js';
export { escapeXml, renderDiffHtml, renderHtml } from './html.js';
export { renderDiffMarkdown, renderMarkdown } from './markdown.js';
export { createProgress, type Progress } from './progress.js';
export type * from './types.js';
export { resultsOfStore } from './store-results.js';
export { MergeError, type MergedReport, mergeReports, type ReplicaReport } from './merge.js';
