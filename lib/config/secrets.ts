/**
 * Signing keys and cookie secrets. Production takes them from the host; development generates
 * them once and keeps them in a git-ignored file so tokens survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Secrets, SigningAlgorithm } from './options.js';

/** A new private signing JWK with a random `kid`. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: randomBytes(12).toString('base64url') };
}

export async function generateSecrets(alg: SigningAlgorithm): Promise<Secrets> {
  return {
    signingKeys: [await generateSigningKey(alg)],
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
}

/** Reads the development secrets file, creating it (mode 0600) on first use. */
export async function loadOrCreateDevSecrets(
  file: string,
  alg: SigningAlgorithm,
  warn: (message: string) => void,
): Promise<Secrets> {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    if (stored.signingKeys.some((k) => k.alg === alg)) {
      warn(`oauth-kit: DEVELOPMENT secrets loaded from ${file}. Never use them in production.`);
      return stored;
    }
  } catch {
    // Missing or unreadable: generate below.
  }
  const secrets = await generateSecrets(alg);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  warn(
    `oauth-kit: generated DEVELOPMENT signing keys and cookie secrets in ${file} ` +
      '(git-ignored). Pass `secrets` in production; the kit refuses to start there without them.',
  );
  return secrets;
}
