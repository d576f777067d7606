// The default of every setting, for the configuration file and the command line alike: `serve`
// (through docs/config.schema.json, whose "default"s a unit test holds equal to these), `scan`'s and
// `report`'s flags, scanDomain() and the TLS prober all read them here. No imports: any module may
// read it without pulling in another.

export const DEFAULTS = {
  listen: ':9522',
  schedule: { cron: '0 */6 * * *', jitterSeconds: 1800 },
  concurrency: { domains: 'auto', connectionsPerHost: 4, connectionDelayMs: 0 },
  timeouts: { connectSeconds: 5, readSeconds: 10, handshakeSeconds: 10, endpointSeconds: 120, scanSeconds: 300 },
  scanner: {
    from: 'xmpp-tls-exporter.invalid',
    caFiles: [],
    systemRoots: true,
    fetchAia: true,
    tlsProbe: true,
    simulation: true,
    dane: true,
    resolverCheckName: '.',
  },
  grading: { profile: 'ssllabs-2009r' },
  targets: [],
  targetSources: { files: [], fileSd: [], urls: [] },
  store: { path: './data/xmpp-tls-exporter.db', retention: { changesDays: 400, scansDays: 14 } },
  probe: { allow: 'configured', patterns: [], maxAgeSeconds: 3600 },
  web: { basic_auth_users: {} },
  version: { directTls: false, caFiles: [], systemRoots: true, allowPlain: false, timeoutSeconds: 15 },
  shard: { index: 0, count: 1, fromHostname: false },
  metrics: { detail: 'auto' },
  log: { level: 'info', format: 'auto' },
  // Inside list items: a target given as a mapping, a URL target source.
  target: { modes: ['c2s', 's2s'] },
  urlSource: { refreshSeconds: 300 },
} as const;

/**
 * Not a setting: with `metrics.detail: auto`, /metrics has endpoint detail up to this many targets (domain × mode)
 * and domain detail above (docs/metrics.md#cardinality).
 */
export const AUTO_ENDPOINT_DETAIL_MAX_TARGETS = 1000;

/** Not a setting: `report --concurrency` when neither the flag nor a configuration says. */
export const REPORT_CONCURRENCY = 4;

/** Not a setting's default: where earlier versions kept their state file, imported into an empty database when `stateFile` is not set. */
export const LEGACY_STATE_FILE = './data/state.json';
