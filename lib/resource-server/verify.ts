/**
 * Framework-free access-token verification: signature (allow-listed asymmetric algorithms),
 * `typ: at+jwt`, issuer, audience, time, and that the token's grant has not been revoked.
 * Tokens it cannot verify locally (opaque, or another issuer's) go to RFC 7662 introspection
 * when the host configured it.
 */
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigurationError } from '../errors/configuration-error.js';
import { InvalidTokenError, TokenStoreUnavailableError } from '../errors/bearer-errors.js';

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

export interface VerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  algorithms: string[];
  clockToleranceSeconds?: number;
  /** Resolves false when the grant was revoked; rejects when that cannot be known. */
  isGrantActive(grantId: string): Promise<boolean>;
  /** Verifies tokens that are not this issuer's JWTs (RFC 7662). */
  introspect?: (token: string) => Promise<AuthInfo>;
  /** Resolves false when the client was disabled or deleted; rejects when the store is unreachable. */
  isClientActive?(clientId: string): Promise<boolean>;
}

export type TokenVerifier = (token: string) => Promise<AuthInfo>;

function isForeign(token: string, issuer: string): boolean {
  if (token.split('.').length !== 3) return true;
  try {
    return decodeJwt(token).iss !== issuer;
  } catch {
    return true;
  }
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const { issuer, audience, keys, isGrantActive, isClientActive, introspect } = options;
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
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  return async function verifyAccessToken(token) {
    if (introspect && isForeign(token, issuer)) return introspect(token);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms,
        typ: 'at+jwt',
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    const clientId = claims.client_id;
    const grantId = claims.gid;
    if (
      typeof clientId !== 'string' ||
      typeof claims.sub !== 'string' ||
      (grantId !== undefined && typeof grantId !== 'string') ||
      (claims.scope !== undefined && typeof claims.scope !== 'string')
    ) {
      throw new InvalidTokenError('The access token is malformed.');
    }
    // Client credentials tokens name no grant: only the client check applies to them.
    let grantActive: boolean;
    let clientActive: boolean;
    try {
      [grantActive, clientActive] = await Promise.all([
        grantId === undefined ? true : isGrantActive(grantId),
        isClientActive ? isClientActive(clientId) : true,
      ]);
    } catch {
      throw new TokenStoreUnavailableError();
    }
    if (!grantActive) throw new InvalidTokenError('The access token has been revoked.');
    if (!clientActive) throw new InvalidTokenError('The application of this access token is disabled.');
    return {
      sub: claims.sub,
      clientId,
      scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [],
      claims,
      token,
      testMode: claims.test_mode === true,
      grantId,
      expiresAt: claims.exp!,
    };
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
