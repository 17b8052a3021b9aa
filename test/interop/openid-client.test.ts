/**
 * openid-client 6 (a certified OpenID Connect relying party nobody here wrote) against the
 * running example app: discovery, code + PKCE with an ID token, userinfo, refresh, PAR,
 * client credentials, introspection and revocation (refresh and access tokens), DPoP — each
 * through the library's own API.
 */
import * as client from 'openid-client';
import { TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { walkAuthorization } from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;
let confidential: client.Configuration;
let publicClient: client.Configuration;

const insecure = { execute: [client.allowInsecureRequests] };

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  confidential = await client.discovery(
    new URL(server.issuer),
    TEST_CLIENT.clientId,
    TEST_CLIENT.clientSecret,
    undefined,
    insecure,
  );
  publicClient = await client.discovery(
    new URL(server.issuer),
    TEST_PUBLIC_CLIENT.clientId,
    undefined,
    client.None(),
    insecure,
  );
});
afterAll(async () => {
  await server.close();
});

/** Code + PKCE (+ nonce with openid) through the library, the browser walked by the agent. */
async function signIn(
  config: client.Configuration,
  scope: string,
  usePar = false,
  options?: client.DPoPOptions,
) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const openid = scope.split(' ').includes('openid');
  const nonce = openid ? client.randomNonce() : undefined;
  const parameters = {
    redirect_uri: redirectUri,
    scope,
    state,
    ...(nonce ? { nonce } : {}),
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  const url = usePar
    ? await client.buildAuthorizationUrlWithPAR(config, parameters)
    : client.buildAuthorizationUrl(config, parameters);
  const callback = await walkAuthorization(new BrowserAgent(server.issuer), url.href);
  return client.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: codeVerifier, expectedState: state, ...(nonce ? { expectedNonce: nonce } : {}) },
    undefined,
    options,
  );
}

test('discovery: the library reads the metadata of the issuer', () => {
  const metadata = confidential.serverMetadata();
  expect(metadata.issuer).toBe(server.issuer);
  expect(metadata.userinfo_endpoint).toBe(`${server.issuer}/oauth/userinfo`);
  expect(metadata.pushed_authorization_request_endpoint).toBe(`${server.issuer}/oauth/par`);
});

test('OIDC sign-in: a verified ID token, and userinfo with the account’s claims', async () => {
  const tokens = await signIn(confidential, 'openid profile email tasks:read');
  const idToken = tokens.claims()!;
  expect(idToken).toMatchObject({ iss: server.issuer, sub: 'user_123', aud: TEST_CLIENT.clientId });
  const userinfo = await client.fetchUserInfo(confidential, tokens.access_token, idToken.sub);
  expect(userinfo).toEqual({ sub: 'user_123', name: 'Demo User', email: 'demo@example.com' });
  // The same access token still works at the API.
  const api = await client.fetchProtectedResource(
    confidential,
    tokens.access_token,
    new URL(`${server.issuer}/v1/tasks`),
    'GET',
  );
  expect(api.status).toBe(200);
});

test('userinfo releases only what the granted scopes cover', async () => {
  const tokens = await signIn(confidential, 'openid tasks:read');
  const userinfo = await client.fetchUserInfo(confidential, tokens.access_token, tokens.claims()!.sub);
  expect(userinfo).toEqual({ sub: 'user_123' });
});

test('userinfo refuses a token without openid (insufficient_scope) and a revoked grant’s token', async () => {
  const tokens = await signIn(confidential, 'tasks:read');
  await expect(
    client.fetchUserInfo(confidential, tokens.access_token, client.skipSubjectCheck),
  ).rejects.toMatchObject({ status: 403 });

  const signedIn = await signIn(confidential, 'openid profile');
  await client.tokenRevocation(confidential, signedIn.refresh_token!);
  await expect(
    client.fetchUserInfo(confidential, signedIn.access_token, signedIn.claims()!.sub),
  ).rejects.toMatchObject({ status: 401 });
});

test('a public client: code + PKCE, refresh rotation, revocation with client auth none', async () => {
  const tokens = await signIn(publicClient, 'openid offline_access tasks:read');
  expect(tokens.scope!.split(' ')).toEqual(expect.arrayContaining(['offline_access', 'tasks:read']));
  const refreshed = await client.refreshTokenGrant(publicClient, tokens.refresh_token!);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  await client.tokenRevocation(publicClient, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });
  await expect(client.refreshTokenGrant(publicClient, refreshed.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
});

test('PAR: the authorization request is pushed first, then completed by request_uri', async () => {
  const tokens = await signIn(confidential, 'openid tasks:read', true);
  expect(tokens.claims()!.sub).toBe('user_123');
  expect(tokens.scope).toBe('openid tasks:read');
});

test('client credentials, and introspection of a refresh token', async () => {
  const cc = await client.clientCredentialsGrant(confidential, { scope: 'tasks:read' });
  expect(cc.refresh_token).toBeUndefined();
  expect(cc.scope).toBe('tasks:read');

  const tokens = await signIn(confidential, 'tasks:read');
  const active = await client.tokenIntrospection(confidential, tokens.refresh_token!);
  expect(active).toMatchObject({ active: true, client_id: TEST_CLIENT.clientId, sub: 'user_123' });
  await client.tokenRevocation(confidential, tokens.refresh_token!);
  expect(await client.tokenIntrospection(confidential, tokens.refresh_token!)).toEqual({ active: false });
});

describe('access tokens at revocation and introspection', () => {
  test('a user’s access token introspects with its claims; once revoked it is inactive and the API refuses it', async () => {
    const tokens = await signIn(confidential, 'openid tasks:read');
    const api = () =>
      client.fetchProtectedResource(
        confidential,
        tokens.access_token,
        new URL(`${server.issuer}/v1/tasks`),
        'GET',
      );
    expect(await client.tokenIntrospection(confidential, tokens.access_token)).toMatchObject({
      active: true,
      token_type: 'Bearer',
      client_id: TEST_CLIENT.clientId,
      sub: 'user_123',
      scope: 'openid tasks:read',
      iss: server.issuer,
    });
    expect((await api()).status).toBe(200);
    await client.tokenRevocation(confidential, tokens.access_token, { token_type_hint: 'access_token' });
    expect(await client.tokenIntrospection(confidential, tokens.access_token)).toEqual({ active: false });
    await expect(api()).rejects.toMatchObject({ status: 401 });
    // The grant lives on: its refresh token still works.
    const refreshed = await client.refreshTokenGrant(confidential, tokens.refresh_token!);
    expect((await client.tokenIntrospection(confidential, refreshed.access_token)).active).toBe(true);
  });

  test('a client-credentials access token is revoked the same way', async () => {
    const cc = await client.clientCredentialsGrant(confidential, { scope: 'tasks:read' });
    expect((await client.tokenIntrospection(confidential, cc.access_token)).active).toBe(true);
    await client.tokenRevocation(confidential, cc.access_token);
    expect(await client.tokenIntrospection(confidential, cc.access_token)).toEqual({ active: false });
  });
});

describe('DPoP (RFC 9449)', () => {
  test('code flow: a key-bound token the API, token info and userinfo accept with proofs, never as Bearer', async () => {
    const DPoP = client.getDPoPHandle(confidential, await client.randomDPoPKeyPair());
    const tokens = await signIn(confidential, 'openid profile tasks:read', false, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    for (const path of ['/v1/tasks', '/v1/oauth/token/info']) {
      const response = await client.fetchProtectedResource(
        confidential,
        tokens.access_token,
        new URL(`${server.issuer}${path}`),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      expect(response.status).toBe(200);
    }
    expect(await client.fetchUserInfo(confidential, tokens.access_token, 'user_123', { DPoP })).toMatchObject(
      {
        name: 'Demo User',
      },
    );
    // Without its proof (as Bearer), the same token is refused.
    await expect(
      client.fetchProtectedResource(
        confidential,
        tokens.access_token,
        new URL(`${server.issuer}/v1/tasks`),
        'GET',
      ),
    ).rejects.toMatchObject({ status: 401 });
    expect(await client.tokenIntrospection(confidential, tokens.access_token)).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: expect.any(String) },
    });
  });

  test('client credentials and refresh keep the binding; a DPoP-bound token can be revoked', async () => {
    const DPoP = client.getDPoPHandle(confidential, await client.randomDPoPKeyPair('ES256'));
    const cc = await client.clientCredentialsGrant(confidential, { scope: 'tasks:read' }, { DPoP });
    expect(cc.token_type).toBe('dpop');
    const call = () =>
      client.fetchProtectedResource(
        confidential,
        cc.access_token,
        new URL(`${server.issuer}/v1/tasks`),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
    expect((await call()).status).toBe(200);
    await client.tokenRevocation(confidential, cc.access_token);
    await expect(call()).rejects.toMatchObject({ status: 401 });

    const tokens = await signIn(confidential, 'tasks:read', false, { DPoP });
    const refreshed = await client.refreshTokenGrant(confidential, tokens.refresh_token!, undefined, {
      DPoP,
    });
    expect(refreshed.token_type).toBe('dpop');
    expect(
      (
        await client.fetchProtectedResource(
          confidential,
          refreshed.access_token,
          new URL(`${server.issuer}/v1/tasks`),
          'GET',
          undefined,
          undefined,
          { DPoP },
        )
      ).status,
    ).toBe(200);
  });
});
