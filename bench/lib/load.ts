/**
 * One bounded autocannon run. Only 2xx responses count as throughput (and only their latency
 * is recorded, autocannon's default); every other status, connection error and timeout is
 * counted and reported. The server's CPU time over the run gives CPU ms per 2xx request, a
 * figure less sensitive to the machine's other load than requests per second.
 */
import autocannon from 'autocannon';
import { cpuMs } from './proc.js';

export type Request = autocannon.Request;

export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:4000 */
  url: string;
  connections: number;
  seconds: number;
  /** The same request on every connection. */
  request?: Request;
  /** A request cycle per connection (index 0..connections-1), for per-connection state. */
  perConnection?: (index: number) => Request[];
  /** Server pid whose CPU time is measured over the run. */
  pid?: number;
}

export interface LoadResult {
  /** 2xx responses per second. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** Server CPU ms per 2xx response. */
  cpuMsPerRequest: number | undefined;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let nextIndex = 0;
  const cpuBefore = options.pid ? cpuMs(options.pid) : 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    ...(options.request ? { requests: [options.request] } : {}),
    ...(options.perConnection
      ? {
          // Each connection gets its own request objects, so closures can keep its state
          // (autocannon resets `context` whenever a one-request cycle wraps around).
          setupClient: (client: autocannon.Client) => client.setRequests(options.perConnection!(nextIndex++)),
        }
      : {}),
  });
  const cpu = options.pid ? cpuMs(options.pid) - cpuBefore : undefined;
  const ok = result['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = count ?? 0;
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds: result.duration,
    cpuMsPerRequest: cpu !== undefined && ok > 0 ? cpu / ok : undefined,
  };
}

/** Form-encoded POST with HTTP Basic client authentication. */
export function formPost(path: string, form: Record<string, string>, basic?: [string, string]): Request {
  return {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(form).toString(),
  };
}

export function bearerGet(path: string, token: string): Request {
  return { method: 'GET', path, headers: { authorization: `Bearer ${token}` } };
}
