/** Express error handler that answers the kit's RFC 6750 errors as JSON with their header. */
import type { ErrorRequestHandler } from 'express';
import { BearerError } from './bearer-errors.js';
import { writeJsonError } from './json-error.js';

export function oauthErrorHandler(): ErrorRequestHandler {
  return function oauthKitErrorHandler(err, _req, res, next) {
    if (!(err instanceof BearerError) || res.headersSent) return next(err);
    writeJsonError(res, err.status, err.toJSON(), err.headers);
  };
}
