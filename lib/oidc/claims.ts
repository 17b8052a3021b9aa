/**
 * OpenID Connect claims (Core §5.4): which of an account's claims each standard scope
 * releases, in ID tokens and at userinfo. The account's claims come from the host's
 * `accounts.find` hook; `sub` is always its id.
 */

/** Scope → the claims it releases. `openid` alone releases only `sub`. */
export const OIDC_SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
} as const satisfies Record<string, readonly string[]>;

/** The standard scopes the kit supports besides the host's catalog. */
export const OIDC_SCOPES: readonly string[] = Object.keys(OIDC_SCOPE_CLAIMS);

/** The claims `scopes` release from an account's claims, with `sub`. */
export function releasedClaims(
  sub: string,
  claims: Record<string, unknown> | undefined,
  scopes: readonly string[],
): Record<string, unknown> {
  const released: Record<string, unknown> = { sub };
  for (const scope of scopes) {
    const names: readonly string[] | undefined = (OIDC_SCOPE_CLAIMS as Record<string, readonly string[]>)[
      scope
    ];
    if (!names || !claims) continue;
    for (const name of names) if (name !== 'sub' && claims[name] !== undefined) released[name] = claims[name];
  }
  return released;
}
