import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagNS } from 'saxes';

// An XMPP stream is one never-ending XML document: <stream:stream> opens it and every top-level
// element inside it (features, proceed, errors, stanzas) is a unit we hand out whole. saxes is a
// strict, namespace-aware streaming parser, so malformed input becomes an error event, never a
// crash, and we never look at the bytes with regexes.

export const NS_STREAM = 'http://etherx.jabber.org/streams';

export interface XmlElement {
  /** Local name, e.g. `features`. */
  name: string;
  /** Namespace URI, e.g. `http://etherx.jabber.org/streams`. */
  ns: string;
  /** Attributes by qualified name as written (`xml:lang`, `version`, …). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export type StreamEvent = { type: 'open'; attrs: Record<string, string> } | { type: 'element'; element: XmlElement } | { type: 'close' };

export interface StreamParserLimits {
  /** Largest top-level element we accept, in characters of its tags, attributes and text. */
  maxElementBytes: number;
  /** Nesting depth we accept inside one top-level element. */
  maxDepth: number;
  /** Bytes we accept on one stream: we only ever read a handful of elements. */
  maxStreamBytes: number;
}

/** Characters handed to saxes at a time: the limits are checked between slices. */
const PARSE_SLICE_CHARS = 4096;

const DEFAULT_LIMITS: StreamParserLimits = { maxElementBytes: 256 * 1024, maxDepth: 32, maxStreamBytes: 1024 * 1024 };

export class XmlStreamError extends Error {
  constructor(
    message: string,
    readonly kind: 'not_xml' | 'protocol_violation' | 'too_large',
  ) {
    super(message);
    this.name = 'XmlStreamError';
  }
}

/**
 * Feeds bytes in, gets stream events out. After the first error every later `write` throws the
 * same error: a broken stream stays broken.
 */
export class XmppStreamParser {
  private readonly parser = new SaxesParser({ xmlns: true, fragment: false });
  private readonly decoder = new StringDecoder('utf8');
  private readonly limits: StreamParserLimits;
  private readonly stack: XmlElement[] = [];
  private streamOpened = false;
  /** Size of the open top-level element so far (names, attributes, text), whatever the chunking. */
  private elementChars = 0;
  /** Characters written since the parser's last event: text saxes still buffers counts too. */
  private charsSinceEvent = 0;
  private bytesInStream = 0;
  private failure: XmlStreamError | null = null;
  private pending: StreamEvent[] = [];

  constructor(limits: Partial<StreamParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const p = this.parser;
    p.on('doctype', () => this.fail(new XmlStreamError('server sent a DOCTYPE, which XMPP forbids', 'protocol_violation')));
    p.on('processinginstruction', () => this.fail(new XmlStreamError('server sent a processing instruction, which XMPP forbids', 'protocol_violation')));
    p.on('opentag', (tag) => this.onOpen(tag as SaxesTagNS));
    p.on('closetag', () => this.onClose());
    p.on('text', (text) => this.onText(text));
    p.on('cdata', (text) => this.onText(text));
    p.on('error', (err) => this.fail(new XmlStreamError(`server sent malformed XML: ${err.message}`, 'not_xml')));
  }

  /** Parses a chunk and returns the events it completed. */
  write(chunk: Buffer | string): StreamEvent[] {
    if (this.failure) throw this.failure;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.bytesInStream += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (this.bytesInStream > this.limits.maxStreamBytes) {
      this.fail(new XmlStreamError(`server sent more than ${this.limits.maxStreamBytes} bytes on one stream`, 'too_large'));
    }
    // Fed in slices, checking the limits after each: once one trips, the rest of the chunk is
    // dropped unparsed (saxes would go on parsing a whole chunk of hostile nesting after our depth
    // limit, at a cost that grows with the depth).
    for (let at = 0; at < text.length && !this.failure; at += PARSE_SLICE_CHARS) {
      const slice = text.slice(at, at + PARSE_SLICE_CHARS);
      // Counted before parsing: every parser event resets it, so what is left is unparsed text.
      this.charsSinceEvent += slice.length;
      try {
        this.parser.write(slice);
      } catch (err) {
        // saxes throws for some errors even with an error handler (e.g. writing after close).
        this.fail(new XmlStreamError(`server sent malformed XML: ${(err as Error).message}`, 'not_xml'));
      }
      // Outside any element, what is still unparsed is a top-level open tag in the making (its
      // attributes are only handed over once it is complete): it counts too.
      if ((this.stack.length > 0 ? this.elementChars : 0) + this.charsSinceEvent > this.limits.maxElementBytes) {
        this.fail(new XmlStreamError(`server sent an element larger than ${this.limits.maxElementBytes} characters`, 'too_large'));
      }
    }
    if (this.failure) throw this.failure;
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /** Called at every parser event: the size is counted from parsed content, whatever the chunking. */
  private checkElementSize(): void {
    this.charsSinceEvent = 0;
    if (this.stack.length > 0 && this.elementChars > this.limits.maxElementBytes) {
      this.fail(new XmlStreamError(`server sent an element larger than ${this.limits.maxElementBytes} characters`, 'too_large'));
    }
  }

  private fail(err: XmlStreamError): void {
    if (!this.failure) this.failure = err;
  }

  private onOpen(tag: SaxesTagNS): void {
    if (this.failure) return;
    const attrs: Record<string, string> = {};
    for (const [qname, attr] of Object.entries(tag.attributes)) attrs[qname] = attr.value;
    if (!this.streamOpened) {
      if (tag.local !== 'stream' || tag.uri !== NS_STREAM) {
        this.fail(new XmlStreamError(`expected <stream:stream>, got <${tag.name}> (namespace ${tag.uri || 'none'})`, 'protocol_violation'));
        return;
      }
      this.streamOpened = true;
      this.charsSinceEvent = 0;
      this.pending.push({ type: 'open', attrs });
      return;
    }
    if (this.stack.length >= this.limits.maxDepth) {
      this.fail(new XmlStreamError(`server sent elements nested deeper than ${this.limits.maxDepth}`, 'too_large'));
      return;
    }
    const element: XmlElement = { name: tag.local, ns: tag.uri, attrs, children: [], text: '' };
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.children.push(element);
    else this.elementChars = 0;
    this.elementChars += tag.name.length + 2 + Object.entries(attrs).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    this.stack.push(element);
    this.checkElementSize();
  }

  private onClose(): void {
    if (this.failure) return;
    const open = this.stack[this.stack.length - 1];
    if (!open) {
      // Only the stream element itself can close at depth 0.
      this.pending.push({ type: 'close' });
      return;
    }
    this.elementChars += open.name.length + 3;
    this.checkElementSize();
    if (this.failure) return;
    this.stack.pop();
    if (this.stack.length === 0) this.pending.push({ type: 'element', element: open });
  }

  private onText(text: string): void {
    const current = this.stack[this.stack.length - 1];
    // Text between top-level elements is whitespace keep-alive; ignore it.
    if (current) {
      current.text += text;
      this.elementChars += text.length;
      this.checkElementSize();
    } else {
      this.charsSinceEvent = 0;
    }
  }
}

export function child(element: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

export function children(element: XmlElement, name: string, ns?: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Escapes text for use inside an attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}
