/**
 * `createRedisStore`'s options, declared once (doc, default, check) like the kit's own
 * (lib/config/defaults.ts); docs/configuration.md is generated from this table too.
 */
import { ConfigurationError } from '../../lib/errors/configuration-error.js';
import type { Clock } from '../../lib/cache/bounded-cache.js';
import { isFunction, numberIn, positiveInteger } from '../../lib/config/checks.js';
import { option, required, resolveTable, type InputOf } from '../../lib/config/schema.js';
import type { RedisConnection } from './connection.js';

export const REDIS_STORE_OPTIONS = {
  /** An ioredis `Redis` (single node or Sentinel) or `Cluster` connection, owned by the host. */
  client: required({
    parse(value: RedisConnection, at: string): RedisConnection {
      if (typeof (value as { on?: unknown } | undefined)?.on !== 'function') {
        throw new ConfigurationError(at, 'must be an ioredis Redis or Cluster connection.');
      }
      return value;
    },
  }),
  /** Prefix of every key and of the pub/sub channel, e.g. `prod:oauth:`. */
  prefix: option({
    default: 'oauth-kit:',
    parse(value: string, at: string): string {
      if (typeof value !== 'string' || value.includes('{') || value.includes('}')) {
        throw new ConfigurationError(at, 'must be a string without "{" or "}" (hash tags are the store\'s).');
      }
      return value;
    },
  }),
  /**
   * Upper bound for every store call (ms): past it the request gets a 503 with Retry-After, and
   * until Redis answers again every call fails at once instead of queueing.
   */
  commandTimeoutMs: option({ default: 1000, parse: positiveInteger(' of milliseconds') }),
  /**
   * Secret mixed into every key and encryption key (HMAC). Optional: ids have 256 random bits, so
   * an unkeyed hash is already safe; a secret kept outside Redis adds defence in depth. Changing
   * it makes all stored state unreachable.
   */
  hashSecret: option({ default: 'oauth-kit', parse: (value: string | Buffer) => value }),
  /**
   * Seconds during which a client that retries a refresh with the same (just rotated) refresh
   * token gets the very same new token pair back instead of a revoked grant. 0 (off): the
   * documents rotate on every use and treat any reuse as theft.
   */
  refreshRetryWindowSeconds: option({
    default: 0,
    parse: numberIn(0, Number.MAX_SAFE_INTEGER, 'must be a non-negative whole number of seconds.', true),
  }),
  /**
   * The clock (epoch ms) the refresh retry window is measured on. Keys expire on Redis' own
   * clock whatever this says. Tests move it.
   * @default `Date.now`
   */
  now: option({ default: Date.now, parse: isFunction<Clock>('() => number (epoch ms)') }),
};

export type RedisStoreOptions = InputOf<typeof REDIS_STORE_OPTIONS>;

export function resolveRedisStoreOptions(options: RedisStoreOptions) {
  return resolveTable(REDIS_STORE_OPTIONS, options, 'createRedisStore.', 'a createRedisStore option');
}
