/**
 * Client secrets of registered apps: generated here, shown to the developer once, and stored
 * only as scrypt hashes.
 *
 * oidc-provider compares `client_secret` in the clear (`Client.prototype.compareClientSecret`,
 * a constant-time equality). That method is its extension point for this (it may return a
 * promise, and each provider instance has its own Client class), so the kit replaces it on its
 * provider: a client whose metadata carries `urn:oauth-kit:client_secrets` is checked against
 * those hashes; clients registered in code keep the clear comparison. What hashing gives up —
 * the secret as an HMAC key (`client_secret_jwt`, HS256 ID tokens) — the kit does not offer.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type Provider from 'oidc-provider';

/** Client metadata property holding the hashes (and, during a rotation overlap, their expiry). */
export const CLIENT_SECRETS = 'urn:oauth-kit:client_secrets';
export const TEST_PREFIX = 'test_';

export interface SecretHash {
  hash: string;
  /** Epoch seconds after which this secret no longer authenticates (rotation overlap). */
  exp?: number;
}

/**
 * scrypt cost. The secrets are 256 random bits, so the hash is not what resists guessing; it makes
 * a copy of the store useless. N = 2^14 (16 MiB, ~40 ms) keeps wrong-secret floods at the token
 * endpoint affordable; successful checks are cached in memory (below).
 */
const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A new client secret; test-mode secrets carry the `test_` prefix like their client ids. */
export function generateClientSecret(testMode: boolean): string {
  return `${testMode ? TEST_PREFIX : ''}secret_${randomBytes(32).toString('base64url')}`;
}

/** `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without a migration. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyClientSecret(secret: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Successful checks, so a client calling the token endpoint repeatedly pays for scrypt once per
 * few minutes. Keys are HMACs under a per-process random key of (stored hash, presented secret):
 * nothing here outlives the process, and a rotation (new hash) misses the cache by construction.
 */
function verificationCache(maxEntries = 10_000, ttlMs = 5 * 60_000) {
  const key = randomBytes(32);
  const entries = new Map<string, number>();
  const id = (hash: string, secret: string) =>
    createHmac('sha256', key).update(hash).update('\0').update(secret).digest('base64url');
  return {
    has(hash: string, secret: string): boolean {
      const k = id(hash, secret);
      const until = entries.get(k);
      if (until === undefined) return false;
      if (until > Date.now()) return true;
      entries.delete(k);
      return false;
    },
    add(hash: string, secret: string): void {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(id(hash, secret), Date.now() + ttlMs);
    },
  };
}

function storedHashes(value: unknown): SecretHash[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is SecretHash => typeof s === 'object' && s !== null && typeof (s as SecretHash).hash === 'string',
  );
}

/** Makes `provider` check registered apps' secrets against their hashes. Call once per provider. */
export function installHashedClientSecrets(provider: Provider): void {
  const prototype = provider.Client.prototype;
  const compareInTheClear = prototype.compareClientSecret;
  const cache = verificationCache();
  async function compareHashed(hashes: SecretHash[], actual: string): Promise<boolean> {
    if (typeof actual !== 'string' || actual.length > 200) return false;
    const now = Math.floor(Date.now() / 1000);
    for (const { hash, exp } of hashes) {
      if (exp !== undefined && exp <= now) continue;
      if (cache.has(hash, actual)) return true;
      if (await verifyClientSecret(actual, hash)) {
        cache.add(hash, actual);
        return true;
      }
    }
    return false;
  }
  // Not async itself: clients registered in code get oidc-provider's comparison without an
  // extra promise on every token request.
  prototype.compareClientSecret = function compareClientSecret(actual: string) {
    const hashes = storedHashes((this as unknown as Record<string, unknown>)[CLIENT_SECRETS]);
    if (hashes === undefined) return compareInTheClear.call(this, actual);
    return compareHashed(hashes, actual);
  };
}
