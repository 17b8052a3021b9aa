/**
 * The host's scope catalog and the rules over it: which scopes exist, which a client may ask
 * for, which it gets when it asks for none, what a scope implies, and how they read on the
 * consent screen. Where is "restricted scope" decided? Here.
 */
import { errors } from 'oidc-provider';
import type { ScopeDefinition } from '../config/options.js';
import { nameSome } from '../errors/echo-limit.js';

/** Scopes the kit defines itself (OpenID Connect and refresh tokens), as users read them. */
export const BUILT_IN_SCOPES: ReadonlyMap<string, { group: string; description: string }> = new Map([
  ['openid', { group: 'account', description: 'Sign you in with your account' }],
  ['profile', { group: 'account', description: 'See your name and profile details' }],
  ['email', { group: 'account', description: 'See your email address' }],
  ['offline_access', { group: 'access', description: 'Keep access while you are not using the app' }],
]);

export interface ScopeCatalog {
  readonly names: ReadonlySet<string>;
  /** Scopes a client may be granted: its allowed list (default: every non-restricted scope)
   *  plus the restricted ones an administrator approved. */
  allowedFor(client: { scopes?: string[]; approvedRestrictedScopes?: string[] }): string[];
  /** What a client gets when its authorization request names no scope: its own
   *  `defaultScopes`, else the catalog's, limited to what it is allowed. May be empty. */
  defaultsFor(client: {
    scopes?: string[];
    approvedRestrictedScopes?: string[];
    defaultScopes?: string[];
  }): string[];
  /** Throws `invalid_scope` naming every requested scope the catalog does not know. */
  assertKnown(requested: Iterable<string>): void;
  /** `scope` with the scopes its entries imply added (space-separated, each once); returned
   *  unchanged when no entry implies anything. */
  expand(scope: string): string;
  /** Consent-screen entries, grouped by resource (`tasks:read` → group `tasks`). */
  describe(names: Iterable<string>): ScopeGroup[];
}

export interface ScopeGroup {
  resource: string;
  scopes: Array<{ name: string; description: string; restricted: boolean }>;
}

export function createScopeCatalog(
  definitions: ScopeDefinition[],
  settings: { defaultScopes?: string[] } = {},
): ScopeCatalog {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const names = new Set(byName.keys());
  const unrestricted = definitions.filter((d) => !d.restricted).map((d) => d.name);
  const implying = definitions.filter((d) => d.implies?.length);

  function allowedFor(client: { scopes?: string[]; approvedRestrictedScopes?: string[] }): string[] {
    const base = (client.scopes ?? unrestricted).filter((n) => !byName.get(n)?.restricted);
    const approved = (client.approvedRestrictedScopes ?? []).filter((n) => byName.get(n)?.restricted);
    return [...new Set([...base, ...approved])];
  }

  return {
    names,
    allowedFor,
    defaultsFor(client) {
      const allowed = new Set(allowedFor(client));
      return (client.defaultScopes ?? settings.defaultScopes ?? []).filter((n) => allowed.has(n));
    },
    assertKnown(requested) {
      const unknown = [...new Set(requested)].filter(
        (name) => name !== '' && !names.has(name) && !BUILT_IN_SCOPES.has(name),
      );
      if (unknown.length === 1) {
        throw new errors.InvalidScope(`requested scope is not supported: ${unknown[0]}`, unknown[0]!);
      }
      if (unknown.length > 1) {
        throw new errors.InvalidScope(
          `requested scopes are not supported: ${nameSome(unknown)}`,
          unknown.join(' '),
        );
      }
    },
    expand(scope) {
      if (!implying.length) return scope;
      const held = new Set(scope.split(' ').filter(Boolean));
      for (const entry of implying) {
        if (held.has(entry.name)) for (const implied of entry.implies!) held.add(implied);
      }
      return [...held].join(' ');
    },
    describe(requested) {
      const groups = new Map<string, ScopeGroup>();
      const add = (resource: string, name: string, description: string, restricted: boolean) => {
        let group = groups.get(resource);
        if (!group) groups.set(resource, (group = { resource, scopes: [] }));
        group.scopes.push({ name, description, restricted });
      };
      // oidc-provider reports a catalog scope both as an OIDC scope and as a resource scope.
      for (const name of new Set(requested)) {
        const builtIn = BUILT_IN_SCOPES.get(name);
        if (builtIn) {
          add(builtIn.group, name, builtIn.description, false);
          continue;
        }
        const def = byName.get(name);
        if (!def) continue;
        const resource = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
        const implied = def.implies?.length ? ` (includes ${def.implies.join(', ')})` : '';
        add(resource, name, `${def.description}${implied}`, Boolean(def.restricted));
      }
      return [...groups.values()];
    },
  };
}
