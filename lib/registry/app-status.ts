/**
 * Whether a developer-registered app's tokens are still honoured, read from the store alone, so
 * that resource servers apart from the authorization server (`mountResourceServer`) can answer
 * as well as `mountOAuth`'s own requireScope.
 *
 * A disabled app's record says so (`enabled: false`); a deleted app leaves a tombstone that
 * lives as long as its longest-lived access token could. Every change is announced on the
 * store's feed (registry.ts), so each process drops its remembered answer and asks again.
 *
 * Clients registered in code are not here: they are part of the deployment's configuration, which
 * oidc-provider serves from each process's memory, not from the store, so nothing in the store
 * could switch one off at the token endpoint of every process. An app that must be possible to
 * disable is registered through the registry.
 */
import type { RecordStore } from '../../adapters/contract.js';

/** The registry's collection of apps (registry.ts writes it). */
export const APPS = 'apps';
/** Tombstones of deleted apps: `{ deletedAt }`, expiring with the app's last access token. */
export const DELETED_APPS = 'deleted-apps';

/** True unless the app was disabled or deleted; rejects when the store is unreachable. */
export async function isAppActive(records: RecordStore, clientId: string): Promise<boolean> {
  const [app, tombstone] = await Promise.all([
    records.get<{ enabled?: unknown }>(APPS, clientId),
    records.get(DELETED_APPS, clientId),
  ]);
  return app?.enabled !== false && tombstone === undefined;
}
