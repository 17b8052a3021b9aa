/**
 * Which requests count against which limit, checked before oidc-provider does any work:
 *
 * - token, revocation, introspection: per IP, and per client. The client is the one the request
 *   claims (HTTP Basic user, or `client_id` in the form); a request whose client then fails to
 *   authenticate (401) gets its point back, so nobody can spend a client's budget without its
 *   secret.
 * - authorize: per IP. Login form posts: per IP (the per-account lockout is in the login route).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { RateLimitedError } from '../errors/rate-limited-error.js';
import { INTERACTION_PATH, ROUTES } from '../provider.js';
import { claimedClientId, clientIp } from './request-identity.js';
import type { SecurityEvents } from './events.js';
import type { LimitName, RateLimiters } from './rate-limits.js';

type ClientEndpoint = 'token' | 'revocation' | 'introspection';

const CLIENT_ENDPOINTS = new Map<string, ClientEndpoint>([
  [ROUTES.token, 'token'],
  [ROUTES.revocation, 'revocation'],
  [ROUTES.introspection, 'introspection'],
]);
const LOGIN_POST = new RegExp(`^${INTERACTION_PATH}/[^/]+/login$`);

/** oidc-provider's own body limit; the kit parses these bodies first to learn the client. */
const formBody = express.urlencoded({ extended: false, limit: '56kb', parameterLimit: 100 });

export function rateLimitMiddleware(limiters: RateLimiters, events: SecurityEvents): RequestHandler {
  async function check(
    req: Request,
    limit: LimitName,
    key: string,
    page: boolean,
    clientId?: string,
  ): Promise<void> {
    const retryAfter = await limiters.consume(limit, key);
    if (retryAfter === undefined) return;
    const ip = clientIp(req);
    events.emit(
      'rate_limit.exceeded',
      { limit, retryAfterSeconds: retryAfter, ...(clientId ? { clientId } : {}) },
      ip,
    );
    throw new RateLimitedError(retryAfter, page);
  }

  async function clientEndpoint(req: Request, res: Response, endpoint: ClientEndpoint): Promise<void> {
    const ip = clientIp(req);
    await check(req, `${endpoint}.perIp`, ip, false);
    const clientId = claimedClientId(req);
    if (clientId === undefined) return;
    const perClient: LimitName = `${endpoint}.perClient`;
    await check(req, perClient, clientId, false, clientId);
    res.once('finish', () => {
      if (res.statusCode === 401) void limiters.refund(perClient, clientId);
    });
  }

  return function oauthKitRateLimits(req: Request, res: Response, next: NextFunction) {
    const endpoint = req.method === 'POST' ? CLIENT_ENDPOINTS.get(req.path) : undefined;
    if (endpoint) {
      formBody(req, res, (error?: unknown) => {
        if (error) return next(error);
        clientEndpoint(req, res, endpoint).then(() => next(), next);
      });
      return;
    }
    if (req.path === ROUTES.authorization && (req.method === 'GET' || req.method === 'POST')) {
      check(req, 'authorize.perIp', clientIp(req), true).then(() => next(), next);
      return;
    }
    if (req.method === 'POST' && LOGIN_POST.test(req.path)) {
      check(req, 'login.perIp', clientIp(req), true).then(() => next(), next);
      return;
    }
    next();
  };
}
