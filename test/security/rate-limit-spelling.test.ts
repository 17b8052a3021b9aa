/**
 * Issue 13 item 4: a limited route reached under another spelling of its path (trailing slash,
 * other letter case) is counted like the route itself, and the interactions one IP can start
 * are bounded. Over HTTP against the example app with small limits.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import type { RateLimitOptions } from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

async function withServer(rateLimits: RateLimitOptions, run: (server: RunningExample) => Promise<void>) {
  const server = await startExampleApp({ security: { rateLimits } });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const authorizeQuery = (server: RunningExample) =>
  `?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: `http://localhost:${server.port}/callback`,
    response_type: 'code',
    scope: 'tasks:read',
  })}`;

async function statuses(requests: Array<() => Promise<Response>>): Promise<number[]> {
  const out: number[] = [];
  for (const request of requests) {
    const response = await request();
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

test('authorization requests spelled /oauth/authorize/, /OAuth/Authorize or sent as HEAD are counted like /oauth/authorize', () =>
  withServer({ authorize: { perIp: { points: 3, durationSeconds: 60 } } }, async (server) => {
    const query = authorizeQuery(server);
    const get =
      (path: string, method = 'GET') =>
      () =>
        fetch(`${server.issuer}${path}${query}`, { method, redirect: 'manual' });
    // The trailing-slash spelling is served by oidc-provider (an interaction starts): it counts.
    expect(
      await statuses([
        get('/oauth/authorize/'),
        get('/oauth/authorize', 'HEAD'),
        get('/OAuth/Authorize/'),
        get('/oauth/authorize/'),
        get('/oauth/authorize'),
      ]),
    ).toEqual([303, 303, 404, 429, 429]);
    const exceeded = server.events.filter((e) => e.type === 'rate_limit.exceeded');
    expect(exceeded).toEqual([
      expect.objectContaining({ limit: 'authorize.perIp' }),
      expect.objectContaining({ limit: 'authorize.perIp' }),
    ]);
  }));

test('login posts to /LOGIN, /login/ and /Login/ are counted like /login', () =>
  withServer({ login: { perIp: { points: 3, durationSeconds: 60 } } }, async (server) => {
    const started = await fetch(`${server.issuer}/oauth/authorize${authorizeQuery(server)}`, {
      redirect: 'manual',
    });
    const cookie = started.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const interaction = started.headers.get('location')!;
    const post = (suffix: string) => () =>
      fetch(`${server.issuer}${interaction}/${suffix}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: 'someone@example.com', password: 'wrong-password-1' }),
      });
    server.rememberCredential('wrong-password-1');
    // Without a CSRF token each post is refused (403) after it was counted.
    expect(await statuses([post('LOGIN'), post('login/'), post('Login/'), post('login')])).toEqual([
      403, 403, 403, 429,
    ]);
  }));

test('the interactions one IP can start are bounded by the hourly authorization limit', () =>
  withServer({ authorize: { perIpPerHour: { points: 5 } } }, async (server) => {
    const query = authorizeQuery(server);
    const results = await statuses(
      Array.from(
        { length: 8 },
        (_, i) => () =>
          fetch(`${server.issuer}${i % 2 ? '/oauth/authorize/' : '/oauth/authorize'}${query}`, {
            redirect: 'manual',
          }),
      ),
    );
    expect(results).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
    const refused = await fetch(`${server.issuer}/oauth/authorize${query}`, { redirect: 'manual' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    await refused.arrayBuffer();
  }));
