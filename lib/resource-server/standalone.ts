/**
 * `mountResourceServer(app, options)`: requireScope() for an Express service that did not mount
 * the kit. Given the issuer URL it fetches discovery and the JWKS (cached; refetched on an
 * unknown `kid` after a cool-down, so key rotation needs no restart). Given the kit's store it
 * learns revocations through the store's feed (Redis pub/sub) and checks grants there, and
 * refuses the tokens of apps disabled or deleted in the registry (clients/app-status.ts).
 */
import type { Express } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { STANDALONE_OPTIONS } from '../config/defaults.js';
import type { ResourceDefinition } from '../config/options.js';
import { resolveTable, type InputOf } from '../config/schema.js';
import { defaultAudience, resourceUrl } from '../config/validate-resources.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { isGrantActive } from '../grants/grants.js';
import { appStanding } from '../clients/app-status.js';
import { createAccessTokenStatus, storeReplayCheck } from './revoked-access-tokens.js';
import { createDpopVerifier, DPOP_ALGORITHMS, memoryReplayCheck } from './dpop.js';
import { createGrantStatus } from './grant-status.js';
import { createIntrospector } from './introspect.js';
import { protectedResource, serveResourceMetadata, type ProtectedResource } from './metadata.js';
import { boundRequireScope, setResourceServer, type RequireScope } from './require-scope.js';
import { createTokenVerifier, type TokenVerifier } from './verify.js';

/** `mountResourceServer`'s options: config/defaults.ts STANDALONE_OPTIONS documents each one. */
export type ResourceServerOptions = InputOf<typeof STANDALONE_OPTIONS>;

export interface ResourceServer {
  verifyAccessToken: TokenVerifier;
  /**
   * requireScope bound to this resource server: works in any Express app or router (an API
   * sub-app included), and `forResource(url)` with a URL not among `resources` throws at once.
   */
  readonly requireScope: RequireScope;
  close(): void;
}

export async function mountResourceServer(
  app: Express,
  options: ResourceServerOptions,
): Promise<ResourceServer> {
  const settings = resolveTable(STANDALONE_OPTIONS, options, '', 'a mountResourceServer option');
  const { issuer, jwks, store, introspection, maxTokenLifetimeSeconds, whenFeedDown, dpop } = settings;
  if (!store && !jwks) {
    throw new ConfigurationError(
      'store',
      'is required: without it revoked grants could not be refused.',
      "Pass the kit's store (e.g. the same createRedisStore settings as the authorization server).",
    );
  }
  const allowHttp = issuer.protocol === 'http:';
  const issuerId = issuer.href.replace(/\/$/, '');
  const resources = standaloneResources(issuerId, settings.audience, settings.resources);

  let metadata: oauth.AuthorizationServer | undefined;
  if (!jwks || introspection) {
    metadata = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: allowHttp }),
    );
  }
  let keys: JWTVerifyGetKey;
  if (jwks) keys = createLocalJWKSet(jwks);
  else if (metadata?.jwks_uri) {
    keys = createRemoteJWKSet(trustedJwksUri(metadata.jwks_uri, issuer, settings.jwksOrigins), {
      cooldownDuration: settings.jwksCooldownSeconds * 1000,
      cacheMaxAge: 10 * 60_000,
    });
  } else throw new ConfigurationError('issuer', 'publishes no jwks_uri.', 'Pass `jwks` instead.');

  const introspect =
    introspection && metadata?.introspection_endpoint
      ? createIntrospector(metadata, { ...introspection, allowHttp: introspection.allowHttp ?? allowHttp })
      : undefined;

  const grants = store ? new store.Adapter('Grant') : undefined;
  const grantStatus =
    store && grants
      ? createGrantStatus({
          feed: store.revocations,
          isGrantActive: (grantId) => isGrantActive(grants, grantId),
          maxTokenLifetimeSeconds,
          whenFeedDown,
        })
      : undefined;

  // Disabled and deleted apps: the same store answer as at the authorization server.
  const clientStatus = store
    ? createGrantStatus({
        subject: 'client',
        feed: store.revocations,
        isGrantActive: (clientId) => appStanding(store.records, clientId),
        maxTokenLifetimeSeconds,
        whenFeedDown,
      })
    : undefined;
  // Revoked access tokens (RFC 7009 at the issuer) arrive through the same feed.
  const tokenStatus = store
    ? createAccessTokenStatus(store, {
        maxTokenLifetimeSeconds,
        whenFeedDown,
      })
    : undefined;
  const { clockToleranceSeconds, tokenLocations } = settings;

  const verifyAccessToken = createTokenVerifier({
    issuer: issuerId,
    audience: [...resources.keys()],
    keys,
    algorithms: settings.algorithms,
    clockToleranceSeconds,
    async isGrantActive(grantId) {
      // Without a store (static test keys only) a token naming a grant cannot be checked: refuse.
      return grantStatus ? grantStatus.isActive(grantId) : false;
    },
    ...(grantStatus ? { knownGrantStatus: grantStatus.peek } : {}),
    ...(clientStatus ? { isClientActive: clientStatus.isActive, knownClientStatus: clientStatus.peek } : {}),
    ...(tokenStatus ? { isTokenActive: tokenStatus.isActive, knownTokenStatus: tokenStatus.peek } : {}),
    ...(dpop === false
      ? {}
      : {
          dpop: createDpopVerifier({
            ...dpop,
            clockToleranceSeconds,
            // Proofs are single-use across every process sharing the store; without one, in this process.
            replay: store ? storeReplayCheck(store.records) : memoryReplayCheck(),
          }),
        }),
    ...(introspect ? { introspect } : {}),
    cache: settings.verifiedTokenCache,
  });

  const resourceServer = {
    verify: verifyAccessToken,
    realm: settings.realm,
    tokenLocations,
    wildcardScopes: settings.wildcardScopes,
    resources,
    dpopAlgorithms: dpop === false ? undefined : DPOP_ALGORITHMS,
  };
  setResourceServer(app.locals, resourceServer);
  // RFC 9728 metadata of each resource, at its well-known path on this app.
  app.use(serveResourceMetadata(resources.values(), issuerId, tokenLocations).handler);
  return {
    verifyAccessToken,
    requireScope: boundRequireScope(resourceServer),
    close: () => {
      grantStatus?.close();
      clientStatus?.close();
      tokenStatus?.close();
    },
  };
}

function standaloneResources(
  issuer: string,
  audience: string | undefined,
  resources: ResourceDefinition[] | undefined,
): Map<string, ProtectedResource> {
  if (resources !== undefined && audience !== undefined) {
    throw new ConfigurationError('audience', 'cannot be combined with `resources`.');
  }
  const list = resources ?? [{ url: audience ?? defaultAudience(issuer) }];
  return new Map(
    list.map((r, i) => {
      const url = resourceUrl(resources ? `resources[${i}].url` : 'audience', r?.url);
      return [url, protectedResource(url, r.scopes)];
    }),
  );
}

/** The discovered `jwks_uri`, if it is on the issuer's origin or an allowed https origin. */
function trustedJwksUri(jwksUri: string, issuer: URL, origins: readonly string[]): URL {
  const url = URL.parse(jwksUri);
  if (url && (url.origin === issuer.origin || (url.protocol === 'https:' && origins.includes(url.origin)))) {
    return url;
  }
  throw new ConfigurationError(
    'issuer',
    `publishes a jwks_uri outside its origin (${url?.origin ?? 'not a URL'}).`,
    'If that https origin serves its keys, list it in `jwksOrigins`.',
  );
}
