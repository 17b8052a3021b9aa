/** `GET /v1/oauth/token/info`: what the bearer token is, for the client holding it. */
import express, { type Router } from 'express';
import { oauthErrorHandler } from './errors/error-handler.js';
import { getBearerToken } from './resource-server/get-token.js';
import type { TokenVerifier } from './resource-server/verify.js';

export const TOKEN_INFO_PATH = '/v1/oauth/token/info';

export function tokenInfoRouter(verify: TokenVerifier): Router {
  const router = express.Router();
  router.get(TOKEN_INFO_PATH, async (req, res) => {
    const auth = await verify(getBearerToken(req));
    res.set('Cache-Control', 'no-store').json({
      client_id: auth.clientId,
      // client_credentials tokens act for the client itself: no user.
      user_id: auth.grantId ? auth.sub : null,
      scopes: auth.scopes,
      expires_at: new Date(auth.expiresAt * 1000).toISOString(),
    });
  });
  router.use(TOKEN_INFO_PATH, oauthErrorHandler());
  return router;
}
