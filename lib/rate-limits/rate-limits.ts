/**
 * Rate limits and the per-account login lockout, on rate-limiter-flexible: in process memory by
 * default, in Redis when the host passes its ioredis client (every process then shares the
 * counters). Which requests count against which limit is decided in rate-limit-middleware.ts.
 *
 * On Redis every limiter call is bounded by `commandTimeoutMs`: a Redis that is down, stalled or
 * slow costs a request at most that long, and the limit is then kept on this process's own
 * counters (the insurance limiter) until Redis answers again.
 */
import type { Redis } from 'ioredis';
import { RedisStalledError, stallGuard } from '../../adapters/redis/stall-guard.js';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** `points` requests per `durationSeconds`, per key. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

/** After `failures` wrong passwords within `windowSeconds`, the account's login is locked for
 *  `lockoutSeconds`; each further lockout within a day doubles it, up to `maxLockoutSeconds`. */
export interface LockoutPolicy {
  failures: number;
  windowSeconds: number;
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

export interface RateLimitSettings {
  token: { perClient: RateLimit; perIp: RateLimit };
  authorize: { perIp: RateLimit; perIpPerHour: RateLimit };
  login: { perIp: RateLimit; perAccount: LockoutPolicy };
  revocation: { perClient: RateLimit; perIp: RateLimit };
  introspection: { perClient: RateLimit; perIp: RateLimit };
  /** Dynamic client registration (`registration` option), per IP. */
  registration: { perIp: RateLimit };
  /** The developer JSON API (`pages.paths.api`), per IP. */
  developerApi: { perIp: RateLimit };
  /** Wrong client secrets (token, revocation, introspection), per client and source IP. */
  clientAuthentication: { failuresPerClientAndIp: RateLimit };
}

/** Where counters live: this process, or the host's Redis. */
export type RateLimitStore =
  | 'memory'
  | {
      redis: Redis;
      keyPrefix?: string;
      /** Upper bound (ms) on each limiter call; past it this process counts alone. Default 1000. */
      commandTimeoutMs?: number;
    };

export const DEFAULT_LIMITER_TIMEOUT_MS = 1000;

export type RateLimitOptions = {
  /** Default `'memory'` (one process). Pass `{ redis }` when the app runs as several processes. */
  store?: RateLimitStore;
  /** Multiplies every limit; `1000` is the benchmarking switch (`RATE_LIMITS=relaxed`). Default 1. */
  scale?: number;
} & {
  /** Overrides, field by field, of DEFAULT_RATE_LIMITS. */
  [E in keyof RateLimitSettings]?: { [K in keyof RateLimitSettings[E]]?: Partial<RateLimitSettings[E][K]> };
};

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  token: { perClient: { points: 600, durationSeconds: 60 }, perIp: { points: 600, durationSeconds: 60 } },
  authorize: {
    perIp: { points: 300, durationSeconds: 60 },
    // Each authorization without a signed-in, consenting user starts an interaction the store
    // keeps for an hour: this bounds how many one IP can hold.
    perIpPerHour: { points: 1000, durationSeconds: 60 * 60 },
  },
  login: {
    perIp: { points: 100, durationSeconds: 15 * 60 },
    perAccount: { failures: 5, windowSeconds: 15 * 60, lockoutSeconds: 60, maxLockoutSeconds: 60 * 60 },
  },
  revocation: {
    perClient: { points: 300, durationSeconds: 60 },
    perIp: { points: 300, durationSeconds: 60 },
  },
  introspection: {
    perClient: { points: 600, durationSeconds: 60 },
    perIp: { points: 600, durationSeconds: 60 },
  },
  registration: { perIp: { points: 20, durationSeconds: 60 * 60 } },
  developerApi: { perIp: { points: 120, durationSeconds: 60 } },
  clientAuthentication: { failuresPerClientAndIp: { points: 20, durationSeconds: 10 * 60 } },
};

/** Names of the counted limits, as they appear in `rate_limit.exceeded` events. */
export type LimitName =
  | 'token.perClient'
  | 'token.perIp'
  | 'authorize.perIp'
  | 'authorize.perIpPerHour'
  | 'login.perIp'
  | 'revocation.perClient'
  | 'revocation.perIp'
  | 'introspection.perClient'
  | 'introspection.perIp'
  | 'registration.perIp'
  | 'developerApi.perIp'
  | 'clientAuthentication.failuresPerClientAndIp';

export interface RateLimiters {
  /** Counts one request. Resolves to the seconds to wait when the limit is exceeded. */
  consume(limit: LimitName, key: string): Promise<number | undefined>;
  /** Gives back a point taken by `consume` (a request that turned out not to be the client's). */
  refund(limit: LimitName, key: string): Promise<void>;
  /** Seconds the account's login stays locked, or undefined. */
  loginLockedFor(account: string): Promise<number | undefined>;
  /** Records a wrong password; resolves to the lockout it started, in seconds, if any. */
  loginFailed(account: string): Promise<number | undefined>;
  loginSucceeded(account: string): Promise<void>;
}

export interface ResolvedRateLimits {
  store: RateLimitStore;
  scale: number;
  settings: RateLimitSettings;
}

export function createRateLimiters(
  config: ResolvedRateLimits,
  onStoreError: (error: unknown) => void,
): RateLimiters {
  const { store, scale, settings } = config;
  const prefix = typeof store === 'object' ? (store.keyPrefix ?? 'oauth-kit:rl') : 'oauth-kit:rl';

  const guard = store === 'memory' ? undefined : stallGuard(store.redis);
  const timeoutMs = store === 'memory' ? 0 : (store.commandTimeoutMs ?? DEFAULT_LIMITER_TIMEOUT_MS);

  /** One limit's counters: shared in Redis, with this process's own as insurance. */
  interface Limiter {
    shared?: RateLimiterAbstract;
    own: RateLimiterMemory;
  }

  function limiter(name: string, points: number, durationSeconds: number): Limiter {
    const options = { keyPrefix: `${prefix}:${name}`, points, duration: durationSeconds };
    const own = new RateLimiterMemory(options);
    if (store === 'memory') return { own };
    // While Redis is unreachable, each process keeps limiting on its own counters, at once
    // (rejectIfRedisNotReady) rather than after the client gave up retrying; while it is
    // connected but does not answer, the stall guard sends the calls there (`bounded`).
    const shared = new RateLimiterRedis({
      ...options,
      storeClient: store.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: own,
    });
    return { shared, own };
  }

  /** Runs one limiter call on the shared counters within the bound, else on this process's. */
  function bounded<T>(l: Limiter, call: (counters: RateLimiterAbstract) => Promise<T>): Promise<T> {
    const { shared, own } = l;
    if (!shared || !guard) return call(own);
    return guard
      .run(() => call(shared), timeoutMs)
      .catch((error: unknown) => {
        if (error instanceof RedisStalledError) return call(own);
        throw error;
      });
  }

  const limiters = new Map<LimitName, Limiter>();
  for (const [endpoint, limits] of Object.entries(settings) as Array<[string, Record<string, unknown>]>) {
    for (const [kind, limit] of Object.entries(limits)) {
      if (kind === 'perAccount') continue;
      const { points, durationSeconds } = limit as RateLimit;
      const name = `${endpoint}.${kind}` as LimitName;
      limiters.set(name, limiter(name, points * scale, durationSeconds));
    }
  }

  const policy = settings.login.perAccount;
  const maxFailures = policy.failures * scale;
  const failures = limiter('login.failures', maxFailures, policy.windowSeconds);
  // Counts lockouts over a day, so each one lasts twice as long as the one before.
  const lockouts = limiter('login.lockouts', Number.MAX_SAFE_INTEGER, 24 * 60 * 60);

  const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

  return {
    async consume(limit, key) {
      try {
        await bounded(limiters.get(limit)!, (l) => l.consume(key));
        return undefined;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return seconds(rejection);
        // A broken limiter must not take the authorization server down with it.
        onStoreError(rejection);
        return undefined;
      }
    },
    async refund(limit, key) {
      await bounded(limiters.get(limit)!, (l) => l.reward(key)).catch((error: unknown) =>
        onStoreError(error),
      );
    },
    async loginLockedFor(account) {
      const res = await bounded(failures, (l) => l.get(account)).catch((error: unknown) => {
        onStoreError(error);
        return null;
      });
      return res && res.consumedPoints > maxFailures ? seconds(res) : undefined;
    },
    async loginFailed(account) {
      try {
        const res = await bounded(failures, (l) => l.penalty(account));
        if (res.consumedPoints < maxFailures) return undefined;
        const count = (await bounded(lockouts, (l) => l.penalty(account))).consumedPoints;
        const lockFor = Math.min(policy.lockoutSeconds * 2 ** (count - 1), policy.maxLockoutSeconds);
        await bounded(failures, (l) => l.block(account, lockFor));
        return lockFor;
      } catch (error) {
        onStoreError(error);
        return undefined;
      }
    },
    async loginSucceeded(account) {
      await bounded(failures, (l) => l.delete(account)).catch((error: unknown) => onStoreError(error));
    },
  };
}
