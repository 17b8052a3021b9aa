/**
 * Attack: keep using a developer app's tokens after its owner disabled or deleted it, at a
 * resource server that runs apart from the authorization server (`mountResourceServer`). Every
 * resource server must refuse them within a second, user and client-credentials tokens alike,
 * through the store's feed: in the same process on the memory store, and in other processes on
 * Redis.
 */
import { codeFlow, tokenRequest } from '../helpers/oauth-client.js';
import { allAnswer, memoryTopology, redisTopology, type Topology } from '../helpers/resource-servers.js';
import { apiCall, signedInAgent } from '../helpers/session.js';

/** Registers a confidential app and gets a user token and a client-credentials token for it. */
async function appWithTokens(issuer: string) {
  const developer = await signedInAgent(issuer);
  const created = await apiCall(developer, 'POST', '/apps', {
    name: 'Soon Disabled',
    homepage_url: 'https://disabled.example',
    redirect_uris: [`${issuer}/callback`],
  });
  expect(created.status).toBe(201);
  const client = {
    clientId: created.json.client_id as string,
    clientSecret: created.json.client_secret as string,
  };
  const user = await codeFlow(issuer, client, `${issuer}/callback`, 'tasks:read');
  const machine = await tokenRequest(
    issuer,
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    client,
  );
  expect(machine.status).toBe(200);
  return {
    developer,
    client,
    tokens: [user.access_token, machine.json.access_token as string],
  };
}

async function disableEnableDelete(issuer: string, resourceServers: string[]) {
  const { developer, client, tokens } = await appWithTokens(issuer);
  await allAnswer(resourceServers, tokens, 200);

  expect((await apiCall(developer, 'POST', `/apps/${client.clientId}/disable`, {})).status).toBe(200);
  expect(await allAnswer(resourceServers, tokens, 401)).toBeLessThan(1000);

  // Disabling is not final: enabled again, the app's unexpired tokens work again.
  expect((await apiCall(developer, 'POST', `/apps/${client.clientId}/enable`, {})).status).toBe(200);
  expect(await allAnswer(resourceServers, tokens, 200)).toBeLessThan(1000);

  expect((await apiCall(developer, 'DELETE', `/apps/${client.clientId}`)).status).toBe(204);
  expect(await allAnswer(resourceServers, tokens, 401)).toBeLessThan(1000);
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

  test("every standalone resource server refuses a disabled or deleted app's tokens within a second", async () => {
    await disableEnableDelete(topology.issuer, topology.standalone);
  });
});
