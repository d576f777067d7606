import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { ScanError } from '../result/errors.js';

const MAX_DOMAIN_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// ASCII other than letters, digits, '-' and '.' (the class lists what may pass: those and all of non-ASCII):
// domainToASCII is a lenient URL host parser ("a/b" gives "a"), so anything URL-ish must be rejected before it gets there.
const FORBIDDEN_ASCII = /[^-.0-9A-Za-z\u0080-\uFFFF]/;

function invalid(input: string, why: string): ScanError {
  return new ScanError('invalid_domain', `invalid domain ${JSON.stringify(input)}: ${why}`);
}

/**
 * net.isIP(s) !== 0, without running Node's IPv6 pattern on what holds no ':' (every IPv6 address
 * does): its first runs take milliseconds, paid by every configuration check and scan otherwise.
 */
function isIpAddress(s: string): boolean {
  return s.includes(':') ? isIPv6(s) : isIPv4(s);
}

/**
 * Validates an XMPP domain and returns its canonical form: IDNA A-labels (punycode), lower case,
 * no trailing dot. Throws ScanError('invalid_domain') for empty input, IP literals and garbage.
 */
export function normalizeDomain(input: string): string {
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input), 'empty');
  const withoutDot = input.endsWith('.') ? input.slice(0, -1) : input;
  if (withoutDot.length === 0) throw invalid(input, 'empty');
  if (isIpAddress(withoutDot) || withoutDot.startsWith('[')) throw invalid(input, 'an IP address is not a domain');
  if (FORBIDDEN_ASCII.test(withoutDot)) throw invalid(input, 'only letters, digits, "-" and "." are allowed');

  const ascii = domainToASCII(withoutDot).toLowerCase();
  if (ascii === '') throw invalid(input, 'not a valid (internationalised) domain name');
  // The URL host parser turns things like "1.2.3" into IPv4 addresses.
  if (isIpAddress(ascii)) throw invalid(input, 'an IP address is not a domain');
  if (ascii.length > MAX_DOMAIN_LENGTH) throw invalid(input, `longer than ${MAX_DOMAIN_LENGTH} characters`);
  const labels = ascii.split('.');
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) throw invalid(input, bad === '' ? 'empty label' : `bad label ${JSON.stringify(bad)}`);
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw invalid(input, 'the last label is numeric');
  return ascii;
}
