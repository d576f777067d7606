import { readFileSync } from 'node:fs';
// The trust anchors' own file, not the certificate folder's index: loading the configuration (check-config) must not load
// the X.509 libraries that path building needs (docs/architecture.md).
import { type TrustStore, loadTrustStore } from '../certificate/trust-store.js';
import type { ClientCertificate } from '../connector/index.js';
import type { ScanOptions } from '../scan/index.js';
import type { VersionAccountOptions } from '../software/index.js';
import type { Config, Mode, TargetConfig } from './types.js';

// From the configuration to scanDomain()'s options. The trust store and the client certificate
// are loaded once per (re)load by the caller (buildTrustStore, loadClientCertificate) and passed in.

export interface LoadedScanMaterial {
  trustStore?: TrustStore;
  clientCertificate?: ClientCertificate;
}

/** The trust anchors of the configuration (bundled Mozilla roots unless systemRoots: false, plus caFiles). */
export function buildTrustStore(config: Config): TrustStore {
  return loadTrustStore({ caFiles: config.scanner.caFiles, systemRoots: config.scanner.systemRoots });
}

/** Reads scanner.clientCertificate's files (undefined when none is configured). Throws on unreadable files. */
export function loadClientCertificate(config: Config): ClientCertificate | undefined {
  const cc = config.scanner.clientCertificate;
  if (!cc) return undefined;
  return { cert: readFileSync(cc.certFile), key: readFileSync(cc.keyFile) };
}

/**
 * scanDomain() options for one target in one mode. Without `loaded.trustStore` the scan builds
 * one from caFiles (with the bundled roots, whatever systemRoots says): pass buildTrustStore(config).
 */
export function toScanOptions(config: Config, target: TargetConfig, mode: Mode, loaded: LoadedScanMaterial = {}): ScanOptions {
  const t = config.timeouts;
  return {
    mode,
    from: config.scanner.from,
    caFiles: config.scanner.caFiles,
    fetchAia: config.scanner.fetchAia,
    tlsProbe: config.scanner.tlsProbe,
    simulation: config.scanner.simulation,
    dane: config.scanner.dane,
    resolverCheckName: config.scanner.resolverCheckName,
    profile: config.grading.profile,
    maxConnectionsPerHost: config.concurrency.connectionsPerHost,
    connectionDelayMs: config.concurrency.connectionDelayMs,
    timeouts: { connectMs: seconds(t.connectSeconds), readMs: seconds(t.readSeconds), handshakeMs: seconds(t.handshakeSeconds) },
    endpointTimeoutMs: seconds(t.endpointSeconds),
    scanTimeoutMs: seconds(t.scanSeconds),
    ...(target.connect !== undefined ? { connect: target.connect } : {}),
    ...(target.directTls !== undefined ? { directTls: target.directTls } : {}),
    ...(config.scanner.resolver !== undefined ? { resolver: config.scanner.resolver } : {}),
    ...(loaded.trustStore ? { trustStore: loaded.trustStore } : {}),
    ...(loaded.clientCertificate ? { clientCertificate: loaded.clientCertificate } : {}),
  };
}

function seconds(s: number): number {
  return Math.round(s * 1000);
}

/**
 * The software version query's account settings (VersionQueryClient options) from `version:`;
 * undefined when no account is configured. Its trust anchors are version.caFiles (plus the bundled
 * roots unless version.systemRoots is false); the login uses the scanner's timeouts and resolver.
 */
export function versionAccountOptions(config: Config): VersionAccountOptions | undefined {
  const v = config.version;
  if (!v) return undefined;
  const t = config.timeouts;
  return {
    jid: v.jid,
    password: v.password.reveal(),
    ...(v.connect !== undefined ? { connect: v.connect } : {}),
    ...(v.directTls ? { directTls: true } : {}),
    ...(config.scanner.resolver !== undefined ? { resolver: config.scanner.resolver } : {}),
    trustStore: loadTrustStore({ caFiles: v.caFiles, systemRoots: v.systemRoots }),
    allowPlain: v.allowPlain,
    ...(v.resource !== undefined ? { resource: v.resource } : {}),
    timeouts: { connectMs: seconds(t.connectSeconds), readMs: seconds(t.readSeconds), handshakeMs: seconds(t.handshakeSeconds) },
    queryTimeoutMs: seconds(v.timeoutSeconds),
  };
}
