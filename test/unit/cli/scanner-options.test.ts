import { Command } from 'commander';
import { addReportCommand } from '../../../src/cli/report-definition.js';
import { type ScannerFlags, addScannerOptions, timeoutsFromFlags } from '../../../src/cli/scanner-options.js';
import { DEFAULTS, REPORT_CONCURRENCY } from '../../../src/defaults.js';

// The flags that have a setting in the configuration file default to its value (src/defaults.ts).

function parsed(args: string[]): ScannerFlags {
  const command = addScannerOptions(new Command('scan').exitOverride(), { directTls: 'direct TLS' });
  return command.parse(args, { from: 'user' }).opts<ScannerFlags>();
}

describe('scanner option defaults', () => {
  const flags = parsed([]);
  test.each([
    ['--from', flags.from, DEFAULTS.scanner.from],
    ['--profile', flags.profile, DEFAULTS.grading.profile],
    ['--max-connections', flags.maxConnections, DEFAULTS.concurrency.connectionsPerHost],
    ['--connection-delay', flags.connectionDelay, DEFAULTS.concurrency.connectionDelayMs],
    ['--endpoint-timeout', flags.endpointTimeout, DEFAULTS.timeouts.endpointSeconds],
    ['--scan-timeout', flags.scanTimeout, DEFAULTS.timeouts.scanSeconds],
    ['--no-system-roots', flags.systemRoots, DEFAULTS.scanner.systemRoots],
    ['--no-aia', flags.aia, DEFAULTS.scanner.fetchAia],
    ['--no-tls-probe', flags.tlsProbe, DEFAULTS.scanner.tlsProbe],
    ['--ca-file', flags.caFile, DEFAULTS.scanner.caFiles],
  ])('%s', (_flag, value, expected) => {
    expect(value).toEqual(expected);
  });

  test('report --concurrency: REPORT_CONCURRENCY (concurrency.domains is auto, sized by the daemon)', () => {
    const program = new Command().exitOverride();
    addReportCommand(program);
    const report = program.commands.find((c) => c.name() === 'report')!;
    expect(report.opts().concurrency).toBe(REPORT_CONCURRENCY);
  });

  test.each([
    ['without --timeout: each phase its default', [], { connectMs: 5000, readMs: 10000, handshakeMs: 10000 }],
    ['--timeout 3: every phase 3 s', ['--timeout', '3'], { connectMs: 3000, readMs: 3000, handshakeMs: 3000 }],
  ])('%s', (_what, args, expected) => {
    expect(timeoutsFromFlags(parsed(args))).toEqual(expected);
  });
});
