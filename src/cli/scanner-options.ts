import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TrustStore } from '../certificate/index.js';
import type { ClientCertificate, Timeouts } from '../connector/index.js';
import { DEFAULTS } from '../defaults.js';
import type { ProfileName } from '../grading/index.js';
import type { ScanOptions } from '../scan/index.js';

// The scanner options `scan` and `report` share: their flags (with the checks of their values),
// the client certificate they name and what they mean for scanDomain (ScanOptions).

/** A mistake in the command line or a file it names: the command prints the message and exits 2. */
export class UsageError extends Error {}

// --- option value parsers (commander's; a bad value is a usage error, exit 2) -----------------

/** A whole number from `min` to `max`; `what` names it in the error ("a whole number of …"). */
export function intIn(min: number, max: number, what: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}`);
    return n;
  };
}

export function seconds(value: string): number {
  return secondsUpTo(600)(value);
}

/** A positive number of seconds up to `max` (the configuration file's bounds). */
function secondsUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`expected a number of seconds between 0 and ${max}`);
    return n;
  };
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// --- the flags ---------------------------------------------------------------------------------

/** The scanner options as commander hands them over (see addScannerOptions). */
export interface ScannerFlags {
  directTls?: boolean;
  resolver?: string;
  caFile: string[];
  systemRoots: boolean;
  aia: boolean;
  from: string;
  clientCert?: string;
  clientKey?: string;
  profile: ProfileName;
  tlsProbe: boolean;
  simulation: boolean;
  dane: boolean;
  resolverCheckName: string;
  maxConnections: number;
  connectionDelay: number;
  /** Unset: each phase its own default (DEFAULTS.timeouts). */
  timeout?: number;
  endpointTimeout: number;
  scanTimeout: number;
}

/** The help texts that depend on the command. */
export interface ScannerOptionsHelp {
  directTls: string;
  /** Added to "grading profile", e.g. "(with --state: regrade the stored results)". */
  profile?: string;
}

/** Adds the scanner options (--direct-tls … --timeout) to `command`, in the order --help lists them; their defaults are the configuration's (DEFAULTS). */
export function addScannerOptions(command: Command, help: ScannerOptionsHelp): Command {
  const t = DEFAULTS.timeouts;
  return command
    .option('--direct-tls', help.directTls)
    .option('--resolver <ip[:port]>', 'ask this DNS server instead of the system resolver')
    .option('--ca-file <pem>', 'extra trust anchors (PEM, may hold several); repeatable', collect, [])
    .option('--no-system-roots', 'do not trust the bundled Mozilla root certificates (only --ca-file)')
    .option('--no-aia', 'do not fetch missing intermediate certificates from the AIA caIssuers URL')
    .option('--from <domain>', 's2s: the domain we claim to be in from=', DEFAULTS.scanner.from)
    .option('--client-cert <pem>', 's2s: present this client certificate (PEM) and try SASL EXTERNAL')
    .option('--client-key <pem>', 's2s: the private key of --client-cert (PEM)')
    .addOption(
      new Option('--profile <name>', help.profile ? `grading profile ${help.profile}` : 'grading profile')
        .choices(['ssllabs-2009r', 'xmppoke-2015'])
        .default(DEFAULTS.grading.profile),
    )
    .option('--no-simulation', 'skip handshake simulation (which real clients and servers could connect)')
    .option('--no-dane', 'skip DANE: no TLSA lookups, no DNSSEC status (needs a validating --resolver otherwise)')
    .option(
      '--resolver-check-name <name>',
      'a name the resolver must answer as DNSSEC-secure when it validates (when TLSA exists but no answer was secure)',
      DEFAULTS.scanner.resolverCheckName,
    )
    .option('--no-tls-probe', 'skip raw TLS probing (protocols, cipher suites, groups): certificate and XMPP facts only; much faster')
    .option(
      '--max-connections <n>',
      'probe connections to one endpoint at once (politeness)',
      intIn(1, 64, 'a whole number'),
      DEFAULTS.concurrency.connectionsPerHost,
    )
    .option(
      '--connection-delay <ms>',
      'minimum time between two connections to one endpoint',
      intIn(0, 60000, 'a whole number of milliseconds'),
      DEFAULTS.concurrency.connectionDelayMs,
    )
    .option(
      '--timeout <seconds>',
      `deadline of each phase (connect, stream header, features, proceed, handshake): a total, bytes do not extend it (default: connect ${t.connectSeconds}, reads ${t.readSeconds}, handshake ${t.handshakeSeconds})`,
      seconds,
    )
    .option(
      '--endpoint-timeout <seconds>',
      'budget of one endpoint, all TLS probes included (then: timeout, partial findings)',
      secondsUpTo(3600),
      t.endpointSeconds,
    )
    .option('--scan-timeout <seconds>', 'budget of the whole scan of a domain, every endpoint included', secondsUpTo(7200), t.scanSeconds);
}

// --- what they load ----------------------------------------------------------------------------

/** Throws UsageError when only one of --client-cert and --client-key is given. */
export function checkClientCertificateFlags(flags: ScannerFlags): void {
  if (Boolean(flags.clientCert) !== Boolean(flags.clientKey)) throw new UsageError('--client-cert and --client-key go together');
}

/** The certificate and key of --client-cert/--client-key, undefined without them. Throws UsageError (only one given, unreadable). */
export function clientCertificateFromFlags(flags: ScannerFlags): ClientCertificate | undefined {
  checkClientCertificateFlags(flags);
  if (!flags.clientCert || !flags.clientKey) return undefined;
  try {
    return { cert: readFileSync(flags.clientCert), key: readFileSync(flags.clientKey) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

// --- what they mean for a scan -----------------------------------------------------------------

/** --timeout: every phase gets that long; without it, each phase its default. */
export function timeoutsFromFlags(flags: ScannerFlags): Timeouts {
  const t = DEFAULTS.timeouts;
  if (flags.timeout === undefined) return { connectMs: t.connectSeconds * 1000, readMs: t.readSeconds * 1000, handshakeMs: t.handshakeSeconds * 1000 };
  const ms = flags.timeout * 1000;
  return { connectMs: ms, readMs: ms, handshakeMs: ms };
}

/** The ScanOptions that a configuration has too (see scanOptionOverrides). */
type ScannerSettings = Pick<
  ScanOptions,
  | 'resolver'
  | 'fetchAia'
  | 'from'
  | 'tlsProbe'
  | 'simulation'
  | 'dane'
  | 'resolverCheckName'
  | 'profile'
  | 'maxConnectionsPerHost'
  | 'connectionDelayMs'
  | 'timeouts'
  | 'endpointTimeoutMs'
  | 'scanTimeoutMs'
>;

/** Which flag (commander's attribute name) sets each of them. */
const FLAG_OF: Record<keyof ScannerSettings, keyof ScannerFlags> = {
  resolver: 'resolver',
  fetchAia: 'aia',
  from: 'from',
  tlsProbe: 'tlsProbe',
  simulation: 'simulation',
  dane: 'dane',
  resolverCheckName: 'resolverCheckName',
  profile: 'profile',
  maxConnectionsPerHost: 'maxConnections',
  connectionDelayMs: 'connectionDelay',
  timeouts: 'timeout',
  endpointTimeoutMs: 'endpointTimeout',
  scanTimeoutMs: 'scanTimeout',
};

function settingsFromFlags(flags: ScannerFlags): ScannerSettings {
  return {
    from: flags.from,
    fetchAia: flags.aia,
    tlsProbe: flags.tlsProbe,
    simulation: flags.simulation,
    dane: flags.dane,
    resolverCheckName: flags.resolverCheckName,
    profile: flags.profile,
    maxConnectionsPerHost: flags.maxConnections,
    connectionDelayMs: flags.connectionDelay,
    timeouts: timeoutsFromFlags(flags),
    endpointTimeoutMs: flags.endpointTimeout * 1000,
    scanTimeoutMs: flags.scanTimeout * 1000,
    ...(flags.resolver ? { resolver: flags.resolver } : {}),
  };
}

/** The ScanOptions (all but the mode) of the flags, with the trust store and client certificate they loaded. */
export function scanOptionsFromFlags(
  flags: ScannerFlags,
  loaded: { trustStore: TrustStore; clientCertificate?: ClientCertificate | undefined },
): Omit<ScanOptions, 'mode'> {
  return {
    trustStore: loaded.trustStore,
    ...settingsFromFlags(flags),
    ...(flags.directTls ? { directTls: true } : {}),
    ...(loaded.clientCertificate ? { clientCertificate: loaded.clientCertificate } : {}),
  };
}

/**
 * The settings whose flags were given (`given(name)`, commander's attribute name), to lay over a
 * configuration's ScanOptions. Not --direct-tls (a configuration sets it per target), nor the
 * trust anchors and the client certificate (loaded with the configuration's).
 */
export function scanOptionOverrides(flags: ScannerFlags, given: (name: string) => boolean): Partial<ScanOptions> {
  const settings = settingsFromFlags(flags);
  return Object.fromEntries(Object.entries(settings).filter(([key]) => given(FLAG_OF[key as keyof ScannerSettings])));
}
