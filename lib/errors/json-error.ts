/**
 * What a failure answers with, decided in one place for every renderer (the JSON one below and
 * the HTML error page, error-page.ts), and the one JSON renderer:
 *
 * - an exposed kit error (kit-error.ts) answers as itself: status, code, description, headers;
 * - a store outage: 503 `temporarily_unavailable`, retry in a second;
 * - an unreadable request body (body-parser's errors: too large, malformed, bad charset):
 *   400-class `invalid_request`, without body-parser's message;
 * - another error that says it may be shown (`expose`, a 4xx status: oidc-provider's, e.g. an
 *   expired interaction) answers with its status, `error` and `error_description`;
 * - anything else is a bare 500 `server_error`, logged by its name only (messages and stacks
 *   can quote the request).
 */
import type { ServerResponse } from 'node:http';
import { StoreUnavailableError } from '../../adapters/contract.js';
import type { SecurityLogger } from '../logging/logger.js';
import { capDescription } from './echo-limit.js';
import { KitError } from './kit-error.js';

/** An RFC 6749-shaped error body; some errors add members (`scope`, `fields`). */
export interface ErrorBody {
  error: string;
  error_description?: string;
  [member: string]: unknown;
}

/** The answer to a failure. */
export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** A store outage, on every kit route: 503 `temporarily_unavailable`, retry in a second. */
export function storeOutageAnswer(error: StoreUnavailableError): ErrorAnswer {
  return {
    status: 503,
    body: { error: error.error, error_description: error.error_description ?? 'Retry shortly.' },
    headers: { 'Retry-After': '1' },
  };
}

interface ShownError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** The answer to `error` on `route` (which the log line names). */
export function errorAnswer(error: unknown, route: string, logger: SecurityLogger): ErrorAnswer {
  if (error instanceof KitError && error.expose) {
    return { status: error.status, body: error.toJSON(), headers: error.headers };
  }
  if (error instanceof StoreUnavailableError) return storeOutageAnswer(error);
  const shown = error as ShownError | undefined;
  const status = shown?.statusCode ?? shown?.status;
  if (
    !(error instanceof KitError) &&
    shown?.expose === true &&
    typeof status === 'number' &&
    status >= 400 &&
    status < 500
  ) {
    if (typeof shown.type === 'string') {
      return {
        status,
        body: { error: 'invalid_request', error_description: 'The request body could not be read.' },
        headers: {},
      };
    }
    return {
      status,
      body: {
        error: typeof shown.error === 'string' ? shown.error : 'invalid_request',
        ...(typeof shown.error_description === 'string'
          ? { error_description: shown.error_description }
          : {}),
      },
      headers: {},
    };
  }
  logger.error({ event: 'server_error', route, errorName: (error as Error)?.name }, 'server_error');
  return {
    status: 500,
    body: { error: 'server_error', error_description: 'Something went wrong on our side.' },
    headers: {},
  };
}

/** Writes an RFC 6749-shaped JSON error (never cached; the description capped, echo-limit.ts). */
export function writeJsonError(
  res: ServerResponse,
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const description = body.error_description;
  res.end(
    JSON.stringify(
      description === undefined ? body : { ...body, error_description: capDescription(description) },
    ),
  );
}
