/**
 * Production with an https: issuer: the kit's routes refuse plain-HTTP requests (RFC 6749 §3.1
 * and §3.2 require TLS) instead of half-working (oidc-provider cannot set its Secure cookies
 * there). Behind a TLS-terminating proxy, Express `trust proxy` makes `req.secure` true.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { KitRequestError } from '../errors/request-error.js';

/** The refusal of a plain-HTTP request to a kit route (a page, or JSON for software). */
export function httpsRequiredError(page: boolean): KitRequestError {
  return new KitRequestError(400, 'invalid_request', 'HTTPS is required.', page);
}

/** Mounted inside the kit's router: only the kit's own paths reach it (see kitEntry in mount.ts). */
export function requireHttps(): RequestHandler {
  return function oauthKitRequireHttps(req: Request, _res: Response, next: NextFunction) {
    if (req.secure) return next();
    const page = req.accepts(['json', 'html']) === 'html';
    next(httpsRequiredError(page));
  };
}

/** Production over TLS: Secure cookies, and plain-HTTP requests to the kit refused. Not on the
 *  http://localhost a host explicitly allowed (`dangerouslyAllowHttpLocalhost`), where Secure
 *  cookies could not be set at all. */
export function requiresHttps(options: { production: boolean; issuer: string }): boolean {
  return options.production && options.issuer.startsWith('https:');
}
