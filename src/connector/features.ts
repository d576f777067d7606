import { ScanError } from '../result/errors.js';
import type { Phase, StarttlsState } from '../result/types.js';
import { NS_STREAM, type XmlElement, child, children } from './xml-stream.js';

// Pure interpretation of the elements a server sends before and after TLS.

export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
export const NS_STREAMS_ERRORS = 'urn:ietf:params:xml:ns:xmpp-streams';
export const NS_DIALBACK_FEATURE = 'urn:xmpp:features:dialback';
export const NS_COMPRESS_FEATURE = 'http://jabber.org/features/compress';

export interface StreamFeatures {
  starttls: StarttlsState;
  saslMechanisms: string[];
  dialback: boolean;
  compression: string[];
  /** `ns#name` of every child, e.g. `urn:xmpp:sm:3#sm`. */
  namespaces: string[];
}

export function isStreamElement(el: XmlElement, name: string): boolean {
  return el.ns === NS_STREAM && el.name === name;
}

export function parseFeatures(el: XmlElement): StreamFeatures {
  const starttlsEl = child(el, 'starttls', NS_TLS);
  const mechanismsEl = child(el, 'mechanisms', NS_SASL);
  const compressionEl = child(el, 'compression', NS_COMPRESS_FEATURE);
  return {
    starttls: !starttlsEl ? 'none' : child(starttlsEl, 'required', NS_TLS) ? 'required' : 'offered',
    saslMechanisms: mechanismsEl
      ? children(mechanismsEl, 'mechanism', NS_SASL)
          .map((m) => m.text.trim())
          .filter(Boolean)
      : [],
    dialback: child(el, 'dialback', NS_DIALBACK_FEATURE) !== undefined,
    compression: compressionEl
      ? children(compressionEl, 'method')
          .map((m) => m.text.trim())
          .filter(Boolean)
      : [],
    namespaces: el.children.map((c) => `${c.ns}#${c.name}`),
  };
}

/** `<stream:error>` → a typed error carrying the defined condition and the server's text. */
export function streamErrorFrom(el: XmlElement, peer: string, phase: Phase): ScanError {
  const conditionEl = el.children.find((c) => c.ns === NS_STREAMS_ERRORS && c.name !== 'text');
  const textEl = child(el, 'text', NS_STREAMS_ERRORS);
  const condition = conditionEl?.name ?? 'undefined-condition';
  // see-other-host carries the new host as its character data (RFC 6120 §4.9.3.19).
  const text = (condition === 'see-other-host' ? conditionEl?.text : textEl?.text)?.trim();
  const message = `${peer} closed the stream with error <${condition}/>${text ? `: ${text}` : ''}`;
  return new ScanError('stream_error', message, { phase, condition, ...(text ? { text } : {}) });
}

/** The SASL or STARTTLS `<failure>` condition, e.g. `not-authorized`. */
export function failureCondition(el: XmlElement): string {
  return el.children.find((c) => c.name !== 'text')?.name ?? 'undefined-condition';
}
