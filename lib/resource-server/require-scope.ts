/**
 * Express glue for resource servers: `requireScope('tasks:read')` verifies the bearer token
 * and checks its scopes, sets `req.auth`, and passes RFC 6750 errors to `next(err)`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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

/** What mountOAuth leaves on `app.locals` for requireScope to find. */
export interface ResourceServerContext {
  verify: TokenVerifier;
  realm: string | undefined;
}

export const RESOURCE_SERVER = Symbol.for('oauth-kit.resource-server');

function contextOf(req: Request): ResourceServerContext {
  const context = (req.app.locals as Record<symbol, ResourceServerContext | undefined>)[RESOURCE_SERVER];
  if (!context) {
    throw new Error('oauth-kit: requireScope() needs mountOAuth(app, options) to run on this app first.');
  }
  return context;
}

/** Scopes held grant what they name; `prefix:*` grants every `prefix:…` scope. */
export function holdsScope(held: ReadonlySet<string>, required: string): boolean {
  if (held.has(required)) return true;
  const colon = required.indexOf(':');
  return colon !== -1 && held.has(`${required.slice(0, colon)}:*`);
}

function middleware(required: string[], accept: (held: ReadonlySet<string>) => boolean): RequestHandler {
  return async function requireScopeMiddleware(req: Request, _res: Response, next: NextFunction) {
    const context = contextOf(req);
    try {
      const token = getBearerToken(req.headers, req.query);
      const auth = await context.verify(token);
      if (!accept(new Set(auth.scopes))) throw new InsufficientScopeError(required);
      req.auth = auth;
      next();
    } catch (error) {
      if (error instanceof BearerError) error.realm = context.realm;
      next(error);
    }
  };
}

/** Every named scope is required. With none, any valid access token passes. */
export function requireScope(...scopes: string[]): RequestHandler {
  return middleware(scopes, (held) => scopes.every((s) => holdsScope(held, s)));
}

/** At least one of the named scopes is required. */
requireScope.any = function requireAnyScope(...scopes: string[]): RequestHandler {
  return middleware(scopes, (held) => scopes.some((s) => holdsScope(held, s)));
};
