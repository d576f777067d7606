import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { needTool } from '../../harness/tools.js';

// The Prometheus alert rules (grafana/alerts/xmpp-tls.rules.yml) are checked and unit-tested with promtool
// (Debian package `prometheus`): `promtool check rules` validates the file, `promtool test rules` runs the
// cases in grafana/alerts/tests/*.yml (firing and not firing, boundaries, no flapping).

const PROMTOOL = '/usr/bin/promtool';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RULES = join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml');
const TESTS_DIR = join(ROOT, 'grafana/alerts/tests');

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const testFiles = (): string[] =>
  readdirSync(TESTS_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => join(TESTS_DIR, f));

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: AlertTest[] }[];
}

describe('promtool: alert rules', () => {
  beforeAll(() => needTool(PROMTOOL, 'prometheus'));

  test('promtool check rules: SUCCESS', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('promtool test rules grafana/alerts/tests/*.yml: SUCCESS', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(0);
    const r = promtool(['test', 'rules', ...files]);
    if (r.status !== 0) console.error(r.output);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });
});

// Without promtool: the test files must still test every alert both ways.
describe('alert rule tests cover every alert', () => {
  const rules = parse(readFileSync(RULES, 'utf8')) as {
    groups: { name: string; rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
  };
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
  const cases = testFiles().flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleTestFile).tests.flatMap((t) => t.alert_rule_test ?? []));

  test('one group "xmpp-tls"; every alert has a severity, a summary, a description and a runbook', () => {
    expect(rules.groups.map((g) => g.name)).toEqual(['xmpp-tls']);
    expect(alerts.length).toBe(20);
    for (const a of alerts) {
      expect(`${a.alert} ${a.labels?.severity}`).toMatch(/ (info|warning|critical)$/);
      expect(Object.keys(a.annotations ?? {}).sort()).toEqual(['description', 'runbook', 'summary']);
    }
  });

  test.each(alerts.map((a) => a.alert as string))('%s: a firing and a not-firing case', (name) => {
    const mine = cases.filter((c) => c.alertname === name);
    expect(mine.some((c) => (c.exp_alerts ?? []).length > 0)).toBe(true);
    expect(mine.some((c) => (c.exp_alerts ?? []).length === 0)).toBe(true);
  });
});
