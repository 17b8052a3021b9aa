/**
 * Settings → Developers → OAuth Apps: list, register ("New OAuth App"), view and edit, rotate
 * the secret, disable/enable, request a restricted scope, delete. Every form post answers 303
 * (Post/Redirect/Get: a reload repeats nothing); new credentials reach the page after the
 * redirect through a one-time flash (flash.ts), so a reload shows them no more.
 */
import express, { type Request, type Response, type Router } from 'express';
import { RegistryError } from '../registry/errors.js';
import { MAX_SECRET_OVERLAP_SECONDS, type RegisteredApp } from '../registry/registry.js';
import { field, formBody, notice, renderPage, signedIn, userOf, type PageDeps } from './common.js';

/** Choices offered for a rotation overlap (seconds). */
export const OVERLAP_CHOICES = [
  { seconds: 0, label: 'Immediately' },
  { seconds: 60 * 60, label: 'After 1 hour' },
  { seconds: 24 * 60 * 60, label: 'After 24 hours' },
  { seconds: MAX_SECRET_OVERLAP_SECONDS, label: 'After 7 days' },
] as const;

type Action = 'update' | 'rotate_secret' | 'disable' | 'enable' | 'delete' | 'request_scope';
const ACTIONS = new Set<string>(['update', 'rotate_secret', 'disable', 'enable', 'delete', 'request_scope']);

/** Actions that ask first, on a confirmation page of their own (no scripts). */
type Destructive = 'rotate_secret' | 'disable' | 'delete';
const DESTRUCTIVE = new Set<string>(['rotate_secret', 'disable', 'delete']);

function overlapLabel(seconds: number): string {
  return OVERLAP_CHOICES.find((c) => c.seconds === seconds)?.label.toLowerCase() ?? `after ${seconds} s`;
}

/** What each confirmation page says: the consequences, in plain words. */
function confirmation(action: Destructive, app: RegisteredApp, overlap: number) {
  switch (action) {
    case 'delete':
      return {
        title: `Delete ${app.name}`,
        heading: `Delete ${app.name}?`,
        consequences: [
          'Every authorization users gave this app is revoked: its access and refresh tokens stop working at once.',
          'Its client ID and secret stop working for good.',
          'This cannot be undone.',
        ],
        confirmLabel: 'Delete this app',
        danger: true,
        typeToConfirm: app.name,
      };
    case 'disable':
      return {
        title: `Disable ${app.name}`,
        heading: `Disable ${app.name}?`,
        consequences: [
          'Its tokens stop working at once and no new ones are issued.',
          'Users who try to connect it see that it is not available.',
          'You can enable it again; users will not have to authorize it again.',
        ],
        confirmLabel: 'Disable app',
        danger: true,
      };
    case 'rotate_secret':
      return {
        title: 'Generate a new client secret',
        heading: 'Generate a new client secret?',
        consequences:
          overlap === 0
            ? [
                'The current secret stops working immediately: every server using it fails to get tokens until you deploy the new one.',
                'The new secret is shown once, on the next page.',
              ]
            : [
                `The current secret keeps working, then stops ${overlapLabel(overlap)}.`,
                'The new secret is shown once, on the next page.',
              ],
        confirmLabel: overlap === 0 ? 'Generate and stop the current secret now' : 'Generate a new secret',
        danger: overlap === 0,
      };
  }
}

export function developerPages(deps: PageDeps): Router {
  const { registry, catalog, restrictedScopes } = deps;
  const base = deps.pages.paths.developerApps;
  const router = express.Router();
  const guard = signedIn(deps);

  function appLocals(app: RegisteredApp) {
    const now = Math.floor(Date.now() / 1000);
    return {
      app,
      allowedScopes: catalog.describe(catalog.allowedFor({ ...(app.scopes ? { scopes: app.scopes } : {}) })),
      restrictedScopes,
      requestable: restrictedScopes.filter(
        (s) =>
          !app.approvedRestrictedScopes.includes(s.name) && !app.requestedRestrictedScopes.includes(s.name),
      ),
      previousSecretExpiresAt: app.secrets.find((s) => s.exp !== undefined && s.exp > now)?.exp,
      overlapChoices: OVERLAP_CHOICES,
      action: `${base}/${encodeURIComponent(app.clientId)}`,
      listUrl: base,
      credentials: undefined,
      form: undefined,
    };
  }

  function formValues(req: Request) {
    return {
      name: field(req, 'name'),
      homepage_url: field(req, 'homepage_url'),
      privacy_policy_url: field(req, 'privacy_policy_url'),
      terms_url: field(req, 'terms_url'),
      redirect_uris: field(req, 'redirect_uris'),
      description: field(req, 'description'),
      client_type: field(req, 'client_type') === 'public' ? 'public' : 'confidential',
      test_mode: field(req, 'test_mode') !== '',
    };
  }

  router.get(base, guard, async (req, res) => {
    const apps = await registry.listByOwner(userOf(res).id);
    await renderPage(deps, req, res, 'apps', { apps, newUrl: `${base}/new`, base, notice: notice(req) });
  });

  router.get(`${base}/new`, guard, async (req, res) => {
    await renderPage(deps, req, res, 'app-new', {
      action: `${base}/new`,
      listUrl: base,
      form: {
        name: '',
        homepage_url: '',
        privacy_policy_url: '',
        terms_url: '',
        redirect_uris: '',
        description: '',
        client_type: 'confidential',
        test_mode: false,
      },
    });
  });

  router.post(`${base}/new`, formBody, guard, async (req, res) => {
    const form = formValues(req);
    try {
      const { app, clientSecret } = await registry.create(userOf(res).id, {
        name: form.name,
        homepageUrl: form.homepage_url,
        privacyPolicyUrl: form.privacy_policy_url,
        termsUrl: form.terms_url,
        redirectUris: form.redirect_uris,
        description: form.description,
        type: form.client_type as 'confidential' | 'public',
        testMode: form.test_mode,
      });
      await deps.flash.put(res, app.owner, {
        clientId: app.clientId,
        ...(clientSecret ? { clientSecret } : {}),
      });
      res.redirect(303, `${base}/${encodeURIComponent(app.clientId)}`);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.status !== 400) throw error;
      await renderPage(deps, req, res, 'app-new', {
        status: 400,
        action: `${base}/new`,
        listUrl: base,
        form,
        error: error.description,
        errors: error.fields,
      });
    }
  });

  router.get(`${base}/:clientId`, guard, async (req, res) => {
    const owner = userOf(res).id;
    const app = await registry.getOwned(owner, String(req.params.clientId));
    const credentials = await deps.flash.take(req, res, owner, app.clientId);
    await renderPage(deps, req, res, 'app', { ...appLocals(app), credentials, notice: notice(req) });
  });

  const confirmUrl = (clientId: string, action: string, overlap: string) =>
    `${base}/${encodeURIComponent(clientId)}/confirm?${new URLSearchParams({
      action,
      ...(action === 'rotate_secret' ? { overlap: overlap || '0' } : {}),
    }).toString()}`;

  async function renderConfirmation(
    req: Request,
    res: Response,
    app: RegisteredApp,
    action: Destructive,
    overlap: number,
    errors: Record<string, string> = {},
  ) {
    const appUrl = `${base}/${encodeURIComponent(app.clientId)}`;
    await renderPage(deps, req, res, 'confirm', {
      ...confirmation(action, app, overlap),
      status: Object.keys(errors).length ? 400 : 200,
      section: 'apps',
      action: appUrl,
      fields: { action, ...(action === 'rotate_secret' ? { overlap: String(overlap) } : {}) },
      cancelUrl: appUrl,
      errors,
      ...(Object.keys(errors).length ? { error: Object.values(errors)[0] } : {}),
    });
  }

  const overlapOf = (value: string) => {
    const overlap = Number(value || '0');
    if (!OVERLAP_CHOICES.some((c) => c.seconds === overlap)) {
      throw new RegistryError('invalid_request', 'Choose when the current secret stops working.');
    }
    return overlap;
  };

  // The confirmation pages: reached from the app page's buttons (GET forms, no scripts).
  router.get(`${base}/:clientId/confirm`, guard, async (req, res) => {
    const app = await registry.getOwned(userOf(res).id, String(req.params.clientId));
    const action = typeof req.query.action === 'string' ? req.query.action : '';
    if (!DESTRUCTIVE.has(action)) throw new RegistryError('invalid_request', 'Unknown action.');
    const overlap = overlapOf(typeof req.query.overlap === 'string' ? req.query.overlap : '0');
    await renderConfirmation(req, res, app, action as Destructive, overlap);
  });

  router.post(`${base}/:clientId`, formBody, guard, async (req: Request, res: Response) => {
    const owner = userOf(res).id;
    const clientId = String(req.params.clientId);
    const action = field(req, 'action');
    if (!ACTIONS.has(action)) throw new RegistryError('invalid_request', 'Unknown action.');
    const done = (what: string) => res.redirect(303, `${base}/${encodeURIComponent(clientId)}?done=${what}`);
    // A destructive action without its confirmation goes to the confirmation page first.
    if (DESTRUCTIVE.has(action) && field(req, 'confirm') !== 'yes') {
      await registry.getOwned(owner, clientId);
      return res.redirect(303, confirmUrl(clientId, action, field(req, 'overlap')));
    }

    switch (action as Action) {
      case 'update': {
        const form = formValues(req);
        try {
          await registry.update(owner, clientId, {
            name: form.name,
            homepageUrl: form.homepage_url,
            privacyPolicyUrl: form.privacy_policy_url,
            termsUrl: form.terms_url,
            redirectUris: form.redirect_uris,
            description: form.description,
          });
        } catch (error) {
          if (!(error instanceof RegistryError) || error.status !== 400) throw error;
          const app = await registry.getOwned(owner, clientId);
          return renderPage(deps, req, res, 'app', {
            ...appLocals(app),
            status: 400,
            form,
            error: error.description,
            errors: error.fields,
          });
        }
        return done('updated');
      }
      case 'rotate_secret': {
        const overlap = overlapOf(field(req, 'overlap'));
        const { app, clientSecret } = await registry.rotateSecret(owner, clientId, overlap);
        await deps.flash.put(res, owner, { clientId: app.clientId, clientSecret, rotated: true });
        return res.redirect(303, `${base}/${encodeURIComponent(clientId)}`);
      }
      case 'disable':
      case 'enable':
        await registry.setEnabled(owner, clientId, action === 'enable');
        return done(action === 'enable' ? 'enabled' : 'disabled');
      case 'request_scope':
        await registry.requestScope(owner, clientId, field(req, 'scope'));
        return done('requested');
      case 'delete': {
        const app = await registry.getOwned(owner, clientId);
        if (field(req, 'confirm_name').trim() !== app.name) {
          return renderConfirmation(req, res, app, 'delete', 0, {
            confirm_name: `Type the app's name, ${app.name}, exactly as shown.`,
          });
        }
        await registry.delete(owner, clientId);
        return res.redirect(303, `${base}?done=deleted`);
      }
    }
  });

  return router;
}
