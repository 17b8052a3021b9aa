/**
 * Client secrets of registered apps: generated here, shown to the developer once, and stored
 * only as keyed hashes.
 *
 * The generated secrets carry 256 random bits, so no hash is what resists guessing them; the
 * hash makes a copy of the store useless. HMAC-SHA-256 under a key derived from the server's
 * `cookieKeys` does that as well as a slow hash, and checking a wrong secret costs microseconds
 * instead of scrypt's tens of milliseconds of CPU, which a flood of wrong secrets turned into a
 * denial of service. Hashes written by earlier versions (`scrypt$…`) still verify, at most two
 * at a time (a successful check is remembered for a few minutes); rotating the secret replaces
 * them.
 *
 * oidc-provider compares `client_secret` in the clear (`Client.prototype.compareClientSecret`,
 * a constant-time equality). That method is its extension point for this (it may return a
 * promise, and each provider instance has its own Client class), so the kit replaces it on its
 * provider: a client whose metadata carries `urn:oauth-kit:client_secrets` is checked against
 * those hashes; clients registered in code keep the clear comparison. Either way a failure
 * counts against the per-client-and-source limit (rate-limits/client-auth-failures.ts), and a
 * refused pair gets 429 before its secret is looked at. What hashing gives up — the secret as
 * an HMAC key (`client_secret_jwt`, HS256 ID tokens) — the kit does not offer.
 */
import {
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import { boundedCache } from '../cache/bounded-cache.js';
import type { ClientAuthFailures } from '../rate-limits/client-auth-failures.js';
import type { SecretHash } from './types.js';

export type { SecretHash };

/** Client metadata property holding the hashes (and, during a rotation overlap, their expiry). */
export const CLIENT_SECRETS = 'urn:oauth-kit:client_secrets';
export const TEST_PREFIX = 'test_';
/** Longer than any secret the kit generates: not worth hashing. */
const MAX_SECRET_LENGTH = 200;

/** A new client secret; test-mode secrets carry the `test_` prefix like their client ids. */
export function generateClientSecret(testMode: boolean): string {
  return `${testMode ? TEST_PREFIX : ''}secret_${randomBytes(32).toString('base64url')}`;
}

export interface ClientSecretHasher {
  /** `hmac-sha256$<key id>$<mac>` (base64url) under the first cookie key. */
  hash: (secret: string) => string;
  /** Whether `secret` matches `encoded`. A promise only for legacy scrypt hashes. */
  verify: (secret: string, encoded: string) => boolean | Promise<boolean>;
}

/**
 * Hashes under keys derived (HKDF) from `cookieKeys`: the first hashes, every one verifies, so
 * a retired cookie key must stay in the list while apps have secrets hashed under it.
 */
export function createClientSecretHasher(cookieKeys: readonly string[]): ClientSecretHasher {
  const keys = cookieKeys.map((cookieKey) => {
    const key = Buffer.from(hkdfSync('sha256', cookieKey, '', 'oauth-kit client secret hash', 32));
    return { key, id: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
  });
  const mac = (key: Buffer, secret: string) => createHmac('sha256', key).update(secret).digest();
  return {
    hash(secret) {
      const { key, id } = keys[0]!;
      return ['hmac-sha256', id, mac(key, secret).toString('base64url')].join('$');
    },
    verify(secret, encoded) {
      if (typeof secret !== 'string' || secret.length > MAX_SECRET_LENGTH) return false;
      const [scheme, id, value] = encoded.split('$');
      if (scheme === 'scrypt') return verifyLegacyScrypt(secret, encoded);
      const key = scheme === 'hmac-sha256' ? keys.find((k) => k.id === id)?.key : undefined;
      if (!key || !value) return false;
      const expected = Buffer.from(value, 'base64url');
      const actual = mac(key, secret);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

// ── Legacy scrypt hashes (`scrypt$N$r$p$salt$hash`) ─────────────────────────────────────────

const SCRYPT_KEY_LENGTH = 32;
/** scrypt checks running at once, and waiting; beyond that a check is refused (503). */
const SCRYPT_CONCURRENCY = 2;
const SCRYPT_QUEUE = 32;
let scryptRunning = 0;
const scryptWaiting: Array<() => void> = [];

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT_KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

async function boundedScrypt(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  if (scryptRunning >= SCRYPT_CONCURRENCY) {
    if (scryptWaiting.length >= SCRYPT_QUEUE) {
      const busy = new errors.CustomOIDCProviderError(
        'temporarily_unavailable',
        'Too many client authentications at once. Try again shortly.',
      );
      Object.assign(busy, { status: 503, statusCode: 503 });
      throw busy;
    }
    await new Promise<void>((resolve) => scryptWaiting.push(resolve));
  }
  scryptRunning += 1;
  try {
    return await scryptAsync(secret, salt, options);
  } finally {
    scryptRunning -= 1;
    scryptWaiting.shift()?.();
  }
}

/** Successful legacy checks, keyed by an HMAC (per-process random key) of hash and secret. */
const legacyVerified = (() => {
  const key = randomBytes(32);
  const entries = boundedCache<true>({ maxEntries: 10_000 });
  const id = (hash: string, secret: string) =>
    createHmac('sha256', key).update(hash).update('\0').update(secret).digest('base64url');
  return {
    has: (hash: string, secret: string): boolean => entries.get(id(hash, secret)) === true,
    add: (hash: string, secret: string): void => entries.set(id(hash, secret), true, 5 * 60_000),
  };
})();

async function verifyLegacyScrypt(secret: string, encoded: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = encoded.split('$');
  if (!salt || !hash) return false;
  if (legacyVerified.has(encoded, secret)) return true;
  const expected = Buffer.from(hash, 'base64url');
  const key = await boundedScrypt(secret, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  if (ok) legacyVerified.add(encoded, secret);
  return ok;
}

/** A scrypt hash as earlier versions wrote them (tests of the legacy path use it). */
export async function legacyScryptHash(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const options = { N: 1 << 14, r: 8, p: 1 };
  const key = await scryptAsync(secret, salt, options);
  return [
    'scrypt',
    options.N,
    options.r,
    options.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

// ── The provider hook ───────────────────────────────────────────────────────────────────────

function storedHashes(value: unknown): SecretHash[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is SecretHash => typeof s === 'object' && s !== null && typeof (s as SecretHash).hash === 'string',
  );
}

/** 429 from inside oidc-provider's client authentication, with `Retry-After`. */
function refused(seconds: number): Error {
  Provider.ctx?.set('Retry-After', String(seconds));
  const error = new errors.CustomOIDCProviderError(
    'rate_limited',
    `Too many failed client authentications. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  );
  return Object.assign(error, { status: 429, statusCode: 429 });
}

/**
 * Makes `provider` check registered apps' secrets against their hashes, and count every
 * client's failures. Call once per provider.
 */
export function installClientSecretCheck(
  provider: Provider,
  deps: { hasher: ClientSecretHasher; failures: ClientAuthFailures },
): void {
  const { hasher, failures } = deps;
  const prototype = provider.Client.prototype;
  // Taken off the prototype on purpose: called below with `.call(this, …)` on the client.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const compareInTheClear = prototype.compareClientSecret;

  async function compareHashed(hashes: SecretHash[], actual: string): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    for (const { hash, exp } of hashes) {
      if (exp !== undefined && exp <= now) continue;
      if (await hasher.verify(actual, hash)) return true;
    }
    return false;
  }

  async function failed(clientId: string, req: Parameters<ClientAuthFailures['failed']>[1]) {
    const wait = await failures.failed(clientId, req);
    if (wait !== undefined) throw refused(wait);
    return false;
  }

  // Not async itself: a client's right secret costs no extra promise on every token request.
  prototype.compareClientSecret = function compareClientSecret(actual: string) {
    const req = Provider.ctx?.req;
    const { clientId } = this;
    if (req) {
      const wait = failures.refusedFor(clientId, req);
      if (wait !== undefined) throw refused(wait);
    }
    const hashes = storedHashes((this as unknown as Record<string, unknown>)[CLIENT_SECRETS]);
    const result: boolean | Promise<boolean> =
      hashes === undefined ? compareInTheClear.call(this, actual) : compareHashed(hashes, actual);
    if (result === true || !req) return result;
    return Promise.resolve(result).then((ok) => ok || failed(clientId, req));
  };
}
