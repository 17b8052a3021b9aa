/**
 * Settings → Admin → Scope requests: restricted scopes developers asked for, waiting for an
 * administrator (the host's `pages.isAdmin` says who). Until approved, a request for the scope
 * is `invalid_scope`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { RegistryError } from '../registry/errors.js';
import { field, formBody, notice, renderPage, signedIn, userOf, type PageDeps } from './common.js';

export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  if (!userOf(res).isAdmin) throw new RegistryError('forbidden', 'Only administrators can see this page.');
  next();
}

export function scopeRequestsPage(deps: PageDeps): Router {
  const { registry, restrictedScopes } = deps;
  const path = deps.pages.paths.scopeRequests;
  const router = express.Router();
  const guard = signedIn(deps);
  const describe = (scope: string) => restrictedScopes.find((s) => s.name === scope)?.description ?? '';

  router.get(path, guard, requireAdmin, async (req, res) => {
    const requests = await registry.listScopeRequests();
    const owners = new Map<string, string>();
    for (const { app } of requests) {
      if (!owners.has(app.owner))
        owners.set(app.owner, (await deps.guard.label(app.owner)) ?? 'Unknown user');
    }
    await renderPage(deps, req, res, 'scope-requests', {
      requests: requests.map(({ app, scope }) => ({
        app,
        scope,
        description: describe(scope),
        owner: owners.get(app.owner),
      })),
      action: path,
      notice: notice(req),
    });
  });

  router.post(path, formBody, guard, requireAdmin, async (req, res) => {
    const decision = field(req, 'action');
    if (decision !== 'approve' && decision !== 'reject') {
      throw new RegistryError('invalid_request', 'Choose Approve or Reject.');
    }
    await registry.decideScopeRequest(field(req, 'client_id'), field(req, 'scope'), decision === 'approve');
    res.redirect(303, `${path}?done=${decision === 'approve' ? 'approved' : 'rejected'}`);
  });

  return router;
}
