import { type Command, Option } from 'commander';
import { DEFAULTS } from '../defaults.js';
import { addScannerOptions, intIn } from './scanner-options.js';

// The `report` sub-command's options and help; the work is in report-command.ts.

export function addReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('Survey many domains (or the daemon\'s results) and write the "State of TLS on XMPP" report; or compare two reports')
    .option('--domains <file>', 'scan the domains of this file: one a line, "DOMAIN [c2s] [s2s]", # comments')
    .option('--config <file>', 'scan the targets of this daemon configuration, with its scanner settings (flags given here override them)')
    .option('--state <file>', "no scanning: report the daemon's stored results (each target's latest scan)")
    .addOption(new Option('--mode <mode>', 'which modes to report').choices(['c2s', 's2s', 'both']).default('both'))
    .option(
      '--concurrency <n>',
      'domains scanned at once (with --config: its concurrency.domains unless given here)',
      intIn(1, 256, 'a whole number'),
      DEFAULTS.concurrency.domains,
    );
  addScannerOptions(report, { directTls: 'with --domains: direct TLS (XEP-0368) endpoints only', profile: '(with --state: regrade the stored results)' })
    .addOption(
      new Option('--format <format>', 'md (Markdown), html (one self-contained file with charts) or json').choices(['md', 'html', 'json']).default('md'),
    )
    .option('--output <file>', 'write the report (or the comparison) here instead of stdout')
    .option('--save-json <file>', 'also write the report as JSON, to --compare against later')
    .option('--compare <old.json>', 'print what changed since this earlier JSON report instead of the report')
    .option('--against <new.json>', 'with --compare: compare with this JSON report instead of scanning')
    .option('--no-progress', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Exactly one input: --domains, --config or --state (or --compare OLD.json --against NEW.json).
While scanning, progress goes to stderr: a bar on a terminal, a line every 5 s otherwise.
Each domain counts once per mode: its grade is its worst endpoint's, "supports X" means at
least one endpoint does (docs/report.md has the details and the JSON shape).

Exit codes:
  0    report written (servers that fail are part of the report, not an error)
  2    usage error (bad option, unreadable or invalid file)
  3    internal error
  130  interrupted (Ctrl-C, SIGTERM): the report of the scans finished by then was written

Examples:
  xmpp-tls-exporter report --domains servers.txt --format html --output report.html
  xmpp-tls-exporter report --domains servers.txt --mode c2s --concurrency 8 --save-json 2026-06.json
  xmpp-tls-exporter report --config /etc/xmpp-tls-exporter.yaml --no-tls-probe
  xmpp-tls-exporter report --state /var/lib/xmpp-tls-exporter/state.json --format json
  xmpp-tls-exporter report --state state.json --compare 2026-05.json
  xmpp-tls-exporter report --compare 2026-05.json --against 2026-06.json --format html --output changes.html`,
    )
    .action(async (options: Record<string, unknown>, cmd: Command) => {
      // The report's modules (scanner, config, report rendering) load only when it runs.
      const { reportCommand } = await import('./report-command.js');
      process.exitCode = await reportCommand(options, (name) => cmd.getOptionValueSource(name) === 'cli');
    });
}
