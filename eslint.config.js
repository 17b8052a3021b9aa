import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'artifacts/', 'test/package/hosts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The shipped code is linted with type information (floating promises, unbound methods, `any`
  // leaking from untyped values, ...); tests, bench and the example stay on the fast syntactic set.
  {
    files: ['lib/**/*.ts', 'adapters/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A wrapper passes a rejection on as it received it (`unknown`): wrapping it would change
      // what the caller's `instanceof` checks see.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // In-memory implementations of the async store contract (adapters/contract.ts): `async`
    // without `await` is deliberate here, so that a synchronous throw (structuredClone of a value
    // that cannot be cloned, ConsumedArtifactReplay) reaches the caller as the rejection the
    // contract promises, as it does from the Redis store.
    files: ['adapters/memory.ts', 'adapters/memory-counters.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
