/** Options of items the example app does not exercise: no default scopes, PAR required per client. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { mountOAuth, type OAuthKit, type OAuthKitOptions } from '../../lib/index.js';

const ISSUER = 'http://localhost:4000';
const REDIRECT = 'http://localhost:4000/cb';
const SECRET = 'host-client-secret-for-tests';

async function kitApp(overrides: Partial<OAuthKitOptions> = {}, app = express()) {
  const kit: OAuthKit = await mountOAuth(app, {
    issuer: ISSUER,
    devSecretsFile: join(mkdtempSync(join(tmpdir(), 'oauth-kit-options-')), 'secrets.json'),
    production: false,
    logger: false,
    scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    clients: [
      { clientId: 'plain', clientSecret: SECRET, redirectUris: [REDIRECT] },
      {
        clientId: 'pushed',
        clientSecret: SECRET,
        redirectUris: [REDIRECT],
        requirePushedAuthorizationRequests: true,
      },
    ],
    ...overrides,
  });
  return { app, kit };
}

const authorizeQuery = (clientId: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 's',
    ...extra,
  });

test('without default scopes, an authorization request without scope is invalid_scope with a description', async () => {
  const { app, kit } = await kitApp();
  try {
    const response = await request(app).get(`/oauth/authorize?${authorizeQuery('plain')}`);
    const location = new URL(response.headers.location!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toMatch(/scope is required/);
    expect(location.searchParams.get('state')).toBe('s');
  } finally {
    await kit.close();
  }
});

test('a client required to use PAR cannot start a plain authorization request, but can push one', async () => {
  const { app, kit } = await kitApp();
  try {
    const plain = await request(app).get(
      `/oauth/authorize?${authorizeQuery('pushed', { scope: 'tasks:read' })}`,
    );
    expect(new URL(plain.headers.location!).searchParams.get('error')).toBe('invalid_request');

    const pushed = await request(app)
      .post('/oauth/par')
      .auth('pushed', SECRET)
      .type('form')
      .send(Object.fromEntries(authorizeQuery('pushed', { scope: 'tasks:read' })));
    expect(pushed.status).toBe(201);
    expect(pushed.body).toMatchObject({
      request_uri: expect.stringMatching(/^urn:ietf:params:oauth:request_uri:/),
    });
    const started = await request(app).get(
      `/oauth/authorize?${new URLSearchParams({ client_id: 'pushed', request_uri: pushed.body.request_uri })}`,
    );
    // On to the login page: the pushed request was accepted.
    expect(started.status).toBe(303);
    expect(started.headers.location).toMatch(/^\/oauth\/interaction\//);
  } finally {
    await kit.close();
  }
});

test('JSON token requests work behind the host’s own express.json() (the default: through its stack)', async () => {
  const host = express();
  host.use(express.json());
  const { app, kit } = await kitApp({}, host);
  try {
    const ok = await request(app)
      .post('/oauth/token')
      .auth('plain', SECRET)
      .send({ grant_type: 'client_credentials', scope: 'tasks:read' });
    expect(ok.status).toBe(200);
    const bad = await request(app)
      .post('/oauth/token')
      .auth('plain', SECRET)
      .send({ grant_type: 'client_credentials', scope: ['tasks:read'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
  } finally {
    await kit.close();
  }
});
