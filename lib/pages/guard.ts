/**
 * Who is looking at a people's page, and whether their form is genuine.
 *
 * The user is the host's signed-in user (`accounts.currentUserId`); without one, pages send the
 * visitor to the host's sign-in page and the API answers 401. Forms carry a CSRF token from the
 * kit's `createCsrf`, bound to the user and to a random per-browser cookie, so a token lifted
 * from one browser does not work in another, and a cross-site page cannot compute one.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { accountLabel } from '../accounts/label.js';
import type { AccountHooks, ResolvedPagesOptions } from '../config/options.js';
import type { Csrf } from '../interactions/csrf.js';

const BROWSER_COOKIE = 'oauth_kit_pages';

/** Longest return address carried through sign-in (URLs beyond ~2 kB break clients). */
const MAX_RETURN_TO = 2048;

export interface PageUser {
  id: string;
  /** Email or name from the host's claims, for "Signed in as" (never the id). */
  label: string | undefined;
  isAdmin: boolean;
}

export interface Guard {
  /** The signed-in user, or `undefined`. */
  user(req: Request): Promise<PageUser | undefined>;
  /** How another user is shown (email or name), e.g. an app's owner; undefined if unknown. */
  label(userId: string): Promise<string | undefined>;
  /** Redirects to the host's sign-in page, to come back to this page. */
  redirectToSignIn(req: Request, res: Response): void;
  /** A CSRF token for this user in this browser (sets the browser cookie when missing). */
  csrfToken(req: Request, res: Response, user: PageUser): string;
  verifyCsrf(req: Request, user: PageUser, candidate: unknown): boolean;
}

function browserId(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === BROWSER_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{22,64}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function createGuard(
  accounts: AccountHooks,
  pages: ResolvedPagesOptions,
  csrf: Csrf,
  production: boolean,
): Guard {
  const binding = (userId: string, browser: string) => `pages\0${userId}\0${browser}`;
  return {
    async label(userId) {
      return accountLabel((await accounts.find(userId))?.claims);
    },

    async user(req) {
      const id = await accounts.currentUserId?.(req);
      if (typeof id !== 'string' || id === '') return undefined;
      const account = await accounts.find(id);
      if (!account) return undefined;
      return {
        id,
        label: accountLabel(account.claims),
        isAdmin: await pages.isAdmin(req, id),
      };
    },

    redirectToSignIn(req, res) {
      // originalUrl is this request's own path: a same-origin return address by construction.
      // An overlong one would make a Location header clients refuse to parse: start over at '/'.
      const returnTo = req.originalUrl.length <= MAX_RETURN_TO ? req.originalUrl : '/';
      res.redirect(303, pages.signInUrl(returnTo));
    },

    csrfToken(req, res, user) {
      let browser = browserId(req);
      if (!browser) {
        browser = randomBytes(18).toString('base64url');
        res.cookie(BROWSER_COOKIE, browser, {
          httpOnly: true,
          sameSite: 'lax',
          secure: production,
          path: '/',
        });
      }
      return csrf.token(binding(user.id, browser));
    },

    verifyCsrf(req, user, candidate) {
      const browser = browserId(req);
      return browser !== undefined && csrf.verify(binding(user.id, browser), candidate);
    },
  };
}
