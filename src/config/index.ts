// The daemon's configuration: loading and validation (docs/config.schema.json is the single source
// of shape and defaults), target sources, reload, and the bridge to scanDomain().
export { cronProblem } from './cron.js';
export { checkResolver, defaultConfig, loadConfig, matchesPattern, normalizePattern, parseConfig, parseListen, type ParseOptions } from './load.js';
export { buildTrustStore, loadClientCertificate, type LoadedScanMaterial, toScanOptions, versionAccountOptions } from './scan-options.js';
export { Secret } from './secret.js';
export { SCHEMA_URL, configSchema, formatPath } from './schema.js';
export {
  type FetchLike,
  type ParsedTargets,
  type ReadFileLike,
  type ResolvedTargets,
  type SourceReport,
  SourceFormatError,
  TargetSources,
  type TargetSourcesOptions,
  type UrlFetchResult,
  type UrlSourceOptions,
  UrlTargetSource,
  mergeTargets,
  parseFileSd,
  parseTargetDocument,
  parseTargetList,
  resolveTargets,
} from './targets.js';
export {
  type Config,
  ConfigError,
  type ConfigIssue,
  DEFAULT_MODES,
  type LogLevel,
  MODES,
  type Mode,
  type TargetConfig,
  type UrlSourceConfig,
  VERSION_ENV,
  type VersionConfig,
  formatIssue,
} from './types.js';
export { type WatchOptions, watchFiles, watchedFiles } from './watch.js';
