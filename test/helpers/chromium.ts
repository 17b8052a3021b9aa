/**
 * A headless Chromium driven by playwright-core: Debian's `/usr/bin/chromium` when it is installed
 * (`.ci/run` installs the `chromium` package), else the one the `@sparticuz/chromium`
 * devDependency brings from the npm registry (no download at run time), else `CHROMIUM_BIN`.
 * Headless, with the flags that keep it off the network, and a helper that saves each page's
 * screenshot under the git-ignored artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, findTool, missingToolMessage } from './system-tools.js';

export const SCREENSHOTS = join(process.cwd(), 'artifacts', 'screenshots');

const PACKAGED = '@sparticuz/chromium';

/**
 * CHROMIUM_BIN if set (it must exist; `CHROMIUM_BIN=@sparticuz/chromium` picks the packaged one),
 * else Debian's Chromium, else the packaged one.
 */
async function chromiumExecutable(): Promise<string> {
  const wanted = process.env[CHROMIUM.env];
  if (wanted !== PACKAGED) {
    const installed = findTool(CHROMIUM);
    if (installed) return installed;
    if (wanted) throw new Error(missingToolMessage(CHROMIUM));
  }
  try {
    const packaged = (await import('@sparticuz/chromium')).default;
    return await packaged.executablePath();
  } catch (error) {
    throw new Error(`${missingToolMessage(CHROMIUM)} (${PACKAGED} failed too: ${String(error)})`, {
      cause: error,
    });
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    timeout: 20_000,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in on the product's /signin page the browser was sent to. */
export async function signInOnProductPage(page: Page): Promise<void> {
  await page.waitForURL(/\/signin/);
  await page.fill('input[name="email"]', 'demo@example.com');
  await page.fill('input[name="password"]', 'demo-password');
  await page.click('button[type="submit"]');
}
