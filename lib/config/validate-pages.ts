/** Checks of the `pages` settings (config/defaults.ts PAGES_OPTIONS). */
import { ConfigurationError } from '../errors/configuration-error.js';

const PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

export function parsePagePath(value: string, at: string): string {
  if (typeof value !== 'string' || !PATH.test(value)) {
    throw new ConfigurationError(at, 'must be a path like /settings/apps (no trailing slash).');
  }
  return value;
}

/** The sign-in page's path (`?return_to=` appended) or the host's own URL builder. */
export function parseSignInUrl(
  signInUrl: string | ((returnTo: string) => string),
  at: string,
): (returnTo: string) => string {
  if (typeof signInUrl === 'function') return signInUrl;
  if (typeof signInUrl === 'string' && signInUrl.startsWith('/') && !signInUrl.startsWith('//')) {
    return (returnTo) =>
      `${signInUrl}${signInUrl.includes('?') ? '&' : '?'}${new URLSearchParams({ return_to: returnTo }).toString()}`;
  }
  throw new ConfigurationError(
    at,
    "must be your sign-in page's path (e.g. '/signin') or a function (returnTo) => url.",
  );
}
