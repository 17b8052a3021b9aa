/**
 * Validates the host's options once, at start-up, and applies defaults. Every error names the
 * option and says what to do.
 */
import { createMemoryStore } from '../../adapters/memory.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import {
  DEFAULT_DEV_SECRETS_FILE,
  DEFAULT_SIGNING_ALGORITHM,
  SIGNING_ALGORITHMS,
  DEFAULT_TTL,
  type OAuthKitOptions,
  type ResolvedOptions,
  type ResourceServerSettings,
  type Secrets,
  type SigningAlgorithm,
  type StaticClient,
} from './options.js';
import { loadOrCreateDevSecrets, type DevSecretsLog } from './secrets.js';
import { OIDC_SCOPES } from '../oidc/claims.js';
import { createDefaultLogger, silentLogger, type SecurityLogger } from '../security/logger.js';
import { resolveRateLimits } from '../security/validate-rate-limits.js';
import { resolvePagesOptions } from './validate-pages.js';
import { resolveProduct } from './validate-product.js';
import { resolveAlerting } from './validate-alerting.js';
import { resolveResources } from './validate-resources.js';
import { resolveRegistration } from './validate-registration.js';

const KNOWN_OPTIONS = [
  'issuer',
  'serviceDocumentation',
  'defaultScopes',
  'audience',
  'resources',
  'scopes',
  'accounts',
  'clients',
  'store',
  'secrets',
  'devSecretsFile',
  'production',
  'trustProxy',
  'directEndpoints',
  'ttl',
  'signingAlgorithm',
  'views',
  'rateLimits',
  'onSecurityEvent',
  'onAlert',
  'alertRules',
  'logger',
  'dangerouslyAllowHttpLocalhost',
  'resourceServer',
  'pages',
  'registration',
  'clientMetadataDocuments',
  'product',
];
const LOCALHOST = new Set(['localhost', '127.0.0.1', '[::1]']);
/** RFC 6749 §3.3 scope-token characters, excluding space. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function didYouMean(key: string, known: string[]): string {
  const lower = key.toLowerCase();
  const match = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower));
  return match ? `Did you mean \`${match}\`?` : `Known options: ${known.join(', ')}.`;
}

function assertUrl(option: string, value: unknown): URL {
  if (typeof value !== 'string') throw new ConfigurationError(option, 'must be a URL string.');
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    return url;
  } catch {
    throw new ConfigurationError(option, `"${value}" is not an http(s) URL.`);
  }
}

function validateScopes(options: OAuthKitOptions): void {
  const { scopes } = options;
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new ConfigurationError(
      'scopes',
      'must be a non-empty array.',
      "Declare your API's scopes, e.g. [{ name: 'tasks:read', description: 'Read your tasks' }].",
    );
  }
  const seen = new Set<string>();
  scopes.forEach((scope, i) => {
    if (typeof scope?.name !== 'string' || !SCOPE_TOKEN.test(scope.name)) {
      throw new ConfigurationError(
        `scopes[${i}].name`,
        'must be a non-empty string without spaces, quotes or backslashes (RFC 6749 §3.3).',
      );
    }
    if ([...OIDC_SCOPES, 'offline_access'].includes(scope.name)) {
      throw new ConfigurationError(`scopes[${i}].name`, `"${scope.name}" is reserved by the kit.`);
    }
    if (seen.has(scope.name)) {
      throw new ConfigurationError(`scopes[${i}].name`, `"${scope.name}" is declared twice.`);
    }
    seen.add(scope.name);
    if (typeof scope.description !== 'string' || scope.description.trim() === '') {
      throw new ConfigurationError(
        `scopes[${i}].description`,
        'is required: it is what users read on the consent screen.',
      );
    }
  });
  scopes.forEach((scope, i) => {
    if (scope.implies === undefined) return;
    if (!Array.isArray(scope.implies)) {
      throw new ConfigurationError(`scopes[${i}].implies`, 'must be an array of catalog scope names.');
    }
    scope.implies.forEach((name, j) => {
      if (!seen.has(name) || name === scope.name) {
        throw new ConfigurationError(
          `scopes[${i}].implies[${j}]`,
          `"${String(name)}" is not another scope of the catalog.`,
        );
      }
    });
  });
  options.defaultScopes?.forEach((name, i) => {
    const def = scopes.find((s) => s.name === name);
    if (!def || def.restricted) {
      throw new ConfigurationError(
        `defaultScopes[${i}]`,
        `"${String(name)}" is not an unrestricted scope of the catalog.`,
        'Default scopes are granted without asking for them: restricted ones never are.',
      );
    }
  });
}

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
      const url = assertUrl(`${at}.redirectUris[${j}]`, uri);
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

const RESOURCE_SERVER_OPTIONS = [
  'dpop',
  'realm',
  'tokenLocations',
  'clockToleranceSeconds',
  'wildcardScopes',
  'whenFeedDown',
  'verifiedTokenCache',
];

/** Validates requireScope() settings (shared by mountOAuth and mountResourceServer). */
export function validateResourceServerSettings(
  settings: ResourceServerSettings,
  at: string,
): ResourceServerSettings {
  for (const key of Object.keys(settings)) {
    if (!RESOURCE_SERVER_OPTIONS.includes(key)) {
      throw new ConfigurationError(
        `${at}.${key}`,
        'is not a resource-server option.',
        didYouMean(key, RESOURCE_SERVER_OPTIONS),
      );
    }
  }
  if (
    settings.realm !== undefined &&
    (typeof settings.realm !== 'string' || /["\\\r\n]/.test(settings.realm))
  ) {
    throw new ConfigurationError(
      `${at}.realm`,
      'must be a string without quotes, backslashes or line breaks.',
    );
  }
  const locations = settings.tokenLocations ?? ['header'];
  if (
    !Array.isArray(locations) ||
    locations.length === 0 ||
    locations.some((l) => !['header', 'body', 'query'].includes(l))
  ) {
    throw new ConfigurationError(
      `${at}.tokenLocations`,
      "must list one or more of 'header', 'body', 'query'.",
    );
  }
  const skew = settings.clockToleranceSeconds ?? 5;
  if (!Number.isFinite(skew) || skew < 0 || skew > 300) {
    throw new ConfigurationError(`${at}.clockToleranceSeconds`, 'must be between 0 and 300 seconds.');
  }
  const whenFeedDown = settings.whenFeedDown ?? 'check-store';
  if (!['check-store', 'fail-closed'].includes(whenFeedDown)) {
    throw new ConfigurationError(`${at}.whenFeedDown`, "must be 'check-store' or 'fail-closed'.");
  }
  const cache = settings.verifiedTokenCache ?? {};
  if (cache !== false) {
    if (typeof cache !== 'object' || cache === null) {
      throw new ConfigurationError(`${at}.verifiedTokenCache`, 'must be an object or false.');
    }
    for (const key of Object.keys(cache)) {
      if (!['maxEntries', 'maxAgeSeconds'].includes(key)) {
        throw new ConfigurationError(
          `${at}.verifiedTokenCache.${key}`,
          'is not a cache option.',
          didYouMean(key, ['maxEntries', 'maxAgeSeconds']),
        );
      }
    }
    const { maxEntries = 10_000, maxAgeSeconds = 60 } = cache;
    if (!Number.isInteger(maxEntries) || maxEntries < 0 || maxEntries > 1_000_000) {
      throw new ConfigurationError(
        `${at}.verifiedTokenCache.maxEntries`,
        'must be an integer from 0 to 1 000 000.',
      );
    }
    if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0 || maxAgeSeconds > 3600) {
      throw new ConfigurationError(
        `${at}.verifiedTokenCache.maxAgeSeconds`,
        'must be between 0 and 3600 seconds.',
      );
    }
  }
  const dpop = settings.dpop ?? {};
  if (dpop !== false) {
    if (typeof dpop !== 'object' || dpop === null) {
      throw new ConfigurationError(`${at}.dpop`, 'must be an object or false.');
    }
    for (const key of Object.keys(dpop)) {
      if (key !== 'proofMaxAgeSeconds') {
        throw new ConfigurationError(
          `${at}.dpop.${key}`,
          'is not a DPoP option.',
          didYouMean(key, ['proofMaxAgeSeconds']),
        );
      }
    }
    const maxAge = dpop.proofMaxAgeSeconds ?? 300;
    if (!Number.isFinite(maxAge) || maxAge < 1 || maxAge > 3600) {
      throw new ConfigurationError(`${at}.dpop.proofMaxAgeSeconds`, 'must be between 1 and 3600 seconds.');
    }
  }
  return {
    ...(settings.realm !== undefined ? { realm: settings.realm } : {}),
    dpop: dpop === false ? false : { proofMaxAgeSeconds: dpop.proofMaxAgeSeconds ?? 300 },
    tokenLocations: locations,
    clockToleranceSeconds: skew,
    wildcardScopes: settings.wildcardScopes ?? true,
    whenFeedDown,
    verifiedTokenCache:
      cache === false
        ? false
        : { maxEntries: cache.maxEntries ?? 10_000, maxAgeSeconds: cache.maxAgeSeconds ?? 60 },
  };
}

/** `devLog` replaces the logger for the development-secrets messages (tests). */
export async function resolveOptions(
  options: OAuthKitOptions,
  devLog?: DevSecretsLog,
): Promise<ResolvedOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'must be an object.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new ConfigurationError(key, 'is not an oauth-kit option.', didYouMean(key, KNOWN_OPTIONS));
    }
  }

  const issuerUrl = assertUrl('issuer', options.issuer);
  if (issuerUrl.search || issuerUrl.hash) {
    throw new ConfigurationError('issuer', 'must not have a query or fragment.');
  }
  const issuer = options.issuer.replace(/\/$/, '');
  if (options.serviceDocumentation !== undefined)
    assertUrl('serviceDocumentation', options.serviceDocumentation);
  // Default from the environment: a host that forgets this flag in production still gets the
  // safe behaviour. This is the only environment read in lib/.
  const production = options.production ?? process.env.NODE_ENV === 'production';
  if (production && issuerUrl.protocol === 'http:') {
    const allowed = options.dangerouslyAllowHttpLocalhost === true && LOCALHOST.has(issuerUrl.hostname);
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

  validateScopes(options);
  const catalog = new Set(options.scopes.map((s) => s.name));

  const { accounts } = options;
  if (typeof accounts?.authenticate !== 'function' || typeof accounts?.find !== 'function') {
    throw new ConfigurationError(
      'accounts',
      'must provide `authenticate(email, password)` and `find(id)`.',
      'The kit asks your app who the user is; see README "Accounts".',
    );
  }

  const clients = options.clients ?? [];
  if (!Array.isArray(clients)) throw new ConfigurationError('clients', 'must be an array.');
  validateClients(clients, catalog);

  const signingAlgorithm = options.signingAlgorithm ?? DEFAULT_SIGNING_ALGORITHM;
  if (!SIGNING_ALGORITHMS.includes(signingAlgorithm)) {
    throw new ConfigurationError('signingAlgorithm', `must be one of ${SIGNING_ALGORITHMS.join(', ')}.`);
  }

  const ttl = { ...DEFAULT_TTL, ...options.ttl };
  for (const [key, value] of Object.entries(ttl)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigurationError(`ttl.${key}`, 'must be a positive whole number of seconds.');
    }
  }
  if (ttl.authorizationCode > 600) {
    throw new ConfigurationError('ttl.authorizationCode', 'must be 600 seconds or less (RFC 6749 §4.1.2).');
  }
  if (ttl.grant < ttl.refreshToken) {
    throw new ConfigurationError('ttl.grant', 'must be at least `ttl.refreshToken`.');
  }

  let logger: SecurityLogger = createDefaultLogger();
  if (options.logger === false) logger = silentLogger;
  else if (options.logger !== undefined) {
    if (
      !['info', 'warn', 'error'].every(
        (m) => typeof (options.logger as unknown as Record<string, unknown>)[m] === 'function',
      )
    ) {
      throw new ConfigurationError(
        'logger',
        'must be a pino logger (info, warn and error methods) or false.',
      );
    }
    logger = options.logger;
  }

  let secrets = options.secrets;
  if (!secrets) {
    if (production) {
      throw new ConfigurationError(
        'secrets',
        'is required in production (NODE_ENV=production).',
        'Generate keys with `npx express-oauth-kit keys generate` and pass them as `secrets`.',
      );
    }
    secrets = await loadOrCreateDevSecrets(
      options.devSecretsFile ?? DEFAULT_DEV_SECRETS_FILE,
      signingAlgorithm,
      devLog ?? { info: (m) => logger.info({}, m), warn: (m) => logger.warn({}, m) },
    );
  }
  validateSecrets(secrets, signingAlgorithm);

  const resources = resolveResources(
    options.audience,
    options.resources,
    issuer,
    new Set(options.scopes.map((s) => s.name)),
  );
  for (const flag of ['trustProxy', 'directEndpoints', 'clientMetadataDocuments'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw new ConfigurationError(flag, 'must be true or false.');
    }
  }
  if (options.onSecurityEvent !== undefined && typeof options.onSecurityEvent !== 'function') {
    throw new ConfigurationError('onSecurityEvent', 'must be a function (event) => void.');
  }

  return {
    issuer,
    serviceDocumentation: options.serviceDocumentation,
    defaultScopes: options.defaultScopes ?? [],
    audience: resources[0]!.url,
    resources,
    scopes: options.scopes,
    accounts,
    clients,
    store: options.store ?? createMemoryStore(),
    secrets,
    production,
    trustProxy: options.trustProxy ?? false,
    directEndpoints: options.directEndpoints ?? true,
    ttl,
    signingAlgorithm,
    views: options.views,
    rateLimits: resolveRateLimits(options.rateLimits),
    onSecurityEvent: options.onSecurityEvent,
    ...resolveAlerting(options.onAlert, options.alertRules),
    logger,
    resourceServer: validateResourceServerSettings(options.resourceServer ?? {}, 'resourceServer'),
    pages: resolvePagesOptions(options.pages, accounts),
    registration: resolveRegistration(options.registration),
    clientMetadataDocuments: options.clientMetadataDocuments ?? false,
    product: resolveProduct(options.product, issuer),
  };
}
