import { resolve } from 'node:path';
import type { TrustStore } from '../certificate/index.js';
import { type Config, VERSION_ENV } from '../config/types.js';
import type { ClientCertificate, Timeouts } from '../connector/index.js';
import type { Mode, ScanResult } from '../result/types.js';
import { scanDomain } from '../scan/index.js';
import type { VersionQueryClient } from '../software/index.js';
import { ANSI, PLAIN, formatScanReport } from './report-text.js';
import { type ScannerFlags, clientCertificateFromFlags, scanOptionsFromFlags, timeoutsFromFlags } from './scanner-options.js';
import { trustStoreFromFlags } from './trust-flags.js';

/** Options as commander hands them over (see program.ts for the flags). */
interface ScanFlags extends ScannerFlags {
  mode: Mode;
  connect?: string;
  json?: boolean;
  color: boolean;
}

export async function scanCommand(domain: string, raw: Record<string, unknown>): Promise<number> {
  const flags = raw as unknown as ScanFlags;
  let trustStore: TrustStore;
  let clientCertificate: ClientCertificate | undefined;
  let software: VersionQueryClient | undefined;
  try {
    trustStore = trustStoreFromFlags(flags);
    clientCertificate = clientCertificateFromFlags(flags);
    software = await versionClientFromEnv(trustStore, timeoutsFromFlags(flags));
  } catch (err) {
    process.stderr.write(`xmpp-tls-exporter scan: ${(err as Error).message}\n`);
    return 2;
  }
  const result = await scanDomain(domain, {
    mode: flags.mode,
    ...scanOptionsFromFlags(flags, { trustStore, clientCertificate }),
    ...(flags.connect ? { connect: flags.connect } : {}),
    ...(software ? { softwareQuery: (d: string, signal?: AbortSignal) => software.query(d, signal) } : {}),
  });
  await software?.close();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const useColor = flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(formatScanReport(result, useColor ? ANSI : PLAIN));
  }
  return exitCodeFor(result);
}

/**
 * The software version query's client when XMPP_TLS_EXPORTER_VERSION_JID (and a password variable)
 * is set, checked as the daemon checks `version:`; the account's server must be trusted by the
 * scan's trust anchors (--ca-file, the bundled roots). Throws Error naming every problem.
 */
/**
 * The XEP-0092 client when XMPP_TLS_EXPORTER_VERSION_* name an account. The configuration and
 * client modules load only then: most scans do without them (start-up time).
 */
async function versionClientFromEnv(trustStore: TrustStore, timeouts: Timeouts): Promise<VersionQueryClient | undefined> {
  if (!Object.values(VERSION_ENV).some((name) => process.env[name])) return undefined;
  const [{ ConfigError, parseConfig, versionAccountOptions }, { VersionQueryClient }] = await Promise.all([
    import('../config/index.js'),
    import('../software/index.js'),
  ]);
  let config: Config;
  try {
    config = parseConfig('{}', resolve('environment'), { env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`software version query: ${err.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    throw err;
  }
  const options = versionAccountOptions(config);
  if (!options) return undefined;
  return new VersionQueryClient({ ...options, trustStore, timeouts });
}

export function exitCodeFor(result: ScanResult): number {
  if (result.error) return result.error.code === 'internal_error' ? 3 : 1;
  if (result.endpoints.some((e) => e.error?.code === 'internal_error')) return 3;
  return result.endpoints.some((e) => e.status !== 'ok') ? 1 : 0;
}
