/**
 * The endpoints software calls: token, revocation, introspection, userinfo, JWKS and the two
 * discovery documents. One pipeline on plain node:http for them — the HTTPS rule, the
 * client-endpoint rate limits, then oidc-provider — whose refusals are RFC 6749-shaped JSON.
 *
 * By default they run inside the host's Express stack (the kit's entry in it, mount.ts), so the
 * host's access logs, IP allow-lists and tracing see them like any other route. The fast path
 * (`kit.fastPath(app)`, below) is the host's explicit choice to answer them before Express:
 * profiled on the token endpoint, Express's per-request setup (re-prototyping req and res,
 * walking the router) cost about half as much again as issuing the signed token, and a typical
 * host's global middleware (helmet, express-session starting a session) as much once more. The
 * browser routes (authorize, interactions, pages) always stay in the host's stack, where its
 * session lives.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, Request } from 'express';
import type Provider from 'oidc-provider';
import { errorAnswer, writeJsonError } from './errors/json-error.js';
import { ROUTES } from './routes.js';
import { isJson, peekFormBody, readClientRequestBody, withFormBody } from './requests/client-request-body.js';
import { completePkceCodeExchange, mayOmitRedirectUri } from './requests/pkce-redirect-uri.js';
import { CLIENT_ENDPOINTS, type ClientEndpointLimits } from './rate-limits/rate-limit-middleware.js';
import { httpsRequiredError } from './requests/require-https.js';
import { misdirectedRequestError, type IssuerHostCheck } from './requests/require-issuer-host.js';
import type { SecurityLogger } from './logging/logger.js';

export const MACHINE_PATHS: ReadonlySet<string> = new Set<string>([
  ROUTES.token,
  ROUTES.revocation,
  ROUTES.introspection,
  ROUTES.pushed_authorization_request,
  ROUTES.userinfo,
  ROUTES.jwks,
  ROUTES.registration,
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
]);

/** Serves a machine endpoint. `req.ip` must hold the client IP (Express's getter or set). */
export type MachineEndpoint = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  secure: boolean,
) => void;

export function machineEndpoints(deps: {
  provider: Provider;
  limits: ClientEndpointLimits;
  /** Dynamic registration's limits (registration POSTs only). */
  registrationLimits: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  httpsRequired: boolean;
  logger: SecurityLogger;
  /** The kit's userinfo endpoint (userinfo.ts). */
  userinfo: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Whether the request names the issuer's host (requests/require-issuer-host.ts). */
  namesIssuerHost: IssuerHostCheck;
}): MachineEndpoint {
  const { limits, httpsRequired, logger } = deps;
  const { provider } = deps;
  const callback = provider.callback();
  const findCode = (code: string) => provider.AuthorizationCode.find(code, { ignoreExpiration: true });
  const refuse = (res: ServerResponse, path: string, error: unknown) => {
    const { status, body, headers } = errorAnswer(error, path, logger);
    writeJsonError(res, status, body, headers);
  };

  return function serveMachineEndpoint(req, res, path, secure) {
    if (httpsRequired && !secure) {
      refuse(res, path, httpsRequiredError(false));
      return;
    }
    if (!deps.namesIssuerHost(req)) {
      refuse(res, path, misdirectedRequestError(false));
      return;
    }
    if (path === ROUTES.registration && req.method === 'POST') {
      deps.registrationLimits(req, res).then(
        () => callback(req, res),
        (error: unknown) => refuse(res, path, error),
      );
      return;
    }
    if (path === ROUTES.userinfo) {
      deps.userinfo(req, res).catch((error: unknown) => refuse(res, path, error));
      return;
    }
    const endpoint = req.method === 'POST' ? CLIENT_ENDPOINTS.get(path) : undefined;
    if (!endpoint) {
      void callback(req, res);
      return;
    }
    limits(req, res, endpoint)
      .then(() => {
        // The kit reads the body itself where oidc-provider's own parser would not do: JSON,
        // a query beside the body, and a PKCE code exchange without `redirect_uri` (which it
        // completes). Any other token request's form it only looks at, and leaves in place.
        // See requests/client-request-body.ts.
        const ownBody =
          path === ROUTES.token
            ? !passesThrough(req)
            : (path === ROUTES.revocation || path === ROUTES.introspection) &&
              (isJson(req) || req.url?.includes('?'));
        if (!ownBody) return callback(req, res);
        return readClientRequestBody(req)
          .then((body) => (path === ROUTES.token ? completePkceCodeExchange(body, findCode) : body))
          .then((body) => callback(withFormBody(req, body.form), res));
      })
      .catch((error: unknown) => refuse(res, path, error));
  };
}

/** A token request oidc-provider can read as it came: a plain form needing no completion. */
function passesThrough(req: IncomingMessage): boolean {
  const params = peekFormBody(req);
  return params !== undefined && !mayOmitRedirectUri(params);
}

/** The path of a request URL, without its query. */
function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The fast path: a request listener for `http.createServer` that answers machine endpoints
 * before the host's Express app and hands every other request to the app. Nothing of the app is
 * changed. The client IP and HTTPS flag come from Express's own `req.ip` and `req.secure` getters
 * (its `trust proxy` setting included), read through a small view of the request built on
 * `app.request`, so limits and logs see the same client as on every other route.
 */
export function fastPathListener(app: Express, serve: MachineEndpoint): RequestListener {
  return function oauthKitFastPath(req, res) {
    const path = pathOf(req.url);
    if (!MACHINE_PATHS.has(path)) return void app(req, res);
    // Express's getters read only the headers and the socket (`connection` is node's alias).
    const view = Object.create(app.request) as Request;
    view.headers = req.headers;
    view.socket = req.socket;
    (req as IncomingMessage & { ip?: string }).ip = view.ip;
    serve(req, res, path, view.secure);
  };
}
