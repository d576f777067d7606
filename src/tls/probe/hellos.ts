import type { ProtocolName } from '../../result/types.js';
import { NAMED_GROUPS } from '../registry/index.js';
import { type KeyShareEntry, buildClientHello, buildSslv2ClientHello, x25519KeyShare } from '../wire/index.js';

// The ClientHellos the prober sends, one shape per protocol version. Kept in one place so every
// probe of a protocol looks the same to the server except for what the probe varies.

export const WIRE_VERSION: Record<Exclude<ProtocolName, 'SSLv2'>, number> = {
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export const SCSV_RENEGOTIATION = 0x00ff;
export const SCSV_FALLBACK = 0x5600;

/** Groups for ECDHE in TLS ≤ 1.2: every EC and X25519/X448 group (no FFDHE: we want the server's own DH parameters). */
export const TLS12_GROUPS = NAMED_GROUPS.filter((g) => g.kind === 'ec' || g.kind === 'ecx').map((g) => g.code);
/** Groups for TLS 1.3: everything TLS 1.3 allows, hybrids included. */
export const TLS13_GROUPS = NAMED_GROUPS.filter((g) => g.tls13).map((g) => g.code);

export interface HelloVariant {
  /** supported_groups to offer (default: all for the protocol). */
  groups?: number[];
  /** TLS 1.3 key shares (default: one x25519 share; [] provokes a HelloRetryRequest). */
  keyShares?: KeyShareEntry[];
  /** Offer DEFLATE compression. */
  compression?: boolean;
  /** Add TLS_FALLBACK_SCSV (RFC 7507). */
  fallbackScsv?: boolean;
}

export function buildHello(protocol: Exclude<ProtocolName, 'SSLv2'>, suites: number[], serverName: string | null, v: HelloVariant = {}): Buffer {
  const scsv = [SCSV_RENEGOTIATION, ...(v.fallbackScsv ? [SCSV_FALLBACK] : [])];
  const sni = serverName ? { serverName } : {};
  if (protocol === 'SSLv3') {
    // SSLv3 has no extensions; the SCSV still asks for secure renegotiation.
    return buildClientHello({
      recordVersion: 0x0300,
      clientVersion: 0x0300,
      cipherSuites: suites,
      scsv,
      noExtensions: true,
      ...(v.compression ? { compressionMethods: [1, 0] } : {}),
    });
  }
  if (protocol === 'TLSv1.3') {
    return buildClientHello({
      recordVersion: 0x0301,
      clientVersion: 0x0303,
      cipherSuites: suites,
      ...sni,
      supportedVersions: [0x0304],
      supportedGroups: v.groups ?? TLS13_GROUPS,
      keyShares: v.keyShares ?? [x25519KeyShare()],
      pskKeyExchangeModes: [1],
      padTo: 'auto',
    });
  }
  return buildClientHello({
    recordVersion: 0x0301,
    clientVersion: WIRE_VERSION[protocol],
    cipherSuites: suites,
    scsv,
    ...sni,
    supportedGroups: v.groups ?? TLS12_GROUPS,
    ecPointFormats: [0, 1, 2],
    ...(v.compression ? { compressionMethods: [1, 0] } : {}),
    padTo: 'auto',
  });
}

export function buildSslv2Hello(specs: number[]): Buffer {
  return buildSslv2ClientHello({ cipherSpecs: specs });
}
