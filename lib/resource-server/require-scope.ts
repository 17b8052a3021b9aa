/**
 * Express glue for resource servers: `requireScope('tasks:read')` verifies the bearer token
 * and checks its scopes, sets `req.auth`, and passes RFC 6750 errors to `next(err)`.
 * It finds its verifier on the app: mountOAuth (in-process) or mountResourceServer
 * (standalone) put one there.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TokenLocation } from '../config/options.js';
import {
  BearerError,
  InsufficientScopeError,
  InvalidTokenError,
  type AuthScheme,
} from '../errors/bearer-errors.js';
import type { DpopPresentation } from './dpop.js';
import { getAccessToken } from './get-token.js';
import type { ProtectedResource } from './metadata.js';
import { clientIp } from '../security/request-identity.js';
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
  /** Verifies tokens for any of `resources`; requireScope then checks the one it protects. */
  verify: TokenVerifier;
  realm: string | undefined;
  tokenLocations: readonly TokenLocation[];
  wildcardScopes: boolean;
  /** The resources this app protects, by URL; plain `requireScope()` protects the first. */
  resources: ReadonlyMap<string, ProtectedResource>;
  /** The DPoP proof algorithms accepted; undefined when DPoP is not (RFC 9449). */
  dpopAlgorithms: readonly string[] | undefined;
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

function resourceOf(context: ResourceServerContext, url: string | undefined): ProtectedResource {
  const resource = url === undefined ? context.resources.values().next().value : context.resources.get(url);
  if (!resource) {
    throw new Error(
      `oauth-kit: requireScope.forResource("${url}"): this app protects ${[...context.resources.keys()].join(', ')}.`,
    );
  }
  return resource;
}

/**
 * RFC 6750 errors name the realm the host configured and offer DPoP where it is accepted; the
 * errors of a request made with the DPoP scheme are DPoP challenges (RFC 9449 §7.1).
 */
export function withChallenge(
  error: unknown,
  context: Pick<ResourceServerContext, 'realm' | 'dpopAlgorithms'>,
  scheme?: AuthScheme,
): unknown {
  if (error instanceof BearerError) {
    error.realm = context.realm;
    error.dpopAlgorithms = context.dpopAlgorithms;
    if (scheme === 'DPoP') error.scheme = 'DPoP';
  }
  return error;
}

/**
 * The same, naming (RFC 9728) the resource's metadata. A request without a token also learns
 * which scope to ask for (`scope`, no error code): what MCP clients request first.
 */
function challenge(
  error: unknown,
  context: ResourceServerContext,
  resource: ProtectedResource,
  scheme?: AuthScheme,
  askFor?: string,
): unknown {
  if (error instanceof BearerError) {
    error.resourceMetadata = resource.metadataUrl;
    if (error.code === undefined && askFor) error.scope = askFor;
  }
  return withChallenge(error, context, scheme);
}

/** RFC 8707: a token is accepted only at the resource it was issued for. */
function isFor(auth: AuthInfo, resource: string): boolean {
  const aud = auth.claims.aud;
  return aud === resource || (Array.isArray(aud) && aud.includes(resource));
}

/** What a DPoP proof is checked against: this request's method and URL as the client addressed it. */
export function dpopPresentation(req: Request): DpopPresentation {
  return {
    proof: req.headers.dpop,
    method: req.method,
    url: `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`,
  };
}

/** Sets `req.auth` and continues when the token is for this resource and holds the scopes. */
function admit(
  req: Request,
  next: NextFunction,
  context: ResourceServerContext,
  resource: ProtectedResource,
  auth: AuthInfo,
  required: string[],
  accept: Accept,
  scheme: AuthScheme,
): void {
  if (!isFor(auth, resource.url)) {
    next(
      challenge(
        new InvalidTokenError('The access token is for another resource.'),
        context,
        resource,
        scheme,
      ),
    );
    return;
  }
  if (!accept(auth.scopes, context.wildcardScopes)) {
    next(challenge(new InsufficientScopeError(required), context, resource, scheme));
    return;
  }
  req.auth = auth;
  next();
}

// The synchronous path below creates no closures and no promise: it runs on every protected
// request (profiled: per-request closures and promises were most of what requireScope cost).
function middleware(
  resourceUrl: string | undefined,
  required: string[],
  accept: Accept,
  askFor: string,
): RequestHandler {
  return function requireScopeMiddleware(req: Request, _res: Response, next: NextFunction) {
    const context = contextOf(req);
    const resource = resourceOf(context, resourceUrl);
    let token: string;
    let scheme: AuthScheme;
    let known: AuthInfo | undefined;
    try {
      ({ token, scheme } = getAccessToken(req, context.tokenLocations, context.dpopAlgorithms !== undefined));
      if (scheme === 'Bearer') known = context.verify.fromMemory?.(token);
    } catch (error) {
      next(challenge(error, context, resource, undefined, askFor));
      return;
    }
    // A token verified before whose grant memory knows: the same checks, answered at once.
    if (known) {
      admit(req, next, context, resource, known, required, accept, 'Bearer');
      return;
    }
    context.verify(token, scheme === 'DPoP' ? dpopPresentation(req) : undefined, clientIp(req)).then(
      (auth) => admit(req, next, context, resource, auth, required, accept, scheme),
      (error: unknown) => next(challenge(error, context, resource, scheme)),
    );
  };
}

/** requireScope() and requireScope.any() for one resource. */
export interface ScopeGuard {
  /** Every named scope is required. With none, any valid access token for the resource passes. */
  (...scopes: string[]): RequestHandler;
  /** At least one of the named scopes is required. */
  any(...scopes: string[]): RequestHandler;
}

function scopeGuard(resourceUrl: string | undefined): ScopeGuard {
  const guard = (...scopes: string[]) =>
    middleware(
      resourceUrl,
      scopes,
      (held, w) => scopes.every((s) => holdsScope(held, s, w)),
      scopes.join(' '),
    );
  // Without a token, a client is told to ask for the first of the alternatives.
  guard.any = (...scopes: string[]) => {
    if (scopes.length === 0) throw new Error('oauth-kit: requireScope.any() needs at least one scope.');
    return middleware(
      resourceUrl,
      scopes,
      (held, w) => scopes.some((s) => holdsScope(held, s, w)),
      scopes[0]!,
    );
  };
  return guard;
}

const defaultResourceGuard = scopeGuard(undefined);

/**
 * Protects a route of the app's default resource (the first of `resources`): the bearer token
 * must be valid, issued for that resource, and hold every named scope. With none, any valid
 * access token for the resource passes. A request without a token gets 401 with
 * `WWW-Authenticate: Bearer scope="<the named scopes>", resource_metadata="…"`.
 */
export function requireScope(...scopes: string[]): RequestHandler {
  return defaultResourceGuard(...scopes);
}

/** At least one of the named scopes is required (without a token, the first is the one to ask for). */
requireScope.any = defaultResourceGuard.any;

/**
 * The same checks for another resource of the app, e.g.
 * `requireScope.forResource('https://example.com/mcp')('tasks:read')`: tokens issued for any
 * other resource are refused with 401 invalid_token.
 */
requireScope.forResource = function forResource(url: string): ScopeGuard {
  return scopeGuard(url);
};
