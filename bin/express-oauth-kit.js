#!/usr/bin/env node
// `npx express-oauth-kit keys generate|rotate`. Plain JavaScript so it runs without a build step: it
// loads the compiled CLI from dist/ when the package was built, else the TypeScript source
// through tsx (installed with the repository's dev dependencies).
/* global process, URL */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/lib/keys/cli.js', import.meta.url);
let cli;
if (existsSync(fileURLToPath(compiled))) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../lib/keys/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
