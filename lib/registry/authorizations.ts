/**
 * Which apps a user authorized: one record per grant, filed by account and by client, written
 * when the user approves on the consent page. oidc-provider keeps grants but cannot list them
 * by user; these records can. Revoking goes through `revokeGrant`, which kills every code and
 * token of the grant, including JWT access tokens (requireScope checks the grant).
 */
import type Provider from 'oidc-provider';
import type { OAuthStore } from '../../adapters/contract.js';
import { isGrantActive, revokeGrant } from '../grants/grants.js';
import type { AuthorizationRecord, Authorizations, ConnectedApp } from './types.js';

export type { AuthorizationRecord, Authorizations, ConnectedApp };

const COLLECTION = 'authorizations';
const byAccount = (id: string) => `account:${id}`;
const byClient = (id: string) => `client:${id}`;

export function createAuthorizations(
  provider: Provider,
  store: OAuthStore,
  grantTtlSeconds: number,
): Authorizations {
  const { records } = store;
  const put = (record: AuthorizationRecord) =>
    records.set(COLLECTION, record.grantId, record, {
      ttlSeconds: grantTtlSeconds,
      indexes: [byAccount(record.accountId), byClient(record.clientId)],
    });

  async function live(ids: string[]): Promise<AuthorizationRecord[]> {
    const found = await Promise.all(
      ids.map(async (id) => {
        const record = await records.get<AuthorizationRecord>(COLLECTION, id);
        if (!record) return undefined;
        // oidc-provider revokes grants itself too (refresh-token reuse, the revocation endpoint):
        // a record whose grant is gone is dropped here rather than listed.
        if (!(await isGrantActive(provider.Grant.adapter, id))) {
          await records.delete(COLLECTION, id);
          return undefined;
        }
        return record;
      }),
    );
    return found.filter((r): r is AuthorizationRecord => r !== undefined);
  }

  async function revokeAll(list: AuthorizationRecord[]): Promise<number> {
    for (const record of list) {
      await revokeGrant(provider, store.revocations, record.grantId);
      await records.delete(COLLECTION, record.grantId);
    }
    return list.length;
  }

  async function forClient(clientId: string): Promise<AuthorizationRecord[]> {
    const ids = await records.findIds(COLLECTION, byClient(clientId));
    return (await Promise.all(ids.map((id) => records.get<AuthorizationRecord>(COLLECTION, id)))).filter(
      (r): r is AuthorizationRecord => r?.clientId === clientId,
    );
  }

  return {
    async recordConsent({ grantId, accountId, clientId, scopes }) {
      const previous = await records.get<AuthorizationRecord>(COLLECTION, grantId);
      await put({
        grantId,
        accountId,
        clientId,
        scopes,
        createdAt: previous?.createdAt ?? new Date().toISOString(),
        ...(previous?.lastUsedAt ? { lastUsedAt: previous.lastUsedAt } : {}),
      });
    },

    async touch(grantId) {
      const record = await records.get<AuthorizationRecord>(COLLECTION, grantId);
      if (record) await put({ ...record, lastUsedAt: new Date().toISOString() });
    },

    async listForAccount(accountId) {
      const grants = await live(await records.findIds(COLLECTION, byAccount(accountId)));
      const apps = new Map<string, ConnectedApp>();
      for (const grant of grants.filter((g) => g.accountId === accountId)) {
        let app = apps.get(grant.clientId);
        if (!app) {
          const client = await provider.Client.find(grant.clientId);
          app = {
            clientId: grant.clientId,
            name: client?.clientName ?? grant.clientId,
            homepageUrl: client?.clientUri,
            testMode: Boolean(client?.['urn:oauth-kit:test_mode']),
            available: client !== undefined,
            scopes: [],
            authorizedAt: grant.createdAt,
            lastUsedAt: undefined,
            grantIds: [],
          };
          apps.set(grant.clientId, app);
        }
        app.grantIds.push(grant.grantId);
        app.scopes = [...new Set([...app.scopes, ...grant.scopes])];
        if (grant.createdAt < app.authorizedAt) app.authorizedAt = grant.createdAt;
        if (grant.lastUsedAt && (!app.lastUsedAt || grant.lastUsedAt > app.lastUsedAt)) {
          app.lastUsedAt = grant.lastUsedAt;
        }
      }
      return [...apps.values()].sort((a, b) => a.name.localeCompare(b.name));
    },

    async revokeForAccount(accountId, clientId) {
      const grants = await live(await records.findIds(COLLECTION, byAccount(accountId)));
      return revokeAll(grants.filter((g) => g.accountId === accountId && g.clientId === clientId));
    },

    async revokeForClient(clientId) {
      return revokeAll(await forClient(clientId));
    },

    async withdrawScope(clientId, scope) {
      let changed = 0;
      for (const record of await forClient(clientId)) {
        const grant = await provider.Grant.find(record.grantId);
        let carried = false;
        // oidc-provider keeps a grant's scopes per resource (RFC 8707), space-separated.
        for (const [resource, scopes] of Object.entries(grant?.resources ?? {})) {
          const kept = String(scopes)
            .split(' ')
            .filter((s) => s !== scope);
          if (kept.length !== String(scopes).split(' ').length) {
            carried = true;
            grant!.resources![resource] = kept.join(' ');
          }
        }
        if (carried) await grant!.save();
        if (carried || record.scopes.includes(scope)) {
          changed += 1;
          await put({ ...record, scopes: record.scopes.filter((s) => s !== scope) });
        }
      }
      return changed;
    },
  };
}
