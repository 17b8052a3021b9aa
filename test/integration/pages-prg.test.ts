/**
 * Post/Redirect/Get on the people's pages over HTTP: every state-changing form answers 303, a
 * reload of the page it lands on repeats nothing, and new credentials are shown once through a
 * one-time flash, also when two app instances on one Redis race to show it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createRedisStore } from '../../adapters/redis/index.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { tokenRequest } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';
import { signedInAgent } from '../helpers/session.js';

const APPS = '/settings/developers/apps';

const clientCredentials = (issuer: string, client: { clientId: string; clientSecret: string }) =>
  tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'tasks:read' }, client);

function csrfOf(html: string): string {
  return /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;
}

async function post(agent: BrowserAgent, path: string, fields: Record<string, string>) {
  return agent.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

const secretIn = (html: string) => /data-testid="client-secret">([^<]+)</.exec(html)?.[1];

async function registerByForm(agent: BrowserAgent, redirectUri: string, name = 'PRG App') {
  const csrf = csrfOf(await (await agent.request(`${APPS}/new`)).text());
  const response = await post(agent, `${APPS}/new`, {
    csrf_token: csrf,
    name,
    homepage_url: 'https://prg.example',
    redirect_uris: redirectUri,
    client_type: 'confidential',
  });
  expect(response.status).toBe(303);
  const location = response.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^${APPS}/app_`));
  return { location, clientId: decodeURIComponent(location.slice(APPS.length + 1)) };
}

describe('one app instance', () => {
  let server: RunningExample;
  let agent: BrowserAgent;
  beforeAll(async () => {
    server = await startExampleApp();
    agent = await signedInAgent(server.issuer);
  });
  afterAll(() => server.close());

  test('registering answers 303; the page shows the secret once; a reload registers nothing', async () => {
    const before = (await server.kit.apps.listByOwner('user_123')).length;
    const { location, clientId } = await registerByForm(agent, `${server.url}/callback`);
    const first = await (await agent.request(location)).text();
    const clientSecret = secretIn(first)!;
    expect(clientSecret).toMatch(/^secret_/);
    server.rememberCredential(clientSecret);
    const reload = await agent.request(location);
    expect(reload.status).toBe(200);
    const again = await reload.text();
    expect(secretIn(again)).toBeUndefined();
    expect(again).not.toContain(clientSecret);
    expect((await server.kit.apps.listByOwner('user_123')).length).toBe(before + 1);
    expect((await clientCredentials(server.issuer, { clientId, clientSecret })).status).toBe(200);
  });

  test('rotating answers 303; a reload neither shows nor rotates again: the shown secret works', async () => {
    const { location, clientId } = await registerByForm(agent, `${server.url}/callback`);
    const page = await (await agent.request(location)).text();
    const rotate = await post(agent, location, {
      csrf_token: csrfOf(page),
      action: 'rotate_secret',
      overlap: '0',
      confirm: 'yes',
    });
    expect(rotate.status).toBe(303);
    const shown = await (await agent.request(rotate.headers.get('location')!)).text();
    const rotated = secretIn(shown)!;
    expect(rotated).toMatch(/^secret_/);
    server.rememberCredential(rotated);
    const reload = await (await agent.request(rotate.headers.get('location')!)).text();
    expect(secretIn(reload)).toBeUndefined();
    expect((await clientCredentials(server.issuer, { clientId, clientSecret: rotated })).status).toBe(200);
  });

  test('destructive actions without their confirmation lead to it and change nothing', async () => {
    const { location, clientId } = await registerByForm(agent, `${server.url}/callback`, 'Keep Me');
    const page = await (await agent.request(location)).text();
    const csrf_token = csrfOf(page);
    for (const [action, extra] of [
      ['delete', ''],
      ['disable', ''],
      ['rotate_secret', '&overlap=0'],
    ] as const) {
      const response = await post(agent, location, { csrf_token, action, overlap: '0' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`${location}/confirm?action=${action}${extra}`);
    }
    // Delete asks for the app's name: a wrong one is a 400 on the confirmation page.
    const wrong = await post(agent, location, {
      csrf_token,
      action: 'delete',
      confirm: 'yes',
      confirm_name: 'Keep',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Type the app&#39;s name, Keep Me, exactly as shown.');
    const app = await server.kit.apps.get(clientId);
    expect(app).toMatchObject({ enabled: true, name: 'Keep Me' });
    expect(app!.secrets).toHaveLength(1);

    const deleted = await post(agent, location, {
      csrf_token,
      action: 'delete',
      confirm: 'yes',
      confirm_name: 'Keep Me',
    });
    expect(deleted.status).toBe(303);
    expect(await server.kit.apps.get(clientId)).toBeUndefined();
  });

  test('a flash is for its own app page and its own user only', async () => {
    const { location } = await registerByForm(agent, `${server.url}/callback`, 'Flash Owner');
    const other = await registerByForm(agent, `${server.url}/callback`, 'Another');
    // The second registration replaced the cookie: the first app's page shows no secret.
    expect(secretIn(await (await agent.request(location)).text())).toBeUndefined();
    // Someone else's browser holding the cookie (as if stolen) gets nothing either.
    const thief = await signedInAgent(server.issuer, { email: 'sam@example.com', password: 'sam-password' });
    server.rememberCredential('sam-password');
    thief.setCookie('oauth_kit_flash', agent.cookie('oauth_kit_flash')!);
    await thief.request(other.location); // not the owner: 404, and the flash stays
    const mine = secretIn(await (await agent.request(other.location)).text());
    expect(mine).toMatch(/^secret_/);
    server.rememberCredential(mine!);
  });
});

describe('two app instances on one Redis', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const servers: RunningExample[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
    const devSecretsFile = join(mkdtempSync(join(tmpdir(), 'oauth-kit-test-')), 'dev-secrets.json');
    for (let i = 0; i < 2; i += 1) {
      const client = redis.client();
      clients.push(client);
      servers.push(
        await startExampleApp({
          store: createRedisStore({ client }),
          devSecretsFile,
          ...(servers[0] ? { issuer: servers[0].issuer } : {}),
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    for (const client of clients) client.disconnect();
    await redis?.dispose();
  });

  test('of 10 concurrent reads of one flash across both instances, exactly one shows the secret', async () => {
    const [a, b] = servers as [RunningExample, RunningExample];
    const atA = await signedInAgent(a.url);
    const atB = await signedInAgent(b.url);
    const { location } = await registerByForm(atA, `${a.url}/callback`);
    atB.setCookie('oauth_kit_flash', atA.cookie('oauth_kit_flash')!);
    const pages = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => (await (i % 2 ? atB : atA).request(location)).text()),
    );
    const shown = pages.map(secretIn).filter((s): s is string => s !== undefined);
    expect(shown).toHaveLength(1);
    for (const server of servers) server.rememberCredential(shown[0]!);
  });
});
