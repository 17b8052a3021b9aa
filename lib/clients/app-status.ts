/**
 * Whether a developer-registered app's tokens are still honoured, read from the store alone, so
 * that resource servers apart from the authorization server (`mountResourceServer`) can answer
 * as well as `mountOAuth`'s own requireScope.
 *
 * A disabled app's record says so (`enabled: false`); a deleted app leaves a tombstone that
 * lives as long as its longest-lived access token could. Every change is announced on the
 * store's feed (registry.ts), so each process drops its remembered answer and asks again.
 *
 * An administrator can also withdraw a restricted scope it had approved: the record keeps when
 * (`scopesWithdrawnAt`, scope → epoch seconds), and a token that carries the scope and was
 * issued at or before that second is refused (`refusal`), while the app's other tokens work.
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

/** An app whose tokens are honoured, with the restricted scopes withdrawn from it and when. */
export interface ActiveApp {
  /** Scope → epoch seconds: tokens carrying it issued at or before then are refused. */
  scopesWithdrawnAt: Readonly<Record<string, number>>;
}

/** Every app not in the registry (registered in code or by RFC 7591) has nothing withdrawn. */
const NOTHING_WITHDRAWN: ActiveApp = Object.freeze({ scopesWithdrawnAt: Object.freeze({}) });

/**
 * The app's standing: false when it was disabled or deleted, else what was withdrawn from it.
 * Rejects when the store is unreachable.
 */
export async function appStanding(records: RecordStore, clientId: string): Promise<ActiveApp | false> {
  const [app, tombstone] = await Promise.all([
    records.get<{ enabled?: unknown; scopesWithdrawnAt?: Record<string, number> }>(APPS, clientId),
    records.get(DELETED_APPS, clientId),
  ]);
  if (app?.enabled === false || tombstone !== undefined) return false;
  const withdrawn = app?.scopesWithdrawnAt;
  return withdrawn && Object.keys(withdrawn).length > 0
    ? { scopesWithdrawnAt: { ...withdrawn } }
    : NOTHING_WITHDRAWN;
}

/** The first scope of a token (issued at `iat`, epoch s) that was withdrawn since, if any. */
export function withdrawnScope(app: ActiveApp, iat: number, scopes: readonly string[]): string | undefined {
  return scopes.find((scope) => {
    const at = app.scopesWithdrawnAt[scope];
    return at !== undefined && iat <= at;
  });
}
