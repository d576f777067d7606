// `check-config` (and `serve --config.check`): the start-up checks of serve without starting it.
// It imports daemon/startup.ts itself rather than the daemon's index, so that a check, run in CI
// pipelines and editors, does not load the daemon, the HTTP server, the metrics and the scanner.
import { checkConfig } from '../daemon/startup.js';

/** Validates a configuration file as serve would at start: 0 valid, 2 (every problem on stderr) when not, 1 for the environment. */
export async function checkConfigCommand(file: string): Promise<number> {
  const outcome = await checkConfig(file);
  const out = outcome.exitCode === 0 ? process.stdout : process.stderr;
  out.write(outcome.lines.map((l) => `${l}\n`).join(''));
  return outcome.exitCode;
}
