/**
 * The `rateLimits` option, declared once (doc, default, check) like the kit's other options
 * (config/schema.ts): DEFAULT_RATE_LIMITS, the option's types and its part of
 * docs/configuration.md are derived from these tables.
 */
import type { RedisConnection } from '../../adapters/redis/connection.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { positiveInteger } from '../config/checks.js';
import { group, option, required, resolveTable, type InputOf, type ResolvedOf } from '../config/schema.js';

const count = positiveInteger();

/** A limit: `points` requests per `durationSeconds` (s), per key; either can be overridden. */
function limit(points: number, durationSeconds: number) {
  return group(
    {
      points: option({ default: points, parse: count }),
      durationSeconds: option({ default: durationSeconds, parse: count }),
    },
    'a setting',
  );
}

/**
 * After `failures` wrong passwords within `windowSeconds`, the account's login is locked for
 * `lockoutSeconds`; each further lockout within a day doubles it, up to `maxLockoutSeconds`.
 */
export const LOCKOUT_LIMITS = {
  /** Wrong passwords that lock the account. */
  failures: option({ default: 5, parse: count }),
  /** The window they are counted in (s). */
  windowSeconds: option({ default: 900, parse: count }),
  /** The first lockout (s). */
  lockoutSeconds: option({ default: 60, parse: count }),
  /** The longest lockout (s). */
  maxLockoutSeconds: option({ default: 3600, parse: count }),
};

export const TOKEN_LIMITS = {
  /** Token requests of a client authenticating with HTTP Basic; a request that fails client authentication gives its point back (`clientAuthentication` counts it instead). */
  perClient: limit(600, 60),
  /** Every token request. */
  perIp: limit(600, 60),
};

export const AUTHORIZE_LIMITS = {
  /** `/oauth/authorize`, every method and spelling that reaches it (`/OAuth/Authorize/`). */
  perIp: limit(300, 60),
  /** The same requests over an hour: each starts an interaction the store keeps for an hour, so this bounds how many one IP can hold. */
  perIpPerHour: limit(1000, 3600),
};

export const LOGIN_LIMITS = {
  /** Login form posts (any letter case, trailing slash or not). */
  perIp: limit(100, 900),
  /**
   * Wrong passwords for one login name: after `failures` within `windowSeconds` its login is
   * locked for `lockoutSeconds`, doubling per lockout within a day, up to `maxLockoutSeconds`;
   * while locked the password is not checked.
   */
  perAccount: group(LOCKOUT_LIMITS, 'a setting'),
};

export const REVOCATION_LIMITS = {
  /** `/oauth/revoke`, per authenticated client. */
  perClient: limit(300, 60),
  /** `/oauth/revoke`, per IP. */
  perIp: limit(300, 60),
};

export const INTROSPECTION_LIMITS = {
  /** `/oauth/introspect`, per authenticated client. */
  perClient: limit(600, 60),
  /** `/oauth/introspect`, per IP. */
  perIp: limit(600, 60),
};

export const REGISTRATION_LIMITS = {
  /** Dynamic client registrations (`registration` option) per IP. */
  perIp: limit(20, 3600),
};

export const DEVELOPER_API_LIMITS = {
  /** The developer JSON API (`pages.paths.api`), per IP. */
  perIp: limit(120, 60),
};

export const CLIENT_AUTHENTICATION_LIMITS = {
  /** Failed client authentications (token, revocation, introspection; Basic or body; clients registered in code too), per client and source IP, never refunded; over it that client is refused from that IP without its secret being checked. */
  failuresPerClientAndIp: limit(20, 600),
};

/** Counters in the host's Redis, shared by every process. */
export const REDIS_LIMITER_OPTIONS = {
  /** The host's ioredis client. */
  redis: required({ parse: (value: RedisConnection): RedisConnection => value }),
  /** Prefix of the counters' keys. */
  keyPrefix: option({
    default: 'oauth-kit:rl',
    parse(value: string, at: string): string {
      if (typeof value !== 'string') throw new ConfigurationError(at, 'must be a string.');
      return value;
    },
  }),
  /** Upper bound (ms) on each limiter call; past it this process counts alone. */
  commandTimeoutMs: option({ default: 1000, parse: positiveInteger(' of milliseconds') }),
};

export const RATE_LIMIT_OPTIONS = {
  /**
   * Where counters live: `'memory'` (this process) or `{ redis, keyPrefix?, commandTimeoutMs? }`
   * when the app runs as several processes.
   * @options REDIS_LIMITER_OPTIONS
   */
  store: option({
    default: 'memory',
    parse(
      value: 'memory' | InputOf<typeof REDIS_LIMITER_OPTIONS>,
      at: string,
    ): 'memory' | ResolvedOf<typeof REDIS_LIMITER_OPTIONS> {
      if (value === 'memory') return value;
      if (typeof (value as { redis?: { eval?: unknown } } | null)?.redis?.eval !== 'function') {
        throw new ConfigurationError(at, "must be 'memory' or { redis: <ioredis client> }.");
      }
      return resolveTable(REDIS_LIMITER_OPTIONS, value, `${at}.`, 'a store setting');
    },
  }),
  /** Multiplies every limit; `1000` is the benchmarking switch (`RATE_LIMITS=relaxed`). */
  scale: option({ default: 1, parse: positiveInteger(' (1000 for benchmarks)') }),
  /** The token endpoint. */
  token: group(TOKEN_LIMITS, 'a limit'),
  /** The authorization endpoint. */
  authorize: group(AUTHORIZE_LIMITS, 'a limit'),
  /** The kit's login page, and `kit.guardLogin` on the same counters. */
  login: group(LOGIN_LIMITS, 'a limit'),
  /** The revocation endpoint. */
  revocation: group(REVOCATION_LIMITS, 'a limit'),
  /** The introspection endpoint. */
  introspection: group(INTROSPECTION_LIMITS, 'a limit'),
  /** Dynamic client registration. */
  registration: group(REGISTRATION_LIMITS, 'a limit'),
  /** The developer JSON API. */
  developerApi: group(DEVELOPER_API_LIMITS, 'a limit'),
  /** Wrong client secrets. */
  clientAuthentication: group(CLIENT_AUTHENTICATION_LIMITS, 'a limit'),
};
