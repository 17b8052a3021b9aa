/** What every people's page shares: the signed-in user, CSRF checks, rendering and errors. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { ResolvedPagesOptions } from '../config/options.js';
import type { SelfRegisteredClients } from '../clients/self-registered.js';
import type { HtmlErrorRenderer } from '../errors/error-page.js';
import type { SecurityLogger } from '../logging/logger.js';
import { answerError } from '../errors/kit-error-handler.js';
import { KitRequestError } from '../errors/request-error.js';
import type { ViewName, ViewRenderer } from '../rendering/views.js';
import type { Authorizations } from '../registry/authorizations.js';
import type { AppRegistry } from '../registry/registry.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import type { SecretFlash } from './flash.js';
import type { Guard, PageUser } from './guard.js';

export interface PageDeps {
  pages: ResolvedPagesOptions;
  views: ViewRenderer;
  guard: Guard;
  registry: AppRegistry;
  authorizations: Authorizations;
  /** Dynamically registered and metadata-document clients (administrators list and block them). */
  selfRegisteredClients: Pick<SelfRegisteredClients, 'list' | 'get' | 'block'>;
  catalog: ScopeCatalog;
  /** The one HTML error page (errors/error-page.ts). */
  renderErrorPage: HtmlErrorRenderer;
  logger: SecurityLogger;
  /** New credentials, shown once on the page after the form that created them. */
  flash: SecretFlash;
  /** Restricted scopes of the catalog, with their descriptions. */
  restrictedScopes: ReadonlyArray<{ name: string; description: string }>;
}

/** Parses the kit's small forms; the limits keep a page from being fed megabytes. */
export const formBody: RequestHandler = express.urlencoded({
  extended: false,
  limit: '32kb',
  parameterLimit: 30,
});

const MAX_FIELD = 20_000;

/** A form field as a string ('' when absent, repeated or too long). */
export function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length <= MAX_FIELD ? value : '';
}

/** Messages shown after a redirect (`?done=...`): fixed texts, never reflected input. */
const NOTICES: Record<string, string> = {
  updated: 'Changes saved.',
  disabled: 'App disabled. Its tokens stopped working and no new ones are issued.',
  enabled: 'App enabled.',
  deleted: 'App deleted. Every authorization users gave it was revoked.',
  requested: 'Request sent. An administrator will review it.',
  revoked: 'Access revoked. The app can no longer use your account.',
  approved: 'Scope approved.',
  rejected: 'Request rejected.',
  blocked: 'Client blocked. Its tokens stopped working and it cannot authorize again.',
  withdrawn: 'Scope withdrawn. Tokens carrying it no longer work.',
};

export function notice(req: Request): string | undefined {
  const done = req.query.done;
  return typeof done === 'string' ? NOTICES[done] : undefined;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Dates on pages: "23 Nov 2026, 09:15 UTC". */
export function formatDate(iso: string | number | undefined): string {
  if (iso === undefined) return '';
  const date = typeof iso === 'number' ? new Date(iso * 1000) : new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : `${dateFormat.format(date)} UTC`;
}

export function userOf(res: Response): PageUser {
  return res.locals.oauthKitUser as PageUser;
}

/**
 * Page routes: a signed-in user (or a redirect to sign-in), `no-store`, and for form posts a
 * valid CSRF token (or 403).
 */
export function signedIn(deps: PageDeps): RequestHandler {
  return async function requireSignedInUser(req: Request, res: Response, next: NextFunction) {
    res.set('Cache-Control', 'no-store');
    const user = await deps.guard.user(req);
    if (!user) return deps.guard.redirectToSignIn(req, res);
    res.locals.oauthKitUser = user;
    if (req.method === 'POST' && !deps.guard.verifyCsrf(req, user, field(req, 'csrf_token'))) {
      const expired = new KitRequestError(403, 'form_expired', 'CSRF token missing or invalid.', true);
      const { renderErrorPage, logger } = deps;
      return answerError(expired, req, res, { renderErrorPage, logger, route: 'pages', page: true });
    }
    next();
  };
}

export async function renderPage(
  deps: PageDeps,
  req: Request,
  res: Response,
  view: ViewName,
  locals: Record<string, unknown> & { status?: number },
): Promise<void> {
  const user = userOf(res);
  const { status = 200, ...rest } = locals;
  const html = await deps.views.render(view, {
    errors: {},
    notice: undefined,
    ...rest,
    paths: deps.pages.paths,
    signOutUrl: deps.pages.signOutUrl,
    user,
    csrfToken: deps.guard.csrfToken(req, res, user),
    formatDate,
  });
  res.status(status).type('html').send(html);
}

/** Errors on page routes end on a page, never a stack trace. */
export function pageErrors(deps: PageDeps) {
  return function pageErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction) {
    if (res.headersSent) return next(err);
    const clientId = typeof req.params?.clientId === 'string' ? req.params.clientId : undefined;
    const { renderErrorPage, logger } = deps;
    answerError(err, req, res, { renderErrorPage, logger, route: 'pages', page: true, clientId }).catch(next);
  };
}
