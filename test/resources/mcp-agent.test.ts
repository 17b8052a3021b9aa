/**
 * An AI agent on the official MCP TypeScript SDK against the example app's MCP server: discovery
 * from the 401, dynamic registration, PKCE with the resource, the token, listTools, list_tasks,
 * refresh, and the step-up to create_task. The SDK makes every OAuth request; the test plays
 * only the user's browser (login and consent pages) and reads what happened.
 */
import { decodeJwt } from 'jose';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { callApi, tokenRequest } from '../helpers/oauth-client.js';
import { connectAgent, type McpAgent } from '../helpers/mcp-agent.js';

/** Short-lived access tokens, so the agent has to refresh during the test. */
const ACCESS_TOKEN_TTL = 2;
/** requireScope's default clock tolerance. */
const CLOCK_TOLERANCE = 5;

let server: RunningExample;
let mcpUrl: string;
let redirectUrl: string;
beforeAll(async () => {
  server = await startExampleApp({ accessTokenTtlSeconds: ACCESS_TOKEN_TTL });
  mcpUrl = `${server.issuer}/mcp`;
  redirectUrl = `http://127.0.0.1:${server.port}/callback`;
});
afterAll(() => server.close());

const textOf = (result: unknown) =>
  ((result as { content: Array<{ type: string; text: string }> }).content ?? [])
    .map((c) => c.text)
    .join('\n');

describe('the pinned contract', () => {
  test('an unauthenticated POST /mcp is a 401 naming the resource metadata', async () => {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(
      `resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(challenge).not.toContain('error=');
  });

  test('the MCP resource metadata and the authorization server metadata say what agents need', async () => {
    const prm = (await (
      await fetch(`${server.issuer}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: mcpUrl, authorization_servers: [server.issuer] });
    expect(prm.scopes_supported).toEqual(expect.arrayContaining(['tasks:read', 'tasks:write']));
    expect(prm.bearer_methods_supported).toContain('header');
    const as = (await (
      await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(new URL(String(as.registration_endpoint)).origin).toBe(new URL(server.issuer).origin);
    expect(as.code_challenge_methods_supported).toContain('S256');
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
  });

  test("/mcp refuses the REST API's client-credentials token with 401 invalid_token", async () => {
    const { json } = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      TEST_CLIENT,
    );
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${String(json.access_token)}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });
});

describe('an MCP SDK agent, from nothing to a created task', () => {
  let agent: McpAgent;
  afterAll(() => agent?.close());

  test('connects: discovery from the 401, dynamic registration, login and consent, PKCE with the resource', async () => {
    agent = await connectAgent(server.issuer, mcpUrl, redirectUrl);
    const steps = agent.provider.steps.map((s) => s.step);
    expect(steps).toEqual([
      'registered',
      'redirected to authorization',
      'login page',
      'consent page',
      'finishing authorization with the code',
      'saved tokens',
    ]);
    const registered = agent.provider.clientInformation()!;
    expect(registered.client_id).toMatch(/^dyn_/);
    expect('client_secret' in registered && registered.client_secret).toBeFalsy();
    const authorization = new URLSearchParams(agent.provider.steps[1]!.detail);
    expect(authorization.get('resource')).toBe(mcpUrl);
    expect(authorization.get('code_challenge_method')).toBe('S256');
    // The 401 told the agent to ask for tasks:read first: the token carries only that.
    expect(authorization.get('scope')).toBe('tasks:read');
    const tokens = agent.provider.tokens()!;
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      aud: mcpUrl,
      sub: 'user_123',
      client_id: registered.client_id,
      scope: 'tasks:read',
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // The MCP token is not a REST API token.
    const rest = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    expect(rest.status).toBe(401);
    expect(rest.json.error).toBe('invalid_token');
  });

  test('lists the tools, and list_tasks returns the user’s task titles verbatim', async () => {
    const { tools } = await agent.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['create_task', 'list_tasks']);
    const text = textOf(await agent.client.callTool({ name: 'list_tasks', arguments: {} }));
    expect(text).toContain('Write the quarterly report');
    expect(text).toContain('Review pull requests');
  });

  test('refreshes when the access token expired, keeping the resource', async () => {
    const before = agent.provider.tokens()!;
    await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_TTL + CLOCK_TOLERANCE + 1) * 1000));
    const text = textOf(await agent.client.callTool({ name: 'list_tasks', arguments: {} }));
    expect(text).toContain('Write the quarterly report');
    const after = agent.provider.tokens()!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token); // rotated
    expect(decodeJwt(after.access_token)).toMatchObject({ aud: mcpUrl, scope: 'tasks:read' });
    expect(agent.provider.steps.filter((s) => s.step === 'redirected to authorization')).toHaveLength(1);
  }, 20_000);

  test('steps up to create_task: a 403 insufficient_scope naming tasks:write, then a new authorization', async () => {
    // SDK 1.x answers the 403 by refreshing first (RFC 6749 §6: a refresh cannot widen the
    // scope), gets the same 403 and stops (typescript-sdk issue #2255). The agent then drops its
    // tokens, as later SDKs do on step-up, and the SDK authorizes again from the challenge.
    const first = await agent.client
      .callTool({ name: 'create_task', arguments: { title: 'Ship the MCP server' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(first).toBeInstanceOf(StreamableHTTPError);
    expect((first as StreamableHTTPError).code).toBe(403);

    agent.provider.invalidateCredentials('tokens');
    const consentsBefore = agent.provider.consentPages.length;
    const created = await agent.withAuthorization(() =>
      agent.client.callTool({ name: 'create_task', arguments: { title: 'Ship the MCP server' } }),
    );
    expect(textOf(created)).toContain('Ship the MCP server');
    expect(agent.provider.consentPages.length).toBe(consentsBefore + 1);
    expect(agent.provider.consentPages.at(-1)).toContain('tasks:write');
    const stepUp = new URLSearchParams(
      agent.provider.steps.filter((s) => s.step === 'redirected to authorization').at(-1)!.detail,
    );
    expect(stepUp.get('scope')).toBe('tasks:write');
    expect(stepUp.get('resource')).toBe(mcpUrl);
    expect(decodeJwt(agent.provider.tokens()!.access_token)).toMatchObject({
      aud: mcpUrl,
      scope: 'tasks:write',
    });
  });

  test('the step-up challenge itself: HTTP 403 with insufficient_scope, scope and resource_metadata', async () => {
    // A tasks:write token calling list_tasks (the raw exchange the SDK saw above, in reverse).
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agent.provider.tokens()!.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'list_tasks', arguments: {} },
      }),
    });
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="tasks:read"');
    expect(challenge).toContain(
      `resource_metadata="${server.issuer}/.well-known/oauth-protected-resource/mcp"`,
    );
  });
});
