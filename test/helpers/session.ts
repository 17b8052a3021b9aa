/** A BrowserAgent signed in to the example product through its /signin form. */
import { BrowserAgent } from './browser-agent.js';

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
