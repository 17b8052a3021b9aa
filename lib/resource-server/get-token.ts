/**
 * RFC 6750 §2: finds the access token. Only the Authorization header is read unless the host
 * enables the form-body (§2.2) or query (§2.3) methods; more than one method is invalid_request.
 * Where DPoP is accepted, the header may also use the `DPoP` scheme (RFC 9449 §7.1).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TokenLocation } from '../config/options.js';
import { InvalidRequestError, UnauthorizedError, type AuthScheme } from '../errors/bearer-errors.js';

/** b64token (RFC 6750 §2.1). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 8192;

export interface TokenSources {
  headers: IncomingHttpHeaders;
  method?: string;
  query?: unknown;
  body?: unknown;
}

function param(container: unknown): unknown {
  return typeof container === 'object' && container !== null
    ? (container as Record<string, unknown>).access_token
    : undefined;
}

function checked(token: unknown): string {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
    throw new InvalidRequestError('The access token is malformed.');
  }
  return token;
}

/** The header's credentials with surrounding spaces removed (no regex: this runs per request). */
function afterScheme(header: string, space: number): string {
  let start = space + 1;
  let end = header.length;
  while (start < end && header.charCodeAt(start) === 32) start += 1;
  while (end > start && header.charCodeAt(end - 1) === 32) end -= 1;
  return header.slice(start, end);
}

export interface PresentedToken {
  token: string;
  scheme: AuthScheme;
}

function fromHeader(header: string, dpop: boolean): PresentedToken {
  const space = header.indexOf(' ');
  const name = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const scheme: AuthScheme | undefined =
    name === 'bearer' ? 'Bearer' : dpop && name === 'dpop' ? 'DPoP' : undefined;
  if (!scheme) {
    throw new InvalidRequestError(
      `The Authorization header must use the ${dpop ? 'Bearer or DPoP' : 'Bearer'} scheme.`,
    );
  }
  if (space === -1) throw new InvalidRequestError('The Authorization header is malformed.');
  return { token: checked(afterScheme(header, space)), scheme };
}

const FORM_BODY = /^application\/x-www-form-urlencoded\b/i;

/** The token and the scheme it came with (form body and query are always Bearer). */
export function getAccessToken(
  { headers, method, query, body }: TokenSources,
  locations: readonly TokenLocation[] = ['header'],
  dpop = false,
): PresentedToken {
  const inHeader = headers.authorization;
  const inQuery = param(query);
  const inBody = method !== 'GET' && FORM_BODY.test(headers['content-type'] ?? '') ? param(body) : undefined;
  const sent = Number(inHeader !== undefined) + Number(inQuery !== undefined) + Number(inBody !== undefined);

  if (sent === 0) throw new UnauthorizedError();
  if (sent > 1) throw new InvalidRequestError('More than one method was used to send the access token.');
  const location: TokenLocation =
    inHeader !== undefined ? 'header' : inQuery !== undefined ? 'query' : 'body';
  if (!locations.includes(location)) {
    throw new InvalidRequestError('Send the access token in the Authorization header.');
  }
  return inHeader !== undefined
    ? fromHeader(String(inHeader), dpop)
    : { token: checked(inQuery ?? inBody), scheme: 'Bearer' };
}
