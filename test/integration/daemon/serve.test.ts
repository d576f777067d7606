import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { Daemon } from '../../../src/daemon/daemon.js';
import { daemonConfigYaml, targetsAt } from '../../harness/daemon-config.js';
import { type TestWorld, startWorld } from '../scan/fixtures.js';
import { needTool } from '../../harness/tools.js';

// The daemon end to end: a config with real Prosody targets, scans landing in /metrics, the
// state file serving results after a restart, reload semantics, /probe and the API.

let world: TestWorld;
let daemon: Daemon | null = null;
const logger = pino({ level: 'silent' });

function configText(domains: string[], extra = ''): string {
  return daemonConfigYaml({
    caFile: world.caFile,
    storePath: join(world.dir, 'results.db'),
    targets: targetsAt(`127.0.0.1:${world.prosody.ports.c2s}`, ['c2s'], domains),
    extra,
  });
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${daemon!.url}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Scrapes /metrics until `done(body)` holds (the first scans run in the background). */
async function scrapeUntil(done: (body: string) => boolean): Promise<string> {
  for (;;) {
    const { body } = await get('/metrics');
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sample = (body: string, name: string, labels: string) =>
  body.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((kv) => l.includes(kv)));

let configFile: string;

beforeAll(async () => {
  world = await startWorld();
  configFile = join(world.dir, 'config.yaml');
  await writeFile(configFile, configText(['trusted.test', 'soon.test', 'selfsigned.test']));
  daemon = await Daemon.start({ configFile, logger });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await world?.stop();
});

describe('serve', () => {
  test('first scans land in /metrics with grade, expiry and protocols', async () => {
    const body = await scrapeUntil((b) => ['trusted.test', 'soon.test', 'selfsigned.test'].every((d) => b.includes(`xmpp_tls_scan_success{domain="${d}"`)));
    expect(sample(body, 'xmpp_tls_scan_success', 'domain="trusted.test"')).toMatch(/ 1$/);
    expect(sample(body, 'xmpp_tls_grade_info', 'domain="trusted.test",grade="A+"')).toBeDefined();
    expect(sample(body, 'xmpp_tls_grade_info', 'domain="selfsigned.test",grade="T"')).toBeDefined();
    expect(sample(body, 'xmpp_tls_protocol_supported', 'domain="trusted.test",protocol="TLSv1.3"')).toMatch(/ 1$/);
    expect(sample(body, 'xmpp_tls_protocol_supported', 'domain="trusted.test",protocol="SSLv3"')).toMatch(/ 0$/);
    const days = Number(sample(body, 'xmpp_tls_certificate_expiry_seconds', 'domain="soon.test"')?.split(' ').pop()) / 86400;
    expect(days).toBeGreaterThan(9);
    expect(days).toBeLessThanOrEqual(10);
    expect(body).toContain('xmpp_tls_exporter_build_info{');
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  test('promtool check metrics finds nothing to complain about', async () => {
    needTool('/usr/bin/promtool', 'prometheus');
    const { body } = await get('/metrics');
    const child = promisify(execFile)('/usr/bin/promtool', ['check', 'metrics']);
    child.child.stdin?.end(body);
    const { stdout, stderr } = await child;
    expect(stdout + stderr).toBe('');
  });

  test('API, status page, health', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    const api = JSON.parse((await get('/api/v1/results/trusted.test')).body) as { domain: string }[];
    expect(api.map((e) => e.domain)).toEqual(['trusted.test']);
    expect((await get('/')).body).toContain('trusted.test');
  });

  test('/probe of a configured target serves its metrics only; other targets are refused', async () => {
    const probe = await get('/probe?target=trusted.test&mode=c2s');
    expect(probe.status).toBe(200);
    expect(probe.body).toMatch(/probe_success 1/);
    expect(probe.body).toContain('domain="trusted.test"');
    expect(probe.body).not.toContain('domain="soon.test"');
    expect((await get('/probe?target=elsewhere.test&mode=c2s')).status).toBe(403);
  });

  test('a bad config on reload keeps the old one and says so', async () => {
    await writeFile(configFile, 'targets: [ {domain: "x.test", modes: [c5s]} ]\n');
    expect(await daemon!.reload()).toBe(false);
    const body = (await get('/metrics')).body;
    expect(body).toMatch(/xmpp_tls_exporter_config_last_reload_successful 0/);
    expect(body).toContain('domain="trusted.test"');
  });

  test('a target removed from the config disappears from /metrics', async () => {
    await writeFile(configFile, configText(['trusted.test', 'soon.test']));
    expect(await daemon!.reload()).toBe(true);
    const body = (await get('/metrics')).body;
    expect(body).toMatch(/xmpp_tls_exporter_config_last_reload_successful 1/);
    expect(body).not.toContain('domain="selfsigned.test"');
    expect(body).toContain('domain="soon.test"');
  });

  test('a reload applies metrics.detail at once: one set of series per target, /probe still every endpoint', async () => {
    const endpointLabels = 'transport="starttls",address="127.0.0.1"';
    expect(sample((await get('/metrics')).body, 'xmpp_tls_grade', 'domain="trusted.test"')).toContain(endpointLabels);
    await writeFile(configFile, configText(['trusted.test', 'soon.test'], 'metrics:\n  detail: domain\n'));
    expect(await daemon!.reload()).toBe(true);
    const body = (await get('/metrics')).body;
    expect(sample(body, 'xmpp_tls_grade', 'domain="trusted.test"')).toBe('xmpp_tls_grade{domain="trusted.test",mode="c2s"} 9');
    expect(body).not.toContain('address="');
    expect(body).not.toContain('xmpp_tls_certificate_not_before_timestamp_seconds');
    expect(body).toMatch(/^# HELP xmpp_tls_grade .*Per target \(metrics\.detail: domain\)/m);
    expect((await get('/probe?target=trusted.test&mode=c2s')).body).toContain(endpointLabels);
    // Back to the default (auto: two targets are far below 1,000): every endpoint again.
    await writeFile(configFile, configText(['trusted.test', 'soon.test']));
    expect(await daemon!.reload()).toBe(true);
    expect(sample((await get('/metrics')).body, 'xmpp_tls_grade', 'domain="trusted.test"')).toContain(endpointLabels);
  });

  test('after a restart the stored results are served before any rescan', async () => {
    await daemon!.stop();
    // Prosody is gone for the restarted daemon: whatever /metrics shows comes from the state file.
    await world.prosody.stop();
    daemon = await Daemon.start({ configFile, logger });
    const body = (await get('/metrics')).body;
    expect(sample(body, 'xmpp_tls_grade_info', 'domain="trusted.test",grade="A+"')).toBeDefined();
  });
});
