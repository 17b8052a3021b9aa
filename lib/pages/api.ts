/**
 * The JSON API mirroring the developer pages, for automation, as the same signed-in user.
 *
 *   GET    {api}/apps                      my apps
 *   POST   {api}/apps                      register → 201 with client_secret (shown once)
 *   GET    {api}/apps/:id                  one app
 *   PATCH  {api}/apps/:id                  name, homepage_url, description, privacy_policy_url,
 *                                          terms_url, redirect_uris, allowed_scopes
 *   DELETE {api}/apps/:id                  delete; every grant revoked → 204
 *   POST   {api}/apps/:id/rotate-secret    { overlap_seconds? } → new client_secret
 *   POST   {api}/apps/:id/disable | enable
 *   POST   {api}/apps/:id/scope-requests   { scope } (a restricted scope)
 *   GET    {api}/scope-requests            administrators: pending requests
 *   POST   {api}/scope-requests            administrators: { client_id, scope, decision: approve|reject }
 *
 * Errors are `{ error, error_description }` (RFC 7591 codes where one fits), written by the
 * kit's one JSON renderer (errors/json-error.ts). The session cookie authenticates, so writes
 * must be JSON (a cross-site form cannot send it without a CORS preflight, which the kit never
 * grants) and cross-site fetches are refused outright.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { answerError } from '../errors/kit-error-handler.js';
import { KitRequestError } from '../errors/request-error.js';
import { RegistryError } from '../registry/errors.js';
import type { AppInput, RegisteredApp } from '../registry/registry.js';
import type { PageDeps } from './common.js';
import type { PageUser } from './guard.js';

export function appJson(app: RegisteredApp, clientSecret?: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const previous = app.secrets.find((s) => s.exp !== undefined && s.exp > now);
  return {
    client_id: app.clientId,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    name: app.name,
    homepage_url: app.homepageUrl,
    description: app.description,
    privacy_policy_url: app.privacyPolicyUrl ?? null,
    terms_url: app.termsUrl ?? null,
    redirect_uris: app.redirectUris,
    client_type: app.type,
    test_mode: app.testMode,
    enabled: app.enabled,
    allowed_scopes: app.scopes ?? null,
    requested_restricted_scopes: app.requestedRestrictedScopes,
    approved_restricted_scopes: app.approvedRestrictedScopes,
    previous_secret_expires_at: previous?.exp ? new Date(previous.exp * 1000).toISOString() : null,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

type Body = Record<string, unknown>;

/** JSON arrays stay arrays: the one-URL-per-line text is the form's convention, not the API's. */
function list(value: unknown, code: 'invalid_redirect_uri' | 'invalid_scope', name: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new RegistryError(code, `${name} must be an array.`, { [name]: 'Must be an array.' });
}

function input(body: Body): Partial<AppInput> {
  const pick = <T>(key: string, value: () => T) => (body[key] === undefined ? {} : value());
  return {
    ...pick('name', () => ({ name: body.name as string })),
    ...pick('homepage_url', () => ({ homepageUrl: body.homepage_url as string })),
    ...pick('description', () => ({ description: body.description as string })),
    ...pick('privacy_policy_url', () => ({ privacyPolicyUrl: body.privacy_policy_url as string })),
    ...pick('terms_url', () => ({ termsUrl: body.terms_url as string })),
    ...pick('redirect_uris', () => ({
      redirectUris: list(body.redirect_uris, 'invalid_redirect_uri', 'redirect_uris'),
    })),
    ...pick('allowed_scopes', () => ({
      scopes: list(body.allowed_scopes, 'invalid_scope', 'allowed_scopes'),
    })),
    ...pick('client_type', () => ({ type: body.client_type as AppInput['type'] })),
    ...pick('test_mode', () => ({ testMode: body.test_mode === true })),
  };
}

export function developerApi(deps: PageDeps): Router {
  const { registry, guard } = deps;
  const base = deps.pages.paths.api;
  const router = express.Router();
  const json = express.json({ limit: '32kb' });
  const user = (res: Response) => res.locals.oauthKitApiUser as PageUser;

  router.use(base, json, async (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    if (req.headers['sec-fetch-site'] === 'cross-site' || req.headers['sec-fetch-site'] === 'same-site') {
      throw new RegistryError('forbidden', 'Cross-site requests are refused.');
    }
    if (['POST', 'PATCH', 'PUT'].includes(req.method) && !req.is('application/json')) {
      throw new RegistryError('invalid_request', 'Send a JSON body (Content-Type: application/json).');
    }
    const signedIn = await guard.user(req);
    if (!signedIn) throw new KitRequestError(401, 'login_required', 'Sign in to the product first.', false);
    res.locals.oauthKitApiUser = signedIn;
    next();
  });

  const body = (req: Request): Body =>
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Body) : {};
  const id = (req: Request) => String(req.params.clientId);

  router.get(`${base}/apps`, async (_req, res) => {
    res.json({ data: (await registry.listByOwner(user(res).id)).map((a) => appJson(a)) });
  });

  router.post(`${base}/apps`, async (req, res) => {
    const fields = input(body(req));
    const { app, clientSecret } = await registry.create(user(res).id, {
      name: fields.name ?? '',
      homepageUrl: fields.homepageUrl ?? '',
      redirectUris: fields.redirectUris ?? [],
      ...fields,
    });
    res
      .status(201)
      .location(`${base}/apps/${encodeURIComponent(app.clientId)}`)
      .json(appJson(app, clientSecret));
  });

  router.get(`${base}/apps/:clientId`, async (req, res) => {
    res.json(appJson(await registry.getOwned(user(res).id, id(req))));
  });

  router.patch(`${base}/apps/:clientId`, async (req, res) => {
    res.json(appJson(await registry.update(user(res).id, id(req), input(body(req)))));
  });

  router.delete(`${base}/apps/:clientId`, async (req, res) => {
    await registry.delete(user(res).id, id(req));
    res.status(204).end();
  });

  router.post(`${base}/apps/:clientId/rotate-secret`, async (req, res) => {
    const overlap = body(req).overlap_seconds ?? 0;
    if (typeof overlap !== 'number')
      throw new RegistryError('invalid_request', 'overlap_seconds must be a number.');
    const { app, clientSecret } = await registry.rotateSecret(user(res).id, id(req), overlap);
    res.json(appJson(app, clientSecret));
  });

  for (const state of ['disable', 'enable'] as const) {
    router.post(`${base}/apps/:clientId/${state}`, async (req, res) => {
      res.json(appJson(await registry.setEnabled(user(res).id, id(req), state === 'enable')));
    });
  }

  router.post(`${base}/apps/:clientId/scope-requests`, async (req, res) => {
    res.json(appJson(await registry.requestScope(user(res).id, id(req), body(req).scope as string)));
  });

  router.get(`${base}/scope-requests`, async (_req, res) => {
    if (!user(res).isAdmin) throw new RegistryError('forbidden', 'Administrators only.');
    const requests = await registry.listScopeRequests();
    res.json({
      data: requests.map(({ app, scope }) => ({
        client_id: app.clientId,
        app_name: app.name,
        owner: app.owner,
        scope,
      })),
    });
  });

  router.post(`${base}/scope-requests`, async (req, res) => {
    if (!user(res).isAdmin) throw new RegistryError('forbidden', 'Administrators only.');
    const { client_id: clientId, scope, decision } = body(req);
    if (
      typeof clientId !== 'string' ||
      typeof scope !== 'string' ||
      (decision !== 'approve' && decision !== 'reject')
    ) {
      throw new RegistryError('invalid_request', 'Send client_id, scope and decision (approve or reject).');
    }
    res.json(appJson(await registry.decideScopeRequest(clientId, scope, decision === 'approve')));
  });

  // Unknown paths under the API answer JSON too.
  router.use(base, (_req, _res, next) => next(new RegistryError('not_found', 'No such endpoint.')));

  router.use(base, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { renderErrorPage, logger } = deps;
    answerError(err, req, res, { renderErrorPage, logger, route: 'developer_api', page: false }).catch(next);
  });

  return router;
}
