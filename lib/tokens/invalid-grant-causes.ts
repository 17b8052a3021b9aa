/**
 * What an `invalid_grant` answer says. oidc-provider always says "grant request is invalid" and
 * keeps the cause in `error_detail`; the documents' examples name it ("The authorization code
 * has expired"). Each cause below is safe to tell the authenticated client that presented the
 * code or token: it learns nothing about another client's artifacts (a code or token of
 * another client reads exactly like an unknown one).
 */

const UNKNOWN_CODE = 'The authorization code is invalid or has expired.';
const CODE_USED =
  'The authorization code has already been used; the authorization it belonged to is revoked.';
const UNKNOWN_REFRESH = 'The refresh token is invalid, expired or revoked.';
const REFRESH_USED = 'The refresh token has already been used; the authorization it belonged to is revoked.';

const CAUSES: Record<string, string> = {
  'authorization code not found': UNKNOWN_CODE,
  'authorization code is expired': 'The authorization code has expired.',
  'authorization code already consumed': CODE_USED,
  'authorization code redirect_uri mismatch':
    'redirect_uri does not match the redirect_uri of the authorization request.',
  'code_verifier must be provided': 'code_verifier is required: the authorization code was issued with PKCE.',
  'code_verifier does not match code_challenge': 'code_verifier does not match the code_challenge (PKCE).',
  'refresh token not found': UNKNOWN_REFRESH,
  'refresh token is expired': 'The refresh token has expired.',
  'refresh token already used': REFRESH_USED,
  'refresh token retried within the retry window': 'The refresh token has already been used.',
  'grant not found': 'The authorization was revoked.',
  'grant is expired': 'The authorization has expired.',
};

/** Causes whose wording depends on the grant type. */
const BY_GRANT_TYPE: Record<string, Record<string, string>> = {
  'client mismatch': { authorization_code: UNKNOWN_CODE, refresh_token: UNKNOWN_REFRESH },
  // The store refused a concurrent second use (adapters/contract.ts ConsumedArtifactReplay).
  'token or code already used': { authorization_code: CODE_USED, refresh_token: REFRESH_USED },
};

/** The description for an `invalid_grant` with oidc-provider's `error_detail`, if it is known. */
export function invalidGrantDescription(detail: unknown, grantType: unknown): string | undefined {
  if (typeof detail !== 'string') return undefined;
  return CAUSES[detail] ?? (typeof grantType === 'string' ? BY_GRANT_TYPE[detail]?.[grantType] : undefined);
}
