/** Validation of the `pages` option (see PagesOptions in options.ts). */
import { ConfigurationError } from '../errors/configuration-error.js';
import { isLink } from './validate-product.js';
import {
  DEFAULT_PAGE_PATHS,
  type AccountHooks,
  type PagesOptions,
  type ResolvedPagesOptions,
} from './options.js';

const PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

export function resolvePagesOptions(
  pages: PagesOptions | undefined,
  accounts: AccountHooks,
): ResolvedPagesOptions | undefined {
  if (pages === undefined) return undefined;
  if (typeof pages !== 'object' || pages === null) {
    throw new ConfigurationError('pages', 'must be an object.', "For example { signInUrl: '/signin' }.");
  }
  if (typeof accounts.currentUserId !== 'function') {
    throw new ConfigurationError(
      'accounts.currentUserId',
      'is required with `pages`: they are shown to the user signed in to your product.',
      'Return the id from your session, e.g. (req) => req.session.userId.',
    );
  }
  const { signInUrl, isAdmin, signOutUrl } = pages;
  let signIn: (returnTo: string) => string;
  if (typeof signInUrl === 'function') {
    signIn = signInUrl;
  } else if (typeof signInUrl === 'string' && signInUrl.startsWith('/') && !signInUrl.startsWith('//')) {
    signIn = (returnTo) =>
      `${signInUrl}${signInUrl.includes('?') ? '&' : '?'}${new URLSearchParams({ return_to: returnTo })}`;
  } else {
    throw new ConfigurationError(
      'pages.signInUrl',
      "must be your sign-in page's path (e.g. '/signin') or a function (returnTo) => url.",
    );
  }
  if (isAdmin !== undefined && typeof isAdmin !== 'function') {
    throw new ConfigurationError('pages.isAdmin', 'must be a function (req, userId) => boolean.');
  }
  if (signOutUrl !== undefined && !isLink(signOutUrl)) {
    throw new ConfigurationError('pages.signOutUrl', 'must be a path (e.g. /signout) or an http(s) URL.');
  }
  const paths = { ...DEFAULT_PAGE_PATHS, ...pages.paths };
  for (const [key, value] of Object.entries(paths)) {
    if (!(key in DEFAULT_PAGE_PATHS)) {
      throw new ConfigurationError(
        `pages.paths.${key}`,
        'is not a page.',
        `Pages: ${Object.keys(DEFAULT_PAGE_PATHS).join(', ')}.`,
      );
    }
    if (typeof value !== 'string' || !PATH.test(value)) {
      throw new ConfigurationError(
        `pages.paths.${key}`,
        'must be a path like /settings/apps (no trailing slash).',
      );
    }
  }
  return {
    signInUrl: signIn,
    isAdmin: async (req, userId) => (isAdmin ? (await isAdmin(req, userId)) === true : false),
    signOutUrl,
    paths,
  };
}
