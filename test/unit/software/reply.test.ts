import fc from 'fast-check';
import { XmppStreamParser, type XmlElement } from '../../../src/connector/xml-stream.js';
import { parseVersionReply, sanitizeSoftwareText, SoftwareQueryError, stanzaErrorOf } from '../../../src/software/reply.js';
import { saslFailureOf } from '../../../src/software/reply.js';

// XEP-0092 answers as servers send them, and what the sanitiser makes of hostile text.

/** The first top-level element of `xml`, parsed as it would arrive on a client stream. */
function element(xml: string): XmlElement {
  const parser = new XmppStreamParser();
  const events = parser.write(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>${xml}`);
  const el = events.find((e) => e.type === 'element');
  if (el?.type !== 'element') throw new Error('no element');
  return el.element;
}

describe('parseVersionReply', () => {
  test.each([
    [
      'Prosody',
      `<iq type='result' id='a' from='example.org'><query xmlns='jabber:iq:version'><name>Prosody</name><version>0.12.4</version><os>Linux</os></query></iq>`,
      { name: 'Prosody', version: '0.12.4', os: 'Linux' },
    ],
    [
      'ejabberd (no os)',
      `<iq type='result' id='a'><query xmlns='jabber:iq:version'><name>ejabberd</name><version>23.01</version></query></iq>`,
      { name: 'ejabberd', version: '23.01', os: null },
    ],
    ['an empty query', `<iq type='result' id='a'><query xmlns='jabber:iq:version'/></iq>`, { name: null, version: null, os: null }],
    [
      'empty and blank elements are null',
      `<iq type='result' id='a'><query xmlns='jabber:iq:version'><name></name><version>   </version><os/></query></iq>`,
      { name: null, version: null, os: null },
    ],
    [
      'multi-line uname output and padding',
      `<iq type='result' id='a'><query xmlns='jabber:iq:version'><name>  Openfire </name><version>4.7.5</version><os>Linux 6.1.0-18-amd64\n  x86_64\r\n</os></query></iq>`,
      { name: 'Openfire', version: '4.7.5', os: 'Linux 6.1.0-18-amd64 x86_64' },
    ],
    [
      'entities and CDATA',
      `<iq type='result' id='a'><query xmlns='jabber:iq:version'><name>A &amp; B &lt;x&gt;</name><version><![CDATA[1.0 <beta>]]></version></query></iq>`,
      { name: 'A & B <x>', version: '1.0 <beta>', os: null },
    ],
    [
      'fields in another namespace are not the answer',
      `<iq type='result' id='a'><query xmlns='jabber:iq:version'><name xmlns='urn:other'>Fake</name><version>1</version></query></iq>`,
      { name: null, version: '1', os: null },
    ],
  ])('%s', (_name, xml, expected) => {
    expect(parseVersionReply(element(xml))).toEqual(expected);
  });

  test('an answer without a version query is invalid_reply', () => {
    const err = (() => {
      try {
        parseVersionReply(element(`<iq type='result' id='a'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(SoftwareQueryError);
    expect((err as SoftwareQueryError).toJSON()).toEqual({ code: 'invalid_reply', message: expect.stringContaining('disco#info') });
    expect(() => parseVersionReply(element(`<iq type='result' id='a'/>`))).toThrow('an empty result');
  });

  test('over-long values are cut', () => {
    const long = 'x'.repeat(5000);
    const r = parseVersionReply(
      element(`<iq type='result'><query xmlns='jabber:iq:version'><name>${long}</name><version>${long}</version><os>${long}</os></query></iq>`),
    );
    expect(Array.from(r.name!)).toHaveLength(100);
    expect(r.name!.endsWith('…')).toBe(true);
    expect(Array.from(r.version!)).toHaveLength(100);
    expect(Array.from(r.os!)).toHaveLength(200);
  });
});

describe('sanitizeSoftwareText', () => {
  test.each([
    ['plain', 'Prosody', 'Prosody'],
    ['null and undefined', null, null],
    ['empty', '', null],
    ['only whitespace and controls', ' \t\u0000\u0007 ', null],
    ['ANSI escape sequences lose their ESC', 'Evil\u001b[31mRed\u001b[0m', 'Evil[31mRed[0m'],
    ['newlines and tabs become spaces', 'a\nb\tc\r\nd', 'a b c d'],
    ['C1 controls and DEL go', 'a\u0085b\u009bc\u007fd', 'abcd'],
    ['bidi overrides and zero-width characters go', 'safe\u202Eexe.txt\u200B\u2066x\u2069\uFEFF', 'safeexe.txtx'],
    ['line and paragraph separators become spaces', 'a\u2028b\u2029c', 'a b c'],
    ['private use goes', 'a\uE000b', 'ab'],
    ['non-ASCII letters stay', 'Ströme 1.0 — 日本', 'Ströme 1.0 — 日本'],
    ['astral characters stay whole', '😀 1.0', '😀 1.0'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeSoftwareText(input as string | null, 100)).toBe(expected);
  });

  test('cuts at code points, never inside a surrogate pair', () => {
    expect(sanitizeSoftwareText('😀'.repeat(10), 5)).toBe('😀😀😀😀…');
    expect(sanitizeSoftwareText('abcdef', 6)).toBe('abcdef');
    expect(sanitizeSoftwareText('abc defg', 5)).toBe('abc…');
  });

  test('property: never longer than the cap, no control/format characters, no line breaks, trimmed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 2, max: 120 }), (s, max) => {
        const out = sanitizeSoftwareText(s, max);
        if (out === null) return;
        expect(Array.from(out).length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\n\r\t\u2028\u2029]/u);
        expect(out).toBe(out.trim());
        expect(out).not.toBe('');
      }),
    );
  });
});

describe('stanza errors', () => {
  test.each([
    [
      `<iq type='error' id='a' from='x.example'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      'service-unavailable',
      /^x\.example answered the version query with <service-unavailable\/> \(it does not answer jabber:iq:version\)$/,
    ],
    [
      `<iq type='error' id='a'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Server-to-server connection failed:\nNo DNS</text></error></iq>`,
      'remote-server-not-found',
      /our server could not reach it over s2s\): Server-to-server connection failed: No DNS$/,
    ],
    [
      `<iq type='error' id='a'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      'item-not-found',
      /<item-not-found\/>/,
    ],
    [
      `<iq type='error' id='a'><error type='cancel'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      'undefined-condition',
      /<undefined-condition\/>$/,
    ],
    [`<iq type='error' id='a'/>`, 'undefined-condition', /<undefined-condition\/>$/],
  ])('%#: condition %s', (xml, condition, message) => {
    const err = stanzaErrorOf(element(xml), 'x.example');
    expect(err.code).toBe('stanza_error');
    expect(err.condition).toBe(condition);
    expect(err.message).toMatch(message);
  });

  test('the server text of an error is cleaned and capped', () => {
    // (XML 1.0 cannot carry ESC or other C0 controls at all: the parser rejects them.)
    const text = `\u202E\u0085${'A'.repeat(1000)}`;
    const err = stanzaErrorOf(
      element(
        `<iq type='error'><error type='wait'><remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>${text}</text></error></iq>`,
      ),
      'x.example',
    );
    expect(err.message).not.toMatch(/[\u202E\u0085]/);
    expect(err.message.length).toBeLessThan(350);
  });

  test('SASL failures: known condition or undefined-condition, text cleaned', () => {
    const ns = "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'";
    expect(saslFailureOf(element(`<failure ${ns}><not-authorized/><text>Bad\nuser</text></failure>`))).toEqual({
      condition: 'not-authorized',
      text: 'Bad user',
    });
    expect(saslFailureOf(element(`<failure ${ns}><account-disabled/></failure>`))).toEqual({ condition: 'account-disabled', text: null });
    expect(saslFailureOf(element(`<failure ${ns}><whatever/></failure>`))).toEqual({ condition: 'undefined-condition', text: null });
  });
});
