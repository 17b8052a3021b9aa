/**
 * The host's scope catalog and the rules over it: which scopes exist, which a client may ask
 * for, and how they read on the consent screen. Where is "restricted scope" decided? Here.
 */
import { errors } from 'oidc-provider';
import type { ScopeDefinition } from '../config/options.js';

export interface ScopeCatalog {
  readonly names: ReadonlySet<string>;
  /** Scopes a client may be granted: its allowed list (default: every non-restricted scope)
   *  plus the restricted ones an administrator approved. */
  allowedFor(client: { scopes?: string[]; approvedRestrictedScopes?: string[] }): string[];
  /** Throws `invalid_scope` naming the first scope the catalog does not know. */
  assertKnown(requested: Iterable<string>): void;
  /** Consent-screen entries, grouped by resource (`tasks:read` → group `tasks`). */
  describe(names: Iterable<string>): ScopeGroup[];
}

export interface ScopeGroup {
  resource: string;
  scopes: Array<{ name: string; description: string; restricted: boolean }>;
}

export function createScopeCatalog(definitions: ScopeDefinition[]): ScopeCatalog {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const names = new Set(byName.keys());
  const unrestricted = definitions.filter((d) => !d.restricted).map((d) => d.name);

  return {
    names,
    allowedFor(client) {
      const base = (client.scopes ?? unrestricted).filter((n) => !byName.get(n)?.restricted);
      const approved = (client.approvedRestrictedScopes ?? []).filter((n) => byName.get(n)?.restricted);
      return [...new Set([...base, ...approved])];
    },
    assertKnown(requested) {
      for (const name of requested) {
        if (name === 'openid' || name === 'offline_access') continue;
        if (!names.has(name)) throw new errors.InvalidScope('requested scope is not supported', name);
      }
    },
    describe(requested) {
      const groups = new Map<string, ScopeGroup>();
      // oidc-provider reports a catalog scope both as an OIDC scope and as a resource scope.
      for (const name of new Set(requested)) {
        const def = byName.get(name);
        if (!def) continue;
        const resource = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
        let group = groups.get(resource);
        if (!group) groups.set(resource, (group = { resource, scopes: [] }));
        group.scopes.push({ name, description: def.description, restricted: Boolean(def.restricted) });
      }
      return [...groups.values()];
    },
  };
}
