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

/**
 * The key an IP is rate-limited under. IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64
 * prefix, since one host commonly holds a whole /64 and could otherwise rotate addresses to
 * escape a per-IP limit.
 */
export function ipLimitKey(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':') || address.includes('.')) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
