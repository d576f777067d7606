import { spawnSync } from 'node:child_process';
import type { MetricsDetail } from '../../../src/metrics/families.js';
import { createMetricsRegistry, createProbeRegistry, createScanStartDelayHistogram } from '../../../src/metrics/registry.js';
import { brokenExample, exampleOrg, EXPORTER_STATS, multiExample, NOW, nxdomainExample, oddExample } from '../../unit/metrics/fixtures.js';
import { needTool } from '../../harness/tools.js';

// `promtool check metrics` (Debian package `prometheus`) lints the exposition: parse errors, duplicate series,
// missing HELP/TYPE, counter naming, units. It must find nothing at all in any exposition we serve, at either
// `metrics.detail`.

function promtool(exposition: string): { status: number | null; findings: string[] } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw r.error;
  const findings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return { status: r.status, findings: findings.sort() };
}

const entries = () => [brokenExample(), exampleOrg(), nxdomainExample(), oddExample(), multiExample()];

describe.each(['endpoint', 'domain'] as const)('promtool check metrics, metrics.detail: %s', (level: MetricsDetail) => {
  beforeAll(() => needTool('/usr/bin/promtool', 'prometheus'));
  const detail = () => level;

  test('/metrics with the Node.js process metrics and the start-delay histogram (as the daemon has them): clean', async () => {
    const registry = createMetricsRegistry({ entries, stats: () => EXPORTER_STATS, now: () => NOW, detail });
    createScanStartDelayHistogram(registry).observe(1.5);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('xmpp_tls_scan_start_delay_seconds_bucket{');
    expect(text).toContain('xmpp_tls_certificate_info{');
    expect(text.includes('address="2001:db8::21"')).toBe(level === 'endpoint');
    const r = promtool(text);
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  test('the exporter families alone: clean', async () => {
    const registry = createMetricsRegistry({ entries, stats: () => EXPORTER_STATS, now: () => NOW, defaultMetrics: false, detail });
    const r = promtool(await registry.metrics());
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  test('an empty store: clean (families without series are not linted)', async () => {
    const registry = createMetricsRegistry({ entries: () => [], stats: () => EXPORTER_STATS, defaultMetrics: false, detail });
    const r = promtool(await registry.metrics());
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('promtool check metrics', () => {
  beforeAll(() => needTool('/usr/bin/promtool', 'prometheus'));

  test('/probe: clean', async () => {
    const registry = createProbeRegistry([exampleOrg(), brokenExample(), multiExample()], { now: () => NOW, success: false, durationSeconds: 3.25 });
    const r = promtool(await registry.metrics());
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  test('promtool does report a broken exposition (the check is live)', () => {
    const r = promtool('# TYPE x gauge\nx{a="b} 1\n');
    expect(r.status).not.toBe(0);
    expect(r.findings.join('\n')).toMatch(/error/i);
  });
});
