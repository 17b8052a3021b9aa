/**
 * A client registered in code (or in the app registry) as oidc-provider client metadata: its
 * grant types, the scopes it may be granted with what they imply, and its default scope.
 */
import type { ClientMetadata } from 'oidc-provider';
import type { StaticClient } from '../config/options.js';
import { OIDC_SCOPES } from '../oidc/claims.js';
import { DEFAULT_SCOPE } from '../scopes/authorization-scope.js';
import type { ScopeCatalog } from '../scopes/catalog.js';

/** RFC 9700 §2.1: authorization responses only in the query (no fragment, form_post, web_message). */
export const RESPONSE_MODES = ['query'];

export function toClientMetadata(client: StaticClient, catalog: ScopeCatalog): ClientMetadata {
  const isPublic = client.type === 'public' || (!client.type && !client.clientSecret);
  const grantTypes =
    client.grantTypes ??
    (isPublic
      ? ['authorization_code', 'refresh_token']
      : ['authorization_code', 'refresh_token', 'client_credentials']);
  // The scopes it may be granted, with what they imply (a token carries both).
  const allowed = catalog.expand(catalog.allowedFor(client).join(' ')).split(' ').filter(Boolean);
  return {
    client_id: client.clientId,
    ...(isPublic ? {} : { client_secret: client.clientSecret }),
    client_name: client.name ?? client.clientId,
    redirect_uris: client.redirectUris,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    response_modes: RESPONSE_MODES,
    token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
    scope: [
      ...OIDC_SCOPES,
      ...(grantTypes.includes('refresh_token') ? ['offline_access'] : []),
      ...allowed,
    ].join(' '),
    // What an authorization request without `scope` gets (see `defaultScopes`).
    [DEFAULT_SCOPE]: catalog.defaultsFor(client).join(' '),
    'urn:oauth-kit:test_mode': client.testMode ?? false,
    ...(client.requirePushedAuthorizationRequests ? { require_pushed_authorization_requests: true } : {}),
  };
}
