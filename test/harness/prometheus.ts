import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freeTcpPort, stopChild, waitForPort } from './processes.mjs';
import { needTool } from './tools.js';

// A real Prometheus on loopback scraping the given targets every second and evaluating rule files every
// second, with the instant-query API the tests need. The test owns `dir` (the config and the TSDB go there).

export const PROMETHEUS_PATH = '/usr/bin/prometheus';

export interface PrometheusOptions {
  dir: string;
  /** A name for the files and messages (several may run at once). */
  name: string;
  /** host:port of every target of the one job, `xmpp-tls-exporter` (as the alert rules expect). */
  targets: string[];
  ruleFiles?: string[];
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusInstance {
  url: string;
  /** An instant query's samples (a scalar as one sample without labels); throws on a query error. */
  instant(query: string): Promise<VectorSample[]>;
  /** Polls `probe` every 250 ms until it returns something, or throws with the last error and Prometheus' log. */
  until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T>;
  /** What Prometheus printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Polls `probe` every 250 ms until it returns something; at the deadline, throws with its last error and `context()`. */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${context()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A copy of a rule file with every `for:` set to 0s, for tests that check that an alert's condition
 * holds in a real Prometheus without waiting its minutes (promtool tests check the `for:` itself).
 */
export async function rulesWithoutFor(source: string, dest: string): Promise<string> {
  const doc = parse(await readFile(source, 'utf8')) as { groups: { rules: { for?: string }[] }[] };
  for (const group of doc.groups) for (const rule of group.rules) if (rule.for !== undefined) rule.for = '0s';
  await writeFile(dest, stringify(doc));
  return dest;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusInstance> {
  needTool(PROMETHEUS_PATH, 'prometheus');
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(opts.dir, `prometheus-${opts.name}.yml`);
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: opts.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'xmpp-tls-exporter', static_configs: [{ targets: opts.targets }] }],
    }),
  );
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_PATH,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dir, `prometheus-data-${opts.name}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const alive = () => child.exitCode === null && child.signalCode === null;

  const instant = async (query: string): Promise<VectorSample[]> => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? res.status}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
    return body.data.result as VectorSample[];
  };
  const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> =>
    pollUntil(what, timeoutMs, probe, () => `Prometheus ${opts.name}: ${log.slice(-1000)}`);
  const instance: PrometheusInstance = { url, instant, until, log: () => log, stop: () => stopChild(child, 5000) };
  try {
    await waitForPort(port, '127.0.0.1', 20_000, alive);
    await until('Prometheus ready', 20_000, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  } catch (err) {
    await instance.stop();
    throw new Error(`Prometheus ${opts.name} did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
  }
  return instance;
}
