/**
 * Every option oauth-kit accepts, its default and why. This is the one place configuration is
 * documented; README's configuration reference mirrors it.
 */
import type { Request } from 'express';
import type { JWK } from 'jose';
import type { OAuthStore } from '../../adapters/contract.js';
import type { SecurityEventListener } from '../security/events.js';
import type { AlertListener, AlertRule } from '../security/monitor.js';
import type { SecurityLogger } from '../security/logger.js';
import type { RateLimitOptions, ResolvedRateLimits } from '../security/rate-limits.js';

/** One entry of the host's scope catalog. */
export interface ScopeDefinition {
  /** e.g. `tasks:read`; `prefix:*` names a wildcard scope such as `admin:*`. */
  name: string;
  /** Shown to the user on the consent screen. */
  description: string;
  /** Granted only to clients an administrator approved for it (otherwise `invalid_scope`). */
  restricted?: boolean;
  /**
   * Catalog scopes this one includes: a token granted it carries them too (in its `scope`
   * claim), so every resource server honours them. E.g. `admin:*` implying every other scope
   * is "full access". The consent screen lists them beside it. Default: none.
   */
  implies?: string[];
}

/**
 * A protected resource the kit issues tokens for (RFC 8707): the product's REST API, its MCP
 * server, ... A token carries exactly one resource as its `aud`: the one the client asked for
 * with the `resource` parameter, or the host's default resource.
 */
export interface ResourceDefinition {
  /**
   * The resource indicator and the `aud` of its tokens, e.g. `https://example.com/mcp`: an
   * absolute http(s) URL without query or fragment. When it is on the issuer's origin, the kit
   * publishes its RFC 9728 metadata at `/.well-known/oauth-protected-resource<path>`.
   */
  url: string;
  /** Catalog scopes its tokens may carry. Default: every scope of the catalog. */
  scopes?: string[];
}

/** A user as the host knows them. */
export interface Account {
  id: string;
  /** Extra claims for ID tokens / userinfo (e.g. `email`, `name`). */
  claims?: Record<string, unknown>;
}

/** How the kit asks the host about users: the host owns identity. */
export interface AccountHooks {
  /** Checks a sign-in from the kit's login page; returns the account or `undefined`. */
  authenticate(email: string, password: string): Promise<Account | undefined>;
  /** Looks a user up by id (tokens, consent, token info). */
  find(id: string): Promise<Account | undefined>;
  /**
   * The user already signed in to the host product, if any (for example from express-session).
   * When it returns an id, the kit's login page is skipped. When it returns another user, or
   * nobody, than the one the authorization server remembers for this browser (the product
   * signed out or switched users), the kit asks for sign-in again instead of going on as the
   * remembered user.
   */
  currentUserId?(req: Request): string | undefined | Promise<string | undefined>;
  /**
   * Called after the kit's login page signed a user in, so the host can start its session. It
   * must start a NEW session (express-session: `req.session.regenerate`), never write the user
   * into the session the request came with: a session id an attacker planted in the browser
   * before sign-in would otherwise become a signed-in session (session fixation).
   */
  signIn?(req: Request, account: Account): void | Promise<void>;
  /**
   * When the `currentUserId` user signed in to the product (epoch seconds). It becomes the ID
   * token's `auth_time` when the kit takes that user over without its login form, and decides
   * whether the sign-in is recent enough for a client's `max_age`. Without it, a `max_age`
   * request always shows the login form. (`prompt=login` always does.)
   */
  signedInAt?(req: Request): number | undefined | Promise<number | undefined>;
  /**
   * Called when the user confirmed sign-out at `/oauth/logout` (OpenID Connect RP-initiated
   * logout), so the host ends its own session too. The other direction, the product's own
   * sign-out ending the authorization server's session, is `kit.endSession(req, res)`.
   */
  signOut?(req: Request): void | Promise<void>;
}

/** A client registered in code (developer-registered clients live in the store). */
export interface StaticClient {
  clientId: string;
  /** Omit for public clients (SPAs, mobile apps), which must use PKCE. */
  clientSecret?: string;
  /** `confidential` (has a secret) or `public` (PKCE, no secret). Default: from clientSecret. */
  type?: 'confidential' | 'public';
  name?: string;
  redirectUris: string[];
  /** Default: authorization_code + refresh_token (+ client_credentials for confidential). */
  grantTypes?: Array<'authorization_code' | 'refresh_token' | 'client_credentials'>;
  /** Allowed scopes. Default: every non-restricted scope of the catalog. */
  scopes?: string[];
  /** Restricted scopes an administrator approved for this client. */
  approvedRestrictedScopes?: string[];
  /** Scopes an authorization request without `scope` gets. Default: the kit's `defaultScopes`. */
  defaultScopes?: string[];
  /** Test-mode credentials (labelled as such; kept apart from production ones). */
  testMode?: boolean;
  /**
   * Authorization requests of this client must be pushed first (RFC 9126 PAR, `POST /oauth/par`);
   * `/oauth/authorize` then accepts only a `request_uri`. Default false.
   */
  requirePushedAuthorizationRequests?: boolean;
}

/**
 * Signing keys and cookie secrets (`npx express-oauth-kit keys generate` writes this shape as JSON).
 * Rotation without downtime: `keys rotate` first adds a key to `nextSigningKeys` (published in
 * the JWKS, signs nothing), then, once resource servers have refreshed their JWKS cache, moves
 * it to the front of `signingKeys`; the old key stays there, published, until every token it
 * signed has expired, and the next `keys rotate` removes it.
 */
export interface Secrets {
  /** Private JWKs. The first key of `signingAlgorithm` signs; every key is published. */
  signingKeys: JWK[];
  /** Private JWKs published ahead of signing (see rotation above). Default: none. */
  nextSigningKeys?: JWK[];
  /** Keys for oidc-provider's signed cookies and the kit's CSRF tokens; the first signs, all
   *  verify (rotation). At least 32 characters each. They also key the hashes of registered
   *  apps' client secrets: keep a retired key while apps still have secrets hashed under it. */
  cookieKeys: string[];
}

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256' | 'PS256';

/** Where requireScope() looks for the bearer token (RFC 6750 §2). */
export type TokenLocation = 'header' | 'body' | 'query';

/** How requireScope() checks tokens; used by mountOAuth and mountResourceServer alike. */
export interface ResourceServerSettings {
  /** `WWW-Authenticate` realm. Default: none. */
  realm?: string;
  /** RFC 6750 §2.2/§2.3 methods are off unless listed. Default: `['header']`. */
  tokenLocations?: TokenLocation[];
  /** Seconds of clock skew tolerated on exp/iat/nbf. Default: 5. */
  clockToleranceSeconds?: number;
  /** A held `prefix:*` satisfies every `prefix:…` scope. Default: true. */
  wildcardScopes?: boolean;
  /**
   * When the revocation feed (Redis pub/sub) is down: check the store on every request
   * ('check-store', default) or refuse every user token with 503 ('fail-closed').
   */
  whenFeedDown?: 'check-store' | 'fail-closed';
  /**
   * Remember tokens that passed verification so their signatures are not checked again on
   * every request. Entries never outlive the token's `exp` or `maxAgeSeconds` (default 60), at
   * most `maxEntries` (default 10 000) are kept, and the grant is still checked on every
   * request, so revocation is as immediate as without the cache. `false` turns it off.
   */
  verifiedTokenCache?: { maxEntries?: number; maxAgeSeconds?: number } | false;
  /**
   * DPoP (RFC 9449), on by default: a client that proves possession of a key gets an access
   * token bound to it (`cnf.jkt`, `token_type: DPoP`), which is then accepted only with the
   * `DPoP` scheme and a fresh proof (method, URL, token and key checked; each proof used once,
   * across every process sharing the store). A bound token sent as Bearer is refused.
   * `proofMaxAgeSeconds` (default 300) is how old a proof's `iat` may be. `false` turns DPoP
   * off: the authorization server binds no tokens (in-process) and bound tokens are refused.
   */
  dpop?: { proofMaxAgeSeconds?: number } | false;
}

/**
 * The people's pages the kit serves inside the host product, behind the host's signed-in user
 * (`accounts.currentUserId`, required with them): developers' "OAuth Apps" registration, users'
 * "Connected apps", administrators' restricted-scope approvals, and a JSON API mirroring the
 * developer pages. Absent: none of them is mounted.
 */
export interface PagesOptions {
  /**
   * Where a visitor without a host session is sent. A string gets `?return_to=<path>` appended
   * (the page they wanted, always a same-origin path); a function builds the URL itself.
   * Required, e.g. `'/signin'`.
   */
  signInUrl: string | ((returnTo: string) => string);
  /** Who may approve restricted scopes. Default: nobody through the pages (see `kit.apps`). */
  isAdmin?(req: Request, userId: string): boolean | Promise<boolean>;
  /**
   * The product's sign-out page or endpoint, linked as "Sign out" in the settings header (a
   * path or URL; sign-out itself stays the product's, e.g. a page with a POST form).
   * Default: no link.
   */
  signOutUrl?: string;
  /** Where each page lives. Every path starts with `/` and has no trailing slash. */
  paths?: {
    /** Default `/settings/developers/apps` (its `/new` is the registration form). */
    developerApps?: string;
    /** Default `/settings/connected-apps`. */
    connectedApps?: string;
    /** Default `/settings/admin/scope-requests`. */
    scopeRequests?: string;
    /** Administrators' abuse monitoring. Default `/settings/admin/monitoring`. */
    monitoring?: string;
    /** Administrators' list of self-registered clients (block one). Default
     *  `/settings/admin/self-registered-clients`. */
    selfRegisteredClients?: string;
    /** JSON API for automation. Default `/oauth/api` (`/apps`, `/apps/:id`, `/scope-requests`). */
    api?: string;
  };
}

/**
 * RFC 7591 dynamic client registration at `/oauth/register`, for agents (MCP clients) with no
 * prior relationship with the product. Only public clients register this way (PKCE, no secret),
 * with https or http-loopback redirect URIs; they are marked self-registered, always see
 * consent, and expire when unused. Per-IP limit: `rateLimits.registration.perIp`.
 */
export interface RegistrationOptions {
  /**
   * `'off'` (default): no registration endpoint. `'open'`: anyone may register.
   * `'initial-access-token'`: requests must carry `Authorization: Bearer <initialAccessToken>`.
   */
  policy: 'off' | 'open' | 'initial-access-token';
  /** The token `'initial-access-token'` requires; at least 32 characters. */
  initialAccessToken?: string;
  /** Most registrations per day, all sources together. Default 1000. */
  maxPerDay?: number;
  /** Seconds a registration lives until a user approves it on consent. Default 86 400 (1 day). */
  unusedTtlSeconds?: number;
}

export interface ResolvedRegistration {
  policy: RegistrationOptions['policy'];
  initialAccessToken: string | undefined;
  maxPerDay: number;
  unusedTtlSeconds: number;
}

/**
 * The host product, as every kit page shows it: the sign-in and consent pages ("your TaskFlow
 * account"), error pages (their way back), and the settings pages' header.
 */
export interface ProductOptions {
  /** The product's name, e.g. `TaskFlow`. Default: the issuer's host name. */
  name?: string;
  /**
   * A logo shown beside the name: a path on this site (e.g. `/logo.svg`) or a `data:image/…`
   * URL (the pages' CSP loads images from nowhere else). Default: none (the name's initial).
   */
  logoUrl?: string;
  /** Where "Back to TaskFlow" goes: a path or an http(s) URL. Default: `/`. */
  homeUrl?: string;
  /** Where users get help (error pages link it with their reference): a path, an http(s) or a
   *  `mailto:` URL. Default: none. */
  supportUrl?: string;
}

export interface ResolvedProduct {
  name: string;
  logoUrl: string | undefined;
  homeUrl: string;
  supportUrl: string | undefined;
}

export interface ResolvedPagesOptions {
  signInUrl: (returnTo: string) => string;
  isAdmin: (req: Request, userId: string) => Promise<boolean>;
  signOutUrl: string | undefined;
  paths: {
    developerApps: string;
    connectedApps: string;
    scopeRequests: string;
    monitoring: string;
    selfRegisteredClients: string;
    api: string;
  };
}

export const DEFAULT_PAGE_PATHS = {
  developerApps: '/settings/developers/apps',
  connectedApps: '/settings/connected-apps',
  scopeRequests: '/settings/admin/scope-requests',
  monitoring: '/settings/admin/monitoring',
  selfRegisteredClients: '/settings/admin/self-registered-clients',
  api: '/oauth/api',
} as const;

export interface OAuthKitOptions {
  /** The authorization server's issuer URL, e.g. `https://example.com`. Required. */
  issuer: string;
  /**
   * The one resource of a host with a single API: shorthand for `resources: [{ url: audience }]`.
   * Default: `${issuer}/api`.
   */
  audience?: string;
  /**
   * The host's resources, each with its URL (= `aud`) and scopes. The first is the default:
   * tokens requested without a `resource` parameter are for it. `requireScope()` protects the
   * default resource, `requireScope.forResource(url)` another one. Default: one resource,
   * `audience`.
   */
  resources?: ResourceDefinition[];
  /** The scope catalog. Required, at least one scope. */
  scopes: ScopeDefinition[];
  /**
   * What an authorization request that names no `scope` gets, for clients without their own
   * `defaultScopes` (limited to what the client is allowed). Empty: such a request is answered
   * `invalid_scope` ("scope is required"). Default: none.
   */
  defaultScopes?: string[];
  /** URL of the host's developer documentation, published as `service_documentation` in the
   *  discovery metadata (RFC 8414). Default: not published. */
  serviceDocumentation?: string;
  /** How users are authenticated and found. Required. */
  accounts: AccountHooks;
  /** Clients registered in code. Default: none. */
  clients?: StaticClient[];
  /** Where OAuth state lives. Default: the in-memory store (one process only). */
  store?: OAuthStore;
  /** Signing keys and cookie secrets. Required in production; generated once in development. */
  secrets?: Secrets;
  /** Development only: file that keeps generated secrets. Default: `.oauth-kit/dev-secrets.json`. */
  devSecretsFile?: string;
  /**
   * Production mode: refuses to start without `secrets`, marks cookies `Secure`.
   * Default: `process.env.NODE_ENV === 'production'`.
   */
  production?: boolean;
  /** Trust `X-Forwarded-*` from a TLS-terminating proxy. Default: false. */
  trustProxy?: boolean;
  /**
   * Answer the endpoints software calls — token, revocation, introspection, userinfo, JWKS and
   * discovery — before the host app's Express stack: the host's middleware does not run for
   * them (the kit's HTTPS rule, rate limits and events do, and Express's `trust proxy` still
   * decides the client IP). Express's per-request setup and a host's global middleware cost
   * as much as issuing a token (README "Performance"). `false` routes them through the host's
   * stack like any other route. Default: true.
   */
  directEndpoints?: boolean;
  /** Token lifetimes in seconds. */
  ttl?: {
    /** Default 3600 (1 hour). */
    accessToken?: number;
    /** Default 2 592 000 (30 days). Each rotation starts a new 30 days. */
    refreshToken?: number;
    /** Default 600 (10 minutes); codes are single use. */
    authorizationCode?: number;
    /** Absolute lifetime of an authorization (grant). Default 31 536 000 (365 days). */
    grant?: number;
  };
  /** Access-token signing algorithm. Default ES256 (fast to sign; see README). */
  signingAlgorithm?: SigningAlgorithm;
  /** Directory of templates that override the kit's `views/` one by one. */
  views?: string;
  /** Rate limits and login lockout (README "Security"). Default: memory store, documented limits. */
  rateLimits?: RateLimitOptions;
  /** Called with every security event (token issued, login failed, rate limit hit, ...). */
  onSecurityEvent?: SecurityEventListener;
  /**
   * Called when an alert rule is crossed (once per rule, key and window, across every process
   * sharing the store); the alert is logged too. Default: none (logged only).
   */
  onAlert?: AlertListener;
  /** When to alert. Default: any refresh-token reuse; more than 10 failed client
   *  authentications for one client within a minute (`DEFAULT_ALERT_RULES`). */
  alertRules?: AlertRule[];
  /** Structured log of security events: a pino logger (or compatible), or `false` for none.
   *  Default: pino on stdout. */
  logger?: SecurityLogger | false;
  /**
   * Production normally requires an `https:` issuer. This allows `http://localhost` (and
   * 127.0.0.1, [::1]) in production mode, for a production build tried out locally. Default false.
   */
  dangerouslyAllowHttpLocalhost?: boolean;
  /** How requireScope() checks tokens in this app. */
  resourceServer?: ResourceServerSettings;
  /** Developer, connected-apps and admin pages. Default: not mounted. */
  pages?: PagesOptions;
  /** Dynamic client registration (RFC 7591). Default: off. */
  registration?: RegistrationOptions;
  /**
   * Accept clients whose `client_id` is the https URL of their OAuth Client ID Metadata Document
   * (what MCP clients use first), fetched with SSRF protection, size and time limits, and
   * cached as its HTTP headers allow. In development, http loopback URLs too. Such clients are
   * public, self-registered and always see consent. Default: false.
   */
  clientMetadataDocuments?: boolean;
  /** The product's name, logo, home and support links, on every kit page. */
  product?: ProductOptions;
}

export const DEFAULT_TTL = {
  accessToken: 60 * 60,
  refreshToken: 30 * 24 * 60 * 60,
  authorizationCode: 10 * 60,
  grant: 365 * 24 * 60 * 60,
} as const;

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';
export const DEFAULT_DEV_SECRETS_FILE = '.oauth-kit/dev-secrets.json';

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  issuer: string;
  serviceDocumentation: string | undefined;
  defaultScopes: string[];
  /** The default resource's URL. */
  audience: string;
  /** Every resource, the default first, each with its scopes resolved. */
  resources: Array<{ url: string; scopes: string[] }>;
  scopes: ScopeDefinition[];
  accounts: AccountHooks;
  clients: StaticClient[];
  store: OAuthStore;
  secrets: Secrets;
  production: boolean;
  trustProxy: boolean;
  directEndpoints: boolean;
  ttl: { accessToken: number; refreshToken: number; authorizationCode: number; grant: number };
  signingAlgorithm: SigningAlgorithm;
  views: string | undefined;
  rateLimits: ResolvedRateLimits;
  onSecurityEvent: SecurityEventListener | undefined;
  onAlert: AlertListener | undefined;
  alertRules: readonly AlertRule[];
  logger: SecurityLogger;
  resourceServer: ResourceServerSettings;
  pages: ResolvedPagesOptions | undefined;
  registration: ResolvedRegistration;
  clientMetadataDocuments: boolean;
  product: ResolvedProduct;
}
