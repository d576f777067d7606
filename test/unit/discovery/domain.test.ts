import { normalizeDomain } from '../../../src/discovery/domain.js';
import { ScanError } from '../../../src/result/errors.js';

describe('normalizeDomain', () => {
  it.each([
    ['example.test', 'example.test'],
    ['Example.TEST', 'example.test'],
    ['example.test.', 'example.test'],
    ['localhost', 'localhost'],
    ['bücher.test', 'xn--bcher-kva.test'],
    ['xn--bcher-kva.test', 'xn--bcher-kva.test'],
    ['ＡＢＣ.test', 'abc.test'], // full-width letters, mapped by IDNA
    ['a-b.c1.test', 'a-b.c1.test'],
    ['123.test', '123.test'],
    [`${'a'.repeat(63)}.test`, `${'a'.repeat(63)}.test`],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['.', /empty/],
    ['192.0.2.1', /IP address/],
    ['1.2.3', /IP address/], // the URL parser reads it as 1.2.0.3
    ['::1', /IP address/],
    ['[::1]', /IP address/],
    ['a..test', /empty label/],
    ['.example.test', /empty label/],
    ['example.test..', /empty label/],
    ['-a.test', /bad label/],
    ['a-.test', /bad label/],
    ['under_score.test', /only letters/],
    ['a b.test', /only letters/],
    ['a/b.test', /only letters/],
    ['user@example.test', /only letters/],
    ['example.test:5222', /only letters/],
    ['*.example.test', /only letters/],
    ['example.123', /not a valid|numeric/],
    [`${'a'.repeat(64)}.test`, /bad label/],
    [`${'a.'.repeat(127)}test`, /longer than 253/],
  ])('rejects %j', (input, message) => {
    let thrown: unknown;
    try {
      normalizeDomain(input);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScanError);
    expect((thrown as ScanError).code).toBe('invalid_domain');
    expect((thrown as ScanError).message).toMatch(message);
  });
});
