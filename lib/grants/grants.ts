/**
 * A grant is one user's authorization of one client; every code and token issued from it
 * carries its id. Revoking it kills all of them, including the JWT access tokens, which are not
 * stored: requireScope and token info ask `isGrantActive` for every token that names a grant.
 */
import type Provider from 'oidc-provider';
import { GRANT_BOUND_MODELS, type AdapterPayload, type RevocationFeed } from '../../adapters/contract.js';

/** Deletes every artifact of the grant and tells every process sharing the store. */
export async function revokeGrant(provider: Provider, feed: RevocationFeed, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_BOUND_MODELS.map((model) => provider[model].adapter.revokeByGrantId(grantId)),
    provider.Grant.adapter.destroy(grantId),
  ]);
  await feed.publish({ kind: 'grant', id: grantId });
}

/** Reads the store's Grant model: `provider.Grant.adapter`, or `new store.Adapter('Grant')` away from the provider. */
export async function isGrantActive(
  // oidc-provider's own adapter type allows `void` from find.
  grants: { find(id: string): Promise<AdapterPayload | undefined | void> },
  grantId: string,
): Promise<boolean> {
  const grant = await grants.find(grantId);
  return grant !== undefined && (typeof grant.exp !== 'number' || grant.exp * 1000 > Date.now());
}
