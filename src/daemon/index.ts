export { Daemon, type DaemonOptions, probeAllowed } from './daemon.js';
export { createLogger, type LogFormat } from './logger.js';
export { type CheckOutcome, type Settings, StartupError, checkConfig, loadSettings, restartNeeded } from './startup.js';
