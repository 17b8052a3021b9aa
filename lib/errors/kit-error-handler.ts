/**
 * The kit's Express error handlers: every kit route answers a failure through `answerError`,
 * with the answer decided once (json-error.ts `errorAnswer`) and rendered by one of the two
 * renderers: the HTML error page (error-page.ts) or the JSON body (json-error.ts). Bad input is
 * a 4xx with an RFC 6749-shaped body; an unexpected error is a bare `server_error` with its name
 * logged, never its message or stack (they can quote the request).
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { HtmlErrorRenderer } from './error-page.js';
import type { SecurityLogger } from '../logging/logger.js';
import { errorAnswer, writeJsonError } from './json-error.js';
import { KitRequestError } from './request-error.js';

export interface AnswerErrorOptions {
  renderErrorPage: HtmlErrorRenderer;
  logger: SecurityLogger;
  /** Named in the log line of an unexpected error. */
  route: string;
  /** The error page (browser routes) rather than JSON. */
  page: boolean;
  /** The client the request was for, when known (the page's way back). */
  clientId?: string | undefined;
}

/** Answers `err` on `res`: the error page or JSON, with the answer's status and headers. */
export async function answerError(err: unknown, req: Request, res: Response, options: AnswerErrorOptions) {
  const { status, body, headers } = errorAnswer(err, options.route, options.logger);
  if (!options.page) {
    writeJsonError(res, status, body, headers);
    return;
  }
  const html = await options.renderErrorPage(req, {
    status,
    error: body.error,
    ...(body.error_description ? { description: body.error_description } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
  });
  res.status(status).set(headers).set('Cache-Control', 'no-store').type('html').send(html);
}

/** The last handler on the kit's own routes: requests the kit refused, unreadable bodies, the unexpected. */
export function kitErrorHandler(deps: {
  renderErrorPage: HtmlErrorRenderer;
  logger: SecurityLogger;
  pageHeaders: RequestHandler;
}): ErrorRequestHandler {
  const { renderErrorPage, logger, pageHeaders } = deps;

  return function oauthKitErrors(err, req, res, next) {
    if (res.headersSent) return next(err);
    const page = err instanceof KitRequestError ? err.page : req.accepts(['json', 'html']) === 'html';
    const clientId = typeof req.query?.client_id === 'string' ? req.query.client_id : undefined;
    const answer = () =>
      answerError(err, req, res, { renderErrorPage, logger, route: req.path, page, clientId });
    if (!page) return void answer().catch(next);
    pageHeaders(req, res, () => void answer().catch(next));
  };
}
