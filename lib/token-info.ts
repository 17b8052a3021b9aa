/** `GET /v1/oauth/token/info`: what the access token is, for the client holding it. */
import express, { type Router } from 'express';
import type { AuthScheme } from './errors/bearer-errors.js';
import { oauthErrorHandler } from './errors/error-handler.js';
import { getAccessToken } from './resource-server/get-token.js';
import { dpopPresentation, withChallenge } from './resource-server/require-scope.js';
import type { TokenVerifier } from './resource-server/verify.js';

export const TOKEN_INFO_PATH = '/v1/oauth/token/info';

export function tokenInfoRouter(
  verify: TokenVerifier,
  challenge: { realm: string | undefined; dpopAlgorithms: readonly string[] | undefined },
): Router {
  const router = express.Router();
  router.get(TOKEN_INFO_PATH, async (req, res, next) => {
    let scheme: AuthScheme | undefined;
    try {
      const presented = getAccessToken(req, ['header'], challenge.dpopAlgorithms !== undefined);
      scheme = presented.scheme;
      const auth = await verify(presented.token, scheme === 'DPoP' ? dpopPresentation(req) : undefined);
      res.set('Cache-Control', 'no-store').json({
        client_id: auth.clientId,
        // client_credentials tokens act for the client itself: no user.
        user_id: auth.grantId ? auth.sub : null,
        scopes: auth.scopes,
        expires_at: new Date(auth.expiresAt * 1000).toISOString(),
      });
    } catch (error) {
      next(withChallenge(error, challenge, scheme));
    }
  });
  router.use(TOKEN_INFO_PATH, oauthErrorHandler());
  return router;
}
