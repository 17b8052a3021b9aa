/**
 * mountResourceServer protecting two resources in one service: each route knows its resource,
 * tokens for the other are refused with 401 invalid_token, and each resource's RFC 9728 metadata
 * is served at its path-aware well-known URL.
 */
import express, { type Express } from 'express';
import request from 'supertest';
import { ConfigurationError, mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { createTestIssuer, type TestIssuer } from '../../lib/testing.js';

let issuer: TestIssuer;
let app: Express;
const api = 'https://issuer.test/api';
const mcp = 'https://issuer.test/mcp';

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = express();
  await mountResourceServer(app, {
    issuer: issuer.issuer,
    jwks: issuer.jwks,
    resources: [
      { url: api, scopes: ['tasks:read'] },
      { url: mcp, scopes: ['tasks:read', 'tasks:write'] },
    ],
  });
  app.get('/v1/tasks', requireScope('tasks:read'), (_req, res) => res.json({ ok: 'api' }));
  app.post('/mcp', requireScope.forResource(mcp).any('tasks:read', 'tasks:write'), (_req, res) =>
    res.json({ ok: 'mcp' }),
  );
  app.get('/unknown', requireScope.forResource('https://issuer.test/other')(), (_req, res) => res.json({}));
  app.use(oauthErrorHandler());
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('each route accepts tokens for its own resource only (401 invalid_token for the other)', async () => {
  const forApi = await issuer.mint({ scopes: ['tasks:read'], claims: { aud: api } });
  const forMcp = await issuer.mint({ scopes: ['tasks:read'], claims: { aud: mcp } });
  expect((await request(app).get('/v1/tasks').set(bearer(forApi))).status).toBe(200);
  expect((await request(app).post('/mcp').set(bearer(forMcp))).status).toBe(200);

  const wrongAtMcp = await request(app).post('/mcp').set(bearer(forApi));
  expect(wrongAtMcp.status).toBe(401);
  expect(wrongAtMcp.body.error).toBe('invalid_token');
  expect(wrongAtMcp.headers['www-authenticate']).toBe(
    'Bearer error="invalid_token", error_description="The access token is for another resource.", ' +
      'resource_metadata="https://issuer.test/.well-known/oauth-protected-resource/mcp"',
  );
  const wrongAtApi = await request(app).get('/v1/tasks').set(bearer(forMcp));
  expect(wrongAtApi.status).toBe(401);
  expect(wrongAtApi.headers['www-authenticate']).toContain(
    'resource_metadata="https://issuer.test/.well-known/oauth-protected-resource/api"',
  );
});

test('a token for a resource the service does not protect at all is refused', async () => {
  const foreign = await issuer.mint({
    scopes: ['tasks:read'],
    claims: { aud: 'https://issuer.test/billing' },
  });
  expect((await request(app).get('/v1/tasks').set(bearer(foreign))).status).toBe(401);
});

test('each resource publishes its metadata; with no token the challenge has no error code', async () => {
  const doc = await request(app).get('/.well-known/oauth-protected-resource/mcp');
  expect(doc.status).toBe(200);
  expect(doc.body).toEqual({
    resource: mcp,
    authorization_servers: [issuer.issuer],
    scopes_supported: ['tasks:read', 'tasks:write'],
    bearer_methods_supported: ['header'],
  });
  const none = await request(app).post('/mcp');
  expect(none.status).toBe(401);
  expect(none.headers['www-authenticate']).toBe(
    'Bearer scope="tasks:read", resource_metadata="https://issuer.test/.well-known/oauth-protected-resource/mcp"',
  );
});

test('a route naming a resource the service does not protect fails loudly', async () => {
  const response = await request(app).get('/unknown');
  expect(response.status).toBe(500);
});

test('audience and resources together, or an unusable resource URL, refuse to start', async () => {
  await expect(
    mountResourceServer(express(), {
      issuer: issuer.issuer,
      jwks: issuer.jwks,
      audience: api,
      resources: [{ url: mcp }],
    }),
  ).rejects.toThrow(ConfigurationError);
  await expect(
    mountResourceServer(express(), {
      issuer: issuer.issuer,
      jwks: issuer.jwks,
      resources: [{ url: `${mcp}#x` }],
    }),
  ).rejects.toThrow(ConfigurationError);
});
