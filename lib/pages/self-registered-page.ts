/**
 * Settings → Admin → Self-registered clients (administrators only): the agents that registered
 * themselves (RFC 7591 dynamic registration) or came with a Client ID Metadata Document, with
 * where they send users and whether they are blocked. "Block" asks first (a confirmation page: no
 * scripts), then does what `kit.selfRegisteredClients.block()` does: the client's tokens stop
 * everywhere at once, its grants are revoked, and it can no longer authorize.
 */
import express, { type Router } from 'express';
import type { SelfRegisteredClient } from '../clients/self-registered.js';
import { RegistryError } from '../registry/errors.js';
import { requireAdmin } from './admin-page.js';
import { field, formBody, notice, renderPage, signedIn, type PageDeps } from './common.js';

/** Rows shown at once, newest first (registrations are capped per day, not in total). */
const MAX_SHOWN = 200;

const KINDS: Record<SelfRegisteredClient['kind'], string> = {
  registration: 'Dynamic registration',
  'metadata-document': 'Metadata document',
};

export function selfRegisteredClientsPage(deps: PageDeps): Router {
  const clients = deps.selfRegisteredClients;
  const path = deps.pages.paths.selfRegisteredClients;
  const router = express.Router();
  const guard = signedIn(deps);

  router.get(path, guard, requireAdmin, async (req, res) => {
    const all = (await clients.list()).sort((a, b) => b.firstSeenAt.localeCompare(a.firstSeenAt));
    await renderPage(deps, req, res, 'self-registered-clients', {
      clients: all.slice(0, MAX_SHOWN).map((client) => ({
        ...client,
        kindLabel: KINDS[client.kind],
        // A metadata-document client's id is its document's URL: its host says who published it.
        documentHost: client.kind === 'metadata-document' ? new URL(client.clientId).host : undefined,
      })),
      total: all.length,
      action: path,
      notice: notice(req),
    });
  });

  /** The self-registered client `clientId`, or `not_found` (never a developer's app). */
  async function selfRegistered(clientId: string): Promise<SelfRegisteredClient> {
    const client = clientId ? await clients.get(clientId) : undefined;
    if (!client) throw new RegistryError('not_found', 'No self-registered client has this id.');
    return client;
  }

  router.get(`${path}/block`, guard, requireAdmin, async (req, res) => {
    const client = await selfRegistered(typeof req.query.client_id === 'string' ? req.query.client_id : '');
    await renderPage(deps, req, res, 'confirm', {
      title: `Block ${client.name}`,
      heading: `Block ${client.name}?`,
      section: 'self-registered',
      consequences: [
        `Its access tokens stop working at once, at every resource server, and every authorization users gave it is revoked.`,
        'It can no longer ask users for access: authorizing it again is refused.',
        'Blocking cannot be undone.',
      ],
      action: path,
      fields: { action: 'block', client_id: client.clientId },
      confirmLabel: 'Block client',
      danger: true,
      cancelUrl: path,
    });
  });

  router.post(path, formBody, guard, requireAdmin, async (req, res) => {
    if (field(req, 'action') !== 'block') throw new RegistryError('invalid_request', 'Unknown action.');
    const client = await selfRegistered(field(req, 'client_id'));
    if (field(req, 'confirm') !== 'yes') {
      return res.redirect(
        303,
        `${path}/block?${new URLSearchParams({ client_id: client.clientId }).toString()}`,
      );
    }
    if (!client.blocked) await clients.block(client.clientId);
    res.redirect(303, `${path}?done=blocked`);
  });

  return router;
}
