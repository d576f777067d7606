// Service identity check: RFC 6125, as profiled for XMPP by RFC 6120 §13.7.1.2 and RFC 7590.
import { domainToASCII } from 'node:url';
import type { IdentityCheck, Mode, SubjectAltNames } from '../result/types.js';

const NO_MATCH: IdentityCheck = { matchedBy: null, matchedValue: null };

/**
 * Does the certificate name `domain` for the given service? Reference identifiers: DNS-ID
 * `domain`, SRV-ID `_xmpp-client.domain` (c2s) or `_xmpp-server.domain` (s2s), XmppAddr `domain`.
 * All comparisons are on lower-case A-labels. The CN is a last resort, used only when the
 * certificate has no identifier SAN at all (RFC 6125 §6.4.4).
 */
export function checkIdentity(cert: { sans: SubjectAltNames; commonName: string | null }, domain: string, mode: Mode): IdentityCheck {
  const reference = toAscii(domain);
  if (reference === null) return NO_MATCH;
  const { sans } = cert;

  const dns = sans.dns.find((san) => matchesDnsId(san, reference));
  if (dns !== undefined) return { matchedBy: 'dns', matchedValue: dns };

  const service = mode === 'c2s' ? '_xmpp-client' : '_xmpp-server';
  const srv = sans.srv.find((san) => matchesSrvId(san, service, reference));
  if (srv !== undefined) return { matchedBy: 'srv', matchedValue: srv };

  const xmppAddr = sans.xmppAddr.find((san) => toAscii(san) === reference);
  if (xmppAddr !== undefined) return { matchedBy: 'xmppAddr', matchedValue: xmppAddr };

  const hasIdentifierSans = sans.dns.length + sans.srv.length + sans.uri.length + sans.xmppAddr.length > 0;
  if (!hasIdentifierSans && cert.commonName !== null && matchesDnsId(cert.commonName, reference)) {
    return { matchedBy: 'cn', matchedValue: cert.commonName };
  }
  return NO_MATCH;
}

/**
 * Lower-case A-label form without a trailing dot, or null when it is not a valid domain (so that
 * two invalid names never compare equal). A `*` is never valid here: wildcards are handled by
 * the caller, and only for DNS-IDs.
 */
function toAscii(name: string): string | null {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '' || trimmed.includes('*')) return null;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? null : ascii.toLowerCase();
}

/**
 * Exact match, or a wildcard that is the whole left-most label (`*.example.org`) standing for
 * exactly one label. Partial wildcards (`f*.example.org`) and wildcards over a single remaining
 * label (`*.org`) never match.
 */
function matchesDnsId(presented: string, reference: string): boolean {
  if (!presented.startsWith('*.')) return toAscii(presented) === reference;
  const base = toAscii(presented.slice(2));
  if (base === null || !base.includes('.')) return false;
  const dot = reference.indexOf('.');
  return dot > 0 && reference.slice(dot + 1) === base;
}

/** SRV-ID `_service.domain` (RFC 4985): service compared case-insensitively, no wildcards. */
function matchesSrvId(presented: string, service: string, reference: string): boolean {
  const dot = presented.indexOf('.');
  if (dot < 0) return false;
  return presented.slice(0, dot).toLowerCase() === service && toAscii(presented.slice(dot + 1)) === reference;
}
