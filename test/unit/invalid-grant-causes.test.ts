import { invalidGrantDescription } from '../../lib/tokens/invalid-grant-causes.js';

test('an expired code or refresh token says so', () => {
  expect(invalidGrantDescription('authorization code is expired', 'authorization_code')).toBe(
    'The authorization code has expired.',
  );
  expect(invalidGrantDescription('refresh token is expired', 'refresh_token')).toBe(
    'The refresh token has expired.',
  );
});

test("another client's code or token reads like an unknown one", () => {
  expect(invalidGrantDescription('client mismatch', 'authorization_code')).toBe(
    invalidGrantDescription('authorization code not found', 'authorization_code'),
  );
  expect(invalidGrantDescription('client mismatch', 'refresh_token')).toBe(
    invalidGrantDescription('refresh token not found', 'refresh_token'),
  );
});

test('a cause the kit does not know keeps oidc-provider’s generic description', () => {
  expect(invalidGrantDescription('accountId mismatch', 'refresh_token')).toBeUndefined();
  expect(invalidGrantDescription(undefined, 'refresh_token')).toBeUndefined();
});
