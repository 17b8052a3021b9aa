/**
 * Rules for a registered app's callback URLs. Where is "which callback URL may an app register"
 * decided? Here. At authorize time oidc-provider compares the `redirect_uri` parameter with the
 * registered list by exact string equality (no prefix or wildcard matching).
 */
import { RegistryError } from './errors.js';

export const MAX_REDIRECT_URIS = 10;
const MAX_URI_LENGTH = 2000;
/** Loopback hosts, where plain http is acceptable (RFC 8252 §7.3): traffic never leaves the machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `uri` cannot be a callback URL, or `undefined` when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return `is longer than ${MAX_URI_LENGTH} characters.`;
  const url = URL.parse(uri);
  if (!url) return 'is not an absolute URL.';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https.';
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return 'must use https (plain http is allowed for localhost only).';
  }
  // A fragment would be dropped by the browser and cannot carry the response (RFC 6749 §3.1.2).
  if (uri.includes('#')) return 'must not contain a fragment (#).';
  if (url.username || url.password) return 'must not contain a user name or password.';
  if (uri.includes('*')) return 'must not contain wildcards: callback URLs match exactly.';
  // Matching compares strings, and clients send what they registered: accept only the form a URL
  // parser produces, so `https://App.example` cannot be registered and then silently never match.
  if (url.href !== uri) return `is not in canonical form: write it as ${url.href}`;
  return undefined;
}

/**
 * Parses the callback URLs a developer typed (one per line in the form, an array in the API)
 * and returns them without duplicates, or throws `invalid_redirect_uri` naming the first bad one.
 */
export function parseRedirectUris(input: string | readonly unknown[]): string[] {
  const raw = typeof input === 'string' ? input.split(/\r?\n/) : [...input];
  const uris: string[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'string') {
      throw new RegistryError('invalid_redirect_uri', 'Every callback URL must be a string.', {
        redirect_uris: 'Every callback URL must be a string.',
      });
    }
    const uri = entry.trim();
    if (uri === '') continue;
    const problem = redirectUriProblem(uri);
    if (problem) {
      const message = `${uri.slice(0, 200)} ${problem}`;
      throw new RegistryError('invalid_redirect_uri', message, { redirect_uris: message });
    }
    if (!uris.includes(uri)) uris.push(uri);
  }
  if (uris.length === 0) {
    const message = 'Add at least one callback URL.';
    throw new RegistryError('invalid_redirect_uri', message, { redirect_uris: message });
  }
  if (uris.length > MAX_REDIRECT_URIS) {
    const message = `Register at most ${MAX_REDIRECT_URIS} callback URLs.`;
    throw new RegistryError('invalid_redirect_uri', message, { redirect_uris: message });
  }
  return uris;
}
