/**
 * Resolves the host's options once, at start-up: each option checked and defaulted by its table
 * (config/defaults.ts), then the rules between options. Resolution is pure; only once everything
 * is valid are the store, the logger and the development secrets made. Every error names the
 * option and says what to do.
 */
import { createMemoryStore } from '../../adapters/memory.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { KIT_OPTIONS } from './defaults.js';
import type { OAuthKitOptions, ResolvedOptions, Secrets, SigningAlgorithm, StaticClient } from './options.js';
import { loadOrCreateDevSecrets, type DevSecretsLog } from './secrets.js';
import { createDefaultLogger, silentLogger } from '../logging/logger.js';
import { resolveTable } from './schema.js';
import { httpUrl } from './checks.js';
import { resolveResources } from './validate-resources.js';

/** Options that existed once: passing one says what replaced it. */
const REMOVED_OPTIONS: Readonly<Record<string, string>> = {
  directEndpoints:
    'was removed. The machine endpoints now go through your Express stack; to answer them before it, ' +
    'pass `kit.fastPath(app)` to `http.createServer` (docs/configuration.md, "The fast path").',
};

const LOCALHOST = new Set(['localhost', '127.0.0.1', '[::1]']);

function validateClients(clients: StaticClient[], catalog: Set<string>): void {
  const seen = new Set<string>();
  clients.forEach((client, i) => {
    const at = `clients[${i}]`;
    if (typeof client.clientId !== 'string' || client.clientId === '') {
      throw new ConfigurationError(`${at}.clientId`, 'must be a non-empty string.');
    }
    if (seen.has(client.clientId)) {
      throw new ConfigurationError(`${at}.clientId`, `"${client.clientId}" is registered twice.`);
    }
    seen.add(client.clientId);
    if (client.type === 'confidential' && !client.clientSecret) {
      throw new ConfigurationError(`${at}.clientSecret`, 'is required for a confidential client.');
    }
    if (client.type === 'public' && client.clientSecret) {
      throw new ConfigurationError(`${at}.clientSecret`, 'must be omitted for a public client.');
    }
    if (!client.clientSecret && client.grantTypes?.includes('client_credentials')) {
      throw new ConfigurationError(
        `${at}.grantTypes`,
        'client_credentials needs a confidential client (one with a clientSecret).',
      );
    }
    if (!Array.isArray(client.redirectUris)) {
      throw new ConfigurationError(`${at}.redirectUris`, 'must be an array of URLs.');
    }
    if (
      client.requirePushedAuthorizationRequests !== undefined &&
      typeof client.requirePushedAuthorizationRequests !== 'boolean'
    ) {
      throw new ConfigurationError(`${at}.requirePushedAuthorizationRequests`, 'must be a boolean.');
    }
    client.redirectUris.forEach((uri, j) => {
      const url = httpUrl(uri, `${at}.redirectUris[${j}]`);
      if (url.hash) {
        throw new ConfigurationError(`${at}.redirectUris[${j}]`, 'must not contain a fragment.');
      }
    });
    for (const [key, list] of [
      ['scopes', client.scopes],
      ['approvedRestrictedScopes', client.approvedRestrictedScopes],
      ['defaultScopes', client.defaultScopes],
    ] as const) {
      list?.forEach((name, j) => {
        if (!catalog.has(name)) {
          throw new ConfigurationError(
            `${at}.${key}[${j}]`,
            `"${name}" is not in the scope catalog.`,
            'Add it to `scopes` first.',
          );
        }
      });
    }
  });
}

function validateSecrets(secrets: Secrets, alg: SigningAlgorithm): void {
  if (!Array.isArray(secrets.signingKeys) || secrets.signingKeys.length === 0) {
    throw new ConfigurationError(
      'secrets.signingKeys',
      'must hold at least one private JWK.',
      'Generate one with `npx express-oauth-kit keys generate`.',
    );
  }
  if (!secrets.signingKeys.some((k) => k.alg === alg && typeof k.d === 'string')) {
    throw new ConfigurationError(
      'secrets.signingKeys',
      `has no private key for the signing algorithm ${alg}.`,
      'Add one, or set `signingAlgorithm` to the algorithm of your keys.',
    );
  }
  if (secrets.nextSigningKeys !== undefined) {
    if (!Array.isArray(secrets.nextSigningKeys)) {
      throw new ConfigurationError('secrets.nextSigningKeys', 'must be an array of private JWKs.');
    }
    secrets.nextSigningKeys.forEach((k, i) => {
      if (typeof k !== 'object' || k === null || typeof k.d !== 'string') {
        throw new ConfigurationError(`secrets.nextSigningKeys[${i}]`, 'must be a private JWK.');
      }
    });
  }
  if (
    !Array.isArray(secrets.cookieKeys) ||
    secrets.cookieKeys.length === 0 ||
    secrets.cookieKeys.some((k) => typeof k !== 'string' || k.length < 32)
  ) {
    throw new ConfigurationError(
      'secrets.cookieKeys',
      'must hold at least one random string of 32 characters or more.',
    );
  }
}

/** The options as resolved by their tables and checked together, before anything is made. */
function resolvePure(options: OAuthKitOptions) {
  // A removed option is named with what replaced it (the table's check would only say "unknown").
  for (const key of Object.keys(options ?? {})) {
    if (Object.hasOwn(REMOVED_OPTIONS, key)) throw new ConfigurationError(key, REMOVED_OPTIONS[key]!);
  }
  const given = resolveTable(KIT_OPTIONS, options, '', 'an oauth-kit option');
  const { issuer, production } = given;
  const issuerUrl = new URL(issuer);
  if (production && issuerUrl.protocol === 'http:') {
    const allowed = given.dangerouslyAllowHttpLocalhost && LOCALHOST.has(issuerUrl.hostname);
    if (!allowed) {
      throw new ConfigurationError(
        'issuer',
        'must be an https: URL in production: tokens and cookies would cross the network in the clear.',
        LOCALHOST.has(issuerUrl.hostname)
          ? 'To try a production build on this machine, set `dangerouslyAllowHttpLocalhost: true`.'
          : 'Terminate TLS in front of the app and set `trustProxy` (README "Behind a proxy").',
      );
    }
  }
  const catalog = new Set(given.scopes.map((s) => s.name));
  given.defaultScopes.forEach((name, i) => {
    const def = given.scopes.find((s) => s.name === name);
    if (!def || def.restricted) {
      throw new ConfigurationError(
        `defaultScopes[${i}]`,
        `"${String(name)}" is not an unrestricted scope of the catalog.`,
        'Default scopes are granted without asking for them: restricted ones never are.',
      );
    }
  });
  validateClients(given.clients, catalog);
  if (given.secrets) validateSecrets(given.secrets, given.signingAlgorithm);
  else if (production) {
    throw new ConfigurationError(
      'secrets',
      'is required in production (NODE_ENV=production).',
      'Generate keys with `npx express-oauth-kit keys generate` and pass them as `secrets`.',
    );
  }
  if (given.pages && typeof given.accounts.currentUserId !== 'function') {
    throw new ConfigurationError(
      'accounts.currentUserId',
      'is required with `pages`: they are shown to the user signed in to your product.',
      'Return the id from your session, e.g. (req) => req.session.userId.',
    );
  }
  const resources = resolveResources(given.audience, given.resources, issuer, catalog);
  return { given, resources };
}

/** `devLog` replaces the logger for the development-secrets messages (tests). */
export async function resolveOptions(
  options: OAuthKitOptions,
  devLog?: DevSecretsLog,
): Promise<ResolvedOptions> {
  const { given, resources } = resolvePure(options);
  // Everything is valid: now make what the options did not bring.
  const { store, secrets, logger, ...rest } = given;
  const log = logger === false ? silentLogger : (logger ?? createDefaultLogger());
  let resolvedSecrets = secrets;
  if (!resolvedSecrets) {
    resolvedSecrets = await loadOrCreateDevSecrets(
      given.devSecretsFile,
      given.signingAlgorithm,
      devLog ?? { info: (m) => log.info({}, m), warn: (m) => log.warn({}, m) },
    );
    validateSecrets(resolvedSecrets, given.signingAlgorithm);
  }
  return Object.freeze({
    ...rest,
    audience: resources[0]!.url,
    resources,
    store: store ?? createMemoryStore(),
    secrets: resolvedSecrets,
    logger: log,
  });
}
