// The daemon's configuration: loading and validation (docs/config.schema.json is the single source
// of shape and defaults), target sources, reload, and the bridge to scanDomain(). The API the rest
// of the program uses; tests import the internals from their own files.
export { loadConfig, matchesPattern, parseConfig } from './load.js';
export { buildTrustStore, loadClientCertificate, toScanOptions, versionAccountOptions } from './scan-options.js';
export { describeFetchError, TargetSources, resolveTargets } from './targets.js';
export { type Config, ConfigError, type TargetConfig, VERSION_ENV } from './types.js';
export { watchFiles, watchedFiles } from './watch.js';
