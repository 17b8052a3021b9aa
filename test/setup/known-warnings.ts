/**
 * Keeps a passing `npm test` quiet without hiding problems. On Node 20, oidc-provider prints
 * "Unsupported runtime" each time a test file loads it (Jest gives every file its own module
 * registry); the README says Node 20.19+ runs it and 22 or 24 are recommended, and
 * `unsupported-runtime.ts` prints it once per run. Only that exact line is dropped here: every
 * other warning, the kit's and oidc-provider's, still shows.
 */
const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime.';

const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME)) return;
  warn(...args);
};
