/**
 * Express glue for resource servers: `requireScope('tasks:read')` verifies the bearer token
 * and checks its scopes, sets `req.auth`, and passes RFC 6750 errors to `next(err)`.
 * It finds its verifier on the app: mountOAuth (in-process) or mountResourceServer
 * (standalone) put one there.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TokenLocation } from '../config/options.js';
import { BearerError, InsufficientScopeError } from '../errors/bearer-errors.js';
import { getBearerToken } from './get-token.js';
import type { AuthInfo, TokenVerifier } from './verify.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireScope() once the access token is verified. */
      auth?: AuthInfo;
    }
  }
}

/** What mountOAuth / mountResourceServer leave on `app.locals` for requireScope to find. */
export interface ResourceServerContext {
  verify: TokenVerifier;
  realm: string | undefined;
  tokenLocations: readonly TokenLocation[];
  wildcardScopes: boolean;
}

export const RESOURCE_SERVER = Symbol.for('oauth-kit.resource-server');

export function setResourceServer(locals: object, context: ResourceServerContext): void {
  (locals as Record<symbol, unknown>)[RESOURCE_SERVER] = context;
}

function contextOf(req: Request): ResourceServerContext {
  const context = (req.app.locals as Record<symbol, ResourceServerContext | undefined>)[RESOURCE_SERVER];
  if (!context) {
    throw new Error(
      'oauth-kit: requireScope() needs mountOAuth(app, …) or mountResourceServer(app, …) on this app first.',
    );
  }
  return context;
}

/** Scopes held grant what they name; with wildcards on, `prefix:*` grants every `prefix:…`. */
export function holdsScope(held: readonly string[], required: string, wildcards: boolean): boolean {
  if (held.includes(required)) return true;
  const colon = required.indexOf(':');
  return wildcards && colon !== -1 && held.includes(`${required.slice(0, colon)}:*`);
}

type Accept = (held: readonly string[], wildcards: boolean) => boolean;

/** RFC 6750 errors name the realm the host configured. */
function withRealm(error: unknown, context: ResourceServerContext): unknown {
  if (error instanceof BearerError) error.realm = context.realm;
  return error;
}

/** Sets `req.auth` and continues when the token holds the scopes; otherwise insufficient_scope. */
function admit(
  req: Request,
  next: NextFunction,
  context: ResourceServerContext,
  auth: AuthInfo,
  required: string[],
  accept: Accept,
): void {
  if (!accept(auth.scopes, context.wildcardScopes)) {
    next(withRealm(new InsufficientScopeError(required), context));
    return;
  }
  req.auth = auth;
  next();
}

// The synchronous path below creates no closures and no promise: it runs on every protected
// request (profiled: per-request closures and promises were most of what requireScope cost).
function middleware(required: string[], accept: Accept): RequestHandler {
  return function requireScopeMiddleware(req: Request, _res: Response, next: NextFunction) {
    const context = contextOf(req);
    let token: string;
    let known: AuthInfo | undefined;
    try {
      token = getBearerToken(req, context.tokenLocations);
      known = context.verify.fromMemory?.(token);
    } catch (error) {
      next(withRealm(error, context));
      return;
    }
    // A token verified before whose grant memory knows: the same checks, answered at once.
    if (known) {
      admit(req, next, context, known, required, accept);
      return;
    }
    context.verify(token).then(
      (auth) => admit(req, next, context, auth, required, accept),
      (error: unknown) => next(withRealm(error, context)),
    );
  };
}

/** Every named scope is required. With none, any valid access token passes. */
export function requireScope(...scopes: string[]): RequestHandler {
  return middleware(scopes, (held, w) => scopes.every((s) => holdsScope(held, s, w)));
}

/** At least one of the named scopes is required. */
requireScope.any = function requireAnyScope(...scopes: string[]): RequestHandler {
  if (scopes.length === 0) throw new Error('oauth-kit: requireScope.any() needs at least one scope.');
  return middleware(scopes, (held, w) => scopes.some((s) => holdsScope(held, s, w)));
};
