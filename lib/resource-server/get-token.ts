/** RFC 6750 §2.1: the bearer token from the Authorization header (the only place by default). */
import type { IncomingHttpHeaders } from 'node:http';
import { InvalidRequestError, UnauthorizedError } from '../errors/bearer-errors.js';

/** b64token (RFC 6750 §2.1). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 8192;

export function getBearerToken(headers: IncomingHttpHeaders, query?: unknown): string {
  const header = headers.authorization;
  const inQuery =
    typeof query === 'object' && query !== null && 'access_token' in (query as Record<string, unknown>);
  if (header === undefined) {
    if (inQuery) throw new InvalidRequestError('Send the access token in the Authorization header.');
    throw new UnauthorizedError();
  }
  if (inQuery) throw new InvalidRequestError('More than one method was used to send the access token.');
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new InvalidRequestError('The Authorization header must use the Bearer scheme.');
  }
  const token = header.slice(space + 1).trim();
  if (space === -1 || token === '' || token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
    throw new InvalidRequestError('The Authorization header is malformed.');
  }
  return token;
}
