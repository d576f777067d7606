import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { type TrustStore, loadTrustStore } from '../certificate/index.js';
import { ConfigError, buildTrustStore, loadClientCertificate, loadConfig, resolveTargets, toScanOptions } from '../config/index.js';
import { type ProfileName, gradeDomain, gradeEndpoint } from '../grading/index.js';
import {
  MergeError,
  type SurveyReport,
  aggregate,
  compareReports,
  createProgress,
  mergeReports,
  parseReport,
  renderDiffHtml,
  renderDiffMarkdown,
  renderHtml,
  renderMarkdown,
  resultsOfStore,
} from '../report/index.js';
import type { Mode, ScanResult } from '../result/types.js';
import { type ScanOptions, mapLimit, scanDomain } from '../scan/index.js';
import { autoSlots, INITIAL_SCAN_SECONDS } from '../scheduler/index.js';
import { ResultStore, readStateFile, scanSucceeded } from '../store/index.js';
import { readReplicaReports, replicaSource, replicaSourcesOfName } from './replica-reports.js';
import { databaseFile, openDatabase, sinceOption } from './results-database.js';
import {
  type ScannerFlags,
  UsageError,
  checkClientCertificateFlags,
  clientCertificateFromFlags,
  scanOptionOverrides,
  scanOptionsFromFlags,
} from './scanner-options.js';
import { trustStoreFromFlags } from './trust-flags.js';

// `xmpp-tls-exporter report`: scan a list of domains (or the daemon's configured targets, or read
// the daemon's results database or the state file of earlier versions) and write the survey
// report; or compare with an earlier JSON report, or with the database's results of an earlier
// date (--since). The work is in src/report/ (pure); this file gathers the results and writes the
// output.

type Format = 'md' | 'html' | 'json';

/** Options as commander hands them over (see report-definition.ts for the flags). */
interface ReportFlags extends ScannerFlags {
  domains?: string;
  config?: string;
  state?: string;
  store?: string;
  since?: string;
  mode: Mode | 'both';
  concurrency: number;
  format: Format;
  output?: string;
  saveJson?: string;
  compare?: string;
  against?: string;
  fromReplicas?: string[];
  fromDns?: string;
  progress: boolean;
}

interface ScanJob {
  domain: string;
  mode: Mode;
  options: ScanOptions;
}

/** `given(name)`: the option was on the command line (not a default), so it overrides the configuration. */
export async function reportCommand(raw: Record<string, unknown>, given: (name: string) => boolean = () => false): Promise<number> {
  const flags = raw as unknown as ReportFlags;
  let oldReport: SurveyReport | null;
  let newReport: SurveyReport;
  let interrupted: Gathered['interrupted'];
  try {
    checkInputs(flags);
    oldReport = flags.compare ? await readReport(flags.compare) : null;
    if (flags.against) {
      newReport = await readReport(flags.against);
    } else if (flags.fromReplicas || flags.fromDns) {
      newReport = await fleetReport(flags, given);
      if (flags.saveJson) await writeOut(flags.saveJson, `${JSON.stringify(newReport, null, 2)}\n`);
    } else if (flags.since !== undefined) {
      ({ oldReport, newReport } = await sinceReports(flags, given));
      if (flags.saveJson) await writeOut(flags.saveJson, `${JSON.stringify(newReport, null, 2)}\n`);
    } else {
      const { results, source, profile, interrupted: stopped } = await gatherResults(flags, given);
      interrupted = stopped;
      newReport = aggregate(results, { source, ...(profile ? { profile } : {}) });
      if (flags.saveJson) await writeOut(flags.saveJson, `${JSON.stringify(newReport, null, 2)}\n`);
    }
    const text = oldReport ? renderDiff(oldReport, newReport, flags.format) : renderReport(newReport, flags.format);
    if (flags.output) await writeOut(flags.output, text);
    else process.stdout.write(text);
    if (!interrupted) return 0;
    process.stderr.write(`xmpp-tls-exporter report: interrupted; the report covers the ${interrupted.done} of ${interrupted.total} scans that had finished\n`);
    return EXIT_INTERRUPTED;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`xmpp-tls-exporter report: ${err.message}\n`);
      return 2;
    }
    if (err instanceof MergeError) {
      process.stderr.write(`xmpp-tls-exporter report: ${err.message}\n`);
      return EXIT_MERGE_FAILED;
    }
    throw err;
  }
}

function checkInputs(flags: ReportFlags): void {
  const inputs = [
    flags.domains && '--domains',
    flags.config && '--config',
    flags.state && '--state',
    flags.store && '--store',
    flags.fromReplicas && '--from-replicas',
    flags.fromDns && '--from-dns',
  ].filter(Boolean);
  if (flags.since !== undefined && flags.compare) throw new UsageError('--since and --compare both say what to compare with: give one of them');
  if (flags.against) {
    if (!flags.compare) throw new UsageError('--against goes with --compare OLD.json');
    if (inputs.length > 0) throw new UsageError(`--against compares two reports without scanning: leave out ${inputs.join(', ')}`);
    return;
  }
  if (flags.since !== undefined) {
    if (flags.fromReplicas || flags.fromDns) throw new UsageError('--since reads one results database: with replicas, run it against each one (--store FILE)');
    if (!flags.store && !flags.config)
      throw new UsageError('--since compares with the results database: give --store FILE, or --config FILE to use its store.path');
    if (flags.domains || flags.state) throw new UsageError('--since reads the results database: give --store FILE or --config FILE, not --domains or --state');
  }
  if (inputs.length !== 1)
    throw new UsageError(
      'give exactly one of --domains FILE, --config FILE, --state FILE, --store FILE, --from-replicas URL… or --from-dns NAME (or --compare OLD.json --against NEW.json)',
    );
  checkClientCertificateFlags(flags);
}

export function renderReport(report: SurveyReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'html' ? renderHtml(report) : renderMarkdown(report);
}

function renderDiff(oldReport: SurveyReport, newReport: SurveyReport, format: Format): string {
  const diff = compareReports(oldReport, newReport);
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  return format === 'html' ? renderDiffHtml(diff) : renderDiffMarkdown(diff);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

async function readReport(file: string): Promise<SurveyReport> {
  const text = await readText(file, 'report');
  try {
    return parseReport(JSON.parse(text), file);
  } catch (err) {
    throw new UsageError(err instanceof SyntaxError ? `${file}: not JSON: ${err.message}` : (err as Error).message);
  }
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function modesWanted(flags: ReportFlags): Mode[] {
  return flags.mode === 'both' ? ['c2s', 's2s'] : [flags.mode];
}

// --- where the results come from --------------------------------------------------------------

interface Gathered {
  results: ScanResult[];
  source: string;
  /** The profile to show when it is not simply the results' own. */
  profile?: ProfileName;
  /** Scanning was stopped by SIGINT/SIGTERM: the results are the scans finished by then. */
  interrupted?: { done: number; total: number };
}

/** Exit code after an interrupted survey whose partial report was written (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;
/** Exit code when the replicas' reports are not one complete fleet (or one could not be read). */
const EXIT_MERGE_FAILED = 1;

/** --from-replicas / --from-dns: the replicas' /report.json merged into one; the modes asked for. */
async function fleetReport(flags: ReportFlags, given: (name: string) => boolean): Promise<SurveyReport> {
  if (given('profile')) throw new UsageError('--profile regrades scan results: the replicas send reports, graded with their own profile');
  const sources = flags.fromDns ? await replicaSourcesOfName(flags.fromDns) : flags.fromReplicas!.map(replicaSource);
  if (sources.length === 0) throw new MergeError(`--from-dns ${flags.fromDns}: no addresses`);
  const what = flags.fromDns ? `--from-dns ${flags.fromDns}` : 'the replicas';
  const { report, warnings } = mergeReports(await readReplicaReports(sources), `${sources.length} replica${sources.length === 1 ? '' : 's'} of ${what}`);
  for (const w of warnings) process.stderr.write(`xmpp-tls-exporter report: ${w}\n`);
  const modes = modesWanted(flags);
  return { ...report, modes: report.modes.filter((m) => modes.includes(m.mode)), domains: report.domains.filter((d) => modes.includes(d.mode)) };
}

async function gatherResults(flags: ReportFlags, given: (name: string) => boolean): Promise<Gathered> {
  if (flags.state) return fromState(flags, given);
  if (flags.store) return fromDatabase(flags, given);
  const { jobs, concurrency, source } = flags.config ? await configJobs(flags.config, flags, given) : await domainJobs(flags.domains!, flags);
  const progress = createProgress({ total: jobs.length, enabled: flags.progress });
  // Ctrl-C (or SIGTERM) stops scanning but keeps what was collected: the report of the finished
  // scans is still written. Scans in flight are aborted and left out (they would read as failures).
  // A second Ctrl-C kills the process as usual (the handlers fire once).
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const finished = await mapLimit(jobs, concurrency, async (job): Promise<ScanResult | null> => {
      if (stop.signal.aborted) return null;
      const r = await scanDomain(job.domain, { ...job.options, signal: stop.signal });
      if (stop.signal.aborted) return null;
      progress.tick(!scanSucceeded(r), `${job.domain} ${job.mode}`);
      return r;
    });
    const results = finished.filter((r): r is ScanResult => r !== null);
    if (!stop.signal.aborted) return { results, source };
    const interrupted = { done: results.length, total: jobs.length };
    return { results, source: `${source}, interrupted after ${interrupted.done} of ${interrupted.total} scans`, interrupted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
}

/** The stored results, each target's latest scan; regraded when --profile is given. */
async function fromState(flags: ReportFlags, given: (name: string) => boolean): Promise<Gathered> {
  const file = flags.state!;
  if (!existsSync(file)) throw new UsageError(`cannot read the state file ${file}: no such file`);
  let store: ResultStore;
  try {
    store = ResultStore.of((await readStateFile(file)) ?? []);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return stored(resultsOfStore(store.all()), `state file ${file}`, flags, given);
}

/** Stored results of the modes asked for; regraded when --profile is given. */
function stored(all: ScanResult[], source: string, flags: ReportFlags, given: (name: string) => boolean): Gathered {
  const modes = modesWanted(flags);
  let results = all.filter((r) => modes.includes(r.mode));
  if (given('profile')) results = results.map((r) => regrade(r, flags.profile));
  return { results, source, ...(given('profile') ? { profile: flags.profile } : {}) };
}

/** --store: each target's latest scan in the results database (read-only: the daemon may be running). */
async function fromDatabase(flags: ReportFlags, given: (name: string) => boolean): Promise<Gathered> {
  const file = (await databaseFile(flags))!;
  const db = openDatabase(file);
  try {
    return stored(resultsOfStore(db.loadAll()), `database ${file}`, flags, given);
  } finally {
    db.close();
  }
}

/**
 * --since: the database's latest results against what it knew at that date (each target in the
 * state it was in then), both aggregated as a report so that --compare's machinery applies. The
 * old report is generated "at" that date, so its expiry counts are those of that day.
 */
async function sinceReports(flags: ReportFlags, given: (name: string) => boolean): Promise<{ oldReport: SurveyReport; newReport: SurveyReport }> {
  const since = sinceOption(flags.since!);
  const file = (await databaseFile(flags))!;
  const db = openDatabase(file);
  let now: Gathered;
  let then: Gathered;
  try {
    now = stored(resultsOfStore(db.loadAll()), `database ${file}`, flags, given);
    then = stored(db.stateAt(since), `database ${file} as of ${since.toISOString()}`, flags, given);
  } finally {
    db.close();
  }
  if (then.results.length === 0) {
    process.stderr.write(`xmpp-tls-exporter report: the database has no results from before ${since.toISOString()}: every target counts as new\n`);
  }
  const report = (g: Gathered, at?: Date) =>
    aggregate(g.results, { source: g.source, ...(g.profile ? { profile: g.profile } : {}), ...(at ? { now: at } : {}) });
  return { oldReport: report(then, since), newReport: report(now) };
}

function regrade(r: ScanResult, profile: ProfileName): ScanResult {
  if (r.error) return r;
  const endpoints = r.endpoints.map((ep) => ({ ...ep, grade: gradeEndpoint(ep, profile) }));
  return { ...r, endpoints, grade: gradeDomain(endpoints.map((ep) => ep.grade)) };
}

const MODE_WORDS = new Set(['c2s', 's2s']);

/**
 * The --domains file: "DOMAIN [MODE…]" a line, '#' comments, blank lines ignored. Domains are not
 * validated here: a bad name is scanned like any other and shows up as `invalid_domain`.
 */
export function parseDomainList(text: string, name: string, modes: readonly Mode[]): { domain: string; mode: Mode }[] {
  const out: { domain: string; mode: Mode }[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const [domain, ...words] = rawLine
      .replace(/#.*/, '')
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean);
    if (!domain) return;
    const bad = words.find((w) => !MODE_WORDS.has(w));
    if (bad !== undefined) throw new UsageError(`${name}:${i + 1}: ${JSON.stringify(bad)} is not a mode (c2s or s2s)`);
    const lineModes = words.length > 0 ? (words as Mode[]) : modes;
    for (const mode of lineModes) {
      if (!modes.includes(mode) || seen.has(`${mode}:${domain.toLowerCase()}`)) continue;
      seen.add(`${mode}:${domain.toLowerCase()}`);
      out.push({ domain, mode });
    }
  });
  return out;
}

function trustStoreOf(load: () => TrustStore): TrustStore {
  try {
    return load();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function domainJobs(file: string, flags: ReportFlags): Promise<{ jobs: ScanJob[]; concurrency: number; source: string }> {
  const list = parseDomainList(await readText(file, 'domain list'), file, modesWanted(flags));
  const trustStore = trustStoreFromFlags(flags);
  const base = scanOptionsFromFlags(flags, { trustStore, clientCertificate: clientCertificateFromFlags(flags) });
  return {
    jobs: list.map(({ domain, mode }) => ({ domain, mode, options: { ...base, mode } })),
    concurrency: flags.concurrency,
    source: `domains file ${file}`,
  };
}

/** The configuration's targets and scanner settings; options given on the command line win. */
async function configJobs(
  file: string,
  flags: ReportFlags,
  given: (name: string) => boolean,
): Promise<{ jobs: ScanJob[]; concurrency: number; source: string }> {
  const config = await loadConfig(file);
  const resolved = await resolveTargets(config);
  for (const e of resolved.errors) process.stderr.write(`xmpp-tls-exporter report: ${e}\n`);
  const trustStore = trustStoreOf(() =>
    given('caFile') || given('systemRoots')
      ? loadTrustStore({
          caFiles: [...config.scanner.caFiles, ...flags.caFile],
          systemRoots: given('systemRoots') ? flags.systemRoots : config.scanner.systemRoots,
        })
      : buildTrustStore(config),
  );
  let clientCertificate = clientCertificateFromFlags(flags);
  if (!clientCertificate) {
    try {
      clientCertificate = loadClientCertificate(config);
    } catch (err) {
      throw new UsageError(`${file}: scanner.clientCertificate: ${(err as Error).message}`);
    }
  }
  const overrides = scanOptionOverrides(flags, given);
  const modes = modesWanted(flags);
  const jobs = resolved.targets.flatMap((target) =>
    target.modes
      .filter((m) => modes.includes(m))
      .map((mode) => ({
        domain: target.domain,
        mode,
        options: { ...toScanOptions(config, target, mode, { trustStore, ...(clientCertificate ? { clientCertificate } : {}) }), ...overrides },
      })),
  );
  // `auto` as the daemon sizes its first round: every job started within 5 minutes at the initial scan-time guess.
  const configured = config.concurrency.domains;
  const concurrency = configured === 'auto' ? autoSlots({ targets: jobs.length, meanScanSeconds: INITIAL_SCAN_SECONDS, jitterSeconds: 0 }) : configured;
  return { jobs, concurrency: given('concurrency') ? flags.concurrency : concurrency, source: `configuration ${file}` };
}
