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
import { createProvider, ROUTES } from './provider.js';
import { createGrantStatus } from './resource-server/grant-status.js';
import { setResourceServer } from './resource-server/require-scope.js';
import { createTokenVerifier, type TokenVerifier } from './resource-server/verify.js';
import { createScopeCatalog } from './scopes/catalog.js';
import { TOKEN_INFO_PATH, tokenInfoRouter } from './token-info.js';

export interface OAuthKit {
  /** The underlying oidc-provider instance, for advanced hooks and events. */
  readonly provider: Provider;
  /** Options after validation and defaults. */
  readonly options: Readonly<ResolvedOptions>;
  /** Verifies an access token the way requireScope does. */
  verifyAccessToken: TokenVerifier;
  /** Revokes a grant: every code, refresh token and access token issued from it. */
  revokeGrant(grantId: string): Promise<void>;
  /** Stops the store's timers and connections. */
  close(): Promise<void>;
}

const PUBLIC_KEY_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use'] as const;

function publicJwk(key: JWK): JWK {
  return Object.fromEntries(PUBLIC_KEY_MEMBERS.filter((m) => key[m] !== undefined).map((m) => [m, key[m]]));
}

/**
 * Every path the kit's own routers (interactions, static files, token info) serve starts with
 * one of these, lower-cased. A router that serves another path must add its prefix here.
 */
const KIT_ROUTER_PREFIXES = ['/oauth/', TOKEN_INFO_PATH.toLowerCase()];

/**
 * The kit's one entry in the host's middleware stack. Every request of the host passes through
 * it, so it decides with a Set lookup and a prefix check whether the path is the kit's, and only
 * then walks the kit's routers; the host's own routes (its API) pay that check and nothing more.
 * (Profiled: walking the nested interaction and token-info routers on every host request was
 * most of the kit's cost on a protected API route.)
 */
function kitEntry(provider: Provider, kitRouter: express.Router): RequestHandler {
  const callback = provider.callback();
  const exact = new Set<string>([
    ...Object.values(ROUTES),
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]);
  const resume = `${ROUTES.authorization}/`;
  return function oauthKit(req, res, next) {
    const path = req.path;
    if (exact.has(path) || path.startsWith(resume)) return callback(req, res);
    // Express routes match case-insensitively and with a trailing slash: so does this gate.
    const lower = path.toLowerCase();
    if (KIT_ROUTER_PREFIXES.some((prefix) => lower.startsWith(prefix))) return kitRouter(req, res, next);
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

  const jwks: JSONWebKeySet = {
    keys: options.secrets.signingKeys.map(publicJwk) as JSONWebKeySet['keys'],
  };
  const grantStatus = createGrantStatus({
    feed: options.store.revocations,
    isGrantActive: (grantId) => isGrantActive(provider, grantId),
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
    knownGrantStatus: grantStatus.peek,
    cache: options.resourceServer.verifiedTokenCache ?? {},
  });
  setResourceServer(app.locals, {
    verify: verifyAccessToken,
    realm: options.resourceServer.realm,
    tokenLocations: options.resourceServer.tokenLocations ?? ['header'],
    wildcardScopes: options.resourceServer.wildcardScopes ?? true,
  });

  const router = express.Router();
  router.use(interactionRouter({ provider, options, catalog, views, csrf }));
  router.use(tokenInfoRouter(verifyAccessToken));
  app.use(kitEntry(provider, router));

  return {
    provider,
    options,
    verifyAccessToken,
    revokeGrant: (grantId) => revokeGrant(provider, options.store.revocations, grantId),
    async close() {
      grantStatus.close();
      await options.store.close();
    },
  };
}
