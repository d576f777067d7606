import { parseHostPort } from '../../../src/discovery/host-port.js';
import { ScanError } from '../../../src/result/errors.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:5222', undefined, { host: '127.0.0.1', port: 5222 }],
    ['192.0.2.7', 5269, { host: '192.0.2.7', port: 5269 }],
    ['[::1]:5223', undefined, { host: '::1', port: 5223 }],
    ['[2001:DB8::1]', 5222, { host: '2001:db8::1', port: 5222 }],
    ['2001:db8::1', 5222, { host: '2001:db8::1', port: 5222 }],
    ['xmpp.Example.TEST:5269', undefined, { host: 'xmpp.example.test', port: 5269 }],
    ['xmpp.example.test.:1', undefined, { host: 'xmpp.example.test', port: 1 }],
    ['bücher.test', 5222, { host: 'xn--bcher-kva.test', port: 5222 }],
    ['localhost:65535', undefined, { host: 'localhost', port: 65535 }],
    ['  host.test:5222  ', undefined, { host: 'host.test', port: 5222 }],
  ])('parses %j (default port %p)', (input, defaultPort, expected) => {
    expect(parseHostPort(input, defaultPort)).toEqual(expected);
  });

  it.each([
    ['', 5222, /empty/],
    ['host.test', undefined, /no port/],
    ['[::1]', undefined, /no port/],
    ['host.test:', 5222, /bad port ""/],
    ['host.test:0', undefined, /out of range/],
    ['host.test:65536', undefined, /out of range/],
    ['host.test:52x2', undefined, /bad port/],
    ['host.test:-1', undefined, /bad port/],
    ['host.test:123456', undefined, /bad port/],
    ['[host.test]:5222', undefined, /\[IPv6 address\]/],
    ['[::1', undefined, /\[IPv6 address\]/],
    ['[::1]5222', undefined, /\[IPv6 address\]/],
    ['::1:x', undefined, /\[address\]:port/],
    ['bad host.test:5222', undefined, /invalid domain/],
    ['host..test:5222', undefined, /empty label/],
  ])('rejects %j (default port %p)', (input, defaultPort, message) => {
    let thrown: unknown;
    try {
      parseHostPort(input, defaultPort);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScanError);
    expect((thrown as ScanError).code).toBe('invalid_domain');
    expect((thrown as ScanError).message).toMatch(message);
  });
});
