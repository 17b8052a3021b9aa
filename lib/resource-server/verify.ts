/**
 * Framework-free access-token verification: signature (allow-listed asymmetric algorithms),
 * `typ: at+jwt`, issuer, audience, time, and that the token's grant has not been revoked.
 * Tokens it cannot verify locally (opaque, or another issuer's) go to RFC 7662 introspection
 * when the host configured it.
 *
 * A client sends the same access token on every call until it expires, so a token that passed
 * verification is remembered (keyed by the token string) and its signature is not checked
 * again. What is remembered never outlives the token's `exp` (nor `maxAgeSeconds`), the cache
 * is bounded, and the grant check still runs on every request: a revoked grant is refused at
 * once, and its entry dropped. (Profiled: signature verification was the largest share of a
 * protected request the kit controls.)
 */
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { boundedCache, type Clock } from '../cache/bounded-cache.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import {
  InvalidRequestError,
  InvalidTokenError,
  TokenStoreUnavailableError,
} from '../errors/bearer-errors.js';
import { withdrawnScope, type ActiveApp } from '../clients/app-status.js';
import type { DpopPresentation, DpopVerifier } from './dpop.js';

export interface AuthInfo {
  /** Subject: the user id, or the client id for client_credentials tokens. */
  sub: string;
  clientId: string;
  scopes: string[];
  claims: JWTPayload;
  token: string;
  /** Issued to a test-mode client. */
  testMode: boolean;
  /** Present when the token belongs to a user's authorization (not client_credentials). */
  grantId: string | undefined;
  /** Expiry, epoch seconds. */
  expiresAt: number;
}

/** Asymmetric JWS algorithms only: never `none`, never HS* (a public key must not verify MACs). */
export const ALLOWED_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];

/** The cache of verified tokens (resolved `verifiedTokenCache`, config/defaults.ts). */
export interface VerifiedTokenCacheSettings {
  /** Most tokens remembered; the oldest are forgotten first. */
  readonly maxEntries: number;
  /** Longest a verification is reused (s), however late the token expires. */
  readonly maxAgeSeconds: number;
}

export interface VerifierOptions {
  issuer: string;
  /** Accepted `aud` values: a token for any of them verifies (requireScope checks its own). */
  audience: string | string[];
  keys: JWTVerifyGetKey;
  algorithms: string[];
  /** Seconds of clock skew tolerated on exp/iat/nbf. */
  clockToleranceSeconds: number;
  /** Resolves false when the grant was revoked; rejects when that cannot be known. */
  isGrantActive: (grantId: string) => Promise<boolean>;
  /** The grant's status when memory already knows it (no store call, no promise), else undefined. */
  knownGrantStatus?: (grantId: string) => boolean | undefined;
  /**
   * Resolves false when the client was disabled or deleted; otherwise true, or what was withdrawn
   * from it (a token carrying a scope withdrawn after it was issued is refused). Rejects when the
   * store is unreachable.
   */
  isClientActive?: (clientId: string) => Promise<boolean | ActiveApp>;
  /** The client's status when memory already knows it, else undefined. */
  knownClientStatus?: (clientId: string) => boolean | ActiveApp | undefined;
  /** Resolves false when the access token itself (its `jti`) was revoked; rejects when that cannot be known. */
  isTokenActive?: (jti: string) => Promise<boolean>;
  /** The token's revocation status when memory already knows it, else undefined. */
  knownTokenStatus?: (jti: string) => boolean | undefined;
  /** Checks DPoP proofs (RFC 9449). Without it, the `DPoP` scheme is refused. */
  dpop?: DpopVerifier;
  /** Verifies tokens that are not this issuer's JWTs (RFC 7662). */
  introspect?: (token: string, source?: string) => Promise<AuthInfo>;
  /** Verified-token cache; `false` verifies every request from scratch. */
  cache: VerifiedTokenCacheSettings | false;
  /** The clock (epoch ms). Tests move it; default `Date.now`. */
  now?: Clock;
}

export interface TokenVerifier {
  /**
   * Verifies a token presented as Bearer, or with the `DPoP` scheme when `dpop` (the request's
   * proof, method and URL) is given. A token bound to a key (`cnf`) is refused without its proof.
   */
  (token: string, dpop?: DpopPresentation, source?: string): Promise<AuthInfo>;
  /**
   * The Bearer answer synchronously when it needs no I/O (the token is in the verified-token
   * cache and its grant's status is in memory); undefined otherwise. Throws as the call does.
   */
  fromMemory?(token: string): AuthInfo | undefined;
  /**
   * Verifies the token and that it is still live, whoever holds it: for the authorization
   * server's introspection and revocation endpoints, never for admitting a request (it does not
   * ask for a bound token's proof).
   */
  inspect(token: string): Promise<AuthInfo>;
}

function isForeign(token: string, issuer: string): boolean {
  if (token.split('.').length !== 3) return true;
  try {
    return decodeJwt(token).iss !== issuer;
  } catch {
    return true;
  }
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const { issuer, audience, keys, isGrantActive, isClientActive, isTokenActive, introspect } = options;
  const algorithms = options.algorithms;
  for (const alg of algorithms) {
    if (!ALLOWED_ALGORITHMS.includes(alg)) {
      throw new ConfigurationError(
        'algorithms',
        `"${alg}" is not allowed.`,
        `Use one of ${ALLOWED_ALGORITHMS.join(', ')}.`,
      );
    }
  }
  const clockTolerance = options.clockToleranceSeconds;
  const now = options.now ?? Date.now;
  const cache = options.cache === false ? undefined : createCache(options.cache, now);

  /**
   * The token's grant is not revoked, its client not disabled, no scope it carries withdrawn from
   * the client since it was issued, and the token itself not revoked (client credentials tokens
   * name no grant).
   */
  async function assertLive(
    auth: Pick<AuthInfo, 'grantId' | 'clientId' | 'claims' | 'scopes'>,
  ): Promise<void> {
    const { grantId, clientId } = auth;
    const jti = auth.claims.jti;
    let grantActive: boolean;
    let clientActive: boolean | ActiveApp;
    let tokenActive: boolean;
    try {
      [grantActive, clientActive, tokenActive] = await Promise.all([
        grantId === undefined ? true : isGrantActive(grantId),
        isClientActive ? isClientActive(clientId) : true,
        isTokenActive && typeof jti === 'string' ? isTokenActive(jti) : true,
      ]);
    } catch {
      throw new TokenStoreUnavailableError();
    }
    if (!grantActive || !tokenActive) throw new InvalidTokenError('The access token has been revoked.');
    assertClientStanding(clientActive, auth);
  }

  /** Bearer: no binding allowed. DPoP: the token is bound to a key and the proof is valid. */
  async function assertPresentation(auth: AuthInfo, token: string, dpop: DpopPresentation | undefined) {
    const cnf = auth.claims.cnf as { jkt?: unknown } | undefined;
    if (dpop === undefined) {
      if (cnf !== undefined) throw boundAsBearer();
      return;
    }
    if (!options.dpop) throw new InvalidRequestError('The Authorization header must use the Bearer scheme.');
    if (typeof cnf?.jkt !== 'string') {
      throw new InvalidTokenError(
        'The access token is not bound to a DPoP key: send it with the Bearer scheme.',
        'DPoP',
      );
    }
    await options.dpop.verify(dpop, token, cnf.jkt);
  }

  function fromMemory(token: string): AuthInfo | undefined {
    const cached = cache?.get(token);
    if (!cached) return undefined;
    if (cached.grantId !== undefined) {
      const known = options.knownGrantStatus?.(cached.grantId);
      if (known === undefined) return undefined;
      if (!known) {
        cache!.delete(token);
        throw new InvalidTokenError('The access token has been revoked.');
      }
    }
    if (isClientActive) {
      const known = options.knownClientStatus?.(cached.clientId);
      if (known === undefined) return undefined;
      try {
        assertClientStanding(known, cached);
      } catch (error) {
        cache!.delete(token);
        throw error;
      }
    }
    if (isTokenActive && typeof cached.claims.jti === 'string') {
      const known = options.knownTokenStatus?.(cached.claims.jti);
      if (known === undefined) return undefined;
      if (!known) {
        cache!.delete(token);
        throw new InvalidTokenError('The access token has been revoked.');
      }
    }
    if (cached.claims.cnf !== undefined) throw boundAsBearer();
    return copyOf(cached);
  }

  async function inspect(token: string, source?: string): Promise<AuthInfo> {
    const cached = cache?.get(token);
    if (cached) {
      try {
        await assertLive(cached);
      } catch (error) {
        if (error instanceof InvalidTokenError) cache!.delete(token);
        throw error;
      }
      return copyOf(cached);
    }
    if (introspect && isForeign(token, issuer)) return introspect(token, source);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms,
        typ: 'at+jwt',
        clockTolerance,
        currentDate: new Date(now()),
        requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    // jose checks `iat` only against a maximum age: a token issued in the future (a forged
    // clock, a signing key used elsewhere) is refused beyond the clock tolerance.
    if ((claims.iat as number) > now() / 1000 + clockTolerance) {
      throw new InvalidTokenError('The access token is not yet valid.');
    }
    const clientId = claims.client_id;
    const grantId = claims.gid;
    if (
      typeof clientId !== 'string' ||
      typeof claims.sub !== 'string' ||
      (grantId !== undefined && typeof grantId !== 'string') ||
      (claims.scope !== undefined && typeof claims.scope !== 'string') ||
      (claims.jti !== undefined && (typeof claims.jti !== 'string' || claims.jti.length > 256))
    ) {
      throw new InvalidTokenError('The access token is malformed.');
    }
    const auth: AuthInfo = {
      sub: claims.sub,
      clientId,
      scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [],
      claims,
      token,
      testMode: claims.test_mode === true,
      grantId,
      expiresAt: claims.exp!,
    };
    await assertLive(auth);
    // The host may change what it gets in req.auth: the cache keeps its own frozen copy.
    cache?.set(token, deepFreeze(structuredClone(auth)));
    return auth;
  }

  const verifyAccessToken: TokenVerifier = async function verifyAccessToken(token, dpop, source) {
    const auth = await inspect(token, source);
    await assertPresentation(auth, token, dpop);
    return auth;
  };
  verifyAccessToken.fromMemory = fromMemory;
  verifyAccessToken.inspect = inspect;
  return verifyAccessToken;
}

/** The client is active, and no scope of the token was withdrawn from it since it was issued. */
function assertClientStanding(
  standing: boolean | ActiveApp,
  auth: Pick<AuthInfo, 'claims' | 'scopes'>,
): void {
  if (!standing) throw new InvalidTokenError('The application of this access token is disabled.');
  if (standing === true) return;
  const withdrawn = withdrawnScope(standing, auth.claims.iat ?? 0, auth.scopes);
  if (withdrawn !== undefined) {
    throw new InvalidTokenError(
      `The "${withdrawn.slice(0, 50)}" scope of this access token was withdrawn from the application.`,
    );
  }
}

/** A token bound to a key (RFC 9449 / RFC 8705 `cnf`) is worthless without its proof. */
function boundAsBearer(): InvalidTokenError {
  return new InvalidTokenError(
    'The access token is bound to a key: send it with the DPoP scheme and a DPoP proof.',
    'DPoP',
  );
}

/** A fresh AuthInfo for each request, so one request's changes never reach the next. */
function copyOf(auth: AuthInfo): AuthInfo {
  return { ...auth, scopes: [...auth.scopes], claims: { ...auth.claims } };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

interface VerifiedTokenCache {
  get(token: string): AuthInfo | undefined;
  set(token: string, auth: AuthInfo): void;
  delete(token: string): void;
}

function createCache(settings: VerifiedTokenCacheSettings, now: Clock): VerifiedTokenCache {
  const maxAgeMs = settings.maxAgeSeconds * 1000;
  /** token → the verified AuthInfo, while it may be reused */
  const entries = boundedCache<AuthInfo>({ maxEntries: settings.maxEntries, now });
  return {
    get: (token) => entries.get(token),
    delete: (token) => entries.delete(token),
    set(token, auth) {
      // Never past `exp`, even though verification tolerates clock skew beyond it.
      entries.set(token, auth, Math.min(auth.expiresAt * 1000 - now(), maxAgeMs));
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' || error.claim === 'iat'
      ? 'The access token is not yet valid.'
      : `The access token has an unexpected "${error.claim}" claim.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'The access token signature is invalid.';
  return 'The access token is invalid.';
}
