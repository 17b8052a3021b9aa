/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client
 * whose `client_id` is an https URL is described by the JSON document at that URL. The kit
 * fetches it when oidc-provider looks the client up (through the `Client` adapter, the provider's
 * extension point for clients it does not know), with:
 *
 * - SSRF protection: https only; in production no private, loopback, link-local or other
 *   special-use address — checked on the address the name resolves to, at connection time,
 *   so a DNS answer cannot be swapped between the check and the connection;
 * - limits: one request, no redirects followed, `maxBytes` of body, `timeoutMs` in all;
 * - a size-bounded cache that keeps a document as long as its HTTP caching headers allow
 *   (`no-store` / `no-cache`: not kept; `max-age`: up to a day; none: 5 minutes), and a
 *   refused one for 30 seconds.
 *
 * In development, http URLs on loopback hosts are accepted too (so tests and local agents can
 * serve documents). A document must name its own URL as `client_id`, describe a public client
 * (no secret), and list the redirect URIs it uses; anything else is an RFC 7591-style error.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { errors } from 'oidc-provider';
import type { AdapterPayload } from '../../adapters/contract.js';
import { boundedCache } from '../cache/bounded-cache.js';
import { isAcceptableRedirectUri, SELF_REGISTERED } from './registration.js';

/** Marks clients known by a metadata document (the URL is their id). */
export const METADATA_DOCUMENT = 'urn:oauth-kit:metadata_document';

export interface MetadataDocumentSettings {
  production: boolean;
  /** Scope the client may ask for: the catalog's (a document cannot widen or narrow it). */
  scope: string;
  maxBytes?: number;
  timeoutMs?: number;
  cacheEntries?: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 60 * 60_000;
const FAILURE_TTL_MS = 30_000;

/** Special-use ranges (RFC 6890 and friends) a production fetch never connects to. */
const SPECIAL_USE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv6');
}

export function isSpecialUseAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return SPECIAL_USE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return SPECIAL_USE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Is this client_id a metadata-document URL the kit may fetch? */
export function isMetadataDocumentId(id: string, production: boolean): boolean {
  if (!id.startsWith('https://') && !id.startsWith('http://')) return false;
  const url = URL.parse(id);
  if (!url || url.hash || url.username || url.password || url.pathname === '/' || url.href !== id)
    return false;
  if (url.protocol === 'https:') return true;
  return !production && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** DNS lookup that never hands a special-use address to the socket (production). */
function guardedLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const allowed = addresses.filter((a) => !isSpecialUseAddress(a.address));
    if (allowed.length === 0) return callback(new Error('the host resolves to a special-use address'), '');
    if (options.all) return callback(null, allowed);
    return callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}

function fetchFailed(reason: string): InstanceType<typeof errors.InvalidClient> {
  return new errors.InvalidClient(`the client metadata document could not be fetched: ${reason}`);
}

function cacheLifetimeMs(response: IncomingMessage): number {
  const cacheControl = String(response.headers['cache-control'] ?? '').toLowerCase();
  if (/(^|,)\s*(no-store|no-cache)\b/.test(cacheControl)) return 0;
  const maxAge = /(^|,)\s*max-age\s*=\s*(\d+)/.exec(cacheControl)?.[2];
  if (maxAge !== undefined) return Math.min(Number(maxAge) * 1000, MAX_TTL_MS);
  return DEFAULT_TTL_MS;
}

/** One GET, no redirects, bounded in size and time. */
function fetchDocument(
  url: URL,
  settings: Required<Pick<MetadataDocumentSettings, 'production' | 'maxBytes' | 'timeoutMs'>>,
): Promise<{ body: string; ttlMs: number }> {
  return new Promise((resolve, reject) => {
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (settings.production && isIP(literal) && isSpecialUseAddress(literal)) {
      reject(fetchFailed('the host is a special-use address'));
      return;
    }
    let settled = false;
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      ...(settings.production ? { lookup: guardedLookup } : {}),
    });
    const finish = (error: Error | undefined, value?: { body: string; ttlMs: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(fetchFailed('it took too long')), settings.timeoutMs);
    request.on('error', () => finish(fetchFailed('the request failed')));
    request.on('response', (response) => {
      response.on('error', () => finish(fetchFailed('the response failed')));
      if (response.statusCode !== 200) {
        finish(fetchFailed(`the server answered ${response.statusCode}`));
        return;
      }
      if (Number(response.headers['content-length']) > settings.maxBytes) {
        finish(fetchFailed('it is too large'));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > settings.maxBytes) finish(fetchFailed('it is too large'));
        else chunks.push(chunk);
      });
      response.on('end', () =>
        finish(undefined, { body: Buffer.concat(chunks).toString('utf8'), ttlMs: cacheLifetimeMs(response) }),
      );
    });
    request.end();
  });
}

function invalid(description: string): InstanceType<typeof errors.InvalidClientMetadata> {
  return new errors.InvalidClientMetadata(`client metadata document: ${description}`);
}

/** The client's oidc-provider metadata from its document, or an RFC 7591-style error. */
export function clientFromDocument(id: string, body: string, scope: string): AdapterPayload {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw invalid('is not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid('is not a JSON object');
  }
  const doc = document as Record<string, unknown>;
  if (doc.client_id !== id) throw invalid('its client_id is not the URL it was fetched from');
  if ('client_secret' in doc || 'client_secret_expires_at' in doc)
    throw invalid('must not contain a client secret');
  const method = doc.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') throw invalid('token_endpoint_auth_method must be "none"');
  const uris = doc.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10 || !uris.every(isAcceptableRedirectUri)) {
    throw invalid('redirect_uris must list 1 to 10 https or http loopback URLs');
  }
  const name = doc.client_name;
  if (name !== undefined && (typeof name !== 'string' || name.length > 100)) {
    throw invalid('client_name must be a string of at most 100 characters');
  }
  const grants = Array.isArray(doc.grant_types)
    ? doc.grant_types.filter((g) => g === 'authorization_code' || g === 'refresh_token')
    : ['authorization_code', 'refresh_token'];
  if (!grants.includes('authorization_code')) throw invalid('grant_types must include authorization_code');
  return {
    client_id: id,
    ...(typeof name === 'string' ? { client_name: name } : {}),
    ...(typeof doc.client_uri === 'string' && isAcceptableRedirectUri(doc.client_uri)
      ? { client_uri: doc.client_uri }
      : {}),
    redirect_uris: uris as string[],
    grant_types: grants,
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope,
    [SELF_REGISTERED]: true,
    [METADATA_DOCUMENT]: true,
  };
}

export interface MetadataDocumentResolver {
  /** The client's metadata, fetched or from the cache; throws RFC 7591-style errors. */
  resolve(id: string): Promise<AdapterPayload>;
  accepts(id: string): boolean;
}

export function createMetadataDocumentResolver(settings: MetadataDocumentSettings): MetadataDocumentResolver {
  const limits = {
    production: settings.production,
    maxBytes: settings.maxBytes ?? 5 * 1024,
    timeoutMs: settings.timeoutMs ?? 3000,
  };
  /** url → the client's metadata (or why it was refused), while it may be reused */
  const cache = boundedCache<{ client?: AdapterPayload; error?: Error }>({
    maxEntries: settings.cacheEntries ?? 1000,
  });
  /** One fetch per URL at a time. */
  const pending = new Map<string, Promise<AdapterPayload>>();

  async function load(id: string): Promise<AdapterPayload> {
    try {
      const { body, ttlMs } = await fetchDocument(new URL(id), limits);
      const client = clientFromDocument(id, body, settings.scope);
      cache.set(id, { client }, ttlMs);
      return client;
    } catch (error) {
      // A refused document is not fetched again for a while: no amplification by retries.
      cache.set(id, { error: error as Error }, FAILURE_TTL_MS);
      throw error;
    }
  }

  return {
    accepts: (id) => isMetadataDocumentId(id, settings.production),
    async resolve(id) {
      const hit = cache.get(id);
      if (hit) {
        if (hit.error) throw hit.error;
        return hit.client!;
      }
      let request = pending.get(id);
      if (!request) {
        request = load(id).finally(() => pending.delete(id));
        pending.set(id, request);
      }
      return request;
    },
  };
}
