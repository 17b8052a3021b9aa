/**
 * What makes the people's pages trustworthy, in real headless Chromium against the example app,
 * at a laptop's 1280×800 and a phone's 390×844: the product's branding on every page, consent
 * naming who built the app with its description and policies, the settings header's way home and
 * sign-out, plain-language error pages with a reference, and the demo client's "You declined".
 * Screenshots go to artifacts/screenshots/ (t-*.png).
 */
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { launchChromium, screenshot, signInOnProductPage } from '../helpers/chromium.js';

let server: RunningExample;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startExampleApp(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let context: BrowserContext;
let page: Page;
beforeEach(async () => {
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
});
afterEach(() => context.close());

const url = (path: string) => `${server.issuer}${path}`;
const see = (selector: string, text: string | RegExp) =>
  page.locator(selector, { hasText: text }).first().waitFor({ timeout: 10_000 });

/** Screenshots at both widths (the page is reloaded at the phone's width: GET pages only). */
async function shots(name: string): Promise<void> {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(LAPTOP);
}

async function signIn(): Promise<void> {
  await page.goto(url('/signin'));
  await signInOnProductPage(page);
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

/** Registers an app through the form and returns its client id. */
async function register(fields: Record<string, string>): Promise<string> {
  await page.goto(url('/settings/developers/apps/new'));
  for (const [name, value] of Object.entries(fields)) {
    await page.fill(`[name="${name}"]`, value);
  }
  await page.click('button[type="submit"].primary');
  await page.waitForURL(/\/settings\/developers\/apps\/app_/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

async function authorizeUrl(clientId: string, scope = 'tasks:read'): Promise<string> {
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: `${server.issuer}/callback`,
    response_type: 'code',
    scope,
    state: oauth.generateRandomState(),
    code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    code_challenge_method: 'S256',
  });
  return url(`/oauth/authorize?${params}`);
}

test('consent names the product, the account, who built the app, what it does and its policies', async () => {
  await signIn();
  const clientId = await register({
    name: 'Acme Planner',
    homepage_url: 'https://planner.acme.example',
    description: 'Plans your week from your TaskFlow tasks.',
    privacy_policy_url: 'https://planner.acme.example/privacy',
    terms_url: 'https://planner.acme.example/terms',
    redirect_uris: `${server.issuer}/callback`,
  });
  await page.goto(await authorizeUrl(clientId, 'tasks:read projects:read'));
  await page.waitForSelector('button[name="decision"][value="approve"]');
  await see('.card-brand .brand-name', 'TaskFlow');
  await see('.by-line', 'by demo@example.com');
  await see('.app-description', 'Plans your week from your TaskFlow tasks.');
  await see('p', /wants to access your TaskFlow account demo@example\.com/);
  expect(await page.getAttribute('.app-policies a:has-text("privacy policy")', 'href')).toBe(
    'https://planner.acme.example/privacy',
  );
  expect(await page.getAttribute('.app-policies a:has-text("terms of service")', 'href')).toBe(
    'https://planner.acme.example/terms',
  );
  // Never the internal account id.
  expect(await page.content()).not.toContain('user_123');
  await shots('t-consent-registered-app');

  // The product's own client, in a new browser: the kit's sign-in page is branded, and consent
  // says the product built it (no policies block).
  await context.close();
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
  await page.goto(url('/login'));
  await page.waitForSelector('input[name="password"]');
  await see('h1', 'Sign in to TaskFlow');
  await see('.card-brand .brand-name', 'TaskFlow');
  expect(await page.getAttribute('.card-brand img.brand-logo', 'src')).toBe('/logo.svg');
  await shots('t-login-branded');
  await page.fill('input[name="email"]', 'demo@example.com');
  await page.fill('input[name="password"]', 'demo-password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('button[name="decision"][value="approve"]');
  await see('.by-line', 'by TaskFlow');
  expect(await page.locator('.app-policies').count()).toBe(0);
});

test('a registration form with several mistakes shows every field’s error at once', async () => {
  await signIn();
  await page.goto(url('/settings/developers/apps/new'));
  await page.fill('[name="homepage_url"]', 'ftp://nope.example');
  await page.fill('[name="privacy_policy_url"]', 'javascript:alert(1)');
  await page.fill('[name="redirect_uris"]', 'http://evil.example/cb');
  // The browser's own checks would stop at the first field: submit as a script-less client would.
  await page.$eval('form.panel', (form) => form.setAttribute('novalidate', ''));
  await page.click('button[type="submit"].primary');
  await see('#name-error', 'Enter the application name.');
  await see('#homepage_url-error', 'http(s) URL');
  await see('#privacy_policy_url-error', 'http(s) URL');
  await see('#redirect_uris-error', /https/);
  expect(await page.locator('.error-links li').count()).toBe(4);
  await shots('t-new-app-every-error');
});

test('settings header: the product links home, shows who is signed in, and signs out', async () => {
  await signIn();
  await page.goto(url('/settings/connected-apps'));
  await see('.topbar .brand-name', 'TaskFlow');
  await see('.topbar .who', 'demo@example.com');
  await shots('t-settings-header');
  expect(await page.getAttribute('.topbar a.brand', 'href')).toBe('/');
  await page.click('.topbar a.signout');
  await see('h1', 'Sign out of TaskFlow?');
  await page.click('button[type="submit"].primary');
  await page.waitForURL(url('/'));
  await page.goto(url('/settings/connected-apps'));
  await page.waitForURL(/\/signin\?return_to=/);

  // The favicon is served (no 404), and the home page's button keeps its distance from the heading.
  const favicon = await page.request.get(url('/favicon.ico'));
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()['content-type']).toContain('image/svg+xml');
  await page.goto(url('/'));
  const button = await page.locator('button:has-text("Connect with TaskFlow")').boundingBox();
  const heading = await page.locator('h2', { hasText: 'TaskFlow settings' }).boundingBox();
  expect(heading!.y - (button!.y + button!.height)).toBeGreaterThanOrEqual(24);
  await shots('t-example-home');
});

/** The reference the page shows, and the log line that carries the same one. */
async function referenceLogged(): Promise<Record<string, unknown>> {
  const reference = (await page.textContent('[data-testid="error-reference"]'))!.trim();
  expect(reference).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const line = server.logs.find((l) => l.includes(`"reference":"${reference}"`));
  expect(line).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

test('error pages speak plainly, lead back, give a reference the log has, and show details only to the app’s developer', async () => {
  await signIn();
  const clientId = await register({
    name: 'Mismatch App',
    homepage_url: 'https://mismatch.example',
    redirect_uris: `${server.issuer}/callback`,
  });
  const wrong = new URL(await authorizeUrl(clientId));
  wrong.searchParams.set('redirect_uri', 'https://evil.example/steal');

  // The app's developer (signed in as its owner) sees the technical detail.
  let response = await page.goto(wrong.href);
  expect(response!.status()).toBe(400);
  await see('h1', 'This app sent you from an address it did not register');
  await see('a.button', 'Back to Mismatch App');
  expect(await page.getAttribute('a.button', 'href')).toBe('https://mismatch.example');
  await see('[data-testid="error-code"]', 'invalid_redirect_uri');
  const logged = await referenceLogged();
  expect(logged).toMatchObject({ event: 'error_page', status: 400, error: 'invalid_redirect_uri', clientId });
  expect(await page.content()).not.toContain('evil.example/steal');
  await shots('t-error-redirect-uri-developer');

  // Anyone else: the same plain words and reference, no technical detail.
  await context.close();
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
  response = await page.goto(wrong.href);
  expect(response!.status()).toBe(400);
  await see('h1', 'This app sent you from an address it did not register');
  expect(await page.locator('.technical').count()).toBe(0);
  expect(await page.content()).not.toContain('did not match');
  await referenceLogged();
  await shots('t-error-redirect-uri-user');

  // An interaction that no longer exists: expired, with the way back to the product.
  response = await page.goto(url('/oauth/interaction/no-such-interaction'));
  expect(response!.status()).toBeGreaterThanOrEqual(400);
  await see('h1', 'This page has expired');
  await see('a.button', 'Back to TaskFlow');
  expect(await page.getAttribute('a.button', 'href')).toBe('/');
  expect(await page.content()).not.toContain('cookie not found');
  await referenceLogged();
  await shots('t-error-expired');

  // A settings page for something that is not yours: plain words, same page design.
  await page.goto(url('/signin'));
  await page.fill('input[name="email"]', 'sam@example.com');
  await page.fill('input[name="password"]', 'sam-password');
  server.rememberCredential('sam-password');
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  response = await page.goto(url(`/settings/developers/apps/${clientId}`));
  expect(response!.status()).toBe(404);
  await see('h1', 'We could not find that');
  expect(await page.locator('.technical').count()).toBe(0);
  await referenceLogged();
  await shots('t-error-not-found');
});
