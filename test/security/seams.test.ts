/**
 * Issue 13 item 12, the smaller seams: scripts on kit pages, tokens from the future, a
 * discovery document pointing at someone else's keys, and the developer JSON API without a
 * limit. Over HTTP against the example app and real stand-in servers.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { importJWK, SignJWT } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import { ConfigurationError, mountResourceServer } from '../../lib/index.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { signedInAgent, testClientAuthorizePath } from '../helpers/session.js';

let server: RunningExample;
beforeAll(async () => {
  server = await startExampleApp();
});
afterAll(() => server.close());

test("kit pages allow no script at all: script-src 'none' on the login and settings pages", async () => {
  const login = await new BrowserAgent(server.issuer).follow(testClientAuthorizePath(server));
  await login.response.text();
  const settings = await (await signedInAgent(server.issuer)).request('/settings/developers/apps');
  await settings.text();
  for (const [page, response] of Object.entries({ login: login.response, settings })) {
    const csp = response.headers.get('content-security-policy') ?? '';
    expect([page, csp]).toEqual([page, expect.stringContaining("script-src 'none'")]);
    expect([page, csp]).toEqual([page, expect.not.stringContaining("script-src 'self'")]);
  }
});

/** A token the example's own key signed, with `iat` moved by `skewSeconds`. */
async function tokenIssuedAt(skewSeconds: number): Promise<string> {
  const jwk = server.kit.options.secrets.signingKeys[0]!;
  const key = await importJWK(jwk, jwk.alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: TEST_CLIENT.clientId, scope: 'tasks:read' })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid!, typ: 'at+jwt' })
    .setIssuer(server.issuer)
    .setAudience(server.kit.options.audience)
    .setSubject(TEST_CLIENT.clientId)
    .setIssuedAt(now + skewSeconds)
    .setExpirationTime(now + 3600 + skewSeconds)
    .sign(key);
}

test('a token with iat an hour in the future is refused; a few seconds of clock skew is tolerated', async () => {
  const call = async (token: string) =>
    fetch(`${server.issuer}/v1/tasks`, { headers: { authorization: `Bearer ${token}` } });
  const future = await call(await tokenIssuedAt(3600));
  expect(future.status).toBe(401);
  expect(future.headers.get('www-authenticate')).toContain('invalid_token');
  await future.arrayBuffer();
  const info = await fetch(`${server.issuer}/v1/oauth/token/info`, {
    headers: { authorization: `Bearer ${await tokenIssuedAt(3600)}` },
  });
  expect(info.status).toBe(401);
  await info.arrayBuffer();
  const skewed = await call(await tokenIssuedAt(3));
  expect(skewed.status).toBe(200);
  await skewed.arrayBuffer();
});

describe('a standalone resource server follows only the issuer’s own jwks_uri', () => {
  let issuerServer: Server;
  let issuerUrl: string;
  let jwksUri = '';
  beforeAll(async () => {
    const app = express();
    app.get('/.well-known/oauth-authorization-server', (_req, res) =>
      res.json({ issuer: issuerUrl, jwks_uri: jwksUri, token_endpoint: `${issuerUrl}/token` }),
    );
    app.get('/jwks', (_req, res) => res.json({ keys: [] }));
    issuerServer = createServer(app).listen(0, '127.0.0.1');
    await once(issuerServer, 'listening');
    issuerUrl = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => issuerServer.close(r)));

  /** Resolves when the resource server started (and stops it again). */
  const mount = async (extra: { jwksOrigins?: string[] } = {}) => {
    const rs = await mountResourceServer(express(), {
      issuer: issuerUrl,
      store: server.kit.options.store,
      ...extra,
    });
    rs.close();
    return 'started';
  };

  test('a jwks_uri on another origin stops start-up, unless that https origin is allowed', async () => {
    jwksUri = 'https://keys.evil.example/jwks';
    await expect(mount()).rejects.toThrow(ConfigurationError);
    await expect(mount()).rejects.toThrow(/jwks_uri outside its origin/);
    // Allowed explicitly: it is followed (lazily, on the first token).
    await expect(mount({ jwksOrigins: ['https://keys.evil.example'] })).resolves.toBe('started');
    // Only https origins can be allowed.
    jwksUri = 'http://localhost:1/jwks';
    await expect(mount({ jwksOrigins: ['http://localhost:1'] })).rejects.toThrow(/jwksOrigins\[0\]/);
    await expect(mount()).rejects.toThrow(/jwks_uri outside its origin/);
    // The issuer's own origin needs no option.
    jwksUri = `${issuerUrl}/jwks`;
    await expect(mount()).resolves.toBe('started');
  });
});

test('the developer JSON API is rate-limited per IP, whatever the path spelling', async () => {
  const limited = await startExampleApp({
    security: { rateLimits: { developerApi: { perIp: { points: 3, durationSeconds: 60 } } } },
  });
  try {
    const agent = await signedInAgent(limited.issuer);
    const statuses: number[] = [];
    for (const path of ['/oauth/api/apps', '/OAuth/API/apps', '/oauth/api/apps/', '/oauth/api/apps']) {
      const response = await agent.request(path, { headers: { accept: 'application/json' } });
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited.events.filter((e) => e.type === 'rate_limit.exceeded')).toEqual([
      expect.objectContaining({ limit: 'developerApi.perIp' }),
    ]);
  } finally {
    await limited.close();
  }
});
