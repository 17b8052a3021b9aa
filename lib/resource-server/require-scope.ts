/**
 * Express glue for resource servers: `requireScope('tasks:read')` verifies the bearer token
 * and checks its scopes, sets `req.auth`, and passes RFC 6750 errors to `next(err)`.
 *
 * Where it finds its verifier: `kit.requireScope` and `resourceServer.requireScope` are bound
 * when mountOAuth / mountResourceServer build them, so they work in any app or router. The
 * imported `requireScope` looks on the request's app and then its parents (`req.app`, then
 * `app.parent`, which Express sets when an app is mounted in another): Express does not chain
 * `app.locals` between an app and a sub-app.
 */
import { ConfigurationError } from '../errors/configuration-error.js';
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
import { clientIp } from '../requests/request-identity.js';
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

/** What mountOAuth / mountResourceServer bind requireScope to (and leave on `app.locals`). */
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

/** An Express app as requireScope walks it: its locals, and the app it is mounted in. */
interface MountedApp {
  locals: object;
  parent?: MountedApp;
}

/** The context on the request's app or the nearest app it is mounted in. */
function contextOf(req: Request): ResourceServerContext {
  for (let app = req.app as MountedApp | undefined; app; app = app.parent) {
    const context = (app.locals as Record<symbol, ResourceServerContext | undefined>)[RESOURCE_SERVER];
    if (context) return context;
  }
  throw new ConfigurationError(
    'requireScope',
    'found no resource server for this app or the apps it is mounted in.',
    'Call mountOAuth(app, …) or mountResourceServer(app, …) on this app or a parent first, ' +
      'or use the guard they return (`kit.requireScope`, `resourceServer.requireScope`), which works anywhere.',
  );
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
    throw new ConfigurationError(
      'requireScope.forResource',
      `"${url}" is not a resource of this server: it protects ${[...context.resources.keys()].join(', ')}.`,
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

/** The resource server and the resource a guard protects. */
interface Binding {
  context: ResourceServerContext;
  resource: ProtectedResource;
}

/** Finds the binding of a request; throws a ConfigurationError when there is none. */
type Bind = (req: Request) => Binding;

// The synchronous path below creates no closures and no promise: it runs on every protected
// request (profiled: per-request closures and promises were most of what requireScope cost).
function middleware(bind: Bind, required: string[], accept: Accept, askFor: string): RequestHandler {
  return function requireScopeMiddleware(req: Request, _res: Response, next: NextFunction) {
    let binding: Binding;
    try {
      binding = bind(req);
    } catch (error) {
      next(error);
      return;
    }
    const { context, resource } = binding;
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
  any: (...scopes: string[]) => RequestHandler;
}

/** A ScopeGuard for the server's default resource, and `forResource(url)` for the others. */
export interface RequireScope extends ScopeGuard {
  /**
   * The same checks for another resource of the server, e.g.
   * `requireScope.forResource('https://example.com/mcp')('tasks:read')`: tokens issued for any
   * other resource are refused with 401 invalid_token.
   */
  forResource(url: string): ScopeGuard;
}

function scopeGuard(bind: Bind): ScopeGuard {
  const guard = (...scopes: string[]) =>
    middleware(bind, scopes, (held, w) => scopes.every((s) => holdsScope(held, s, w)), scopes.join(' '));
  // Without a token, a client is told to ask for the first of the alternatives.
  guard.any = (...scopes: string[]) => {
    if (scopes.length === 0) throw new ConfigurationError('requireScope.any()', 'needs at least one scope.');
    return middleware(bind, scopes, (held, w) => scopes.some((s) => holdsScope(held, s, w)), scopes[0]!);
  };
  return guard;
}

/**
 * requireScope bound to one resource server (what mountOAuth and mountResourceServer return):
 * it needs no app to find its verifier, and `forResource` with a URL the server does not
 * protect throws a ConfigurationError where the route is declared.
 */
export function boundRequireScope(context: ResourceServerContext): RequireScope {
  const bindTo = (url: string | undefined): Bind => {
    const binding: Binding = { context, resource: resourceOf(context, url) };
    return () => binding;
  };
  const guard = scopeGuard(bindTo(undefined));
  return Object.assign(guard, { forResource: (url: string) => scopeGuard(bindTo(url)) });
}

/** The binding of the request's app (or a parent), for the standalone import. */
function bindFromApp(url: string | undefined): Bind {
  return (req) => {
    const context = contextOf(req);
    return { context, resource: resourceOf(context, url) };
  };
}

const defaultResourceGuard = scopeGuard(bindFromApp(undefined));

/**
 * Protects a route of the app's default resource (the first of `resources`): the bearer token
 * must be valid, issued for that resource, and hold every named scope. With none, any valid
 * access token for the resource passes. A request without a token gets 401 with
 * `WWW-Authenticate: Bearer scope="<the named scopes>", resource_metadata="…"`.
 *
 * It finds the resource server mounted on the request's app or the nearest app that app is
 * mounted in; with none, the request fails with a ConfigurationError (passed to `next`). The
 * guards mountOAuth and mountResourceServer return (`kit.requireScope`) are bound instead.
 */
export const requireScope: RequireScope = Object.assign(
  (...scopes: string[]): RequestHandler => defaultResourceGuard(...scopes),
  {
    /** At least one of the named scopes is required (without a token, the first is the one to ask for). */
    any: defaultResourceGuard.any,
    /**
     * The same checks for another resource of the app, e.g.
     * `requireScope.forResource('https://example.com/mcp')('tasks:read')`: tokens issued for any
     * other resource are refused with 401 invalid_token.
     */
    forResource: (url: string): ScopeGuard => scopeGuard(bindFromApp(url)),
  },
);
