/**
 * Standalone mode: a separate Express service given the issuer URL discovers the example app,
 * fetches its JWKS over HTTP, and learns revocations through the kit's store feed.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { codeFlow, revokeToken, tokenRequest } from '../helpers/oauth-client.js';

let server: RunningExample;
beforeAll(async () => {
  server = await startExampleApp();
});
afterAll(() => server?.close());

async function standaloneApi() {
  const app = express();
  const rs = await mountResourceServer(app, { issuer: server.issuer, store: server.kit.options.store });
  app.get('/reports', requireScope('tasks:read'), (req, res) => res.json({ sub: req.auth!.sub }));
  app.use(oauthErrorHandler());
  return { app, rs };
}

test('verifies the example app’s tokens with keys fetched from its JWKS', async () => {
  const { app, rs } = await standaloneApi();
  const { json } = await tokenRequest(
    server.issuer,
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    TEST_CLIENT,
  );
  const res = await request(app)
    .get('/reports')
    .set('authorization', `Bearer ${json.access_token as string}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ sub: 'test_abc123' });
  rs.close();
});

test('a revoked grant is refused within 1 second', async () => {
  const { app, rs } = await standaloneApi();
  const redirectUri = `http://localhost:${server.port}/callback`;
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
  const call = () => request(app).get('/reports').set('authorization', `Bearer ${tokens.access_token}`);
  expect((await call()).status).toBe(200);
  expect(await revokeToken(server.issuer, tokens.refresh_token!, TEST_CLIENT)).toBe(200);
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 1000) {
    status = (await call()).status;
  }
  expect(status).toBe(401);
  rs.close();
});

test('refuses to start without a way to check revocations', async () => {
  await expect(mountResourceServer(express(), { issuer: server.issuer })).rejects.toThrow(/store/);
});

describe('key rotation at the issuer', () => {
  // A real issuer stand-in over HTTP whose published keys the test rotates.
  let issuerServer: Server;
  let issuerUrl: string;
  let published: JWK[] = [];
  beforeAll(async () => {
    const app = express();
    app.get('/.well-known/oauth-authorization-server', (_req, res) =>
      res.json({ issuer: issuerUrl, jwks_uri: `${issuerUrl}/jwks`, token_endpoint: `${issuerUrl}/token` }),
    );
    app.get('/jwks', (_req, res) => res.json({ keys: published }));
    issuerServer = createServer(app).listen(0, '127.0.0.1');
    await once(issuerServer, 'listening');
    issuerUrl = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => issuerServer.close(r)));

  async function key(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const mint = () =>
      new SignJWT({ client_id: 'c', scope: 'tasks:read' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(issuerUrl)
        .setAudience(`${issuerUrl}/api`)
        .setSubject('svc')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    return { jwk, mint };
  }

  test('a token signed by a newly published key is accepted without a restart', async () => {
    const first = await key('k1');
    published = [first.jwk];
    const app = express();
    // Static-key tests aside, a standalone server needs the store; here only client tokens flow.
    await mountResourceServer(app, {
      issuer: issuerUrl,
      store: server.kit.options.store,
      jwksCooldownSeconds: 0,
    });
    app.get('/r', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
    app.use(oauthErrorHandler());
    expect(
      (
        await request(app)
          .get('/r')
          .set('authorization', `Bearer ${await first.mint()}`)
      ).status,
    ).toBe(200);
    const second = await key('k2');
    published = [first.jwk, second.jwk];
    // An unknown kid triggers a refetch of the JWKS (no cool-down configured here).
    const res = await request(app)
      .get('/r')
      .set('authorization', `Bearer ${await second.mint()}`);
    expect(res.status).toBe(200);
    // A kid the issuer never published stays refused.
    const rogue = await key('k3');
    expect(
      (
        await request(app)
          .get('/r')
          .set('authorization', `Bearer ${await rogue.mint()}`)
      ).status,
    ).toBe(401);
  });
});
