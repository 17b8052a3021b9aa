/**
 * Which keys sign and which are only published. The first key of the signing algorithm in
 * `secrets.signingKeys` is the only one oidc-provider may sign with (through signer.ts); every
 * other key (retired ones after it, staged ones in `nextSigningKeys`) is handed over with
 * `key_ops: ["verify"]`, which oidc-provider's key selection honours, so it is published but
 * never signs.
 */
import type { JSONWebKeySet, JWK } from 'jose';
import type { Secrets, SigningAlgorithm } from './types.js';
import { ThreadPoolSigningKey } from './signer.js';

/** Members a private JWK may carry into oidc-provider (drops the CLI's `retired_at` and any
 *  other bookkeeping). */
const PRIVATE_MEMBERS = [
  'kty',
  'crv',
  'x',
  'y',
  'n',
  'e',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'alg',
  'kid',
  'use',
] as const;
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use'] as const;

function pick(key: JWK, members: ReadonlyArray<keyof JWK>): JWK {
  return Object.fromEntries(members.filter((m) => key[m] !== undefined).map((m) => [m, key[m]]));
}

/** Every key the kit holds, active one first. */
export function allSigningKeys(secrets: Secrets): JWK[] {
  return [...secrets.signingKeys, ...(secrets.nextSigningKeys ?? [])];
}

/** The key that signs: the first of `alg` in `signingKeys`. */
export function activeSigningKey(secrets: Secrets, alg: SigningAlgorithm): JWK | undefined {
  return secrets.signingKeys.find((k) => k.alg === alg && typeof k.d === 'string');
}

/** oidc-provider's `jwks`: the active key as a signer (signer.ts), every other key private but
 *  restricted to verification. */
export function providerKeys(secrets: Secrets, alg: SigningAlgorithm): Array<JWK | ThreadPoolSigningKey> {
  const active = activeSigningKey(secrets, alg);
  return allSigningKeys(secrets).map((key) =>
    key === active
      ? new ThreadPoolSigningKey(pick(key, PRIVATE_MEMBERS), alg)
      : { ...pick(key, PRIVATE_MEMBERS), key_ops: ['verify'] },
  );
}

/** The public JWKS resource servers verify with (what /.well-known/jwks.json serves). */
export function publicJwks(secrets: Secrets): JSONWebKeySet {
  return { keys: allSigningKeys(secrets).map((k) => pick(k, PUBLIC_MEMBERS)) };
}
