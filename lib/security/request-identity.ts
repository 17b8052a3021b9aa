/**
 * Who a request says it is, before anything is verified: its client IP and the OAuth client it
 * claims. The client IP the kit rate-limits and logs by: Express's `req.ip`, which is the socket
 * address unless the host configured Express `trust proxy` (then the proxy's X-Forwarded-For,
 * trusting exactly the hops the host named). One source, so limits and logs always agree.
 */
import type { IncomingMessage } from 'node:http';

export function clientIp(req: IncomingMessage): string {
  return (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** The client id a request claims in its HTTP Basic credentials, without authenticating it. */
export function claimedClientId(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.slice(0, 6).toLowerCase() === 'basic ') {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    try {
      return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
