import { checkIdentity } from '../../../src/certificate/identity.js';
import type { IdentityCheck, Mode, SubjectAltNames } from '../../../src/result/types.js';

type Sans = Partial<SubjectAltNames>;

function cert(sans: Sans, commonName: string | null = null) {
  return { sans: { dns: [], srv: [], xmppAddr: [], ip: [], uri: [], email: [], ...sans }, commonName };
}

const none: IdentityCheck = { matchedBy: null, matchedValue: null };
const dns = (matchedValue: string): IdentityCheck => ({ matchedBy: 'dns', matchedValue });
const srv = (matchedValue: string): IdentityCheck => ({ matchedBy: 'srv', matchedValue });
const xmppAddr = (matchedValue: string): IdentityCheck => ({ matchedBy: 'xmppAddr', matchedValue });
const cn = (matchedValue: string): IdentityCheck => ({ matchedBy: 'cn', matchedValue });

describe('checkIdentity', () => {
  describe.each<[string, Sans, string, IdentityCheck]>([
    // DNS-ID
    ['exact DNS-ID', { dns: ['example.org'] }, 'example.org', dns('example.org')],
    ['DNS-ID of another domain', { dns: ['example.net'] }, 'example.org', none],
    ['the matching one of several DNS-IDs', { dns: ['example.net', 'example.org'] }, 'example.org', dns('example.org')],
    ['DNS-ID in another case', { dns: ['EXAMPLE.Org'] }, 'example.org', dns('EXAMPLE.Org')],
    ['reference domain in another case', { dns: ['example.org'] }, 'Example.ORG', dns('example.org')],
    ['trailing dot on the reference domain', { dns: ['example.org'] }, 'example.org.', dns('example.org')],
    ['DNS-ID that is a parent domain', { dns: ['example.org'] }, 'chat.example.org', none],
    ['DNS-ID that is a subdomain', { dns: ['chat.example.org'] }, 'example.org', none],
    ['DNS-ID sharing a suffix only', { dns: ['myexample.org'] }, 'example.org', none],
    // Wildcards
    ['wildcard over one label', { dns: ['*.example.org'] }, 'chat.example.org', dns('*.example.org')],
    ['wildcard in another case', { dns: ['*.EXAMPLE.org'] }, 'Chat.Example.Org', dns('*.EXAMPLE.org')],
    ['wildcard against the bare domain', { dns: ['*.example.org'] }, 'example.org', none],
    ['wildcard over two labels', { dns: ['*.example.org'] }, 'a.b.example.org', none],
    ['partial wildcard f*', { dns: ['f*.example.org'] }, 'foo.example.org', none],
    ['partial wildcard *o', { dns: ['*o.example.org'] }, 'foo.example.org', none],
    ['wildcard not in the left-most label', { dns: ['chat.*.org'] }, 'chat.example.org', none],
    ['wildcard over a single remaining label', { dns: ['*.org'] }, 'example.org', none],
    ['bare wildcard', { dns: ['*'] }, 'example', none],
    ['literal * as reference', { dns: ['*.example.org'] }, '*.example.org', none],
    // IDNA
    ['U-label domain against A-label DNS-ID', { dns: ['xn--bcher-kva.example'] }, 'bücher.example', dns('xn--bcher-kva.example')],
    ['A-label domain against U-label DNS-ID', { dns: ['bücher.example'] }, 'xn--bcher-kva.example', dns('bücher.example')],
    ['U-label domain against A-label wildcard', { dns: ['*.xn--bcher-kva.example'] }, 'chat.bücher.example', dns('*.xn--bcher-kva.example')],
    ['U-label domain in another case', { dns: ['xn--bcher-kva.example'] }, 'BÜCHER.example', dns('xn--bcher-kva.example')],
    ['a different IDN', { dns: ['xn--bcher-kva.example'] }, 'bucher.example', none],
    // XmppAddr
    ['XmppAddr', { xmppAddr: ['example.org'] }, 'example.org', xmppAddr('example.org')],
    ['XmppAddr in U-labels', { xmppAddr: ['bücher.example'] }, 'xn--bcher-kva.example', xmppAddr('bücher.example')],
    ['XmppAddr of another domain', { xmppAddr: ['example.net'] }, 'example.org', none],
    ['XmppAddr with a wildcard', { xmppAddr: ['*.example.org'] }, 'chat.example.org', none],
    ['XmppAddr that is a full JID', { xmppAddr: ['user@example.org'] }, 'example.org', none],
    // Preference: DNS-ID before SRV-ID before XmppAddr
    ['DNS-ID reported first', { dns: ['example.org'], srv: ['_xmpp-client.example.org'], xmppAddr: ['example.org'] }, 'example.org', dns('example.org')],
    // IP and email SANs are not identifiers for a domain
    ['IP SAN only', { ip: ['192.0.2.1'] }, '192.0.2.1', none],
  ])('%s', (_name, sans, domain, expected) => {
    it.each<Mode>(['c2s', 's2s'])('in %s', (mode) => {
      expect(checkIdentity(cert(sans), domain, mode)).toEqual(expected);
    });
  });

  it.each<[string, Sans, string, Mode, IdentityCheck]>([
    ['c2s SRV-ID in c2s', { srv: ['_xmpp-client.example.org'] }, 'example.org', 'c2s', srv('_xmpp-client.example.org')],
    ['s2s SRV-ID in s2s', { srv: ['_xmpp-server.example.org'] }, 'example.org', 's2s', srv('_xmpp-server.example.org')],
    ['s2s SRV-ID in c2s', { srv: ['_xmpp-server.example.org'] }, 'example.org', 'c2s', none],
    ['c2s SRV-ID in s2s', { srv: ['_xmpp-client.example.org'] }, 'example.org', 's2s', none],
    ['the right one of two SRV-IDs', { srv: ['_xmpp-server.example.org', '_xmpp-client.example.org'] }, 'example.org', 'c2s', srv('_xmpp-client.example.org')],
    ['SRV-ID in another case', { srv: ['_XMPP-Client.Example.ORG'] }, 'example.org', 'c2s', srv('_XMPP-Client.Example.ORG')],
    ['SRV-ID with U-labels', { srv: ['_xmpp-client.bücher.example'] }, 'xn--bcher-kva.example', 'c2s', srv('_xmpp-client.bücher.example')],
    ['SRV-ID of another domain', { srv: ['_xmpp-client.example.net'] }, 'example.org', 'c2s', none],
    ['SRV-ID of another service', { srv: ['_imap.example.org'] }, 'example.org', 'c2s', none],
    ['SRV-ID with a wildcard', { srv: ['_xmpp-client.*.org'] }, 'example.org', 'c2s', none],
    ['SRV-ID with a wildcard label', { srv: ['_xmpp-client.*.example.org'] }, 'chat.example.org', 'c2s', none],
    ['SRV-ID without domain', { srv: ['_xmpp-client'] }, 'example.org', 'c2s', none],
  ])('%s', (_name, sans, domain, mode, expected) => {
    expect(checkIdentity(cert(sans), domain, mode)).toEqual(expected);
  });

  describe('CN fallback', () => {
    it.each<[string, Sans, string | null, string, IdentityCheck]>([
      ['CN used when there are no SANs', {}, 'example.org', 'example.org', cn('example.org')],
      ['CN compared like a DNS-ID (case, IDNA)', {}, 'XN--BCHER-KVA.example', 'bücher.example', cn('XN--BCHER-KVA.example')],
      ['wildcard CN', {}, '*.example.org', 'chat.example.org', cn('*.example.org')],
      ['CN of another domain', {}, 'example.net', 'example.org', none],
      ['no CN, no SANs', {}, null, 'example.org', none],
      ['CN ignored when a DNS-ID exists', { dns: ['example.net'] }, 'example.org', 'example.org', none],
      ['CN ignored when an SRV-ID exists', { srv: ['_xmpp-client.example.net'] }, 'example.org', 'example.org', none],
      ['CN ignored when an XmppAddr exists', { xmppAddr: ['example.net'] }, 'example.org', 'example.org', none],
      ['CN ignored when a URI SAN exists', { uri: ['xmpp:example.net'] }, 'example.org', 'example.org', none],
      ['CN still used when only IP SANs exist', { ip: ['192.0.2.1'] }, 'example.org', 'example.org', cn('example.org')],
      ['CN still used when only email SANs exist', { email: ['admin@example.org'] }, 'example.org', 'example.org', cn('example.org')],
    ])('%s', (_name, sans, commonName, domain, expected) => {
      expect(checkIdentity(cert(sans, commonName), domain, 'c2s')).toEqual(expected);
    });
  });

  it.each(['', '.', 'exa mple.org'])('matches nothing for the invalid reference domain %j', (domain) => {
    expect(checkIdentity(cert({ dns: [domain, '*.org'] }, domain), domain, 'c2s')).toEqual(none);
  });
});
