/**
 * Attack: a client demands a fresh login (`prompt=login`, `max_age=0`), e.g. before a sensitive
 * action, and the kit silently answers with the product's long-lived session; the ID token's
 * `auth_time` then claims an authentication that never happened. The login form must be shown,
 * and `auth_time` must be when the user really authenticated.
 */
import { decodeJwt } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import type { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, exchangeCode } from '../helpers/oauth-client.js';
import { signedInAgent } from '../helpers/session.js';

let server: RunningExample;
let redirectUri: string;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(() => server.close());

const now = () => Math.floor(Date.now() / 1000);

async function start(agent: BrowserAgent, extra: Record<string, string>) {
  const { response, url } = await agent.follow(
    `/oauth/authorize?${new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid tasks:read',
      state: 'st',
      ...extra,
    })}`,
  );
  return { url, html: url.includes('/callback') ? '' : await response.text() };
}

/** A browser signed in to the product (and, unless told, through one authorization already). */
async function signedInLongAgo({ authorized = true } = {}) {
  const signedInAt = now();
  const agent = await signedInAgent(server.issuer);
  if (authorized) {
    await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'openid tasks:read',
      agent,
    });
  }
  // Let the clock move on, so that "now" and the real sign-in time differ.
  await new Promise((r) => setTimeout(r, 2100));
  return { agent, signedInAt };
}

test('prompt=login shows the login form to a user signed in to the product, and auth_time is that login', async () => {
  const { agent } = await signedInLongAgo();
  const { url, html } = await start(agent, { prompt: 'login' });
  expect(url).not.toContain('/callback');
  expect(html).toContain('name="password"');

  const before = now();
  const result = await authorize(server.issuer, {
    clientId: TEST_CLIENT.clientId,
    redirectUri,
    scope: 'openid tasks:read',
    agent,
    extra: { prompt: 'login' },
  });
  const { json } = await exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
  expect(decodeJwt(json.id_token as string).auth_time).toBeGreaterThanOrEqual(before);
});

test('max_age=0 shows the login form; a max_age the product sign-in meets does not', async () => {
  const { agent } = await signedInLongAgo();
  const fresh = await start(agent, { max_age: '0' });
  expect(fresh.url).not.toContain('/callback');
  expect(fresh.html).toContain('name="password"');

  const recentEnough = await start(agent, { max_age: '3600' });
  expect(recentEnough.url).toContain('/callback');
});

test("without a demand for a fresh login, auth_time is the product's sign-in time, not the time of the request", async () => {
  // The kit takes the product's user over in this first authorization, two seconds after sign-in.
  const { agent, signedInAt } = await signedInLongAgo({ authorized: false });
  const result = await authorize(server.issuer, {
    clientId: TEST_CLIENT.clientId,
    redirectUri,
    scope: 'openid tasks:read',
    agent,
    extra: { max_age: '3600' }, // asks for auth_time in the ID token
  });
  const { json } = await exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
  const authTime = decodeJwt(json.id_token as string).auth_time!;
  // The sign-in was over two seconds ago: auth_time is then, not now.
  expect(authTime).toBeGreaterThanOrEqual(signedInAt);
  expect(authTime).toBeLessThanOrEqual(signedInAt + 1);
});
