/**
 * Several resources (RFC 8707) and their RFC 9728 metadata, on the running example app (REST API
 * at `<issuer>/api`, the default; MCP server at `<issuer>/mcp`), driven by oauth4webapi.
 */
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import {
  authorize,
  callApi,
  discover,
  exchangeCode,
  insecure,
  tokenRequest,
} from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;
let api: string;
let mcp: string;
beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  api = `${server.issuer}/api`;
  mcp = `${server.issuer}/mcp`;
});
afterAll(() => server.close());

async function codeFor(
  scope: string,
  resource?: string,
  agent?: Awaited<ReturnType<typeof authorize>>['agent'],
) {
  const extra = resource ? { resource } : undefined;
  const result = await authorize(server.issuer, {
    clientId: TEST_CLIENT.clientId,
    redirectUri,
    scope,
    ...(extra ? { extra } : {}),
    ...(agent ? { agent } : {}),
  });
  const tokens = await exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
  return { ...tokens, agent: result.agent };
}

describe('a token carries exactly one resource', () => {
  test('requested with resource=<issuer>/mcp, its aud is exactly that resource and the REST API refuses it', async () => {
    const { status, json } = await codeFor('tasks:read', mcp);
    expect(status).toBe(200);
    const claims = decodeJwt(String(json.access_token));
    expect(claims).toMatchObject({
      aud: mcp,
      sub: 'user_123',
      client_id: TEST_CLIENT.clientId,
      scope: 'tasks:read',
    });
    const refused = await callApi(server.issuer, '/v1/tasks', String(json.access_token));
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('invalid_token');
    expect(refused.wwwAuthenticate).toMatch(/error="invalid_token"/);
    expect(refused.wwwAuthenticate).toContain(
      `resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/api"`,
    );
  });

  test('without a resource parameter it is for the default resource, which accepts it', async () => {
    const { json } = await codeFor('tasks:read');
    expect(decodeJwt(String(json.access_token)).aud).toBe(api);
    expect((await callApi(server.issuer, '/v1/tasks', String(json.access_token))).status).toBe(200);
  });

  test('a refreshed token keeps its resource', async () => {
    const { json } = await codeFor('tasks:read', mcp);
    const refreshed = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: String(json.refresh_token) },
      TEST_CLIENT,
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.json.access_token))).toMatchObject({ aud: mcp, scope: 'tasks:read' });
  });

  test('a resource the host did not declare is invalid_target, at authorization and at the token endpoint', async () => {
    const result = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
      extra: { resource: 'https://evil.example/api' },
    });
    expect(result.callback.searchParams.get('error')).toBe('invalid_target');
    const cc = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read', resource: 'https://evil.example/api' },
      TEST_CLIENT,
    );
    expect(cc.status).toBe(400);
    expect(cc.json.error).toBe('invalid_target');
  });

  test('scopes a resource does not accept are not in its tokens', async () => {
    const cc = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read projects:read', resource: mcp },
      TEST_CLIENT,
    );
    expect(cc.status).toBe(200);
    expect(decodeJwt(String(cc.json.access_token))).toMatchObject({ aud: mcp, scope: 'tasks:read' });
  });

  test('step-up: a token requested for fewer scopes carries only those, though the user granted more', async () => {
    const first = await codeFor('tasks:read tasks:write', mcp);
    expect(decodeJwt(String(first.json.access_token)).scope).toBe('tasks:read tasks:write');
    const narrower = await codeFor('tasks:read', mcp, first.agent);
    expect(decodeJwt(String(narrower.json.access_token)).scope).toBe('tasks:read');
    const refreshed = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: String(narrower.json.refresh_token) },
      TEST_CLIENT,
    );
    expect(decodeJwt(String(refreshed.json.access_token)).scope).toBe('tasks:read');
  });
});

describe('challenges (RFC 6750 §3, RFC 9728 §5.1)', () => {
  test('with no token at all: 401 naming the metadata and the scope to ask for, with no error code', async () => {
    const response = await fetch(`${server.issuer}/v1/tasks`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer scope="tasks:read", resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/api"`,
    );
  });

  test('insufficient_scope is a 403 naming the needed scope and the metadata', async () => {
    const { json } = await codeFor('tasks:read');
    const denied = await fetch(`${server.issuer}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(json.access_token)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x' }),
    });
    expect(denied.status).toBe(403);
    const challenge = denied.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/error="insufficient_scope"/);
    expect(challenge).toContain('scope="tasks:write"');
    expect(challenge).toContain(
      `resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/api"`,
    );
  });

  test('an expired or garbled token is a 401 invalid_token, never a 400', async () => {
    const garbled = await callApi(server.issuer, '/v1/tasks', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln');
    expect(garbled.status).toBe(401);
    expect(garbled.json.error).toBe('invalid_token');
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  test('each resource on the issuer origin publishes its document at its path-aware well-known URL', async () => {
    for (const [resource, path, scopes] of [
      [mcp, '/.well-known/oauth-protected-resource/mcp', ['tasks:read', 'tasks:write']],
      [
        api,
        '/.well-known/oauth-protected-resource/api',
        expect.arrayContaining(['tasks:read', 'projects:read']),
      ],
    ] as const) {
      const response = await fetch(`${server.issuer}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        resource,
        authorization_servers: [server.issuer],
        scopes_supported: scopes,
        bearer_methods_supported: ['header'],
      });
    }
  });

  test('oauth4webapi discovers the resource from its metadata and finds the authorization server', async () => {
    const resource = new URL(mcp);
    const metadata = await oauth.processResourceDiscoveryResponse(
      resource,
      await oauth.resourceDiscoveryRequest(resource, insecure),
    );
    expect(metadata.authorization_servers).toEqual([server.issuer]);
    const as = await discover(metadata.authorization_servers![0]!);
    expect(as.issuer).toBe(server.issuer);
  });
});
