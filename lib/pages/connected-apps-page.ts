/**
 * Settings → Connected apps: the apps the signed-in user authorized, with their scopes and when
 * they last obtained a token. "Revoke access" asks first (a confirmation page: no scripts),
 * then revokes every grant the user gave the app, and with them every code and token, at once.
 */
import express, { type Router } from 'express';
import { RegistryError } from '../registry/errors.js';
import { field, formBody, notice, renderPage, signedIn, userOf, type PageDeps } from './common.js';

export function connectedAppsPage(deps: PageDeps): Router {
  const { authorizations, registry, catalog } = deps;
  const path = deps.pages.paths.connectedApps;
  const router = express.Router();
  const guard = signedIn(deps);

  router.get(path, guard, async (req, res) => {
    const apps = await authorizations.listForAccount(userOf(res).id);
    // A disabled app is unknown to oidc-provider; its registry record still has its name.
    for (const app of apps.filter((a) => !a.available)) {
      const registered = await registry.get(app.clientId);
      if (registered) {
        app.name = registered.name;
        app.homepageUrl = registered.homepageUrl;
        app.testMode = registered.testMode;
      }
    }
    await renderPage(deps, req, res, 'connected-apps', {
      apps: apps.map((app) => ({ ...app, groups: catalog.describe(app.scopes) })),
      action: path,
      notice: notice(req),
    });
  });

  /** The user's connected app `clientId`, or `not_found`. */
  async function connected(accountId: string, clientId: string) {
    const app = (await authorizations.listForAccount(accountId)).find((a) => a.clientId === clientId);
    if (!app) throw new RegistryError('not_found', 'This app has no access to your account.');
    if (!app.available) {
      const registered = await registry.get(app.clientId);
      if (registered) app.name = registered.name;
    }
    return app;
  }

  router.get(`${path}/revoke`, guard, async (req, res) => {
    const clientId = typeof req.query.client_id === 'string' ? req.query.client_id : '';
    const app = await connected(userOf(res).id, clientId);
    await renderPage(deps, req, res, 'confirm', {
      title: `Revoke access for ${app.name}`,
      heading: `Revoke access for ${app.name}?`,
      section: 'connected',
      consequences: [
        `${app.name} can no longer use your account: its access stops at once.`,
        'To use it again, you will have to authorize it again.',
      ],
      action: path,
      fields: { action: 'revoke', client_id: app.clientId },
      confirmLabel: 'Revoke access',
      danger: true,
      cancelUrl: path,
    });
  });

  router.post(path, formBody, guard, async (req, res) => {
    if (field(req, 'action') !== 'revoke') throw new RegistryError('invalid_request', 'Unknown action.');
    if (field(req, 'confirm') !== 'yes') {
      return res.redirect(
        303,
        `${path}/revoke?${new URLSearchParams({ client_id: field(req, 'client_id') }).toString()}`,
      );
    }
    const revoked = await authorizations.revokeForAccount(userOf(res).id, field(req, 'client_id'));
    if (revoked === 0) throw new RegistryError('not_found', 'This app has no access to your account.');
    res.redirect(303, `${path}?done=revoked`);
  });

  return router;
}
