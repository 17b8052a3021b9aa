/**
 * openid-client 6 (a certified OpenID Connect relying party nobody here wrote) against the
 * running example app: discovery, code + PKCE with an ID token, userinfo, refresh, PAR,
 * client credentials, introspection and revocation — each through the library's own API.
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
async function signIn(config: client.Configuration, scope: string, usePar = false) {
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
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    ...(nonce ? { expectedNonce: nonce } : {}),
  });
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
