import { ConfigError, loadConfig } from '../config/index.js';
import { Daemon, createLogger, type LogFormat } from '../daemon/index.js';

interface ServeFlags {
  config: string;
  configCheck?: boolean;
  logLevel?: string;
  logFormat?: LogFormat;
}

/** Validates a configuration file: 0 when valid, 2 (with every problem on stderr) when not. */
export async function checkConfigCommand(file: string): Promise<number> {
  try {
    const config = await loadConfig(file);
    process.stdout.write(`${file}: valid (${config.targets.length} inline target(s), listen ${config.listen.host}:${config.listen.port})\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `${file}: ${(err as Error).message}`}\n`);
    return 2;
  }
}

/** Runs the daemon until SIGTERM/SIGINT; SIGHUP reloads the configuration. */
export async function serveCommand(raw: Record<string, unknown>): Promise<number> {
  const flags = raw as unknown as ServeFlags;
  if (flags.configCheck) return checkConfigCommand(flags.config);
  let config;
  try {
    config = await loadConfig(flags.config);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `${flags.config}: ${(err as Error).message}`}\n`);
    return 2;
  }
  const logger = createLogger(flags.logLevel ?? config.log.level, flags.logFormat ?? config.log.format);
  const daemon = await Daemon.start({ configFile: flags.config, logger });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      void daemon.stop().then(() => resolve(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void daemon.reload());
  });
}
