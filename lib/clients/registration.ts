/**
 * RFC 7591 dynamic client registration for agents (MCP clients) that have no prior relationship
 * with the product. oidc-provider's registration feature does the protocol and the metadata
 * validation; the kit adds its policy through the feature's `idFactory` hook, which runs on the
 * parsed request before the client is built:
 *
 * - public clients only (no secret is issued, stored or shown): `token_endpoint_auth_method`
 *   is `none` (also when the request names none); PKCE is then mandatory for them;
 * - redirect URIs are https, or http on a loopback address (native apps, RFC 8252 §7.3);
 * - the registration's `scope` is informative only: the client may ask for any non-restricted
 *   scope of the catalog later, so the stored value is the catalog's;
 * - the kit's own metadata (`urn:oauth-kit:*`) cannot be set by the registrant.
 *
 * Abuse limits (a per-IP rate limit, a daily cap, expiry of unused registrations) are applied
 * around it (registration-limits.ts, client-adapter.ts).
 */
import { randomBytes } from 'node:crypto';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Adapter } from '../../adapters/contract.js';
import type { ResolvedRegistration } from '../config/options.js';
import type { ScopeCatalog } from '../scopes/catalog.js';

/** Marks clients that registered themselves (dynamic registration or a metadata document). */
export const SELF_REGISTERED = 'urn:oauth-kit:self_registered';
const KIT_METADATA_PREFIX = 'urn:oauth-kit:';
/** Every dynamically registered client id starts with it. */
export const REGISTERED_ID_PREFIX = 'dyn_';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const SECRET_METHODS = new Set([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
]);
const ALLOWED_GRANTS = new Set(['authorization_code', 'refresh_token']);

/** https anywhere, or http on a loopback host; never a fragment or credentials. */
export function isAcceptableRedirectUri(value: unknown): boolean {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || url.hash || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** Applies the kit's registration policy to a parsed registration request, in place. */
export function applyRegistrationPolicy(body: Record<string, unknown>, catalog: ScopeCatalog): void {
  const method = body.token_endpoint_auth_method;
  if (method === undefined) body.token_endpoint_auth_method = 'none';
  else if (typeof method === 'string' && SECRET_METHODS.has(method)) {
    throw new errors.InvalidClientMetadata(
      'only public clients may register here: token_endpoint_auth_method must be "none"',
    );
  }
  const grants = body.grant_types;
  if (Array.isArray(grants) && grants.some((g) => !ALLOWED_GRANTS.has(g as string))) {
    throw new errors.InvalidClientMetadata(
      'grant_types may only contain authorization_code and refresh_token',
    );
  }
  const uris = body.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0) {
    throw new errors.InvalidRedirectUri('redirect_uris must be a non-empty array');
  }
  if (uris.length > 10 || !uris.every(isAcceptableRedirectUri)) {
    throw new errors.InvalidRedirectUri('redirect_uris must be at most 10 https or http loopback URLs');
  }
  for (const key of Object.keys(body)) if (key.startsWith(KIT_METADATA_PREFIX)) delete body[key];
  body[SELF_REGISTERED] = true;
  body.scope = ['openid', ...catalog.allowedFor({})].join(' ');
}

/** oidc-provider's `features.registration` for the host's policy (undefined when off). */
export function registrationFeature(registration: ResolvedRegistration, catalog: ScopeCatalog) {
  if (registration.policy === 'off') return { enabled: false };
  return {
    enabled: true,
    ...(registration.policy === 'initial-access-token'
      ? { initialAccessToken: registration.initialAccessToken }
      : {}),
    // Nothing to manage later: no registration access token (RFC 7592) is issued.
    issueRegistrationAccessToken: false,
    idFactory(ctx: KoaContextWithOIDC) {
      applyRegistrationPolicy(ctx.oidc.body as Record<string, unknown>, catalog);
      return `${REGISTERED_ID_PREFIX}${randomBytes(16).toString('base64url')}`;
    },
  };
}

/** Removes the kit's internal metadata from a registration response body. */
export function scrubRegistrationResponse(body: Record<string, unknown>): void {
  for (const key of Object.keys(body)) if (key.startsWith(KIT_METADATA_PREFIX)) delete body[key];
}

/**
 * A dynamically registered client a user approved: stored again to live as long as a grant can,
 * instead of expiring as an unused registration.
 */
export async function keepRegistration(
  clients: Adapter,
  clientId: string,
  ttlSeconds: number,
): Promise<void> {
  const stored = await clients.find(clientId);
  if (stored && stored[SELF_REGISTERED] === true) await clients.upsert(clientId, stored, ttlSeconds);
}
