/**
 * Token lifetimes and the refresh-token rules of the documents we implement. Where is refresh
 * rotation decided? Here: every client allowed the refresh_token grant gets a refresh token from
 * every code exchange (no `offline_access` needed), it rotates on every use, each new one lives
 * `ttl.refreshToken` but never past its grant's absolute lifetime, and it is not bound to the
 * browser session at the authorization server.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ResolvedOptions } from '../config/options.js';

type Ttl = NonNullable<Configuration['ttl']>;

function remainingGrantSeconds(ctx: KoaContextWithOIDC | undefined): number | undefined {
  const exp = ctx?.oidc.entities.Grant?.exp;
  return typeof exp === 'number' ? exp - Math.floor(Date.now() / 1000) : undefined;
}

export function tokenLifetimes(options: ResolvedOptions): Ttl {
  // Access tokens take their TTL from the resource server (see provider.ts); the fallback
  // covers tokens issued without one (userinfo tokens when `openid` is requested).
  const accessTokenTTL: Ttl['AccessToken'] = (_ctx, token) =>
    token.resourceServer?.accessTokenTTL ?? options.ttl.accessToken;
  return {
    AccessToken: accessTokenTTL,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? options.ttl.accessToken,
    AuthorizationCode: options.ttl.authorizationCode,
    Grant: options.ttl.grant,
    IdToken: options.ttl.accessToken,
    Interaction: 60 * 60,
    Session: 14 * 24 * 60 * 60,
    RefreshToken(ctx) {
      const remaining = remainingGrantSeconds(ctx);
      return remaining === undefined
        ? options.ttl.refreshToken
        : Math.max(1, Math.min(options.ttl.refreshToken, remaining));
    },
  };
}

export const refreshTokenPolicy = {
  issueRefreshToken: (_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(t: string): boolean }) =>
    client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  expiresWithSession: () => false,
} satisfies Pick<Configuration, 'issueRefreshToken' | 'rotateRefreshToken' | 'expiresWithSession'>;
