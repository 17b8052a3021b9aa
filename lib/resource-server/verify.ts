/**
 * Framework-free access-token verification: signature, `typ: at+jwt`, issuer, audience, time,
 * and that the token's grant has not been revoked.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
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

export interface VerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  algorithms: string[];
  clockToleranceSeconds?: number;
  /** Resolves false when the grant was revoked; rejects when the store is unreachable. */
  isGrantActive(grantId: string): Promise<boolean>;
  /** Resolves false when the client was disabled or deleted; rejects when the store is unreachable. */
  isClientActive?(clientId: string): Promise<boolean>;
}

export type TokenVerifier = (token: string) => Promise<AuthInfo>;

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const { issuer, audience, keys, algorithms, isGrantActive, isClientActive } = options;
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  return async function verifyAccessToken(token) {
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
      (grantId !== undefined && typeof grantId !== 'string')
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
