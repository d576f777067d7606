import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { loadTrustStore } from '../../../src/certificate/trust-store.js';
import { createProbeRegistry } from '../../../src/metrics/registry.js';
import type { ScanResult } from '../../../src/result/types.js';
import { scanDomain } from '../../../src/scan/scan.js';
import { needTool } from '../../harness/tools.js';
import { CERT_CASES, type TestWorld, startWorld } from '../scan/fixtures.js';

// A forged chain from end to end: a real Prosody serves a leaf signed by an end-entity certificate
// (cA=false) of the test CA; the scan must call it untrusted (not_a_ca) and grade it T, and the
// series the exporter makes of that result, fed to the real alert rules with `promtool test
// rules`, must fire XmppTlsCertificateUntrusted.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RULES = join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml');
const ALERT = 'XmppTlsCertificateUntrusted';

let world: TestWorld;
let result: ScanResult;

beforeAll(async () => {
  needTool('/usr/bin/promtool', 'prometheus');
  world = await startWorld(
    {},
    CERT_CASES.filter((c) => c.domain === 'forged.test'),
  );
  result = await scanDomain('forged.test', {
    mode: 'c2s',
    connect: `127.0.0.1:${world.prosody.ports.c2s}`,
    trustStore: loadTrustStore({ caFiles: [world.caFile], systemRoots: false }),
    fetchAia: false,
  });
}, 120_000);
afterAll(async () => world?.stop());

/** `name{a="b",…} value` lines of one exposition, for the families asked. */
function seriesOf(exposition: string, families: string[]): { name: string; labels: Record<string, string>; text: string; value: number }[] {
  return exposition
    .split('\n')
    .filter((l) => families.some((f) => l.startsWith(`${f}{`)))
    .map((l) => {
      const space = l.lastIndexOf(' ');
      const text = l.slice(0, space);
      const labels = Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: text.slice(0, text.indexOf('{')), labels, text, value: Number(l.slice(space + 1)) };
    });
}

describe('a forged chain served by Prosody', () => {
  test('scan: not trusted, not_a_ca naming the end-entity issuer, still valid for the domain, grade T', () => {
    const ep = result.endpoints[0]!;
    expect(ep.error).toBeNull();
    const cert = ep.certificate!;
    // Every problem of the path, not the first: the end-entity certificate is no CA and its keyUsage forbids signing certificates.
    expect(cert).toMatchObject({ trusted: false, trustErrors: ['not_a_ca', 'bad_key_usage'], hostnameValid: true });
    expect(cert.trustErrorDetails).toEqual([
      { reason: 'not_a_ca', message: "the intermediate 'innocent.test' is not a CA certificate (basicConstraints cA=false) but issued 'forged.test'" },
      { reason: 'bad_key_usage', message: "the intermediate 'innocent.test' may not sign certificates (keyUsage without keyCertSign)" },
    ]);
    // The chain as sent, although Node's own report of it stops at the leaf (X509_check_issued refuses 'innocent.test').
    expect(cert.chain.map((c) => c.subject)).toEqual(['CN=forged.test', 'CN=innocent.test', 'CN=xmpp-tls-exporter Test Intermediate']);
    expect(cert.builtChain.map((c) => c.source)).toEqual(['presented', 'presented', 'presented', 'ca_file']);
    expect(ep.grade).toMatchObject({ letter: 'T', letterIgnoringTrust: 'A+' });
  });

  test(`the exporter's series for it fire ${ALERT} in promtool test rules`, async () => {
    const registry = createProbeRegistry([{ domain: 'forged.test', mode: 'c2s', latest: result, lastGood: result }], { now: () => new Date(result.startedAt) });
    const series = seriesOf(await registry.metrics(), [
      'xmpp_tls_certificate_trusted',
      'xmpp_tls_certificate_expiry_seconds',
      'xmpp_tls_certificate_trust_error',
    ]);
    expect(series.filter((s) => s.name === 'xmpp_tls_certificate_trust_error').map((s) => s.labels.reason)).toEqual(['not_a_ca', 'bad_key_usage']);
    const trusted = series.find((s) => s.name === 'xmpp_tls_certificate_trusted')!;
    expect(trusted.value).toBe(0);

    // The expected annotations are the rule's own templates filled with the series' labels.
    const rule = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; annotations: Record<string, string> }[] }[] }).groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === ALERT)!;
    // ({{ if $labels.endpoint }}…{{ else }}…{{ end }}: the endpoint's words, or a target's at metrics.detail: domain.)
    const fill = (t: string) =>
      t
        .replace(/\{\{ if \$labels\.(\w+) \}\}(.*?)\{\{ else \}\}(.*?)\{\{ end \}\}/g, (_, k: string, then: string, otherwise: string) =>
          trusted.labels[k] ? then : otherwise,
        )
        .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => trusted.labels[k] ?? '');
    const testFile = join(world.dir, 'forged.test.yml');
    writeFileSync(
      testFile,
      stringify({
        rule_files: [RULES],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: series.map((s) => ({ series: s.text, values: `${s.value}x30` })),
            alert_rule_test: [
              { eval_time: '14m', alertname: ALERT, exp_alerts: [] },
              {
                eval_time: '15m',
                alertname: ALERT,
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', ...trusted.labels },
                    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, fill(v)])),
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = spawnSync('/usr/bin/promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    if (r.status !== 0) console.error(`${r.stdout}${r.stderr}`);
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
