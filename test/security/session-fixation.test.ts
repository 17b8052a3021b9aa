/**
 * Attack: session fixation through the kit's login form. The attacker obtains session cookies
 * from the product (and the kit) without signing in, plants them in the victim's browser, and
 * waits for the victim to sign in through /oauth/authorize. Both the product's session id and
 * the authorization server's must change at sign-in, so the planted ones stay signed out.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';

let server: RunningExample;
let redirectUri: string;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(() => server.close());

const authorizeUrl = () =>
  `/oauth/authorize?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    state: 'st',
  })}`;

test("a session id planted before sign-in is not signed in by the victim's login through the kit", async () => {
  // The attacker's own cookies: a product session (the sign-in form's CSRF token makes one) and
  // whatever the kit hands out when an authorization starts.
  const attacker = new BrowserAgent(server.issuer);
  await attacker.request('/signin');
  await attacker.follow(authorizeUrl());
  const planted = attacker.cookie('taskflow.sid');
  expect(planted).toBeDefined();

  // The victim's browser carries the planted product session, then signs in through the kit.
  const victim = new BrowserAgent(server.issuer);
  victim.setCookie('taskflow.sid', planted!);
  const { response, url } = await victim.follow(authorizeUrl());
  const login = await response.text();
  expect(login).toContain('name="password"');
  const kitSessionBefore = victim.cookie('_session');
  const signedIn = await victim.submit(url, login, { email: 'demo@example.com', password: 'demo-password' });
  expect(signedIn.response.status).toBe(200); // the consent page

  // Both session ids changed at sign-in...
  expect(victim.cookie('taskflow.sid')).toBeDefined();
  expect(victim.cookie('taskflow.sid')).not.toBe(planted);
  expect(victim.cookie('_session')).toBeDefined();
  expect(victim.cookie('_session')).not.toBe(kitSessionBefore);
  // ...and the victim is signed in to the product under the new one.
  expect(await (await victim.request('/')).text()).toContain('signed in');

  // The attacker's planted cookies are worth nothing: not signed in to the product, and an
  // authorization asks for a password.
  expect(await (await attacker.request('/')).text()).toContain('Sign in to TaskFlow');
  const again = await attacker.follow(authorizeUrl());
  expect(again.url).not.toContain('/callback');
  expect(await again.response.text()).toContain('name="password"');
});
