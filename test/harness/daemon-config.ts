// The daemon configuration (YAML) the integration tests start `serve` / Daemon.start with: the
// targets scanned once at start (the schedule's next run is next new year, no jitter), trusting
// only the test CA, no AIA fetching. What a test needs beyond that goes in `extra`.

export interface ConfigTarget {
  domain: string;
  modes: readonly string[];
  /** "HOST:PORT"; none: the endpoints come from DNS (see `resolver`). */
  connect?: string;
  directTls?: boolean;
}

export interface DaemonConfigOptions {
  /** The only trust anchors (scanner.caFiles, systemRoots false). */
  caFile: string;
  /** store.path: the results database. */
  storePath: string;
  /** The deprecated stateFile (a JSON state file of earlier versions, imported into an empty database). */
  stateFile?: string;
  targets: readonly ConfigTarget[];
  /** Default "127.0.0.1:0" (any free port; Daemon#url says which). */
  listen?: string;
  /** scanner.tlsProbe; left to the default (true) when not given. */
  tlsProbe?: boolean;
  /** scanner.resolver ("IP:PORT"), for targets without `connect`. */
  resolver?: string;
  /** More top-level sections (concurrency:, timeouts:, log:, version: …), YAML lines after targets:. */
  extra?: string;
}

export function daemonConfigYaml(o: DaemonConfigOptions): string {
  return `listen: "${o.listen ?? '127.0.0.1:0'}"
schedule:
  cron: "0 0 1 1 *"
  jitterSeconds: 0
scanner:
  caFiles: ["${o.caFile}"]
  systemRoots: false
  fetchAia: false
${o.tlsProbe !== undefined ? `  tlsProbe: ${o.tlsProbe}\n` : ''}${o.resolver !== undefined ? `  resolver: "${o.resolver}"\n` : ''}store:
  path: "${o.storePath}"
${o.stateFile ? `stateFile: "${o.stateFile}"\n` : ''}targets:
${o.targets.map(targetYaml).join('')}${o.extra ?? ''}`;
}

function targetYaml(t: ConfigTarget): string {
  return `  - domain: ${t.domain}\n    modes: [${t.modes.join(', ')}]\n${t.connect !== undefined ? `    connect: "${t.connect}"\n` : ''}${t.directTls ? '    directTls: true\n' : ''}`;
}

/** One target a domain, all in the same modes at the same address. */
export function targetsAt(connect: string, modes: readonly string[], domains: readonly string[]): ConfigTarget[] {
  return domains.map((domain) => ({ domain, modes, connect }));
}
