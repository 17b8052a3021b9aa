/**
 * The requests the product's API documents show, sent as literal HTTP (the bytes a curl user
 * would send), and the hostile variants of them: each answered as the documents promise or
 * with an RFC-shaped 4xx that changes nothing.
 */
import { decodeJwt } from 'jose';
import { TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { authorize, type AuthorizeResult } from '../helpers/oauth-client.js';

let server: RunningExample;
let redirectUri: string;
const basic = `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
});
afterAll(async () => {
  await server.close();
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown>; contentType: string | null }> {
  const response = await fetch(`${server.issuer}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  post(path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

function publicCode(scope = 'tasks:read'): Promise<AuthorizeResult> {
  return authorize(server.issuer, { clientId: TEST_PUBLIC_CLIENT.clientId, redirectUri, scope });
}
const codeOf = (result: AuthorizeResult) => result.callback.searchParams.get('code')!;

/** Asserts the RFC 6749 §5.2 shape of a refusal and returns its description. */
function refused(answer: { status: number; json: Record<string, unknown> }, error: string): string {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expect(answer.json.error).toBe(error);
  expect(answer.json.error_description).toEqual(expect.any(String));
  return answer.json.error_description as string;
}

describe('JSON token requests (the documents’ PKCE exchange)', () => {
  test('the JSON code exchange without redirect_uri returns tokens', async () => {
    const result = await publicCode();
    const answer = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'tasks:read' });
    expect(decodeJwt(answer.json.access_token as string).client_id).toBe(TEST_PUBLIC_CLIENT.clientId);
    expect(answer.json.refresh_token).toEqual(expect.any(String));
  });

  test('a form code exchange with PKCE may omit redirect_uri too', async () => {
    const result = await publicCode();
    const answer = await post(
      '/oauth/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code: codeOf(result),
        client_id: TEST_PUBLIC_CLIENT.clientId,
        code_verifier: result.codeVerifier,
      }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(answer.status).toBe(200);
  });

  test('a redirect_uri that is sent must match exactly', async () => {
    const result = await publicCode();
    const answer = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
      redirect_uri: `${redirectUri}/`,
    });
    expect(refused(answer, 'invalid_grant')).toMatch(/redirect_uri/);
  });

  test('without PKCE, redirect_uri stays required', async () => {
    const result = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
      pkce: false,
    });
    const answer = await json(
      '/oauth/token',
      { grant_type: 'authorization_code', code: codeOf(result) },
      { authorization: basic },
    );
    expect(refused(answer, 'invalid_request')).toMatch(/redirect_uri/);
    const again = await json(
      '/oauth/token',
      { grant_type: 'authorization_code', code: codeOf(result), redirect_uri: redirectUri },
      { authorization: basic },
    );
    expect(again.status).toBe(200);
  });

  test('an unknown code sent without redirect_uri is invalid_grant, like any unknown code', async () => {
    const answer = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: 'not-a-real-code-aaaaaaaaaaaaaaaaaaaaaaaaaaa',
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: 'x'.repeat(43),
    });
    refused(answer, 'invalid_grant');
  });

  test('client credentials as JSON with HTTP Basic', async () => {
    const answer = await json(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      { authorization: basic },
    );
    expect(answer.status).toBe(200);
    expect(answer.json.refresh_token).toBeUndefined();
  });

  test('charset and +json media types are JSON too', async () => {
    const answer = await post(
      '/oauth/token',
      JSON.stringify({ grant_type: 'client_credentials', scope: 'tasks:read' }),
      { 'content-type': 'application/json; charset=utf-8', authorization: basic },
    );
    expect(answer.status).toBe(200);
  });
});

describe('bad token request bodies: 4xx, RFC-shaped, nothing consumed', () => {
  /** Each bad request is sent with a live code; the code must still redeem afterwards. */
  async function afterBadRequest(send: (code: string, verifier: string) => Promise<unknown>) {
    const result = await publicCode();
    await send(codeOf(result), result.codeVerifier);
    const answer = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    expect(answer.status).toBe(200);
  }

  test.each([
    ['truncated JSON', '{"grant_type":"authorization_code","code":'],
    ['an empty body', ''],
    ['a JSON array', '["grant_type"]'],
    ['a JSON string', '"grant_type=authorization_code"'],
    ['null', 'null'],
  ])('%s is invalid_request', async (_name, body) => {
    await afterBadRequest(async () => {
      const answer = await post('/oauth/token', body, { 'content-type': 'application/json' });
      expect(answer.contentType).toMatch(/^application\/json/);
      refused(answer, 'invalid_request');
    });
  });

  test.each([
    ['a number', 42],
    ['a boolean', true],
    ['null', null],
    ['an object', { nested: 'x' }],
    ['an array', ['a', 'b']],
  ])('a parameter that is %s is invalid_request', async (_name, value) => {
    await afterBadRequest(async (code, verifier) => {
      const answer = await json('/oauth/token', {
        grant_type: 'authorization_code',
        code,
        client_id: TEST_PUBLIC_CLIENT.clientId,
        code_verifier: verifier,
        client_assertion_type: value,
      });
      expect(refused(answer, 'invalid_request')).toMatch(/client_assertion_type/);
    });
  });

  test('a code sent as a JSON number does not redeem anything', async () => {
    await afterBadRequest(async (_code, verifier) => {
      const answer = await json('/oauth/token', {
        grant_type: 'authorization_code',
        code: 12345,
        client_id: TEST_PUBLIC_CLIENT.clientId,
        code_verifier: verifier,
      });
      expect(refused(answer, 'invalid_request')).toMatch(/'code' parameter must be a string/);
    });
  });

  test.each(['json', 'form'])('a parameter in both the query and the %s body is refused', async (kind) => {
    await afterBadRequest(async (code, verifier) => {
      const params = {
        grant_type: 'authorization_code',
        code,
        client_id: TEST_PUBLIC_CLIENT.clientId,
        code_verifier: verifier,
      };
      const path = `/oauth/token?code=${encodeURIComponent(code)}`;
      const answer =
        kind === 'json'
          ? await json(path, params)
          : await post(path, new URLSearchParams(params).toString(), {
              'content-type': 'application/x-www-form-urlencoded',
            });
      expect(refused(answer, 'invalid_request')).toBe("'code' parameter must not be provided twice");
    });
  });

  test('a repeated form field is refused', async () => {
    await afterBadRequest(async (code, verifier) => {
      const answer = await post(
        '/oauth/token',
        `grant_type=authorization_code&code=${code}&code=${code}&client_id=${TEST_PUBLIC_CLIENT.clientId}&code_verifier=${verifier}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      refused(answer, 'invalid_request');
    });
  });

  test('an oversized JSON body is invalid_request', async () => {
    const answer = await json('/oauth/token', { grant_type: 'client_credentials', pad: 'x'.repeat(60_000) });
    refused(answer, 'invalid_request');
  });

  test('an unsupported content type is still refused', async () => {
    const answer = await post('/oauth/token', '<xml/>', { 'content-type': 'application/xml' });
    refused(answer, 'invalid_request');
  });
});

describe('JSON at revocation and introspection', () => {
  test('revocation and introspection take JSON bodies with the form rules', async () => {
    const cc = await json(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'tasks:read' },
      { authorization: basic },
    );
    const result = await publicCode();
    const tokens = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    const refreshToken = tokens.json.refresh_token as string;

    const active = await json('/oauth/introspect', { token: refreshToken }, { authorization: basic });
    expect(active.status).toBe(200);
    expect(active.json).toMatchObject({ active: true, client_id: TEST_PUBLIC_CLIENT.clientId });

    const bad = await json('/oauth/revoke', { token: 7 }, { authorization: basic });
    refused(bad, 'invalid_request');
    expect(cc.status).toBe(200);

    const revoked = await json('/oauth/revoke', {
      token: refreshToken,
      token_type_hint: 'refresh_token',
      client_id: TEST_PUBLIC_CLIENT.clientId,
    });
    expect(revoked.status).toBe(200);
    const reuse = await json('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: TEST_PUBLIC_CLIENT.clientId,
    });
    refused(reuse, 'invalid_grant');
  });

  test('malformed JSON at revocation is invalid_request', async () => {
    const answer = await post('/oauth/revoke', '{', {
      'content-type': 'application/json',
      authorization: basic,
    });
    refused(answer, 'invalid_request');
  });
});

describe('invalid_grant says why', () => {
  const exchange = (result: AuthorizeResult, extra: Record<string, string> = {}) =>
    json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
      ...extra,
    });
  const refresh = (refreshToken: string) =>
    json('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: TEST_PUBLIC_CLIENT.clientId,
    });

  test('a code used twice', async () => {
    const result = await publicCode();
    expect((await exchange(result)).status).toBe(200);
    expect(refused(await exchange(result), 'invalid_grant')).toBe(
      'The authorization code has already been used; the authorization it belonged to is revoked.',
    );
  });

  test('a PKCE verifier that does not match', async () => {
    const result = await publicCode();
    expect(refused(await exchange(result, { code_verifier: 'y'.repeat(43) }), 'invalid_grant')).toBe(
      'code_verifier does not match the code_challenge (PKCE).',
    );
  });

  test('a redirect_uri that does not match', async () => {
    const result = await publicCode();
    expect(refused(await exchange(result, { redirect_uri: `${redirectUri}?x` }), 'invalid_grant')).toBe(
      'redirect_uri does not match the redirect_uri of the authorization request.',
    );
  });

  test('an unknown code', async () => {
    const answer = await json(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: 'unknown-code-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
        redirect_uri: redirectUri,
      },
      { authorization: basic },
    );
    expect(refused(answer, 'invalid_grant')).toBe('The authorization code is invalid or has expired.');
  });

  test('a revoked refresh token, and a rotated one used again', async () => {
    const result = await publicCode();
    const first = (await exchange(result)).json.refresh_token as string;
    const second = (await refresh(first)).json.refresh_token as string;
    expect(second).toEqual(expect.any(String));
    expect(refused(await refresh(first), 'invalid_grant')).toBe(
      'The refresh token has already been used; the authorization it belonged to is revoked.',
    );
    // Reuse revoked the grant: the newer token died with it.
    expect(refused(await refresh(second), 'invalid_grant')).toBe(
      'The refresh token is invalid, expired or revoked.',
    );
  });
});

describe('authorization without scope, scope names, revocation body', () => {
  test('the documents’ authorize without scope gets the client’s default scopes, never access_denied', async () => {
    const result = await authorize(server.issuer, {
      clientId: TEST_PUBLIC_CLIENT.clientId,
      redirectUri,
      scope: '',
    });
    expect(result.callback.searchParams.get('error')).toBeNull();
    const tokens = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.json.scope).toBe('tasks:read'); // the example's defaultScopes
  });

  test('invalid_scope names every unknown scope', async () => {
    const params = new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tasks:read nope:read read:everything',
      state: 's',
    });
    const response = await fetch(`${server.issuer}/oauth/authorize?${params}`, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toBe(
      'requested scopes are not supported: nope:read, read:everything',
    );
    const cc = await post('/oauth/token', 'grant_type=client_credentials&scope=nope%3Aread+x+tasks%3Aread', {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic,
    });
    expect(refused(cc, 'invalid_scope')).toBe('requested scopes are not supported: nope:read, x');
  });

  test('offline_access is accepted and echoed in the granted scope with the refresh token', async () => {
    const result = await publicCode('tasks:read offline_access');
    const tokens = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    expect(String(tokens.json.scope).split(' ').sort()).toEqual(['offline_access', 'tasks:read']);
    expect(tokens.json.refresh_token).toEqual(expect.any(String));
  });

  test('the documents’ revoke answers 200 with a JSON body', async () => {
    const response = await fetch(`${server.issuer}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: 'token=not-a-token-at-all&token_type_hint=refresh_token',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
  });
});

describe('who may revoke and introspect', () => {
  test('a client revokes only its own tokens; a public client introspects only its own', async () => {
    const result = await publicCode();
    const tokens = await json('/oauth/token', {
      grant_type: 'authorization_code',
      code: codeOf(result),
      client_id: TEST_PUBLIC_CLIENT.clientId,
      code_verifier: result.codeVerifier,
    });
    const refreshToken = tokens.json.refresh_token as string;
    // A confidential client presenting another client's token is refused, and nothing changes.
    const foreign = await json('/oauth/revoke', { token: refreshToken }, { authorization: basic });
    expect(refused(foreign, 'invalid_request')).toMatch(/not authorized to revoke/);
    const own = await json('/oauth/introspect', {
      token: refreshToken,
      client_id: TEST_PUBLIC_CLIENT.clientId,
    });
    expect(own.json.active).toBe(true);

    const other = await authorize(server.issuer, {
      clientId: TEST_CLIENT.clientId,
      redirectUri,
      scope: 'tasks:read',
    });
    const theirs = await json(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: codeOf(other),
        code_verifier: other.codeVerifier,
        redirect_uri: redirectUri,
      },
      { authorization: basic },
    );
    const peek = await json('/oauth/introspect', {
      token: theirs.json.refresh_token as string,
      client_id: TEST_PUBLIC_CLIENT.clientId,
    });
    expect(peek.json).toEqual({ active: false });
  });
});
