import { type XmlElement, child } from '../connector/xml-stream.js';
import type { SoftwareErrorCode, SoftwareErrorInfo } from '../result/types.js';

// XEP-0092 (jabber:iq:version) answers: pure parsing and sanitising. Everything in an answer is
// server-controlled text that ends up in the result document, the status page, reports and a
// Prometheus label, so it is cleaned before anything else sees it.

export const NS_VERSION = 'jabber:iq:version';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Longest text kept per field, in characters (code points); longer text is cut and ends in "…". */
export const SOFTWARE_TEXT_LIMITS = { name: 100, version: 100, os: 200, errorText: 200 } as const;

/** The RFC 6120 §8.3.3 stanza error conditions; anything else is reported as undefined-condition. */
export const STANZA_ERROR_CONDITIONS: ReadonlySet<string> = new Set([
  'bad-request',
  'conflict',
  'feature-not-implemented',
  'forbidden',
  'gone',
  'internal-server-error',
  'item-not-found',
  'jid-malformed',
  'not-acceptable',
  'not-allowed',
  'not-authorized',
  'policy-violation',
  'recipient-unavailable',
  'redirect',
  'registration-required',
  'remote-server-not-found',
  'remote-server-timeout',
  'resource-constraint',
  'service-unavailable',
  'subscription-required',
  'undefined-condition',
  'unexpected-request',
]);

/** The RFC 6120 §6.5 SASL failure conditions. */
export const SASL_FAILURE_CONDITIONS: ReadonlySet<string> = new Set([
  'aborted',
  'account-disabled',
  'credentials-expired',
  'encryption-required',
  'incorrect-encoding',
  'invalid-authzid',
  'invalid-mechanism',
  'malformed-request',
  'mechanism-too-weak',
  'not-authorized',
  'temporary-auth-failure',
]);

/** A failed query or login, with the code the result document reports. */
export class SoftwareQueryError extends Error {
  override readonly name = 'SoftwareQueryError';
  constructor(
    readonly code: SoftwareErrorCode,
    message: string,
    readonly condition?: string,
  ) {
    super(message);
  }

  toJSON(): SoftwareErrorInfo {
    return { code: this.code, message: this.message, ...(this.condition !== undefined ? { condition: this.condition } : {}) };
  }
}

// Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width joiners, BOM …),
// unpaired surrogates, private-use and unassigned code points: never kept.
const DROP = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/gu;
// Any run of whitespace (including line and paragraph separators) becomes one space.
const SPACES = /[\s\p{Zl}\p{Zp}]+/gu;

/**
 * Server-controlled text made safe to show and to use as a label value: line breaks and other
 * whitespace runs become one space, control and format characters go, the ends are trimmed and
 * the length is capped at `max` code points (the cut text ends in "…"). Empty text is null.
 */
export function sanitizeSoftwareText(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined) return null;
  // Whitespace first, so a tab or newline (both Cc) separates words instead of joining them.
  const cleaned = text.replace(SPACES, ' ').replace(DROP, '').replace(SPACES, ' ').trim();
  if (cleaned === '') return null;
  const chars = Array.from(cleaned);
  if (chars.length <= max) return cleaned;
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

export interface VersionReply {
  name: string | null;
  version: string | null;
  os: string | null;
}

/**
 * The software of an `<iq type='result'>` answer to a version query. Throws SoftwareQueryError
 * (invalid_reply) when it holds no jabber:iq:version query at all; missing or empty fields are null.
 */
export function parseVersionReply(iq: XmlElement): VersionReply {
  const query = child(iq, 'query', NS_VERSION);
  if (!query) {
    const got = iq.children.length > 0 ? `<${iq.children[0]!.name}> (${iq.children[0]!.ns || 'no namespace'})` : 'an empty result';
    throw new SoftwareQueryError('invalid_reply', `the answer holds no jabber:iq:version query but ${sanitizeSoftwareText(got, 120) ?? 'nothing'}`);
  }
  const field = (name: keyof VersionReply) => sanitizeSoftwareText(child(query, name, NS_VERSION)?.text, SOFTWARE_TEXT_LIMITS[name]);
  return { name: field('name'), version: field('version'), os: field('os') };
}

/**
 * The error of an `<iq type='error'>` answer: condition (one of RFC 6120's, else
 * undefined-condition) and the server's text, cleaned.
 */
export function stanzaErrorOf(iq: XmlElement, domain: string): SoftwareQueryError {
  const error = child(iq, 'error');
  const conditionEl = error?.children.find((c) => c.ns === NS_STANZAS && c.name !== 'text');
  const condition = conditionEl && STANZA_ERROR_CONDITIONS.has(conditionEl.name) ? conditionEl.name : 'undefined-condition';
  const text = sanitizeSoftwareText(error ? child(error, 'text', NS_STANZAS)?.text : undefined, SOFTWARE_TEXT_LIMITS.errorText);
  const explain = STANZA_ERROR_HINTS[condition];
  const message = `${domain} answered the version query with <${condition}/>${explain ? ` (${explain})` : ''}${text ? `: ${text}` : ''}`;
  return new SoftwareQueryError('stanza_error', message, condition);
}

const STANZA_ERROR_HINTS: Record<string, string> = {
  'service-unavailable': 'it does not answer jabber:iq:version',
  'feature-not-implemented': 'it does not answer jabber:iq:version',
  'item-not-found': 'no such domain there',
  'remote-server-not-found': 'our server could not reach it over s2s',
  'remote-server-timeout': 'our server timed out connecting to it over s2s',
  forbidden: 'it does not tell us',
  'not-allowed': 'it does not tell us',
};

/** The SASL `<failure>` condition (RFC 6120's, else `undefined-condition`) and its text, cleaned. */
export function saslFailureOf(failure: XmlElement): { condition: string; text: string | null } {
  const c = failure.children.find((e) => e.name !== 'text');
  const condition = c && SASL_FAILURE_CONDITIONS.has(c.name) ? c.name : 'undefined-condition';
  return { condition, text: sanitizeSoftwareText(child(failure, 'text')?.text, SOFTWARE_TEXT_LIMITS.errorText) };
}
