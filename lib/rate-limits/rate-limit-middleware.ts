/**
 * Which requests count against which limit, checked before oidc-provider does any work:
 *
 * - token, revocation, introspection: per IP, and per client for clients that authenticate with
 *   HTTP Basic (read from the header, so the body stays oidc-provider's to parse). A request
 *   whose client then fails to authenticate gets its per-client point back, so nobody can spend
 *   a client's budget without its secret; the failure itself counts, without refund, against
 *   the client's limit for that source (client-auth-failures.ts), and a pair over it is refused
 *   here before any other work. Public clients are limited per IP only: anyone may present a
 *   public client's id, so a per-client budget would let one user use it up for all. (Checked
 *   by the machine endpoints' pipeline, machine-endpoints.ts.)
 * - authorize: per IP, per minute and per hour (each authorization may start a sign-in
 *   interaction the store keeps for an hour: the hourly limit bounds how many one IP can create).
 *   Login form posts: per IP (the per-account lockout is in the login route).
 *
 * Paths are compared the way the routes match them: Express and oidc-provider's router both
 * match case-insensitively and accept one trailing slash, so `/OAuth/Authorize/` is counted as
 * `/oauth/authorize` (every method: oidc-provider answers HEAD like GET).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimitedError } from '../errors/rate-limited-error.js';
import { INTERACTION_PATH, ROUTES } from '../routes.js';
import { claimedClientId, clientIp, ipLimitKey } from '../requests/request-identity.js';
import type { ClientAuthFailures } from './client-auth-failures.js';
import type { SecurityEvents } from '../events/events.js';
import type { LimitName, RateLimiters } from './rate-limits.js';
import type { CounterStore } from '../../adapters/contract.js';

export type ClientEndpoint = 'token' | 'revocation' | 'introspection';

/** The client-authenticated endpoints, by path: only POSTs to them are counted. */
export const CLIENT_ENDPOINTS: ReadonlyMap<string, ClientEndpoint> = new Map<string, ClientEndpoint>([
  [ROUTES.token, 'token'],
  // A pushed authorization request (RFC 9126) is a client-authenticated POST like a token
  // request, and counts against the token endpoint's limits.
  [ROUTES.pushed_authorization_request, 'token'],
  [ROUTES.revocation, 'revocation'],
  [ROUTES.introspection, 'introspection'],
]);
const LOGIN_POST = new RegExp(`^${INTERACTION_PATH}/[^/]+/login/?$`, 'i');

/** A path as a route matches it: case folded, one trailing slash dropped. */
export function routeKey(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** The limits of each client endpoint, named once (not rebuilt per request). */
const ENDPOINT_LIMITS: Record<ClientEndpoint, { perIp: LimitName; perClient: LimitName }> = {
  token: { perIp: 'token.perIp', perClient: 'token.perClient' },
  revocation: { perIp: 'revocation.perIp', perClient: 'revocation.perClient' },
  introspection: { perIp: 'introspection.perIp', perClient: 'introspection.perClient' },
};

const AUTHORIZE_LIMITS: readonly LimitName[] = ['authorize.perIp', 'authorize.perIpPerHour'];
const LOGIN_LIMITS: readonly LimitName[] = ['login.perIp'];

/** A request over `limit`: the event is emitted and the error to answer with returned. */
function limited(
  events: SecurityEvents,
  req: IncomingMessage,
  limit: LimitName | 'registration.perDay',
  retryAfter: number,
  page: boolean,
  clientId?: string,
): RateLimitedError {
  events.emit(
    'rate_limit.exceeded',
    { limit, retryAfterSeconds: retryAfter, clientId }, // emit drops clientId when undefined
    clientIp(req),
  );
  return new RateLimitedError(retryAfter, page);
}

/** The token, revocation and introspection limits, on plain node:http request and response. */
export type ClientEndpointLimits = (
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: ClientEndpoint,
) => Promise<void>;

export function clientEndpointLimits(
  limiters: RateLimiters,
  events: SecurityEvents,
  failures: ClientAuthFailures,
): ClientEndpointLimits {
  // One async function for both checks: every token request runs it (profiled: each nested
  // async layer added a promise and its async-hooks bookkeeping).
  return async function limitClientEndpoint(req, res, endpoint) {
    const { perIp, perClient } = ENDPOINT_LIMITS[endpoint];
    const ipWait = await limiters.consume(perIp, ipLimitKey(clientIp(req)));
    if (ipWait !== undefined) throw limited(events, req, perIp, ipWait, false);
    const clientId = claimedClientId(req);
    if (clientId === undefined) return;
    const refusedFor = failures.refusedFor(clientId, req);
    if (refusedFor !== undefined) throw new RateLimitedError(refusedFor, false);
    const clientWait = await limiters.consume(perClient, clientId);
    if (clientWait !== undefined) throw limited(events, req, perClient, clientWait, false, clientId);
    res.once('finish', () => {
      if (res.statusCode === 401 || failures.refused(req)) void limiters.refund(perClient, clientId);
    });
  };
}

/** The browser routes' limits: authorize and the login form. */
export function pageRateLimits(limiters: RateLimiters, events: SecurityEvents): RequestHandler {
  const check = async (req: Request, limits: readonly LimitName[]): Promise<RateLimitedError | undefined> => {
    const key = ipLimitKey(clientIp(req));
    for (const limit of limits) {
      const wait = await limiters.consume(limit, key);
      if (wait !== undefined) return limited(events, req, limit, wait, true);
    }
    return undefined;
  };
  const run = (req: Request, limits: readonly LimitName[], next: NextFunction) => {
    check(req, limits).then(next, next);
  };
  return function oauthKitRateLimits(req: Request, _res: Response, next: NextFunction) {
    if (routeKey(req.path) === ROUTES.authorization) {
      run(req, AUTHORIZE_LIMITS, next);
      return;
    }
    if (req.method === 'POST' && LOGIN_POST.test(req.path)) {
      run(req, LOGIN_LIMITS, next);
      return;
    }
    next();
  };
}

/**
 * Dynamic client registration: per IP, and at most `maxPerDay` successful registrations a day
 * from all sources together (a shared counter in the store, counted when one succeeds).
 */
export function registrationLimits(
  limiters: RateLimiters,
  counters: CounterStore,
  maxPerDay: number,
  events: SecurityEvents,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async function limitRegistration(req, res) {
    const ipWait = await limiters.consume('registration.perIp', ipLimitKey(clientIp(req)));
    if (ipWait !== undefined) throw limited(events, req, 'registration.perIp', ipWait, false);
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    const [count = 0] = await counters.read('registration', [day]);
    if (count >= maxPerDay) {
      const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      throw limited(events, req, 'registration.perDay', Math.ceil((tomorrow - now.getTime()) / 1000), false);
    }
    res.once('finish', () => {
      if (res.statusCode === 201) counters.increment('registration', day, 2 * 24 * 60 * 60).catch(() => {});
    });
  };
}

/** The developer JSON API's limit, per IP (mounted on its path: every spelling matches). */
export function developerApiRateLimit(limiters: RateLimiters, events: SecurityEvents): RequestHandler {
  return function oauthKitDeveloperApiRateLimit(req: Request, _res: Response, next: NextFunction) {
    limiters
      .consume('developerApi.perIp', ipLimitKey(clientIp(req)))
      .then(
        (wait) =>
          next(wait === undefined ? undefined : limited(events, req, 'developerApi.perIp', wait, false)),
        next,
      );
  };
}
