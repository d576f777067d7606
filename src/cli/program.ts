import { Command, InvalidArgumentError, Option } from 'commander';
import { addReportCommand } from './report-command.js';
import { scanCommand } from './scan-command.js';
import { checkConfigCommand, serveCommand } from './serve-command.js';
import { SCANNER } from '../version.js';

// Entry point: one sub-command per job. Each sub-command has its own --help.

export const EXIT = { OK: 0, SCANNED_WITH_ERRORS: 1, USAGE: 2, INTERNAL: 3 } as const;

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new InvalidArgumentError('expected a number of seconds between 0 and 600');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 60000) throw new InvalidArgumentError('expected a whole number of milliseconds from 0 to 60000');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command()
    .name('xmpp-tls-exporter')
    .description('Scans the TLS of XMPP servers, grades it and exports the findings to Prometheus.')
    .version(SCANNER.version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('scan')
    .description('Scan one XMPP domain now and print what was found')
    .argument('<domain>', 'the XMPP domain (e.g. example.org); also used for to=, SNI and the identity check')
    .addOption(new Option('--mode <mode>', 'c2s (client-to-server) or s2s (server-to-server)').choices(['c2s', 's2s']).default('c2s'))
    .option('--connect <host:port>', 'skip DNS and connect here (the domain still goes into to=, SNI and the identity check)')
    .option('--direct-tls', 'use direct TLS (XEP-0368) instead of STARTTLS; without --connect, only _xmpps-* SRV records')
    .option('--resolver <ip[:port]>', 'ask this DNS server instead of the system resolver')
    .option('--ca-file <pem>', 'extra trust anchors (PEM, may hold several); repeatable', collect, [])
    .option('--no-system-roots', 'do not trust the bundled Mozilla root certificates (only --ca-file)')
    .option('--no-aia', 'do not fetch missing intermediate certificates from the AIA caIssuers URL')
    .option('--from <domain>', 's2s: the domain we claim to be in from=', 'xmpp-tls-exporter.invalid')
    .option('--client-cert <pem>', 's2s: present this client certificate (PEM) and try SASL EXTERNAL')
    .option('--client-key <pem>', 's2s: the private key of --client-cert (PEM)')
    .addOption(new Option('--profile <name>', 'grading profile').choices(['ssllabs-2009r', 'xmppoke-2015']).default('ssllabs-2009r'))
    .option('--no-tls-probe', 'skip raw TLS probing (protocols, cipher suites): certificate and XMPP facts only')
    .option('--max-connections <n>', 'probe connections to one endpoint at once (politeness)', positiveInt, 4)
    .option('--connection-delay <ms>', 'minimum time between two connections to one endpoint', nonNegativeInt, 0)
    .option('--timeout <seconds>', 'timeout of each phase (connect, stream header, features, proceed, handshake)', positiveSeconds, 10)
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
      process.exitCode = await scanCommand(domain, options);
    });

  addReportCommand(program);

  program
    .command('serve')
    .description('Run the exporter: rescan the configured domains on a schedule and serve /metrics, /probe and the results')
    .option('--config <file>', 'configuration file (YAML)', 'config.example.yaml')
    .option('--config.check', 'validate the configuration file and exit (0 valid, 2 invalid)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (overrides the file)')
    .addOption(new Option('--log-format <format>', 'json, pretty, or auto (pretty on a terminal)').choices(['json', 'pretty', 'auto']))
    .addHelpText(
      'after',
      `
Signals: SIGHUP reloads the configuration (a bad one keeps the running one);
SIGTERM/SIGINT stop scheduling, let running scans finish (10 s), save the state and exit 0.

Examples:
  xmpp-tls-exporter serve --config config.example.yaml
  xmpp-tls-exporter serve --config /etc/xmpp-tls-exporter.yaml --config.check`,
    )
    .action(async (options: Record<string, unknown>) => {
      process.exitCode = await serveCommand({ ...options, configCheck: options['config.check'] ?? options.configCheck });
    });

  program
    .command('check-config')
    .description('Validate a configuration file and exit (0 valid, 2 invalid)')
    .argument('<file>', 'configuration file (YAML)')
    .action(async (file: string) => {
      process.exitCode = await checkConfigCommand(file);
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
    return EXIT.INTERNAL;
  }
}

