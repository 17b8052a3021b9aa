/**
 * oauth4webapi (a low-level OAuth 2 / OpenID Connect client nobody here wrote) against the
 * running example app: RFC 8414 discovery, PAR, code + PKCE with an ID token, userinfo,
 * refresh, client credentials, introspection, revocation, and its RFC 9068 validation of the
 * kit's JWT access tokens as a resource server would do it.
 */
import * as oauth from 'oauth4webapi';
import { TEST_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { walkAuthorization } from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;
let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: TEST_CLIENT.clientId };
const clientAuth = oauth.ClientSecretBasic(TEST_CLIENT.clientSecret);
const insecure = { [oauth.allowInsecureRequests]: true } as const;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  const issuer = new URL(server.issuer);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
  );
});
afterAll(async () => {
  await server.close();
});

/** PAR, then the browser, then the code exchange: each step through oauth4webapi. */
async function pushedCodeFlow(scope: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  // A nonce belongs to OpenID Connect requests only.
  const nonce = scope.split(' ').includes('openid') ? oauth.generateRandomNonce() : undefined;
  const pushed = await oauth.processPushedAuthorizationResponse(
    as,
    client,
    await oauth.pushedAuthorizationRequest(
      as,
      client,
      clientAuth,
      new URLSearchParams({
        redirect_uri: redirectUri,
        response_type: 'code',
        scope,
        state,
        ...(nonce ? { nonce } : {}),
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }),
      insecure,
    ),
  );
  const authorization = new URL(as.authorization_endpoint!);
  authorization.search = new URLSearchParams({
    client_id: client.client_id,
    request_uri: pushed.request_uri,
  }).toString();
  const callback = await walkAuthorization(new BrowserAgent(server.issuer), authorization.href);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuth,
    params,
    redirectUri,
    verifier,
    insecure,
  );
  return oauth.processAuthorizationCodeResponse(as, client, response, nonce ? { expectedNonce: nonce } : {});
}

test('PAR + code + PKCE + ID token, userinfo, and RFC 9068 validation of the access token', async () => {
  const tokens = await pushedCodeFlow('openid email tasks:read');
  const idToken = oauth.getValidatedIdTokenClaims(tokens)!;
  expect(idToken.sub).toBe('user_123');

  const info = await oauth.processUserInfoResponse(
    as,
    client,
    idToken.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
  );
  expect(info).toEqual({ sub: 'user_123', email: 'demo@example.com' });

  // A resource server's check (RFC 9068): typ at+jwt, signature by the JWKS, iss, aud, exp, claims.
  const claims = await oauth.validateJwtAccessToken(
    as,
    new Request(`${server.issuer}/v1/tasks`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
    `${server.issuer}/api`,
    insecure,
  );
  expect(claims).toMatchObject({ sub: 'user_123', client_id: TEST_CLIENT.clientId, iss: server.issuer });
  expect(String(claims.scope).split(' ')).toEqual(expect.arrayContaining(['tasks:read']));
});

test('refresh rotation, introspection and revocation', async () => {
  const tokens = await pushedCodeFlow('tasks:read');
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, insecure),
  );
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

  const introspected = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, clientAuth, refreshed.refresh_token!, insecure),
  );
  expect(introspected).toMatchObject({ active: true, client_id: TEST_CLIENT.clientId });

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, insecure),
  );
  await expect(
    oauth
      .refreshTokenGrantRequest(as, client, clientAuth, refreshed.refresh_token!, insecure)
      .then((response) => oauth.processRefreshTokenResponse(as, client, response)),
  ).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('client credentials: an RFC 9068 token for the client itself, no refresh token', async () => {
  const tokens = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      new URLSearchParams({ scope: 'tasks:read' }),
      insecure,
    ),
  );
  expect(tokens.refresh_token).toBeUndefined();
  const claims = await oauth.validateJwtAccessToken(
    as,
    new Request(`${server.issuer}/v1/tasks`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
    `${server.issuer}/api`,
    insecure,
  );
  expect(claims).toMatchObject({ sub: TEST_CLIENT.clientId, client_id: TEST_CLIENT.clientId });
});
