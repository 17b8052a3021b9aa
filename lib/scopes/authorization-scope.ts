/**
 * The `scope` of an authorization (or pushed authorization) request, settled after
 * oidc-provider's own checks. Runs as oidc-provider's `extraParams` validator for `scope`
 * (its documented extension point: called with the request context, the parameter's value
 * and the client, after the built-in checks, and free to adjust `ctx.oidc.params`).
 *
 * - No `scope`: the client's default scopes (`defaultScopes`), or `invalid_scope` saying so —
 *   never an authorization that grants nothing, which oidc-provider ends with `access_denied`
 *   after the user signed in.
 * - `offline_access`: oidc-provider drops it unless the request says `prompt=consent` (an
 *   OpenID Connect rule). The kit always asks for consent to what a client has not been
 *   granted and issues refresh tokens to every client allowed the refresh_token grant, so
 *   it keeps `offline_access` for those clients and echoes it in the granted scope.
 */
import { decodeJwt } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** Client metadata: the scopes an authorization request without `scope` gets. */
export const DEFAULT_SCOPE = 'urn:oauth-kit:default_scope';

interface ScopeClient {
  [key: string]: unknown;
  grantTypeAllowed?(type: string): boolean;
}

/** The scope the client sent, before oidc-provider adjusted it. */
function sentScope(ctx: KoaContextWithOIDC): unknown {
  const pushed = ctx.oidc.entities.PushedAuthorizationRequest as { request?: string } | undefined;
  if (pushed?.request) return decodeJwt(pushed.request).scope;
  const body = (ctx.oidc as { body?: Record<string, unknown> }).body;
  return ctx.method === 'POST' ? body?.scope : ctx.query.scope;
}

/** oidc-provider's `extraParams.scope` validator (it awaits the result; nothing here waits). */
export function settleAuthorizationScope(
  ctx: KoaContextWithOIDC,
  value: unknown,
  client?: ScopeClient,
): void {
  const params = ctx.oidc.params!;
  const sent = sentScope(ctx);
  const scopes = typeof value === 'string' ? value.split(' ') : [];
  if (
    typeof sent === 'string' &&
    sent.split(' ').includes('offline_access') &&
    !scopes.includes('offline_access') &&
    client?.grantTypeAllowed?.('refresh_token')
  ) {
    scopes.push('offline_access');
    params.scope = scopes.join(' ');
    return;
  }
  if (value !== undefined) return;
  const defaults = client?.[DEFAULT_SCOPE];
  if (typeof defaults !== 'string' || defaults === '') {
    throw new errors.InvalidScope(
      'scope is required: name the scopes the app needs (this client has no default scopes)',
      '',
    );
  }
  params.scope = defaults;
}
