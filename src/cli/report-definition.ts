import { type Command, Option } from 'commander';
import { REPORT_CONCURRENCY } from '../defaults.js';
import { SINCE_FORMS } from '../store/since.js';
import { addScannerOptions, intIn } from './scanner-options.js';

// The `report` sub-command's options and help; the work is in report-command.ts.

export function addReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('Survey many domains (or the daemon\'s results) and write the "State of TLS on XMPP" report; or compare two reports')
    .option('--domains <file>', 'scan the domains of this file: one a line, "DOMAIN [c2s] [s2s]", # comments')
    .option('--config <file>', 'scan the targets of this daemon configuration, with its scanner settings (flags given here override them)')
    .option('--state <file>', "no scanning: report the results of a state file of earlier versions (each target's latest scan)")
    .option('--store <file>', "no scanning: report the results in the daemon's database (each target's latest scan; read-only)")
    .option('--from-replicas <url...>', 'no scanning: merge the /report.json of every replica of a sharded fleet (URLs, or files saved from them)')
    .option('--from-dns <name>', 'no scanning: the same from every address of NAME[:PORT] (a Kubernetes headless Service; port 9522 unless given)')
    .addOption(new Option('--mode <mode>', 'which modes to report').choices(['c2s', 's2s', 'both']).default('both'))
    .option(
      '--concurrency <n>',
      'domains scanned at once (with --config: its concurrency.domains unless given here)',
      intIn(1, 256, 'a whole number'),
      REPORT_CONCURRENCY,
    );
  addScannerOptions(report, {
    directTls: 'with --domains: direct TLS (XEP-0368) endpoints only',
    profile: '(with --state, --store or --since: regrade the stored results)',
  })
    .addOption(
      new Option('--format <format>', 'md (Markdown), html (one self-contained file with charts) or json').choices(['md', 'html', 'json']).default('md'),
    )
    .option('--output <file>', 'write the report (or the comparison) here instead of stdout')
    .option('--save-json <file>', 'also write the report as JSON, to --compare against later')
    .option('--compare <old.json>', 'print what changed since this earlier JSON report instead of the report')
    .option('--against <new.json>', 'with --compare: compare with this JSON report instead of scanning')
    .option('--since <when>', "no scanning: print what changed in the daemon's database since then (30d, 12h, 2026-11-01…; needs --store or --config)")
    .option('--no-progress', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Exactly one input: --domains, --config, --state, --store, --from-replicas or --from-dns (or
--compare OLD.json --against NEW.json). --store reads the database the daemon writes (store.path)
and scans nothing; it can run while the daemon does. --state reads the JSON state file of earlier
versions.

Sharded fleets (docs/report.md#fleet): --from-replicas URL… fetches each replica's /report.json (a
URL may carry user:password@ for basic auth) and merges them into one report, the same as one
daemon scanning every target would give; --from-dns does so for every address of a name. Either
fails (exit 1) when a shard is missing, two replicas say they are the same shard or report the
same target, or a replica cannot be read.

Comparing: --compare OLD.json compares with an earlier JSON report (--save-json). --since WHEN
compares the database's latest results with what it held at WHEN (each target as it was then):
${SINCE_FORMS}. The database is --store FILE, or the store.path of --config FILE: with
--since, --config is not scanned. Both print the same comparison, in --format.

While scanning, progress goes to stderr: a bar on a terminal, a line every 5 s otherwise.
Each domain counts once per mode: its grade is its worst endpoint's, "supports X" means at
least one endpoint does (docs/report.md has the details and the JSON shape).

Exit codes:
  0    report written (servers that fail are part of the report, not an error)
  1    --from-replicas/--from-dns: the replicas are not one complete fleet, or one could not be read
  2    usage error (bad option, bad --since, unreadable or invalid file; a database that is
       missing, damaged or from a newer version)
  3    internal error
  130  interrupted (Ctrl-C, SIGTERM): the report of the scans finished by then was written

Examples:
  xmpp-tls-exporter report --domains servers.txt --format html --output report.html
  xmpp-tls-exporter report --domains servers.txt --mode c2s --concurrency 8 --save-json 2026-06.json
  xmpp-tls-exporter report --config /etc/xmpp-tls-exporter.yaml --no-tls-probe
  xmpp-tls-exporter report --store /var/lib/xmpp-tls-exporter/xmpp-tls-exporter.db --format json
  xmpp-tls-exporter report --store data/xmpp-tls-exporter.db --compare 2026-05.json
  xmpp-tls-exporter report --store data/xmpp-tls-exporter.db --since 30d
  xmpp-tls-exporter report --config /etc/xmpp-tls-exporter.yaml --since 2026-11-01 --format html --output changes.html
  xmpp-tls-exporter report --state state.json --format json
  xmpp-tls-exporter report --from-replicas http://replica-0:9522 http://replica-1:9522 http://replica-2:9522 --format html --output fleet.html
  xmpp-tls-exporter report --from-dns xmpp-tls-exporter.monitoring.svc.cluster.local --save-json 2026-12.json
  xmpp-tls-exporter report --compare 2026-05.json --against 2026-06.json --format html --output changes.html`,
    )
    .action(async (options: Record<string, unknown>, cmd: Command) => {
      // The report's modules (scanner, config, report rendering) load only when it runs.
      const { reportCommand } = await import('./report-command.js');
      process.exitCode = await reportCommand(options, (name) => cmd.getOptionValueSource(name) === 'cli');
    });
}
