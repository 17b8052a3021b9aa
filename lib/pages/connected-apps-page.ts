/**
 * Settings → Connected apps: the apps the signed-in user authorized, with their scopes and when
 * they last obtained a token. "Revoke access" revokes every grant the user gave the app, and
 * with them every code and token, at once.
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

  router.post(path, formBody, guard, async (req, res) => {
    if (field(req, 'action') !== 'revoke') throw new RegistryError('invalid_request', 'Unknown action.');
    const revoked = await authorizations.revokeForAccount(userOf(res).id, field(req, 'client_id'));
    if (revoked === 0) throw new RegistryError('not_found', 'This app has no access to your account.');
    res.redirect(303, `${path}?done=revoked`);
  });

  return router;
}
