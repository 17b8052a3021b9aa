/**
 * Issue 13 item 5: a flood of wrong client secrets is refused per client and source, without
 * refunds, and leaves other sources alone. Over HTTP against the example app, the attacker
 * and the legitimate client on different loopback addresses (127.0.0.2 and 127.0.0.1).
 */
import { request } from 'node:http';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

let server: RunningExample;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  server = await startExampleApp({
    security: { rateLimits: { clientAuthentication: { failuresPerClientAndIp: { points: 5 } } } },
  });
  const created = await server.kit.apps.create('user_123', {
    name: 'Flood target',
    homepageUrl: 'https://app.example',
    redirectUris: ['https://app.example/callback'],
  });
  app = { clientId: created.app.clientId, clientSecret: created.clientSecret! };
  server.rememberCredential(app.clientSecret);
});
afterAll(() => server.close());

interface Answer {
  status: number;
  retryAfter?: string;
  body: Record<string, unknown>;
}

/** A client_credentials request from `source`, authenticating with Basic or in the body. */
function token(
  source: string,
  client: { clientId: string; clientSecret: string },
  method: 'basic' | 'post' = 'basic',
): Promise<Answer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' });
  const headers: Record<string, string> = {
    host: new URL(server.issuer).host,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (method === 'basic') {
    const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  const body = form.toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        localAddress: source,
        method: 'POST',
        path: '/oauth/token',
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.end(body);
  });
}

async function statuses(n: number, send: () => Promise<Answer>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await send()).status);
  return out;
}

const ATTACKER = '127.0.0.2';
const LEGITIMATE = '127.0.0.1';

test("wrong secrets for a registered app from one source meet 429 without refund; the app's own source is served", async () => {
  const wrong = { clientId: app.clientId, clientSecret: 'secret_wrong-guess-0001' };
  server.rememberCredential(wrong.clientSecret);
  expect(await statuses(7, () => token(ATTACKER, wrong))).toEqual([401, 401, 401, 401, 401, 429, 429]);
  const refused = await token(ATTACKER, wrong);
  expect(refused.status).toBe(429);
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  expect(refused.body).toEqual({ error: 'rate_limited', error_description: expect.any(String) });
  // While refused, the source's guesses are not checked at all: even the right secret is 429.
  expect((await token(ATTACKER, app)).status).toBe(429);
  // Client authentication in the body is counted alike.
  expect((await token(ATTACKER, wrong, 'post')).status).toBe(429);
  // The legitimate client, from its own address, is untouched.
  expect(await statuses(3, () => token(LEGITIMATE, app))).toEqual([200, 200, 200]);
  expect(
    server.events.filter(
      (e) => e.type === 'rate_limit.exceeded' && e.limit === 'clientAuthentication.failuresPerClientAndIp',
    ).length,
  ).toBeGreaterThanOrEqual(4);
});

test('wrong secrets for a client registered in code meet 429 too, also sent in the body', async () => {
  const wrong = { clientId: TEST_CLIENT.clientId, clientSecret: 'wrong-secret-for-coded' };
  server.rememberCredential(wrong.clientSecret);
  const source = '127.0.0.3';
  expect(await statuses(3, () => token(source, wrong, 'post'))).toEqual([401, 401, 401]);
  expect(await statuses(3, () => token(source, wrong))).toEqual([401, 401, 429]);
  expect((await token(LEGITIMATE, TEST_CLIENT)).status).toBe(200);
});
