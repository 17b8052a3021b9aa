/**
 * RFC 7009 revocation and RFC 7662 introspection of the kit's JWT access tokens.
 *
 * oidc-provider answers both endpoints with `unsupported_token_type` for any JWT, after it has
 * authenticated the client. Extension point: `provider.use()` (oidc-provider's Koa middleware
 * stack, documented for pre- and post-processing): when that refusal comes back for an
 * authenticated client, the kit answers instead, with the same verifier requireScope uses.
 * Nothing inside oidc-provider is patched; its parsing, client authentication and limits ran.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { StoreUnavailableError } from '../../adapters/contract.js';
import { TokenStoreUnavailableError } from '../errors/bearer-errors.js';
import type { AuthInfo, TokenVerifier } from '../resource-server/verify.js';
import type { SecurityEvents } from '../events/events.js';
import { clientIp } from '../requests/request-identity.js';
import { introspectionAllowed, revocationAllowed } from './endpoint-policies.js';

export interface JwtAccessTokenEndpointDeps {
  verify: Pick<TokenVerifier, 'inspect'>;
  /** Makes every resource server refuse the token from now until it expires. */
  revoke(token: { jti: string; exp: number }): Promise<void>;
  events: SecurityEvents;
}

/** The token if it is a live access token the kit issued; undefined if it is not (any reason). */
async function liveToken(verify: JwtAccessTokenEndpointDeps['verify'], token: string) {
  try {
    return await verify.inspect(token);
  } catch (error) {
    if (error instanceof TokenStoreUnavailableError) throw new StoreUnavailableError();
    return undefined;
  }
}

/** RFC 7662 §2.2: the token's claims, `active`, and how it must be presented. */
function introspectionAnswer(auth: AuthInfo): Record<string, unknown> {
  const cnf = auth.claims.cnf as { jkt?: unknown } | undefined;
  return {
    ...auth.claims,
    active: true,
    token_type: typeof cnf?.jkt === 'string' ? 'DPoP' : 'Bearer',
  };
}

export function installJwtAccessTokenEndpoints(provider: Provider, deps: JwtAccessTokenEndpointDeps): void {
  provider.use(async (koa, next) => {
    await next();
    const ctx = koa as unknown as KoaContextWithOIDC;
    const route = ctx.oidc?.route;
    if (route !== 'revocation' && route !== 'introspection') return;
    if (
      ctx.status !== 400 ||
      (ctx.body as { error?: unknown } | undefined)?.error !== 'unsupported_token_type'
    ) {
      return;
    }
    const client = ctx.oidc.client;
    const token = ctx.oidc.params?.token;
    if (!client || typeof token !== 'string') return;

    const verified = await liveToken(deps.verify, token);
    // The issuer's clock is the reference: no tolerance past `exp` here (resource servers allow skew).
    const auth = verified && verified.expiresAt * 1000 > Date.now() ? verified : undefined;
    ctx.set('Cache-Control', 'no-store');
    // The same policies as for the tokens oidc-provider handles (endpoint-policies.ts).
    const holder = { clientId: auth?.clientId };

    if (route === 'introspection') {
      ctx.status = 200;
      ctx.body =
        auth && introspectionAllowed(ctx, client, holder) ? introspectionAnswer(auth) : { active: false };
      return;
    }

    // RFC 7009 §2.2: an invalid, expired or already revoked token is not an error.
    if (auth) {
      let allowed: boolean;
      try {
        allowed = revocationAllowed(ctx, client, holder);
      } catch (error) {
        // oidc-provider's error handler already ran: answer as it would.
        if (!(error instanceof errors.InvalidRequest)) throw error;
        ctx.status = 400;
        ctx.body = { error: error.error, error_description: error.error_description };
        return;
      }
      // Every access token the kit issues has a `jti`.
      if (allowed && typeof auth.claims.jti === 'string') {
        await deps.revoke({ jti: auth.claims.jti, exp: auth.expiresAt });
        deps.events.emit(
          'token.revoked',
          {
            clientId: client.clientId,
            tokenType: 'AccessToken',
            ...(auth.grantId ? { grantId: auth.grantId } : {}),
          },
          clientIp(ctx.req),
        );
      }
    }
    ctx.status = 200;
    ctx.body = '';
  });
}
