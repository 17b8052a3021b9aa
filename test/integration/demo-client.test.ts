/** The example app's demo client: Connect → consent → callback → dashboard with the user's tasks. */
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import type { KoaContextWithOIDC } from 'oidc-provider';

let server: RunningExample;
beforeAll(async () => {
  server = await startExampleApp();
});
afterAll(() => server?.close());

async function connect(agent: BrowserAgent, decision: 'approve' | 'deny') {
  let { response, url } = await agent.follow('/login');
  for (let step = 0; step < 3 && !url.includes('/callback'); step += 1) {
    const html = await response.text();
    ({ response, url } = html.includes('name="password"')
      ? await agent.submit(url, html, { email: 'demo@example.com', password: 'demo-password' })
      : await agent.submit(url, html, { decision }));
  }
  expect(url).toContain('/callback');
  return agent.follow(url);
}

test('connecting shows the user’s tasks fetched from the API with the token', async () => {
  const agent = new BrowserAgent(server.issuer);
  const home = await agent.request('/');
  expect(await home.text()).toContain('Connect with TaskFlow');
  const { response, url } = await connect(agent, 'approve');
  expect(new URL(url).pathname).toBe('/dashboard');
  const html = await response.text();
  expect(response.status).toBe(200);
  expect(html).toContain('Write the quarterly report');
  // Signed in with OpenID Connect: the name comes from the userinfo endpoint.
  expect(html).toContain('Hello, Demo User!');
});

test('the dashboard refreshes the access token when it is about to expire', async () => {
  // Access tokens of 3 s: the demo client refreshes anything expiring within 5 s.
  const shortLived = await startExampleApp({ accessTokenTtlSeconds: 3 });
  let refreshes = 0;
  shortLived.kit.provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes += 1;
  });
  try {
    const agent = new BrowserAgent(shortLived.issuer);
    const first = await connect(agent, 'approve');
    expect(first.response.status).toBe(200);
    const refreshedOnce = refreshes;
    const again = await agent.request('/dashboard');
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Write the quarterly report');
    expect(refreshes).toBeGreaterThan(refreshedOnce);
  } finally {
    await shortLived.close();
  }
});

test('denying shows a friendly "You declined" page and no tasks', async () => {
  const agent = new BrowserAgent(server.issuer);
  const { response } = await connect(agent, 'deny');
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain('You declined');
  expect(html).not.toContain('data-testid="tasks"');
  expect(await agent.request('/dashboard')).toMatchObject({ status: 302 });
});

test('a callback with a forged state is refused', async () => {
  const agent = new BrowserAgent(server.issuer);
  await agent.request('/login');
  const response = await agent.request(
    '/callback?code=abc&state=forged&iss=' + encodeURIComponent(server.issuer),
  );
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('could not be verified');
});
