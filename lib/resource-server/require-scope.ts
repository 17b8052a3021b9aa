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
export function holdsScope(held: ReadonlySet<string>, required: string, wildcards: boolean): boolean {
  if (held.has(required)) return true;
  const colon = required.indexOf(':');
  return wildcards && colon !== -1 && held.has(`${required.slice(0, colon)}:*`);
}

type Accept = (held: ReadonlySet<string>, wildcards: boolean) => boolean;

function middleware(required: string[], accept: Accept): RequestHandler {
  return function requireScopeMiddleware(req: Request, _res: Response, next: NextFunction) {
    const context = contextOf(req);
    const fail = (error: unknown) => {
      if (error instanceof BearerError) error.realm = context.realm;
      next(error);
    };
    const admit = (auth: AuthInfo): boolean => {
      if (!accept(new Set(auth.scopes), context.wildcardScopes)) {
        fail(new InsufficientScopeError(required));
        return false;
      }
      req.auth = auth;
      return true;
    };
    let token: string;
    let known: AuthInfo | undefined;
    try {
      token = getBearerToken(req, context.tokenLocations);
      known = context.verify.fromMemory?.(token);
    } catch (error) {
      return fail(error);
    }
    // A token verified before whose grant memory knows is answered without a promise: the same
    // checks, fewer microtask turns (profiled: promises were most of what remained per request).
    if (known) {
      if (admit(known)) next();
      return;
    }
    context.verify(token).then((auth) => {
      if (admit(auth)) next();
    }, fail);
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
