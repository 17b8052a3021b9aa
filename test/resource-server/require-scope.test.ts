/**
 * requireScope() to the letter of RFC 6750, on a small Express API that trusts a test issuer
 * (the `express-oauth-kit/testing` entry) through mountResourceServer.
 */
import express, { type Express } from 'express';
import request from 'supertest';
import fc from 'fast-check';
import { SignJWT, generateKeyPair, exportJWK, type JSONWebKeySet } from 'jose';
import {
  ConfigurationError,
  mountResourceServer,
  oauthErrorHandler,
  requireScope,
  type ResourceServerSettings,
} from '../../lib/index.js';
import { createTestIssuer, type TestIssuer } from '../../lib/testing.js';

let issuer: TestIssuer;

async function api(settings: ResourceServerSettings = {}, jwks?: JSONWebKeySet): Promise<Express> {
  const app = express();
  await mountResourceServer(app, { issuer: issuer.issuer, jwks: jwks ?? issuer.jwks, ...settings });
  app.use(express.urlencoded({ extended: false }));
  app.get('/tasks', requireScope('tasks:read'), (req, res) => res.json(req.auth));
  app.post('/tasks', requireScope('tasks:read'), (req, res) => res.json({ sub: req.auth!.sub }));
  app.get('/both', requireScope('tasks:read', 'projects:read'), (_req, res) => res.json({ ok: true }));
  app.get('/either', requireScope.any('tasks:read', 'admin:*'), (_req, res) => res.json({ ok: true }));
  app.get('/admin-users', requireScope('admin:users'), (_req, res) => res.json({ ok: true }));
  app.get('/any-token', requireScope(), (_req, res) => res.json({ ok: true }));
  app.use(oauthErrorHandler());
  return app;
}

let app: Express;
beforeAll(async () => {
  issuer = await createTestIssuer();
  app = await api();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('scopes', () => {
  test('a token with the scope passes and req.auth is set', async () => {
    const token = await issuer.mint({
      scopes: ['tasks:read'],
      sub: 'user_1',
      clientId: 'app_1',
      testMode: true,
    });
    const res = await request(app).get('/tasks').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sub: 'user_1',
      clientId: 'app_1',
      scopes: ['tasks:read'],
      token,
      testMode: true,
    });
    expect(res.body.claims.iss).toBe(issuer.issuer);
  });

  test('several names mean all are needed', async () => {
    const one = await issuer.mint({ scopes: ['tasks:read'] });
    const both = await issuer.mint({ scopes: ['tasks:read', 'projects:read'] });
    expect((await request(app).get('/both').set(bearer(one))).status).toBe(403);
    expect((await request(app).get('/both').set(bearer(both))).status).toBe(200);
  });

  test('requireScope.any needs one of the names', async () => {
    const admin = await issuer.mint({ scopes: ['admin:*'] });
    const none = await issuer.mint({ scopes: ['files:read'] });
    expect((await request(app).get('/either').set(bearer(admin))).status).toBe(200);
    expect((await request(app).get('/either').set(bearer(none))).status).toBe(403);
  });

  test('a held prefix:* satisfies every scope with that prefix, and can be switched off', async () => {
    const admin = await issuer.mint({ scopes: ['admin:*'] });
    expect((await request(app).get('/admin-users').set(bearer(admin))).status).toBe(200);
    const strict = await api({ wildcardScopes: false });
    expect((await request(strict).get('/admin-users').set(bearer(admin))).status).toBe(403);
    // The wildcard does not leak across prefixes.
    expect((await request(app).get('/tasks').set(bearer(admin))).status).toBe(403);
  });

  test('insufficient scope is 403 with scope="…" in the challenge and a JSON body', async () => {
    const token = await issuer.mint({ scopes: ['files:read'] });
    const res = await request(app).get('/both').set(bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The access token does not grant the required scope.", scope="tasks:read projects:read", ' +
        'resource_metadata="https://issuer.test/.well-known/oauth-protected-resource/api"',
    );
    expect(res.body).toMatchObject({ error: 'insufficient_scope', scope: 'tasks:read projects:read' });
  });

  test('requireScope() with no names accepts any valid token', async () => {
    const token = await issuer.mint({ scopes: [] });
    expect((await request(app).get('/any-token').set(bearer(token))).status).toBe(200);
  });
});

describe('invalid tokens are 401 invalid_token', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['expired', () => issuer.mint({ scopes: ['tasks:read'], expiresIn: -60 })],
    [
      'not yet valid (nbf in the future)',
      () => issuer.mint({ scopes: ['tasks:read'], claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    [
      'wrong audience',
      () => issuer.mint({ scopes: ['tasks:read'], claims: { aud: 'https://other.example/api' } }),
    ],
    ['wrong issuer', () => issuer.mint({ scopes: ['tasks:read'], claims: { iss: 'https://evil.example' } })],
    [
      'bad signature',
      async () => {
        const token = await issuer.mint({ scopes: ['tasks:read'] });
        return `${token.slice(0, -4)}AAAA`;
      },
    ],
    [
      'wrong typ',
      async () => {
        const other = await createTestIssuer({ issuer: issuer.issuer });
        const token = await other.mint({ scopes: ['tasks:read'] });
        return token; // signed by a key the API does not trust
      },
    ],
    [
      'alg none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc({ iss: issuer.issuer, aud: issuer.audience, sub: 'x', client_id: 'c', scope: 'tasks:read', iat: now, exp: now + 60 })}.`;
      },
    ],
    [
      'HS256 signed with the public key material',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0]));
        return new SignJWT({ client_id: 'c', scope: 'tasks:read' })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: issuer.jwks.keys[0]!.kid! })
          .setIssuer(issuer.issuer)
          .setAudience(issuer.audience)
          .setSubject('x')
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(secret);
      },
    ],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const res = await request(app)
      .get('/tasks')
      .set(bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test('a token whose typ is not at+jwt is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' };
    const typed = await api({}, { keys: [jwk] });
    const sign = (typ: string) =>
      new SignJWT({ client_id: 'c', scope: 'tasks:read' })
        .setProtectedHeader({ alg: 'ES256', typ, kid: 'k1' })
        .setIssuer(issuer.issuer)
        .setAudience(issuer.audience)
        .setSubject('x')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    expect(
      (
        await request(typed)
          .get('/tasks')
          .set(bearer(await sign('JWT')))
      ).status,
    ).toBe(401);
    expect(
      (
        await request(typed)
          .get('/tasks')
          .set(bearer(await sign('at+jwt')))
      ).status,
    ).toBe(200);
  });

  test('clock skew is configurable', async () => {
    const justExpired = await issuer.mint({ scopes: ['tasks:read'], expiresIn: -3 });
    expect(
      (
        await request(await api({ clockToleranceSeconds: 10 }))
          .get('/tasks')
          .set(bearer(justExpired))
      ).status,
    ).toBe(200);
    expect(
      (
        await request(await api({ clockToleranceSeconds: 0 }))
          .get('/tasks')
          .set(bearer(justExpired))
      ).status,
    ).toBe(401);
  });
});

describe('where the token may come from', () => {
  test('no credentials: 401 with no error code, naming the scope to ask for and the metadata (and the realm when configured)', async () => {
    const res = await request(app).get('/tasks');
    expect(res.status).toBe(401);
    const metadata = 'resource_metadata="https://issuer.test/.well-known/oauth-protected-resource/api"';
    expect(res.headers['www-authenticate']).toBe(`Bearer scope="tasks:read", ${metadata}`);
    const realm = await api({ realm: 'taskflow' });
    expect((await request(realm).get('/tasks')).headers['www-authenticate']).toBe(
      `Bearer realm="taskflow", scope="tasks:read", ${metadata}`,
    );
  });

  test('the query and form-body methods are off by default', async () => {
    const token = await issuer.mint({ scopes: ['tasks:read'] });
    expect((await request(app).get(`/tasks?access_token=${token}`)).status).toBe(400);
    const body = await request(app).post('/tasks').type('form').send({ access_token: token });
    expect(body.status).toBe(400);
    expect(body.body.error).toBe('invalid_request');
  });

  test('the query and form-body methods work when enabled', async () => {
    const token = await issuer.mint({ scopes: ['tasks:read'], sub: 'q' });
    const open = await api({ tokenLocations: ['header', 'query', 'body'] });
    expect((await request(open).get(`/tasks?access_token=${token}`)).status).toBe(200);
    expect((await request(open).post('/tasks').type('form').send({ access_token: token })).body).toEqual({
      sub: 'q',
    });
  });

  test('more than one method is 400 invalid_request', async () => {
    const token = await issuer.mint({ scopes: ['tasks:read'] });
    const open = await api({ tokenLocations: ['header', 'query'] });
    const res = await request(open).get(`/tasks?access_token=${token}`).set(bearer(token));
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  test('the scheme is case-insensitive and spaces around the token are ignored', async () => {
    const token = await issuer.mint({ scopes: ['tasks:read'] });
    const res = await request(app).get('/tasks').set('authorization', `bEaReR   ${token}  `);
    expect(res.status).toBe(200);
    expect(res.body.token).toBe(token);
  });

  test('header and form body together are 400; a body on GET is not a method', async () => {
    const token = await issuer.mint({ scopes: ['tasks:read'] });
    const open = await api({ tokenLocations: ['header', 'body'] });
    const both = await request(open)
      .post('/tasks')
      .set(bearer(token))
      .type('form')
      .send({ access_token: token });
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
    const get = await request(open)
      .get('/tasks')
      .set(bearer(token))
      .type('form')
      .send({ access_token: token });
    expect(get.status).toBe(200);
  });

  test.each(['Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer ä', `Bearer ${'a'.repeat(9000)}`])(
    'malformed header %#: 400 invalid_request',
    async (header) => {
      const res = await request(app).get('/tasks').set('authorization', header);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    },
  );
});

describe('hostile input never causes a 500', () => {
  test('fuzzed Authorization headers get only 400/401/403', async () => {
    const valid = await issuer.mint({ scopes: ['tasks:read'] });
    const [h, p] = valid.split('.');
    const header = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 200 }),
      fc.base64String({ maxLength: 300 }).map((s) => `Bearer ${s}`),
      fc
        .tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 200 }))
        .map(([a, b]) => `Bearer ${a}.${b}.${a}`),
      fc.jsonValue().map((v) => `Bearer ${h}.${Buffer.from(JSON.stringify(v)).toString('base64url')}.sig`),
      fc.jsonValue().map((v) => `Bearer ${Buffer.from(JSON.stringify(v)).toString('base64url')}.${p}.sig`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        // Header values must be legal HTTP field values to be sent at all.
        const legal = value.replace(/[^\t\x20-\x7e]/g, '');
        const res = await request(app).get('/tasks').set('authorization', legal);
        expect([400, 401, 403]).toContain(res.status);
        expect(typeof res.body.error).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('where requireScope finds its resource server', () => {
  const ok = (_req: express.Request, res: express.Response) => res.json({ ok: true });

  test('the imported requireScope in an API sub-app, two levels down, finds the server mounted on the top app', async () => {
    const top = express();
    await mountResourceServer(top, { issuer: issuer.issuer, jwks: issuer.jwks });
    const v1 = express();
    const tasks = express();
    tasks.get('/', requireScope('tasks:read'), ok);
    v1.use('/tasks', tasks);
    top.use('/v1', v1);
    top.use(oauthErrorHandler());

    const token = await issuer.mint({ scopes: ['tasks:read'] });
    expect((await request(top).get('/v1/tasks').set(bearer(token))).status).toBe(200);
    const none = await request(top).get('/v1/tasks');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('scope="tasks:read"');
  });

  test('the bound guard (resourceServer.requireScope) works in a sub-app and a Router of an app the server is not on', async () => {
    const server = await mountResourceServer(express(), { issuer: issuer.issuer, jwks: issuer.jwks });
    const sub = express();
    sub.get('/tasks', server.requireScope('tasks:read'), ok);
    sub.get('/either', server.requireScope.any('admin:*', 'tasks:read'), ok);
    const router = express.Router();
    router.get('/tasks', server.requireScope.forResource(`${issuer.issuer}/api`)('tasks:read'), ok);
    const top = express();
    top.use('/v1', sub);
    top.use('/r', router);
    top.use(oauthErrorHandler());

    const token = await issuer.mint({ scopes: ['tasks:read'] });
    for (const path of ['/v1/tasks', '/v1/either', '/r/tasks']) {
      expect((await request(top).get(path).set(bearer(token))).status).toBe(200);
      expect((await request(top).get(path)).status).toBe(401);
    }
    const other = await issuer.mint({ scopes: ['projects:read'] });
    expect((await request(top).get('/v1/tasks').set(bearer(other))).status).toBe(403);
  });

  test('the bound forResource with a URL the server does not protect fails where the route is declared', async () => {
    const server = await mountResourceServer(express(), { issuer: issuer.issuer, jwks: issuer.jwks });
    expect(() => server.requireScope.forResource('https://issuer.test/billing')).toThrow(ConfigurationError);
    expect(() => server.requireScope.forResource('https://issuer.test/billing')).toThrow(
      /requireScope\.forResource.*"https:\/\/issuer\.test\/billing" is not a resource/,
    );
  });

  test('the imported requireScope on an app with no resource server passes a ConfigurationError to next', async () => {
    const lonely = express();
    lonely.get('/tasks', requireScope('tasks:read'), ok);
    let seen: unknown;
    lonely.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen = err;
      res.status(500).json({ error: 'server_error' });
    });
    const token = await issuer.mint({ scopes: ['tasks:read'] });
    expect((await request(lonely).get('/tasks').set(bearer(token))).status).toBe(500);
    expect(seen).toBeInstanceOf(ConfigurationError);
    expect((seen as ConfigurationError).option).toBe('requireScope');
    expect((seen as Error).message).toMatch(/mountOAuth.*mountResourceServer.*kit\.requireScope/);
  });
});
