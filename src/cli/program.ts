import { Command, Option } from 'commander';
import { addReportCommand } from './report-definition.js';
import { UsageError, addScannerOptions } from './scanner-options.js';
import { SCANNER } from '../version.js';

// Entry point: one sub-command per job. Each sub-command has its own --help. A sub-command's
// modules are imported when it runs, so that `scan` does not load the daemon (start-up time).

export const EXIT = { OK: 0, SCANNED_WITH_ERRORS: 1, USAGE: 2, INTERNAL: 3 } as const;

export function buildProgram(): Command {
  const program = new Command()
    .name('xmpp-tls-exporter')
    .description('Scans the TLS of XMPP servers, grades it and exports the findings to Prometheus.')
    .version(SCANNER.version)
    .showHelpAfterError()
    .exitOverride();

  const scan = program
    .command('scan')
    .description('Scan one XMPP domain now and print what was found')
    .argument('<domain>', 'the XMPP domain (e.g. example.org); also used for to=, SNI and the identity check')
    .addOption(new Option('--mode <mode>', 'c2s (client-to-server) or s2s (server-to-server)').choices(['c2s', 's2s']).default('c2s'))
    .option('--connect <host:port>', 'skip DNS and connect here (the domain still goes into to=, SNI and the identity check)');
  addScannerOptions(scan, { directTls: 'use direct TLS (XEP-0368) instead of STARTTLS; without --connect, only _xmpps-* SRV records' })
    .option('--json', 'print the result document (JSON) instead of the report')
    .option('--no-color', 'no colours in the report (also when NO_COLOR is set or output is not a terminal)')
    .addHelpText(
      'after',
      `
Exit codes:
  0  scanned; every endpoint answered
  1  scanned, but the domain or at least one endpoint failed (see the report)
  2  usage error (bad option, unreadable file)
  3  internal error

Examples:
  xmpp-tls-exporter scan jabber.org
  xmpp-tls-exporter scan example.org --mode s2s --json
  xmpp-tls-exporter scan example.org --connect 127.0.0.1:5222 --ca-file test-ca.pem`,
    )
    .action(async (domain: string, options: Record<string, unknown>) => {
      const { scanCommand } = await import('./scan-command.js');
      process.exitCode = await scanCommand(domain, options);
    });

  addReportCommand(program);

  program
    .command('serve')
    .description('Run the exporter: rescan the configured domains on a schedule and serve /metrics, /probe and the results')
    .option('--config <file>', 'configuration file (YAML)', 'config.example.yaml')
    .option('--config.check', 'check the configuration as serve would at start, and exit (0 valid, 2 invalid, 1 environment problem)')
    .addOption(new Option('--log-level <level>', 'overrides the file').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .addOption(new Option('--log-format <format>', 'json, pretty, or auto (pretty on a terminal)').choices(['json', 'pretty', 'auto']))
    .addHelpText(
      'after',
      `
Before the first scan, everything is loaded and checked (configuration, CA files, certificates
and keys, target files, the state file's folder, the listen address).

Exit codes:
  0  stopped by SIGTERM/SIGINT after a clean shutdown
  1  environment problem at start (listen address in use, state file not writable), or a
     shutdown that did not finish within 15 s (killed by SIGKILL instead when a state file
     write hangs: no exit code can be returned then)
  2  configuration problem (the message names the file and the setting)

Signals: SIGHUP reloads the configuration (a bad one keeps the running one);
SIGTERM/SIGINT stop scheduling, give running scans 10 s (scans still running then are cancelled
and dropped, never stored), save the state and exit 0.

Examples:
  xmpp-tls-exporter serve --config config.example.yaml
  xmpp-tls-exporter serve --config /etc/xmpp-tls-exporter.yaml --config.check`,
    )
    .action(async (options: Record<string, unknown>) => {
      const { serveCommand } = await import('./serve-command.js');
      process.exitCode = await serveCommand({ ...options, configCheck: options['config.check'] ?? options.configCheck });
    });

  program
    .command('check-config')
    .description('Check a configuration file as serve would at start, without binding or scanning, and exit')
    .argument('[file]', 'configuration file (YAML)')
    .option('--config <file>', 'configuration file (YAML), as serve takes it')
    .addHelpText(
      'after',
      `
Runs every check serve runs before its first scan (configuration, CA files, client and web
certificates and keys, basic auth users, target files, the state file's folder) except binding
the listen address and fetching URL target sources.

Exit codes:
  0  valid (a summary on stdout)
  1  environment problem (the state file cannot be written)
  2  configuration problem (every problem on stderr, one a line)

Examples:
  xmpp-tls-exporter check-config config.example.yaml
  xmpp-tls-exporter check-config --config /etc/xmpp-tls-exporter.yaml`,
    )
    .action(async (file: string | undefined, options: { config?: string }) => {
      const path = file ?? options.config;
      if (!path) throw new UsageError('check-config needs a configuration file: check-config FILE (or --config FILE)');
      const { checkConfigCommand } = await import('./serve-command.js');
      process.exitCode = await checkConfigCommand(path);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT.OK;
    if (code.startsWith('commander.')) return EXIT.USAGE;
    process.stderr.write(`xmpp-tls-exporter: ${(err as Error).message}\n`);
    return err instanceof UsageError ? EXIT.USAGE : EXIT.INTERNAL;
  }
}
