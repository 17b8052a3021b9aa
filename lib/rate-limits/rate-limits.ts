/**
 * Rate limits and the per-account login lockout, on rate-limiter-flexible: in process memory by
 * default, in Redis when the host passes its ioredis client (every process then shares the
 * counters). Which requests count against which limit is decided in rate-limit-middleware.ts.
 *
 * On Redis every limiter call is bounded by `commandTimeoutMs`: a Redis that is down, stalled or
 * slow costs a request at most that long, and the limit is then kept on this process's own
 * counters (the insurance limiter) until Redis answers again.
 */
import type { IoRedisConnection } from '../../adapters/redis/context.js';
import { RedisStalledError, stallGuard } from '../../adapters/redis/stall-guard.js';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { InputOf, ResolvedOf } from '../config/schema.js';
import type { LOCKOUT_LIMITS, RATE_LIMIT_OPTIONS, TOKEN_LIMITS } from './rate-limit-options.js';
import { resolveRateLimits } from './validate-rate-limits.js';

/** `points` requests per `durationSeconds`, per key. */
export type RateLimit = ResolvedOf<typeof TOKEN_LIMITS>['perIp'];

/** After `failures` wrong passwords within `windowSeconds`, the account's login is locked for
 *  `lockoutSeconds`; each further lockout within a day doubles it, up to `maxLockoutSeconds`. */
export type LockoutPolicy = ResolvedOf<typeof LOCKOUT_LIMITS>;

/** Every limit, resolved: config/defaults.ts' `rateLimits` (tables in rate-limit-options.ts). */
export type RateLimitSettings = Omit<ResolvedOf<typeof RATE_LIMIT_OPTIONS>, 'store' | 'scale'>;

/** Where counters live: this process, or the host's Redis. */
export type RateLimitStore = NonNullable<RateLimitOptions['store']>;

/** The `rateLimits` option: `store`, `scale`, and overrides, field by field, of DEFAULT_RATE_LIMITS. */
export type RateLimitOptions = InputOf<typeof RATE_LIMIT_OPTIONS>;

/** Every limit's default. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = resolveRateLimits(undefined).settings;

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
  store: ResolvedOf<typeof RATE_LIMIT_OPTIONS>['store'];
  scale: number;
  settings: RateLimitSettings;
}

export function createRateLimiters(
  config: ResolvedRateLimits,
  onStoreError: (error: unknown) => void,
): RateLimiters {
  const { store, scale, settings } = config;
  // In memory the prefix only names the limiters.
  const prefix = store === 'memory' ? 'oauth-kit:rl' : store.keyPrefix;

  // The option names the connection structurally (adapters/redis/connection.ts); it is ioredis' own.
  const redis = store === 'memory' ? undefined : (store.redis as IoRedisConnection);
  const guard = redis && stallGuard(redis);
  const timeoutMs = store === 'memory' ? 0 : store.commandTimeoutMs;

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
      storeClient: redis,
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
