/**
 * Abuse monitoring, end to end: a scripted burst of failures (wrong client secrets, a reused
 * refresh token) against the running example app fires the default alert rules once each,
 * and the administrators' page in real headless Chromium shows the burst: the totals, the
 * charts and the noisiest client. Screenshots: artifacts/screenshots/m-monitoring-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TEST_CLIENT } from '../../example-app/app.js';
import type { Alert } from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { launchChromium, screenshot, signInOnProductPage } from '../helpers/chromium.js';
import { codeFlow, tokenRequest } from '../helpers/oauth-client.js';

let server: RunningExample;
let browser: Browser;
const alerts: Alert[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startExampleApp({ security: { onAlert: (alert) => void alerts.push(alert) } }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let context: BrowserContext;
let page: Page;
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});
afterEach(() => context.close());

const url = (path: string) => `${server.issuer}${path}`;

test('a burst of failures shows on the monitoring page and fires the alerts, once each', async () => {
  // 15 wrong secrets for one client within a minute: the default rule fires above 10.
  const wrong = { clientId: TEST_CLIENT.clientId, clientSecret: 'test_wrong_secret_for_burst' };
  for (let i = 0; i < 15; i += 1) {
    const { status } = await tokenRequest(server.issuer, { grant_type: 'client_credentials' }, wrong);
    expect(status).toBe(401);
  }
  // A refresh token presented twice: reuse detected, the grant revoked, an alert.
  const tokens = await codeFlow(server.issuer, TEST_CLIENT, `${server.url}/callback`, 'tasks:read');
  const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
  expect((await tokenRequest(server.issuer, refresh, TEST_CLIENT)).status).toBe(200);
  expect((await tokenRequest(server.issuer, refresh, TEST_CLIENT)).json.error).toBe('invalid_grant');

  for (let i = 0; i < 50 && alerts.length < 2; i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(alerts.map((a) => a.rule).sort()).toEqual(['client_auth_failures', 'refresh_token_reuse']);
  expect(alerts.find((a) => a.rule === 'client_auth_failures')).toMatchObject({
    clientId: TEST_CLIENT.clientId,
    count: 11,
    threshold: 10,
  });
  expect(server.logs.some((l) => l.includes('"event":"alert"'))).toBe(true);

  // The administrators' page shows the burst.
  await page.goto(url('/settings/admin/monitoring'));
  await signInOnProductPage(page);
  await page.waitForURL(/\/settings\/admin\/monitoring$/);
  const total = async (series: string) =>
    Number((await page.textContent(`[data-testid="total-${series}"]`))!.replace(/\D/g, ''));
  expect(await total('client.authentication_failed')).toBeGreaterThanOrEqual(15);
  expect(await total('refresh_token.reuse_detected')).toBe(1);
  expect(await total('grant.revoked.reuse')).toBe(1);
  expect(await total('token.issued')).toBeGreaterThanOrEqual(1);
  expect(await total('token.refreshed')).toBeGreaterThanOrEqual(1);
  expect(await page.locator('[data-series="client.authentication_failed"] svg rect').count()).toBeGreaterThan(
    0,
  );
  const noisy = page.locator('[data-testid="noisy-clients"] tbody tr').first();
  expect(await noisy.textContent()).toContain(TEST_CLIENT.clientId);
  expect(await page.locator('[data-testid="noisy-sources"] tbody tr').count()).toBeGreaterThan(0);
  // Sources are hashed: the loopback address never shows.
  expect(await page.content()).not.toContain('127.0.0.1');
  expect(await page.content()).not.toContain(wrong.clientSecret);
  await screenshot(page, 'm-monitoring-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'm-monitoring-390');

  // The burst repeated within the same minute fires nothing new.
  for (let i = 0; i < 3; i += 1)
    await tokenRequest(server.issuer, { grant_type: 'client_credentials' }, wrong);
  await new Promise((r) => setTimeout(r, 100));
  expect(alerts.filter((a) => a.rule === 'client_auth_failures')).toHaveLength(1);
});

test('the monitoring page is for administrators only', async () => {
  await page.goto(url('/signin'));
  await page.fill('input[name="email"]', 'sam@example.com');
  await page.fill('input[name="password"]', 'sam-password');
  server.rememberCredential('sam-password');
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  const response = await page.goto(url('/settings/admin/monitoring'));
  expect(response!.status()).toBe(403);
});
