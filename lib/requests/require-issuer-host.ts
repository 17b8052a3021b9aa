/**
 * Host header handling. oidc-provider builds absolute URLs (discovery metadata, the resume
 * redirect after login, the logout page) from the request's host: `Host`, or `X-Forwarded-Host`
 * behind a trusted proxy. Two rules keep a forged `Host: evil.example` from steering them:
 *
 * - URLs come from the issuer: the kit pins the host its provider sees to the issuer's
 *   (`pinIssuerHost`, through Koa's per-application request prototype, `provider.request`).
 * - A request to the kit's paths that names another host name is refused with 421 Misdirected
 *   Request (RFC 9110 §15.5.20). Requests by IP address or `localhost` — health checks,
 *   internal calls, a port forwarded in development — name no other site and are answered
 *   (with the issuer's URLs). The host product's own routes are not affected.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import { KitRequestError } from '../errors/request-error.js';

export interface IssuerHostCheck {
  /** Whether the request may be answered: it names the issuer's host name, an IP or localhost. */
  (req: IncomingMessage): boolean;
}

/** The host name of a `Host` value: no port, no brackets, lower case, no trailing dot. */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(1, lower.indexOf(']')) : lower.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export function issuerHostCheck(issuer: string, trustProxy: boolean): IssuerHostCheck {
  const { host: issuerHost, hostname } = new URL(issuer);
  const expected = hostnameOf(hostname);
  return function namesIssuerHost(req) {
    let host = req.headers.host;
    if (trustProxy) {
      const forwarded = req.headers['x-forwarded-host'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0];
      if (first?.trim()) host = first;
    }
    if (host === issuerHost) return true;
    if (host === undefined) return false;
    const name = hostnameOf(host);
    return name === expected || name === 'localhost' || isIP(name) !== 0;
  };
}

/** Makes every URL `provider` builds name the issuer's host, whatever the request said. */
export function pinIssuerHost(provider: Provider, issuer: string): void {
  const { host } = new URL(issuer);
  // Koa documents `app.request` as the prototype of this application's requests.
  Object.defineProperty(provider.request, 'host', { get: () => host, configurable: true });
}

/** The refusal of a request naming another host (a page, or JSON for software). */
export function misdirectedRequestError(page: boolean): KitRequestError {
  return new KitRequestError(421, 'invalid_request', 'This server does not answer for that host.', page);
}

/** Mounted inside the kit's router: only the kit's own paths reach it (see kitEntry in mount.ts). */
export function requireIssuerHost(namesIssuerHost: IssuerHostCheck): RequestHandler {
  return function oauthKitRequireIssuerHost(req: Request, _res: Response, next: NextFunction) {
    if (namesIssuerHost(req)) return next();
    next(misdirectedRequestError(req.accepts(['json', 'html']) === 'html'));
  };
}
