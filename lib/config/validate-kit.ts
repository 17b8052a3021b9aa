/** Checks of single `mountOAuth` options (config/defaults.ts); rules between options are in validate.ts. */
import { ConfigurationError } from '../errors/configuration-error.js';
import { OIDC_SCOPES } from '../oidc/claims.js';
import type { SecurityLogger } from '../logging/logger.js';
import { httpUrl } from './checks.js';
import type { AccountHooks, ResourceDefinition, ScopeDefinition } from './options.js';

/** RFC 6749 §3.3 scope-token characters, excluding space. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The issuer without a trailing slash. */
export function parseIssuer(value: string, at: string): string {
  const url = httpUrl(value, at);
  if (url.search || url.hash) throw new ConfigurationError(at, 'must not have a query or fragment.');
  return value.replace(/\/$/, '');
}

export function parseScopes(scopes: ScopeDefinition[], at: string): ScopeDefinition[] {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new ConfigurationError(
      at,
      'must be a non-empty array.',
      "Declare your API's scopes, e.g. [{ name: 'tasks:read', description: 'Read your tasks' }].",
    );
  }
  const seen = new Set<string>();
  scopes.forEach((scope, i) => {
    if (typeof scope?.name !== 'string' || !SCOPE_TOKEN.test(scope.name)) {
      throw new ConfigurationError(
        `${at}[${i}].name`,
        'must be a non-empty string without spaces, quotes or backslashes (RFC 6749 §3.3).',
      );
    }
    if ([...OIDC_SCOPES, 'offline_access'].includes(scope.name)) {
      throw new ConfigurationError(`${at}[${i}].name`, `"${scope.name}" is reserved by the kit.`);
    }
    if (seen.has(scope.name)) {
      throw new ConfigurationError(`${at}[${i}].name`, `"${scope.name}" is declared twice.`);
    }
    seen.add(scope.name);
    if (typeof scope.description !== 'string' || scope.description.trim() === '') {
      throw new ConfigurationError(
        `${at}[${i}].description`,
        'is required: it is what users read on the consent screen.',
      );
    }
  });
  scopes.forEach((scope, i) => {
    if (scope.implies === undefined) return;
    if (!Array.isArray(scope.implies)) {
      throw new ConfigurationError(`${at}[${i}].implies`, 'must be an array of catalog scope names.');
    }
    scope.implies.forEach((name, j) => {
      if (!seen.has(name) || name === scope.name) {
        throw new ConfigurationError(
          `${at}[${i}].implies[${j}]`,
          `"${String(name)}" is not another scope of the catalog.`,
        );
      }
    });
  });
  return scopes;
}

export function parseAccounts(accounts: AccountHooks, at: string): AccountHooks {
  if (typeof accounts?.authenticate !== 'function' || typeof accounts?.find !== 'function') {
    throw new ConfigurationError(
      at,
      'must provide `authenticate(email, password)` and `find(id)`.',
      'The kit asks your app who the user is; see README "Accounts".',
    );
  }
  return accounts;
}

/** The host's logger or `false`; the default logger is created once the options are valid. */
export function parseLogger(logger: SecurityLogger | false, at: string): SecurityLogger | false | undefined {
  if (logger === false) return false;
  const methods = logger as unknown as Record<string, unknown> | null;
  if (!['info', 'warn', 'error'].every((m) => typeof methods?.[m] === 'function')) {
    throw new ConfigurationError(at, 'must be a pino logger (info, warn and error methods) or false.');
  }
  return logger;
}

/** The shape of `resources`; URLs and scopes are checked with the catalog (validate-resources.ts). */
export function parseResources(value: ResourceDefinition[], at: string): ResourceDefinition[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError(at, 'must be a non-empty array of { url, scopes }.');
  }
  return value;
}
