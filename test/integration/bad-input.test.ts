/**
 * Bad input at the example product's API and the token endpoint: an RFC-shaped JSON 4xx, never
 * Express's HTML page with a stack trace, and never the input echoed back at length.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { codeFlow, tokenRequest } from '../helpers/oauth-client.js';

let server: RunningExample;
let accessToken: string;
let refreshToken: string;
beforeAll(async () => {
  server = await startExampleApp();
  const tokens = await codeFlow(
    server.issuer,
    TEST_CLIENT,
    `${server.url}/callback`,
    'tasks:read tasks:write',
  );
  accessToken = tokens.access_token;
  refreshToken = tokens.refresh_token!;
});
afterAll(() => server?.close());

const postTask = (
  body: RequestInit['body'],
  headers: Record<string, string> = {},
  token: string | null = accessToken,
) =>
  fetch(`${server.url}/v1/tasks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body,
  });

/** No stack frame, file path or HTML in an error body. */
function expectPlainJsonError(text: string, contentType: string | null) {
  expect(contentType).toContain('application/json');
  expect(text).not.toMatch(/<html|<pre>|\bat \S+ \(|node_modules|\/work\/|\.ts:\d+/i);
  const body = JSON.parse(text) as { error: unknown; error_description: unknown };
  expect(body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
}

describe('POST /v1/tasks', () => {
  test.each([
    ['malformed JSON', 400, '{"title": ', {}],
    ['a body over 16 KB', 413, JSON.stringify({ title: 'x'.repeat(20_000) }), {}],
    ['an unsupported charset', 415, '{"title":"t"}', { 'content-type': 'application/json; charset=koi8-r' }],
    ['an unsupported content encoding', 415, '{"title":"t"}', { 'content-encoding': 'compress' }],
    ['a gzip body that is not gzip', 400, 'not gzip at all', { 'content-encoding': 'gzip' }],
    ['bytes that are not UTF-8', 400, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a]), {}],
    ['JSON that is not an object', 400, '"just a string"', {}],
  ] as const)('%s: JSON %d', async (_case, status, body, headers) => {
    const response = await postTask(body as RequestInit['body'], headers);
    const text = await response.text();
    expect([response.status, text.slice(0, 200)]).toEqual([status, expect.any(String)]);
    expectPlainJsonError(text, response.headers.get('content-type'));
  });

  test('deeply nested JSON is a 400 about the title, not a crash', async () => {
    const response = await postTask(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`);
    expect(response.status).toBe(400);
    expectPlainJsonError(await response.text(), response.headers.get('content-type'));
  });

  test('without a token, a malformed body is refused as unauthenticated before it is read', async () => {
    const response = await postTask('{"title": ', {}, null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('a good body still creates the task', async () => {
    const response = await postTask(JSON.stringify({ title: 'Water the plants' }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ title: 'Water the plants', done: false });
  });
});

test.each([
  ['a refresh', () => ({ grant_type: 'refresh_token', refresh_token: refreshToken })],
  ['client credentials', () => ({ grant_type: 'client_credentials' })],
])(
  '%s naming 5,000 unknown scopes gets invalid_scope without its input echoed back',
  async (_case, grant) => {
    const scope = Array.from({ length: 5000 }, (_, i) => `s${i}`).join(' ');
    expect(scope.length).toBeGreaterThan(28_000);
    const answer = await tokenRequest(server.url, { ...grant(), scope }, TEST_CLIENT);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_scope');
    expect(JSON.stringify(answer.json).length).toBeLessThan(500);
    expect(String(answer.json.error_description).length).toBeLessThanOrEqual(300);
  },
);

test('the catalog names the first 20 unknown scopes and counts the rest', async () => {
  const scope = Array.from({ length: 5000 }, (_, i) => `s${i}`).join(' ');
  const answer = await tokenRequest(server.url, { grant_type: 'client_credentials', scope }, TEST_CLIENT);
  expect(answer.json.error_description).toBe(
    `requested scopes are not supported: ${Array.from({ length: 20 }, (_, i) => `s${i}`).join(', ')} and 4,980 more`,
  );
});
