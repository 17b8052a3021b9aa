/**
 * DPoP (RFC 9449) end to end against the example app over HTTP: oauth4webapi obtains a
 * key-bound token and calls requireScope (in-process and standalone) and token info with its
 * proofs; hand-made proofs (jose) attack each check. A token bound to a key (`cnf`) is never
 * accepted without its proof (issue 13 item 7), and a refused proof changes no state.
 */
import { createHash, randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import * as oauth from 'oauth4webapi';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import { createRedisStore } from '../../adapters/redis/index.js';
import { mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { DPOP_ALGORITHMS } from '../../lib/resource-server/dpop.js';
import { createTestIssuer } from '../../lib/testing.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { discover, insecure } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';

type KeyPair = Parameters<typeof oauth.DPoP>[1];

let server: RunningExample;
let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: TEST_CLIENT.clientId };
const clientAuth = oauth.ClientSecretBasic(TEST_CLIENT.clientSecret);

beforeAll(async () => {
  server = await startExampleApp();
  as = await discover(server.issuer);
});
afterAll(() => server.close());

interface Holder {
  keys: KeyPair;
  jwk: JWK;
  token: string;
}

/** A DPoP-bound client_credentials token obtained by oauth4webapi. */
async function boundToken(scope = 'tasks:read'): Promise<Holder> {
  const keys = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
  const DPoP = oauth.DPoP(client, keys);
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    clientAuth,
    { scope },
    {
      DPoP,
      ...insecure,
    },
  );
  const tokens = await oauth.processClientCredentialsResponse(as, client, response);
  expect(tokens.token_type).toBe('dpop');
  return { keys, jwk: await exportJWK(keys.publicKey), token: tokens.access_token };
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A proof made by hand: every claim right unless overridden. */
async function proof(
  holder: Holder,
  target: { method: string; url: string },
  override: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey } = {},
): Promise<string> {
  return new SignJWT({
    htm: target.method,
    htu: target.url,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ath: ath(holder.token),
    ...override.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: holder.jwk, ...override.header })
    .sign(override.key ?? holder.keys.privateKey);
}

const tasksUrl = () => `${server.issuer}/v1/tasks`;

async function callWith(token: string, dpopProof: string | undefined, url = tasksUrl(), scheme = 'DPoP') {
  const headers: Record<string, string> = { authorization: `${scheme} ${token}` };
  if (dpopProof !== undefined) headers.dpop = dpopProof;
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate') ?? '',
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('a DPoP client (oauth4webapi)', () => {
  test('gets a key-bound token and calls requireScope and token info with its proofs', async () => {
    const keys = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
    const DPoP = oauth.DPoP(client, keys);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      { scope: 'tasks:read' },
      { DPoP, ...insecure },
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('dpop');
    const claims = decodeJwt(tokens.access_token);
    const { calculateJwkThumbprint } = await import('jose');
    expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) });

    for (const path of ['/v1/tasks', '/v1/oauth/token/info']) {
      const api = await oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL(`${server.issuer}${path}`),
        undefined,
        undefined,
        { DPoP, ...insecure },
      );
      expect(api.status).toBe(200);
    }
  });

  test('the metadata advertises exactly the proof algorithms the resource servers accept', () => {
    // Each is exercised by the metadata check (test/interop/metadata.test.ts).
    expect(as.dpop_signing_alg_values_supported).toEqual([...DPOP_ALGORITHMS]);
  });
});

describe('a key-bound token is never accepted without its proof', () => {
  test.each([
    ['in-process requireScope', '/v1/tasks'],
    ['token info', '/v1/oauth/token/info'],
  ])('%s refuses it as Bearer, with a DPoP challenge', async (_name, path) => {
    const holder = await boundToken();
    const res = await callWith(holder.token, undefined, `${server.issuer}${path}`, 'Bearer');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_token',
      error_description: expect.stringMatching(/bound to a key/),
    });
    expect(res.challenge).toMatch(/^DPoP error="invalid_token", .*algs="ES256 /);
    // Also with the proof attached: the Bearer scheme itself is the downgrade.
    const withProof = await callWith(
      holder.token,
      await proof(holder, { method: 'GET', url: `${server.issuer}${path}` }),
      `${server.issuer}${path}`,
      'Bearer',
    );
    expect(withProof.status).toBe(401);
  });

  test('a standalone resource server verifies the proof, and refuses the token as Bearer', async () => {
    const app = express();
    const rs = await mountResourceServer(app, { issuer: server.issuer, store: server.kit.options.store });
    app.get('/reports', requireScope('tasks:read'), (req, res) => res.json({ client: req.auth!.clientId }));
    app.use(oauthErrorHandler());
    try {
      const holder = await boundToken();
      const url = 'http://api.test/reports';
      const ok = await request(app)
        .get('/reports')
        .set('host', 'api.test')
        .set('authorization', `DPoP ${holder.token}`)
        .set('dpop', await proof(holder, { method: 'GET', url }));
      expect(ok.status).toBe(200);
      const asBearer = await request(app)
        .get('/reports')
        .set('host', 'api.test')
        .set('authorization', `Bearer ${holder.token}`);
      expect(asBearer.status).toBe(401);
      expect(asBearer.body.error).toBe('invalid_token');
    } finally {
      rs.close();
    }
  });

  test('a standalone resource server given static keys refuses a minted cnf token as Bearer', async () => {
    const issuer = await createTestIssuer();
    const app = express();
    await mountResourceServer(app, { issuer: issuer.issuer, jwks: issuer.jwks });
    app.get('/tasks', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
    app.use(oauthErrorHandler());
    const bound = await issuer.mint({
      scopes: ['tasks:read'],
      claims: { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } },
    });
    expect((await request(app).get('/tasks').set('authorization', `Bearer ${bound}`)).status).toBe(401);
    const plain = await issuer.mint({ scopes: ['tasks:read'] });
    expect((await request(app).get('/tasks').set('authorization', `Bearer ${plain}`)).status).toBe(200);
  });

  test('an unbound token sent with the DPoP scheme is refused', async () => {
    const response = await fetch(`${server.issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const keys = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
    const holder = { keys, jwk: await exportJWK(keys.publicKey), token };
    const res = await callWith(token, await proof(holder, { method: 'GET', url: tasksUrl() }));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.challenge).toMatch(/^DPoP error="invalid_token"/);
  });
});

describe('bad proofs are 401 invalid_dpop_proof with a DPoP challenge, and change no state', () => {
  const get = () => ({ method: 'GET', url: tasksUrl() });
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, (h: Holder) => Promise<string | undefined>]> = [
    ['no proof', async () => undefined],
    ['wrong htm', (h) => proof(h, { method: 'POST', url: tasksUrl() })],
    ['wrong htu (another path)', (h) => proof(h, { method: 'GET', url: `${server.issuer}/v1/projects` })],
    ['wrong htu (another origin)', (h) => proof(h, { method: 'GET', url: 'https://api.example/v1/tasks' })],
    ['wrong ath', (h) => proof(h, get(), { claims: { ath: ath('another token') } })],
    ['no ath', (h) => proof(h, get(), { claims: { ath: undefined } })],
    ['expired iat', (h) => proof(h, get(), { claims: { iat: now() - 3600 } })],
    ['iat in the future', (h) => proof(h, get(), { claims: { iat: now() + 3600 } })],
    ['no jti', (h) => proof(h, get(), { claims: { jti: undefined } })],
    ['wrong typ', (h) => proof(h, get(), { header: { typ: 'JWT' } })],
    [
      'signed by another key than the one in its header',
      async (h) => proof(h, get(), { key: (await generateKeyPair('ES256')).privateKey }),
    ],
    [
      'a key other than the one the token is bound to',
      async (h) => {
        const other = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
        return proof({ ...h, keys: other, jwk: await exportJWK(other.publicKey) }, get());
      },
    ],
    [
      'a private key in the header',
      async (h) => {
        const other = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
        const privateJwk = await exportJWK(other.privateKey);
        return proof(h, get(), { header: { jwk: privateJwk }, key: other.privateKey });
      },
    ],
    ['malformed JWS', async () => 'not.a.jws'],
    ['garbage', async () => '%%%'],
    [
      'alg none',
      async (h) => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'dpop+jwt', jwk: h.jwk })}.${enc({ htm: 'GET', htu: tasksUrl(), iat: now(), jti: randomUUID(), ath: ath(h.token) })}.`;
      },
    ],
    ['two proofs', async (h) => `${await proof(h, get())}, ${await proof(h, get())}`],
    ['oversized', async () => 'a'.repeat(9000)],
  ];

  test.each(cases)('%s', async (_name, make) => {
    const holder = await boundToken();
    const res = await callWith(holder.token, await make(holder));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: expect.any(String) });
    expect(res.challenge).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="[^"]+", (resource_metadata="[^"]+", )?algs="[^"]+"$/,
    );
  });

  test('a reused jti is refused; a refused proof does not spend its jti', async () => {
    const holder = await boundToken();
    const jti = randomUUID();
    // Refused for its htm: the jti is not remembered...
    const wrong = await proof(holder, { method: 'POST', url: tasksUrl() }, { claims: { jti } });
    expect((await callWith(holder.token, wrong)).status).toBe(401);
    // ...so a correct proof with it passes once, and only once.
    const right = await proof(holder, get(), { claims: { jti } });
    expect((await callWith(holder.token, right)).status).toBe(200);
    const replay = await callWith(holder.token, right);
    expect(replay.status).toBe(401);
    expect(replay.body.error_description).toMatch(/already used/);
    const sameJti = await proof(holder, get(), { claims: { jti } });
    expect((await callWith(holder.token, sameJti)).status).toBe(401);
  });

  test('fuzzed DPoP headers never cause a 5xx', async () => {
    const holder = await boundToken();
    const inputs = ['', ' ', 'a.b.c', '..', 'eyJ.eyJ.', '\u00e4', 'x'.repeat(8192), 'e30.e30.e30'];
    for (const input of inputs) {
      const res = await fetch(tasksUrl(), {
        headers: { authorization: `DPoP ${holder.token}`, dpop: encodeURIComponent(input) },
      });
      expect([input, res.status]).toEqual([input, 401]);
    }
  });
});

test('a proof used at one resource server is refused at another process sharing the Redis store', async () => {
  const redis = await RedisServer.start();
  const clients = [redis.client(), redis.client()];
  const stores = clients.map((c) => createRedisStore({ client: c, prefix: 'dpop-test:' }));
  const issuer = await createTestIssuer();
  const servers: Array<{ app: express.Express; close(): void }> = [];
  try {
    for (const store of stores) {
      const app = express();
      const rs = await mountResourceServer(app, { issuer: issuer.issuer, jwks: issuer.jwks, store });
      app.get('/reports', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
      app.use(oauthErrorHandler());
      servers.push({ app, close: rs.close });
    }
    const keys = (await generateKeyPair('ES256', { extractable: true })) as KeyPair;
    const jwk = await exportJWK(keys.publicKey);
    const { calculateJwkThumbprint } = await import('jose');
    const token = await issuer.mint({
      scopes: ['tasks:read'],
      claims: { cnf: { jkt: await calculateJwkThumbprint(jwk) } },
    });
    const dpop = await proof({ keys, jwk, token }, { method: 'GET', url: 'http://api.test/reports' });
    const call = (app: express.Express) =>
      request(app)
        .get('/reports')
        .set('host', 'api.test')
        .set('authorization', `DPoP ${token}`)
        .set('dpop', dpop);
    expect((await call(servers[0]!.app)).status).toBe(200);
    const replay = await call(servers[1]!.app);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_dpop_proof');
  } finally {
    for (const s of servers) s.close();
    await Promise.all(stores.map((s) => s.close()));
    for (const c of clients) c.disconnect();
    await redis.dispose();
  }
});
