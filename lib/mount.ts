/**
 * `mountOAuth(app, options)`: adds the authorization server to the host's Express app. It
 * registers only its own paths and changes nothing global: the host's parsers, helmet,
 * sessions and routes keep working around it.
 */
import express, { type Express, type RequestHandler } from 'express';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { OAuthKitOptions, ResolvedOptions } from './config/options.js';
import { resolveOptions } from './config/validate.js';
import { isGrantActive, revokeGrant } from './grants/grants.js';
import { createCsrf } from './interactions/csrf.js';
import { interactionRouter } from './interactions/router.js';
import { createViewRenderer } from './interactions/views.js';
import { createGuard } from './pages/guard.js';
import { pagesRouter } from './pages/index.js';
import { createProvider, ROUTES } from './provider.js';
import { createAuthorizations } from './registry/authorizations.js';
import { createAppRegistry, type AppRegistry } from './registry/registry.js';
import { createGrantStatus } from './resource-server/grant-status.js';
import { setResourceServer } from './resource-server/require-scope.js';
import { createTokenVerifier, type TokenVerifier } from './resource-server/verify.js';
import { createScopeCatalog } from './scopes/catalog.js';
import { tokenInfoRouter } from './token-info.js';

export interface OAuthKit {
  /** The underlying oidc-provider instance, for advanced hooks and events. */
  readonly provider: Provider;
  /** Options after validation and defaults. */
  readonly options: Readonly<ResolvedOptions>;
  /** Verifies an access token the way requireScope does. */
  verifyAccessToken: TokenVerifier;
  /** Revokes a grant: every code, refresh token and access token issued from it. */
  revokeGrant(grantId: string): Promise<void>;
  /** Developer-registered apps (what the developer pages and their JSON API use). */
  readonly apps: AppRegistry;
  /** Stops the store's timers and connections. */
  close(): Promise<void>;
}

const PUBLIC_KEY_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use'] as const;

function publicJwk(key: JWK): JWK {
  return Object.fromEntries(PUBLIC_KEY_MEMBERS.filter((m) => key[m] !== undefined).map((m) => [m, key[m]]));
}

function providerPaths(provider: Provider): RequestHandler {
  const callback = provider.callback();
  const exact = new Set<string>([
    ...Object.values(ROUTES),
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]);
  const resume = `${ROUTES.authorization}/`;
  return function oidcProviderRoutes(req, res, next) {
    if (exact.has(req.path) || req.path.startsWith(resume)) return callback(req, res);
    next();
  };
}

export async function mountOAuth(app: Express, userOptions: OAuthKitOptions): Promise<OAuthKit> {
  const options = await resolveOptions(userOptions);
  const catalog = createScopeCatalog(options.scopes);
  const views = createViewRenderer(options.views, options.production);
  const csrf = createCsrf(options.secrets.cookieKeys);
  const { currentUserId } = options.accounts;

  const provider = createProvider(options, {
    catalog,
    renderErrorPage: (out) =>
      views.render('error', {
        error: out.error,
        description: out.error_description ?? 'The request could not be completed.',
      }),
    ...(currentUserId
      ? { hostUserId: async (req) => (await currentUserId(req as express.Request)) ?? undefined }
      : {}),
  });

  // Developer-registered apps and users' authorizations (connected apps).
  const authorizations = createAuthorizations(provider, options.store, options.ttl.grant);
  const staticClientIds = new Set(options.clients.map((c) => c.clientId));
  const clientModel = new options.store.Adapter('Client');
  const apps = createAppRegistry({
    records: options.store.records,
    clients: clientModel,
    catalog,
    authorizations,
    restrictedScopes: new Set(options.scopes.filter((s) => s.restricted).map((s) => s.name)),
    staticClientIds,
    feed: options.store.revocations,
  });
  // "Last used" on connected apps: the last time a grant produced an access token.
  provider.on('access_token.issued', (token: { grantId?: string }) => {
    if (token.grantId) authorizations.touch(token.grantId).catch(() => {});
  });

  const jwks: JSONWebKeySet = {
    keys: options.secrets.signingKeys.map(publicJwk) as JSONWebKeySet['keys'],
  };
  const grantStatus = createGrantStatus({
    feed: options.store.revocations,
    isGrantActive: (grantId) => isGrantActive(provider, grantId),
    maxTokenLifetimeSeconds: options.ttl.accessToken,
    whenFeedDown: options.resourceServer.whenFeedDown ?? 'check-store',
  });
  const clientStatus = createGrantStatus({
    subject: 'client',
    feed: options.store.revocations,
    isGrantActive: async (clientId) =>
      staticClientIds.has(clientId) || (await clientModel.find(clientId)) !== undefined,
    maxTokenLifetimeSeconds: options.ttl.accessToken,
    whenFeedDown: options.resourceServer.whenFeedDown ?? 'check-store',
  });
  const verifyAccessToken = createTokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    keys: createLocalJWKSet(jwks),
    algorithms: [options.signingAlgorithm],
    clockToleranceSeconds: options.resourceServer.clockToleranceSeconds ?? 5,
    isGrantActive: grantStatus.isActive,
    // A disabled or deleted app's tokens stop at once: its `Client` entry is gone, and the
    // registry announces the change on the feed so every process re-checks.
    isClientActive: clientStatus.isActive,
  });
  setResourceServer(app.locals, {
    verify: verifyAccessToken,
    realm: options.resourceServer.realm,
    tokenLocations: options.resourceServer.tokenLocations ?? ['header'],
    wildcardScopes: options.resourceServer.wildcardScopes ?? true,
  });

  const router = express.Router();
  router.use(
    interactionRouter({
      provider,
      options,
      catalog,
      views,
      csrf,
      onConsent: (grant) => authorizations.recordConsent(grant),
    }),
  );
  if (options.pages) {
    const guard = createGuard(options.accounts, options.pages, csrf, options.production);
    const restrictedScopes = options.scopes.filter((s) => s.restricted);
    router.use(
      pagesRouter(
        { pages: options.pages, views, guard, registry: apps, authorizations, catalog, restrictedScopes },
        options.production,
      ),
    );
  }
  router.use(tokenInfoRouter(verifyAccessToken));
  router.use(providerPaths(provider));
  app.use(router);

  return {
    provider,
    options,
    verifyAccessToken,
    revokeGrant: (grantId) => revokeGrant(provider, options.store.revocations, grantId),
    apps,
    async close() {
      grantStatus.close();
      clientStatus.close();
      await options.store.close();
    },
  };
}
