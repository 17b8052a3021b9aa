/**
 * `GET|POST /oauth/userinfo` (OpenID Connect Core §5.3): the signed-in user's claims for the
 * access token of an `openid` grant. The kit serves it itself because its access tokens are
 * JWTs for the host's API, which oidc-provider's userinfo (opaque tokens without an audience)
 * refuses: the token is verified as requireScope verifies it (signature, audience, expiry,
 * revocation), must carry `openid`, and the claims its scopes release are read from the host's
 * `accounts.find` hook.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccountHooks } from './config/options.js';
import { writeJsonError } from './errors/json-error.js';
import { BearerError, InsufficientScopeError, InvalidTokenError } from './errors/bearer-errors.js';
import { releasedClaims } from './oidc/claims.js';
import { getAccessToken } from './resource-server/get-token.js';
import type { TokenVerifier } from './resource-server/verify.js';

export function userinfoEndpoint(deps: {
  verify: TokenVerifier;
  accounts: Pick<AccountHooks, 'find'>;
  /** The endpoint's URL (a DPoP proof's `htu`: the issuer's, never the request's Host). */
  url: string;
  /** The DPoP proof algorithms accepted; undefined when DPoP is off. */
  dpopAlgorithms: readonly string[] | undefined;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { verify, accounts, url, dpopAlgorithms } = deps;

  async function claimsFor(req: IncomingMessage): Promise<Record<string, unknown>> {
    const { token, scheme } = getAccessToken(
      { headers: req.headers, method: req.method },
      ['header'],
      dpopAlgorithms !== undefined,
    );
    try {
      return await claimsOf(
        await verify(
          token,
          scheme === 'DPoP' ? { proof: req.headers.dpop, method: req.method ?? '', url } : undefined,
        ),
      );
    } catch (error) {
      if (error instanceof BearerError && scheme === 'DPoP') {
        error.scheme = 'DPoP';
        error.dpopAlgorithms = dpopAlgorithms;
      }
      throw error;
    }
  }

  async function claimsOf(auth: Awaited<ReturnType<TokenVerifier>>): Promise<Record<string, unknown>> {
    if (!auth.scopes.includes('openid') || !auth.grantId) throw new InsufficientScopeError(['openid']);
    const account = await accounts.find(auth.sub);
    if (!account) throw new InvalidTokenError('The account of this access token no longer exists.');
    return releasedClaims(account.id, account.claims, auth.scopes);
  }

  return async function serveUserinfo(req, res) {
    // Browser apps call it too: open CORS, as for any bearer-token API (no cookies involved).
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP');
      res.setHeader('Access-Control-Max-Age', '600');
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      writeJsonError(
        res,
        405,
        { error: 'invalid_request', error_description: 'Use GET or POST.' },
        { Allow: 'GET, POST, OPTIONS' },
      );
      return;
    }
    try {
      const claims = await claimsFor(req);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(claims));
    } catch (error) {
      if (!(error instanceof BearerError)) throw error;
      writeJsonError(res, error.status, error.toJSON(), error.headers);
    }
  };
}
