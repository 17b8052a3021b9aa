/**
 * Issue 13 item 10: a forged Host header steers no URL. Requests to the kit that name another
 * host get 421; discovery and the kit's redirects name the issuer whatever Host said, and
 * discovery may be cached. Raw HTTP (fetch cannot set Host) against the example app.
 */
import { request } from 'node:http';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

let server: RunningExample;
let proxied: RunningExample;

beforeAll(async () => {
  server = await startExampleApp();
  proxied = await startExampleApp({ issuer: 'http://auth.example.test', trustProxy: true });
});
afterAll(async () => {
  await server.close();
  await proxied.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.end(body);
  });
}

const authorizePath = (redirectUri: string) =>
  `/oauth/authorize?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
  })}`;

test('Host: evil.example gets 421 on every kit path, JSON for software and a page for browsers; the product is untouched', async () => {
  const evil = { host: 'evil.example' };
  const discovery = await send(server.port, '/.well-known/oauth-authorization-server', evil);
  expect(discovery.status).toBe(421);
  expect(JSON.parse(discovery.body)).toEqual({
    error: 'invalid_request',
    error_description: expect.any(String),
  });
  expect(discovery.body).not.toContain('evil.example');
  const token = await send(
    server.port,
    '/oauth/token',
    { ...evil, 'content-type': 'application/x-www-form-urlencoded' },
    'POST',
    'grant_type=client_credentials',
  );
  expect(token.status).toBe(421);
  const page = await send(server.port, authorizePath(`http://localhost:${server.port}/callback`), {
    ...evil,
    accept: 'text/html',
  });
  expect(page.status).toBe(421);
  expect(page.headers['content-type']).toMatch(/html/);
  expect(page.headers.location).toBeUndefined();
  for (const path of [
    '/oauth/interaction/x',
    '/settings/developers/apps',
    '/v1/oauth/token/info',
    '/.well-known/jwks.json',
  ]) {
    expect([path, (await send(server.port, path, evil)).status]).toEqual([path, 421]);
  }
  // Letter case, a trailing dot and the default port are the issuer's host still.
  for (const host of [`LOCALHOST:${server.port}`, `localhost.:${server.port}`]) {
    expect([host, (await send(server.port, '/.well-known/jwks.json', { host })).status]).toEqual([host, 200]);
  }
  // The host product's own routes are its business.
  expect((await send(server.port, '/', evil)).status).toBe(200);
});

test('discovery names the issuer whatever Host said, and may be cached', async () => {
  // By IP address (a health check, an internal caller): answered, with the issuer's URLs.
  const byIp = await send(server.port, '/.well-known/oauth-authorization-server', {
    host: `127.0.0.1:${server.port}`,
  });
  expect(byIp.status).toBe(200);
  const metadata = JSON.parse(byIp.body) as Record<string, unknown>;
  expect(metadata.issuer).toBe(server.issuer);
  for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'revocation_endpoint']) {
    expect([name, new URL(String(metadata[name])).origin]).toEqual([name, server.issuer]);
  }
  expect(byIp.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
});

test('behind a trusted proxy, X-Forwarded-Host: evil.example gets 421 and the redirects name the issuer', async () => {
  const evil = await send(proxied.port, '/.well-known/openid-configuration', {
    host: 'auth.example.test',
    'x-forwarded-host': 'evil.example',
  });
  expect(evil.status).toBe(421);
  // The proxy's own address as Host, and no X-Forwarded-Host: answered with the issuer's URLs.
  const start = await send(proxied.port, authorizePath('http://auth.example.test/callback'), {
    host: `127.0.0.1:${proxied.port}`,
    accept: 'text/html',
  });
  expect(start.status).toBe(303);
  const cookie = ([] as string[])
    .concat(start.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const metadata = JSON.parse(
    (await send(proxied.port, '/.well-known/openid-configuration', { host: `127.0.0.1:${proxied.port}` }))
      .body,
  ) as Record<string, unknown>;
  expect(new URL(String(metadata.authorization_endpoint)).host).toBe('auth.example.test');
  // The login page's form and the resume redirect stay on the issuer's host.
  const login = await send(proxied.port, start.headers.location as string, {
    host: 'auth.example.test',
    cookie,
    accept: 'text/html',
  });
  expect(login.status).toBe(200);
  expect(login.body).not.toContain('127.0.0.1');
});
