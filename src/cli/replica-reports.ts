import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { describeFetchError } from '../config/index.js';
import { MergeError, type ReplicaReport, parseReport } from '../report/index.js';
import { UsageError } from './scanner-options.js';

// `report --from-replicas URL|FILE …` and `report --from-dns NAME[:PORT]`: the /report.json of each replica
// of a sharded fleet, for src/report/merge.ts to merge. With --from-dns every address of a name (a
// Kubernetes headless Service has one per ready pod) is a replica.

/** The exporter's default port (listen: ':9522'), for --from-dns without one. */
const DEFAULT_PORT = '9522';
/** One replica's report: a 10,000-domain fleet's is a few MB. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 60_000;

/** Where one replica's report is read: a URL (its base or its /report.json) or a file written earlier. */
export interface ReplicaSource {
  /** For messages: the URL without credentials, or the file name. */
  name: string;
  url?: URL;
  file?: string;
}

/** `http://host:9522`, `https://user:pass@host/prefix/`, `…/report.json` or a file name. */
export function replicaSource(text: string): ReplicaSource {
  if (!/^https?:\/\//i.test(text)) return { name: text, file: text };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--from-replicas ${text}: not a URL`);
  }
  if (!url.pathname.endsWith('/report.json')) url = new URL('report.json', url.href.endsWith('/') ? url.href : `${url.href}/`);
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return { name: shown.href, url };
}

/** --from-dns `[http(s)://][user:pass@]NAME[:PORT][/prefix]`: one source per address NAME has. */
export async function replicaSourcesOfName(text: string): Promise<ReplicaSource[]> {
  let base: URL;
  try {
    base = new URL(/^https?:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new UsageError(`--from-dns ${text}: expected NAME[:PORT], e.g. xmpp-tls-exporter.monitoring.svc:9522`);
  }
  const name = base.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(name, { all: true });
  } catch (err) {
    throw new MergeError(`--from-dns ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const unique = [...new Map(addresses.map((a) => [a.address, a])).values()];
  return unique.map(({ address, family }) => {
    const url = new URL(base.href);
    url.hostname = family === 6 ? `[${address}]` : address;
    if (!url.port) url.port = DEFAULT_PORT;
    return replicaSource(url.href);
  });
}

/** Every source's report, fetched at once; the first failure names its replica and cancels the other fetches. */
export async function readReplicaReports(sources: readonly ReplicaSource[]): Promise<ReplicaReport[]> {
  const failed = new AbortController();
  return Promise.all(
    sources.map(async (s) => {
      try {
        return { from: s.name, report: parseReport(await readJson(s, failed.signal), s.name) };
      } catch (err) {
        failed.abort();
        throw err instanceof MergeError || err instanceof UsageError ? err : new MergeError((err as Error).message);
      }
    }),
  );
}

async function readJson(source: ReplicaSource, cancel: AbortSignal): Promise<unknown> {
  let text: string;
  if (source.file) {
    try {
      text = await readFile(source.file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the report ${source.file}: ${(err as Error).message}`);
    }
  } else {
    text = await fetchText(source, cancel);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MergeError(`${source.name}: not JSON: ${(err as Error).message}`);
  }
}

async function fetchText(source: ReplicaSource, cancel: AbortSignal): Promise<string> {
  const url = new URL(source.url!.href);
  // fetch() refuses URLs with credentials: they go in the header.
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const { fetch } = await import('undici');
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(FETCH_TIMEOUT_MS), cancel]);
    const res = await fetch(url, { headers, signal, redirect: 'follow' });
    if (!res.ok) throw new MergeError(`${source.name}: HTTP ${res.status} ${res.statusText}`.trim());
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) throw new MergeError(`${source.name}: the report is larger than ${MAX_REPORT_BYTES} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof MergeError) throw err;
    throw new MergeError(`${source.name}: ${describeFetchError(err, FETCH_TIMEOUT_MS)}`);
  }
}
