/**
 * DPoP (RFC 9449) at the resource servers: a token bound to a key (`cnf`) is never accepted
 * without its proof.
 */
import express from 'express';
import request from 'supertest';
import { mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { createTestIssuer } from '../../lib/testing.js';

test('a key-bound (cnf.jkt) access token presented as Bearer is refused at a standalone resource server', async () => {
  const issuer = await createTestIssuer();
  const app = express();
  await mountResourceServer(app, { issuer: issuer.issuer, jwks: issuer.jwks });
  app.get('/tasks', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
  app.use(oauthErrorHandler());
  const bound = await issuer.mint({
    scopes: ['tasks:read'],
    claims: { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } },
  });
  const res = await request(app).get('/tasks').set('authorization', `Bearer ${bound}`);
  expect(res.status).toBe(401);
  expect(res.body).toEqual({
    error: 'invalid_token',
    error_description: expect.stringMatching(/bound to a key/),
  });
  // The same token without the binding is fine: it is the binding that is refused.
  const plain = await issuer.mint({ scopes: ['tasks:read'] });
  expect((await request(app).get('/tasks').set('authorization', `Bearer ${plain}`)).status).toBe(200);
});
