/**
 * Security events and their log lines: what each flow reports, and that no event or log line
 * carries a credential.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import type { SecurityEvent, SecurityEventType } from '../../lib/index.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, codeFlow, exchangeCode, tokenRequest } from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(() => server?.close());

/** Events of `type` emitted while `action` ran. */
async function during<T extends SecurityEventType>(type: T, action: () => Promise<unknown>) {
  const before = server.events.length;
  await action();
  return server.events.slice(before).filter((e): e is Extract<SecurityEvent, { type: T }> => e.type === type);
}

const refresh = (refreshToken: string) =>
  tokenRequest(server.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken }, TEST_CLIENT);

const form = (path: string, body: Record<string, string>, secret: string = TEST_CLIENT.clientSecret) =>
  fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(body),
  });

test('a code flow reports login, consent and token issuance with identifiers only', async () => {
  const before = server.events.length;
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read projects:read');
  const events = server.events.slice(before);
  expect(events.map((e) => e.type)).toEqual(['login.succeeded', 'consent.granted', 'token.issued']);
  const issued = events[2]!;
  expect(issued).toEqual({
    type: 'token.issued',
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    ip: '127.0.0.1',
    clientId: TEST_CLIENT.clientId,
    grantType: 'authorization_code',
    accountId: 'user_123',
    grantId: expect.any(String),
    scope: 'tasks:read projects:read',
  });
  expect(events[1]).toMatchObject({
    clientId: TEST_CLIENT.clientId,
    accountId: 'user_123',
    scope: 'tasks:read projects:read',
  });

  const [refreshed] = await during('token.refreshed', () => refresh(tokens.refresh_token!));
  expect(refreshed).toMatchObject({
    clientId: TEST_CLIENT.clientId,
    accountId: 'user_123',
    grantId: issued.type === 'token.issued' ? issued.grantId : '',
  });
});

test('client credentials issuance is reported without an account', async () => {
  const [issued] = await during('token.issued', () =>
    tokenRequest(server.issuer, { grant_type: 'client_credentials', scope: 'tasks:read' }, TEST_CLIENT),
  );
  expect(issued).toMatchObject({
    grantType: 'client_credentials',
    clientId: TEST_CLIENT.clientId,
    scope: 'tasks:read',
  });
  expect(issued).not.toHaveProperty('accountId');
});

test('revoking a refresh token reports the token and its grant', async () => {
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
  const before = server.events.length;
  expect(
    (await form('/oauth/revoke', { token: tokens.refresh_token!, token_type_hint: 'refresh_token' })).status,
  ).toBe(200);
  const events = server.events.slice(before);
  expect(events).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        type: 'token.revoked',
        clientId: TEST_CLIENT.clientId,
        tokenType: 'RefreshToken',
      }),
      expect.objectContaining({ type: 'grant.revoked', reason: 'revocation_endpoint' }),
    ]),
  );
});

test('refresh-token reuse is reported with the grant revoked', async () => {
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
  await refresh(tokens.refresh_token!);
  const before = server.events.length;
  await refresh(tokens.refresh_token!);
  const events = server.events.slice(before);
  expect(events.map((e) => e.type)).toEqual(['grant.revoked', 'refresh_token.reuse_detected']);
  expect(events[0]).toMatchObject({ reason: 'refresh_token_reuse' });
  const line = server.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .findLast((l) => l.event === 'refresh_token.reuse_detected');
  expect(line).toMatchObject({ level: 40, clientId: TEST_CLIENT.clientId });
});

test('concurrent reuse of a refresh token is reported too', async () => {
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
  const before = server.events.length;
  const results = await Promise.all(Array.from({ length: 5 }, () => refresh(tokens.refresh_token!)));
  expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  // The losers that got as far as consuming the token are reuse; later ones find no grant.
  const events = server.events.slice(before).map((e) => e.type);
  expect(events).toContain('refresh_token.reuse_detected');
  expect(events).toContain('grant.revoked');
});

test('authorization-code reuse is reported', async () => {
  const result = await authorize(server.issuer, {
    clientId: TEST_CLIENT.clientId,
    redirectUri,
    scope: 'tasks:read',
  });
  const exchange = () => exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
  await exchange();
  const [reuse] = await during('authorization_code.reuse_detected', exchange);
  expect(reuse).toMatchObject({ clientId: TEST_CLIENT.clientId });
});

test('failed client authentication is reported on every endpoint that authenticates clients', async () => {
  server.rememberCredential('wrong-secret-123');
  const failures = await during('client.authentication_failed', async () => {
    await form('/oauth/token', { grant_type: 'client_credentials' }, 'wrong-secret-123');
    await form('/oauth/revoke', { token: 'abc' }, 'wrong-secret-123');
    await form('/oauth/introspect', { token: 'abc' }, 'wrong-secret-123');
  });
  expect(failures.map((e) => [e.endpoint, e.clientId])).toEqual([
    ['token', TEST_CLIENT.clientId],
    ['revocation', TEST_CLIENT.clientId],
    ['introspection', TEST_CLIENT.clientId],
  ]);
});

test('a failed login is reported with a pseudonym of the login name, never the name', async () => {
  server.rememberCredential('wrong-password-1');
  const agent = new BrowserAgent(server.issuer);
  const { response, url } = await agent.follow(
    `/oauth/authorize?${new URLSearchParams({ client_id: TEST_CLIENT.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'tasks:read' })}`,
  );
  const html = await response.text();
  const [failed] = await during('login.failed', () =>
    agent.submit(url, html, { email: 'Demo@Example.com', password: 'wrong-password-1' }),
  );
  expect(failed).toMatchObject({
    clientId: TEST_CLIENT.clientId,
    loginHash: expect.stringMatching(/^[\w-]{22}$/),
  });
  expect(JSON.stringify(failed)).not.toMatch(/demo@example\.com/i);
  expect(server.logs.filter((l) => /demo@example\.com/i.test(l))).toEqual([]);
});

test('denied consent is reported', async () => {
  const [denied] = await during('consent.denied', () =>
    authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
      decision: 'deny',
    }),
  );
  expect(denied).toMatchObject({ clientId: TEST_CLIENT.clientId, accountId: 'user_123' });
});

test('registered apps report their lifecycle, and a failing listener breaks nothing', async () => {
  const before = server.events.length;
  const { app, clientSecret } = await server.kit.apps.create('user_123', {
    name: 'Audited app',
    homepageUrl: 'https://app.example',
    redirectUris: ['https://app.example/callback'],
  });
  server.rememberCredential(clientSecret!);
  const { clientSecret: rotated } = await server.kit.apps.rotateSecret('user_123', app.clientId);
  server.rememberCredential(rotated);
  await server.kit.apps.setEnabled('user_123', app.clientId, false);
  await server.kit.apps.setEnabled('user_123', app.clientId, true);
  await server.kit.apps.delete('user_123', app.clientId);
  server.kit.securityEvents.emit('app.disabled', { clientId: 'host_app' });
  expect(server.events.slice(before).map((e) => [e.type, 'clientId' in e ? e.clientId : undefined])).toEqual([
    ['app.created', app.clientId],
    ['app.secret_rotated', app.clientId],
    ['app.disabled', app.clientId],
    ['app.enabled', app.clientId],
    ['app.deleted', app.clientId],
    ['app.disabled', 'host_app'],
  ]);

  const throwing = await startExampleApp({
    security: {
      onSecurityEvent: () => {
        throw new Error('listener bug');
      },
    },
  });
  try {
    const { status } = await tokenRequest(
      throwing.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      TEST_CLIENT,
    );
    expect(status).toBe(200);
    expect(throwing.logs.some((l) => l.includes('security_event_listener_failed'))).toBe(true);
  } finally {
    await throwing.close();
  }
});

test('no log line or event of this file contains a token, code, secret, cookie or password', () => {
  // The scan is only meaningful if there was something to find.
  expect(server.credentials.size).toBeGreaterThan(30);
  expect(server.logs.length).toBeGreaterThan(30);
  expect(server.leaks()).toEqual([]);
  // ... and if it finds a leak when there is one.
  const [token] = [...server.credentials].filter((c) => c.length > 40);
  const planted = server.logs.push(JSON.stringify({ msg: `oops ${token}` }));
  expect(server.leaks()).toHaveLength(1);
  server.logs.splice(planted - 1, 1);
});
