/**
 * Issue 13 item 9: junk tokens sent to a standalone resource server must not turn into
 * introspection calls with its credentials (which would spend its budget at the authorization
 * server and leave real tokens answered 503). The example app is the authorization server; the
 * resource server is a second real HTTP server that introspects there.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { TEST_CLIENT } from '../../example-app/app.js';
import {
  mountResourceServer,
  oauthErrorHandler,
  requireScope,
  type ResourceServer,
} from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

let as: RunningExample;
let introspections = 0;

beforeAll(async () => {
  as = await startExampleApp({
    // The resource server's own budget at the issuer: small, so spending it would show.
    security: { rateLimits: { introspection: { perClient: { points: 20, durationSeconds: 60 } } } },
  });
  as.server.prependListener('request', (req) => {
    if (req.url === '/oauth/introspect') introspections += 1;
  });
});
afterAll(() => as.close());

async function withResourceServer(
  introspection: { perSourcePerMinute?: number; maxConcurrent?: number },
  run: (url: string) => Promise<void>,
) {
  const app = express();
  let rs: ResourceServer | undefined;
  let server: Server | undefined;
  try {
    rs = await mountResourceServer(app, {
      issuer: as.issuer,
      store: as.kit.options.store,
      introspection: { ...TEST_CLIENT, allowHttp: true, ...introspection },
    });
    app.get('/reports', requireScope('tasks:read'), (_req, res) => res.json({ ok: true }));
    app.use(oauthErrorHandler());
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    rs?.close();
    if (server) await new Promise((r) => server!.close(r));
  }
}

const junk = () => randomBytes(32).toString('base64url');

async function call(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

test('600 junk tokens from one source cost the issuer 5 introspections; its budget stays for real tokens', () =>
  withResourceServer({ perSourcePerMinute: 5 }, async (url) => {
    introspections = 0;
    const statuses = new Set<number>();
    for (let i = 0; i < 600; i += 1) statuses.add(await call(url, junk()));
    expect([...statuses]).toEqual([401]);
    expect(introspections).toBe(5);
    // The resource server's client can still introspect at the issuer: its budget (20 a
    // minute) is intact. (Before: every junk token was introspected, the budget was gone after
    // 20, and every further token was answered 503.)
    const introspected = await fetch(`${as.issuer}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: junk() }),
    });
    expect([introspected.status, await introspected.json()]).toEqual([200, { active: false }]);
  }));

test('implausible tokens are never introspected, and a junk token is asked about once', () =>
  withResourceServer({ perSourcePerMinute: 1000 }, async (url) => {
    introspections = 0;
    for (const token of [
      'short',
      'x'.repeat(5000),
      'a'.repeat(20) + '"',
      `${'b'.repeat(20)},${'c'.repeat(5)}`,
    ]) {
      // Malformed ones are 400 (RFC 6750 §3.1), the rest 401: none reaches the issuer.
      expect([token.slice(0, 8), [400, 401]]).toEqual([
        token.slice(0, 8),
        expect.arrayContaining([await call(url, token)]),
      ]);
    }
    expect(introspections).toBe(0);
    const repeated = junk();
    for (let i = 0; i < 20; i += 1) expect(await call(url, repeated)).toBe(401);
    expect(introspections).toBe(1);
  }));

test('introspections in flight are capped; beyond the cap the answer is 503, not a queue', () =>
  withResourceServer({ perSourcePerMinute: 1000, maxConcurrent: 2 }, async (url) => {
    introspections = 0;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => call(url, junk())));
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses).toContain(503);
    expect(introspections).toBeLessThan(30);
  }));
