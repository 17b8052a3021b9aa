/**
 * `express-oauth-kit/testing`: mint access tokens for a host's own route tests, without running a flow.
 *
 *   const issuer = await createTestIssuer();
 *   await mountResourceServer(app, { issuer: issuer.issuer, jwks: issuer.jwks });
 *   const token = await issuer.mint({ scopes: ['tasks:read'], sub: 'user_1' });
 *
 * The key is generated in memory per test issuer; production apps never trust it.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import { defaultAudience } from './config/validate-resources.js';

export interface MintOptions {
  scopes?: string[];
  /** Default `test_user`. */
  sub?: string;
  /** Default `test_client`. */
  clientId?: string;
  testMode?: boolean;
  /** Seconds until expiry (negative for an expired token). Default 3600. */
  expiresIn?: number;
  /** Extra claims, e.g. an `aud` override to test audience checks. */
  claims?: Record<string, unknown>;
}

export interface TestIssuer {
  issuer: string;
  audience: string;
  /** Public keys to pass to mountResourceServer as `jwks`. */
  jwks: JSONWebKeySet;
  mint(options?: MintOptions): Promise<string>;
}

export async function createTestIssuer(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const issuer = options.issuer ?? 'https://issuer.test';
  const audience = options.audience ?? defaultAudience(issuer);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `test-${randomUUID()}`;
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid };
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    async mint(mint = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        aud: audience,
        sub: mint.sub ?? 'test_user',
        iat: now,
        exp: now + (mint.expiresIn ?? 3600),
        jti: randomUUID(),
        client_id: mint.clientId ?? 'test_client',
        scope: (mint.scopes ?? []).join(' '),
        ...(mint.testMode ? { test_mode: true } : {}),
        ...mint.claims,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .sign(privateKey);
    },
  };
}
