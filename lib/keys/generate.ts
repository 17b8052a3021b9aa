/**
 * New signing keys and cookie secrets: for the development secrets file, the key CLI
 * (`express-oauth-kit keys`) and rotation.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Secrets, SigningAlgorithm } from './types.js';

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
