/** Drives the flows with oauth4webapi, a real OAuth client library, over HTTP. */
import * as oauth from 'oauth4webapi';
import { BrowserAgent } from './browser-agent.js';

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { ...insecure, algorithm: 'oauth2' }),
  );
}

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope: string;
  decision?: 'approve' | 'deny';
  pkce?: boolean;
  extra?: Record<string, string>;
  agent?: BrowserAgent;
}

export interface AuthorizeResult {
  callback: URL;
  state: string;
  codeVerifier: string;
  agent: BrowserAgent;
}

/** Walks authorize → login → consent as the demo user and returns the callback URL. */
export async function authorize(issuer: string, options: AuthorizeOptions): Promise<AuthorizeResult> {
  const agent = options.agent ?? new BrowserAgent(issuer);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const params = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scope,
    state,
    ...(options.pkce === false
      ? {}
      : {
          code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        }),
    ...options.extra,
  });
  const callback = await walkAuthorization(agent, `/oauth/authorize?${params}`, options.decision);
  return { callback, state, codeVerifier, agent };
}

/**
 * Follows an authorization URL (built by any client library) through login and consent as the
 * demo user, and returns the URL the browser is sent back to.
 */
export async function walkAuthorization(
  agent: BrowserAgent,
  authorizationUrl: string,
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  let { response, url } = await agent.follow(authorizationUrl);
  for (let step = 0; step < 3 && !url.includes('/callback'); step += 1) {
    const html = await response.text();
    if (html.includes('name="password"')) {
      ({ response, url } = await agent.submit(url, html, {
        email: 'demo@example.com',
        password: 'demo-password',
      }));
    } else if (html.includes('name="decision"')) {
      ({ response, url } = await agent.submit(url, html, { decision }));
    } else {
      throw new Error(`unexpected page ${url} (${response.status}): ${html.slice(0, 300)}`);
    }
  }
  return new URL(url);
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/** Full code flow for a confidential client; returns the token response. */
export async function codeFlow(
  issuer: string,
  client: { clientId: string; clientSecret?: string },
  redirectUri: string,
  scope: string,
): Promise<Tokens & { result: AuthorizeResult }> {
  const as = await discover(issuer);
  const result = await authorize(issuer, { clientId: client.clientId, redirectUri, scope });
  const oc: oauth.Client = { client_id: client.clientId };
  const auth = client.clientSecret ? oauth.ClientSecretBasic(client.clientSecret) : oauth.None();
  const params = oauth.validateAuthResponse(as, oc, result.callback, result.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    oc,
    auth,
    params,
    redirectUri,
    result.codeVerifier,
    insecure,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, oc, response);
  return { ...(tokens as Tokens), result };
}

/** POSTs a form to the token endpoint with HTTP Basic client authentication. */
export async function tokenRequest(
  issuer: string,
  body: Record<string, string>,
  credentials?: { clientId: string; clientSecret: string },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (credentials) {
    headers.authorization = `Basic ${Buffer.from(
      `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
    ).toString('base64')}`;
  }
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export async function callApi(issuer: string, path: string, token: string) {
  const response = await fetch(`${issuer}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get('www-authenticate'),
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Redeems the code of an authorize() result at the token endpoint (HTTP Basic). */
export function exchangeCode(
  issuer: string,
  result: AuthorizeResult,
  redirectUri: string,
  credentials: { clientId: string; clientSecret: string },
) {
  return tokenRequest(
    issuer,
    {
      grant_type: 'authorization_code',
      code: result.callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: result.codeVerifier,
    },
    credentials,
  );
}

/** RFC 7009 revocation with HTTP Basic client authentication; returns the response status. */
export async function revokeToken(
  issuer: string,
  token: string,
  credentials: { clientId: string; clientSecret: string },
  hint?: 'refresh_token' | 'access_token',
): Promise<number> {
  const response = await fetch(`${issuer}/oauth/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token, ...(hint ? { token_type_hint: hint } : {}) }),
  });
  return response.status;
}
