/**
 * `mountOAuth(app, options)`: adds the authorization server to the host's Express app. It
 * registers only its own paths and changes no setting or object of the host's: the host's
 * parsers, helmet, sessions and routes keep working around it, and every request goes through
 * the host's stack. `kit.fastPath(app)` is the host's explicit choice to answer the machine
 * endpoints before Express (machine-endpoints.ts).
 */
import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { createLocalJWKSet } from 'jose';
import type Provider from 'oidc-provider';
import type { OAuthKitOptions, ResolvedOptions } from './config/options.js';
import { resolveOptions } from './config/validate.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { createHtmlErrorRenderer } from './errors/error-page.js';
import { kitErrorHandler } from './errors/kit-error-handler.js';
import { isGrantActive, revokeGrant } from './grants/grants.js';
import { accountLabel } from './accounts/label.js';
import { createCsrf } from './interactions/csrf.js';
import { endProviderSession } from './interactions/end-session.js';
import { interactionRouter } from './interactions/router.js';
import { pageSecurityHeaders } from './rendering/page-headers.js';
import { createViewRenderer } from './rendering/views.js';
import { publicJwks } from './keys/jwks.js';
import { createSecretFlash } from './pages/flash.js';
import { createGuard } from './pages/guard.js';
import {
  fastPathListener,
  MACHINE_PATHS,
  machineEndpoints,
  type MachineEndpoint,
} from './machine-endpoints.js';
import { pagesRouter } from './pages/index.js';
import { createProvider } from './provider.js';
import { ROUTES } from './routes.js';
import { createAuthorizations } from './registry/authorizations.js';
import { appStanding } from './clients/app-status.js';
import { createAppRegistry, type AppRegistry } from './registry/registry.js';
import { createClientSecretHasher } from './registry/secrets.js';
import { createDpopVerifier, DPOP_ALGORITHMS } from './resource-server/dpop.js';
import { createGrantStatus } from './resource-server/grant-status.js';
import { protectedResource, serveResourceMetadata } from './resource-server/metadata.js';
import { boundRequireScope, setResourceServer, type RequireScope } from './resource-server/require-scope.js';
import { createTokenVerifier, type TokenVerifier } from './resource-server/verify.js';
import { createScopeCatalog } from './scopes/catalog.js';
import { clientAuthFailures } from './rate-limits/client-auth-failures.js';
import { createMonitor } from './events/monitor.js';
import { createSecurityEvents, type SecurityEvents } from './events/events.js';
import {
  clientEndpointLimits,
  developerApiRateLimit,
  pageRateLimits,
  registrationLimits,
} from './rate-limits/rate-limit-middleware.js';
import { keepRegistration } from './clients/registration.js';
import { createSelfRegisteredClients, type SelfRegisteredClients } from './clients/self-registered.js';
import { METADATA_DOCUMENT } from './clients/metadata-document.js';
import { reportAppEvents } from './registry/app-events.js';
import { requireHttps, requiresHttps } from './requests/require-https.js';
import { issuerHostCheck, requireIssuerHost } from './requests/require-issuer-host.js';
import { createLoginGuard, type LoginGuard } from './rate-limits/login-guard.js';
import { createRateLimiters } from './rate-limits/rate-limits.js';
import { TOKEN_INFO_PATH, tokenInfoRouter } from './token-info.js';
import { userinfoEndpoint } from './userinfo.js';
import { installJwtAccessTokenEndpoints } from './tokens/jwt-access-token-endpoints.js';
import {
  createAccessTokenStatus,
  revokeAccessToken,
  storeReplayCheck,
} from './resource-server/revoked-access-tokens.js';

/**
 * The oidc-provider instance under the kit, for advanced hooks and events. Its type names only
 * what the kit's declarations can say without oidc-provider's type package; for the rest, install
 * `@types/oidc-provider` (the version in the kit's devDependencies) and write
 * `kit.provider as Provider`.
 */
export interface OidcProvider {
  readonly issuer: string;
  /** oidc-provider's events (`grant.success`, `server_error`, ...): annotate the listener's arguments. */
  on(event: string, listener: (...args: never[]) => void): this;
}

export interface OAuthKit {
  /** The underlying oidc-provider instance, for advanced hooks and events. */
  readonly provider: OidcProvider;
  /** Options after validation and defaults. */
  readonly options: Readonly<ResolvedOptions>;
  /** Verifies an access token the way requireScope does. */
  verifyAccessToken: TokenVerifier;
  /**
   * requireScope bound to this authorization server's resources: works in any Express app or
   * router (an API sub-app mounted with `app.use('/v1', api)` included), and
   * `kit.requireScope.forResource(url)` with a URL not among `resources` throws at start-up.
   */
  readonly requireScope: RequireScope;
  /** Revokes a grant: every code, refresh token and access token issued from it. */
  revokeGrant(grantId: string): Promise<void>;
  /** Emits a security event: it reaches `onSecurityEvent` and the log. (The kit reports its
   *  own; this is for host code, e.g. an admin action of the product.) */
  readonly securityEvents: Pick<SecurityEvents, 'emit'>;
  /** Developer-registered apps (what the developer pages and their JSON API use). */
  readonly apps: AppRegistry;
  /**
   * Ends the authorization server's session of this browser. Call it from your product's own
   * sign-out, before ending your session: the next authorization then asks who is there instead
   * of going on as the previous user. Apps the user connected keep their access (Connected
   * apps revokes them). Resolves once the session is gone from the store.
   */
  endSession(req: express.Request, res: express.Response): Promise<void>;
  /**
   * The kit's login guard for your own sign-in form: the same per-IP limit (`login.perIp`) and
   * per-account lockout (`login.perAccount`) as the kit's login page, on the same counters, so
   * guessing passwords at either form is stopped at both. Call it with the login name typed and
   * your password check; answer `rate_limited` with 429 and `Retry-After`.
   */
  guardLogin: LoginGuard;
  /** Clients that registered themselves (dynamic registration, metadata documents): list, block. */
  readonly selfRegisteredClients: Pick<SelfRegisteredClients, 'list' | 'get' | 'block'>;
  /**
   * The fast path: a request listener to pass to `http.createServer` instead of `app`. It
   * answers the machine endpoints (token, revocation, introspection, userinfo, JWKS, discovery,
   * registration) before Express runs, and hands every other request to `app`. The kit's HTTPS
   * rule, rate limits and events still apply, and Express's `trust proxy` still decides the
   * client IP; your own middleware (access logs, IP allow-lists, tracing) does not see those
   * requests. Takes the app given to mountOAuth; changes nothing on it.
   */
  fastPath(app: Express): RequestListener;
  /** Stops the store's timers and connections. */
  close(): Promise<void>;
}

/** The browser paths oidc-provider serves (the machine ones are in machine-endpoints.ts). */
const BROWSER_PROVIDER_PATHS = {
  exact: new Set<string>([
    ROUTES.authorization,
    ROUTES.end_session,
    `${ROUTES.end_session}/confirm`,
    `${ROUTES.end_session}/success`,
  ]),
  resume: `${ROUTES.authorization}/`,
};

function browserProviderPaths(provider: Provider): RequestHandler {
  const callback = provider.callback();
  const { exact, resume } = BROWSER_PROVIDER_PATHS;
  return function oidcProviderRoutes(req, res, next) {
    if (exact.has(req.path) || req.path.startsWith(resume)) return callback(req, res);
    next();
  };
}

/**
 * The kit's one entry in the host's middleware stack. Every host request passes through it, so
 * it decides with Set lookups and prefix checks whether the path is the kit's: a machine
 * endpoint goes to its pipeline (on the fast path it never gets here), any
 * other kit path walks the kit's router (rate limits, HTTPS, pages, provider); the host's own
 * routes pay that check and nothing more. (Profiled: walking the kit's nested routers on every
 * host request was most of the kit's cost on a protected API route.)
 */
function kitEntry(
  kitRouter: express.Router,
  serveMachineEndpoint: MachineEndpoint,
  prefixes: string[],
): RequestHandler {
  const { exact, resume } = BROWSER_PROVIDER_PATHS;
  const lowered = prefixes.map((p) => p.toLowerCase());
  return function oauthKit(req, res, next) {
    const path = req.path;
    if (MACHINE_PATHS.has(path)) return serveMachineEndpoint(req, res, path, req.secure);
    // Express routes match case-insensitively and with a trailing slash: so does this gate.
    const lower = path.toLowerCase();
    if (exact.has(path) || path.startsWith(resume) || lowered.some((p) => lower.startsWith(p))) {
      return kitRouter(req, res, next);
    }
    next();
  };
}

export async function mountOAuth(app: Express, userOptions: OAuthKitOptions): Promise<OAuthKit> {
  const options = await resolveOptions(userOptions);
  const catalog = createScopeCatalog(options.scopes, { defaultScopes: options.defaultScopes });
  const views = createViewRenderer(options.views, options.production, { product: options.product });
  const csrf = createCsrf(options.secrets.cookieKeys);
  // Called on the object the host passed: its methods may use `this` (a class instance).
  const accounts = options.accounts;
  if (options.trustProxy && !app.get('trust proxy')) {
    throw new ConfigurationError(
      'trustProxy',
      "is true but Express 'trust proxy' is not set: rate limits and logs would see the proxy's IP.",
      "Call app.set('trust proxy', 1) (the number of proxies in front) before mountOAuth.",
    );
  }
  const { logger } = options;
  // Abuse monitoring: every event is counted in the store (the admin page's charts) and checked
  // against the alert rules, before it reaches the host's own listener.
  const monitor = createMonitor({
    counters: options.store.counters,
    rules: options.alertRules,
    onAlert: options.onAlert,
    logger: options.logger,
    hashKey: options.secrets.cookieKeys[0]!,
  });
  const hostListener = options.onSecurityEvent;
  const events = createSecurityEvents({
    listener: (event) => {
      monitor.record(event);
      return hostListener?.(event);
    },
    logger,
    hashKey: options.secrets.cookieKeys[0]!,
  });
  const limiters = createRateLimiters(options.rateLimits, (error) =>
    logger.error(
      { event: 'rate_limit_store_error', errorName: (error as Error)?.name },
      'rate limit store error',
    ),
  );

  // The one HTML error page. It looks clients up in the provider and the registry, both built
  // below: it is only called once requests flow.
  const renderErrorPage = createHtmlErrorRenderer({
    views,
    logger,
    product: options.product,
    async findClient(clientId) {
      const registered = await apps.get(clientId);
      if (registered) {
        return { name: registered.name, homeUrl: registered.homepageUrl, ownerId: registered.owner };
      }
      const client = await provider.Client.find(clientId);
      return client ? { name: client.clientName ?? clientId, homeUrl: client.clientUri } : undefined;
    },
    async viewer(req) {
      const id = await accounts.currentUserId?.(req as express.Request);
      if (typeof id !== 'string' || id === '') return undefined;
      return { id, isAdmin: (await options.pages?.isAdmin(req as express.Request, id)) ?? false };
    },
  });
  const secretHasher = createClientSecretHasher(options.secrets.cookieKeys);
  const namesIssuerHost = issuerHostCheck(options.issuer, options.trustProxy);
  const authFailures = clientAuthFailures(limiters, events);
  const pageHeaders = pageSecurityHeaders(options.production);
  const provider = createProvider(options, {
    catalog,
    events,
    logger,
    pageHeaders,
    clientSecrets: { hasher: secretHasher, failures: authFailures },
    renderErrorPage: (req, failure) => renderErrorPage(req, failure),
    renderLogoutPage: (page, locals) => views.render(page, locals),
    ...(accounts.currentUserId
      ? { hostUserId: async (req) => (await accounts.currentUserId?.(req as express.Request)) ?? undefined }
      : {}),
    ...(accounts.signOut
      ? { hostSignOut: async (req) => void (await accounts.signOut?.(req as express.Request)) }
      : {}),
  });

  // Developer-registered apps and users' authorizations (connected apps).
  const authorizations = createAuthorizations(provider, options.store, options.ttl.grant);
  const staticClientIds = new Set(options.clients.map((c) => c.clientId));
  const clientModel = new options.store.Adapter('Client');
  const apps = reportAppEvents(
    createAppRegistry({
      records: options.store.records,
      clients: clientModel,
      catalog,
      authorizations,
      restrictedScopes: new Set(options.scopes.filter((s) => s.restricted).map((s) => s.name)),
      staticClientIds,
      feed: options.store.revocations,
      accessTokenTtlSeconds: options.ttl.accessToken,
      hashSecret: secretHasher.hash,
    }),
    events,
  );
  // "Last used" on connected apps: the last time a grant produced an access token.
  const selfRegistered = createSelfRegisteredClients({
    records: options.store.records,
    feed: options.store.revocations,
    clients: clientModel,
    revokeForClient: async (clientId) => {
      await authorizations.revokeForClient(clientId);
    },
    tombstoneSeconds: options.ttl.accessToken,
  });
  provider.on(
    'registration_create.success',
    (_ctx: unknown, client: { clientId: string; clientName?: string; redirectUris?: readonly string[] }) => {
      selfRegistered
        .note(
          {
            clientId: client.clientId,
            name: client.clientName ?? client.clientId,
            kind: 'registration',
            redirectUris: client.redirectUris ?? [],
          },
          options.ttl.grant,
        )
        .catch(() => {});
    },
  );
  provider.on('access_token.issued', (token: { grantId?: string }) => {
    if (token.grantId) authorizations.touch(token.grantId).catch(() => {});
  });

  const grantStatus = createGrantStatus({
    feed: options.store.revocations,
    isGrantActive: (grantId) => isGrantActive(provider.Grant.adapter, grantId),
    maxTokenLifetimeSeconds: options.ttl.accessToken,
    whenFeedDown: options.resourceServer.whenFeedDown,
  });
  const clientStatus = createGrantStatus({
    subject: 'client',
    feed: options.store.revocations,
    isGrantActive: (clientId) => appStanding(options.store.records, clientId),
    maxTokenLifetimeSeconds: options.ttl.accessToken,
    whenFeedDown: options.resourceServer.whenFeedDown,
  });
  const tokenStatus = createAccessTokenStatus(options.store, {
    maxTokenLifetimeSeconds: options.ttl.accessToken,
    whenFeedDown: options.resourceServer.whenFeedDown,
  });
  const { clockToleranceSeconds, tokenLocations } = options.resourceServer;
  const { dpop } = options.resourceServer;
  const verifyAccessToken = createTokenVerifier({
    issuer: options.issuer,
    audience: options.resources.map((r) => r.url),
    keys: createLocalJWKSet(publicJwks(options.secrets)),
    algorithms: [options.signingAlgorithm],
    clockToleranceSeconds,
    isTokenActive: tokenStatus.isActive,
    knownTokenStatus: tokenStatus.peek,
    ...(dpop === false
      ? {}
      : {
          dpop: createDpopVerifier({
            ...dpop,
            clockToleranceSeconds,
            replay: storeReplayCheck(options.store.records),
          }),
        }),
    isGrantActive: grantStatus.isActive,
    // A disabled or deleted app's tokens, and tokens carrying a scope withdrawn from the app, stop
    // at once: the store says so (clients/app-status.ts), and the registry announces the change
    // on the feed so every process re-checks.
    isClientActive: clientStatus.isActive,
    knownGrantStatus: grantStatus.peek,
    knownClientStatus: clientStatus.peek,
    cache: options.resourceServer.verifiedTokenCache,
  });
  const resources = new Map(options.resources.map((r) => [r.url, protectedResource(r.url, r.scopes)]));
  const challenge = {
    realm: options.resourceServer.realm,
    dpopAlgorithms: dpop === false ? undefined : DPOP_ALGORITHMS,
  };
  const resourceServer = {
    verify: verifyAccessToken,
    tokenLocations,
    wildcardScopes: options.resourceServer.wildcardScopes,
    resources,
    ...challenge,
  };
  // The bound guard (kit.requireScope), and the context the imported requireScope finds on the app.
  setResourceServer(app.locals, resourceServer);
  // RFC 7009 revocation and RFC 7662 introspection of the kit's JWT access tokens.
  installJwtAccessTokenEndpoints(provider, {
    verify: verifyAccessToken,
    revoke: (token) => revokeAccessToken(options.store, token, clockToleranceSeconds),
    events,
  });
  // RFC 9728 metadata of the resources on the issuer's origin (others publish their own).
  const resourceMetadata = serveResourceMetadata(
    resources.values(),
    options.issuer,
    tokenLocations,
    new URL(options.issuer).origin,
  );

  const serveMachineEndpoint = machineEndpoints({
    provider,
    limits: clientEndpointLimits(limiters, events, authFailures),
    registrationLimits: registrationLimits(
      limiters,
      options.store.counters,
      options.registration.maxPerDay,
      events,
    ),
    httpsRequired: requiresHttps(options),
    logger,
    userinfo: userinfoEndpoint({
      verify: verifyAccessToken,
      accounts: options.accounts,
      url: new URL(ROUTES.userinfo, options.issuer).href,
      dpopAlgorithms: challenge.dpopAlgorithms,
    }),
    namesIssuerHost,
  });

  const guardLogin = createLoginGuard(limiters, events);

  const router = express.Router();
  // The kit entry gate sends only kit paths here, the people's pages included.
  if (requiresHttps(options)) router.use(requireHttps());
  router.use(requireIssuerHost(namesIssuerHost));
  router.use(pageRateLimits(limiters, events));
  router.use(
    interactionRouter({
      provider,
      options,
      catalog,
      views,
      csrf,
      events,
      guardLogin,
      renderErrorPage,
      describeClient: async (clientId) => {
        const registered = await apps.get(clientId);
        if (!registered) return undefined;
        const owner = accountLabel((await options.accounts.find(registered.owner))?.claims);
        return { ...(owner ? { owner } : {}), description: registered.description };
      },
      onConsent: async (grant) => {
        await authorizations.recordConsent(grant);
        // A self-registered client a user approved is no longer an unused registration.
        await keepRegistration(clientModel, grant.clientId, options.ttl.grant);
        const client = await provider.Client.find(grant.clientId);
        if (client?.[METADATA_DOCUMENT] === true) {
          await selfRegistered.note(
            {
              clientId: client.clientId,
              name: client.clientName ?? client.clientId,
              kind: 'metadata-document',
              redirectUris: client.redirectUris ?? [],
            },
            options.ttl.grant,
          );
        }
      },
    }),
  );
  if (options.pages) {
    router.use(options.pages.paths.api, developerApiRateLimit(limiters, events));
    const guard = createGuard(options.accounts, options.pages, csrf, options.production);
    const restrictedScopes = options.scopes.filter((s) => s.restricted);
    const flash = createSecretFlash({
      records: options.store.records,
      counters: options.store.counters,
      path: options.pages.paths.developerApps,
      secure: requiresHttps(options),
    });
    router.use(
      pagesRouter(
        {
          pages: options.pages,
          views,
          guard,
          flash,
          renderErrorPage,
          logger,
          registry: apps,
          authorizations,
          selfRegisteredClients: selfRegistered,
          catalog,
          restrictedScopes,
        },
        options.production,
        {
          monitor,
          rules: options.alertRules,
          clientName: async (clientId) =>
            (await apps.get(clientId))?.name ?? (await provider.Client.find(clientId))?.clientName,
        },
      ),
    );
  }
  router.use(resourceMetadata.handler);
  router.use(tokenInfoRouter(verifyAccessToken, challenge));
  router.use(browserProviderPaths(provider));
  router.use(kitErrorHandler({ renderErrorPage, logger, pageHeaders }));
  app.use(
    kitEntry(router, serveMachineEndpoint, [
      '/oauth/',
      TOKEN_INFO_PATH,
      ...resourceMetadata.paths,
      ...(options.pages ? Object.values(options.pages.paths) : []),
    ]),
  );

  return {
    provider,
    options,
    verifyAccessToken,
    requireScope: boundRequireScope(resourceServer),
    async revokeGrant(grantId) {
      await revokeGrant(provider, options.store.revocations, grantId);
      events.emit('grant.revoked', { grantId, reason: 'host' });
    },
    securityEvents: { emit: events.emit },
    endSession: (req, res) => endProviderSession(provider, req, res),
    guardLogin: (req, login, verify) => guardLogin(req, login, verify),
    fastPath(host) {
      if (host !== app) {
        throw new ConfigurationError(
          'fastPath',
          'takes the Express app passed to mountOAuth, which answers every request it does not.',
          'Call kit.fastPath(app) with that app and pass the result to http.createServer.',
        );
      }
      return fastPathListener(app, serveMachineEndpoint);
    },
    apps,
    selfRegisteredClients: {
      list: selfRegistered.list,
      get: selfRegistered.get,
      block: selfRegistered.block,
    },
    async close() {
      grantStatus.close();
      clientStatus.close();
      tokenStatus.close();
      await monitor.close();
      await options.store.close();
    },
  };
}
