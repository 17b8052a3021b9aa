/** Validation of the `product` option (see ProductOptions in options.ts). */
import { ConfigurationError } from '../errors/configuration-error.js';
import type { ProductOptions, ResolvedProduct } from './options.js';

const MAX_NAME = 60;

/** A same-site path (`/x`, not `//host`) or an http(s) URL: what the pages may link to. */
export function isLink(value: unknown, schemes: readonly string[] = ['http:', 'https:']): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !value.includes('\\');
  const url = URL.parse(value);
  return url !== null && schemes.includes(url.protocol);
}

export function resolveProduct(product: ProductOptions | undefined, issuer: string): ResolvedProduct {
  if (product !== undefined && (typeof product !== 'object' || product === null)) {
    throw new ConfigurationError('product', 'must be an object.', "For example { name: 'TaskFlow' }.");
  }
  const { name, logoUrl, homeUrl, supportUrl } = product ?? {};
  for (const key of Object.keys(product ?? {})) {
    if (!['name', 'logoUrl', 'homeUrl', 'supportUrl'].includes(key)) {
      throw new ConfigurationError(
        `product.${key}`,
        'is not a product setting.',
        'Settings: name, logoUrl, homeUrl, supportUrl.',
      );
    }
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME)) {
    throw new ConfigurationError('product.name', `must be text of 1 to ${MAX_NAME} characters.`);
  }
  if (
    logoUrl !== undefined &&
    !(typeof logoUrl === 'string' && (isLinkPath(logoUrl) || /^data:image\/[\w.+-]+[;,]/.test(logoUrl)))
  ) {
    throw new ConfigurationError(
      'product.logoUrl',
      'must be a path on this site (e.g. /logo.svg) or a data:image/… URL.',
      "The pages' Content-Security-Policy loads images from this origin only.",
    );
  }
  if (homeUrl !== undefined && !isLink(homeUrl)) {
    throw new ConfigurationError('product.homeUrl', 'must be a path (e.g. /) or an http(s) URL.');
  }
  if (supportUrl !== undefined && !isLink(supportUrl, ['http:', 'https:', 'mailto:'])) {
    throw new ConfigurationError('product.supportUrl', 'must be a path, an http(s) URL or a mailto: URL.');
  }
  return {
    name: name?.trim() ?? new URL(issuer).hostname,
    logoUrl,
    homeUrl: homeUrl ?? '/',
    supportUrl,
  };
}

function isLinkPath(value: string): boolean {
  return value.startsWith('/') && isLink(value);
}
