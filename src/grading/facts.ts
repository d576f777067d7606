// What the grading rules look at, gathered once from an endpoint's result.
import type { CertificateResult, CipherSuiteFinding, EndpointResult, KeyType, ProtocolName, TlsResult } from '../result/types.js';
import { ecRsaEquivalentBits, groupByName } from '../tls/registry/index.js';

/** Oldest first. */
import { PROTOCOLS } from '../result/protocols.js';

export { PROTOCOLS };

/** TLS 1.1 and later: the protocols that RC4 and 64-bit block ciphers should no longer be used with. */
export const MODERN_PROTOCOLS: ReadonlySet<ProtocolName> = new Set(['TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

export interface CertificateKey {
  type: KeyType;
  bits: number;
  /**
   * Strength in RSA-equivalent bits: RSA/DSA as is; EC, Ed25519 and Ed448 through ecRsaEquivalentBits (P-256 and
   * Ed25519 → 3072, P-384 and Ed448 → 7680).
   */
  rsaEquivalent: number;
}

/** A certificate signature the rules judge: the leaf's, and the intermediates' (never a root's). */
export interface SignatureFact {
  /** "the server certificate" / "the intermediate certificate CN=…" */
  which: string;
  algorithm: string;
}

/** Everything the rules of every profile need, computed once per endpoint. */
export interface GradingFacts {
  endpoint: EndpointResult;
  tls: TlsResult;
  certificate: CertificateResult | null;
  /** Supported protocols, oldest first; never empty. */
  protocols: ProtocolName[];
  best: ProtocolName;
  worst: ProtocolName;
  /** Accepted (protocol, suite) pairs; never empty. */
  suites: CipherSuiteFinding[];
  /** The certificate's key, or null when there is no certificate or its key size is unknown. */
  certificateKey: CertificateKey | null;
  /** The smallest DH prime the server used (DHE suites and the DH findings), or null when it never used DHE. */
  minDhBits: number | null;
  signatures: SignatureFact[];
}

/** Gathers the facts; the caller has checked that TLS was probed, with a protocol and a suite (see ungradedReason). */
export function gatherFacts(endpoint: EndpointResult): GradingFacts {
  const tls = endpoint.tls;
  if (!tls) throw new Error('gatherFacts: the endpoint has no TLS result');
  const protocols = PROTOCOLS.filter((p) => tls.protocols[p]);
  const best = protocols[protocols.length - 1];
  const worst = protocols[0];
  if (best === undefined || worst === undefined) throw new Error('gatherFacts: no protocol supported');
  const dhSizes = [...tls.cipherSuites.flatMap((s) => (s.dhBits === null ? [] : [s.dhBits])), ...tls.dh.map((d) => d.bits)];
  return {
    endpoint,
    tls,
    certificate: endpoint.certificate,
    protocols,
    best,
    worst,
    suites: tls.cipherSuites,
    certificateKey: certificateKey(endpoint.certificate),
    minDhBits: dhSizes.length ? Math.min(...dhSizes) : null,
    signatures: signatures(endpoint.certificate),
  };
}

function certificateKey(cert: CertificateResult | null): CertificateKey | null {
  if (!cert || cert.keyBits === null) return null;
  switch (cert.keyType) {
    case 'RSA':
    case 'DSA':
      return { type: cert.keyType, bits: cert.keyBits, rsaEquivalent: cert.keyBits };
    case 'EC':
    case 'Ed25519':
    case 'Ed448':
      return { type: cert.keyType, bits: cert.keyBits, rsaEquivalent: ecRsaEquivalentBits(cert.keyBits) };
    default:
      return null;
  }
}

function signatures(cert: CertificateResult | null): SignatureFact[] {
  if (!cert) return [];
  const out: SignatureFact[] = [{ which: 'the server certificate', algorithm: cert.signatureAlgorithm }];
  // builtChain[0] is the leaf. Trust anchors vouch for themselves, and a self-signed root's own signature proves
  // nothing, so neither is judged (as SSL Labs does).
  for (const entry of cert.builtChain.slice(1)) {
    if (entry.source !== 'presented' && entry.source !== 'aia') continue;
    if (entry.subject === entry.issuer) continue;
    out.push({ which: `the intermediate certificate ${entry.subject}`, algorithm: entry.signatureAlgorithm });
  }
  return out;
}

/** The suite relies on the certificate's key (RSA key transport, or a signature by it); false for anonymous/PSK/SRP. */
export function usesCertificate(s: CipherSuiteFinding): boolean {
  if (s.anonymous) return false;
  return s.authentication === 'RSA' || s.authentication === 'DSS' || s.authentication === 'ECDSA' || s.authentication === 'ANY';
}

/** Finite-field ephemeral DH (DHE, DH_anon, DHE_PSK). */
export function isDhe(s: CipherSuiteFinding): boolean {
  return s.keyExchange === 'DHE' || s.keyExchange === 'DHE_PSK';
}

/** The DH prime size a DHE suite used; when the probe did not record it, the smallest DH prime seen. */
export function dheBits(s: CipherSuiteFinding, f: GradingFacts): number | null {
  if (!isDhe(s)) return null;
  return s.dhBits ?? f.minDhBits;
}

/**
 * RSA-equivalent strengths of the ephemeral groups an ECDHE (TLS ≤ 1.2) or TLS 1.3 suite can use: the group the
 * server chose, and every group it accepted for that protocol family (the weakest key exchange it accepts counts).
 * EC groups through ecRsaEquivalentBits; FFDHE groups (TLS 1.3) by their modulus; pure post-quantum groups and
 * unknown ones are left out.
 */
export function groupStrengths(s: CipherSuiteFinding, f: GradingFacts): number[] {
  const tls13 = s.protocol === 'TLSv1.3';
  if (!tls13 && s.keyExchange !== 'ECDHE' && s.keyExchange !== 'ECDHE_PSK') return [];
  const out: number[] = [];
  if (s.kxGroup !== null) {
    const g = groupByName(s.kxGroup);
    const strength = g ? groupStrength(g.kind, g.bits) : null;
    if (strength !== null) out.push(strength);
  }
  for (const g of f.tls.groups) {
    if ((g.protocol === 'TLSv1.3') !== tls13) continue;
    const strength = groupStrength(g.kind, g.bits);
    if (strength !== null) out.push(strength);
  }
  return out;
}

function groupStrength(kind: string, bits: number | null): number | null {
  if (bits === null) return null;
  if (kind === 'ffdhe') return bits;
  if (kind === 'ec' || kind === 'ecx' || kind === 'hybrid-pq') return ecRsaEquivalentBits(bits);
  return null;
}

/** CBC-mode encryption (derived from the encryption name: `AES_128_CBC`, `3DES_EDE_CBC`, `DES40_CBC`, `RC2_CBC_40`). */
export function isCbc(s: CipherSuiteFinding): boolean {
  return /(^|_)CBC(_|$)/.test(s.encryption);
}

/** `TLSv1.0` → `TLS 1.0`. */
export function protocolLabel(p: ProtocolName): string {
  return p.startsWith('TLSv') ? `TLS ${p.slice(4)}` : p;
}

/** "A, B, C and 2 more". */
export function listNames(names: readonly string[], max = 3): string {
  const unique = [...new Set(names)];
  const shown = unique.slice(0, max).join(', ');
  return unique.length > max ? `${shown} and ${unique.length - max} more` : shown;
}

/** "A and B", "A, B and C". */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
