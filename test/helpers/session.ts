import { TEST_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from './browser-agent.js';

/**
 * The path of an authorization request for the example app's test client (code flow, scope
 * `tasks:read`, its registered /callback); `extra` adds or overrides parameters.
 */
export function testClientAuthorizePath(
  server: { port: number },
  extra: Record<string, string> = {},
): string {
  return `/oauth/authorize?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: `http://localhost:${server.port}/callback`,
    response_type: 'code',
    scope: 'tasks:read',
    ...extra,
  })}`;
}

/** A BrowserAgent signed in to the example product through its /signin form. */

export async function signedInAgent(
  issuer: string,
  user: { email: string; password: string } = { email: 'demo@example.com', password: 'demo-password' },
): Promise<BrowserAgent> {
  const agent = new BrowserAgent(issuer);
  const form = await agent.request('/signin');
  const { response } = await agent.submit(`${issuer}/signin`, await form.text(), {
    email: user.email,
    password: user.password,
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
  return agent;
}

/** Calls the developer JSON API as the agent's user. */
export async function apiCall(
  agent: BrowserAgent,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await agent.request(`/oauth/api${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
