/**
 * Administrators block a self-registered client from the settings pages, in real headless
 * Chromium against the example app: an MCP-style agent registers (RFC 7591, plain HTTP as the
 * test's setup) and gets a token; the administrator finds it on "Self-registered clients", blocks
 * it through the confirmation page, a reload repeats nothing, the agent's token is refused and
 * its next authorization ends on an error page. Screenshots go to artifacts/screenshots/.
 */
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, callApi, tokenRequest } from '../helpers/oauth-client.js';
import { launchChromium, screenshot, signInOnProductPage } from '../helpers/chromium.js';
import { startAll } from '../helpers/lifecycle.js';

let server: RunningExample;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await startAll(
    [startExampleApp(), launchChromium()],
    [(s) => s.close(), (b) => b.close()],
  );
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const url = (path: string) => `${server.issuer}${path}`;
const ADMIN_PAGE = '/settings/admin/self-registered-clients';
const see = (selector: string, text: string | RegExp) =>
  page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });

/** What the MCP SDK sends to the registration endpoint (no Authorization header). */
async function registerAgent(name: string, redirectUri: string): Promise<string> {
  const response = await fetch(url('/oauth/register'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'tasks:read',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { client_id: string }).client_id;
}

test('an administrator blocks a self-registered agent: its token stops and it cannot authorize again', async () => {
  const redirectUri = 'http://127.0.0.1:33418/callback';
  const clientId = await registerAgent('Rogue agent', redirectUri);
  const bystander = await registerAgent('Helpful agent', 'http://localhost:41999/callback');

  // The agent is authorized by a user and holds a working token.
  const result = await authorize(server.issuer, { clientId, redirectUri, scope: 'tasks:read' });
  const granted = await tokenRequest(server.issuer, {
    grant_type: 'authorization_code',
    client_id: clientId,
    code: result.callback.searchParams.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: result.codeVerifier,
  });
  expect(granted.status).toBe(200);
  const accessToken = granted.json.access_token as string;
  expect((await callApi(server.issuer, '/v1/tasks', accessToken)).status).toBe(200);

  // The administrator (demo@example.com) finds it from the admin navigation.
  await page.goto(url('/settings/admin/scope-requests'));
  await signInOnProductPage(page);
  await page.waitForURL(/\/settings\/admin\/scope-requests$/);
  await page.click('nav.sidenav a:has-text("Self-registered clients")');
  await page.waitForURL(url(ADMIN_PAGE));
  const row = page.locator('li.panel', { has: page.locator('h2', { hasText: 'Rogue agent' }) });
  await row.waitFor();
  expect(await row.locator('code').textContent()).toBe(clientId);
  await expect(row.locator('.badge').allTextContents()).resolves.toEqual(['Dynamic registration', 'Active']);
  expect(await row.locator('dt:has-text("Registered") + dd').textContent()).toMatch(/\d{4}, \d\d:\d\d UTC/);
  expect(await row.locator('dt:has-text("Redirects to") + dd').textContent()).toBe('127.0.0.1:33418');
  await screenshot(page, '51-admin-self-registered-clients');

  // "Block" asks first; Cancel changes nothing.
  await row.locator('button', { hasText: 'Block' }).click();
  await see('h1', 'Block Rogue agent?');
  await screenshot(page, '52-admin-block-confirm');
  await page.click('a:has-text("Cancel")');
  await page.waitForURL(url(ADMIN_PAGE));
  expect((await callApi(server.issuer, '/v1/tasks', accessToken)).status).toBe(200);

  // Confirmed: the POST answers 303 to the list, which says so.
  await row.locator('button', { hasText: 'Block' }).click();
  await see('h1', 'Block Rogue agent?');
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('button[type="submit"].danger'),
  ]);
  expect(post.status()).toBe(303);
  await page.waitForURL(`${url(ADMIN_PAGE)}?done=blocked`);
  await see('.notice', 'Client blocked.');
  await expect(row.locator('.badge').allTextContents()).resolves.toEqual(['Dynamic registration', 'Blocked']);
  expect(await row.locator('button', { hasText: 'Block' }).count()).toBe(0);
  await screenshot(page, '53-admin-client-blocked');

  // A reload is a GET: nothing is posted again, the other agent is untouched.
  const posts: string[] = [];
  page.on('request', (r) => void (r.method() === 'POST' && posts.push(r.url())));
  await page.reload();
  await see('.notice', 'Client blocked.');
  expect(posts).toEqual([]);
  const other = page.locator('li.panel', { has: page.locator('h2', { hasText: 'Helpful agent' }) });
  expect(await other.locator('.badge.live').textContent()).toBe('Active');
  expect(await other.locator('code').textContent()).toBe(bystander);

  // The blocked agent's token is refused, and its next authorization ends on an error page.
  const refused = await callApi(server.issuer, '/v1/tasks', accessToken);
  expect(refused.status).toBe(401);
  expect(refused.json.error).toBe('invalid_token');
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    state: oauth.generateRandomState(),
    code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    code_challenge_method: 'S256',
  });
  const answer = await page.goto(url(`/oauth/authorize?${params}`));
  expect(answer!.status()).toBeGreaterThanOrEqual(400);
  expect(answer!.status()).toBeLessThan(500);
  expect(new URL(page.url()).pathname).toBe('/oauth/authorize');
  expect(await page.locator('button[name="decision"]').count()).toBe(0);
  await screenshot(page, '54-blocked-client-authorize');
});

test('the block form only blocks self-registered clients, and only for administrators', async () => {
  // Signed in from the first test: take a genuine CSRF token from the page's own form.
  await page.goto(url(ADMIN_PAGE));
  const block = page.locator('form[method="get"] button', { hasText: 'Block' }).first();
  await block.click();
  const csrf = await page.locator('input[name="csrf_token"]').inputValue();
  const forged = await page.request.post(url(ADMIN_PAGE), {
    form: { csrf_token: csrf, action: 'block', client_id: 'test_abc123', confirm: 'yes' },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(404);
  // The developer's app still works.
  const stillWorks = await tokenRequest(
    server.issuer,
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    TEST_CLIENT,
  );
  expect(stillWorks.status).toBe(200);

  // A user who is not an administrator gets a 403 page and no link.
  const other = await browser.newContext();
  try {
    const visitor = await other.newPage();
    await visitor.goto(url(ADMIN_PAGE));
    await visitor.waitForURL(/\/signin/);
    await visitor.fill('input[name="email"]', 'sam@example.com');
    await visitor.fill('input[name="password"]', 'sam-password');
    const [answer] = await Promise.all([
      visitor.waitForResponse((r) => new URL(r.url()).pathname === ADMIN_PAGE),
      visitor.click('button[type="submit"]'),
    ]);
    expect(answer.status()).toBe(403);
    await visitor.goto(url('/settings/connected-apps'));
    expect(await visitor.locator('nav.sidenav a:has-text("Self-registered clients")').count()).toBe(0);
  } finally {
    await other.close();
  }
});
