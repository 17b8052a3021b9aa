/**
 * Every option oauth-kit accepts, its default and why. This is the one place configuration is
 * documented; README's configuration reference mirrors it.
 */
import type { Request } from 'express';
import type { JWK } from 'jose';
import type { OAuthStore } from '../../adapters/contract.js';

/** One entry of the host's scope catalog. */
export interface ScopeDefinition {
  /** e.g. `tasks:read`; `prefix:*` names a wildcard scope such as `admin:*`. */
  name: string;
  /** Shown to the user on the consent screen. */
  description: string;
  /** Granted only to clients an administrator approved for it (otherwise `invalid_scope`). */
  restricted?: boolean;
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
   * When it returns an id, the kit's login page is skipped.
   */
  currentUserId?(req: Request): string | undefined | Promise<string | undefined>;
  /** Called after the kit's login page signed a user in, so the host can start its session. */
  signIn?(req: Request, account: Account): void | Promise<void>;
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
  /** Test-mode credentials (labelled as such; kept apart from production ones). */
  testMode?: boolean;
}

/** Signing keys and cookie secrets. */
export interface Secrets {
  /** Private JWKs used to sign access tokens; the first key of the preferred algorithm signs. */
  signingKeys: JWK[];
  /** Keys for oidc-provider's signed cookies; the first signs, all verify (rotation). */
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
}

export interface OAuthKitOptions {
  /** The authorization server's issuer URL, e.g. `https://example.com`. Required. */
  issuer: string;
  /** Audience (`aud`) of access tokens: the host's API. Default: `${issuer}/api`. */
  audience?: string;
  /** The scope catalog. Required, at least one scope. */
  scopes: ScopeDefinition[];
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
  /** How requireScope() checks tokens in this app. */
  resourceServer?: ResourceServerSettings;
}

export const DEFAULT_TTL = {
  accessToken: 60 * 60,
  refreshToken: 30 * 24 * 60 * 60,
  authorizationCode: 10 * 60,
  grant: 365 * 24 * 60 * 60,
} as const;

export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';
export const DEFAULT_DEV_SECRETS_FILE = '.oauth-kit/dev-secrets.json';

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  issuer: string;
  audience: string;
  scopes: ScopeDefinition[];
  accounts: AccountHooks;
  clients: StaticClient[];
  store: OAuthStore;
  secrets: Secrets;
  production: boolean;
  trustProxy: boolean;
  ttl: { accessToken: number; refreshToken: number; authorizationCode: number; grant: number };
  signingAlgorithm: SigningAlgorithm;
  views: string | undefined;
  resourceServer: ResourceServerSettings;
}
