/**
 * The host's resources (RFC 8707): validated once at start-up. `audience` is the one-resource
 * shorthand; `resources` names several, the default first.
 */
import { ConfigurationError } from '../errors/configuration-error.js';
import type { ResolvedOptions, ResourceDefinition } from './options.js';

/** The resource of a host that names none: its API under the issuer. */
export function defaultAudience(issuer: string): string {
  return `${issuer}/api`;
}

export function resourceUrl(option: string, value: unknown): string {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  // RFC 8707 §2: an absolute URI without a fragment; a query is discouraged, refused here.
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash || url.search) {
    throw new ConfigurationError(
      option,
      `"${String(value)}" is not an http(s) URL without query or fragment.`,
    );
  }
  // Compared as written with the `resource` parameter and `aud`: refuse spellings URL() would change.
  if (url.href !== value && url.href !== `${String(value)}/`) {
    throw new ConfigurationError(
      option,
      `"${String(value)}" is not in its normal form.`,
      `Write it as "${url.href}".`,
    );
  }
  return value as string;
}

export function resolveResources(
  audience: unknown,
  resources: unknown,
  issuer: string,
  catalog: ReadonlySet<string>,
): ResolvedOptions['resources'] {
  const everyScope = [...catalog];
  if (resources === undefined) {
    return [
      {
        url: audience === undefined ? defaultAudience(issuer) : resourceUrl('audience', audience),
        scopes: everyScope,
      },
    ];
  }
  if (audience !== undefined) {
    throw new ConfigurationError(
      'audience',
      'cannot be combined with `resources`.',
      'List the audience as the first entry of `resources`.',
    );
  }
  if (!Array.isArray(resources) || resources.length === 0) {
    throw new ConfigurationError('resources', 'must be a non-empty array of { url, scopes }.');
  }
  const seen = new Set<string>();
  return (resources as ResourceDefinition[]).map((resource, i) => {
    const url = resourceUrl(`resources[${i}].url`, resource?.url);
    if (seen.has(url)) throw new ConfigurationError(`resources[${i}].url`, `"${url}" is declared twice.`);
    seen.add(url);
    if (resource.scopes === undefined) return { url, scopes: everyScope };
    if (!Array.isArray(resource.scopes) || resource.scopes.length === 0) {
      throw new ConfigurationError(`resources[${i}].scopes`, 'must be a non-empty array of scope names.');
    }
    for (const scope of resource.scopes) {
      if (!catalog.has(scope)) {
        throw new ConfigurationError(`resources[${i}].scopes`, `"${String(scope)}" is not in \`scopes\`.`);
      }
    }
    return { url, scopes: [...new Set(resource.scopes)] };
  });
}
