/**
 * The people's pages in a real browser (Chromium via playwright-core) against the
 * running example app: a developer registers an app and reads its secret, a user approves and
 * denies consent, revokes an app from Connected apps, a developer disables an app, and an
 * administrator approves a restricted scope. Each page is saved under artifacts/screenshots/.
 */
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { callApi, tokenRequest } from '../helpers/oauth-client.js';
import { launchChromium, screenshot, signInOnProductPage } from '../helpers/chromium.js';
import { startAll } from '../helpers/lifecycle.js';

let server: RunningExample;
let browser: Browser;
let redirectUri: string;

beforeAll(async () => {
  [server, browser] = await startAll(
    [startExampleApp(), launchChromium()],
    [(s) => s.close(), (b) => b.close()],
  );
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let context: BrowserContext;
let page: Page;
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
});
afterEach(() => context?.close());

const url = (path: string) => `${server.issuer}${path}`;

/** Waits until an element matching `selector` shows `text` (pages load after form posts). */
const see = (selector: string, text: string | RegExp) =>
  page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });

interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** Registers an app through the "New OAuth App" form (signing in first if needed). */
async function registerThroughForm(name: string, shots = false): Promise<Credentials> {
  await page.goto(url('/settings/developers/apps/new'));
  if (page.url().includes('/signin')) await signInOnProductPage(page);
  await page.waitForURL(/\/settings\/developers\/apps\/new$/);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="homepage_url"]', 'https://planner.acme.example');
  await page.fill('textarea[name="redirect_uris"]', redirectUri);
  await page.fill('textarea[name="description"]', 'Plans your week from your TaskFlow tasks.');
  await page.check('input[name="client_type"][value="confidential"]');
  if (shots) await screenshot(page, '03-new-app-form');
  await page.click('button[type="submit"].primary');
  const clientId = (await page.textContent('[data-testid="client-id"]'))!.trim();
  const clientSecret = (await page.textContent('[data-testid="client-secret"]'))!.trim();
  return { clientId, clientSecret };
}

const clientCredentials = (client: Credentials, scope = 'tasks:read') =>
  tokenRequest(server.issuer, { grant_type: 'client_credentials', scope }, client);

/**
 * Sends the browser through /oauth/authorize for `client` and returns the callback URL. The
 * callback itself is intercepted: the test plays the client's back end.
 */
async function authorizeInBrowser(client: Credentials, scope: string, shot?: string) {
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const params = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  await page.route(
    (target) => target.pathname === '/callback',
    (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback received' }),
  );
  await page.goto(url(`/oauth/authorize?${params}`));
  if (await page.locator('input[name="password"]').count()) {
    await page.fill('input[name="email"]', 'demo@example.com');
    await page.fill('input[name="password"]', 'demo-password');
    await page.click('button[type="submit"]');
  }
  await page.waitForSelector('button[name="decision"][value="approve"]');
  if (shot) await screenshot(page, shot);
  await page.click('button[name="decision"][value="approve"]');
  await page.waitForURL(/\/callback\?/);
  const callback = new URL(page.url());
  await page.unroute((target) => target.pathname === '/callback');
  const code = callback.searchParams.get('code')!;
  expect(callback.searchParams.get('state')).toBe(state);
  const { status, json } = await tokenRequest(
    server.issuer,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier },
    client,
  );
  expect(status).toBe(200);
  return json as { access_token: string; refresh_token: string };
}

test('a developer registers an app through the form and reads its secret once', async () => {
  await page.goto(url('/settings/developers/apps'));
  await signInOnProductPage(page);
  await page.waitForURL(/\/settings\/developers\/apps$/);
  await screenshot(page, '01-apps-list-empty');

  // Bad input comes back on the form with the field marked, nothing registered.
  await page.click('text=New OAuth App');
  await page.fill('input[name="name"]', 'Broken');
  await page.fill('input[name="homepage_url"]', 'https://broken.example');
  await page.fill('textarea[name="redirect_uris"]', 'http://broken.example/callback#frag');
  await page.click('button[type="submit"].primary');
  await see('#redirect_uris-error', /must use https/);
  expect(await page.getAttribute('textarea[name="redirect_uris"]', 'aria-invalid')).toBe('true');
  await screenshot(page, '02-new-app-form-error');

  const credentials = await registerThroughForm('Acme Planner', true);
  expect(credentials.clientId).toMatch(/^app_/);
  expect(credentials.clientSecret).toMatch(/^secret_/);
  await screenshot(page, '04-app-created-credentials');
  expect((await clientCredentials(credentials)).status).toBe(200);

  // Post/Redirect/Get: the result page is a GET; reloading it registers nothing, shows no secret.
  expect(page.url()).toBe(url(`/settings/developers/apps/${credentials.clientId}`));
  await page.reload();
  await see('h1', 'Acme Planner');
  expect(await page.locator('[data-testid="client-secret"]').count()).toBe(0);
  expect(await page.content()).not.toContain(credentials.clientSecret);
  await page.goto(url('/settings/developers/apps'));
  expect(await page.locator('.app-list li', { hasText: 'Acme Planner' }).count()).toBe(1);

  // Shown once: the app's page never shows it again.
  await page.goto(url(`/settings/developers/apps/${credentials.clientId}`));
  expect(await page.locator('[data-testid="client-secret"]').count()).toBe(0);
  expect(await page.content()).not.toContain(credentials.clientSecret);
  await screenshot(page, '05-app-page');

  // Rotate with the default ("Immediately"): a confirmation page says what stops, first.
  await page.click('button[name="action"][value="rotate_secret"]');
  await see('h1', 'Generate a new client secret?');
  await see('.consequences', 'stops working immediately');
  await screenshot(page, '06a-confirm-rotate-secret');
  expect((await clientCredentials(credentials)).status).toBe(200);
  await page.click('button[type="submit"].danger');
  const rotated = (await page.textContent('[data-testid="client-secret"]'))!.trim();
  expect(rotated).not.toBe(credentials.clientSecret);
  await screenshot(page, '06-app-secret-rotated');
  expect((await clientCredentials(credentials)).json.error).toBe('invalid_client');
  expect((await clientCredentials({ ...credentials, clientSecret: rotated })).status).toBe(200);
  // A reload neither shows it again nor rotates again: the secret just shown keeps working.
  await page.reload();
  await see('h1', 'Acme Planner');
  expect(await page.locator('[data-testid="client-secret"]').count()).toBe(0);
  expect((await clientCredentials({ ...credentials, clientSecret: rotated })).status).toBe(200);

  await page.goto(url('/settings/developers/apps'));
  await see('.app-list', 'Acme Planner');
  await screenshot(page, '07-apps-list');

  // The same pages on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url(`/settings/developers/apps/${credentials.clientId}`));
  await screenshot(page, '08-app-page-mobile');
});

test('a user connects the demo client: sign in, consent, approve, and the dashboard shows their tasks', async () => {
  await page.goto(url('/'));
  await screenshot(page, '10-demo-client-home');
  await page.click('text=Connect with TaskFlow');
  await page.waitForSelector('input[name="password"]');
  await screenshot(page, '11-login');
  await page.fill('input[name="email"]', 'demo@example.com');
  await page.fill('input[name="password"]', 'demo-password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('button[name="decision"][value="approve"]');
  await see('h1', 'Authorize TaskFlow Demo (test)');
  // Signing in (openid profile) reads as its own group beside tasks and projects.
  expect(await page.locator('.scope-group').count()).toBe(3);
  await see('.scope-group', 'See your name and profile details');
  await screenshot(page, '12-consent');
  await page.click('button[name="decision"][value="approve"]');
  await page.waitForURL(/\/dashboard$/);
  await see('[data-testid="tasks"]', 'Write the quarterly report');
  await see('[data-testid="greeting"]', 'Hello, Demo User!');
  await screenshot(page, '13-dashboard');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url('/settings/connected-apps'));
  await see('.connected-list', 'TaskFlow Demo (test)');
  await screenshot(page, '14-connected-apps-mobile');
});

test('a user denies consent: the client gets access_denied and says "You declined"', async () => {
  await page.goto(url('/'));
  await page.click('text=Connect with TaskFlow');
  await page.fill('input[name="email"]', 'demo@example.com');
  await page.fill('input[name="password"]', 'demo-password');
  await page.click('button[type="submit"]');
  await page.click('button[name="decision"][value="deny"]');
  await page.waitForURL(/\/callback\?/);
  expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
  await see('h1', 'You declined');
  await see('[role="status"]', 'did not get access to your TaskFlow account');
  await screenshot(page, '15-denied');
});

test('revoking an app from Connected apps refuses its API calls at once', async () => {
  await page.goto(url('/signin'));
  await signInOnProductPage(page);
  const client = await registerThroughForm('Weekly Report Bot');
  const tokens = await authorizeInBrowser(client, 'tasks:read projects:read', '20-consent-registered-app');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);

  await page.goto(url('/settings/connected-apps'));
  const card = page.locator('li.connected-app', { hasText: 'Weekly Report Bot' });
  await card.locator('li', { hasText: 'Read your projects' }).waitFor();
  await screenshot(page, '21-connected-apps');
  await card.locator('button', { hasText: 'Revoke access' }).click();
  await see('h1', 'Revoke access for Weekly Report Bot?');
  await screenshot(page, '21a-confirm-revoke');
  // Cancel changes nothing; confirming revokes.
  await page.click('a.button:has-text("Cancel")');
  await see('li.connected-app', 'Weekly Report Bot');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
  await card.locator('button', { hasText: 'Revoke access' }).click();
  await page.click('button[type="submit"].danger');
  await see('.notice', 'Access revoked');
  // A reload of the result repeats nothing (it is a GET after a 303).
  await page.reload();
  await see('.notice', 'Access revoked');
  expect(await page.locator('li.connected-app', { hasText: 'Weekly Report Bot' }).count()).toBe(0);
  await screenshot(page, '22-connected-apps-revoked');

  const api = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
  expect(api.status).toBe(401);
  expect(api.json.error).toBe('invalid_token');
  const refresh = await tokenRequest(
    server.issuer,
    { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    client,
  );
  expect(refresh.json.error).toBe('invalid_grant');
});

test('disabling an app refuses its tokens; authorize shows an error page; enabling restores it', async () => {
  const client = await registerThroughForm('Disable Me');
  const tokens = await authorizeInBrowser(client, 'tasks:read');
  const machine = (await clientCredentials(client)).json.access_token as string;

  await page.goto(url(`/settings/developers/apps/${client.clientId}`));
  await page.click('button[name="action"][value="disable"]');
  await see('h1', 'Disable Disable Me?');
  await screenshot(page, '29-confirm-disable');
  await page.click('button[type="submit"].danger');
  await see('.notice', 'App disabled');
  expect(await page.locator('button[name="action"][value="disable"]').count()).toBe(0);
  await screenshot(page, '30-app-disabled');

  for (const token of [tokens.access_token, machine]) {
    expect((await callApi(server.issuer, '/v1/tasks', token)).status).toBe(401);
  }
  expect((await clientCredentials(client)).json.error).toBe('invalid_client');

  const params = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
  });
  const response = await page.goto(url(`/oauth/authorize?${params}`));
  expect(response!.status()).toBe(400);
  await see('h1', 'This app is not available');
  await see('a.button', 'Back to Disable Me');
  await screenshot(page, '31-authorize-disabled-app');

  await page.goto(url(`/settings/developers/apps/${client.clientId}`));
  await page.click('button[name="action"][value="enable"]');
  await see('.notice', 'App enabled');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);

  await page.click('button[name="action"][value="delete"]');
  await see('h1', 'Delete Disable Me?');
  // The app's name must be typed: a wrong one deletes nothing and says why.
  await page.fill('input[name="confirm_name"]', 'Disable');
  await page.click('button[type="submit"].danger');
  await see('#confirm_name-error', 'exactly as shown');
  await screenshot(page, '32a-confirm-delete-wrong-name');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
  await page.fill('input[name="confirm_name"]', 'Disable Me');
  await page.click('button[type="submit"].danger');
  await page.waitForURL(/\/settings\/developers\/apps\?done=deleted$/);
  await see('.notice', 'App deleted');
  await screenshot(page, '32-app-deleted');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(401);
});

test('an administrator approves a restricted scope; consent then highlights it', async () => {
  const client = await registerThroughForm('Org Admin Console');
  await page.selectOption('select[name="scope"]', 'admin:*');
  await page.click('button[name="action"][value="request_scope"]');
  await see('.notice', 'Request sent');
  await screenshot(page, '40-scope-requested');
  expect((await clientCredentials(client, 'admin:*')).json.error).toBe('invalid_scope');

  await page.goto(url('/settings/admin/scope-requests'));
  const request = page.locator('li.panel', { hasText: 'Org Admin Console' });
  await request.locator('code', { hasText: 'admin:*' }).first().waitFor();
  await screenshot(page, '41-admin-scope-requests');
  await request.locator('button[name="action"][value="approve"]').click();
  await see('.notice', 'Scope approved');
  await screenshot(page, '42-admin-scope-approved');

  const granted = await clientCredentials(client, 'admin:*');
  expect(granted.status).toBe(200);

  const tokens = await authorizeInBrowser(client, 'tasks:read admin:*', '43-consent-restricted');
  expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);

  // A phone, signing in on the kit's login page: a new session, so consent asks for everything.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  page = await phone.newPage();
  try {
    await authorizeInBrowser(client, 'tasks:read tasks:write admin:*', '44-consent-restricted-mobile');
  } finally {
    await phone.close();
  }
});
