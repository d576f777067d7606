export { Daemon, type DaemonOptions, probeAllowed } from './daemon.js';
export { createLogger, type LogFormat } from './logger.js';
