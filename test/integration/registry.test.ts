/**
 * Developer-registered apps over real HTTP against the running example app: registration through
 * the JSON API, the flows those apps then run at /oauth/authorize and /oauth/token, secret
 * rotation, test mode, disable/enable/delete, restricted-scope approval, connected apps, and
 * the guards and bad input of every endpoint.
 */
import { decodeJwt } from 'jose';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { authorize, callApi, codeFlow, tokenRequest } from '../helpers/oauth-client.js';
import { apiCall, signedInAgent } from '../helpers/session.js';
import type Provider from 'oidc-provider';

let server: RunningExample;
let redirectUri: string;
let developer: BrowserAgent;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  developer = await signedInAgent(server.issuer);
});
afterAll(() => server?.close());

interface Registered {
  clientId: string;
  clientSecret: string;
  json: Record<string, unknown>;
}

async function register(overrides: Record<string, unknown> = {}): Promise<Registered> {
  const { status, json } = await apiCall(developer, 'POST', '/apps', {
    name: 'Acme Planner',
    homepage_url: 'https://planner.acme.example',
    redirect_uris: [redirectUri],
    description: 'Plans things',
    ...overrides,
  });
  expect(status).toBe(201);
  return { clientId: json.client_id as string, clientSecret: json.client_secret as string, json };
}

const clientCredentials = (client: { clientId: string; clientSecret: string }, scope = 'tasks:read') =>
  tokenRequest(server.issuer, { grant_type: 'client_credentials', scope }, client);

describe('registration', () => {
  test('returns the credentials once; the store keeps only a hash of the secret', async () => {
    const app = await register();
    expect(app.clientId).toMatch(/^app_/);
    expect(app.clientSecret).toMatch(/^secret_/);
    expect(app.json).toMatchObject({
      name: 'Acme Planner',
      homepage_url: 'https://planner.acme.example',
      redirect_uris: [redirectUri],
      client_type: 'confidential',
      test_mode: false,
      enabled: true,
    });

    const again = await apiCall(developer, 'GET', `/apps/${app.clientId}`);
    expect(again.status).toBe(200);
    expect(again.json.client_secret).toBeUndefined();

    const { store } = server.kit.options;
    const record = await store.records.get('apps', app.clientId);
    const client = await new store.Adapter('Client').find(app.clientId);
    expect(record).toBeDefined();
    expect(client).toBeDefined();
    expect(JSON.stringify(record)).not.toContain(app.clientSecret);
    expect(JSON.stringify(client)).not.toContain(app.clientSecret);
    expect(JSON.stringify(client)).toContain('hmac-sha256$');
  });

  test('the app is listed among my apps', async () => {
    const app = await register({ name: 'Listed App' });
    const { json } = await apiCall(developer, 'GET', '/apps');
    expect((json.data as Array<{ client_id: string }>).map((a) => a.client_id)).toContain(app.clientId);
  });

  test('edits apply to the next authorization at once', async () => {
    const app = await register();
    const other = `http://localhost:${server.port}/callback?edited=1`;
    const patched = await apiCall(developer, 'PATCH', `/apps/${app.clientId}`, {
      name: 'Renamed',
      redirect_uris: [other],
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: 'Renamed', redirect_uris: [other] });
    const params = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tasks:read',
    });
    const response = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('a registered app at the authorization server', () => {
  test('completes the code flow; its access token works at the API', async () => {
    const app = await register();
    const tokens = await codeFlow(server.issuer, app, redirectUri, 'tasks:read');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: app.clientId, sub: 'user_123' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const api = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    expect(api.status).toBe(200);
    expect(api.json.test_mode).toBe(false);
  });

  test('authenticates with its secret for client credentials; a wrong secret is 401 invalid_client', async () => {
    const app = await register();
    expect((await clientCredentials(app)).status).toBe(200);
    const wrong = await clientCredentials({ clientId: app.clientId, clientSecret: `${app.clientSecret}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_client');
  });

  test('the consent page shows its name and homepage', async () => {
    const app = await register({ name: 'Consent Shown App', homepage_url: 'https://shown.example/home' });
    const agent = new BrowserAgent(server.issuer);
    const params = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tasks:read',
      state: 'c1',
    });
    const { response, url } = await agent.follow(`/oauth/authorize?${params}`);
    const { response: consent } = await agent.submit(url, await response.text(), {
      email: 'demo@example.com',
      password: 'demo-password',
    });
    const html = await consent.text();
    expect(html).toContain('Authorize Consent Shown App');
    expect(html).toContain('href="https://shown.example/home"');
    expect(html.match(/Read your tasks/g)).toHaveLength(1);
  });

  test('a public app has no secret and must use PKCE', async () => {
    const { status, json } = await apiCall(developer, 'POST', '/apps', {
      name: 'SPA',
      homepage_url: 'https://spa.example',
      redirect_uris: [redirectUri],
      client_type: 'public',
    });
    expect(status).toBe(201);
    expect(json.client_secret).toBeUndefined();
    const clientId = json.client_id as string;
    const tokens = await codeFlow(server.issuer, { clientId }, redirectUri, 'tasks:read');
    expect(decodeJwt(tokens.access_token).client_id).toBe(clientId);
    const withoutPkce = await authorize(server.issuer, {
      clientId,
      redirectUri,
      scope: 'tasks:read',
      pkce: false,
    });
    expect(withoutPkce.callback.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('test mode', () => {
  test('test credentials carry the test_ prefix and their tokens reach the API as test mode', async () => {
    const app = await register({ test_mode: true });
    expect(app.clientId).toMatch(/^test_/);
    expect(app.clientSecret).toMatch(/^test_secret_/);
    const tokens = await codeFlow(server.issuer, app, redirectUri, 'tasks:read');
    expect(decodeJwt(tokens.access_token).test_mode).toBe(true);
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).json.test_mode).toBe(true);
  });

  test('test mode cannot be switched on an existing app', async () => {
    const app = await register();
    const { status, json } = await apiCall(developer, 'PATCH', `/apps/${app.clientId}`, { test_mode: true });
    expect(status).toBe(400);
    expect(json.error).toBe('invalid_client_metadata');
  });
});

describe('secret rotation', () => {
  test('by default the old secret stops working at once', async () => {
    const app = await register();
    const { status, json } = await apiCall(developer, 'POST', `/apps/${app.clientId}/rotate-secret`, {});
    expect(status).toBe(200);
    const fresh = json.client_secret as string;
    expect(fresh).not.toBe(app.clientSecret);
    expect((await clientCredentials(app)).json.error).toBe('invalid_client');
    expect((await clientCredentials({ clientId: app.clientId, clientSecret: fresh })).status).toBe(200);
  });

  test('with an overlap, both work until the overlap ends, then only the new one', async () => {
    const app = await register();
    // The old secret was verified once: the verification cache must not outlive the overlap.
    expect((await clientCredentials(app)).status).toBe(200);
    const { json } = await apiCall(developer, 'POST', `/apps/${app.clientId}/rotate-secret`, {
      overlap_seconds: 1,
    });
    const fresh = { clientId: app.clientId, clientSecret: json.client_secret as string };
    expect(json.previous_secret_expires_at).toEqual(expect.any(String));
    expect((await clientCredentials(app)).status).toBe(200);
    expect((await clientCredentials(fresh)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await clientCredentials(app)).json.error).toBe('invalid_client');
    expect((await clientCredentials(fresh)).status).toBe(200);
  });

  test('an overlap beyond 7 days or not a number is refused', async () => {
    const app = await register();
    for (const overlap of [8 * 24 * 3600, -1, 1.5, '60']) {
      const { status, json } = await apiCall(developer, 'POST', `/apps/${app.clientId}/rotate-secret`, {
        overlap_seconds: overlap,
      });
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_request');
    }
    expect((await clientCredentials(app)).status).toBe(200);
  });
});

describe('disable, enable, delete', () => {
  test('disabling stops its tokens at once, the token endpoint says invalid_client, authorize shows an error page', async () => {
    const app = await register();
    const user = await codeFlow(server.issuer, app, redirectUri, 'tasks:read');
    const machine = (await clientCredentials(app)).json.access_token as string;

    expect((await apiCall(developer, 'POST', `/apps/${app.clientId}/disable`, {})).json.enabled).toBe(false);

    for (const token of [user.access_token, machine]) {
      const api = await callApi(server.issuer, '/v1/tasks', token);
      expect(api.status).toBe(401);
      expect(api.json.error).toBe('invalid_token');
      expect((await callApi(server.issuer, '/v1/oauth/token/info', token)).status).toBe(401);
    }
    const cc = await clientCredentials(app);
    expect(cc.status).toBe(401);
    expect(cc.json.error).toBe('invalid_client');
    const refresh = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: user.refresh_token! },
      app,
    );
    expect(refresh.json.error).toBe('invalid_client');
    const params = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tasks:read',
    });
    const page = await new BrowserAgent(server.issuer).request(`/oauth/authorize?${params}`);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('This app is not available');

    // Enabling again restores users' existing authorizations.
    expect((await apiCall(developer, 'POST', `/apps/${app.clientId}/enable`, {})).json.enabled).toBe(true);
    expect((await callApi(server.issuer, '/v1/tasks', user.access_token)).status).toBe(200);
    expect((await clientCredentials(app)).status).toBe(200);
  });

  test('deleting revokes every grant users gave it', async () => {
    const app = await register();
    const tokens = await codeFlow(server.issuer, app, redirectUri, 'tasks:read');
    const grantId = decodeJwt(tokens.access_token).gid as string;
    expect((await apiCall(developer, 'DELETE', `/apps/${app.clientId}`)).status).toBe(204);
    expect(await (server.kit.provider as Provider).Grant.find(grantId)).toBeUndefined();
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(401);
    expect((await apiCall(developer, 'GET', `/apps/${app.clientId}`)).status).toBe(404);
    expect((await clientCredentials(app)).json.error).toBe('invalid_client');
  });
});

describe('restricted scopes', () => {
  test('are invalid_scope until an administrator approves the request', async () => {
    const app = await register();
    expect((await clientCredentials(app, 'admin:*')).json.error).toBe('invalid_scope');

    const requested = await apiCall(developer, 'POST', `/apps/${app.clientId}/scope-requests`, {
      scope: 'admin:*',
    });
    expect(requested.json.requested_restricted_scopes).toEqual(['admin:*']);
    expect((await clientCredentials(app, 'admin:*')).json.error).toBe('invalid_scope');
    const atAuthorize = await authorize(server.issuer, {
      clientId: app.clientId,
      redirectUri,
      scope: 'admin:*',
    });
    expect(atAuthorize.callback.searchParams.get('error')).toBe('invalid_scope');

    const pending = await apiCall(developer, 'GET', '/scope-requests');
    expect(pending.json.data).toContainEqual(
      expect.objectContaining({ client_id: app.clientId, scope: 'admin:*' }),
    );
    const approved = await apiCall(developer, 'POST', '/scope-requests', {
      client_id: app.clientId,
      scope: 'admin:*',
      decision: 'approve',
    });
    expect(approved.json.approved_restricted_scopes).toEqual(['admin:*']);

    const cc = await clientCredentials(app, 'admin:*');
    expect(cc.status).toBe(200);
    // The example's admin:* implies every other scope: the token carries them too.
    const granted = String(decodeJwt(cc.json.access_token as string).scope).split(' ');
    expect(granted).toEqual(expect.arrayContaining(['admin:*', 'tasks:read', 'files:delete']));
  });

  test('a non-restricted or unknown scope cannot be requested', async () => {
    const app = await register();
    for (const scope of ['tasks:read', 'nope:*', 42]) {
      const { status, json } = await apiCall(developer, 'POST', `/apps/${app.clientId}/scope-requests`, {
        scope,
      });
      expect(status).toBe(400);
      expect(json.error).toBe('invalid_scope');
    }
  });

  test('a rejected request leaves the scope refused', async () => {
    const app = await register();
    await apiCall(developer, 'POST', `/apps/${app.clientId}/scope-requests`, { scope: 'admin:*' });
    const rejected = await apiCall(developer, 'POST', '/scope-requests', {
      client_id: app.clientId,
      scope: 'admin:*',
      decision: 'reject',
    });
    expect(rejected.json).toMatchObject({ requested_restricted_scopes: [], approved_restricted_scopes: [] });
    expect((await clientCredentials(app, 'admin:*')).json.error).toBe('invalid_scope');
  });
});

describe('connected apps', () => {
  test('list what the user authorized with scopes and last use; revoke kills its tokens', async () => {
    const app = await register({ name: 'Connected Example' });
    const tokens = await codeFlow(server.issuer, app, redirectUri, 'tasks:read projects:read');
    const user = await signedInAgent(server.issuer);
    const page = await user.request('/settings/connected-apps');
    expect(page.status).toBe(200);
    const html = await page.text();
    const panel = html.slice(html.indexOf('Connected Example'));
    const card = panel.slice(
      0,
      panel.indexOf('</li>\n          \n') === -1 ? undefined : panel.indexOf('</li>\n          \n'),
    );
    expect(card).toContain('Read your projects');
    expect(card).toContain('Read your tasks');
    // The code exchange issued an access token: "last used" is known.
    expect(card).toMatch(/Last used<\/dt><dd>\d{1,2} \w{3} \d{4}/);

    // "Revoke access" leads to a confirmation page; a post without the confirmation only
    // leads back to that page.
    const confirmUrl = `${server.issuer}/settings/connected-apps/revoke?client_id=${encodeURIComponent(app.clientId)}`;
    expect(html).toContain(`action="/settings/connected-apps/revoke"`);
    const confirmPage = await (await user.request(confirmUrl)).text();
    expect(confirmPage).toContain('Revoke access for Connected Example?');
    const fields = { action: 'revoke', client_id: app.clientId };
    const unconfirmed = await user.submit(confirmUrl, confirmPage, fields);
    expect(unconfirmed.url).toBe(confirmUrl);
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
    const revoke = await user.submit(confirmUrl, confirmPage, { ...fields, confirm: 'yes' });
    expect(revoke.response.status).toBe(200);
    expect(await revoke.response.text()).toContain('Access revoked');
    const api = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    expect(api.status).toBe(401);
    expect(api.json.error).toBe('invalid_token');
    const refresh = await tokenRequest(
      server.issuer,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      app,
    );
    expect(refresh.json.error).toBe('invalid_grant');
    expect(await (await user.request('/settings/connected-apps')).text()).not.toContain('Connected Example');
  });
});

describe('guards and bad input', () => {
  test('pages send a visitor without a session to the product sign-in, coming back after', async () => {
    const response = await new BrowserAgent(server.issuer).request('/settings/developers/apps/new');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/signin?return_to=%2Fsettings%2Fdevelopers%2Fapps%2Fnew');
  });

  test('the API answers 401 login_required without a session', async () => {
    const { status, json } = await apiCall(new BrowserAgent(server.issuer), 'GET', '/apps');
    expect(status).toBe(401);
    expect(json.error).toBe('login_required');
  });

  test('a form post without a valid CSRF token is 403 and changes nothing', async () => {
    const app = await register();
    for (const token of [undefined, 'forged']) {
      const response = await developer.request(`/settings/developers/apps/${app.clientId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'disable', ...(token ? { csrf_token: token } : {}) }),
      });
      expect(response.status).toBe(403);
    }
    expect((await apiCall(developer, 'GET', `/apps/${app.clientId}`)).json.enabled).toBe(true);
  });

  test("another developer's app is not found, on the pages and in the API", async () => {
    const { app } = await server.kit.apps.create('someone_else', {
      name: 'Not yours',
      homepageUrl: 'https://other.example',
      redirectUris: ['https://other.example/cb'],
    });
    expect((await apiCall(developer, 'GET', `/apps/${app.clientId}`)).status).toBe(404);
    expect((await apiCall(developer, 'DELETE', `/apps/${app.clientId}`)).status).toBe(404);
    const page = await developer.request(`/settings/developers/apps/${app.clientId}`);
    expect(page.status).toBe(404);
    expect(await server.kit.apps.get(app.clientId)).toBeDefined();
  });

  test.each([
    [{ redirect_uris: ['http://app.example/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: [] }, 'invalid_redirect_uri'],
    [{ redirect_uris: 'https://app.example/cb' }, 'invalid_redirect_uri'],
    [{ name: '' }, 'invalid_client_metadata'],
    [{ name: 'x'.repeat(101) }, 'invalid_client_metadata'],
    [{ name: { $ne: 1 } }, 'invalid_client_metadata'],
    [{ homepage_url: 'javascript:alert(1)' }, 'invalid_client_metadata'],
    [{ client_type: 'native' }, 'invalid_client_metadata'],
    [{ allowed_scopes: ['admin:*'] }, 'invalid_scope'],
  ])('registration with %j is 400 %s', async (overrides, error) => {
    const { status, json } = await apiCall(developer, 'POST', '/apps', {
      name: 'Bad',
      homepage_url: 'https://bad.example',
      redirect_uris: ['https://bad.example/cb'],
      ...overrides,
    });
    expect(status).toBe(400);
    expect(json.error).toBe(error);
    expect(json.error_description).toEqual(expect.any(String));
  });

  test('malformed JSON, a non-JSON body and unknown endpoints get RFC-shaped errors', async () => {
    const malformed = await developer.request('/oauth/api/apps', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'invalid_request' });
    const form = await developer.request('/oauth/api/apps', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'name=x',
    });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ error: 'invalid_request' });
    expect((await apiCall(developer, 'GET', '/nope')).json.error).toBe('not_found');
    expect((await apiCall(developer, 'GET', '/apps/app_unknown')).status).toBe(404);
  });

  test('cross-site requests to the API are refused', async () => {
    const response = await developer.request('/oauth/api/apps', {
      headers: { accept: 'application/json', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.status).toBe(403);
  });

  test('an unknown page action is 400 and an oversized form 413, never a 500', async () => {
    const app = await register();
    const page = await developer.request(`/settings/developers/apps/${app.clientId}`);
    const html = await page.text();
    const unknown = await developer.submit(
      `${server.issuer}/settings/developers/apps/${app.clientId}`,
      html,
      {
        action: 'explode',
      },
    );
    expect(unknown.response.status).toBe(400);
    const huge = await developer.request(`/settings/developers/apps/${app.clientId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `description=${'a'.repeat(100_000)}`,
    });
    expect(huge.status).toBe(413);
  });

  test('the pages forbid framing and scripts', async () => {
    const response = await developer.request('/settings/developers/apps');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("script-src-attr 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
