/**
 * The one HTML error page: every browser-facing failure — oidc-provider's (it cannot redirect
 * back to the client), the login and consent routes', the people's pages' and the kit's own
 * refusals — is rendered here, with the same parts:
 *
 * - what happened and what the reader can do, in plain words (plain-language.ts);
 * - a way back: the app's homepage when the client is known, else the product's;
 * - a reference the reader can quote to support, the same one logged (through the injected
 *   logger) with the technical detail;
 * - the technical detail itself (error code, description, client id) only for the developer who
 *   owns the client, or an administrator of the product.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ViewRenderer } from '../rendering/views.js';
import type { SecurityLogger } from '../logging/logger.js';
import { explain } from './plain-language.js';

export interface ErrorPageFailure {
  status: number;
  /** The protocol's or the kit's error code (`invalid_client`, `not_found`, ...). */
  error: string;
  /** Technical description, for the developer and the log only. */
  description?: string;
  /** The client the request was for, when known (the way back, who may see the details). */
  clientId?: string;
}

export interface ErrorPageClient {
  name: string;
  homeUrl?: string;
  /** The developer who registered it (registered apps only). */
  ownerId?: string;
}

export interface ErrorPageDeps {
  views: ViewRenderer;
  logger: SecurityLogger;
  /** The product's name and links (the resolved `product` option): the way back, support. */
  product: { name: string; homeUrl: string; supportUrl: string | undefined };
  /** The client's name, homepage and owner, or undefined when unknown. */
  findClient(clientId: string): Promise<ErrorPageClient | undefined>;
  /** Who is looking: the host's signed-in user and whether they administer the product. */
  viewer(req: IncomingMessage): Promise<{ id: string; isAdmin: boolean } | undefined>;
}

export type HtmlErrorRenderer = (req: IncomingMessage, failure: ErrorPageFailure) => Promise<string>;

/** Crockford base32 without look-alikes: easy to read out over the phone. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_LOGGED = 300;
const MAX_CLIENT_ID = 200;

export function newReference(): string {
  let out = '';
  for (let i = 0; i < 8; i += 1) out += ALPHABET[randomInt(ALPHABET.length)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

export function createHtmlErrorRenderer(deps: ErrorPageDeps): HtmlErrorRenderer {
  const { views, logger, product } = deps;

  return async function renderErrorPage(req, failure) {
    const reference = newReference();
    const clientId =
      typeof failure.clientId === 'string' && failure.clientId.length <= MAX_CLIENT_ID
        ? failure.clientId
        : undefined;
    // Looking up who is involved must never turn an error page into a second failure.
    const [client, viewer] = await Promise.all([
      clientId ? deps.findClient(clientId).catch(() => undefined) : undefined,
      deps.viewer(req).catch(() => undefined),
    ]);
    const description = failure.description?.slice(0, MAX_LOGGED);
    const level = failure.status >= 500 ? 'error' : 'warn';
    logger[level](
      {
        event: 'error_page',
        reference,
        status: failure.status,
        error: failure.error,
        ...(description ? { description } : {}),
        ...(clientId ? { clientId } : {}),
        // No path: some carry an interaction or session id (e.g. /oauth/authorize/<uid>).
      },
      'error page shown',
    );
    const developer =
      viewer !== undefined &&
      (viewer.isAdmin || (client?.ownerId !== undefined && client.ownerId === viewer.id));
    return views.render('error', {
      ...explain(failure.error, failure.description, failure.status),
      status: failure.status,
      // The code, for host templates; the kit's shows it in the developer's details only.
      error: failure.error,
      reference,
      back: client?.homeUrl
        ? { href: client.homeUrl, label: `Back to ${client.name}` }
        : { href: product.homeUrl, label: `Back to ${product.name}` },
      supportUrl: product.supportUrl,
      details: developer ? { error: failure.error, description: failure.description, clientId } : undefined,
    });
  };
}
