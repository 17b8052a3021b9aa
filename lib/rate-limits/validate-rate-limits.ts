/** Resolves the `rateLimits` option against its tables (rate-limit-options.ts). */
import { resolveTable } from '../config/schema.js';
import { RATE_LIMIT_OPTIONS } from './rate-limit-options.js';
import type { RateLimitOptions, ResolvedRateLimits } from './rate-limits.js';

export function resolveRateLimits(options: RateLimitOptions | undefined): ResolvedRateLimits {
  const { store, scale, ...settings } = resolveTable(
    RATE_LIMIT_OPTIONS,
    options ?? {},
    'rateLimits.',
    'a rate limit',
  );
  return { store, scale, settings };
}
