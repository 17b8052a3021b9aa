/**
 * The configuration's types. The options themselves (doc, default, check) are declared once in
 * config/defaults.ts; the option types below are derived from those tables. This file keeps the
 * shapes of the values the host passes (scopes, clients, account hooks, secrets).
 */
import type { Request } from 'express';
import type { OAuthStore } from '../../adapters/contract.js';
import type { Secrets, SigningAlgorithm } from '../keys/types.js';
import type { SecurityLogger } from '../logging/logger.js';
import type {
  KIT_OPTIONS,
  PAGES_OPTIONS,
  PRODUCT_OPTIONS,
  REGISTRATION_OPTIONS,
  RESOURCE_SERVER_OPTIONS,
} from './defaults.js';
import type { InputOf, ResolvedOf } from './schema.js';

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

export type { Secrets, SigningAlgorithm };

/** Where requireScope() looks for the bearer token (RFC 6750 §2). */
export type TokenLocation = 'header' | 'body' | 'query';

/** `mountOAuth(app, options)`: every option is documented in config/defaults.ts KIT_OPTIONS. */
export type OAuthKitOptions = InputOf<typeof KIT_OPTIONS>;
/** How requireScope() checks tokens; used by mountOAuth and mountResourceServer alike. */
export type ResourceServerSettings = InputOf<typeof RESOURCE_SERVER_OPTIONS>;
/** The people's pages (developers, connected apps, administrators). */
export type PagesOptions = InputOf<typeof PAGES_OPTIONS>;
/** RFC 7591 dynamic client registration. */
export type RegistrationOptions = InputOf<typeof REGISTRATION_OPTIONS>;
/** The host product on every kit page. */
export type ProductOptions = InputOf<typeof PRODUCT_OPTIONS>;

export type ResolvedPagesOptions = ResolvedOf<typeof PAGES_OPTIONS>;
export type ResolvedRegistration = ResolvedOf<typeof REGISTRATION_OPTIONS>;
export type ResolvedProduct = ResolvedOf<typeof PRODUCT_OPTIONS>;

/** A resource with its scopes resolved. */
export interface ResolvedResource {
  readonly url: string;
  readonly scopes: string[];
}

/**
 * Options after validation, every default applied, frozen. What the tables resolve, except what
 * is made once the options are valid (the store, the secrets, the logger) and what two options
 * decide together (`audience`/`resources`).
 */
export type ResolvedOptions = Readonly<
  Omit<ResolvedOf<typeof KIT_OPTIONS>, 'store' | 'secrets' | 'logger' | 'audience' | 'resources'> & {
    store: OAuthStore;
    secrets: Secrets;
    logger: SecurityLogger;
    /** The default resource's URL. */
    audience: string;
    /** Every resource, the default first, each with its scopes resolved. */
    resources: readonly ResolvedResource[];
  }
>;
