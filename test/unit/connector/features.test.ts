import {
  NS_COMPRESS_FEATURE,
  NS_DIALBACK_FEATURE,
  NS_SASL,
  NS_STREAMS_ERRORS,
  NS_TLS,
  type StreamFeatures,
  failureCondition,
  isStreamElement,
  parseFeatures,
  streamErrorFrom,
} from '../../../src/connector/features.js';
import { NS_STREAM, type XmlElement, XmppStreamParser } from '../../../src/connector/xml-stream.js';
import { ScanError } from '../../../src/result/errors.js';

// The elements come from the real parser, as the connector gets them, not from hand-built trees.

/** Parses one top-level element inside a c2s (or s2s) stream. */
function parse(xml: string, defaultNs = 'jabber:client'): XmlElement {
  const parser = new XmppStreamParser();
  const events = parser.write(`<stream:stream xmlns='${defaultNs}' xmlns:stream='${NS_STREAM}' xmlns:db='jabber:server:dialback' version='1.0'>${xml}`);
  const [open, element, ...rest] = events;
  expect(open?.type).toBe('open');
  expect(rest).toEqual([]);
  if (element?.type !== 'element') throw new Error(`no element parsed from ${xml}`);
  return element.element;
}

const features = (inner: string, defaultNs?: string) => parseFeatures(parse(`<stream:features>${inner}</stream:features>`, defaultNs));
const none: StreamFeatures = { starttls: 'none', saslMechanisms: [], dialback: false, compression: [], namespaces: [] };
const PEER = 'xmpp.example.org (192.0.2.10) port 5222';

describe('parseFeatures', () => {
  const STARTTLS = `<starttls xmlns='${NS_TLS}'/>`;
  const STARTTLS_REQUIRED = `<starttls xmlns='${NS_TLS}'><required/></starttls>`;
  const mechanisms = (...names: string[]) => `<mechanisms xmlns='${NS_SASL}'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`;

  it.each<[string, string, Partial<StreamFeatures>]>([
    ['no features at all', '', {}],
    ['STARTTLS offered', STARTTLS, { starttls: 'offered', namespaces: [`${NS_TLS}#starttls`] }],
    ['STARTTLS required', STARTTLS_REQUIRED, { starttls: 'required', namespaces: [`${NS_TLS}#starttls`] }],
    [
      'STARTTLS required, written with an explicit namespace',
      `<starttls xmlns='${NS_TLS}'><required xmlns='${NS_TLS}'/></starttls>`,
      { starttls: 'required', namespaces: [`${NS_TLS}#starttls`] },
    ],
    [
      'STARTTLS with a <required/> of another namespace',
      `<starttls xmlns='${NS_TLS}'><required xmlns='urn:example'/></starttls>`,
      { starttls: 'offered', namespaces: [`${NS_TLS}#starttls`] },
    ],
    ['a <starttls/> in the wrong namespace', `<starttls/>`, { namespaces: ['jabber:client#starttls'] }],
    [
      'SASL mechanisms, EXTERNAL included, whitespace trimmed',
      `<mechanisms xmlns='${NS_SASL}'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>\n  SCRAM-SHA-1 </mechanism><mechanism>EXTERNAL</mechanism><mechanism>PLAIN</mechanism></mechanisms>`,
      { saslMechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1', 'EXTERNAL', 'PLAIN'], namespaces: [`${NS_SASL}#mechanisms`] },
    ],
    [
      'empty and blank <mechanism/> entries dropped',
      `<mechanisms xmlns='${NS_SASL}'><mechanism/><mechanism> </mechanism><mechanism>ANONYMOUS</mechanism></mechanisms>`,
      { saslMechanisms: ['ANONYMOUS'], namespaces: [`${NS_SASL}#mechanisms`] },
    ],
    ['an empty <mechanisms/>', `<mechanisms xmlns='${NS_SASL}'/>`, { namespaces: [`${NS_SASL}#mechanisms`] }],
    ['<mechanisms/> in the wrong namespace', `<mechanisms><mechanism>PLAIN</mechanism></mechanisms>`, { namespaces: ['jabber:client#mechanisms'] }],
    [
      '<mechanism/> children of another namespace',
      `<mechanisms xmlns='${NS_SASL}'><mechanism xmlns='urn:example'>PLAIN</mechanism></mechanisms>`,
      { namespaces: [`${NS_SASL}#mechanisms`] },
    ],
    ['dialback', `<dialback xmlns='${NS_DIALBACK_FEATURE}'><errors/></dialback>`, { dialback: true, namespaces: [`${NS_DIALBACK_FEATURE}#dialback`] }],
    ['a <dialback/> in the wrong namespace', `<dialback xmlns='jabber:server:dialback'/>`, { namespaces: ['jabber:server:dialback#dialback'] }],
    [
      'compression methods',
      `<compression xmlns='${NS_COMPRESS_FEATURE}'><method>zlib</method><method> lzw </method><method/></compression>`,
      { compression: ['zlib', 'lzw'], namespaces: [`${NS_COMPRESS_FEATURE}#compression`] },
    ],
    [
      '<compression/> in the wrong namespace',
      `<compression xmlns='urn:example'><method>zlib</method></compression>`,
      { namespaces: ['urn:example#compression'] },
    ],
    [
      'features we do not model, listed by namespace in document order',
      `<sm xmlns='urn:xmpp:sm:3'/><ver xmlns='urn:xmpp:features:rosterver'/><csi xmlns='urn:xmpp:csi:0'/><register xmlns='http://jabber.org/features/iq-register'/><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>`,
      {
        namespaces: [
          'urn:xmpp:sm:3#sm',
          'urn:xmpp:features:rosterver#ver',
          'urn:xmpp:csi:0#csi',
          'http://jabber.org/features/iq-register#register',
          'http://jabber.org/protocol/caps#c',
        ],
      },
    ],
    [
      'a typical s2s offer before TLS',
      `${STARTTLS_REQUIRED}<dialback xmlns='${NS_DIALBACK_FEATURE}'/>${mechanisms('EXTERNAL')}`,
      {
        starttls: 'required',
        dialback: true,
        saslMechanisms: ['EXTERNAL'],
        namespaces: [`${NS_TLS}#starttls`, `${NS_DIALBACK_FEATURE}#dialback`, `${NS_SASL}#mechanisms`],
      },
    ],
    [
      'a typical c2s offer after TLS',
      `${mechanisms('SCRAM-SHA-1', 'PLAIN')}<ver xmlns='urn:xmpp:features:rosterver'/><compression xmlns='${NS_COMPRESS_FEATURE}'><method>zlib</method></compression>`,
      {
        saslMechanisms: ['SCRAM-SHA-1', 'PLAIN'],
        compression: ['zlib'],
        namespaces: [`${NS_SASL}#mechanisms`, 'urn:xmpp:features:rosterver#ver', `${NS_COMPRESS_FEATURE}#compression`],
      },
    ],
  ])('%s', (_what, inner, expected) => {
    expect(features(inner)).toEqual({ ...none, ...expected });
  });

  it('works the same in an s2s stream', () => {
    expect(features(`<starttls xmlns='${NS_TLS}'/><bidi xmlns='urn:xmpp:features:bidi'/>`, 'jabber:server')).toEqual({
      ...none,
      starttls: 'offered',
      namespaces: [`${NS_TLS}#starttls`, 'urn:xmpp:features:bidi#bidi'],
    });
  });

  it('reads only the first <mechanisms/> and the first <starttls/>', () => {
    expect(features(`${STARTTLS}${STARTTLS_REQUIRED}${mechanisms('PLAIN')}${mechanisms('EXTERNAL')}`)).toMatchObject({
      starttls: 'offered',
      saslMechanisms: ['PLAIN'],
    });
  });
});

describe('isStreamElement', () => {
  it.each<[string, string, boolean]>([
    ['<stream:features/>', 'features', true],
    ['<stream:error/>', 'error', true],
    [`<features xmlns='${NS_STREAM}'/>`, 'features', true],
    ['<stream:features/>', 'error', false],
    ['<features/>', 'features', false],
    [`<error xmlns='${NS_STREAMS_ERRORS}'/>`, 'error', false],
  ])('%s is a stream <%s/>: %s', (xml, name, expected) => {
    expect(isStreamElement(parse(xml), name)).toBe(expected);
  });
});

describe('streamErrorFrom', () => {
  const error = (inner: string) => parse(`<stream:error>${inner}</stream:error>`);
  const condition = (name: string, body = '') => (body ? `<${name} xmlns='${NS_STREAMS_ERRORS}'>${body}</${name}>` : `<${name} xmlns='${NS_STREAMS_ERRORS}'/>`);
  const text = (body: string) => `<text xmlns='${NS_STREAMS_ERRORS}' xml:lang='en'>${body}</text>`;

  it.each<[string, string, { condition: string; text?: string; message: string }]>([
    [
      'host-unknown with text',
      condition('host-unknown') + text('  This server does not serve example.com\n'),
      {
        condition: 'host-unknown',
        text: 'This server does not serve example.com',
        message: `${PEER} closed the stream with error <host-unknown/>: This server does not serve example.com`,
      },
    ],
    [
      'the text before the condition',
      text('Too many connections') + condition('policy-violation'),
      {
        condition: 'policy-violation',
        text: 'Too many connections',
        message: `${PEER} closed the stream with error <policy-violation/>: Too many connections`,
      },
    ],
    [
      'a condition without text',
      condition('system-shutdown'),
      { condition: 'system-shutdown', message: `${PEER} closed the stream with error <system-shutdown/>` },
    ],
    ['whitespace-only text', condition('conflict') + text('  \n '), { condition: 'conflict', message: `${PEER} closed the stream with error <conflict/>` }],
    [
      'see-other-host, which carries the host',
      condition('see-other-host', ' [2001:db8::5]:5222 '),
      { condition: 'see-other-host', text: '[2001:db8::5]:5222', message: `${PEER} closed the stream with error <see-other-host/>: [2001:db8::5]:5222` },
    ],
    [
      'see-other-host with a text too: the host wins',
      condition('see-other-host', 'xmpp2.example.org') + text('moved'),
      { condition: 'see-other-host', text: 'xmpp2.example.org', message: `${PEER} closed the stream with error <see-other-host/>: xmpp2.example.org` },
    ],
    [
      'see-other-host without a host',
      condition('see-other-host'),
      { condition: 'see-other-host', message: `${PEER} closed the stream with error <see-other-host/>` },
    ],
    ['no condition', '', { condition: 'undefined-condition', message: `${PEER} closed the stream with error <undefined-condition/>` }],
    [
      'only a text',
      text('bye'),
      { condition: 'undefined-condition', text: 'bye', message: `${PEER} closed the stream with error <undefined-condition/>: bye` },
    ],
    [
      'a condition in the wrong namespace',
      '<host-unknown/>',
      { condition: 'undefined-condition', message: `${PEER} closed the stream with error <undefined-condition/>` },
    ],
    [
      'an application-specific condition next to the defined one',
      `<too-many-streams xmlns='urn:example:errors'/>${condition('resource-constraint')}`,
      { condition: 'resource-constraint', message: `${PEER} closed the stream with error <resource-constraint/>` },
    ],
  ])('%s', (_what, inner, expected) => {
    const err = streamErrorFrom(error(inner), PEER, 'features');
    expect(err).toBeInstanceOf(ScanError);
    expect(err.toJSON()).toEqual({ code: 'stream_error', phase: 'features', ...expected });
  });

  it('reports the phase it is given', () => {
    expect(streamErrorFrom(error(condition('not-authorized')), PEER, 'sasl_external').phase).toBe('sasl_external');
  });
});

describe('failureCondition', () => {
  it.each<[string, string, string]>([
    ['SASL not-authorized', `<failure xmlns='${NS_SASL}'><not-authorized/></failure>`, 'not-authorized'],
    [
      'SASL with a text first',
      `<failure xmlns='${NS_SASL}'><text xml:lang='en'>certificate not accepted</text><invalid-authzid/></failure>`,
      'invalid-authzid',
    ],
    ['SASL with a text after', `<failure xmlns='${NS_SASL}'><account-disabled/><text>locked</text></failure>`, 'account-disabled'],
    ['STARTTLS (no condition defined)', `<failure xmlns='${NS_TLS}'/>`, 'undefined-condition'],
    ['only a text', `<failure xmlns='${NS_SASL}'><text>no</text></failure>`, 'undefined-condition'],
  ])('%s', (_what, xml, expected) => {
    expect(failureCondition(parse(xml))).toBe(expected);
  });
});
