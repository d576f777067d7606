import { Daemon, type LogFormat, SHARD_ENV, type Settings, StartupError, createLogger, loadSettings } from '../daemon/index.js';
import { checkConfigCommand } from './check-config-command.js';

// `serve` and `check-config`. Both load the configuration through loadSettings(), so check-config
// reports exactly what would keep serve from starting. Exit codes: 0 ok, 2 the configuration's
// fault (fix the file), 1 the environment's (port in use, database not writable).

interface ServeFlags {
  config: string;
  configCheck?: boolean;
  logLevel?: string;
  logFormat?: LogFormat;
  shard?: string;
}

/** After SIGTERM/SIGINT: the whole shutdown (grace for scans, state write, HTTP close) must end within this. */
export const SHUTDOWN_DEADLINE_MS = 15_000;

const exitCodeOf = (err: StartupError): 1 | 2 => (err.kind === 'config' ? 2 : 1);

/** Runs the daemon until SIGTERM/SIGINT; SIGHUP reloads the configuration. */
export async function serveCommand(raw: Record<string, unknown>): Promise<number> {
  const flags = raw as unknown as ServeFlags;
  // --shard is the environment variable's value, so that a reload keeps it (and check-config sees it).
  if (flags.shard !== undefined) process.env[SHARD_ENV] = flags.shard;
  if (flags.configCheck) return checkConfigCommand(flags.config);
  // Everything is loaded and checked before the first scan, and before there is a logger (its
  // level and format come from the file): a problem is a line on stderr and the exit code.
  let settings: Settings;
  try {
    settings = await loadSettings(flags.config);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return exitCodeOf(err);
  }
  const logger = createLogger(flags.logLevel ?? settings.config.log.level, flags.logFormat ?? settings.config.log.format);
  // The handlers are installed before the daemon starts: Node's default for SIGTERM ends the
  // process at once, so a signal sent as soon as "listening" is logged must already find them.
  // A signal during start-up is honoured once the daemon has started (or start-up failed).
  let requested: string | undefined;
  let onStop: (signal: string) => void = (signal) => (requested ??= signal);
  let onReload: () => void = () => undefined;
  const handlers = {
    SIGTERM: () => onStop('SIGTERM'),
    SIGINT: () => onStop('SIGINT'),
    SIGHUP: () => onReload(),
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ configFile: flags.config, logger, settings });
  } catch (err) {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    if (!(err instanceof StartupError)) throw err;
    logger.fatal(err.message);
    return exitCodeOf(err);
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    onStop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      // A shutdown that hangs (a scan or a socket that will not end) must not keep a process that
      // no longer scans alive: exit non-zero, saying what was abandoned. (Database writes are
      // synchronous, one short transaction each: none is ever left half done by this exit.)
      const deadline = setTimeout(() => {
        const abandoned = daemon.pendingWork();
        logger.error({ abandoned }, `shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s: exiting`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      void daemon.stop().then(() => {
        clearTimeout(deadline);
        resolve(0);
      });
    };
    onReload = () => void daemon.reload();
    if (requested) onStop(requested);
  });
}
