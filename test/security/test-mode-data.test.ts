/**
 * Attack: a developer's test-mode app (test credentials, often shared, pasted in scripts) reads
 * and changes users' live data. The example product routes `req.auth.testMode` to its sandbox,
 * as docs/pages.md tells hosts to: over HTTP, a test-mode token and a live token of the same
 * user never see or change each other's tasks.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { codeFlow } from '../helpers/oauth-client.js';
import { apiCall, signedInAgent } from '../helpers/session.js';

let server: RunningExample;

beforeAll(async () => {
  server = await startExampleApp();
});
afterAll(() => server.close());

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.issuer}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const titles = async (token: string) => {
  const { json } = await api('GET', '/v1/tasks', token);
  return (json.data as Array<{ title: string }>).map((t) => t.title);
};

test("a test-mode token neither reads nor changes the user's live data", async () => {
  const callback = `${server.issuer}/callback`;
  // A live app of the same user, registered through the developer API.
  const developer = await signedInAgent(server.issuer);
  const created = await apiCall(developer, 'POST', '/apps', {
    name: 'Live Planner',
    homepage_url: 'https://planner.example',
    redirect_uris: [callback],
  });
  expect(created.status).toBe(201);
  const liveClient = {
    clientId: created.json.client_id as string,
    clientSecret: created.json.client_secret as string,
  };
  const scope = 'tasks:read tasks:write tasks:delete projects:read';
  const live = (await codeFlow(server.issuer, liveClient, callback, scope)).access_token;
  const test = (await codeFlow(server.issuer, TEST_CLIENT, callback, scope)).access_token;

  const liveTasks = await titles(live);
  expect(liveTasks).toContain('Write the quarterly report');
  const sandboxTasks = await titles(test);
  expect(sandboxTasks.length).toBeGreaterThan(0);
  expect(sandboxTasks.every((t) => t.endsWith('(sandbox)'))).toBe(true);
  expect((await api('GET', '/v1/tasks', test)).json.test_mode).toBe(true);
  expect(((await api('GET', '/v1/projects', test)).json.data as Array<{ name: string }>)[0]!.name).toContain(
    'sandbox',
  );

  // Writes and deletes from test mode stay in the sandbox...
  expect((await api('POST', '/v1/tasks', test, { title: 'Made by a test app' })).status).toBe(201);
  expect((await api('DELETE', '/v1/tasks/task_1', test)).status).toBe(204);
  expect(await titles(live)).toEqual(liveTasks);
  // ...and live changes never show in it.
  expect((await api('POST', '/v1/tasks', live, { title: 'Made by a live app' })).status).toBe(201);
  expect(await titles(test)).not.toContain('Made by a live app');
  expect(await titles(test)).toContain('Made by a test app');
});
