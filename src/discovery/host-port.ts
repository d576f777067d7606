import { isIP, isIPv6 } from 'node:net';
import { ScanError } from '../result/errors.js';
import { normalizeDomain } from './domain.js';

function invalid(input: string, why: string): ScanError {
  return new ScanError('invalid_domain', `invalid host:port ${JSON.stringify(input)}: ${why}`);
}

function parsePort(input: string, text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw invalid(input, `bad port ${JSON.stringify(text)}`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(input, `port ${port} out of range 1-65535`);
  return port;
}

/**
 * Parses "HOST:PORT", "HOST", "[IPv6]:PORT", "[IPv6]" or a bare IPv6 literal. HOST is an IP
 * literal (returned as given, without brackets) or a domain name (returned normalised, see
 * normalizeDomain). Without a port, `defaultPort` is used; without either, it throws.
 * Throws ScanError('invalid_domain') on bad input.
 */
export function parseHostPort(s: string, defaultPort?: number): { host: string; port: number } {
  const input = typeof s === 'string' ? s.trim() : '';
  if (input === '') throw invalid(String(s), 'empty');

  let host: string;
  let portText: string | undefined;
  if (input.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::(.*))?$/.exec(input);
    if (match === null || !isIPv6(match[1]!)) throw invalid(input, 'expected [IPv6 address] or [IPv6 address]:port');
    host = match[1]!;
    portText = match[2];
  } else if (isIPv6(input)) {
    host = input; // bare IPv6 literal: its colons leave no room for a port
  } else {
    const colon = input.lastIndexOf(':');
    if (colon === -1) {
      host = input;
    } else {
      host = input.slice(0, colon);
      portText = input.slice(colon + 1);
      if (host.includes(':')) throw invalid(input, 'IPv6 addresses with a port must be written [address]:port');
    }
  }

  const port = portText === undefined ? defaultPort : parsePort(input, portText);
  if (port === undefined) throw invalid(input, 'no port given');
  if (isIP(host) !== 0) return { host: host.toLowerCase(), port };
  try {
    return { host: normalizeDomain(host), port };
  } catch (err) {
    throw invalid(input, err instanceof Error ? err.message : String(err));
  }
}
