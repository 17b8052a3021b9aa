/**
 * Signing keys and cookie secrets. Production takes them from the host; development generates
 * them once and keeps them in a file that stays out of the host's git, so tokens survive restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { generateSecrets } from '../keys/generate.js';
import type { Secrets, SigningAlgorithm } from './options.js';

/** Where development messages go: the kit's logger (so a host or a test decides what shows). */
export interface DevSecretsLog {
  info(message: string): void;
  warn(message: string): void;
}

/** The directory the kit names by default: it is the kit's own, so it may ignore itself. */
const KIT_DIRECTORY = '.oauth-kit';
const SELF_IGNORE = '# Development secrets of express-oauth-kit. Never commit them.\n*\n';

/**
 * Makes `dir` ignore itself in git (a `.gitignore` holding `*`) when the kit created it or it is
 * the kit's own `.oauth-kit`; a directory of the host's choosing is left alone. Returns the
 * `.gitignore` path when the directory ignores itself.
 */
function keepOutOfGit(dir: string, created: boolean): string | undefined {
  const gitignore = join(dir, '.gitignore');
  if (existsSync(gitignore))
    return readFileSync(gitignore, 'utf8').split('\n').includes('*') ? gitignore : undefined;
  if (!created && basename(dir) !== KIT_DIRECTORY) return undefined;
  writeFileSync(gitignore, SELF_IGNORE);
  return gitignore;
}

/** Reads the development secrets file, creating it (mode 0600) on first use. */
export async function loadOrCreateDevSecrets(
  file: string,
  alg: SigningAlgorithm,
  log: DevSecretsLog,
): Promise<Secrets> {
  const path = resolve(file);
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Secrets;
    if (stored.signingKeys.some((k) => k.alg === alg)) {
      log.info(
        `DEVELOPMENT signing keys and cookie secrets loaded from ${path}. Never use them in production.`,
      );
      return stored;
    }
  } catch {
    // Missing or unreadable: generate below.
  }
  const secrets = await generateSecrets(alg);
  const dir = dirname(path);
  const created = mkdirSync(dir, { recursive: true }) !== undefined;
  writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  const gitignore = keepOutOfGit(dir, created);
  log.warn(
    `generated DEVELOPMENT signing keys and cookie secrets in ${path} ` +
      (gitignore ? `(kept out of git by ${gitignore}). ` : '(keep this file out of version control). ') +
      'Pass `secrets` in production; the kit refuses to start there without them.',
  );
  return secrets;
}
