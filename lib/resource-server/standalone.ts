/**
 * `mountResourceServer(app, options)`: requireScope() for an Express service that did not mount
 * the kit. Given the issuer URL it fetches discovery and the JWKS (cached; refetched on an
 * unknown `kid` after a cool-down, so key rotation needs no restart). Given the kit's store it
 * learns revocations through the store's feed (Redis pub/sub) and checks grants there, and
 * refuses the tokens of apps disabled or deleted in the registry (registry/app-status.ts).
 */
import type { Express } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import * as oauth from 'oauth4webapi';
import type { OAuthStore } from '../../adapters/contract.js';
import type { ResourceDefinition, ResourceServerSettings } from '../config/options.js';
import { validateResourceServerSettings } from '../config/validate.js';
import { resourceUrl } from '../config/validate-resources.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { isGrantActive } from '../grants/grants.js';
import { appStanding } from '../registry/app-status.js';
import { createAccessTokenStatus, storeReplayCheck } from '../tokens/revoked-access-tokens.js';
import { createDpopVerifier, DPOP_ALGORITHMS, memoryReplayCheck } from './dpop.js';
import { createGrantStatus } from './grant-status.js';
import { createIntrospector, type IntrospectionSettings } from './introspect.js';
import { protectedResource, serveResourceMetadata, type ProtectedResource } from './metadata.js';
import { boundRequireScope, setResourceServer, type RequireScope } from './require-scope.js';
import { createTokenVerifier, type TokenVerifier } from './verify.js';

export interface ResourceServerOptions extends ResourceServerSettings {
  /** The authorization server's issuer URL. Required. */
  issuer: string;
  /** Expected `aud` of the one resource this service is. Default: `${issuer}/api` (the kit's default). */
  audience?: string;
  /**
   * The resources this service protects, as declared at the authorization server (`url` = `aud`,
   * `scopes` published in its RFC 9728 metadata). The first is what `requireScope()` protects;
   * `requireScope.forResource(url)` the others. Default: `[{ url: audience }]`.
   */
  resources?: ResourceDefinition[];
  /** Static public keys instead of discovery (tests: the `testing` entry's JWKS). */
  jwks?: JSONWebKeySet;
  /** Accepted algorithms. Default: ES256, EdDSA, RS256, PS256. */
  algorithms?: string[];
  /** The kit's store: revocations arrive through its feed; grants are checked there. */
  store?: OAuthStore;
  /** Introspect tokens that are not the issuer's JWTs (opaque or foreign) at the issuer. */
  introspection?: IntrospectionSettings;
  /**
   * Origins besides the issuer's own that its discovery may name as `jwks_uri` (e.g. a CDN),
   * each `https:`. Default: none — a `jwks_uri` elsewhere stops start-up, since whoever serves
   * the keys decides which tokens this service accepts.
   */
  jwksOrigins?: string[];
  /** Least time between two JWKS fetches triggered by unknown `kid`s (s). Default 30. */
  jwksCooldownSeconds?: number;
  /** Longest access-token lifetime at the issuer (s): how long revocations are remembered. Default 3600. */
  maxTokenLifetimeSeconds?: number;
}

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
  const {
    issuer: issuerOption,
    audience,
    resources: resourceOptions,
    jwks,
    algorithms,
    store,
    introspection,
    maxTokenLifetimeSeconds,
    jwksCooldownSeconds,
    jwksOrigins,
    ...rest
  } = options;
  let issuer: URL;
  try {
    issuer = new URL(issuerOption);
  } catch {
    throw new ConfigurationError('issuer', `"${String(issuerOption)}" is not a URL.`);
  }
  const settings = validateResourceServerSettings(rest, 'options');
  if (!store && !jwks) {
    throw new ConfigurationError(
      'store',
      'is required: without it revoked grants could not be refused.',
      "Pass the kit's store (e.g. the same createRedisStore settings as the authorization server).",
    );
  }
  const allowHttp = issuer.protocol === 'http:';
  const issuerId = issuer.href.replace(/\/$/, '');
  const resources = standaloneResources(issuerId, audience, resourceOptions);

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
    keys = createRemoteJWKSet(trustedJwksUri(metadata.jwks_uri, issuer, jwksOrigins), {
      cooldownDuration: (jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: 10 * 60_000,
    });
  } else throw new ConfigurationError('issuer', 'publishes no jwks_uri.', 'Pass `jwks` instead.');

  const introspect =
    introspection && metadata?.introspection_endpoint
      ? createIntrospector(metadata, { allowHttp, ...introspection })
      : undefined;

  const grants = store ? new store.Adapter('Grant') : undefined;
  const grantStatus =
    store && grants
      ? createGrantStatus({
          feed: store.revocations,
          isGrantActive: (grantId) => isGrantActive(grants, grantId),
          maxTokenLifetimeSeconds: maxTokenLifetimeSeconds ?? 3600,
          whenFeedDown: settings.whenFeedDown ?? 'check-store',
        })
      : undefined;

  // Disabled and deleted apps: the same store answer as at the authorization server.
  const clientStatus = store
    ? createGrantStatus({
        subject: 'client',
        feed: store.revocations,
        isGrantActive: (clientId) => appStanding(store.records, clientId),
        maxTokenLifetimeSeconds: maxTokenLifetimeSeconds ?? 3600,
        whenFeedDown: settings.whenFeedDown ?? 'check-store',
      })
    : undefined;
  const whenFeedDown = settings.whenFeedDown ?? 'check-store';
  // Revoked access tokens (RFC 7009 at the issuer) arrive through the same feed.
  const tokenStatus = store
    ? createAccessTokenStatus(store, {
        maxTokenLifetimeSeconds: maxTokenLifetimeSeconds ?? 3600,
        whenFeedDown,
      })
    : undefined;
  const clockToleranceSeconds = settings.clockToleranceSeconds ?? 5;
  const { dpop } = settings;

  const verifyAccessToken = createTokenVerifier({
    issuer: issuerId,
    audience: [...resources.keys()],
    keys,
    algorithms: algorithms ?? ['ES256', 'EdDSA', 'RS256', 'PS256'],
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
    cache: settings.verifiedTokenCache ?? {},
  });

  const tokenLocations = settings.tokenLocations ?? ['header'];
  const resourceServer = {
    verify: verifyAccessToken,
    realm: settings.realm,
    tokenLocations,
    wildcardScopes: settings.wildcardScopes ?? true,
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
  if (resources !== undefined && (!Array.isArray(resources) || resources.length === 0)) {
    throw new ConfigurationError('resources', 'must be a non-empty array of { url, scopes }.');
  }
  const list = resources ?? [{ url: audience ?? `${issuer}/api` }];
  return new Map(
    list.map((r, i) => {
      const url = resourceUrl(resources ? `resources[${i}].url` : 'audience', r?.url);
      return [url, protectedResource(url, r.scopes)];
    }),
  );
}

/** The discovered `jwks_uri`, if it is on the issuer's origin or an allowed https origin. */
function trustedJwksUri(jwksUri: string, issuer: URL, allowed: string[] | undefined): URL {
  if (allowed !== undefined && !Array.isArray(allowed)) {
    throw new ConfigurationError('jwksOrigins', 'must be an array of https origins.');
  }
  const origins = (allowed ?? []).map((origin, i) => {
    const url = URL.parse(String(origin));
    if (!url || url.protocol !== 'https:' || url.origin !== String(origin).replace(/\/$/, '')) {
      throw new ConfigurationError(`jwksOrigins[${i}]`, `"${String(origin)}" is not an https origin.`);
    }
    return url.origin;
  });
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
