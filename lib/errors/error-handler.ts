/** Express error handler that answers the kit's RFC 6750 errors as JSON with their header. */
import type { ErrorRequestHandler } from 'express';
import { BearerError } from './bearer-errors.js';

export function oauthErrorHandler(): ErrorRequestHandler {
  return function oauthKitErrorHandler(err, _req, res, next) {
    if (!(err instanceof BearerError) || res.headersSent) return next(err);
    res.status(err.status).set(err.headers).set('Cache-Control', 'no-store').json(err.toJSON());
  };
}
