import type { CipherSuiteFinding } from './types.js';

/**
 * The one definition of the cipher suite classes: which classes an accepted (protocol, suite) pair is in. The
 * metrics (xmpp_tls_cipher_suites), the survey report and the text output all take them from here. The order is
 * the order the metrics and docs list them in; a Record, so a new class cannot be forgotten.
 *
 * `weak` means one thing everywhere: under 112 bits of strength, EXPORT, NULL or anonymous (WEAK_SUITES). 3DES,
 * at 112 bits, is not weak: it has a class of its own. (The grading cap `weak_cipher_below_112_bits` looks at the
 * bits only, as its name says.)
 */
export type SuiteClass = 'all' | 'forward_secrecy' | 'aead' | 'weak' | 'export' | 'null' | 'anonymous' | 'rc4' | '3des';

/** Suites with less strength (effective bits) than this are weak. */
export const WEAK_BELOW_BITS = 112;

/** What `weak` means, in words (metric help, report note). */
export const WEAK_SUITES = `under ${WEAK_BELOW_BITS} bits of strength, EXPORT, NULL or anonymous`;

const TESTS: Readonly<Record<SuiteClass, (s: CipherSuiteFinding) => boolean>> = {
  all: () => true,
  forward_secrecy: (s) => s.forwardSecrecy,
  aead: (s) => s.aead,
  weak: (s) => s.effectiveBits < WEAK_BELOW_BITS || s.export || s.null || s.anonymous,
  export: (s) => s.export,
  null: (s) => s.null,
  anonymous: (s) => s.anonymous,
  rc4: (s) => s.rc4,
  '3des': (s) => s.encryption.startsWith('3DES'),
};

/** Every suite class, in order. */
export const SUITE_CLASSES = Object.keys(TESTS) as SuiteClass[];

/** Whether the accepted suite `s` is in class `c`. */
export const inSuiteClass = (s: CipherSuiteFinding, c: SuiteClass): boolean => TESTS[c](s);

/** The classes the accepted suite `s` is in, in SUITE_CLASSES order (`all` always). */
export const suiteClassesOf = (s: CipherSuiteFinding): SuiteClass[] => SUITE_CLASSES.filter((c) => TESTS[c](s));
