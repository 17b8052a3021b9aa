/**
 * Attack: keep using a restricted scope (`admin:*`) after an administrator withdrew it from the
 * app it had been approved for. From the withdrawal on, the app cannot get the scope, its tokens
 * carrying it stop at every resource server (the authorization server's own requireScope, a
 * standalone one beside it, one in another process on Redis) within a second, its other tokens
 * keep working, and a refresh yields tokens without the scope.
 */
import type { BrowserAgent } from '../helpers/browser-agent.js';
import { codeFlow, tokenRequest } from '../helpers/oauth-client.js';
import { allAnswer, memoryTopology, redisTopology, type Topology } from '../helpers/resource-servers.js';
import { apiCall, signedInAgent } from '../helpers/session.js';

const ADMIN_PAGE = '/settings/admin/scope-requests';

const csrfOf = (html: string) => /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;

const postForm = (agent: BrowserAgent, fields: Record<string, string>) =>
  agent.request(ADMIN_PAGE, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

/** The administrator withdraws the scope on the admin page: Withdraw, the confirmation page, confirm. */
async function withdrawOnAdminPage(admin: BrowserAgent, clientId: string, scope: string) {
  const page = await (await admin.request(ADMIN_PAGE)).text();
  expect(page).toContain(`Withdraw ${scope}`);
  const asked = await postForm(admin, {
    csrf_token: csrfOf(page),
    action: 'withdraw',
    client_id: clientId,
    scope,
  });
  // Destructive: the first POST only leads to the confirmation page.
  expect(asked.status).toBe(303);
  const confirmation = await admin.request(asked.headers.get('location')!);
  expect(confirmation.status).toBe(200);
  const confirmHtml = await confirmation.text();
  expect(confirmHtml).toContain(`Withdraw ${scope} from`);
  const done = await postForm(admin, {
    csrf_token: csrfOf(confirmHtml),
    action: 'withdraw',
    confirm: 'yes',
    client_id: clientId,
    scope,
  });
  expect(done.status).toBe(303);
  expect(done.headers.get('location')).toBe(`${ADMIN_PAGE}?done=withdrawn`);
}

async function withdrawalStopsTokens(issuer: string, resourceServers: string[]) {
  const admin = await signedInAgent(issuer); // the demo user is an administrator
  const created = await apiCall(admin, 'POST', '/apps', {
    name: 'Admin Console',
    homepage_url: 'https://console.example',
    redirect_uris: [`${issuer}/callback`],
  });
  expect(created.status).toBe(201);
  const client = {
    clientId: created.json.client_id as string,
    clientSecret: created.json.client_secret as string,
  };
  await apiCall(admin, 'POST', `/apps/${client.clientId}/scope-requests`, { scope: 'admin:*' });
  const approved = await apiCall(admin, 'POST', '/scope-requests', {
    client_id: client.clientId,
    scope: 'admin:*',
    decision: 'approve',
  });
  expect(approved.status).toBe(200);

  const user = await codeFlow(issuer, client, `${issuer}/callback`, 'admin:* tasks:read');
  expect(user.scope?.split(' ')).toContain('admin:*');
  expect(user.refresh_token).toBeDefined();
  const machine = await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:*' }, client);
  expect(machine.status).toBe(200);
  const plain = await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'tasks:read' }, client);
  expect(plain.status).toBe(200);
  const carrying = [user.access_token, machine.json.access_token as string];
  const others = [plain.json.access_token as string];
  await allAnswer(resourceServers, [...carrying, ...others], 200);

  await withdrawOnAdminPage(admin, client.clientId, 'admin:*');

  expect(await allAnswer(resourceServers, carrying, 401)).toBeLessThan(1000);
  // Tokens without the scope are untouched.
  await allAnswer(resourceServers, others, 200);
  // The app cannot get the scope again...
  const again = await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:*' }, client);
  expect(again.json.error).toBe('invalid_scope');
  // ...and the user's refresh token yields tokens without it, which work.
  const refreshed = await tokenRequest(
    issuer,
    { grant_type: 'refresh_token', refresh_token: user.refresh_token! },
    client,
  );
  expect(refreshed.status).toBe(200);
  expect(String(refreshed.json.scope).split(' ')).not.toContain('admin:*');
  expect(String(refreshed.json.scope).split(' ')).toContain('tasks:read');
  await allAnswer(resourceServers, [refreshed.json.access_token as string], 200);

  // Approving it again does not revive the old tokens, nor give it back to the old authorization.
  await apiCall(admin, 'POST', `/apps/${client.clientId}/scope-requests`, { scope: 'admin:*' });
  await apiCall(admin, 'POST', '/scope-requests', {
    client_id: client.clientId,
    scope: 'admin:*',
    decision: 'approve',
  });
  const afterReapproval = await tokenRequest(
    issuer,
    { grant_type: 'refresh_token', refresh_token: refreshed.json.refresh_token as string },
    client,
  );
  expect(String(afterReapproval.json.scope).split(' ')).not.toContain('admin:*');
  await allAnswer(resourceServers, carrying, 401);
}

describe.each([
  ['memory store: the authorization server and a standalone resource server', memoryTopology],
  ['Redis store: resource servers in other processes', redisTopology],
])('%s', (_name, start) => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await start();
  }, 60_000);
  afterAll(() => topology?.close());

  test('a withdrawn restricted scope stops working at every resource server within a second', async () => {
    await withdrawalStopsTokens(topology.issuer, [`${topology.issuer}/v1/tasks`, ...topology.standalone]);
  });
});
