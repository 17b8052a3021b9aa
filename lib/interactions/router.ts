/**
 * Login and consent: the pages oidc-provider sends the browser to during /oauth/authorize.
 * The host owns identity (accounts hooks); a user already signed in to the host skips login.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { join } from 'node:path';
import { accountLabel } from '../accounts/label.js';
import type { ResolvedOptions } from '../config/options.js';
import type { HtmlErrorRenderer } from '../errors/error-page.js';
import { answerError } from '../errors/kit-error-handler.js';
import { KitRequestError } from '../errors/request-error.js';
import { INTERACTION_PATH, ROUTES } from '../routes.js';
import { pageSecurityHeaders } from '../rendering/page-headers.js';
import { METADATA_DOCUMENT } from '../clients/metadata-document.js';
import { SELF_REGISTERED } from '../clients/registration.js';
import { BUILT_IN_SCOPES, type ScopeCatalog } from '../scopes/catalog.js';
import { clientIp } from '../requests/request-identity.js';
import type { SecurityEvents } from '../events/events.js';
import type { createLoginGuard } from '../rate-limits/login-guard.js';
import type { Csrf } from './csrf.js';
import { endProviderSession } from './end-session.js';
import { KIT_VIEWS, type ViewRenderer } from '../rendering/views.js';

export interface InteractionDeps {
  provider: Provider;
  options: ResolvedOptions;
  catalog: ScopeCatalog;
  views: ViewRenderer;
  csrf: Csrf;
  events: SecurityEvents;
  /** The login guard the host's own sign-in shares (same counters). */
  guardLogin: ReturnType<typeof createLoginGuard>;
  /**
   * Who built a client and what it does, for consent (developer-registered apps: the owner's
   * email or name and the app's description). Undefined: the product's own client.
   */
  describeClient?(clientId: string): Promise<{ owner?: string; description?: string } | undefined>;
  /** The one HTML error page (errors/error-page.ts). */
  renderErrorPage: HtmlErrorRenderer;
  /** Told about every approval, so the user's connected apps can list the grant. */
  onConsent?(grant: {
    grantId: string;
    accountId: string;
    clientId: string;
    scopes: string[];
  }): Promise<void>;
}

const MAX_FIELD = 1024;

/** Why oidc-provider asks for a login, when the host's signed-in user may answer without a form
 *  (`max_age` only if the host's sign-in is recent enough: hostLogin). */
const HOST_ANSWERS = new Set(['no_session', 'host_user_changed', 'max_age']);

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length <= MAX_FIELD ? value : '';
}

export function interactionRouter(deps: InteractionDeps): Router {
  const { provider, options, catalog, views, csrf, events, guardLogin } = deps;
  const router = express.Router();
  const body = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  router.use('/oauth/static', express.static(join(KIT_VIEWS, 'static'), { maxAge: '1h', index: false }));
  router.use(INTERACTION_PATH, pageSecurityHeaders(options.production), (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  async function clientInfo(clientId: unknown) {
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    return {
      clientName: client?.clientName ?? String(clientId),
      clientUri: client?.clientUri,
      policyUri: client?.policyUri,
      tosUri: client?.tosUri,
      testMode: Boolean(client?.['urn:oauth-kit:test_mode']),
      // Registered by itself (no developer vouches for it); a metadata document names its host.
      selfRegistered: client?.[SELF_REGISTERED] === true,
      documentHost: client?.[METADATA_DOCUMENT] === true ? URL.parse(String(clientId))?.host : undefined,
    };
  }

  async function describe(clientId: unknown) {
    const about = typeof clientId === 'string' ? await deps.describeClient?.(clientId) : undefined;
    // A client registered in code is the product's own; a self-registered one has no known owner.
    const own = options.clients.some((c) => c.clientId === clientId);
    return { owner: own ? options.product.name : about?.owner, description: about?.description };
  }

  async function finish(req: Request, res: Response, result: InteractionResults, merge: boolean) {
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
  }

  async function renderLogin(
    req: Request,
    res: Response,
    uid: string,
    status: number,
    error?: string,
    retryAfterSeconds?: number,
  ) {
    const details = await provider.interactionDetails(req, res);
    const html = await views.render('login', {
      ...(await clientInfo(details.params.client_id)),
      action: `${INTERACTION_PATH}/${uid}/login`,
      csrfToken: csrf.token(uid),
      email: field(req.body, 'email'),
      error,
    });
    if (retryAfterSeconds) res.set('Retry-After', String(retryAfterSeconds));
    res.status(status).type('html').send(html);
  }

  router.get(`${INTERACTION_PATH}/:uid`, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params, session } = details;

    if (prompt.name === 'login') {
      const login = await hostLogin(req, prompt.reasons, params.max_age);
      if (login) return finish(req, res, { login }, false);
      return renderLogin(req, res, uid, 200);
    }

    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const requested = [
      ...Object.values(missing.missingResourceScopes ?? {}).flat(),
      ...(missing.missingOIDCScope ?? []).filter((s) => catalog.names.has(s) || BUILT_IN_SCOPES.has(s)),
    ];
    const account = session?.accountId ? await options.accounts.find(session.accountId) : undefined;
    const html = await views.render('consent', {
      ...(await clientInfo(params.client_id)),
      groups: catalog.describe(
        requested.length ? requested : (typeof params.scope === 'string' ? params.scope : '').split(' '),
      ),
      ...(await describe(params.client_id)),
      userLabel: accountLabel(account?.claims),
      redirectOrigin: URL.parse(String(params.redirect_uri))?.origin,
      connectedAppsUrl: options.pages?.paths.connectedApps,
      action: `${INTERACTION_PATH}/${uid}/confirm`,
      switchAccountAction: `${INTERACTION_PATH}/${uid}/switch-account`,
      csrfToken: csrf.token(uid),
    });
    res.type('html').send(html);
  });

  // "Not you? Switch account": the authorization server forgets this browser's user and the
  // same authorization starts again with the login form (prompt=login), whoever the product
  // has signed in; signing in there as somebody else switches the product's user too (signIn).
  router.post(`${INTERACTION_PATH}/:uid/switch-account`, body, async (req, res) => {
    const { uid, params } = await provider.interactionDetails(req, res);
    if (!csrf.verify(uid, field(req.body, 'csrf_token'))) {
      throw formExpired();
    }
    await endProviderSession(provider, req, res);
    const again = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string' && name !== 'prompt') again.set(name, value);
    }
    again.set('prompt', 'login');
    res.redirect(303, `${ROUTES.authorization}?${again.toString()}`);
  });

  /**
   * The host's signed-in user answers the login step without a form, unless the client demands
   * a fresh login: `prompt=login`, a `max_age` the host's sign-in is older than (or whose age the
   * host does not say: `accounts.signedInAt`), or any other check oidc-provider raised.
   * `ts` becomes the ID token's `auth_time`: when the user really authenticated.
   */
  async function hostLogin(req: Request, reasons: string[], maxAge: unknown) {
    // Called on the object the host passed: its methods may use `this` (a class instance).
    const accounts = options.accounts;
    if (!accounts.currentUserId || reasons.some((reason) => !HOST_ANSWERS.has(reason))) return undefined;
    const accountId = await accounts.currentUserId(req);
    if (!accountId || !(await accounts.find(accountId))) return undefined;
    const ts = await accounts.signedInAt?.(req);
    if (maxAge !== undefined) {
      const age = Number(maxAge);
      if (ts === undefined || !(Math.floor(Date.now() / 1000) - ts < age)) return undefined;
    }
    return { accountId, ...(ts === undefined ? {} : { ts }) };
  }

  router.post(`${INTERACTION_PATH}/:uid/login`, body, async (req, res) => {
    const { uid, prompt, params } = await provider.interactionDetails(req, res);
    if (prompt.name !== 'login')
      throw new KitRequestError(400, 'invalid_request', 'This sign-in form has expired.', true);
    if (!csrf.verify(uid, field(req.body, 'csrf_token'))) {
      throw formExpired();
    }
    // The login guard (rate-limits/login-guard.ts): the per-account lockout, checked before the
    // password; this route's IP limit was counted by the rate-limit middleware.
    const email = field(req.body, 'email');
    const attempt = await guardLogin(
      req,
      email,
      () => options.accounts.authenticate(email, field(req.body, 'password')),
      { clientId: String(params.client_id), ipCounted: true },
    );
    if (!attempt.ok) {
      if (attempt.reason === 'invalid_credentials') {
        return renderLogin(req, res, uid, 401, 'Email or password is incorrect.');
      }
      const wait = attempt.retryAfterSeconds;
      return renderLogin(req, res, uid, 429, tooManyAttempts(wait), wait);
    }
    const { account } = attempt;
    const authenticatedAt = Math.floor(Date.now() / 1000);
    await options.accounts.signIn?.(req, account);
    await finish(req, res, { login: { accountId: account.id, ts: authenticatedAt } }, false);
  });

  router.post(`${INTERACTION_PATH}/:uid/confirm`, body, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params, session, grantId } = details;
    if (prompt.name !== 'consent' || !session) {
      throw new KitRequestError(400, 'invalid_request', 'This consent form has expired.', true);
    }
    if (!csrf.verify(uid, field(req.body, 'csrf_token'))) {
      throw formExpired();
    }
    const decision = field(req.body, 'decision');
    const clientId = String(params.client_id);
    if (decision === 'deny') {
      events.emit('consent.denied', { accountId: session.accountId, clientId }, clientIp(req));
      return finish(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied the authorization request.' },
        false,
      );
    }
    if (decision !== 'approve')
      throw new KitRequestError(400, 'invalid_request', 'Choose Approve or Deny.', true);

    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
    if (!grant) throw new KitRequestError(400, 'invalid_request', 'This authorization has expired.', true);
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const savedGrantId = await grant.save();
    const scopes = [
      ...new Set(options.resources.flatMap((r) => grant.getResourceScope(r.url).split(' ').filter(Boolean))),
    ];
    events.emit(
      'consent.granted',
      { accountId: session.accountId, clientId, grantId: savedGrantId, scope: scopes.join(' ') },
      clientIp(req),
    );
    await deps.onConsent?.({ grantId: savedGrantId, accountId: session.accountId, clientId, scopes });
    await finish(req, res, { consent: grantId ? {} : { grantId: savedGrantId } }, true);
  });

  // Expired or unknown interactions and refused forms end on the kit's error page, never a 500.
  router.use(INTERACTION_PATH, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { renderErrorPage } = deps;
    answerError(err, req, res, {
      renderErrorPage,
      logger: options.logger,
      route: 'interaction',
      page: true,
    }).catch(next);
  });

  return router;
}

function tooManyAttempts(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** A form whose CSRF token does not verify: 403, the "page has expired" page. */
function formExpired(): KitRequestError {
  return new KitRequestError(403, 'form_expired', 'The form could not be verified. Please try again.', true);
}
