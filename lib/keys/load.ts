/**
 * Reading key material the host keeps outside the code: the JSON `npx express-oauth-kit keys generate`
 * writes (from a file or an environment variable the host reads), or a PEM private key.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { exportJWK, importPKCS8, type JWK } from 'jose';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { Secrets, SigningAlgorithm } from './types.js';

/** Parses secrets JSON (`{ signingKeys, nextSigningKeys?, cookieKeys }`); `source` names where
 *  it came from in errors, never the content. */
export function parseSecrets(json: string, source = 'secrets'): Secrets {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ConfigurationError(
      source,
      'is not valid JSON.',
      'Generate it with `npx express-oauth-kit keys generate`.',
    );
  }
  const secrets = value as Partial<Secrets>;
  if (typeof value !== 'object' || value === null || !Array.isArray(secrets.signingKeys)) {
    throw new ConfigurationError(source, 'must be an object with `signingKeys` and `cookieKeys`.');
  }
  return {
    signingKeys: secrets.signingKeys,
    ...(secrets.nextSigningKeys ? { nextSigningKeys: secrets.nextSigningKeys } : {}),
    cookieKeys: secrets.cookieKeys ?? [],
  };
}

export function readSecretsFile(path: string): Secrets {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'secrets',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code}).`,
    );
  }
  return parseSecrets(text, path);
}

/** A PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`) as a signing JWK. */
export async function signingKeyFromPem(pem: string, alg: SigningAlgorithm, kid?: string): Promise<JWK> {
  let jwk: JWK;
  try {
    jwk = await exportJWK(await importPKCS8(pem, alg, { extractable: true }));
  } catch {
    throw new ConfigurationError(
      'secrets.signingKeys',
      `the PEM is not a PKCS#8 private key for ${alg}.`,
      'Convert it with `openssl pkcs8 -topk8 -nocrypt`.',
    );
  }
  return { ...jwk, alg, use: 'sig', kid: kid ?? randomBytes(12).toString('base64url') };
}
