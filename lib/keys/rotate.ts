/**
 * Key rotation without downtime, as a pure step over the secrets document:
 *
 * 1. stage: no key is waiting → a new key goes to `nextSigningKeys`: published, signs nothing.
 *    Deploy, then wait until every resource server has refreshed its JWKS cache.
 * 2. promote: a key is waiting → it moves to the front of `signingKeys` and signs; the previous
 *    key stays behind it, published, stamped `retired_at`.
 * Every step also drops retired keys whose last token has expired (`retired_at` + the longest
 * token lifetime they may have signed).
 */
import type { JWK } from 'jose';
import type { Secrets, SigningAlgorithm } from './types.js';
import { generateSigningKey } from './generate.js';

/** A key as the secrets document stores it: `retired_at` (epoch seconds) marks a key that
 *  no longer signs. */
type StoredKey = JWK & { retired_at?: number };

export interface RotationResult {
  secrets: Secrets;
  action: 'staged' | 'promoted';
  /** kid of the key staged or promoted. */
  kid: string;
  /** kids of retired keys removed because every token they signed has expired. */
  removed: string[];
}

export async function rotateSecrets(
  secrets: Secrets,
  options: { alg: SigningAlgorithm; tokenLifetimeSeconds: number; now?: number },
): Promise<RotationResult> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const expired = (key: StoredKey) =>
    typeof key.retired_at === 'number' && key.retired_at + options.tokenLifetimeSeconds < now;
  const removed = secrets.signingKeys.filter(expired).map((k) => String(k.kid));
  const signingKeys = secrets.signingKeys.filter((k) => !expired(k));
  const waiting = secrets.nextSigningKeys ?? [];

  if (waiting.length === 0) {
    const next = await generateSigningKey(options.alg);
    return {
      secrets: { ...secrets, signingKeys, nextSigningKeys: [next] },
      action: 'staged',
      kid: String(next.kid),
      removed,
    };
  }
  const [promoted, ...stillWaiting] = waiting as [StoredKey, ...StoredKey[]];
  const retired = signingKeys.map((k: StoredKey) =>
    typeof k.retired_at === 'number' ? k : { ...k, retired_at: now },
  );
  return {
    secrets: {
      cookieKeys: secrets.cookieKeys,
      signingKeys: [promoted, ...retired],
      ...(stillWaiting.length ? { nextSigningKeys: stillWaiting } : {}),
    },
    action: 'promoted',
    kid: String(promoted.kid),
    removed,
  };
}
