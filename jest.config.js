/** Jest runs the TypeScript sources as native ESM (oidc-provider 9 is ESM-only):
 * @swc/jest strips types, `tsc --noEmit` in `npm test` does the type-checking. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  // Sources import siblings as `./x.js` (NodeNext); map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Known, explained warnings once per run instead of once per file (see the files).
  globalSetup: '<rootDir>/test/setup/unsupported-runtime.ts',
  setupFiles: ['<rootDir>/test/setup/known-warnings.ts'],
  testTimeout: 30000,
};
