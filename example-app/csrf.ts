/**
 * CSRF tokens for the example product's own forms (sign-in, sign-out, disconnect): a random
 * token kept in the session and echoed in each form. Without it a cross-site page could sign a
 * visitor in to the attacker's account (login CSRF) or out of theirs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
  }
}

export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

/** Refuses a form post whose `csrf_token` is not this session's (after a body parser). */
export function requireCsrf(): RequestHandler {
  return function checkCsrf(req: Request, res: Response, next: NextFunction) {
    const given = (req.body as Record<string, unknown> | undefined)?.csrf_token;
    const expected = req.session.csrfToken;
    const ok =
      typeof given === 'string' &&
      expected !== undefined &&
      given.length === expected.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (ok) return next();
    res.status(403).render('demo-error', { message: 'The form could not be verified. Please try again.' });
  };
}
