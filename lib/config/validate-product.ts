/** Checks of the `product` settings (config/defaults.ts PRODUCT_OPTIONS) and the links pages show. */
import { ConfigurationError } from '../errors/configuration-error.js';

const MAX_NAME = 60;

/** A same-site path (`/x`, not `//host`) or an http(s) URL: what the pages may link to. */
export function isLink(value: unknown, schemes: readonly string[] = ['http:', 'https:']): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !value.includes('\\');
  const url = URL.parse(value);
  return url !== null && schemes.includes(url.protocol);
}

export function parseProductName(name: string, at: string): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) {
    throw new ConfigurationError(at, `must be text of 1 to ${MAX_NAME} characters.`);
  }
  return name.trim();
}

export function parseLogoUrl(logoUrl: string, at: string): string | undefined {
  if (!(
    typeof logoUrl === 'string' &&
    ((logoUrl.startsWith('/') && isLink(logoUrl)) || /^data:image\/[\w.+-]+[;,]/.test(logoUrl))
  )) {
    throw new ConfigurationError(
      at,
      'must be a path on this site (e.g. /logo.svg) or a data:image/… URL.',
      "The pages' Content-Security-Policy loads images from this origin only.",
    );
  }
  return logoUrl;
}
