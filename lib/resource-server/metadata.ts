/**
 * RFC 9728 protected resource metadata: where a client learns which authorization server issues
 * tokens for a resource, and with which scopes. Path-aware (§3.1): the metadata of
 * `https://example.com/mcp` lives at `https://example.com/.well-known/oauth-protected-resource/mcp`.
 */
import type { RequestHandler } from 'express';
import type { TokenLocation } from '../config/options.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** A resource a requireScope() context protects, as its challenges and metadata name it. */
export interface ProtectedResource {
  /** The resource indicator: the `aud` its tokens carry. */
  url: string;
  /** Scopes published as `scopes_supported`; omitted when unknown. */
  scopes: readonly string[] | undefined;
  /** Where its metadata document is served (named in every challenge as `resource_metadata`). */
  metadataUrl: string;
}

/** RFC 9728 §3.1: the well-known segment goes between the origin and the resource's path. */
export function metadataUrlOf(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${WELL_KNOWN}${path}`;
}

export function protectedResource(url: string, scopes: readonly string[] | undefined): ProtectedResource {
  return { url, scopes, metadataUrl: metadataUrlOf(url) };
}

export function metadataDocument(
  resource: ProtectedResource,
  issuer: string,
  tokenLocations: readonly TokenLocation[],
): Record<string, unknown> {
  return {
    resource: resource.url,
    authorization_servers: [issuer],
    ...(resource.scopes ? { scopes_supported: [...resource.scopes] } : {}),
    bearer_methods_supported: [...tokenLocations],
  };
}

/**
 * Serves each resource's metadata document at its well-known path (when `origin` is given, only
 * the resources on that origin: the others are published by the service on their own origin).
 */
export function serveResourceMetadata(
  resources: Iterable<ProtectedResource>,
  issuer: string,
  tokenLocations: readonly TokenLocation[],
  origin?: string,
): { paths: ReadonlySet<string>; handler: RequestHandler } {
  const documents = new Map<string, string>();
  for (const resource of resources) {
    const url = new URL(resource.metadataUrl);
    if (origin !== undefined && url.origin !== origin) continue;
    documents.set(url.pathname, JSON.stringify(metadataDocument(resource, issuer, tokenLocations)));
  }
  return {
    paths: new Set(documents.keys()),
    handler: function protectedResourceMetadata(req, res, next) {
      const body = documents.get(req.path);
      if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
      // Public metadata: any origin may read it (browser-based clients discover from it).
      res
        .set('Access-Control-Allow-Origin', '*')
        .set('Cache-Control', 'public, max-age=3600')
        .type('json')
        .send(body);
    },
  };
}
