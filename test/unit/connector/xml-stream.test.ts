import fc from 'fast-check';
import {
  NS_STREAM,
  type StreamEvent,
  type StreamParserLimits,
  type XmlElement,
  XmlStreamError,
  XmppStreamParser,
  child,
  children,
  escapeXml,
} from '../../../src/connector/xml-stream.js';

const NS_CLIENT = 'jabber:client';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const DECL = "<?xml version='1.0'?>";
const OPEN = `<stream:stream xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}' from='example.org' id='c2s-4f1a' version='1.0' xml:lang='en'>`;
const HEADER = DECL + OPEN;
const OPEN_ATTRS = {
  xmlns: NS_CLIENT,
  'xmlns:stream': NS_STREAM,
  from: 'example.org',
  id: 'c2s-4f1a',
  version: '1.0',
  'xml:lang': 'en',
};

type Chunk = string | Buffer;

/** Writes the chunks in turn and returns every event, in order. */
function feed(chunks: Chunk[], limits?: Partial<StreamParserLimits>): StreamEvent[] {
  const parser = new XmppStreamParser(limits);
  return chunks.flatMap((chunk) => parser.write(chunk));
}

/** The error `write` threw, failing the test if it threw something else or nothing. */
function failureOf(chunks: Chunk[], limits?: Partial<StreamParserLimits>): XmlStreamError {
  const parser = new XmppStreamParser(limits);
  try {
    for (const chunk of chunks) parser.write(chunk);
  } catch (err) {
    expect(err).toBeInstanceOf(XmlStreamError);
    return err as XmlStreamError;
  }
  throw new Error('expected the parser to fail');
}

function el(name: string, ns: string, opts: Partial<Pick<XmlElement, 'attrs' | 'children' | 'text'>> = {}): XmlElement {
  return { name, ns, attrs: {}, children: [], text: '', ...opts };
}

/** Splits `buffer` at the given offsets (sorted, deduplicated, clamped). */
function splitAt(buffer: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => Math.min(Math.max(o, 0), buffer.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, buffer.length]) {
    pieces.push(buffer.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

const FEATURES =
  `<stream:features><starttls xmlns='${NS_TLS}'><required/></starttls>` +
  `<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>` +
  `</stream:features>`;
const FEATURES_ELEMENT = el('features', NS_STREAM, {
  children: [
    el('starttls', NS_TLS, { attrs: { xmlns: NS_TLS }, children: [el('required', NS_TLS)] }),
    el('mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl', {
      attrs: { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl' },
      children: [
        el('mechanism', 'urn:ietf:params:xml:ns:xmpp-sasl', { text: 'SCRAM-SHA-1' }),
        el('mechanism', 'urn:ietf:params:xml:ns:xmpp-sasl', { text: 'PLAIN' }),
      ],
    }),
  ],
});

describe('XmppStreamParser: events', () => {
  it('reports the stream header with its attributes by qualified name', () => {
    expect(feed([HEADER])).toEqual([{ type: 'open', attrs: OPEN_ATTRS }]);
  });

  it('reports a top-level element once it is complete, with children, namespaces and attributes', () => {
    const parser = new XmppStreamParser();
    expect(parser.write(HEADER)).toHaveLength(1);
    expect(parser.write(FEATURES.slice(0, -5))).toEqual([]);
    expect(parser.write(FEATURES.slice(-5))).toEqual([{ type: 'element', element: FEATURES_ELEMENT }]);
  });

  it('reports the end of the stream', () => {
    expect(feed([HEADER, '<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>', '</stream:stream>'])).toEqual([
      { type: 'open', attrs: OPEN_ATTRS },
      { type: 'element', element: el('proceed', NS_TLS, { attrs: { xmlns: NS_TLS } }) },
      { type: 'close' },
    ]);
  });

  it('reports several elements written in one chunk, in order', () => {
    const events = feed([`${HEADER + FEATURES}<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type='result' id='1'/>`]);
    expect(events.map((e) => (e.type === 'element' ? e.element.name : e.type))).toEqual(['open', 'features', 'proceed', 'iq']);
    expect(events[3]).toEqual({ type: 'element', element: el('iq', NS_CLIENT, { attrs: { type: 'result', id: '1' } }) });
  });

  it('ignores whitespace keep-alives between top-level elements', () => {
    const parser = new XmppStreamParser();
    parser.write(HEADER);
    expect(parser.write(' ')).toEqual([]);
    expect(parser.write('\n\t \r\n')).toEqual([]);
    expect(parser.write(` ${FEATURES}\n \n<iq id='2'/> `)).toEqual([
      { type: 'element', element: FEATURES_ELEMENT },
      { type: 'element', element: el('iq', NS_CLIENT, { attrs: { id: '2' } }) },
    ]);
  });

  it('resolves namespaces: the stream prefix, the default namespace, redeclarations and other prefixes', () => {
    const events = feed([
      HEADER,
      "<stream:features><ver xmlns='urn:xmpp:features:rosterver'/><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind></stream:features>",
      "<db:result xmlns:db='jabber:server:dialback' to='a.example' from='b.example'>key</db:result>",
      "<message><body>hi</body><x xmlns='jabber:x:data'><field/></x></message>",
    ]);
    expect(events.slice(1)).toEqual([
      {
        type: 'element',
        element: el('features', NS_STREAM, {
          children: [
            // Children of <stream:features> without a prefix are in the default namespace, not the stream's.
            el('ver', 'urn:xmpp:features:rosterver', { attrs: { xmlns: 'urn:xmpp:features:rosterver' } }),
            el('bind', 'urn:ietf:params:xml:ns:xmpp-bind', {
              attrs: { xmlns: 'urn:ietf:params:xml:ns:xmpp-bind' },
              children: [el('required', 'urn:ietf:params:xml:ns:xmpp-bind')],
            }),
          ],
        }),
      },
      {
        type: 'element',
        element: el('result', 'jabber:server:dialback', {
          attrs: { 'xmlns:db': 'jabber:server:dialback', to: 'a.example', from: 'b.example' },
          text: 'key',
        }),
      },
      {
        type: 'element',
        element: el('message', NS_CLIENT, {
          children: [
            el('body', NS_CLIENT, { text: 'hi' }),
            el('x', 'jabber:x:data', { attrs: { xmlns: 'jabber:x:data' }, children: [el('field', 'jabber:x:data')] }),
          ],
        }),
      },
    ]);
  });

  it.each([
    ['with an XML declaration', HEADER],
    ['with an XML declaration naming the encoding', `<?xml version="1.0" encoding="UTF-8"?>${OPEN}`],
    ['without an XML declaration', OPEN],
    ['with a byte order mark', `\uFEFF${HEADER}`],
  ])('accepts a stream header %s', (_how, header) => {
    expect(feed([header])).toEqual([{ type: 'open', attrs: OPEN_ATTRS }]);
  });

  it('accepts a stream element in the default namespace, without the stream prefix', () => {
    expect(feed([`<stream xmlns='${NS_STREAM}' version='1.0'><features/>`])).toEqual([
      { type: 'open', attrs: { xmlns: NS_STREAM, version: '1.0' } },
      { type: 'element', element: el('features', NS_STREAM) },
    ]);
  });

  it('decodes entities, character references and CDATA, and skips comments', () => {
    const [, message] = feed([HEADER, '<message><!-- hi --><body>a &lt;b&gt; &amp; &quot;c&quot; &#x1F600;&#233;<![CDATA[<x/>&amp;]]></body></message>']);
    expect(message).toEqual({
      type: 'element',
      element: el('message', NS_CLIENT, { children: [el('body', NS_CLIENT, { text: 'a <b> & "c" 😀é<x/>&amp;' })] }),
    });
  });

  it('concatenates the text directly inside an element around its children', () => {
    const [, event] = feed([HEADER, '<a>one <b>two</b> three <c/>four</a>']);
    expect(event).toEqual({
      type: 'element',
      element: el('a', NS_CLIENT, { text: 'one  three four', children: [el('b', NS_CLIENT, { text: 'two' }), el('c', NS_CLIENT)] }),
    });
  });

  describe('chunking', () => {
    // ü is 2 bytes in UTF-8, 中 3, 😀 4 (and two UTF-16 code units): every split inside them is covered.
    const stream = Buffer.from(
      `${HEADER}\n${FEATURES} <stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>` +
        `<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='de'>Grüße 中 😀!</text></stream:error></stream:stream>`,
    );
    const expected = feed([stream]);

    it('parses the whole stream in one chunk', () => {
      expect(expected.map((e) => e.type)).toEqual(['open', 'element', 'element', 'close']);
      const error = expected[2];
      expect(error?.type === 'element' && child(error.element, 'text')?.text).toBe('Grüße 中 😀!');
    });

    it('gives the same events when split in two at every byte boundary', () => {
      for (let i = 0; i <= stream.length; i++) {
        expect({ i, events: feed(splitAt(stream, [i])) }).toEqual({ i, events: expected });
      }
    });

    it('gives the same events when fed one byte at a time', () => {
      expect(
        feed(
          splitAt(
            stream,
            Array.from({ length: stream.length }, (_, i) => i),
          ),
        ),
      ).toEqual(expected);
    });

    it('gives the same events when string chunks split a surrogate pair', () => {
      const text = stream.toString('utf8');
      const inside = text.indexOf('😀') + 1;
      expect(feed([text.slice(0, inside), text.slice(inside)])).toEqual(expected);
    });
  });
});

describe('XmppStreamParser: errors', () => {
  const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
  // Every row has all four entries: jest takes a test function with more parameters than the row
  // has entries for one that waits for a `done` callback.
  type ErrorCase = [what: string, chunks: Chunk[], kind: XmlStreamError['kind'], limits: Partial<StreamParserLimits>];
  const cases: ErrorCase[] = [
    ['an HTTP response', ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'], 'not_xml', {}],
    ['an SSH banner', ['SSH-2.0-OpenSSH_9.6\r\n'], 'not_xml', {}],
    ['a TLS record (direct-TLS port)', [Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03])], 'not_xml', {}],
    ['a TLS alert', [Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])], 'not_xml', {}],
    ['NUL bytes', [Buffer.from([0x00, 0x00, 0x00, 0x00])], 'not_xml', {}],
    ['invalid UTF-8 and control characters', [Buffer.from([0xff, 0xfe, 0x01, 0x3c, 0x61, 0x3e])], 'not_xml', {}],
    ['text before the stream', ['hello'], 'not_xml', {}],
    ['an XML declaration after whitespace', [` ${HEADER}`], 'not_xml', {}],
    ['an unbound prefix', [HEADER, '<foo:bar/>'], 'not_xml', {}],
    ['a mismatched end tag', [HEADER, '<message><body></message>'], 'not_xml', {}],
    ['an undefined entity', [HEADER, '<body>&nbsp;</body>'], 'not_xml', {}],
    ['an unquoted attribute', [HEADER, '<iq id=1/>'], 'not_xml', {}],
    ['a duplicate attribute', [HEADER, "<iq id='1' id='2'/>"], 'not_xml', {}],
    ['a second root after the stream closed', [HEADER, '</stream:stream>', '<stream:stream/>'], 'not_xml', {}],
    ['text after the stream closed', [HEADER, '</stream:stream>', 'bye'], 'not_xml', {}],
    ['a DOCTYPE', [`${DECL}<!DOCTYPE stream>${OPEN}`], 'protocol_violation', {}],
    ['a DOCTYPE with an entity declaration', [`<!DOCTYPE s [<!ENTITY x "lol">]>${OPEN}`], 'protocol_violation', {}],
    ['a processing instruction before the stream', [`<?xml-stylesheet href='a.xsl'?>${OPEN}`], 'protocol_violation', {}],
    ['a processing instruction inside the stream', [HEADER, '<?php echo 1; ?>'], 'protocol_violation', {}],
    ['a processing instruction inside an element', [HEADER, '<message><?pi?></message>'], 'protocol_violation', {}],
    ['an HTML5 document (lower-case doctype is not XML)', ['<!doctype html><html><body>400</body></html>'], 'not_xml', {}],
    ['an XHTML document', ['<!DOCTYPE html><html><body>400</body></html>'], 'protocol_violation', {}],
    ['a root element that is not a stream', ['<html><body>'], 'protocol_violation', {}],
    ['a stream element in no namespace', ['<stream>'], 'protocol_violation', {}],
    ['a stream element in the wrong namespace', [`<stream:stream xmlns:stream='${NS_CLIENT}'>`], 'protocol_violation', {}],
    ['a stream with a foreign prefix', [`<flow:stream xmlns:flow='urn:example:flow'>`], 'protocol_violation', {}],
    ['an element larger than the limit', [HEADER, '<message><body>', 'x'.repeat(200), '</body></message>'], 'too_large', { maxElementBytes: 100 }],
    ['an element larger than the default limit', [HEADER, '<message>', 'x'.repeat(256 * 1024 + 1)], 'too_large', {}],
    ['nesting deeper than the limit', [HEADER, deep(5)], 'too_large', { maxDepth: 4 }],
    ['nesting deeper than the default limit', [HEADER, deep(33)], 'too_large', {}],
    ['a stream larger than the limit', [HEADER, ...Array.from({ length: 20 }, () => "<iq type='result' id='1'/>")], 'too_large', { maxStreamBytes: 400 }],
    ['a stream larger than the limit in one chunk', [HEADER + ' '.repeat(1000)], 'too_large', { maxStreamBytes: 1000 }],
    ['a stream larger than the default limit', [HEADER, ...Array.from({ length: 5 }, () => ' '.repeat(256 * 1024))], 'too_large', {}],
  ];

  it.each(cases)('rejects %s', (_what, chunks, kind, limits) => {
    const err = failureOf(chunks, limits);
    expect(err.kind).toBe(kind);
    expect(err.name).toBe('XmlStreamError');
  });

  it.each(cases)('keeps throwing the same error after %s', (_what, chunks, _kind, limits) => {
    const parser = new XmppStreamParser(limits);
    let first: unknown;
    try {
      for (const chunk of chunks) parser.write(chunk);
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(XmlStreamError);
    for (const later of [' ', '<iq/>', HEADER, Buffer.alloc(0), '']) expect(() => parser.write(later)).toThrow(first as Error);
  });

  it.each([
    ['maxDepth', { maxDepth: 4 }, [HEADER, deep(4)]],
    ['maxElementBytes', { maxElementBytes: 100 }, [HEADER, '<message><body>', 'x'.repeat(60), '</body></message>']],
    ['maxStreamBytes', { maxStreamBytes: HEADER.length + 10 }, [HEADER, '<a>', '</a>', '   ']],
  ])('accepts input right at the %s limit', (_limit, limits, chunks) => {
    expect(feed(chunks, limits).map((e) => e.type)).toEqual(['open', 'element']);
  });

  it('names the element it expected and what it got', () => {
    expect(failureOf(['<html>']).message).toBe('expected <stream:stream>, got <html> (namespace none)');
  });

  // The element size limit does not depend on how the bytes were chunked.
  it('rejects an element larger than the limit that arrives in a single chunk', () => {
    expect(failureOf([HEADER, `<message><body>${'x'.repeat(1000)}</body></message>`], { maxElementBytes: 100 }).kind).toBe('too_large');
  });

  it('does not count small elements that follow a large one in the same chunk against it', () => {
    const events = feed([HEADER, '<message><body>', `${'x'.repeat(60)}</body></message>${"<iq id='1'/>".repeat(10)}`], { maxElementBytes: 100 });
    expect(events).toHaveLength(12);
  });
});

describe('XmppStreamParser: properties', () => {
  /** Writes every chunk; returns the events, or the error, failing on anything but an XmlStreamError. */
  function run(chunks: Chunk[]): { events: StreamEvent[]; error: XmlStreamError | null; parser: XmppStreamParser } {
    const parser = new XmppStreamParser();
    const events: StreamEvent[] = [];
    for (const chunk of chunks) {
      try {
        events.push(...parser.write(chunk));
      } catch (err) {
        if (!(err instanceof XmlStreamError)) throw err;
        return { events, error: err, parser };
      }
    }
    return { events, error: null, parser };
  }

  /** Shared invariants of any run: only XmlStreamError, sticky failure, events in a sane order. */
  function checkRun(chunks: Chunk[]): void {
    const { events, error, parser } = run(chunks);
    if (error) expect(() => parser.write('<a/>')).toThrow(error);
    if (events.length > 0) expect(events[0]!.type).toBe('open');
    expect(events.slice(1).filter((e) => e.type === 'open')).toEqual([]);
    const close = events.findIndex((e) => e.type === 'close');
    if (close >= 0) expect(close).toBe(events.length - 1);
  }

  it('never throws anything but XmlStreamError on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => checkRun(chunks.map((c) => Buffer.from(c)))),
      {
        numRuns: 500,
      },
    );
  });

  it('never throws anything but XmlStreamError on random bytes after a valid stream header', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => checkRun([HEADER, ...chunks.map((c) => Buffer.from(c))])),
      { numRuns: 500 },
    );
  });

  it('never throws anything but XmlStreamError on random strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 64 }), { maxLength: 8 }), (chunks) => checkRun(chunks)),
      { numRuns: 500 },
    );
  });

  // Random characters rarely get past the first byte; fragments of XML syntax reach deeper states.
  const token = fc.constantFrom(
    '<',
    '>',
    '/',
    '/>',
    '</',
    '<?',
    '?>',
    '<!',
    '<!--',
    '-->',
    '<![CDATA[',
    ']]>',
    '<!DOCTYPE ',
    '[',
    ']',
    '&',
    '&amp;',
    '&#',
    '&#x',
    ';',
    '=',
    '"',
    "'",
    ':',
    ' ',
    '\n',
    'a',
    'stream',
    'stream:',
    'xmlns',
    'xmlns:stream',
    'xml',
    'features',
    NS_STREAM,
    'ü',
    '😀',
    '\u0000',
    '\uD800',
    '\uFFFE',
    OPEN,
    '</stream:stream>',
    FEATURES,
    '<a>',
    '</a>',
    '<a/>',
  );
  const xmlish = fc.array(token, { maxLength: 30 }).map((parts) => parts.join(''));

  it('never throws anything but XmlStreamError on fragments of XML syntax', () => {
    fc.assert(
      fc.property(fc.array(xmlish, { maxLength: 6 }), (chunks) => checkRun(chunks)),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but XmlStreamError on fragments of XML syntax after a valid stream header', () => {
    fc.assert(
      fc.property(fc.array(xmlish, { maxLength: 6 }), (chunks) => checkRun([HEADER, ...chunks])),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but XmlStreamError with tiny limits', () => {
    const limits = fc.record({
      maxElementBytes: fc.integer({ min: 0, max: 64 }),
      maxDepth: fc.integer({ min: 0, max: 4 }),
      maxStreamBytes: fc.integer({ min: 0, max: 512 }),
    });
    fc.assert(
      fc.property(limits, fc.array(xmlish, { maxLength: 6 }), (lim, chunks) => {
        const parser = new XmppStreamParser(lim);
        for (const chunk of [HEADER, ...chunks]) {
          try {
            parser.write(chunk);
          } catch (err) {
            expect(err).toBeInstanceOf(XmlStreamError);
            return;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  // A random stream, generated together with the events it must give.

  interface Model {
    name: string;
    /** Written with the `stream:` prefix (declared on the stream element). */
    prefixed: boolean;
    /** Default namespace declared on this element, if any. */
    xmlns: string | null;
    attrs: [string, string][];
    /** Text and child elements, in document order. */
    content: (string | Model)[];
  }

  const textChar = fc.constantFrom('a', 'Z', '0', ' ', '\n', '\t', '<', '>', '&', '"', "'", ']]>', 'ü', 'é', '中', '😀', '\u00A0');
  const text = fc.string({ unit: textChar, maxLength: 12 });
  const attrValue = fc.string({ unit: fc.constantFrom('a', '1', ' ', '<', '&', '"', "'", 'ü', '😀'), maxLength: 8 });
  const model: fc.Arbitrary<Model> = fc.letrec<{ node: Model }>((tie) => ({
    node: fc.record({
      name: fc.constantFrom('message', 'body', 'iq', 'query', 'item', 'x', 'a-b', 'c.d', 'features', 'ü'),
      prefixed: fc.boolean(),
      xmlns: fc.option(fc.constantFrom('urn:example:a', 'urn:example:b', 'jabber:x:data', NS_TLS), { nil: null }),
      attrs: fc.uniqueArray(fc.tuple(fc.constantFrom('id', 'type', 'to', 'from', 'xml:lang', 'data-x'), attrValue), {
        selector: ([name]) => name,
        maxLength: 3,
      }),
      content: fc.array(fc.oneof({ depthSize: 'small', maxDepth: 4 }, text, tie('node')), { maxLength: 4 }),
    }),
  })).node;

  function serialize(m: Model): string {
    const qname = m.prefixed ? `stream:${m.name}` : m.name;
    const attrs = [...(m.xmlns !== null ? [['xmlns', m.xmlns] as const] : []), ...m.attrs].map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
    if (m.content.length === 0) return `<${qname}${attrs}/>`;
    return `<${qname}${attrs}>${m.content.map((c) => (typeof c === 'string' ? escapeXml(c) : serialize(c))).join('')}</${qname}>`;
  }

  function expectedElement(m: Model, defaultNs: string): XmlElement {
    const inScope = m.xmlns ?? defaultNs;
    const attrs: Record<string, string> = {};
    if (m.xmlns !== null) attrs.xmlns = m.xmlns;
    for (const [k, v] of m.attrs) attrs[k] = v;
    return {
      name: m.name,
      ns: m.prefixed ? NS_STREAM : inScope,
      attrs,
      children: m.content.filter((c): c is Model => typeof c !== 'string').map((c) => expectedElement(c, inScope)),
      text: m.content.filter((c): c is string => typeof c === 'string').join(''),
    };
  }

  const keepAlive = fc.constantFrom('', ' ', '\n', '\r\n', '\t \n');
  const validStream = fc
    .record({ elements: fc.array(fc.tuple(keepAlive, model), { maxLength: 5 }), closed: fc.boolean(), declaration: fc.boolean() })
    .map(({ elements, closed, declaration }) => ({
      xml: (declaration ? DECL : '') + OPEN + elements.map(([ws, m]) => ws + serialize(m)).join('') + (closed ? '</stream:stream>' : ''),
      events: [
        { type: 'open', attrs: OPEN_ATTRS },
        ...elements.map(([, m]) => ({ type: 'element', element: expectedElement(m, NS_CLIENT) })),
        ...(closed ? [{ type: 'close' }] : []),
      ] as StreamEvent[],
    }));

  it('parses a random valid stream into the elements it was written from', () => {
    fc.assert(
      fc.property(validStream, ({ xml, events }) => {
        expect(feed([Buffer.from(xml)])).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same events for a random valid stream chunked at random byte positions', () => {
    fc.assert(
      fc.property(validStream, fc.array(fc.nat(), { maxLength: 40 }), ({ xml, events }, cuts) => {
        const bytes = Buffer.from(xml);
        expect(
          feed(
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          ),
        ).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same events for a random valid stream chunked at random string positions', () => {
    fc.assert(
      fc.property(validStream, fc.array(fc.nat(), { maxLength: 40 }), ({ xml, events }, cuts) => {
        const offsets = [...new Set(cuts.map((c) => c % (xml.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...offsets].map((start, i) => xml.slice(start, [...offsets, xml.length][i]));
        expect(feed(chunks)).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });
});

describe('child, children, escapeXml', () => {
  const parent = el('features', NS_STREAM, {
    children: [el('mechanisms', 'urn:a'), el('method', 'urn:b', { text: 'zlib' }), el('method', 'urn:c', { text: 'lzw' })],
  });

  it('finds the first child by name, and by namespace when given', () => {
    expect(child(parent, 'method')?.text).toBe('zlib');
    expect(child(parent, 'method', 'urn:c')?.text).toBe('lzw');
    expect(child(parent, 'method', 'urn:a')).toBeUndefined();
    expect(child(parent, 'absent')).toBeUndefined();
  });

  it('lists all children by name, and by namespace when given', () => {
    expect(children(parent, 'method').map((c) => c.text)).toEqual(['zlib', 'lzw']);
    expect(children(parent, 'method', 'urn:b').map((c) => c.text)).toEqual(['zlib']);
    expect(children(parent, 'absent')).toEqual([]);
  });

  it('escapes the five XML special characters and nothing else', () => {
    expect(escapeXml(`<a href="x" title='y'>&amp; ü😀</a>`)).toBe('&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;&amp;amp; ü😀&lt;/a&gt;');
  });

  it('escapes strings so that they round-trip through the parser as attribute values and text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '<', '>', '&', '"', "'", ';', '#', 'ü', '😀'), maxLength: 20 }), (s) => {
        const [, event] = feed([OPEN, `<x v='${escapeXml(s)}' w="${escapeXml(s)}">${escapeXml(s)}</x>`]);
        expect(event).toEqual({ type: 'element', element: el('x', NS_CLIENT, { attrs: { v: s, w: s }, text: s }) });
      }),
    );
  });
});
