// Tests are TypeScript ESM, transformed by SWC (no type check here: `npm run typecheck` does that).
// "unit" holds the pure, fast tests; "integration" starts real servers (Prosody, dnsmasq, …).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
  // A global option (ignored inside a project): real servers start in the integration tests.
  testTimeout: 60000,
};
