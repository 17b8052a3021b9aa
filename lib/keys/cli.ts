/**
 * `express-oauth-kit keys generate|rotate`: key material for the host, as the JSON `secrets` takes.
 * Key material goes to stdout or a 0600 file, messages to stderr, so `> secrets.json` works.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SigningAlgorithm } from '../config/options.js';
import { KIT_OPTIONS, SIGNING_ALGORITHMS, TTL_OPTIONS } from '../config/defaults.js';
import { defaultOf } from '../config/schema.js';
import { generateSecrets } from './generate.js';
import { readSecretsFile } from './load.js';
import { rotateSecrets } from './rotate.js';

const USAGE = `Usage:
  express-oauth-kit keys generate [--alg ES256|EdDSA|RS256|PS256] [--out secrets.json]
      New signing key and cookie secret, as JSON for the \`secrets\` option.
  express-oauth-kit keys rotate --file secrets.json [--alg ES256] [--token-lifetime 3600]
      Run once to publish a next key (it signs nothing yet), deploy, wait for JWKS caches;
      run again to make it sign. Retired keys stay published until their tokens expired
      (--token-lifetime seconds after retirement, default the access-token TTL) and are then
      removed by the next run.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        alg: { type: 'string', default: defaultOf(KIT_OPTIONS.signingAlgorithm) },
        out: { type: 'string' },
        file: { type: 'string' },
        'token-lifetime': { type: 'string', default: String(defaultOf(TTL_OPTIONS.accessToken)) },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [group, command] = positionals;
  if (values.help || group !== 'keys' || (command !== 'generate' && command !== 'rotate')) {
    io.err(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const alg = values.alg as SigningAlgorithm;
  if (!SIGNING_ALGORITHMS.includes(alg)) {
    io.err(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}\n`);
    return 2;
  }
  // `mode` applies only to a new file: an existing one (say, from `> file`) is narrowed too.
  const write = (file: string, json: unknown) => {
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  };

  if (command === 'generate') {
    const secrets = await generateSecrets(alg);
    if (values.out) {
      write(values.out, secrets);
      io.err(`Wrote a ${alg} signing key and a cookie secret to ${values.out} (mode 0600).\n`);
    } else {
      io.out(`${JSON.stringify(secrets, null, 2)}\n`);
      io.err('Printed a private key. `--out secrets.json` writes it to a file only you can read (0600).\n');
    }
    return 0;
  }

  if (!values.file) {
    io.err(`keys rotate needs --file\n${USAGE}\n`);
    return 2;
  }
  const lifetime = Number(values['token-lifetime']);
  if (!Number.isInteger(lifetime) || lifetime <= 0) {
    io.err('--token-lifetime must be a positive number of seconds\n');
    return 2;
  }
  const result = await rotateSecrets(readSecretsFile(values.file), { alg, tokenLifetimeSeconds: lifetime });
  write(values.file, result.secrets);
  io.err(
    result.action === 'staged'
      ? `Published next key ${result.kid} (signs nothing yet). Deploy, wait until resource servers ` +
          'refreshed their JWKS cache, then run `keys rotate` again to make it sign.\n'
      : `Key ${result.kid} now signs; the previous key stays published until its tokens expired.\n`,
  );
  if (result.removed.length) io.err(`Removed expired keys: ${result.removed.join(', ')}\n`);
  return 0;
}
