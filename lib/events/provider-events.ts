/**
 * Turns oidc-provider's events into the kit's security events. oidc-provider hands listeners
 * its request context, whose entities hold token values; only identifiers are copied out here.
 */
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { ConsumedArtifactReplay } from '../../adapters/contract.js';
import { claimedClientId, clientIp } from '../requests/request-identity.js';
import type { GrantRevocationReason, SecurityEvents } from './events.js';
import type { SecurityLogger } from '../logging/logger.js';

interface ProviderError {
  name?: string;
  error?: string;
  error_detail?: string;
}

const REFRESH_REUSE = 'refresh token already used';
const CODE_REUSE = 'authorization code already consumed';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The authenticated client, else the one the request claimed (for failed authentication). */
function clientOf(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc?.client?.clientId ?? str(ctx.oidc?.params?.client_id) ?? claimedClientId(ctx.req);
}

/** Why oidc-provider revoked a grant, from the request it revoked it in. */
export function revocationReason(ctx: KoaContextWithOIDC): GrantRevocationReason {
  if (ctx.oidc?.route === 'revocation') return 'revocation_endpoint';
  return ctx.oidc?.params?.grant_type === 'refresh_token'
    ? 'refresh_token_reuse'
    : 'authorization_code_reuse';
}

export function watchProvider(provider: Provider, events: SecurityEvents, logger: SecurityLogger): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    // One per token request: plain literals (emit drops the undefined fields), no spreads.
    const { entities, params } = ctx.oidc;
    const clientId = ctx.oidc.client!.clientId;
    const grantType = String(params?.grant_type);
    const accountId = entities.Account?.accountId;
    const grantId = entities.Grant?.jti;
    const scope = str((ctx.body as { scope?: unknown } | undefined)?.scope);
    if (grantType === 'refresh_token') {
      events.emit('token.refreshed', { clientId, accountId, grantId, scope }, clientIp(ctx.req));
    } else {
      events.emit('token.issued', { clientId, grantType, accountId, grantId, scope }, clientIp(ctx.req));
    }
  });

  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    const clientId = clientOf(ctx);
    const ip = clientIp(ctx.req);
    if (error.error === 'invalid_client') {
      events.emit(
        'client.authentication_failed',
        { ...(clientId ? { clientId } : {}), endpoint: 'token' },
        ip,
      );
      return;
    }
    const replay = error instanceof ConsumedArtifactReplay;
    const grantType = ctx.oidc?.params?.grant_type;
    const grantId = replay ? error.grantId : undefined;
    const details = { clientId: clientId ?? 'unknown', ...(grantId ? { grantId } : {}) };
    if (error.error_detail === REFRESH_REUSE || (replay && grantType === 'refresh_token')) {
      events.emit('refresh_token.reuse_detected', details, ip);
    } else if (error.error_detail === CODE_REUSE || (replay && grantType === 'authorization_code')) {
      events.emit('authorization_code.reuse_detected', details, ip);
    }
  });

  const clientAuthFailed = (endpoint: string) => (ctx: KoaContextWithOIDC, error: ProviderError) => {
    if (error.error !== 'invalid_client') return;
    const clientId = clientOf(ctx);
    events.emit(
      'client.authentication_failed',
      { ...(clientId ? { clientId } : {}), endpoint },
      clientIp(ctx.req),
    );
  };
  provider.on('revocation.error', clientAuthFailed('revocation'));
  provider.on('introspection.error', clientAuthFailed('introspection'));

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    events.emit('grant.revoked', { grantId, reason: revocationReason(ctx) }, clientIp(ctx.req));
  });

  // Errors oidc-provider did not expose: the name only (messages can quote request input).
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    logger.error({ event: 'server_error', route: ctx.oidc?.route, errorName: error?.name }, 'server_error');
  });
}

/** After a revocation request: which token it revoked (never the token itself). */
export function tokenRevokedEvent(ctx: KoaContextWithOIDC, events: SecurityEvents): void {
  if (ctx.oidc?.route !== 'revocation' || ctx.status !== 200) return;
  const { entities } = ctx.oidc;
  const token = entities.RefreshToken ?? entities.AccessToken ?? entities.ClientCredentials;
  if (!token || !ctx.oidc.client) return;
  const grantId = 'grantId' in token ? token.grantId : undefined;
  events.emit(
    'token.revoked',
    { clientId: ctx.oidc.client.clientId, tokenType: token.kind, ...(grantId ? { grantId } : {}) },
    clientIp(ctx.req),
  );
}
