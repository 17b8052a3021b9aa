/** The `registration` option: defaults, and refusals that name the setting. */
import { KIT_OPTIONS } from '../../lib/config/defaults.js';
import { resolveOption } from '../../lib/config/schema.js';
import { ConfigurationError } from '../../lib/errors/configuration-error.js';
import type { RegistrationOptions } from '../../lib/index.js';

/** The `registration` option resolved by its table, as mountOAuth resolves it. */
const resolveRegistration = (options: RegistrationOptions | undefined) =>
  resolveOption(KIT_OPTIONS.registration, options, 'registration', { issuer: '' });

test('off by default, with the documented limits', () => {
  expect(resolveRegistration(undefined)).toEqual({
    policy: 'off',
    initialAccessToken: undefined,
    maxPerDay: 1000,
    unusedTtlSeconds: 86400,
  });
});

test.each([
  ['an unknown policy', { policy: 'anyone' }, 'registration.policy'],
  ['a missing initial access token', { policy: 'initial-access-token' }, 'registration.initialAccessToken'],
  [
    'a short initial access token',
    { policy: 'initial-access-token', initialAccessToken: 'abc' },
    'registration.initialAccessToken',
  ],
  ['a zero cap', { policy: 'open', maxPerDay: 0 }, 'registration.maxPerDay'],
  ['a misspelt setting', { policy: 'open', maxPerday: 3 }, 'registration.maxPerday'],
])('%s is refused, naming the setting', (_name, options, option) => {
  expect(() => resolveRegistration(options as unknown as RegistrationOptions)).toThrow(ConfigurationError);
  try {
    resolveRegistration(options as unknown as RegistrationOptions);
  } catch (error) {
    expect((error as ConfigurationError).option).toBe(option);
  }
});
