export { Daemon, type DaemonOptions } from './daemon.js';
export { createLogger, type LogFormat } from './logger.js';
export { type CheckOutcome, SHARD_ENV, type Settings, StartupError, checkConfig, loadSettings } from './startup.js';
