/** The `registration` option (RFC 7591 dynamic client registration), validated at start-up. */
import { ConfigurationError } from '../errors/configuration-error.js';
import type { RegistrationOptions, ResolvedRegistration } from './options.js';

const POLICIES = ['off', 'open', 'initial-access-token'];
const KNOWN = ['policy', 'initialAccessToken', 'maxPerDay', 'unusedTtlSeconds'];

export function resolveRegistration(options: RegistrationOptions | undefined): ResolvedRegistration {
  const given = options ?? { policy: 'off' };
  for (const key of Object.keys(given)) {
    if (!KNOWN.includes(key)) {
      throw new ConfigurationError(`registration.${key}`, 'is not a setting.', `Known: ${KNOWN.join(', ')}.`);
    }
  }
  if (!POLICIES.includes(given.policy)) {
    throw new ConfigurationError('registration.policy', `must be one of ${POLICIES.join(', ')}.`);
  }
  const token = given.initialAccessToken;
  if (given.policy === 'initial-access-token' && (typeof token !== 'string' || token.length < 32)) {
    throw new ConfigurationError(
      'registration.initialAccessToken',
      "is required with policy 'initial-access-token': at least 32 random characters.",
    );
  }
  for (const key of ['maxPerDay', 'unusedTtlSeconds'] as const) {
    const value = given[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new ConfigurationError(`registration.${key}`, 'must be a positive whole number.');
    }
  }
  return {
    policy: given.policy,
    initialAccessToken: given.policy === 'initial-access-token' ? token : undefined,
    maxPerDay: given.maxPerDay ?? 1000,
    unusedTtlSeconds: given.unusedTtlSeconds ?? 24 * 60 * 60,
  };
}
