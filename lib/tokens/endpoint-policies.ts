/**
 * Who may revoke or introspect which token. oidc-provider's defaults, stated as the kit's own
 * policy (oidc-provider asks every deployment to decide these, and says so at run time until
 * it has):
 * - Revocation (RFC 7009 §2.1): a client revokes only tokens issued to it. A confidential
 *   client presenting another client's token gets `invalid_request`; a public client gets the
 *   usual 200 without effect (it proves nothing about itself, so it learns nothing).
 * - Introspection (RFC 7662 §2.1): confidential clients — resource servers among them — may
 *   introspect any token of this server; a public client only its own.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

interface PolicyClient {
  clientId: string;
  clientAuthMethod?: string | undefined;
}
interface PolicyToken {
  clientId?: string | undefined;
}

export function revocationAllowed(
  _ctx: KoaContextWithOIDC,
  client: PolicyClient,
  token: PolicyToken,
): boolean {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
}

export function introspectionAllowed(
  _ctx: KoaContextWithOIDC,
  client: PolicyClient,
  token: PolicyToken,
): boolean {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId;
}
