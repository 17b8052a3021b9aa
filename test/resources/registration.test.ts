/**
 * RFC 7591 dynamic client registration on the example app (policy 'open'), then a code flow by
 * the registered public client with oauth4webapi; malformed and hostile registrations get RFC
 * 7591 errors, never a 5xx; the per-IP limit and the daily cap hold; unused registrations expire.
 */
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import express from 'express';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, callApi, discover, insecure } from '../helpers/oauth-client.js';
import { createMemoryStore, mountOAuth } from '../../lib/index.js';
import type Provider from 'oidc-provider';

let server: RunningExample;
beforeAll(async () => {
  server = await startExampleApp();
});
afterAll(() => server.close());

/** The body the MCP TypeScript SDK sends. */
const sdkBody = (port: number) => ({
  client_name: 'Agent',
  redirect_uris: [`http://127.0.0.1:${port}/callback`],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'tasks:read',
});

async function register(body: unknown, headers: Record<string, string> = {}, base = server.issuer) {
  const response = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the assertions below say so
  }
  return { status: response.status, json };
}

test('the metadata advertises the registration endpoint on the issuer origin, and public clients', async () => {
  const as = await discover(server.issuer);
  expect(as.registration_endpoint).toBe(`${server.issuer}/oauth/register`);
  expect(as.code_challenge_methods_supported).toContain('S256');
  expect(as.token_endpoint_auth_methods_supported).toContain('none');
});

test("the MCP SDK's registration body gets 201, no secret, and the client completes a PKCE flow", async () => {
  const { status, json } = await register(sdkBody(server.port));
  expect(status).toBe(201);
  expect(json.client_secret).toBeUndefined();
  expect(json.token_endpoint_auth_method).toBe('none');
  expect(json.client_id).toMatch(/^dyn_/);
  expect(Object.keys(json).some((k) => k.startsWith('urn:oauth-kit'))).toBe(false);

  // The registration asked for tasks:read; the catalog still rules what it may ask for later.
  const clientId = String(json.client_id);
  const redirectUri = `http://127.0.0.1:${server.port}/callback`;
  const result = await authorize(server.issuer, {
    clientId,
    redirectUri,
    scope: 'tasks:read tasks:write',
    extra: { resource: `${server.issuer}/mcp` },
  });
  const as = await discover(server.issuer);
  const client: oauth.Client = { client_id: clientId };
  const params = oauth.validateAuthResponse(as, client, result.callback, result.state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      result.codeVerifier,
      {
        ...insecure,
        additionalParameters: { resource: `${server.issuer}/mcp` },
      },
    ),
  );
  expect(decodeJwt(tokens.access_token)).toMatchObject({
    aud: `${server.issuer}/mcp`,
    client_id: clientId,
    sub: 'user_123',
    scope: 'tasks:read tasks:write',
  });
  expect(tokens.refresh_token).toEqual(expect.any(String));
  // Rotated on use.
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
  );
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect(decodeJwt(refreshed.access_token).aud).toBe(`${server.issuer}/mcp`);
});

test('a self-registered client always sees consent, marked as such; a registered app does not', async () => {
  const { json } = await register(sdkBody(server.port));
  const clientId = String(json.client_id);
  const redirectUri = `http://127.0.0.1:${server.port}/callback`;
  const first = await authorize(server.issuer, { clientId, redirectUri, scope: 'tasks:read' });
  expect(first.callback.searchParams.get('code')).toBeTruthy();
  // Same user, same scope, already granted: the page is consent again, saying who vouches for it.
  const again = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  const { response } = await first.agent.follow(`/oauth/authorize?${again}`);
  const html = await response.text();
  expect(html).toContain('name="decision"');
  expect(html).toContain('Self-registered');
  expect(html).toContain('http://127.0.0.1:');
  // The kit's own (developer-registered) client is not asked twice for what was granted.
  const control = await authorize(server.issuer, {
    clientId: 'test_abc123',
    redirectUri: `http://localhost:${server.port}/callback`,
    scope: 'tasks:read',
    agent: first.agent,
  });
  const controlAgain = new URLSearchParams({
    client_id: 'test_abc123',
    redirect_uri: `http://localhost:${server.port}/callback`,
    response_type: 'code',
    scope: 'tasks:read',
  });
  const second = await first.agent.follow(`/oauth/authorize?${controlAgain}`);
  expect(control.callback.searchParams.get('code')).toBeTruthy();
  expect(second.url).toContain('/callback');
});

test('administrators list self-registered clients and block one: refused at once, everywhere', async () => {
  const { json } = await register({ ...sdkBody(server.port), client_name: 'Rogue agent' });
  const clientId = String(json.client_id);
  const redirectUri = `http://127.0.0.1:${server.port}/callback`;
  const result = await authorize(server.issuer, { clientId, redirectUri, scope: 'tasks:read' });
  const as = await discover(server.issuer);
  const client: oauth.Client = { client_id: clientId };
  const params = oauth.validateAuthResponse(as, client, result.callback, result.state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      result.codeVerifier,
      insecure,
    ),
  );
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);

  const listed = await server.kit.selfRegisteredClients.list();
  expect(listed).toContainEqual(
    expect.objectContaining({ clientId, name: 'Rogue agent', kind: 'registration', blocked: false }),
  );
  await server.kit.selfRegisteredClients.block(clientId);
  expect(await server.kit.selfRegisteredClients.list()).toContainEqual(
    expect.objectContaining({ clientId, blocked: true }),
  );
  const refused = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
  expect(refused.status).toBe(401);
  expect(refused.json.error).toBe('invalid_token');
  const refresh = await oauth.refreshTokenGrantRequest(
    as,
    client,
    oauth.None(),
    tokens.refresh_token!,
    insecure,
  );
  expect(refresh.status).toBeGreaterThanOrEqual(400);
  expect(refresh.status).toBeLessThan(500);
  const again = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  const page = await fetch(`${server.issuer}/oauth/authorize?${again}`, { redirect: 'manual' });
  expect(page.status).toBeGreaterThanOrEqual(400);
  expect(page.status).toBeLessThan(500);
  expect(page.headers.get('location')).toBeNull();
});

test.each([
  ['not JSON', '{"redirect_uris":', 'invalid_request'],
  ['a JSON array', [], 'invalid_request'],
  ['no redirect URIs', { client_name: 'x' }, 'invalid_redirect_uri'],
  [
    'a plain-http non-loopback redirect URI',
    { redirect_uris: ['http://evil.example/cb'] },
    'invalid_redirect_uri',
  ],
  ['a redirect URI with a fragment', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
  ['a redirect URI that is not a string', { redirect_uris: [42] }, 'invalid_redirect_uri'],
  [
    'too many redirect URIs',
    { redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) },
    'invalid_redirect_uri',
  ],
  [
    'a confidential client',
    { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'client_secret_basic' },
    'invalid_client_metadata',
  ],
  [
    'client_credentials',
    { redirect_uris: ['https://app.example/cb'], grant_types: ['client_credentials'] },
    'invalid_client_metadata',
  ],
  [
    'a client_name that is not a string',
    { redirect_uris: ['https://app.example/cb'], client_name: { a: 1 } },
    'invalid_client_metadata',
  ],
])('a registration with %s is a 400 %s', async (_name, body, error) => {
  const { status, json } = await register(body);
  expect(status).toBe(400);
  expect(json.error).toBe(error);
});

test('a registrant cannot set the kit’s own metadata (test mode, self-registered flag)', async () => {
  const { status, json } = await register({
    redirect_uris: ['https://app.example/cb'],
    'urn:oauth-kit:test_mode': true,
    'urn:oauth-kit:self_registered': false,
  });
  expect(status).toBe(201);
  const client = await (server.kit.provider as Provider).Client.find(String(json.client_id));
  expect(client?.['urn:oauth-kit:test_mode']).toBeFalsy();
  expect(client?.['urn:oauth-kit:self_registered']).toBe(true);
});

describe('policies and limits', () => {
  async function kitWith(options: Record<string, unknown>) {
    const app = express();
    const httpServer = createServer(app).listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    const issuer = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const store = createMemoryStore();
    const kit = await mountOAuth(app, {
      issuer,
      scopes: [{ name: 'tasks:read', description: 'Read tasks' }],
      accounts: { authenticate: async () => undefined, find: async () => undefined },
      secrets: server.kit.options.secrets,
      logger: false,
      store,
      ...options,
    });
    return {
      issuer,
      kit,
      store,
      close: async () => {
        await kit.close();
        httpServer.close();
      },
    };
  }

  test("'off' advertises no endpoint and registers nothing", async () => {
    const off = await kitWith({});
    try {
      expect((await discover(off.issuer)).registration_endpoint).toBeUndefined();
      expect((await register(sdkBody(1), {}, off.issuer)).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  test("'initial-access-token' registers only with the token", async () => {
    const token = 'iat-'.padEnd(40, 'x');
    const gated = await kitWith({
      registration: { policy: 'initial-access-token', initialAccessToken: token },
    });
    try {
      const without = await register(sdkBody(1), {}, gated.issuer);
      expect(without.status).toBe(401);
      expect(without.json.error).toBe('invalid_token');
      const wrong = await register(sdkBody(1), { authorization: `Bearer ${'y'.repeat(40)}` }, gated.issuer);
      expect(wrong.status).toBe(401);
      const right = await register(sdkBody(1), { authorization: `Bearer ${token}` }, gated.issuer);
      expect(right.status).toBe(201);
      expect(right.json.client_secret).toBeUndefined();
    } finally {
      await gated.close();
    }
  });

  test('per-IP limit: the registration after the limit is a 429 rate_limited', async () => {
    const limited = await kitWith({
      registration: { policy: 'open' },
      rateLimits: { registration: { perIp: { points: 2, durationSeconds: 60 } } },
    });
    try {
      expect((await register(sdkBody(1), {}, limited.issuer)).status).toBe(201);
      expect((await register(sdkBody(1), {}, limited.issuer)).status).toBe(201);
      const third = await register(sdkBody(1), {}, limited.issuer);
      expect(third.status).toBe(429);
      expect(third.json.error).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  test('daily cap: once reached, registrations are refused; failed ones do not count', async () => {
    const capped = await kitWith({ registration: { policy: 'open', maxPerDay: 2 } });
    try {
      expect((await register({ redirect_uris: ['ftp://x'] }, {}, capped.issuer)).status).toBe(400);
      expect((await register(sdkBody(1), {}, capped.issuer)).status).toBe(201);
      expect((await register(sdkBody(1), {}, capped.issuer)).status).toBe(201);
      await new Promise((r) => setTimeout(r, 50)); // the counter is written when the 201 finished
      expect((await register(sdkBody(1), {}, capped.issuer)).status).toBe(429);
    } finally {
      await capped.close();
    }
  });

  test('an unused registration expires; the kit stores it with the unused lifetime', async () => {
    const expiring = await kitWith({ registration: { policy: 'open', unusedTtlSeconds: 1 } });
    try {
      const { json } = await register(sdkBody(1), {}, expiring.issuer);
      const id = String(json.client_id);
      expect(await (expiring.kit.provider as Provider).Client.find(id)).toBeDefined();
      await new Promise((r) => setTimeout(r, 1100));
      const stored = await new expiring.store.Adapter('Client').find(id);
      expect(stored).toBeUndefined();
    } finally {
      await expiring.close();
    }
  });
});
