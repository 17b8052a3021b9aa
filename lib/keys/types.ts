/** What the kit's secrets are: signing keys and cookie keys, and the algorithms it signs with. */
import type { JWK } from 'jose';

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

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];
