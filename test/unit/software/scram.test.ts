import { parseBareJid } from '../../../src/software/jid.js';
import { saslPrep, ScramClient, ScramError } from '../../../src/software/scram.js';

// SCRAM against the RFCs' own example exchanges (user "user", password "pencil").

describe('SCRAM-SHA-1 (RFC 5802 §5)', () => {
  test('client-first, client-final with the proof, and the server signature check', async () => {
    const c = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    expect(c.first()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = await c.final('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
    expect(final).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => c.verify('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')).not.toThrow();
    expect(() => c.verify('v=AAAApqV8S7suAoZWja4dJRkFsKQ=')).toThrow(/does not know the password/);
  });
});

describe('SCRAM-SHA-256 (RFC 7677 §3)', () => {
  test('the same exchange with SHA-256', async () => {
    const c = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    expect(c.first()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = await c.final('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(final).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => c.verify('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow();
  });
});

describe('what a server must not get away with', () => {
  const first = 'r=abcDEF,s=QSXCR+Q6sek8bf92,i=4096';
  const client = () => new ScramClient('SCRAM-SHA-1', 'user', 'pencil', 'abc');
  test.each([
    ['a nonce that does not extend ours', 'r=xyz123,s=QSXCR+Q6sek8bf92,i=4096', /nonce/],
    ['our nonce unchanged', 'r=abc,s=QSXCR+Q6sek8bf92,i=4096', /nonce/],
    ['no salt', 'r=abcDEF,i=4096', /salt/],
    ['a zero iteration count', 'r=abcDEF,s=QSXCR+Q6sek8bf92,i=0', /iteration/],
    ['an iteration count to burn our CPU', 'r=abcDEF,s=QSXCR+Q6sek8bf92,i=1000000000', /more than/],
    ['a mandatory extension', 'm=ext,r=abcDEF,s=QSXCR+Q6sek8bf92,i=4096', /extension/],
    ['garbage', 'hello', /malformed/],
  ])('%s', async (_name, serverFirst, message) => {
    await expect(client().final(serverFirst)).rejects.toThrow(message);
  });

  test('a server-final error, an empty signature, an outcome before the challenge', async () => {
    expect(() => client().verify('v=x')).toThrow(ScramError);
    const c = client();
    await c.final(first);
    expect(() => c.verify('e=invalid-proof')).toThrow(/invalid-proof/);
    expect(() => c.verify('')).toThrow(/malformed|signature/);
  });
});

test('usernames are escaped, passwords and usernames SASLprep-mapped', () => {
  expect(new ScramClient('SCRAM-SHA-1', 'a=b,c', 'x', 'n').first()).toBe('n,,n=a=3Db=2Cc,r=n');
  expect(saslPrep('I\u00ADX')).toBe('IX');
  expect(saslPrep('a\u00A0b')).toBe('a b');
  expect(saslPrep('\u2168')).toBe('IX'); // NFKC
});

test('bare JIDs', () => {
  expect(parseBareJid('scanner@Example.ORG')).toEqual({ localpart: 'scanner', domain: 'example.org' });
  expect(() => parseBareJid('example.org')).toThrow(/not a bare JID/);
  expect(() => parseBareJid('a@b@c')).toThrow(/not a bare JID/);
  expect(() => parseBareJid('a@b/c')).toThrow(/not a bare JID/);
  expect(() => parseBareJid('a b@c.example')).toThrow(/forbid/);
  expect(() => parseBareJid('@c.example')).toThrow(/not a bare JID/);
});
