/**
 * Settings → Admin → Scope requests: restricted scopes developers asked for, waiting for an
 * administrator (the host's `pages.isAdmin` says who), and those approved. Until approved, a
 * request for the scope is `invalid_scope`. "Withdraw" asks first (a confirmation page: no
 * scripts), then takes an approved scope back: the app's tokens carrying it stop at once.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { RegistryError } from '../registry/errors.js';
import type { ScopeRequest } from '../registry/registry.js';
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
    const [requests, approved] = await Promise.all([
      registry.listScopeRequests(),
      registry.listApprovedScopes(),
    ]);
    const owners = new Map<string, string>();
    for (const { app } of [...requests, ...approved]) {
      if (!owners.has(app.owner))
        owners.set(app.owner, (await deps.guard.label(app.owner)) ?? 'Unknown user');
    }
    const shown = (list: ScopeRequest[]) =>
      list.map(({ app, scope }) => ({
        app,
        scope,
        description: describe(scope),
        owner: owners.get(app.owner),
      }));
    await renderPage(deps, req, res, 'scope-requests', {
      requests: shown(requests),
      approved: shown(approved),
      action: path,
      notice: notice(req),
    });
  });

  router.get(`${path}/withdraw`, guard, requireAdmin, async (req, res) => {
    const clientId = typeof req.query.client_id === 'string' ? req.query.client_id : '';
    const scope = typeof req.query.scope === 'string' ? req.query.scope : '';
    const app = await registry.get(clientId);
    if (!app?.approvedRestrictedScopes.includes(scope)) {
      throw new RegistryError('not_found', 'This app has no such approved scope.');
    }
    await renderPage(deps, req, res, 'confirm', {
      title: `Withdraw ${scope} from ${app.name}`,
      heading: `Withdraw ${scope} from ${app.name}?`,
      section: 'admin',
      consequences: [
        `${app.name} can no longer get ${scope}.`,
        `Its access tokens carrying ${scope} stop working at once, at every API.`,
        `Users' authorizations keep their other scopes: the app's next tokens come without ${scope}.`,
        'Approving it again later does not give it back to existing authorizations.',
      ],
      action: path,
      fields: { action: 'withdraw', client_id: app.clientId, scope },
      confirmLabel: 'Withdraw scope',
      danger: true,
      cancelUrl: path,
    });
  });

  router.post(path, formBody, guard, requireAdmin, async (req, res) => {
    const decision = field(req, 'action');
    if (decision === 'withdraw') {
      const target = { client_id: field(req, 'client_id'), scope: field(req, 'scope') };
      if (field(req, 'confirm') !== 'yes') {
        return res.redirect(303, `${path}/withdraw?${new URLSearchParams(target).toString()}`);
      }
      await registry.withdrawRestrictedScope(target.client_id, target.scope);
      return res.redirect(303, `${path}?done=withdrawn`);
    }
    if (decision !== 'approve' && decision !== 'reject') {
      throw new RegistryError('invalid_request', 'Choose Approve or Reject.');
    }
    await registry.decideScopeRequest(field(req, 'client_id'), field(req, 'scope'), decision === 'approve');
    res.redirect(303, `${path}?done=${decision === 'approve' ? 'approved' : 'rejected'}`);
  });

  return router;
}
