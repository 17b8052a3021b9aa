/**
 * Starts the example app on a free loopback port, as a real HTTP server.
 *
 * Every server started here also keeps the kit's log lines and security events, and notes every
 * credential that crossed it: tokens and codes it issued (response bodies, Location headers),
 * cookies it set, client secrets presented in Authorization headers, and its own keys. `close()`
 * fails the test file when any log line or event contains one of them, so the whole suite
 * doubles as a "no credential in logs" check.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createExampleApp, TEST_CLIENT, type ExampleAppOptions } from '../../example-app/app.js';
import type { OAuthKit } from '../../lib/index.js';
import type { SecurityEvent } from '../../lib/events/events.js';

export interface RunningExample {
  issuer: string;
  /** Where this instance listens (differs from `issuer` when instances share one). */
  url: string;
  port: number;
  kit: OAuthKit;
  server: Server;
  /** The kit's log lines (JSON), in order. */
  logs: string[];
  /** Security events the kit emitted, in order. */
  events: SecurityEvent[];
  /** Credentials seen so far (never to appear in logs or events). */
  credentials: Set<string>;
  /** Notes credentials the test sent in a request body (passwords, secrets). */
  rememberCredential(...values: string[]): void;
  /** Log lines or events that contain a credential. */
  leaks(): string[];
  close(): Promise<void>;
}

/** Shorter strings could match ordinary words in a log line. */
const MIN_CREDENTIAL_LENGTH = 8;
const CREDENTIAL_FIELDS = ['access_token', 'refresh_token', 'id_token', 'code', 'client_secret'];
/**
 * Words of the protocol a test (or the fuzzer) may send where a credential goes, and that
 * log lines name legitimately: never credentials, so never leaks.
 */
const PROTOCOL_WORDS = ['authorization_code', 'client_credentials', 'refresh_token', 'access_token'];

/**
 * Options go to createExampleApp. A `store` stays owned by the caller; instances that act as
 * one server share `issuer` and `devSecretsFile`.
 */
export async function startExampleApp(options: Partial<ExampleAppOptions> = {}): Promise<RunningExample> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const logs: string[] = [];
  const events: SecurityEvent[] = [];
  const credentials = new Set<string>();
  // Public identifiers (client ids, protocol words) sent in a credential's place are not secrets:
  // a log line naming the client is not a leak.
  const publicValues = new Set<string>(PROTOCOL_WORDS);
  const remember = (...values: Array<string | null | undefined>) => {
    for (const value of values) {
      if (value && value.length >= MIN_CREDENTIAL_LENGTH && !publicValues.has(value)) credentials.add(value);
    }
  };
  // A plain pino logger, without the kit's redaction: a leak must show here.
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });

  const { app, kit } = await createExampleApp({
    ...options,
    port,
    // Each test server gets its own throwaway development secrets unless told to share.
    devSecretsFile:
      options.devSecretsFile ?? join(mkdtempSync(join(tmpdir(), 'oauth-kit-test-')), 'dev-secrets.json'),
    security: {
      logger,
      onSecurityEvent: (event) => void events.push(event),
      ...options.security,
    },
  }).catch(async (error: unknown) => {
    // A failed setup leaves nothing listening.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  });
  for (const client of kit.options.clients) publicValues.add(client.clientId);
  remember(TEST_CLIENT.clientSecret, 'demo-password', ...kit.options.secrets.cookieKeys);
  for (const key of [...kit.options.secrets.signingKeys, ...(kit.options.secrets.nextSigningKeys ?? [])]) {
    remember(key.d, key.p, key.q);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    noteRequestCredentials(req, remember);
    recordResponse(res, remember);
    app(req, res);
  });

  const leaks = () => {
    const found: string[] = [];
    const haystacks = [...logs, ...events.map((e) => JSON.stringify(e))];
    for (const credential of credentials) {
      for (const text of haystacks) if (text.includes(credential)) found.push(text);
    }
    return found;
  };

  return {
    issuer: options.issuer ?? `http://localhost:${port}`,
    url: `http://localhost:${port}`,
    port,
    kit,
    server,
    logs,
    events,
    credentials,
    rememberCredential: (...values) => remember(...values),
    leaks,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kit.close();
      const found = leaks();
      if (found.length) {
        throw new Error(`${found.length} log lines or security events contain a credential: ${found[0]}`);
      }
    },
  };
}

function noteRequestCredentials(req: IncomingMessage, remember: (...v: string[]) => void): void {
  const auth = req.headers.authorization ?? '';
  const [scheme, value = ''] = auth.split(' ');
  if (scheme?.toLowerCase() === 'bearer') remember(value);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const secret = decoded.slice(decoded.indexOf(':') + 1);
    remember(secret);
    try {
      remember(decodeURIComponent(secret));
    } catch {
      // Not percent-encoded: the raw value is noted above.
    }
  }
  for (const cookie of (req.headers.cookie ?? '').split(';')) remember(cookie.split('=')[1]?.trim() ?? '');
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  for (const field of CREDENTIAL_FIELDS) remember(query.get(field) ?? '');
}

/** Taps the response to note every credential the server hands out. */
function recordResponse(res: ServerResponse, remember: (...v: string[]) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk);
    const location = res.getHeader('location');
    if (typeof location === 'string') {
      const url = new URL(location, 'http://x');
      for (const params of [url.searchParams, new URLSearchParams(url.hash.slice(1))]) {
        for (const field of CREDENTIAL_FIELDS) remember(params.get(field) ?? '');
      }
    }
    const cookies = res.getHeader('set-cookie');
    for (const line of Array.isArray(cookies) ? cookies : [])
      remember(line.split(';')[0]!.split('=')[1] ?? '');
    if (String(res.getHeader('content-type')).includes('json')) {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        for (const field of CREDENTIAL_FIELDS) {
          if (typeof body[field] === 'string') remember(body[field] as string);
        }
      } catch {
        // Not JSON after all: nothing issued.
      }
    }
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}
