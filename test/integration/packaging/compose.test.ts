import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { needTool } from '../../harness/tools.js';

// deploy/compose without a Docker engine: the compose file and everything it mounts must exist and fit
// together — the exporter built from the repository's Dockerfile with exporter.yml, Prometheus with the
// alert rules at the path prometheus.yml names (promtool check config, run on the host, resolves the same
// relative path), Alertmanager (amtool check-config when installed), Grafana with the provisioning files and
// the dashboards where the provider looks for them.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const COMPOSE_DIR = join(ROOT, 'deploy/compose');
const PROMTOOL = '/usr/bin/promtool';
const AMTOOL = '/usr/bin/amtool';

interface Service {
  build?: { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: string[];
}
const compose = parse(readFileSync(join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const svc = (name: string): Service => compose.services[name] as Service;
const yamlFile = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}
function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source: bind ? resolve(COMPOSE_DIR, source) : source, target, bind };
  });
}

/** The host file behind a path inside a service's container, through its bind mounts (longest target first). */
function hostPath(s: Service, containerPath: string): string | null {
  const m = mounts(s)
    .filter((x) => x.bind && (containerPath === x.target || containerPath.startsWith(`${x.target}/`)))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return m ? join(m.source, containerPath.slice(m.target.length)) : null;
}

const flag = (s: Service, name: string) => s.command?.find((c) => c.startsWith(`--${name}=`))?.slice(name.length + 3);

function tool(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('deploy/compose/docker-compose.yml', () => {
  test('four services; every bind-mounted file exists; named volumes are declared', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'exporter', 'grafana', 'prometheus']);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mounts(s)) {
        if (m.bind) expect([name, m.source, existsSync(m.source)]).toEqual([name, m.source, true]);
        else expect(Object.keys(compose.volumes)).toContain(m.source);
      }
      for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/); // nothing published beyond this host
      for (const d of s.depends_on ?? []) expect(Object.keys(compose.services)).toContain(d);
    }
  });

  test('the exporter is built from the repository Dockerfile and runs exporter.yml, a valid configuration', async () => {
    const e = svc('exporter');
    expect(existsSync(join(resolve(COMPOSE_DIR, e.build!.context), e.build!.dockerfile ?? 'Dockerfile'))).toBe(true);
    const [cmd, configFlag, configPath] = e.command!;
    expect([cmd, configFlag]).toEqual(['serve', '--config']);
    const file = hostPath(e, configPath!)!;
    expect(file).toBe(join(COMPOSE_DIR, 'exporter.yml'));
    const config = await loadConfig(file);
    expect(config.listen.port).toBe(9522);
    expect(config.targets.length).toBeGreaterThan(0);
    // The database lives in the exporter-data volume, mounted at the image's /app/data.
    expect(config.store.path).toBe('/app/data/xmpp-tls-exporter.db');
    expect(mounts(e).find((m) => m.source === 'exporter-data')?.target).toBe('/app/data');
  });

  test('Prometheus: the rule file prometheus.yml names is grafana/alerts/xmpp-tls.rules.yml inside the container too', () => {
    const p = svc('prometheus');
    const containerConfig = flag(p, 'config.file')!;
    expect(hostPath(p, containerConfig)).toBe(join(COMPOSE_DIR, 'prometheus.yml'));
    const prom = yamlFile<{
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    }>(join(COMPOSE_DIR, 'prometheus.yml'));
    for (const rule of prom.rule_files) {
      const inContainer = posix.resolve(posix.dirname(containerConfig), rule);
      expect(hostPath(p, inContainer)).toBe(join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml'));
      expect(resolve(COMPOSE_DIR, rule)).toBe(join(ROOT, 'grafana/alerts/xmpp-tls.rules.yml')); // and on the host
    }
    const job = prom.scrape_configs.find((j) => j.job_name === 'xmpp-tls-exporter')!;
    expect(job.static_configs[0]!.targets).toEqual(['exporter:9522']);
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
  });

  test('promtool check config deploy/compose/prometheus.yml: SUCCESS, from any directory', () => {
    needTool(PROMTOOL, 'prometheus');
    for (const cwd of [ROOT, tmpdir()]) {
      const r = tool(PROMTOOL, ['check', 'config', join(COMPOSE_DIR, 'prometheus.yml')], cwd);
      expect(r.output).toContain('SUCCESS: 20 rules found');
      expect(r.output).toMatch(/is valid prometheus config file syntax/);
      expect(r.status).toBe(0);
    }
  });

  test('amtool check-config deploy/compose/alertmanager.yml: SUCCESS', () => {
    needTool(AMTOOL, 'prometheus-alertmanager');
    const a = svc('alertmanager');
    expect(hostPath(a, flag(a, 'config.file')!)).toBe(join(COMPOSE_DIR, 'alertmanager.yml'));
    const r = tool(AMTOOL, ['check-config', join(COMPOSE_DIR, 'alertmanager.yml')], ROOT);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('Grafana: provisioned Prometheus data source and the dashboards where the provider reads them', () => {
    const g = svc('grafana');
    const ds = yamlFile<{ apiVersion: number; datasources: { type: string; url: string }[] }>(join(ROOT, 'grafana/provisioning/datasources/prometheus.yml'));
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources.map((d) => [d.type, d.url])).toEqual([['prometheus', 'http://prometheus:9090']]);
    expect(hostPath(g, '/etc/grafana/provisioning/datasources/prometheus.yml')).toBe(join(ROOT, 'grafana/provisioning/datasources/prometheus.yml'));

    const prov = yamlFile<{ apiVersion: number; providers: { type: string; options: { path: string } }[] }>(
      join(ROOT, 'grafana/provisioning/dashboards/xmpp-tls.yml'),
    );
    expect(prov.apiVersion).toBe(1);
    expect(hostPath(g, '/etc/grafana/provisioning/dashboards/xmpp-tls.yml')).toBe(join(ROOT, 'grafana/provisioning/dashboards/xmpp-tls.yml'));
    const dashboardDir = hostPath(g, prov.providers[0]!.options.path)!;
    expect(dashboardDir).toBe(join(ROOT, 'grafana/dashboards'));
    expect(
      readdirSync(dashboardDir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(['xmpp-tls-domain.json', 'xmpp-tls-fleet.json']);
    expect(existsSync(hostPath(g, g.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!)!)).toBe(true);
  });
});
