/**
 * Attack: guess passwords at the product's own `/signin`, which had no limit and ignored the
 * kit's lockout (the right password was accepted there while the kit's login form answered 429
 * for the same account). The example's `/signin` now goes through `kit.guardLogin`: the same
 * per-account lockout and per-IP limit, on the same counters, as the kit's login form.
 */
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { testClientAuthorizePath } from '../helpers/session.js';

let server: RunningExample;

beforeAll(async () => {
  // A small per-IP budget so the test reaches it; the account lockout keeps its defaults (5).
  server = await startExampleApp({ security: { rateLimits: { login: { perIp: { points: 15 } } } } });
  server.rememberCredential('sam-password', 'wrong-password');
});
afterAll(() => server.close());

/** Posts the product's sign-in form; returns the status and Retry-After. */
async function productSignIn(agent: BrowserAgent, email: string, password: string) {
  const page = await (await agent.request('/signin')).text();
  const { response } = await agent.submit(`${server.issuer}/signin`, page, { email, password });
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

async function kitLoginForm(email: string, password: string) {
  const agent = new BrowserAgent(server.issuer);
  const { response, url } = await agent.follow(testClientAuthorizePath(server, { state: 'st' }));
  const { response: answer } = await agent.submit(url, await response.text(), { email, password });
  return answer.status;
}

test("wrong passwords at the product's /signin lock the account there and at the kit's login form", async () => {
  const attacker = new BrowserAgent(server.issuer);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i += 1)
    statuses.push((await productSignIn(attacker, 'sam@example.com', 'wrong-password')).status);
  // Five wrong passwords lock the account (the fifth answer already says so).
  expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
  expect(statuses.slice(4)).toEqual([429, 429]);

  // Locked: the right password is not even checked, at either form.
  const right = await productSignIn(attacker, 'sam@example.com', 'sam-password');
  expect(right.status).toBe(429);
  expect(Number(right.retryAfter)).toBeGreaterThan(0);
  expect(await kitLoginForm('sam@example.com', 'sam-password')).toBe(429);
  expect(server.events.some((e) => e.type === 'login.locked')).toBe(true);

  // Other accounts are not locked.
  expect(
    (await productSignIn(new BrowserAgent(server.issuer), 'demo@example.com', 'demo-password')).status,
  ).toBe(200);
});

test("the product's /signin counts against the kit's per-IP login limit", async () => {
  const agent = new BrowserAgent(server.issuer);
  let status = 0;
  let attempts = 0;
  // Different login names each time: no lockout, only the per-IP budget (15) stops them.
  while (status !== 429 && attempts < 30) {
    attempts += 1;
    status = (await productSignIn(agent, `nobody${attempts}@example.com`, 'wrong-password')).status;
  }
  expect(status).toBe(429);
  expect(attempts).toBeLessThanOrEqual(16);
  // The kit's login form, from the same IP, is over the same budget.
  expect(await kitLoginForm('demo@example.com', 'demo-password')).toBe(429);
});
