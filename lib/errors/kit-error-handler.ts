/**
 * The last handler on the kit's own routes: requests the kit refused, unreadable request bodies
 * (too large, bad charset or encoding: body-parser's errors) and anything unexpected. Bad
 * input is a 4xx with an RFC 6749-shaped body; an unexpected error is a bare `server_error`
 * with its name logged, never its message or stack (they can quote the request).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { HtmlErrorRenderer } from './error-page.js';
import type { SecurityLogger } from '../logging/logger.js';
import { errorAnswer, writeJsonError } from './json-error.js';
import { KitRequestError } from './request-error.js';

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

function isBadBody(err: unknown): err is { status: number } {
  const e = err as BodyParserError;
  return typeof e?.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
}

export function kitErrorHandler(deps: {
  renderErrorPage: HtmlErrorRenderer;
  logger: SecurityLogger;
  pageHeaders: RequestHandler;
}): ErrorRequestHandler {
  const { renderErrorPage, logger, pageHeaders } = deps;

  return function oauthKitErrors(err, req, res, next) {
    if (res.headersSent) return next(err);
    const { status, body, headers } = isBadBody(err)
      ? {
          status: err.status,
          body: { error: 'invalid_request', error_description: 'The request body could not be read.' },
          headers: {},
        }
      : errorAnswer(err, req.path, logger);
    const page = err instanceof KitRequestError ? err.page : req.accepts(['json', 'html']) === 'html';
    if (!page) {
      writeJsonError(res, status, body, headers);
      return;
    }
    res.set(headers).set('Cache-Control', 'no-store');
    pageHeaders(req, res, () => {
      const clientId = typeof req.query?.client_id === 'string' ? req.query.client_id : undefined;
      renderErrorPage(req, {
        status,
        error: body.error,
        ...(body.error_description ? { description: body.error_description } : {}),
        ...(clientId ? { clientId } : {}),
      }).then((html) => res.status(status).type('html').send(html), next);
    });
  };
}
