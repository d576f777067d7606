import { Command, Option } from 'commander';
import { DEFAULTS } from '../defaults.js';
import { CHANGE_KINDS } from '../store/changes.js';
import { SINCE_FORMS } from '../store/since.js';
import { SCANNER } from '../version.js';
import { addReportCommand } from './report-definition.js';
import { UsageError, addScannerOptions } from './scanner-options.js';

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
    .command('history')
    .description("Print what changed for a domain, from the daemon's results database")
    .argument('<domain>', 'the XMPP domain (e.g. example.org)')
    .addOption(new Option('--mode <mode>', 'only c2s or only s2s (default: both)').choices(['c2s', 's2s']))
    .option('--since <when>', `from this time on: ${SINCE_FORMS}`)
    .option('--json', 'print the states as JSON (the shape is below)')
    .option('--store <file>', "the results database (the daemon's store.path)")
    .option('--config <file>', "the daemon's configuration: read the database its store.path names")
    .addHelpText(
      'after',
      `
The database is read, never written, so this runs while the daemon does. Which one: --store FILE,
else the store.path of --config FILE, else ${DEFAULTS.store.path} (the default store.path, from
the current folder).

One line per state the domain was in, oldest first: when a scan first found it (UTC), the mode and
what changed from the state before ("grade A → B; TLSv1.0 enabled"), or "first seen:" and its
facts for the first state recorded; then "seen again until DATE (N scans)" when later scans found
it unchanged. With --since: the state current at that time, and those after it.

--json prints the same states as a JSON array, oldest first:
  [{ "domain": "example.org", "mode": "c2s",
     "at": "2026-11-30T14:02:11.000Z",          when a scan first found this state
     "lastSeenAt": "2026-12-01T02:00:05.000Z",  when a scan last found it
     "scans": 3,                                how many scans found it
     "changes": [{ "what": "grade", "from": "A", "to": "B", "summary": "grade A → B" }],
     "facts": { "reachability": "reachable", "grade": "B", "protocols": "TLSv1.0, TLSv1.2", … } }]
  "changes" is [] for the first state recorded. "what", and the keys of "facts", are one of
${wrap(`${CHANGE_KINDS.join(', ')}.`, 96, '  ')}

Exit codes:
  0  history printed
  1  nothing recorded for the domain (in that mode): a message on stderr ([] on stdout with --json)
  2  usage error: bad option, invalid domain or --since; a database that is missing, damaged, from
     a newer version or not yet migrated (the message names the file)
  3  internal error

Examples:
  xmpp-tls-exporter history example.org
  xmpp-tls-exporter history example.org --mode s2s --since 30d
  xmpp-tls-exporter history example.org --config /etc/xmpp-tls-exporter.yaml --since 2026-11-01
  xmpp-tls-exporter history example.org --store /var/lib/xmpp-tls-exporter/xmpp-tls-exporter.db --json`,
    )
    .action(async (domain: string, options: Record<string, unknown>) => {
      const { historyCommand } = await import('./history-command.js');
      process.exitCode = await historyCommand(domain, options);
    });

  program
    .command('serve')
    .description('Run the exporter: rescan the configured domains on a schedule and serve /metrics, /probe and the results')
    .option('--config <file>', 'configuration file (YAML)', 'config.example.yaml')
    .option('--config.check', 'check the configuration as serve would at start, and exit (0 valid, 2 invalid, 1 environment problem)')
    .addOption(new Option('--log-level <level>', 'overrides the file').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .addOption(new Option('--log-format <format>', 'json, pretty, or auto (pretty on a terminal)').choices(['json', 'pretty', 'auto']))
    .option(
      '--shard <index/count>',
      'run as replica INDEX of COUNT: scan, store and export only the domains this one owns (overrides shard: and XMPP_TLS_EXPORTER_SHARD)',
    )
    .addHelpText(
      'after',
      `
Before the first scan, everything is loaded and checked (configuration, CA files, certificates
and keys, target files, the results database and its folder, the listen address).

Exit codes:
  0  stopped by SIGTERM/SIGINT after a clean shutdown
  1  environment problem at start (listen address in use, database not writable), or a
     shutdown that did not finish within 15 s
  2  configuration problem (the message names the file and the setting)

Signals: SIGHUP reloads the configuration (a bad one keeps the running one);
SIGTERM/SIGINT stop scheduling, give running scans 10 s (scans still running then are cancelled
and dropped, never stored), close the database and exit 0.

Examples:
  xmpp-tls-exporter serve --config config.example.yaml
  xmpp-tls-exporter serve --config /etc/xmpp-tls-exporter.yaml --config.check
  xmpp-tls-exporter serve --config /etc/xmpp-tls-exporter.yaml --shard 0/3`,
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
certificates and keys, basic auth users, target files, the results database and its folder) except binding
the listen address and fetching URL target sources.

Exit codes:
  0  valid (a summary on stdout)
  1  environment problem (the database cannot be written, or is damaged or from a newer version)
  2  configuration problem (every problem on stderr, one a line)

Examples:
  xmpp-tls-exporter check-config config.example.yaml
  xmpp-tls-exporter check-config --config /etc/xmpp-tls-exporter.yaml`,
    )
    .action(async (file: string | undefined, options: { config?: string }) => {
      const path = file ?? options.config;
      if (!path) throw new UsageError('check-config needs a configuration file: check-config FILE (or --config FILE)');
      const { checkConfigCommand } = await import('./check-config-command.js');
      process.exitCode = await checkConfigCommand(path);
    });

  return program;
}

/** `text` in lines of at most `width` characters, each starting with `indent` (for help texts). */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, indent + line].join('\n');
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
