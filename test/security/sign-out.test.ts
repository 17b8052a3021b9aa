/**
 * Attacks on sign-out, over HTTP against the example app:
 * - a shared computer: the product's user signs out, the next person at the browser starts an
 *   authorization and must not get a code for the previous user without a password;
 * - an OpenID Connect sign-out (/oauth/logout) that never completes;
 * - a second product user in the same browser, who must end up authorizing as themselves.
 */
import { decodeJwt } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize } from '../helpers/oauth-client.js';
import { signedInAgent } from '../helpers/session.js';

let server: RunningExample;
let redirectUri: string;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  server.rememberCredential('sam-password');
});
afterAll(() => server.close());

const authorizeUrl = () =>
  `/oauth/authorize?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    state: 'st',
  })}`;

/** Starts an authorization; says whether it ended at the callback or on the login form. */
async function startAuthorization(agent: BrowserAgent) {
  const { response, url } = await agent.follow(authorizeUrl());
  const html = url.includes('/callback') ? '' : await response.text();
  return { url, html, callback: url.includes('/callback'), loginForm: html.includes('name="password"') };
}

async function productSignOut(agent: BrowserAgent) {
  const home = await (await agent.request('/')).text();
  const { response } = await agent.submit(`${server.issuer}/`, home, {});
  expect(response.status).toBe(200);
}

test("after the product's sign-out, /oauth/authorize asks for a password instead of issuing a code", async () => {
  const agent = await signedInAgent(server.issuer);
  // Signed in to the product: the authorization completes without a password (consent once).
  await authorize(server.issuer, { clientId: TEST_CLIENT.clientId, redirectUri, scope: 'tasks:read', agent });
  expect((await startAuthorization(agent)).callback).toBe(true);

  await productSignOut(agent);
  const after = await startAuthorization(agent);
  expect(after.callback).toBe(false);
  expect(after.loginForm).toBe(true);
});

test('sign-out at /oauth/logout completes, and ends the product session too', async () => {
  const agent = await signedInAgent(server.issuer);
  await authorize(server.issuer, { clientId: TEST_CLIENT.clientId, redirectUri, scope: 'tasks:read', agent });

  const page = await agent.request('/oauth/logout');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  const html = await page.text();
  const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(html)![1]!;
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
  const confirmed = await agent.request(new URL(action, server.issuer).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  expect(confirmed.status).toBe(303);
  const done = await agent.follow(confirmed.headers.get('location')!);
  expect(done.response.status).toBe(200);
  expect(await done.response.text()).toContain('signed out');

  const after = await startAuthorization(agent);
  expect(after.loginForm).toBe(true);
  // The product's own session ended with it (accounts.signOut).
  expect(await (await agent.request('/')).text()).toContain('Sign in to TaskFlow');
});

test('a forged or replayed sign-out confirmation is refused without a 5xx', async () => {
  const agent = await signedInAgent(server.issuer);
  await authorize(server.issuer, { clientId: TEST_CLIENT.clientId, redirectUri, scope: 'tasks:read', agent });
  const forged = await agent.request('/oauth/logout/confirm', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf: 'forged', logout: 'yes' }),
  });
  expect(forged.status).toBe(400);
  // Still signed in: the forged form changed nothing.
  expect((await startAuthorization(agent)).callback).toBe(true);
});

test('a second product user in the same browser authorizes as themselves', async () => {
  const agent = await signedInAgent(server.issuer);
  await authorize(server.issuer, { clientId: TEST_CLIENT.clientId, redirectUri, scope: 'tasks:read', agent });

  // The product switches users (its own sign-out, then the second user's sign-in).
  await productSignOut(agent);
  const form = await agent.request('/signin');
  await agent.submit(`${server.issuer}/signin`, await form.text(), {
    email: 'sam@example.com',
    password: 'sam-password',
  });
  const { response, url } = await agent.follow(authorizeUrl());
  const html = await response.text();
  // Not the first user's code: the kit asks the second user for consent.
  expect(url).toContain('/oauth/interaction/');
  expect(html).toContain('name="decision"');
  expect(html).toContain('sam@example.com');
  const { url: callback } = await agent.submit(url, html, { decision: 'approve' });
  expect(new URL(callback).searchParams.get('code')).toBeTruthy();
});

test('"Not you? Switch account" on the consent page lets another person sign in, whoever the product had signed in', async () => {
  const agent = await signedInAgent(server.issuer);
  const { response, url } = await agent.follow(
    `/oauth/authorize?${new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'projects:read',
      state: 'st',
    })}`,
  );
  const consent = await response.text();
  expect(consent).toContain('demo@example.com');
  const action = /<form method="post" action="([^"]+\/switch-account)"/.exec(consent)![1]!;
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(consent)![1]!;

  // Without the form's token nothing happens.
  const forged = await agent.request(new URL(action, url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: 'forged' }),
  });
  expect(forged.status).toBe(403);

  const switched = await agent.follow(new URL(action, url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: csrf }),
  });
  const login = await switched.response.text();
  // The login form, although the product still has the demo user signed in.
  expect(login).toContain('name="password"');
  const { response: next, url: consentUrl } = await agent.submit(switched.url, login, {
    email: 'sam@example.com',
    password: 'sam-password',
  });
  const samConsent = await next.text();
  expect(samConsent).toContain('sam@example.com');
  const { url: callback } = await agent.submit(consentUrl, samConsent, { decision: 'approve' });
  const code = new URL(callback).searchParams.get('code');
  expect(code).toBeTruthy();
  const tokens = await fetch(`${server.issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri }),
  });
  const { access_token } = (await tokens.json()) as { access_token: string };
  expect(decodeJwt(access_token).sub).toBe('user_456');
});
