/** Validates the `rateLimits` option and fills in the documented defaults. */
import { ConfigurationError } from '../errors/configuration-error.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions, type ResolvedRateLimits } from './rate-limits.js';

const positiveInteger = (value: unknown) => Number.isInteger(value) && (value as number) > 0;

export function resolveRateLimits(options: RateLimitOptions | undefined): ResolvedRateLimits {
  const given = (options ?? {}) as Record<string, unknown>;
  const known = ['store', 'scale', ...Object.keys(DEFAULT_RATE_LIMITS)];
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new ConfigurationError(
        `rateLimits.${key}`,
        'is not a rate limit.',
        `Known: ${known.join(', ')}.`,
      );
    }
  }
  const store = options?.store ?? 'memory';
  if (store !== 'memory' && typeof (store as { redis?: { eval?: unknown } })?.redis?.eval !== 'function') {
    throw new ConfigurationError('rateLimits.store', "must be 'memory' or { redis: <ioredis client> }.");
  }
  const timeout = store === 'memory' ? undefined : store.commandTimeoutMs;
  if (timeout !== undefined && !positiveInteger(timeout)) {
    throw new ConfigurationError(
      'rateLimits.store.commandTimeoutMs',
      'must be a positive whole number of milliseconds.',
    );
  }
  const scale = options?.scale ?? 1;
  if (!positiveInteger(scale)) {
    throw new ConfigurationError(
      'rateLimits.scale',
      'must be a positive whole number (1000 for benchmarks).',
    );
  }
  const settings = structuredClone(DEFAULT_RATE_LIMITS);
  for (const [endpoint, defaults] of Object.entries(settings) as Array<
    [string, Record<string, Record<string, number>>]
  >) {
    const overrides = given[endpoint] as Record<string, Record<string, unknown> | undefined> | undefined;
    for (const [kind, value] of Object.entries(overrides ?? {})) {
      const base = defaults[kind];
      if (!base) {
        throw new ConfigurationError(
          `rateLimits.${endpoint}.${kind}`,
          'is not a limit.',
          `Known: ${Object.keys(defaults).join(', ')}.`,
        );
      }
      for (const [field, number] of Object.entries(value ?? {})) {
        if (!(field in base)) {
          throw new ConfigurationError(
            `rateLimits.${endpoint}.${kind}.${field}`,
            'is not a setting.',
            `Known: ${Object.keys(base).join(', ')}.`,
          );
        }
        if (!positiveInteger(number)) {
          throw new ConfigurationError(
            `rateLimits.${endpoint}.${kind}.${field}`,
            'must be a positive whole number.',
          );
        }
        base[field] = number as number;
      }
    }
  }
  return { store, scale, settings };
}
