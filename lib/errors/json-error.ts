/** RFC 6749-shaped JSON errors on plain node:http responses, and what a failure answers with. */
import type { ServerResponse } from 'node:http';
import { StoreUnavailableError } from '../../adapters/contract.js';
import type { SecurityLogger } from '../logging/logger.js';
import { capDescription } from './echo-limit.js';
import { KitRequestError } from './request-error.js';

export interface ErrorBody {
  error: string;
  error_description: string;
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

/**
 * A request the kit refused answers as itself, a store outage as a 503 with Retry-After;
 * anything else is a bare 500 `server_error`, logged by its name only (messages and stacks can
 * quote the request).
 */
export function errorAnswer(error: unknown, route: string, logger: SecurityLogger): ErrorAnswer {
  if (error instanceof KitRequestError) {
    return { status: error.status, body: error.toJSON(), headers: error.headers };
  }
  if (error instanceof StoreUnavailableError) return storeOutageAnswer(error);
  logger.error({ event: 'server_error', route, errorName: (error as Error)?.name }, 'server_error');
  return {
    status: 500,
    body: { error: 'server_error', error_description: 'Something went wrong on our side.' },
    headers: {},
  };
}

/** Writes an RFC 6749-shaped JSON error (never cached). */
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
  res.end(JSON.stringify({ ...body, error_description: capDescription(body.error_description) }));
}
