/**
 * docs/configuration.md's option reference is generated from the option tables
 * (lib/config/defaults.ts, adapters/redis/options.ts): an option added, renamed, re-documented or
 * given another default without `npm run docs:config` fails here.
 */
import { readFileSync } from 'node:fs';
import { expectedReferenceFile, REFERENCE_FILE } from '../../scripts/config-reference.js';

test('the configuration reference in docs/ is what the option tables generate (npm run docs:config)', async () => {
  const current = readFileSync(REFERENCE_FILE, 'utf8');
  expect(current).toBe(await expectedReferenceFile(current));
});
