/**
 * JWT access tokens at the revocation (RFC 7009) and introspection (RFC 7662) endpoints,
 * driven by oauth4webapi against the example app over HTTP: a revoked access token is refused
 * by requireScope (in-process and standalone), token info and introspection within a second.
 */
import express from 'express';
import request from 'supertest';
import * as oauth from 'oauth4webapi';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import { mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { callApi, codeFlow, discover, insecure, tokenRequest } from '../helpers/oauth-client.js';

let server: RunningExample;
let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: TEST_CLIENT.clientId };
const auth = oauth.ClientSecretBasic(TEST_CLIENT.clientSecret);

beforeAll(async () => {
  server = await startExampleApp();
  as = await discover(server.issuer);
});
afterAll(() => server.close());

async function clientCredentialsToken(scope = 'tasks:read'): Promise<string> {
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope }, insecure);
  return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
}

async function introspect(token: string, by = { client, auth }) {
  const response = await oauth.introspectionRequest(as, by.client, by.auth, token, insecure);
  return oauth.processIntrospectionResponse(as, by.client, response);
}

async function revoke(token: string, hint?: string) {
  const response = await oauth.revocationRequest(as, client, auth, token, {
    ...insecure,
    ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
  });
  expect(response.status).toBe(200);
  await oauth.processRevocationResponse(response);
}

/** Polls until `check` is true, for at most a second; returns the time it took. */
async function withinOneSecond(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 1000) throw new Error('not within 1 second');
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('introspection of JWT access tokens (RFC 7662)', () => {
  test('a valid token is active, with its claims', async () => {
    const token = await clientCredentialsToken();
    const claims = decodeJwt(token);
    const answer = await introspect(token);
    expect(answer).toMatchObject({
      active: true,
      token_type: 'Bearer',
      scope: 'tasks:read',
      client_id: TEST_CLIENT.clientId,
      sub: TEST_CLIENT.clientId,
      iss: server.issuer,
      aud: claims.aud,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
    });
  });

  test("a user's token names the user; a DPoP-bound one says DPoP and its key", async () => {
    const redirectUri = `http://localhost:${server.port}/callback`;
    const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: 'user_123' });

    const keys = await generateKeyPair('ES256', { extractable: true });
    const DPoP = oauth.DPoP(client, keys);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: 'tasks:read' },
      { DPoP, ...insecure },
    );
    const bound = await oauth.processClientCredentialsResponse(as, client, response);
    expect(await introspect(bound.access_token)).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) },
    });
  });

  test('junk and foreign JWTs are inactive, never an error', async () => {
    const other = decodeJwt(await clientCredentialsToken());
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${enc({ alg: 'ES256', typ: 'at+jwt' })}.${enc({ ...other, scope: 'admin:*' })}.c2ln`;
    for (const token of ['junk', 'a.b.c', forged]) {
      expect(await introspect(token)).toEqual({ active: false });
    }
  });

  test('an expired token is inactive at once (no clock tolerance at the issuer)', async () => {
    const shortLived = await startExampleApp({ accessTokenTtlSeconds: 4 });
    try {
      const { json } = await tokenRequest(
        shortLived.issuer,
        { grant_type: 'client_credentials', scope: 'tasks:read' },
        TEST_CLIENT,
      );
      const token = json.access_token as string;
      const asShort = await discover(shortLived.issuer);
      const check = async () =>
        oauth.processIntrospectionResponse(
          asShort,
          client,
          await oauth.introspectionRequest(asShort, client, auth, token, insecure),
        );
      expect((await check()).active).toBe(true);
      await new Promise((r) => setTimeout(r, 1100 + (decodeJwt(token).exp! * 1000 - Date.now())));
      expect(await check()).toEqual({ active: false });
    } finally {
      await shortLived.close();
    }
  });

  test('a disabled app’s token is inactive', async () => {
    const { app, clientSecret } = await server.kit.apps.create('owner_1', {
      name: 'Introspected',
      homepageUrl: 'https://i.example',
      redirectUris: ['https://i.example/cb'],
    });
    const { json } = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      { clientId: app.clientId, clientSecret: clientSecret! },
    );
    const token = json.access_token as string;
    expect((await introspect(token)).active).toBe(true);
    await server.kit.apps.setEnabled('owner_1', app.clientId, false);
    expect(await introspect(token)).toEqual({ active: false });
  });

  test("a grant-revoked token is inactive (its refresh token's revocation takes the grant)", async () => {
    const redirectUri = `http://localhost:${server.port}/callback`;
    const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    await revoke(tokens.refresh_token!, 'refresh_token');
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
  });
});

describe('revocation of JWT access tokens (RFC 7009)', () => {
  test('a revoked user token is refused by requireScope, token info and introspection within a second; the grant lives on', async () => {
    const redirectUri = `http://localhost:${server.port}/callback`;
    const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
    await revoke(tokens.access_token, 'access_token');
    await withinOneSecond(
      async () => (await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status === 401,
    );
    const refused = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    expect(refused.json).toEqual({
      error: 'invalid_token',
      error_description: 'The access token has been revoked.',
    });
    expect((await callApi(server.issuer, '/v1/oauth/token/info', tokens.access_token)).status).toBe(401);
    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    // Only that token: the grant's refresh token still works, and its new access token too.
    const { status, json } = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      TEST_CLIENT,
    );
    expect(status).toBe(200);
    expect((await callApi(server.issuer, '/v1/tasks', json.access_token as string)).status).toBe(200);
  });

  test('a revoked client-credentials token is refused by a standalone resource server on the same store within a second', async () => {
    const app = express();
    const rs = await mountResourceServer(app, { issuer: server.issuer, store: server.kit.options.store });
    app.get('/reports', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
    app.use(oauthErrorHandler());
    try {
      const token = await clientCredentialsToken();
      const call = () => request(app).get('/reports').set('authorization', `Bearer ${token}`);
      expect((await call()).status).toBe(200);
      await revoke(token); // no hint
      await withinOneSecond(async () => (await call()).status === 401);
    } finally {
      rs.close();
    }
  });

  test('a DPoP-bound token can be revoked too', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const DPoP = oauth.DPoP(client, keys);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: 'tasks:read' },
      { DPoP, ...insecure },
    );
    const { access_token: token } = await oauth.processClientCredentialsResponse(as, client, response);
    await revoke(token);
    const refused = await oauth
      .protectedResourceRequest(token, 'GET', new URL(`${server.issuer}/v1/tasks`), undefined, undefined, {
        DPoP,
        ...insecure,
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [challenge] = (refused as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenge).toMatchObject({ scheme: 'dpop', parameters: { error: 'invalid_token' } });
    expect((refused as oauth.WWWAuthenticateChallengeError).status).toBe(401);
  });

  test("another client cannot revoke a client's token; junk is accepted and changes nothing", async () => {
    const token = await clientCredentialsToken();
    const { app, clientSecret } = await server.kit.apps.create('owner_2', {
      name: 'Other',
      homepageUrl: 'https://o.example',
      redirectUris: ['https://o.example/cb'],
    });
    const other: oauth.Client = { client_id: app.clientId };
    const response = await oauth.revocationRequest(
      as,
      other,
      oauth.ClientSecretBasic(clientSecret!),
      token,
      insecure,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect((await callApi(server.issuer, '/v1/tasks', token)).status).toBe(200);

    for (const junk of ['junk', 'a.b.c', `${token.slice(0, -4)}AAAA`]) await revoke(junk);
    expect((await callApi(server.issuer, '/v1/tasks', token)).status).toBe(200);
  });

  test('revocation without client authentication is refused', async () => {
    const token = await clientCredentialsToken();
    const response = await fetch(`${server.issuer}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(400);
    expect((await callApi(server.issuer, '/v1/tasks', token)).status).toBe(200);
  });
});
