/**
 * Production behind a TLS-terminating proxy: Secure cookies, HSTS and helmet's headers on the
 * kit's pages, and plain-HTTP requests to the kit refused rather than half-served.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { generateSecrets } from '../../lib/keys/generate.js';
import { mountOAuth } from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

const ISSUER = 'https://auth.example.test';
let server: RunningExample;
let base: string;

beforeAll(async () => {
  server = await startExampleApp({
    production: true,
    issuer: ISSUER,
    trustProxy: true,
    sessionSecret: 's'.repeat(40),
    security: { secrets: await generateSecrets('ES256') },
  });
  base = `http://localhost:${server.port}`;
});
afterAll(() => server?.close());

const viaTls = { 'x-forwarded-proto': 'https' };
const authorizePath = `/oauth/authorize?${new URLSearchParams({
  client_id: 'test_abc123',
  redirect_uri: `${ISSUER}/callback`,
  response_type: 'code',
  scope: 'tasks:read',
})}`;

test('cookies are Secure, HttpOnly and SameSite=Lax, and kit pages carry HSTS and helmet headers', async () => {
  const start = await fetch(`${base}${authorizePath}`, { redirect: 'manual', headers: viaTls });
  expect(start.status).toBe(303);
  const cookies = start.headers.getSetCookie();
  expect(cookies.length).toBeGreaterThan(0);
  for (const cookie of cookies) {
    expect(cookie).toMatch(/; secure/i);
    expect(cookie).toMatch(/; httponly/i);
    expect(cookie).toMatch(/; samesite=lax/i);
  }
  const login = await fetch(new URL(start.headers.get('location')!, base), {
    headers: { ...viaTls, cookie: cookies.map((c) => c.split(';')[0]).join('; ') },
  });
  expect(login.status).toBe(200);
  expect(login.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  expect(login.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  expect(login.headers.get('x-content-type-options')).toBe('nosniff');
  expect(login.headers.get('referrer-policy')).toBe('no-referrer');
  expect(login.headers.get('cache-control')).toBe('no-store');
});

test('plain-HTTP requests to the kit are refused with a 4xx; the host product is untouched', async () => {
  const token = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: 'grant_type=client_credentials',
  });
  expect(token.status).toBe(400);
  expect(await token.json()).toEqual({ error: 'invalid_request', error_description: 'HTTPS is required.' });
  const page = await fetch(`${base}${authorizePath}`, {
    redirect: 'manual',
    headers: { accept: 'text/html' },
  });
  expect(page.status).toBe(400);
  expect(page.headers.get('content-type')).toMatch(/html/);
  expect(page.headers.getSetCookie()).toEqual([]);
  expect((await fetch(`${base}/`)).status).toBe(200);
  expect(server.logs.filter((line) => line.includes('server_error'))).toEqual([]);
});

test("the kit's own pages carry HSTS without any help from the host's middleware", async () => {
  const app = express();
  app.set('trust proxy', 1);
  await mountOAuth(app, {
    issuer: ISSUER,
    production: true,
    trustProxy: true,
    logger: false,
    secrets: await generateSecrets('ES256'),
    scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    clients: [{ clientId: 'bare', clientSecret: 'bare-secret-0123456789', redirectUris: [`${ISSUER}/cb`] }],
  });
  const bare = createServer(app).listen(0, '127.0.0.1');
  await once(bare, 'listening');
  const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  try {
    const params = new URLSearchParams({
      client_id: 'bare',
      redirect_uri: `${ISSUER}/cb`,
      response_type: 'code',
      scope: 'tasks:read',
    });
    const start = await fetch(`${url}/oauth/authorize?${params}`, { redirect: 'manual', headers: viaTls });
    const login = await fetch(new URL(start.headers.get('location')!, url), {
      headers: {
        ...viaTls,
        cookie: start.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      },
    });
    params.set('redirect_uri', 'https://evil.example/');
    const error = await fetch(`${url}/oauth/authorize?${params}`, {
      headers: { ...viaTls, accept: 'text/html' },
    });
    for (const [name, response] of Object.entries({ login, error })) {
      expect([name, response.headers.get('strict-transport-security')]).toEqual([
        name,
        expect.stringMatching(/max-age=\d{7,}/),
      ]);
      expect([name, response.headers.get('x-frame-options')]).toEqual([name, 'DENY']);
    }
  } finally {
    bare.close();
  }
});
