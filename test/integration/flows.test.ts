/**
 * The documented flows and token rules, driven over HTTP against the running example app by
 * oauth4webapi (a real OAuth client) and a cookie-keeping HTTP agent playing the browser.
 * The whole suite runs once per store: in-memory, Redis, and Redis Cluster.
 */
import * as oauth from 'oauth4webapi';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import {
  authorize,
  callApi,
  codeFlow,
  exchangeCode,
  revokeToken,
  tokenRequest,
} from '../helpers/oauth-client.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/test-stores.js';

describe.each(STORE_KINDS)('with the %s store', (storeKind) => {
  let server: RunningExample;
  let redirectUri: string;
  let backing: TestStore;

  beforeAll(async () => {
    backing = await openTestStore(storeKind);
    server = await startExampleApp({ store: backing.store });
    redirectUri = `http://localhost:${server.port}/callback`;
  });
  afterAll(async () => {
    await server?.close();
    await backing?.close();
  });

  const refresh = (refreshToken: string) =>
    tokenRequest(server.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken }, TEST_CLIENT);

  describe('authorization code flow', () => {
    test('issues a JWT access token with the documented claims, a refresh token and iss in the response', async () => {
      const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read projects:read');
      expect(tokens.result.callback.searchParams.get('iss')).toBe(server.issuer);
      expect(tokens.expires_in).toBe(3600);
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({
        iss: server.issuer,
        sub: 'user_123',
        aud: `${server.issuer}/api`,
        client_id: 'test_abc123',
        scope: 'tasks:read projects:read',
      });
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(claims.jti).toEqual(expect.any(String));
    });

    test('the access token is verifiable with the JWKS endpoint', async () => {
      const { access_token } = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const keys = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(access_token, keys, { issuer: server.issuer, typ: 'at+jwt' });
      expect(payload.sub).toBe('user_123');
    });

    test('the API accepts the token for granted scopes and answers 403 insufficient_scope otherwise', async () => {
      const { access_token } = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const ok = await callApi(server.issuer, '/v1/tasks', access_token);
      expect(ok.status).toBe(200);
      expect(ok.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'task_1' })]));
      const denied = await callApi(server.issuer, '/v1/user', access_token);
      expect(denied.status).toBe(403);
      expect(denied.json.error).toBe('insufficient_scope');
      expect(denied.wwwAuthenticate).toMatch(/^Bearer .*error="insufficient_scope".*scope="users:read"/);
    });

    test('token info returns client_id, user_id, scopes and an ISO-8601 expires_at', async () => {
      const { access_token } = await codeFlow(
        server.issuer,
        TEST_CLIENT,
        redirectUri,
        'tasks:read tasks:write',
      );
      const info = await callApi(server.issuer, '/v1/oauth/token/info', access_token);
      expect(info.status).toBe(200);
      expect(info.json).toEqual({
        client_id: 'test_abc123',
        user_id: 'user_123',
        scopes: ['tasks:read', 'tasks:write'],
        expires_at: new Date(decodeJwt(access_token).exp! * 1000).toISOString(),
      });
    });

    test('deny ends at the client with access_denied and the state', async () => {
      const result = await authorize(server.issuer, {
        clientId: TEST_CLIENT.clientId,
        redirectUri,
        scope: 'tasks:read',
        decision: 'deny',
      });
      expect(result.callback.searchParams.get('error')).toBe('access_denied');
      expect(result.callback.searchParams.get('state')).toBe(result.state);
      expect(result.callback.searchParams.get('code')).toBeNull();
    });

    test('an unregistered redirect_uri gets an error page, never a redirect', async () => {
      const agent = new BrowserAgent(server.issuer);
      const params = new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: 'https://evil.example/callback',
        response_type: 'code',
        scope: 'tasks:read',
        state: 'xyz',
      });
      const response = await agent.request(`/oauth/authorize?${params}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/html/);
      expect(await response.text()).toContain('This app sent you from an address it did not register');
    });

    test('a redirect_uri that differs only by a trailing slash or query is refused (exact match)', async () => {
      for (const uri of [
        `${redirectUri}/`,
        `${redirectUri}?x=1`,
        redirectUri.replace('localhost', '127.0.0.1'),
      ]) {
        const params = new URLSearchParams({
          client_id: TEST_CLIENT.clientId,
          redirect_uri: uri,
          response_type: 'code',
          scope: 'tasks:read',
        });
        const response = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
      }
    });

    test('an unknown scope at authorize is invalid_scope', async () => {
      const agent = new BrowserAgent(server.issuer);
      const params = new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'tasks:read nope:read',
        state: 's1',
      });
      const response = await agent.request(`/oauth/authorize?${params}`);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_scope');
      expect(location.searchParams.get('state')).toBe('s1');
    });

    test('a restricted scope the client is not approved for is invalid_scope', async () => {
      const params = new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'admin:*',
        state: 's2',
      });
      const response = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
      expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    });

    test('a user already signed in to the product skips the login page', async () => {
      const agent = new BrowserAgent(server.issuer);
      const form = await agent.request('/signin');
      const signin = await agent.submit(`${server.issuer}/signin`, await form.text(), {
        email: 'demo@example.com',
        password: 'demo-password',
      });
      expect(signin.response.status).toBe(200);
      expect(new URL(signin.url).pathname).toBe('/');
      const params = new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'tasks:read',
        state: 's3',
      });
      const { response } = await agent.follow(`/oauth/authorize?${params}`);
      const html = await response.text();
      expect(html).not.toContain('name="password"');
      expect(html).toContain('name="decision"');
      expect(html).toContain('Read your tasks');
    });

    test('wrong login credentials re-render the login page with an error', async () => {
      const agent = new BrowserAgent(server.issuer);
      const params = new URLSearchParams({
        client_id: TEST_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'tasks:read',
        state: 's4',
      });
      const { response, url } = await agent.follow(`/oauth/authorize?${params}`);
      const { response: again } = await agent.submit(url, await response.text(), {
        email: 'demo@example.com',
        password: 'wrong',
      });
      expect(again.status).toBe(401);
      expect(await again.text()).toContain('Email or password is incorrect');
    });
  });

  describe('PKCE', () => {
    test('a public client completes the flow with S256 and gets a refresh token', async () => {
      const tokens = await codeFlow(server.issuer, TEST_PUBLIC_CLIENT, redirectUri, 'tasks:read');
      expect(decodeJwt(tokens.access_token).client_id).toBe('test_public_spa');
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    test('a public client without a code_challenge is refused', async () => {
      const params = new URLSearchParams({
        client_id: TEST_PUBLIC_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'tasks:read',
        state: 'p1',
      });
      const response = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
    });

    test('the plain method is refused', async () => {
      const params = new URLSearchParams({
        client_id: TEST_PUBLIC_CLIENT.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'tasks:read',
        state: 'p2',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'plain',
      });
      const response = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
      expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    });

    test('a wrong code_verifier at the token endpoint is invalid_grant', async () => {
      const result = await authorize(server.issuer, {
        clientId: TEST_PUBLIC_CLIENT.clientId,
        redirectUri,
        scope: 'tasks:read',
      });
      const { status, json } = await tokenRequest(server.issuer, {
        grant_type: 'authorization_code',
        client_id: TEST_PUBLIC_CLIENT.clientId,
        code: result.callback.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: oauth.generateRandomCodeVerifier(),
      });
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_grant');
    });
  });

  describe('authorization codes', () => {
    test('a code is single use: reuse is invalid_grant and revokes what the first exchange issued', async () => {
      const result = await authorize(server.issuer, {
        clientId: TEST_CLIENT.clientId,
        redirectUri,
        scope: 'tasks:read',
      });
      const exchange = () => exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
      const first = await exchange();
      expect(first.status).toBe(200);
      const second = await exchange();
      expect(second.status).toBe(400);
      expect(second.json.error).toBe('invalid_grant');
      expect((await callApi(server.issuer, '/v1/tasks', first.json.access_token as string)).status).toBe(401);
      expect((await refresh(first.json.refresh_token as string)).json.error).toBe('invalid_grant');
    });

    test('a code redeemed with another redirect_uri is invalid_grant', async () => {
      const result = await authorize(server.issuer, {
        clientId: TEST_CLIENT.clientId,
        redirectUri,
        scope: 'tasks:read',
      });
      const { status, json } = await tokenRequest(
        server.issuer,
        {
          grant_type: 'authorization_code',
          code: result.callback.searchParams.get('code')!,
          redirect_uri: `${redirectUri}/other`,
          code_verifier: result.codeVerifier,
        },
        TEST_CLIENT,
      );
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_grant');
    });
  });

  describe('refresh tokens', () => {
    test('rotate on every use', async () => {
      const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const first = await refresh(tokens.refresh_token!);
      expect(first.status).toBe(200);
      expect(first.json.refresh_token).toEqual(expect.any(String));
      expect(first.json.refresh_token).not.toBe(tokens.refresh_token);
      const second = await refresh(first.json.refresh_token as string);
      expect(second.status).toBe(200);
      expect(second.json.refresh_token).not.toBe(first.json.refresh_token);
      expect(decodeJwt(second.json.access_token as string).scope).toBe('tasks:read');
    });

    test('reusing a rotated refresh token is invalid_grant and revokes the whole grant', async () => {
      const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const rotated = await refresh(tokens.refresh_token!);
      const reuse = await refresh(tokens.refresh_token!);
      expect(reuse.status).toBe(400);
      expect(reuse.json.error).toBe('invalid_grant');
      // Every token of the grant is dead: the newest refresh token and every access token.
      expect((await refresh(rotated.json.refresh_token as string)).json.error).toBe('invalid_grant');
      for (const token of [tokens.access_token, rotated.json.access_token as string]) {
        const api = await callApi(server.issuer, '/v1/tasks', token);
        expect(api.status).toBe(401);
        expect(api.json.error).toBe('invalid_token');
        expect((await callApi(server.issuer, '/v1/oauth/token/info', token)).status).toBe(401);
      }
    });

    test('50 concurrent refreshes with one token: exactly one succeeds and the grant is revoked', async () => {
      const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const results = await Promise.all(Array.from({ length: 50 }, () => refresh(tokens.refresh_token!)));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.status === 400 && r.json.error === 'invalid_grant')).toHaveLength(49);
      // Reuse rule applied: the winner's tokens die with the grant too.
      expect((await callApi(server.issuer, '/v1/tasks', ok[0]!.json.access_token as string)).status).toBe(
        401,
      );
    });

    test('revoking a refresh token at /oauth/revoke invalidates every access token of its grant', async () => {
      const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
      const rotated = await refresh(tokens.refresh_token!);
      expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
      expect(
        await revokeToken(server.issuer, rotated.json.refresh_token as string, TEST_CLIENT, 'refresh_token'),
      ).toBe(200);
      for (const token of [tokens.access_token, rotated.json.access_token as string]) {
        expect((await callApi(server.issuer, '/v1/tasks', token)).status).toBe(401);
        expect((await callApi(server.issuer, '/v1/oauth/token/info', token)).status).toBe(401);
      }
    });

    test('a refresh token of another client is invalid_grant', async () => {
      const tokens = await codeFlow(server.issuer, TEST_PUBLIC_CLIENT, redirectUri, 'tasks:read');
      const { json } = await refresh(tokens.refresh_token!);
      expect(json.error).toBe('invalid_grant');
    });
  });

  describe('client credentials', () => {
    const cc = (
      body: Record<string, string>,
      credentials = TEST_CLIENT as { clientId: string; clientSecret: string },
    ) => tokenRequest(server.issuer, { grant_type: 'client_credentials', ...body }, credentials);

    test('issues a JWT access token and never a refresh token', async () => {
      const { status, json } = await cc({ scope: 'tasks:read' });
      expect(status).toBe(200);
      expect(json.refresh_token).toBeUndefined();
      expect(json.expires_in).toBe(3600);
      expect(decodeJwt(json.access_token as string)).toMatchObject({
        client_id: 'test_abc123',
        scope: 'tasks:read',
      });
      const info = await callApi(server.issuer, '/v1/oauth/token/info', json.access_token as string);
      expect(info.json).toMatchObject({ client_id: 'test_abc123', user_id: null, scopes: ['tasks:read'] });
    });

    test('an unknown scope is invalid_scope', async () => {
      const { status, json } = await cc({ scope: 'tasks:read bogus:scope' });
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_scope');
    });

    test('an unapproved restricted scope is invalid_scope', async () => {
      const { json } = await cc({ scope: 'admin:*' });
      expect(json.error).toBe('invalid_scope');
    });

    test('a wrong secret is 401 invalid_client', async () => {
      const { status, json } = await cc(
        { scope: 'tasks:read' },
        { clientId: TEST_CLIENT.clientId, clientSecret: 'wrong' },
      );
      expect(status).toBe(401);
      expect(json.error).toBe('invalid_client');
    });

    test('a public client is unauthorized_client', async () => {
      const { status, json } = await tokenRequest(server.issuer, {
        grant_type: 'client_credentials',
        client_id: TEST_PUBLIC_CLIENT.clientId,
      });
      expect(status).toBe(400);
      expect(json.error).toBe('unauthorized_client');
    });
  });

  describe('token endpoint errors', () => {
    test('an unknown grant type is unsupported_grant_type', async () => {
      const { status, json } = await tokenRequest(server.issuer, { grant_type: 'password' }, TEST_CLIENT);
      expect(status).toBe(400);
      expect(json.error).toBe('unsupported_grant_type');
    });

    test('a missing grant type is invalid_request', async () => {
      const { status, json } = await tokenRequest(server.issuer, {}, TEST_CLIENT);
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_request');
    });
  });

  describe('requireScope', () => {
    test('no token is 401 with a challenge that has no error code, only the resource metadata', async () => {
      const response = await fetch(`${server.issuer}/v1/tasks`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer scope="tasks:read", resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/api"`,
      );
    });

    test('a tampered token is 401 invalid_token', async () => {
      const { json } = await tokenRequest(
        server.issuer,
        { grant_type: 'client_credentials', scope: 'tasks:read' },
        TEST_CLIENT,
      );
      const token = json.access_token as string;
      const [h, p, s] = token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      payload.scope = 'tasks:read admin:*';
      const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      const api = await callApi(server.issuer, '/v1/tasks', forged);
      expect(api.status).toBe(401);
      expect(api.wwwAuthenticate).toMatch(/error="invalid_token"/);
    });

    test('a malformed Authorization header is 400 invalid_request', async () => {
      const response = await fetch(`${server.issuer}/v1/tasks`, {
        headers: { authorization: 'Bearer a b c' },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    });
  });
});
