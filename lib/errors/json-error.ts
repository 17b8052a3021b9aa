/** Writes an RFC 6749-shaped JSON error on a plain node:http response (never cached). */
import type { ServerResponse } from 'node:http';

export function writeJsonError(
  res: ServerResponse,
  status: number,
  body: { error: string; error_description: string },
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
