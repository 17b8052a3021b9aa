/**
 * Rate limits and the login lockout, over HTTP against the example app with small limits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { RELAXED_SCALE, securityFromEnv } from '../../example-app/security-env.js';
import { ipLimitKey } from '../../lib/requests/request-identity.js';
import { resolveRateLimits } from '../../lib/rate-limits/validate-rate-limits.js';
import { ConfigurationError, type RateLimitOptions } from '../../lib/index.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { testClientAuthorizePath } from '../helpers/session.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function post(
  server: RunningExample,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
}

const clientCredentials = (server: RunningExample, secret: string = TEST_CLIENT.clientSecret, headers = {}) =>
  post(
    server,
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    { authorization: basic(TEST_CLIENT.clientId, secret), ...headers },
  );

async function withServer<T>(
  rateLimits: RateLimitOptions,
  run: (server: RunningExample) => Promise<T>,
  extra: { trustProxy?: boolean } = {},
): Promise<T> {
  const server = await startExampleApp({ security: { rateLimits }, ...extra });
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

/** Opens the kit's login page for a fresh authorization. */
async function loginPage(server: RunningExample) {
  const agent = new BrowserAgent(server.issuer);
  const { response, url } = await agent.follow(testClientAuthorizePath(server));
  return { agent, url, html: await response.text() };
}

async function signIn(server: RunningExample, password: string) {
  server.rememberCredential(password);
  const { agent, url, html } = await loginPage(server);
  const { response } = await agent.submit(url, html, { email: 'demo@example.com', password });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    html: await response.text(),
  };
}

describe('token endpoint', () => {
  test('a client over its budget gets 429 while other clients from the same IP go on', () =>
    withServer({ token: { perClient: { points: 2, durationSeconds: 60 } } }, async (server) => {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await clientCredentials(server)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const other = await post(server, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: 'unknown-refresh-token',
        client_id: TEST_PUBLIC_CLIENT.clientId,
      });
      expect(other.status).toBe(400);
      expect(server.events.filter((e) => e.type === 'rate_limit.exceeded')).toEqual([
        expect.objectContaining({
          limit: 'token.perClient',
          clientId: TEST_CLIENT.clientId,
          ip: '127.0.0.1',
        }),
      ]);
    }));

  test("requests with a wrong secret cannot use up a client's budget", () =>
    withServer({ token: { perClient: { points: 2, durationSeconds: 60 } } }, async (server) => {
      server.rememberCredential('wrong-secret-123');
      for (let i = 0; i < 5; i += 1)
        expect((await clientCredentials(server, 'wrong-secret-123')).status).toBe(401);
      // The refund happens when the 401 is sent; give the event loop a turn.
      await sleep(20);
      expect((await clientCredentials(server)).status).toBe(200);
    }));

  test('one IP over its budget gets 429 whatever client it names', () =>
    withServer({ token: { perIp: { points: 2, durationSeconds: 60 } } }, async (server) => {
      expect((await clientCredentials(server)).status).toBe(200);
      expect((await clientCredentials(server, 'wrong-secret-123')).status).toBe(401);
      const refused = await post(server, '/oauth/token', { grant_type: 'client_credentials' });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    }));

  test('X-Forwarded-For is ignored unless the host trusts its proxy', async () => {
    const limits = { token: { perIp: { points: 1, durationSeconds: 60 } } };
    await withServer(limits, async (server) => {
      expect((await clientCredentials(server, undefined, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(
        200,
      );
      expect((await clientCredentials(server, undefined, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(
        429,
      );
      expect(server.events.at(-1)).toMatchObject({ type: 'rate_limit.exceeded', ip: '127.0.0.1' });
    });
    await withServer(
      limits,
      async (server) => {
        expect(
          (await clientCredentials(server, undefined, { 'x-forwarded-for': '203.0.113.1' })).status,
        ).toBe(200);
        expect(
          (await clientCredentials(server, undefined, { 'x-forwarded-for': '203.0.113.2' })).status,
        ).toBe(200);
        expect(
          (await clientCredentials(server, undefined, { 'x-forwarded-for': '203.0.113.2' })).status,
        ).toBe(429);
        expect(server.events.at(-1)).toMatchObject({ type: 'rate_limit.exceeded', ip: '203.0.113.2' });
      },
      { trustProxy: true },
    );
  });
});

test('IPv6 clients are limited by their /64, IPv4-mapped addresses as IPv4', () => {
  expect(ipLimitKey('203.0.113.7')).toBe('203.0.113.7');
  expect(ipLimitKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(ipLimitKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
  expect(ipLimitKey('2001:0db8:0000:0001:ffff:0:0:2')).toBe('2001:db8:0:1::/64');
  expect(ipLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(ipLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(ipLimitKey('::1')).toBe('0:0:0:0::/64');
});

test('addresses of one IPv6 /64 behind a trusted proxy share a budget', () =>
  withServer(
    { token: { perIp: { points: 1, durationSeconds: 60 } } },
    async (server) => {
      const from = (ip: string) => clientCredentials(server, undefined, { 'x-forwarded-for': ip });
      expect((await from('2001:db8:0:1::1')).status).toBe(200);
      expect((await from('2001:db8:0:1::2')).status).toBe(429);
      expect((await from('2001:db8:0:2::1')).status).toBe(200);
    },
    { trustProxy: true },
  ));

describe('revocation and introspection', () => {
  test('each counts per client and per IP', () =>
    withServer(
      {
        revocation: { perClient: { points: 1, durationSeconds: 60 } },
        introspection: { perIp: { points: 1, durationSeconds: 60 } },
      },
      async (server) => {
        const auth = { authorization: basic(TEST_CLIENT.clientId, TEST_CLIENT.clientSecret) };
        expect((await post(server, '/oauth/revoke', { token: 'x' }, auth)).status).toBe(200);
        expect((await post(server, '/oauth/revoke', { token: 'x' }, auth)).status).toBe(429);
        expect((await post(server, '/oauth/introspect', { token: 'x' }, auth)).status).toBe(200);
        const refused = await post(server, '/oauth/introspect', { token: 'x' });
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      },
    ));
});

describe('login', () => {
  test('an account is locked after repeated failures, longer each time, and a success resets the count', () =>
    withServer(
      {
        login: {
          perAccount: { failures: 3, windowSeconds: 60, lockoutSeconds: 1, maxLockoutSeconds: 4 },
        },
      },
      async (server) => {
        // Two failures, then a success: the count starts over.
        expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        expect((await signIn(server, 'demo-password')).status).toBe(200);
        expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        const locked = await signIn(server, 'wrong-password-1');
        expect(locked.status).toBe(429);
        expect(locked.retryAfter).toBe('1');
        expect(locked.html).toContain('Too many failed sign-in attempts');
        // While locked, even the right password is not checked.
        expect((await signIn(server, 'demo-password')).status).toBe(429);
        await sleep(1100);
        for (let i = 0; i < 2; i += 1) expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        const again = await signIn(server, 'wrong-password-1');
        expect(again.status).toBe(429);
        expect(again.retryAfter).toBe('2');
        const lockedEvents = server.events.filter((e) => e.type === 'login.locked');
        expect(lockedEvents.map((e) => e.type === 'login.locked' && e.lockedForSeconds)).toEqual([1, 2]);
      },
    ));

  test('login posts and authorization requests count per IP, answered with a page', () =>
    withServer(
      {
        login: { perIp: { points: 1, durationSeconds: 60 } },
        authorize: { perIp: { points: 3, durationSeconds: 60 } },
      },
      async (server) => {
        expect((await signIn(server, 'wrong-password-1')).status).toBe(401);
        const refused = await signIn(server, 'wrong-password-1');
        expect(refused.status).toBe(429);
        expect(refused.html).toContain('Too many attempts');
        expect(refused.html).toContain('Wait a few minutes, then start again from the app.');
        // Two authorization requests above; the fourth of this IP is over the limit of three.
        const agent = new BrowserAgent(server.issuer);
        expect((await agent.request('/oauth/authorize')).status).toBe(400);
        const page = await agent.request('/oauth/authorize');
        expect(page.status).toBe(429);
        expect(page.headers.get('content-type')).toMatch(/html/);
        expect(page.headers.get('x-frame-options')).toBe('DENY');
      },
    ));
});

describe('configuration', () => {
  test('RATE_LIMITS=relaxed raises every limit 1000-fold and keeps the limiter in the path', async () => {
    const security = await securityFromEnv({ RATE_LIMITS: 'relaxed' });
    expect(security.rateLimits).toEqual({ scale: RELAXED_SCALE });
    await withServer(
      { ...security.rateLimits, authorize: { perIp: { points: 1, durationSeconds: 60 } } },
      async (server) => {
        const statuses = new Map<number, number>();
        for (let i = 0; i < RELAXED_SCALE + 1; i += 1) {
          const { status } = await fetch(`${server.issuer}/oauth/authorize`);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
        expect(Object.fromEntries(statuses)).toEqual({ 400: RELAXED_SCALE, 429: 1 });
      },
    );
    await expect(securityFromEnv({ RATE_LIMITS: 'off' })).rejects.toThrow('RATE_LIMITS');
  });

  test("the example app's LOG_LEVEL sets the security log's level", async () => {
    expect((await securityFromEnv({ LOG_LEVEL: 'warn' })).logger).toMatchObject({ level: 'warn' });
    await expect(securityFromEnv({ LOG_LEVEL: 'loud' })).rejects.toThrow('LOG_LEVEL');
  });

  test('mistakes in rateLimits name the option', () => {
    const attempts: Array<[unknown, string]> = [
      [{ tokens: {} }, 'rateLimits.tokens'],
      [{ token: { perUser: {} } }, 'rateLimits.token.perUser'],
      [{ token: { perIp: { points: 0 } } }, 'rateLimits.token.perIp.points'],
      [{ login: { perAccount: { lockout: 5 } } }, 'rateLimits.login.perAccount.lockout'],
      [{ scale: 0.5 }, 'rateLimits.scale'],
      [{ store: 'redis' }, 'rateLimits.store'],
      [{ store: { redis: { eval() {} }, commandTimeoutMs: 0 } }, 'rateLimits.store.commandTimeoutMs'],
    ];
    for (const [options, option] of attempts) {
      let error: unknown;
      try {
        resolveRateLimits(options as RateLimitOptions);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe(option);
    }
    expect(resolveRateLimits({ token: { perIp: { points: 5 } } }).settings.token.perIp).toEqual({
      points: 5,
      durationSeconds: 60,
    });
  });
});
