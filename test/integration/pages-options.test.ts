/**
 * The `pages` option: validated at start-up, mounted at the paths the host chooses, behind the
 * host's user and its own idea of who is an administrator.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { generateSecrets } from '../../lib/keys/generate.js';
import {
  ConfigurationError,
  mountOAuth,
  type OAuthKit,
  type OAuthKitOptions,
  type Secrets,
} from '../../lib/index.js';

let secrets: Secrets;
beforeAll(async () => {
  secrets = await generateSecrets('ES256');
});

function baseOptions(issuer: string): OAuthKitOptions {
  return {
    issuer,
    secrets,
    logger: false,
    scopes: [
      { name: 'notes:read', description: 'Read your notes' },
      { name: 'admin:*', description: 'Administer', restricted: true },
    ],
    accounts: {
      authenticate: async () => undefined,
      find: async (id) => (id === 'u1' || id === 'u2' ? { id } : undefined),
      // The host's "session": a header, to keep the test free of cookies.
      currentUserId: (req) => req.get('x-test-user'),
    },
  };
}

describe('pages option validation', () => {
  test('pages without accounts.currentUserId stop the app at start-up', async () => {
    const options = baseOptions('http://localhost:1');
    delete options.accounts.currentUserId;
    await expect(mountOAuth(express(), { ...options, pages: { signInUrl: '/login' } })).rejects.toThrow(
      /accounts\.currentUserId.*required with `pages`/,
    );
  });

  test.each([
    [{ signInUrl: 'https://evil.example/login' }, 'pages.signInUrl'],
    [{ signInUrl: '/login', paths: { developerApps: 'apps' } }, 'pages.paths.developerApps'],
    [{ signInUrl: '/login', paths: { connectedApps: '/apps/' } }, 'pages.paths.connectedApps'],
    [{ signInUrl: '/login', paths: { devApps: '/x' } }, 'pages.paths.devApps'],
    [{ signInUrl: '/login', isAdmin: true }, 'pages.isAdmin'],
  ])('%j is refused, naming %s', async (pages, option) => {
    const error = await mountOAuth(express(), {
      ...baseOptions('http://localhost:1'),
      pages: pages as unknown as OAuthKitOptions['pages'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).option).toBe(option);
  });
});

describe('product option validation', () => {
  test.each([
    [{ name: '' }, 'product.name'],
    [{ name: 'TaskFlow', logoUrl: 'https://cdn.example/logo.png' }, 'product.logoUrl'],
    [{ name: 'TaskFlow', logoUrl: '//cdn.example/logo.png' }, 'product.logoUrl'],
    [{ name: 'TaskFlow', homeUrl: 'javascript:alert(1)' }, 'product.homeUrl'],
    [{ name: 'TaskFlow', supportUrl: 'ftp://help.example' }, 'product.supportUrl'],
    [{ name: 'TaskFlow', logo: '/logo.svg' }, 'product.logo'],
  ])('%j is refused, naming %s', async (product, option) => {
    const error = await mountOAuth(express(), {
      ...baseOptions('http://localhost:1'),
      product: product as unknown as OAuthKitOptions['product'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).option).toBe(option);
  });

  test('defaults: the issuer host as the name, home at /', async () => {
    const kit = await mountOAuth(express(), { ...baseOptions('http://localhost:1'), logger: false });
    try {
      expect(kit.options.product).toEqual({
        name: 'localhost',
        logoUrl: undefined,
        homeUrl: '/',
        supportUrl: undefined,
      });
    } finally {
      await kit.close();
    }
  });
});

describe('pages at host-chosen paths', () => {
  let server: Server;
  let kit: OAuthKit;
  let origin: string;

  beforeAll(async () => {
    // The host overrides one partial: every settings page must use it.
    const hostViews = mkdtempSync(join(tmpdir(), 'oauth-kit-views-'));
    const kitHead = join(process.cwd(), 'views', '_page-head.ejs');
    writeFileSync(
      join(hostViews, '_page-head.ejs'),
      readFileSync(kitHead, 'utf8').replace(
        '<span class="topbar-section">Settings</span>',
        '<span class="topbar-section">Acme Notes</span>',
      ),
    );
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    const app = express();
    kit = await mountOAuth(app, {
      ...baseOptions(origin),
      views: hostViews,
      pages: {
        signInUrl: (returnTo) => `/account/login?next=${encodeURIComponent(returnTo)}`,
        isAdmin: (_req, userId) => userId === 'u2',
        paths: {
          developerApps: '/dev/apps',
          connectedApps: '/me/apps',
          scopeRequests: '/staff/scopes',
          api: '/api/dev',
        },
      },
    });
    server.on('request', app);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await kit.close();
  });

  const get = (path: string, user?: string) =>
    fetch(`${origin}${path}`, { redirect: 'manual', headers: user ? { 'x-test-user': user } : {} });

  test('the sign-in function builds the redirect', async () => {
    const response = await get('/me/apps');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account/login?next=%2Fme%2Fapps');
  });

  test('pages answer at the chosen paths and not at the defaults', async () => {
    expect((await get('/dev/apps', 'u1')).status).toBe(200);
    expect((await get('/me/apps', 'u1')).status).toBe(200);
    expect((await get('/api/dev/apps', 'u1')).status).toBe(200);
    expect((await get('/settings/developers/apps', 'u1')).status).toBe(404);
  });

  test('the admin page is 403 for a non-administrator and open to the host’s administrator', async () => {
    const refused = await get('/staff/scopes', 'u1');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('This page is for administrators only.');
    expect((await get('/api/dev/scope-requests', 'u1')).status).toBe(403);
    expect((await get('/staff/scopes', 'u2')).status).toBe(200);
  });

  test("a host's copy of a partial replaces the kit's on every page", async () => {
    for (const path of ['/dev/apps', '/dev/apps/new', '/me/apps']) {
      const html = await (await get(path, 'u1')).text();
      expect(html).toContain('<span class="topbar-section">Acme Notes</span>');
    }
  });

  test('a user the host cannot find is treated as signed out', async () => {
    expect((await get('/dev/apps', 'ghost')).status).toBe(303);
  });

  test('apps can also be registered programmatically through kit.apps', async () => {
    const { app, clientSecret } = await kit.apps.create('u1', {
      name: 'Programmatic',
      homepageUrl: 'https://p.example',
      redirectUris: ['https://p.example/cb'],
    });
    expect(clientSecret).toMatch(/^secret_/);
    expect((await kit.apps.listByOwner('u1')).map((a) => a.clientId)).toContain(app.clientId);
  });
});
