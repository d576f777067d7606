import { ResultDatabase } from '../../../src/store/database.js';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { VERSION_ENV } from '../../../src/config/types.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { LOG_REDACT } from '../../../src/daemon/logger.js';
import type { ScanResult } from '../../../src/result/types.js';
import { runCli } from '../../harness/cli.js';
import { daemonConfigYaml } from '../../harness/daemon-config.js';
import { createCa, createIntermediate, createLeaf, writeCertFile, writePemFiles } from '../../harness/pki.js';
import { type ProsodyInstance, startProsody } from '../../harness/prosody.js';
import { resultSchemaErrors } from '../../harness/result-schema.js';

// The software version query end to end: the daemon with `version:` in its configuration (the
// password in a file) scanning a real Prosody, /metrics and the API; and `scan` with the
// account in environment variables. The password never appears in a log line.

const PASSWORD = 'daemon-secret-Pa55-never-logged';
let dir: string;
let caFile: string;
let prosody: ProsodyInstance;
let daemon: Daemon | null = null;
const logLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xte-software-daemon-'));
  const ca = await createCa({ cn: 'xmpp-tls-exporter Software Daemon CA' });
  const intermediate = await createIntermediate(ca);
  caFile = await writeCertFile(join(dir, 'ca.pem'), [ca]);
  const hosts = [];
  for (const domain of ['home.test', 'quiet.test']) {
    const files = await writePemFiles(dir, domain, await createLeaf(intermediate, { dns: [domain] }), [intermediate]);
    hosts.push({ domain, ...files, ...(domain === 'quiet.test' ? { extra: 'modules_disabled = { "version" }' } : {}) });
  }
  prosody = await startProsody({ hosts, accounts: [{ user: 'survey', host: 'home.test', password: PASSWORD }] });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await prosody?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('serve with version: in the configuration', () => {
  let url: string;
  let configFile: string;
  let configText: string;
  beforeAll(async () => {
    await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
    const c2s = `127.0.0.1:${prosody.ports.c2s}`;
    const config = daemonConfigYaml({
      caFile,
      storePath: join(dir, 'results.db'),
      tlsProbe: false,
      targets: [
        { domain: 'home.test', modes: ['c2s', 's2s'], connect: c2s },
        { domain: 'quiet.test', modes: ['c2s'], connect: c2s },
      ],
      extra: `probe:
  maxAgeSeconds: 0
version:
  jid: survey@home.test
  passwordFile: password
  connect: "${c2s}"
  caFiles: ["${caFile}"]
  systemRoots: false
  timeoutSeconds: 5
`,
    });
    configFile = join(dir, 'config.yaml');
    configText = config;
    await writeFile(configFile, config);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    daemon = await Daemon.start({ configFile, logger: pino({ level: 'debug', redact: LOG_REDACT }, sink) });
    url = daemon.url;
  }, 30_000);

  async function scrapeUntil(done: (body: string) => boolean): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const body = await (await fetch(`${url}/metrics`)).text();
      if (done(body)) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the scans did not finish');
  }

  test('xmpp_tls_server_info per target; no series for a domain that does not answer; promtool-clean', async () => {
    const body = await scrapeUntil((b) => (b.match(/^xmpp_tls_scan_success\{/gm) ?? []).length >= 3);
    const info = body.split('\n').filter((l) => l.startsWith('xmpp_tls_server_info{'));
    expect(info).toHaveLength(2);
    for (const mode of ['c2s', 's2s']) {
      expect(info.find((l) => l.includes(`mode="${mode}"`))).toMatch(
        /^xmpp_tls_server_info\{domain="home\.test",mode="(c2s|s2s)",software="Prosody",version="\d+\.\d+[^"]*",os="Linux"\} 1$/,
      );
    }
    expect(body).toMatch(/^# TYPE xmpp_tls_server_info gauge$/m);
    if (!spawnSync('promtool', ['--version']).error) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
      expect(r.status).toBe(0);
    }
  });

  test('the API serves software in the result documents, errors included', async () => {
    const home = (await (await fetch(`${url}/api/v1/results/home.test`)).json()) as unknown;
    const docs = JSON.stringify(home);
    expect(docs).toContain('"software":{"name":"Prosody"');
    const quiet = (await (await fetch(`${url}/api/v1/results/quiet.test`)).json()) as unknown;
    expect(JSON.stringify(quiet)).toMatch(
      /"software":\{"name":null,"version":null,"os":null,"queriedAt":"[^"]+","error":\{"code":"stanza_error","message":"[^"]+","condition":"service-unavailable"\}\}/,
    );
  });

  test('logs: one login for all scans, the account named, the password never', async () => {
    const all = logLines.join('');
    expect(all).toContain('software version query enabled');
    expect(all).toContain('"passwordFrom":"version.passwordFile"');
    expect(logLines.filter((l) => l.includes('version query account logged in'))).toHaveLength(1);
    expect(logLines.some((l) => l.includes('"msg":"scan finished"') && /"software":"Prosody [^"]+"/.test(l))).toBe(true);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  });

  test('a reload with the same account keeps the session; a changed one logs in anew', async () => {
    const logins = () => logLines.filter((l) => l.includes('version query account logged in')).length;
    const probe = async () => (await (await fetch(`${url}/probe?target=home.test&mode=c2s`)).text()).match(/^xmpp_tls_server_info\{.*$/m)?.[0];
    expect(await daemon!.reload()).toBe(true);
    expect(await probe()).toContain('software="Prosody"');
    expect(logins()).toBe(1);
    await writeFile(configFile, configText.replace('timeoutSeconds: 5', 'timeoutSeconds: 6'));
    expect(await daemon!.reload()).toBe(true);
    expect(await probe()).toContain('software="Prosody"');
    expect(logins()).toBe(2);
  });

  test('the database holds software, never the password', async () => {
    await daemon!.stop();
    daemon = null;
    const db = ResultDatabase.open(join(dir, 'results.db'), { readonly: true });
    const stored = JSON.stringify(db.loadAll());
    db.close();
    expect(stored).toContain('"software"');
    expect(stored).not.toContain(PASSWORD);
    expect((await readFile(join(dir, 'results.db'))).includes(PASSWORD)).toBe(false);
  });
});

describe('scan with the account in environment variables', () => {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of Object.values(VERSION_ENV)) saved[k] = process.env[k];
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function run(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    for (const k of Object.values(VERSION_ENV)) delete process.env[k];
    Object.assign(process.env, env);
    return runCli(...args);
  }

  const account = () => ({
    [VERSION_ENV.jid]: 'survey@home.test',
    [VERSION_ENV.password]: PASSWORD,
    [VERSION_ENV.connect]: `127.0.0.1:${prosody.ports.c2s}`,
  });
  const target = () => ['home.test', '--connect', `127.0.0.1:${prosody.ports.c2s}`, '--ca-file', caFile, '--no-system-roots', '--no-tls-probe'];

  test('--json: software in the document, which validates', async () => {
    const { code, out } = await run(account(), 'scan', ...target(), '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScanResult;
    expect(r.software).toMatchObject({ name: 'Prosody', os: 'Linux' });
    expect(resultSchemaErrors(r)).toEqual([]);
  });

  test('the text report has a Software line; a wrong password says so, and the scan still succeeds', async () => {
    const ok = await run(account(), 'scan', ...target());
    expect(ok.out).toMatch(/^ {2}Software {12}Prosody \d+\.\d+\S* \(Linux\)$/m);
    const bad = await run({ ...account(), [VERSION_ENV.password]: 'wrong-password' }, 'scan', ...target());
    expect(bad.code).toBe(0);
    expect(bad.out).toMatch(/Software +unknown auth_failed \(not-authorized\): .*survey@home\.test/);
    expect(bad.out + bad.err).not.toContain('wrong-password');
  });

  test('no account in the environment: software null; a bad variable is a usage error naming it', async () => {
    const { out } = await run({}, 'scan', ...target(), '--json');
    expect((JSON.parse(out) as ScanResult).software).toBeNull();
    const bad = await run({ [VERSION_ENV.jid]: 'not-a-jid', [VERSION_ENV.password]: 'x' }, 'scan', ...target(), '--json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(VERSION_ENV.jid);
    expect(bad.out).toBe('');
  });
});
