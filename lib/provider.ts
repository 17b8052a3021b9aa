/**
 * The one place an oidc-provider instance is built from the kit's resolved options.
 */
import Provider, {
  errors,
  interactionPolicy,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConsumedArtifactReplay } from '../adapters/contract.js';
import type { HtmlErrorRenderer } from './errors/error-page.js';
import type { ResolvedOptions } from './config/options.js';
import { revokeGrant } from './grants/grants.js';
import { providerKeys } from './keys/jwks.js';
import { DPOP_ALGORITHMS } from './resource-server/dpop.js';
import { EXTERNAL_SIGNING_ACK } from './keys/signer.js';
import type { SecurityEvents } from './events/events.js';
import { hashedTokenIds } from './tokens/hashed-token-ids.js';
import { pinIssuerHost } from './requests/require-issuer-host.js';
import { requiresHttps } from './requests/require-https.js';
import type { SecurityLogger } from './logging/logger.js';
import { revocationReason, tokenRevokedEvent, watchProvider } from './events/provider-events.js';
import { storeUnavailableAnswer } from './errors/store-unavailable.js';
import { CLIENT_SECRETS, installClientSecretCheck, type ClientSecretHasher } from './registry/secrets.js';
import type { ClientAuthFailures } from './rate-limits/client-auth-failures.js';
import { DEFAULT_SCOPE, settleAuthorizationScope } from './scopes/authorization-scope.js';
import type { ScopeCatalog } from './scopes/catalog.js';
import { clientAdapter } from './clients/client-adapter.js';
import { isBlockedClient } from './clients/self-registered.js';
import { createMetadataDocumentResolver, METADATA_DOCUMENT } from './clients/metadata-document.js';
import { registrationFeature, scrubRegistrationResponse, SELF_REGISTERED } from './clients/registration.js';
import { OIDC_SCOPE_CLAIMS, OIDC_SCOPES } from './oidc/claims.js';
import { introspectionAllowed, revocationAllowed } from './tokens/endpoint-policies.js';
import { invalidGrantDescription } from './tokens/invalid-grant-causes.js';
import { capDescription, capErrorBody } from './errors/echo-limit.js';
import { refreshTokenPolicy, tokenLifetimes } from './tokens/lifetimes.js';
import { installRefreshRetry } from './tokens/refresh-retry.js';
import { RESPONSE_MODES, toClientMetadata } from './clients/client-metadata.js';
import { INTERACTION_PATH, ROUTES } from './routes.js';

/** Client authentication the token, revocation and introspection endpoints accept. */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

export interface ProviderHooks {
  catalog: ScopeCatalog;
  /** The one HTML error page (errors/error-page.ts), for what oidc-provider cannot redirect. */
  renderErrorPage: HtmlErrorRenderer;
  /** The kit pages' security headers (helmet: CSP, no framing, HSTS in production). */
  pageHeaders: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  events: SecurityEvents;
  logger: SecurityLogger;
  /** How registered apps' secrets are hashed, and the per-client-and-source failure limit. */
  clientSecrets: { hasher: ClientSecretHasher; failures: ClientAuthFailures };
  /** Host's current user id for this request (login prompt when it differs from the session). */
  hostUserId?: (req: import('node:http').IncomingMessage) => Promise<string | undefined>;
  /** Renders the sign-out confirmation (views/logout.ejs) and the signed-out page. */
  renderLogoutPage: (page: 'logout' | 'logged-out', locals: Record<string, unknown>) => Promise<string>;
  /** Ends the host's own session once the user confirmed sign-out at /oauth/logout. */
  hostSignOut?: (req: IncomingMessage) => Promise<void>;
}

/**
 * For each resource, the scopes a client may get there: those the client is allowed that the
 * resource accepts. A resource accepting the whole catalog passes the client's list through.
 */
function resourceScopeFilters(options: ResolvedOptions): Map<string, (clientScope: string) => string> {
  const catalogSize = new Set(options.scopes.map((s) => s.name)).size;
  return new Map(
    options.resources.map(({ url, scopes }) => {
      if (scopes.length === catalogSize) return [url, (clientScope: string) => clientScope];
      const accepted = new Set(scopes);
      return [
        url,
        (clientScope: string) =>
          clientScope
            .split(' ')
            .filter((s) => accepted.has(s))
            .join(' '),
      ];
    }),
  );
}

export function createProvider(options: ResolvedOptions, hooks: ProviderHooks): Provider {
  const { catalog } = hooks;
  const resourceScopes = resourceScopeFilters(options);
  const policy = interactionPolicy.base();
  if (hooks.hostUserId) {
    const hostUserId = hooks.hostUserId;
    // The host product owns identity: when the user signed in to the product is not the one
    // the authorization server remembers — somebody else, or nobody since the product's own
    // sign-out — ask again (the login step completes silently for a signed-in product user).
    policy.get('login')!.checks.add(
      new interactionPolicy.Check('host_user_changed', 'host session user differs', async (ctx) => {
        const remembered = ctx.oidc.session?.accountId;
        return remembered !== undefined && (await hostUserId(ctx.req)) !== remembered;
      }),
    );
  }

  // Clients that registered themselves (dynamic registration, metadata documents) are vouched
  // for by nobody: the user approves every authorization they start, even for scopes granted before.
  policy
    .get('consent')!
    .checks.add(
      new interactionPolicy.Check(
        'self_registered_client',
        'self-registered clients always ask the user',
        (ctx) =>
          ctx.oidc.client?.[SELF_REGISTERED] === true && !(ctx.oidc.result && 'consent' in ctx.oidc.result),
      ),
    );

  /** A kit page oidc-provider serves, with the same headers as every other kit page. */
  async function renderPage(
    ctx: KoaContextWithOIDC,
    page: 'logout' | 'logged-out',
    locals: Record<string, unknown>,
  ) {
    hooks.pageHeaders(ctx.req, ctx.res, () => {});
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = await hooks.renderLogoutPage(page, locals);
  }

  const configuration: Configuration = {
    adapter: clientAdapter(
      hashedTokenIds(options.store.Adapter),
      options.registration,
      options.clientMetadataDocuments
        ? createMetadataDocumentResolver({
            production: options.production,
            scope: ['openid', ...catalog.allowedFor({})].join(' '),
          })
        : undefined,
      (clientId) => isBlockedClient(options.store.records, clientId),
    ),
    clients: options.clients.map((c) => toClientMetadata(c, catalog)),
    extraClientMetadata: {
      properties: [
        'urn:oauth-kit:test_mode',
        DEFAULT_SCOPE,
        CLIENT_SECRETS,
        SELF_REGISTERED,
        METADATA_DOCUMENT,
      ],
    },
    // oidc-provider runs these on every authorization and pushed authorization request, after
    // its own checks: default scopes, offline_access (scopes/authorization-scope.ts).
    extraParams: { scope: settleAuthorizationScope },
    jwks: {
      keys: providerKeys(options.secrets, options.signingAlgorithm),
    },
    cookies: {
      keys: options.secrets.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: requiresHttps(options) },
      short: { httpOnly: true, sameSite: 'lax', secure: requiresHttps(options) },
    },
    scopes: [...OIDC_SCOPES, 'offline_access', ...catalog.names],
    // What each OpenID Connect scope releases in ID tokens (and at the kit's userinfo).
    claims: Object.fromEntries(
      Object.entries(OIDC_SCOPE_CLAIMS).map(([scope, names]) => [scope, [...names]]),
    ),
    async findAccount(_ctx, id) {
      const account = await options.accounts.find(id);
      if (!account) return undefined;
      return { accountId: account.id, claims: () => ({ ...account.claims, sub: account.id }) };
    },
    routes: ROUTES,
    interactions: {
      policy,
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    responseTypes: ['code'],
    // Exact redirect_uri match: the parameter is required even for a single registered URI.
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    // Added to the discovery document (oidc-provider fills in only keys it does not set itself).
    discovery: {
      // RFC 8414 §2: absent, these would mean HTTP Basic only.
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      // Served by the kit (userinfo.ts): oidc-provider's own refuses the kit's JWT access tokens.
      userinfo_endpoint: new URL(ROUTES.userinfo, options.issuer).href,
      ...(options.serviceDocumentation ? { service_documentation: options.serviceDocumentation } : {}),
      ...(options.clientMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
    },
    // The proof algorithms the kit's resource servers accept, and no others.
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_ALGORITHMS] },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    ttl: tokenLifetimes(options),
    ...refreshTokenPolicy,
    features: {
      devInteractions: { enabled: false },
      // The active key signs through node:crypto (keys/signer.ts). oidc-provider checks this
      // acknowledgement against its own version at start-up: it is pinned with it.
      externalSigningSupport: { enabled: true, ack: EXTERNAL_SIGNING_ACK },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      registration: registrationFeature(options.registration, catalog),
      userinfo: { enabled: false },
      // RFC 9126 at ROUTES.pushed_authorization_request; a client may be required to use it
      // (StaticClient.requirePushedAuthorizationRequests).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // GET /oauth/logout asks, POST /oauth/logout/confirm ends the session (and, through
      // `accounts.signOut`, the product's), /oauth/logout/success says so: the kit's views.
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          const accountId = ctx.oidc.session?.accountId;
          const account = accountId ? await options.accounts.find(accountId) : undefined;
          await renderPage(ctx, 'logout', {
            form,
            clientName: ctx.oidc.client?.clientName,
            userLabel: account?.claims?.email ?? account?.id,
          });
        },
        async postLogoutSuccessSource(ctx) {
          await renderPage(ctx, 'logged-out', { clientName: ctx.oidc.client?.clientName });
        },
      },
      // RFC 9449: tokens bound to the client's key; requireScope and token info ask for the
      // proof (resource-server/dpop.ts). Off with `resourceServer.dpop: false`.
      dPoP: { enabled: options.resourceServer.dpop !== false },
      resourceIndicators: {
        enabled: true,
        // RFC 8707: without a `resource` parameter, tokens are for the host's default resource.
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        // Not async: oidc-provider awaits it twice per token request, a promise each time.
        getResourceServerInfo(ctx, resource, client) {
          const scopesOf = resourceScopes.get(resource);
          if (!scopesOf) throw new errors.InvalidTarget('the resource is not known to this server');
          // oidc-provider drops scopes it does not know; the documents want invalid_scope.
          const requested = ctx.oidc.params?.scope;
          if (typeof requested === 'string') catalog.assertKnown(requested.split(' '));
          return {
            scope: scopesOf(client.scope ?? ''),
            audience: resource,
            accessTokenTTL: options.ttl.accessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: options.signingAlgorithm } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // Every access token the kit issues is a JWT for the API. Claims are added here rather
        // than through `extraTokenClaims`, whose spread into the payload profiled at about
        // 10 % of a client_credentials request.
        jwt(_ctx, token, jwt) {
          // `gid` lets resource servers refuse tokens of a revoked grant (JWTs are not stored).
          if ('grantId' in token && token.grantId) jwt.payload.gid = token.grantId;
          if (token.client?.['urn:oauth-kit:test_mode']) jwt.payload.test_mode = true;
          // A granted scope that implies others carries them (ScopeDefinition.implies).
          if (typeof jwt.payload.scope === 'string') jwt.payload.scope = catalog.expand(jwt.payload.scope);
        },
      },
    },
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    async renderError(ctx, out) {
      // The same headers as every other kit page (this one is served by oidc-provider).
      hooks.pageHeaders(ctx.req, ctx.res, () => {});
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      const clientId = ctx.oidc?.client?.clientId ?? ctx.oidc?.params?.client_id;
      ctx.body = await hooks.renderErrorPage(ctx.req, {
        status: ctx.status,
        error: out.error,
        ...(out.error_description ? { description: capDescription(out.error_description) } : {}),
        ...(typeof clientId === 'string' ? { clientId } : {}),
      });
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      response_modes: RESPONSE_MODES,
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: options.signingAlgorithm,
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy;
  // URLs it builds (discovery, redirects) name the issuer, never the request's Host.
  pinIssuerHost(provider, options.issuer);
  // Outermost: a store outage anywhere below becomes a 503 JSON answer.
  provider.use(storeUnavailableAnswer);
  if (options.store.refreshRetry) installRefreshRetry(provider, options.store.refreshRetry);
  // Developer-registered apps' secrets are stored as hashes, and every client's failed
  // authentications are limited (see registry/secrets.ts).
  installClientSecretCheck(provider, hooks.clientSecrets);

  // The adapter refuses a second consume of a code or refresh token (a concurrent replay);
  // apply the same rule oidc-provider applies to a sequential replay: revoke the whole grant.
  provider.on('grant.error', (ctx, error: { error?: string; error_detail?: string }) => {
    if (error instanceof ConsumedArtifactReplay && error.grantId) {
      ctx.state.replayedGrantId = error.grantId;
    }
    if (error.error === 'invalid_grant') ctx.state.invalidGrantDetail = error.error_detail;
  });
  // oidc-provider revoked a grant itself (refresh reuse, code reuse, revocation endpoint).
  provider.on('grant.revoked', (_ctx, grantId: string) => {
    options.store.revocations.publish({ kind: 'grant', id: grantId }).catch(() => {
      // The store is down: resource servers fall back to checking the store per request.
    });
  });
  watchProvider(provider, hooks.events, hooks.logger);
  provider.use(async (ctx, next) => {
    await next();
    // Every request passes here, also those outside oidc-provider's routes: `oidc` may be unset.
    const oidcCtx = ctx as unknown as KoaContextWithOIDC;
    const grantId: unknown = ctx.state.replayedGrantId;
    if (typeof grantId === 'string') {
      await revokeGrant(provider, options.store.revocations, grantId);
      hooks.events.emit('grant.revoked', { grantId, reason: revocationReason(oidcCtx) });
    }
    tokenRevokedEvent(oidcCtx, hooks.events);
    if (hooks.hostSignOut && isSignOut(oidcCtx, options.issuer)) await hooks.hostSignOut(ctx.req);
    // Discovery names only the issuer's URLs (requests for other hosts never get here), so
    // shared caches may keep it; an hour, like the JWKS clients' usual refresh.
    if (oidcCtx.oidc?.route === 'discovery' && ctx.status === 200) {
      ctx.set('Cache-Control', 'public, max-age=3600');
    }
    const route = oidcCtx.oidc?.route;
    // oidc-provider's JSON answers are plain objects (Koa types the body `any`).
    const json = (): Record<string, unknown> | undefined =>
      typeof ctx.body === 'object' && ctx.body !== null ? (ctx.body as Record<string, unknown>) : undefined;
    const answer = json();
    if (route === 'registration' && ctx.status === 201 && answer) scrubRegistrationResponse(answer);
    // RFC 6749 §5.2: a client not allowed a grant type is `unauthorized_client`.
    if (
      route === 'token' &&
      answer?.error === 'invalid_request' &&
      answer.error_description === 'requested grant type is not allowed for this client'
    ) {
      ctx.body = { ...answer, error: 'unauthorized_client' };
    }
    // oidc-provider lists every response mode it implements; the kit allows only the query.
    if (route === 'discovery' && answer) {
      ctx.body = { ...answer, response_modes_supported: RESPONSE_MODES };
    }
    // RFC 7009 leaves the body to the server; an empty text/plain one breaks clients that parse
    // every answer as JSON (simple-oauth2).
    if (route === 'revocation' && ctx.status === 200 && ctx.body === '') ctx.body = {};
    // The cause of an invalid_grant, where it is safe to say (tokens/invalid-grant-causes.ts).
    const current = json();
    if (current?.error === 'invalid_grant' && route === 'token') {
      const description = invalidGrantDescription(
        ctx.state.invalidGrantDetail,
        oidcCtx.oidc.params?.grant_type,
      );
      if (description) ctx.body = { ...current, error_description: description };
    }
    // No error answer echoes the request at length (errors/echo-limit.ts).
    const final = json();
    if (typeof final?.error === 'string') ctx.body = capErrorBody(final);
  });

  return provider;
}

/**
 * A sign-out the user confirmed at /oauth/logout/confirm. Not the one oidc-provider starts on its
 * own when a login completes for another account than its session's (it then returns to the
 * authorization, `postLogoutRedirectUri`): there the product's session is the new user's.
 */
function isSignOut(ctx: KoaContextWithOIDC, issuer: string): boolean {
  if (ctx.oidc?.route !== 'end_session_confirm' || ctx.status !== 303 || !ctx.oidc.params?.logout)
    return false;
  const returnTo = (ctx.oidc.session?.state as { postLogoutRedirectUri?: unknown } | undefined)
    ?.postLogoutRedirectUri;
  return !(typeof returnTo === 'string' && returnTo.startsWith(`${issuer}${ROUTES.authorization}/`));
}
