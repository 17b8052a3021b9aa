/**
 * The OAuth 2.0 Security Best Current Practice (RFC 9700) as tests: one test per rule, named
 * after it, run over HTTP against the example app with real clients (oauth4webapi and a
 * cookie-keeping HTTP agent).
 */
import { request as httpRequest } from 'node:http';
import * as oauth from 'oauth4webapi';
import fc from 'fast-check';
import { decodeJwt, generateKeyPair, importJWK, SignJWT } from 'jose';
import { TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { hashTokenId } from '../../lib/tokens/hashed-token-ids.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { testClientAuthorizePath } from '../helpers/session.js';
import {
  authorize,
  callApi,
  codeFlow,
  discover,
  exchangeCode,
  insecure,
  tokenRequest,
} from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(() => server?.close());

const refresh = (refreshToken: string) =>
  tokenRequest(server.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken }, TEST_CLIENT);

function authorizeUrl(params: Record<string, string>): string {
  return `/oauth/authorize?${new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'tasks:read',
    state: 'st',
    ...params,
  })}`;
}

/** Starts an authorization and returns the agent on the login page. */
async function loginPage(agent = new BrowserAgent(server.issuer)) {
  const { response, url } = await agent.follow(authorizeUrl({}));
  return { agent, url, html: await response.text(), response };
}

/** Signs in and returns the consent page. */
async function consentPage() {
  const { agent, url, html } = await loginPage();
  const { response, url: consentUrl } = await agent.submit(url, html, {
    email: 'demo@example.com',
    password: 'demo-password',
  });
  return { agent, url: consentUrl, html: await response.text(), response };
}

/** A browser signed in to the example product as the demo user (an administrator). */
async function signedInAgent(): Promise<BrowserAgent> {
  const agent = new BrowserAgent(server.issuer);
  const page = await (await agent.request('/signin')).text();
  await agent.submit(`${server.issuer}/signin`, page, {
    email: 'demo@example.com',
    password: 'demo-password',
  });
  return agent;
}

function formAction(html: string): string {
  return /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
}

function postForm(agent: BrowserAgent, url: string, fields: Record<string, string>) {
  return agent.request(url, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

describe('OAuth 2.0 Security Best Current Practice (RFC 9700)', () => {
  test('redirect URIs are matched exactly, and a mismatch never redirects (§2.1, §4.1)', async () => {
    const attempts = [
      `${redirectUri}/`,
      `${redirectUri}?next=https://evil.example`,
      `${redirectUri}#x`,
      `${redirectUri}/../evil`,
      redirectUri.toUpperCase(),
      redirectUri.replace('localhost', '127.0.0.1'),
      redirectUri.replace('http://', 'https://'),
      redirectUri.replace('localhost', 'localhost@evil.example'),
      redirectUri.replace('/callback', '/%63allback'),
      'https://evil.example/callback',
    ];
    for (const uri of attempts) {
      const response = await new BrowserAgent(server.issuer).request(authorizeUrl({ redirect_uri: uri }));
      expect([uri, response.status]).toEqual([uri, 400]);
      expect(response.headers.get('location')).toBeNull();
    }
    // The registered URI itself still works, and must be sent (no defaulting).
    const ok = await new BrowserAgent(server.issuer).request(authorizeUrl({}));
    expect(ok.status).toBe(303);
    const params = new URLSearchParams(authorizeUrl({}).split('?')[1]);
    params.delete('redirect_uri');
    const omitted = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
    expect(omitted.status).toBe(400);
    expect(omitted.headers.get('location')).toBeNull();
  });

  test('PKCE is required for public clients, plain is refused, and a code_verifier cannot be added later (§2.1.1, §4.8)', async () => {
    const publicClient = { client_id: TEST_PUBLIC_CLIENT.clientId };
    const missing = await new BrowserAgent(server.issuer).request(authorizeUrl(publicClient));
    expect(new URL(missing.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const plain = await new BrowserAgent(server.issuer).request(
      authorizeUrl({ ...publicClient, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }),
    );
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');

    // Downgrade: a code requested without a challenge cannot be redeemed with a verifier.
    const noChallenge = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
      pkce: false,
    });
    const downgraded = await tokenRequest(
      server.issuer,
      {
        grant_type: 'authorization_code',
        code: noChallenge.callback.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: oauth.generateRandomCodeVerifier(),
      },
      TEST_CLIENT,
    );
    expect(downgraded.json.error).toBe('invalid_grant');

    // A code requested with a challenge needs the verifier, even from a confidential client.
    const withChallenge = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    const noVerifier = await tokenRequest(
      server.issuer,
      {
        grant_type: 'authorization_code',
        code: withChallenge.callback.searchParams.get('code')!,
        redirect_uri: redirectUri,
      },
      TEST_CLIENT,
    );
    expect(noVerifier.json.error).toBe('invalid_grant');
  });

  test('authorization codes are single use, and a replayed code revokes the tokens it issued (§4.5)', async () => {
    const result = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    const exchange = () => exchangeCode(server.issuer, result, redirectUri, TEST_CLIENT);
    const first = await exchange();
    expect(first.status).toBe(200);
    expect((await callApi(server.issuer, '/v1/tasks', first.json.access_token as string)).status).toBe(200);
    const replay = await exchange();
    expect(replay.json.error).toBe('invalid_grant');
    expect((await callApi(server.issuer, '/v1/tasks', first.json.access_token as string)).status).toBe(401);
    expect((await refresh(first.json.refresh_token as string)).json.error).toBe('invalid_grant');
  });

  test('refresh tokens rotate on every use, and a reused one revokes the whole grant (§4.14.2)', async () => {
    const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    const rotated = await refresh(tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    expect(rotated.json.refresh_token).not.toBe(tokens.refresh_token);
    expect((await refresh(tokens.refresh_token!)).json.error).toBe('invalid_grant');
    expect((await refresh(rotated.json.refresh_token as string)).json.error).toBe('invalid_grant');
    expect((await callApi(server.issuer, '/v1/tasks', rotated.json.access_token as string)).status).toBe(401);
    expect(server.events.map((e) => e.type)).toContain('refresh_token.reuse_detected');
  });

  test('no token ever travels in a URL: no implicit flow, no response mode but query, no access_token parameter (§2.1.2, §4.3)', async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.grant_types_supported).not.toContain('implicit');

    const attempts: Array<Record<string, string>> = [
      { response_type: 'token' },
      { response_type: 'id_token token' },
      { response_type: 'code token' },
      { response_mode: 'fragment' },
      { response_mode: 'form_post' },
      { response_mode: 'web_message' },
      { response_mode: 'query.jwt' },
    ];
    for (const extra of attempts) {
      const agent = new BrowserAgent(server.issuer);
      const { response } = await agent.follow(authorizeUrl({ ...extra, scope: 'tasks:read openid' }));
      const location = response.headers.get('location') ?? '';
      const body = await response.text();
      expect([extra, response.status >= 300]).toEqual([extra, true]);
      for (const leaked of ['access_token=', 'id_token=', 'code=', 'name="code"']) {
        expect(location).not.toContain(leaked);
        expect(body).not.toContain(leaked);
      }
    }

    // Resource servers and token info refuse tokens in the query (RFC 6750 §2.3).
    const { json } = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      TEST_CLIENT,
    );
    for (const path of ['/v1/tasks', '/v1/oauth/token/info']) {
      const response = await fetch(`${server.issuer}${path}?access_token=${json.access_token as string}`);
      expect(response.status).toBe(400);
    }
  });

  test('access tokens are audience-restricted to the host API (§2.3)', async () => {
    const { json } = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      TEST_CLIENT,
    );
    expect(decodeJwt(json.access_token as string).aud).toBe(`${server.issuer}/api`);
    const elsewhere = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'tasks:read', resource: 'https://evil.example/api' },
      TEST_CLIENT,
    );
    expect(elsewhere.json.error).toBe('invalid_target');
    const flow = await new BrowserAgent(server.issuer).request(
      authorizeUrl({ resource: 'https://evil.example/api' }),
    );
    expect(new URL(flow.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
  });

  test('the resource owner password credentials grant is not available (§2.4)', async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.grant_types_supported).not.toContain('password');
    const { status, json } = await tokenRequest(
      server.issuer,
      { grant_type: 'password', username: 'demo@example.com', password: 'demo-password' },
      TEST_CLIENT,
    );
    expect([status, json.error]).toEqual([400, 'unsupported_grant_type']);
  });

  test('credentials posted in a form are never forwarded by a 307 redirect (§4.12)', async () => {
    const login = await loginPage();
    const afterLogin = await postForm(login.agent, formAction(login.html), {
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(login.html)![1]!,
      email: 'demo@example.com',
      password: 'demo-password',
    });
    expect(afterLogin.status).toBe(303);
    const consent = await consentPage();
    const afterConsent = await postForm(consent.agent, formAction(consent.html), {
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(consent.html)![1]!,
      decision: 'approve',
    });
    expect(afterConsent.status).toBe(303);
    const agent = new BrowserAgent(server.issuer);
    const signin = await (await agent.request('/signin')).text();
    const afterSignin = await postForm(agent, '/signin', {
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(signin)![1]!,
      email: 'demo@example.com',
      password: 'demo-password',
    });
    expect(afterSignin.status).toBe(303);
  });

  test('authorization responses carry iss, and metadata announces it (RFC 9207, §4.4)', async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    const success = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    expect(success.callback.searchParams.get('iss')).toBe(server.issuer);
    const denied = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
      decision: 'deny',
    });
    expect(denied.callback.searchParams.get('iss')).toBe(server.issuer);
    const error = await new BrowserAgent(server.issuer).request(authorizeUrl({ scope: 'nope:read' }));
    expect(new URL(error.headers.get('location')!).searchParams.get('iss')).toBe(server.issuer);
  });

  test('no redirect path can be turned into an open redirector (§4.11)', async () => {
    const origin = new URL(server.issuer).origin;
    // The kit: unknown clients, unregistered redirect and post-logout URIs end on an error page.
    for (const path of [
      authorizeUrl({ client_id: 'no-such-client', redirect_uri: 'https://evil.example/' }),
      authorizeUrl({ redirect_uri: 'https://evil.example/' }),
      `/oauth/logout?${new URLSearchParams({ client_id: TEST_CLIENT.clientId, post_logout_redirect_uri: 'https://evil.example/' })}`,
    ]) {
      const response = await new BrowserAgent(server.issuer).request(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.headers.get('location')).toBeNull();
    }
    // The kit's own redirects after login and consent stay on the kit's origin until the
    // registered redirect_uri.
    const { agent, url, html } = await loginPage();
    const afterLogin = await agent.request(formAction(html), {
      method: 'POST',
      body: new URLSearchParams({
        csrf_token: /name="csrf_token" value="([^"]+)"/.exec(html)![1]!,
        email: 'demo@example.com',
        password: 'demo-password',
        return_to: 'https://evil.example/',
      }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: url },
    });
    expect(new URL(afterLogin.headers.get('location')!, origin).origin).toBe(origin);

    // The kit's people pages send signed-out visitors to sign in with a same-origin return_to.
    for (const path of [
      '//evil.example/settings/developers/apps',
      '/settings/developers/apps?next=//evil.example',
      '/settings/developers/apps/%2F%2Fevil.example',
    ]) {
      const status = await new Promise<{ code: number; location: string | undefined }>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: server.port, path }, (res) => {
          res.resume();
          resolve({ code: res.statusCode!, location: res.headers.location });
        })
          .on('error', reject)
          .end();
      });
      if (status.location) {
        const returnTo = new URL(status.location, origin).searchParams.get('return_to')!;
        expect([path, new URL(returnTo, origin).origin]).toEqual([path, origin]);
        expect(returnTo).toMatch(/^\/[^/\\]/);
      } else {
        expect([path, status.code]).toEqual([path, 404]);
      }
    }

    // The example product's sign-in return_to.
    for (const returnTo of [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/%2F%2Fevil.example',
      '/%5Cevil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      ' //evil.example',
      '/\n/evil.example',
    ]) {
      const signinAgent = new BrowserAgent(server.issuer);
      const form = await signinAgent.request(`/signin?${new URLSearchParams({ return_to: returnTo })}`);
      const page = await form.text();
      const response = await postForm(signinAgent, '/signin', {
        csrf_token: /name="csrf_token" value="([^"]+)"/.exec(page)![1]!,
        email: 'demo@example.com',
        password: 'demo-password',
        return_to: returnTo,
      });
      expect(response.status).toBe(303);
      const location = response.headers.get('location')!;
      expect([returnTo, new URL(location, origin).origin]).toEqual([returnTo, origin]);
      expect(location).not.toMatch(/[\t\n\r\\]/);
    }
  });

  test('every form is protected against CSRF (§4.7)', async () => {
    // The kit's login form.
    const login = await loginPage();
    expect(login.html).toMatch(/name="csrf_token" value="[^"]+"/);
    for (const token of [undefined, 'forged', 'A'.repeat(43)]) {
      const response = await postForm(login.agent, formAction(login.html), {
        ...(token ? { csrf_token: token } : {}),
        email: 'demo@example.com',
        password: 'demo-password',
      });
      expect(response.status).toBe(403);
    }
    // The kit's consent form.
    const consent = await consentPage();
    expect(consent.html).toMatch(/name="csrf_token" value="[^"]+"/);
    const forgedConsent = await postForm(consent.agent, formAction(consent.html), { decision: 'approve' });
    expect(forgedConsent.status).toBe(403);
    expect(forgedConsent.headers.get('location')).toBeNull();
    // A token of another interaction does not fit this one.
    const other = await loginPage();
    const crossed = await postForm(login.agent, formAction(login.html), {
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(other.html)![1]!,
      email: 'demo@example.com',
      password: 'demo-password',
    });
    expect(crossed.status).toBe(403);

    // The example product's own forms: sign-in, and disconnect on the dashboard.
    const agent = new BrowserAgent(server.issuer);
    const signinPage = await (await agent.request('/signin')).text();
    expect(signinPage).toMatch(/name="csrf_token" value="[^"]+"/);
    const forgedSignin = await postForm(agent, '/signin', {
      email: 'demo@example.com',
      password: 'demo-password',
    });
    expect(forgedSignin.status).toBe(403);
    expect(forgedSignin.headers.getSetCookie().join()).not.toContain('taskflow.sid=s%3A');
    const forgedDisconnect = await postForm(agent, '/disconnect', {});
    expect(forgedDisconnect.status).toBe(403);
    // The kit's people pages (developer apps, connected apps, admin scope requests), signed in:
    // every post form carries a token, and a post without one changes nothing.
    const signedIn = await signedInAgent();
    const { app } = await server.kit.apps.create('user_123', {
      name: 'CSRF target',
      homepageUrl: 'https://app.example',
      redirectUris: ['https://app.example/callback'],
    });
    await server.kit.apps.requestScope('user_123', app.clientId, 'admin:*');
    let forms = 0;
    for (const path of [
      '/settings/developers/apps/new',
      `/settings/developers/apps/${app.clientId}`,
      // Destructive actions post from their confirmation pages.
      `/settings/developers/apps/${app.clientId}/confirm?action=delete`,
      `/settings/developers/apps/${app.clientId}/confirm?action=disable`,
      `/settings/developers/apps/${app.clientId}/confirm?action=rotate_secret`,
      '/settings/connected-apps',
      '/settings/admin/scope-requests',
    ]) {
      const html = await (await signedIn.request(path)).text();
      for (const [, action, inner] of html.matchAll(
        /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g,
      )) {
        forms += 1;
        expect([path, inner]).toEqual([path, expect.stringMatching(/name="csrf_token" value="[^"]+"/)]);
        const fields = Object.fromEntries(
          [...inner!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
            .filter(([, name]) => name !== 'csrf_token')
            .map(([, name, value]) => [name!, value!.replace(/&amp;/g, '&')]),
        );
        const forged = await postForm(signedIn, action!.replace(/&amp;/g, '&'), fields);
        expect([path, action, forged.status]).toEqual([path, action, 403]);
      }
    }
    expect(forms).toBeGreaterThanOrEqual(6);
    expect(await server.kit.apps.get(app.clientId)).toMatchObject({
      enabled: true,
      requestedRestrictedScopes: ['admin:*'],
    });

    // The client side of CSRF: state comes back unchanged (the demo client checks it).
    const flow = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    expect(flow.callback.searchParams.get('state')).toBe(flow.state);
  });

  test('kit pages cannot be framed (clickjacking, §4.16)', async () => {
    const login = await loginPage();
    const consent = await consentPage();
    const error = await new BrowserAgent(server.issuer).request(
      authorizeUrl({ redirect_uri: 'https://evil.example/' }),
    );
    const expired = await new BrowserAgent(server.issuer).request('/oauth/interaction/unknown-uid');
    const user = await signedInAgent();
    for (const [name, response] of Object.entries({
      login: login.response,
      consent: consent.response,
      error,
      expired,
      developerApps: await user.request('/settings/developers/apps'),
      connectedApps: await user.request('/settings/connected-apps'),
      scopeRequests: await user.request('/settings/admin/scope-requests'),
    })) {
      expect([name, response.status]).toEqual([name, name === 'error' || name === 'expired' ? 400 : 200]);
      expect([name, response.headers.get('x-frame-options')]).toEqual([name, 'DENY']);
      expect([name, response.headers.get('content-security-policy')]).toEqual([
        name,
        expect.stringContaining("frame-ancestors 'none'"),
      ]);
    }
  });

  test('client secrets, tokens and codes are not stored in the clear', async () => {
    const { result, ...tokens } = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    const code = result.callback.searchParams.get('code')!;
    const { Adapter } = server.kit.options.store;
    for (const [model, value] of [
      ['RefreshToken', tokens.refresh_token!],
      ['AuthorizationCode', code],
    ] as const) {
      const raw = new Adapter(model);
      expect(await raw.find(value)).toBeUndefined();
      const stored = await raw.find(hashTokenId(value));
      expect(stored).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain(value);
    }
    // The access token is a JWT and is not stored at all; the grant only knows its id.
    const { jti, gid } = decodeJwt(tokens.access_token);
    expect(await new Adapter('AccessToken').find(jti as string)).toBeUndefined();
    expect(JSON.stringify(await new Adapter('Grant').find(gid as string))).not.toContain(
      TEST_CLIENT.clientSecret,
    );

    // A developer-registered app's secret: neither its client entry nor its record holds it.
    // (Clients registered in code keep theirs in the host's configuration, not in the store.)
    const { app, clientSecret } = await server.kit.apps.create('user_123', {
      name: 'Secret keeper',
      homepageUrl: 'https://app.example',
      redirectUris: ['https://app.example/callback'],
      type: 'confidential',
    });
    expect(clientSecret).toEqual(expect.any(String));
    server.rememberCredential(clientSecret!);
    const client = await new Adapter('Client').find(app.clientId);
    expect(client).toBeDefined();
    expect(JSON.stringify(client)).not.toContain(clientSecret);
    const record = await server.kit.options.store.records.get('apps', app.clientId);
    expect(record).toBeDefined();
    expect(JSON.stringify(record)).not.toContain(clientSecret);
  });

  test('rate limits engage: 429 with Retry-After, JSON on API endpoints, a page on browser routes', async () => {
    const limited = await startExampleApp({
      security: {
        rateLimits: {
          token: { perClient: { points: 3, durationSeconds: 60 } },
          authorize: { perIp: { points: 2, durationSeconds: 60 } },
        },
      },
    });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i += 1) {
        last = await fetch(`${limited.issuer}/oauth/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' }),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await last!.json()).toEqual({ error: 'rate_limited', error_description: expect.any(String) });

      const pages: Response[] = [];
      for (let i = 0; i < 3; i += 1)
        pages.push(await fetch(`${limited.issuer}/oauth/authorize`, { redirect: 'manual' }));
      expect(pages.map((p) => p.status)).toEqual([400, 400, 429]);
      expect(pages[2]!.headers.get('content-type')).toMatch(/html/);
      expect(Number(pages[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.events.filter((e) => e.type === 'rate_limit.exceeded')).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });

  test('bad input on every endpoint is answered with a 4xx, never a 5xx (property-based)', async () => {
    const fuzzed = await startExampleApp({ security: { rateLimits: { scale: 1000 } } });
    try {
      // A live interaction, so requests can reach the login and consent code paths.
      const live = await new BrowserAgent(fuzzed.issuer).follow(testClientAuthorizePath(fuzzed));
      const uid = new URL(live.url).pathname.split('/').pop()!;
      const interactionCookies = live.response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      await live.response.text();
      // A signed-in administrator with a registered app, for the developer pages and API.
      const user = new BrowserAgent(fuzzed.issuer);
      const signin = await (await user.request('/signin')).text();
      const signedIn = await postForm(user, '/signin', {
        csrf_token: /name="csrf_token" value="([^"]+)"/.exec(signin)![1]!,
        email: 'demo@example.com',
        password: 'demo-password',
      });
      const sessionCookie = signedIn.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      expect(sessionCookie).toMatch(/^taskflow\.sid=/);
      const { app } = await fuzzed.kit.apps.create('user_123', {
        name: 'Fuzzed app',
        homepageUrl: 'https://app.example',
        redirectUris: ['https://app.example/callback'],
      });
      const cookies = `${interactionCookies}; ${sessionCookie}`;

      const { port } = fuzzed;
      const endpoints: Array<[string, string]> = [
        ['GET', '/oauth/authorize'],
        ['POST', '/oauth/authorize'],
        ['GET', `/oauth/authorize/${uid}`],
        ['POST', '/oauth/token'],
        ['POST', '/oauth/revoke'],
        ['POST', '/oauth/introspect'],
        ['GET', '/oauth/userinfo'],
        ['POST', '/oauth/userinfo'],
        ['GET', '/oauth/logout'],
        ['POST', '/oauth/logout/confirm'],
        ['GET', '/oauth/logout/success'],
        ['GET', '/.well-known/jwks.json'],
        ['GET', '/.well-known/oauth-authorization-server'],
        ['GET', `/oauth/interaction/${uid}`],
        ['POST', `/oauth/interaction/${uid}/login`],
        ['POST', `/oauth/interaction/${uid}/confirm`],
        ['POST', `/oauth/interaction/${uid}/switch-account`],
        ['GET', '/oauth/interaction/unknown'],
        ['GET', '/v1/oauth/token/info'],
        ['GET', '/v1/tasks'],
        ['GET', '/settings/developers/apps'],
        ['GET', '/settings/developers/apps/new'],
        ['POST', '/settings/developers/apps/new'],
        ['GET', `/settings/developers/apps/${app.clientId}`],
        ['POST', `/settings/developers/apps/${app.clientId}`],
        ['GET', '/settings/connected-apps'],
        ['POST', '/settings/connected-apps'],
        ['GET', '/settings/admin/scope-requests'],
        ['POST', '/settings/admin/scope-requests'],
        ['GET', '/oauth/api/apps'],
        ['POST', '/oauth/api/apps'],
        ['GET', `/oauth/api/apps/${app.clientId}`],
        ['PATCH', `/oauth/api/apps/${app.clientId}`],
        ['POST', `/oauth/api/apps/${app.clientId}/rotate-secret`],
        ['POST', `/oauth/api/apps/${app.clientId}/disable`],
        ['POST', `/oauth/api/apps/${app.clientId}/scope-requests`],
        ['GET', '/oauth/api/scope-requests'],
        ['POST', '/oauth/api/scope-requests'],
        ['DELETE', '/oauth/api/apps/no-such-app'],
      ];
      const paramNames = fc.constantFrom(
        'client_id',
        'client_secret',
        'redirect_uri',
        'response_type',
        'response_mode',
        'scope',
        'state',
        'code',
        'code_verifier',
        'code_challenge',
        'code_challenge_method',
        'grant_type',
        'refresh_token',
        'token',
        'token_type_hint',
        'resource',
        'request',
        'request_uri',
        'prompt',
        'max_age',
        'claims',
        'id_token_hint',
        'post_logout_redirect_uri',
        'csrf_token',
        'email',
        'password',
        'decision',
        'xsrf',
        'logout',
        'access_token',
        'name',
        'homepage_url',
        'description',
        'redirect_uris',
        'allowed_scopes',
        'overlap_seconds',
        'action',
        'grant_id',
        'client_type',
      );
      const text = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom(
          '',
          'client_credentials',
          'authorization_code',
          'refresh_token',
          'code',
          TEST_CLIENT.clientId,
          'S256',
          'plain',
          'openid tasks:read',
        ),
        fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)),
      );
      const params = fc.array(fc.tuple(fc.oneof(paramNames, fc.string({ maxLength: 10 })), text), {
        maxLength: 8,
      });
      const latin1 = fc.string({
        unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)),
        maxLength: 60,
      });
      const headerValue = fc.oneof(
        latin1,
        fc.constantFrom(
          `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`,
          'Basic %%%',
          'Basic Og==',
          'Bearer a.b.c',
          'Bearer ',
          'DPoP x',
        ),
        fc.base64String({ maxLength: 60 }).map((b) => `Basic ${b}`),
      );
      const contentType = fc.constantFrom(
        undefined,
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=latin1',
        'application/x-www-form-urlencoded; charset=utf-16',
        'application/x-www-form-urlencoded; charset=nope',
        'application/json',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded; charset=utf-8; foo',
      );
      const body = fc.oneof(
        params.map((p) => Buffer.from(new URLSearchParams(p).toString())),
        fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
        fc.constant(Buffer.from('%E0%A4%A=%FF%FE&&==&a=%')),
        fc.constant(Buffer.from(`grant_type=client_credentials&x=${'y'.repeat(200_000)}`)),
        fc.constant(Buffer.from([0xff, 0xfe, 0x3d, 0x00, 0xc3, 0x28])),
        fc
          .dictionary(fc.oneof(paramNames, fc.string({ maxLength: 10 })), fc.jsonValue({ maxDepth: 2 }), {
            maxKeys: 6,
          })
          .map((o) => Buffer.from(JSON.stringify(o))),
        fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
      );
      const requestArb = fc.record({
        endpoint: fc.constantFrom(...endpoints),
        query: params,
        rawQuery: fc.option(fc.constantFrom('%FF', '%E0%A4%A', 'a=%00', '&&&=', 'scope=%C0%AF', 'a[b]=c'), {
          nil: undefined,
        }),
        body,
        contentType,
        authorization: fc.option(headerValue, { nil: undefined }),
        accept: fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*'), latin1),
        cookie: fc.option(
          fc.oneof(fc.constantFrom(cookies, cookies, sessionCookie, 'a=b; _session=%%%'), latin1),
          { nil: undefined },
        ),
        origin: fc.option(fc.constantFrom(fuzzed.url, 'https://evil.example', 'null'), { nil: undefined }),
        forwardedFor: fc.option(latin1, { nil: undefined }),
      });

      // Found by this property once: an overlong URL came back as an unparseable Location.
      const overlong = await fetch(`${fuzzed.url}/settings/developers/apps/new?x=${'y'.repeat(10_000)}`, {
        redirect: 'manual',
      });
      expect(overlong.status).toBe(303);
      expect(overlong.headers.get('location')!.length).toBeLessThan(4096);

      await fc.assert(
        fc.asyncProperty(requestArb, async (r) => {
          const [method, path] = r.endpoint;
          const search = [new URLSearchParams(r.query).toString(), r.rawQuery].filter(Boolean).join('&');
          const headers: Record<string, string> = { accept: r.accept };
          if (r.authorization !== undefined) headers.authorization = r.authorization;
          if (r.cookie !== undefined) headers.cookie = r.cookie;
          if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
          if (r.origin !== undefined) headers.origin = r.origin;
          const hasBody = method !== 'GET';
          if (hasBody && r.contentType) headers['content-type'] = r.contentType;
          const status = await send(
            port,
            method,
            `${path}${search ? `?${search}` : ''}`,
            headers,
            hasBody ? r.body : undefined,
          );
          expect([method, path, status < 500]).toEqual([method, path, true]);
          expect(status).toBeGreaterThanOrEqual(200);
        }),
        { numRuns: 400 },
      );
      expect(fuzzed.logs.filter((line) => line.includes('server_error'))).toEqual([]);
    } finally {
      await fuzzed.close();
    }
  });
});

/**
 * Rules from attacking the running kit at its seams (issue 13): each one a check that fails if
 * the hole reopens. The full attacks, with their figures, are in test/security/ beside this file.
 */
describe('Security at the seams between the kit, the host and resource servers', () => {
  /** A second example app with small limits, so that limits engage in a few requests. */
  let limited: RunningExample;
  beforeAll(async () => {
    limited = await startExampleApp({
      security: {
        rateLimits: {
          authorize: { perIp: { points: 2, durationSeconds: 60 } },
          developerApi: { perIp: { points: 2, durationSeconds: 60 } },
          clientAuthentication: { failuresPerClientAndIp: { points: 3, durationSeconds: 60 } },
        },
      },
    });
  });
  afterAll(() => limited?.close());

  const bearer = async (token: string, path = '/v1/tasks') =>
    (await callApi(server.issuer, path, token)).status;

  /** Polls until `token` gets `status` at the in-process requireScope; at most 1 s. */
  async function within1s(token: string, status: number) {
    const started = Date.now();
    while ((await bearer(token)) !== status) {
      if (Date.now() - started > 1000) throw new Error(`no ${status} within 1 s`);
    }
  }

  /** A confidential app registered by the demo administrator, with a client_credentials token. */
  async function registeredApp(name: string) {
    const { app, clientSecret } = await server.kit.apps.create('user_123', {
      name,
      homepageUrl: 'https://seams.example',
      redirectUris: [redirectUri],
    });
    const client = { clientId: app.clientId, clientSecret: clientSecret! };
    const token = async (scope: string) => {
      const { status, json } = await tokenRequest(
        server.issuer,
        { grant_type: 'client_credentials', scope },
        client,
      );
      expect(status).toBe(200);
      return json.access_token as string;
    };
    return { app, client, token };
  }

  test('every spelling of a rate-limited route is counted (trailing slash, letter case)', async () => {
    const query = new URL(authorizeUrl({}), 'http://x').search.replace(
      /redirect_uri=[^&]+/,
      `redirect_uri=${encodeURIComponent(`http://localhost:${limited.port}/callback`)}`,
    );
    const statuses = [];
    for (const path of ['/oauth/authorize/', '/OAuth/Authorize/', '/oauth/authorize']) {
      const response = await fetch(`${limited.issuer}${path}${query}`, { redirect: 'manual' });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([303, 404, 429]);
  });

  test('failed client authentications are limited per client and source, with no refund; secrets are checked by a keyed hash', async () => {
    const { app, clientSecret } = await limited.kit.apps.create('user_123', {
      name: 'Flooded',
      homepageUrl: 'https://flooded.example',
      redirectUris: [`http://localhost:${limited.port}/callback`],
    });
    const attempt = (secret: string) =>
      tokenRequest(
        limited.issuer,
        { grant_type: 'client_credentials', scope: 'tasks:read' },
        { clientId: app.clientId, clientSecret: secret },
      );
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt(`wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Not even the right secret gets through from this source until the window passes.
    expect((await attempt(clientSecret!)).status).toBe(429);
    // Stored as a keyed hash (HMAC under a server key): a wrong secret costs microseconds, not scrypt.
    expect((await limited.kit.apps.get(app.clientId))!.secrets[0]!.hash).toMatch(/^hmac-sha256\$/);
  });

  test('the developer JSON API is rate limited', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${limited.issuer}/oauth/api/apps`, {
        headers: { accept: 'application/json' },
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses[2]).toBe(429);
  });

  test('URLs come from the issuer, never from the Host header; another host name gets 421', async () => {
    const discovery = '/.well-known/oauth-authorization-server';
    expect(await send(server.port, 'GET', discovery, { host: 'evil.example' }, undefined)).toBe(421);
    const metadata = await fetch(`http://127.0.0.1:${server.port}${discovery}`);
    expect(((await metadata.json()) as { token_endpoint: string }).token_endpoint).toBe(
      `${server.issuer}/oauth/token`,
    );
  });

  test("kit pages allow no script: script-src 'none'", async () => {
    const { response } = await loginPage();
    expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
  });

  test('a token issued in the future (iat beyond clock tolerance) is refused', async () => {
    const jwk = server.kit.options.secrets.signingKeys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ client_id: TEST_CLIENT.clientId, scope: 'tasks:read' })
      .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid!, typ: 'at+jwt' })
      .setIssuer(server.issuer)
      .setAudience(server.kit.options.audience)
      .setSubject(TEST_CLIENT.clientId)
      .setIssuedAt(now + 3600)
      .setExpirationTime(now + 7200)
      .sign(await importJWK(jwk, jwk.alg));
    expect(await bearer(forged)).toBe(401);
  });

  test('a token bound to a key (DPoP, cnf) is never accepted as a Bearer token', async () => {
    const as = await discover(server.issuer);
    const client: oauth.Client = { client_id: TEST_CLIENT.clientId };
    const keys = (await generateKeyPair('ES256', { extractable: true })) as Parameters<typeof oauth.DPoP>[1];
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(TEST_CLIENT.clientSecret),
      { scope: 'tasks:read' },
      { DPoP: oauth.DPoP(client, keys), ...insecure },
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(decodeJwt(tokens.access_token).cnf).toBeDefined();
    expect(await bearer(tokens.access_token)).toBe(401);
    expect(await bearer(tokens.access_token, '/v1/oauth/token/info')).toBe(401);
  });

  test("a disabled app's tokens stop within a second", async () => {
    const { app, token } = await registeredApp('Soon Disabled');
    const access = await token('tasks:read');
    expect(await bearer(access)).toBe(200);
    await server.kit.apps.setEnabled('user_123', app.clientId, false);
    await within1s(access, 401);
  });

  test('a withdrawn restricted scope stops within a second; the app cannot get it again', async () => {
    const { app, token, client } = await registeredApp('Console');
    await server.kit.apps.requestScope('user_123', app.clientId, 'admin:*');
    await server.kit.apps.decideScopeRequest(app.clientId, 'admin:*', true);
    const admin = await token('admin:*');
    const plain = await token('tasks:read');
    expect(await bearer(admin)).toBe(200);
    await server.kit.apps.withdrawRestrictedScope(app.clientId, 'admin:*');
    await within1s(admin, 401);
    expect(await bearer(plain)).toBe(200);
    const again = await tokenRequest(
      server.issuer,
      { grant_type: 'client_credentials', scope: 'admin:*' },
      client,
    );
    expect(again.json.error).toBe('invalid_scope');
  });

  test("the product's sign-out ends the authorization server's session", async () => {
    const agent = await signedInAgent();
    const before = await (await agent.follow(authorizeUrl({}))).response.text();
    expect(before).not.toContain('name="password"');
    const signout = await (await agent.request('/signout')).text();
    await agent.submit(`${server.issuer}/signout`, signout, {});
    const after = await (await agent.follow(authorizeUrl({}))).response.text();
    expect(after).toContain('name="password"');
  });

  test('a demanded fresh login (prompt=login, max_age=0) shows the login form', async () => {
    const agent = await signedInAgent();
    // max_age is OpenID Connect's: it applies to requests with the openid scope.
    const demands: Record<string, string>[] = [
      { prompt: 'login' },
      { max_age: '0', scope: 'openid tasks:read' },
    ];
    for (const demand of demands) {
      const page = await (await agent.follow(authorizeUrl(demand))).response.text();
      expect([demand, page.includes('name="password"')]).toEqual([demand, true]);
    }
  });

  test("session ids change at sign-in through the kit's login form (no fixation)", async () => {
    const agent = new BrowserAgent(server.issuer);
    await agent.request('/signin');
    const planted = agent.cookie('taskflow.sid');
    const { url, html } = await loginPage(agent);
    const kitSession = agent.cookie('_session');
    await agent.submit(url, html, { email: 'demo@example.com', password: 'demo-password' });
    expect(agent.cookie('taskflow.sid')).toBeDefined();
    expect(agent.cookie('taskflow.sid')).not.toBe(planted);
    expect(agent.cookie('_session')).not.toBe(kitSession);
  });

  test("the product's own sign-in shares the kit's lockout", async () => {
    const signIn = async (password: string) => {
      const agent = new BrowserAgent(limited.issuer);
      const page = await (await agent.request('/signin')).text();
      return (await agent.submit(`${limited.issuer}/signin`, page, { email: 'sam@example.com', password }))
        .response.status;
    };
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await signIn('wrong'));
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    expect(await signIn('sam-password')).toBe(429);
  });

  test("test-mode tokens see sandbox data, never the user's live data (example app)", async () => {
    const tokens = await codeFlow(server.issuer, TEST_CLIENT, redirectUri, 'tasks:read');
    const { json } = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    const titles = (json.data as Array<{ title: string }>).map((t) => t.title);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((t) => t.endsWith('(sandbox)'))).toBe(true);
  });
});

/** A raw HTTP request (fetch refuses some of what we want to send). Resolves to the status. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    // A request the server never answers is a failure too (and shrinks like one).
    req.setTimeout(3000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.end(body);
  });
}
