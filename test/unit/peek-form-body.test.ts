/**
 * peekFormBody: the token endpoint looks at a plain form without taking it from the request.
 * Over a real socket: the handler peeks, then reads the body as oidc-provider would, and both
 * are compared with what the client sent.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { peekFormBody } from '../../lib/requests/client-request-body.js';

let server: Server;
let port: number;

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    // Like the machine endpoints: the peek comes after an await (the rate limits).
    void Promise.resolve().then(async () => {
      const peeked = peekFormBody(req) ?? null;
      const body = await readAll(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ peeked, body }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function send(
  body: string | Buffer,
  headers: Record<string, string>,
  path = token,
): Promise<{ peeked: Record<string, string> | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
  return (await response.json()) as { peeked: Record<string, string> | null; body: string };
}

const form = 'grant_type=client_credentials&scope=tasks%3Aread';

test('a plain form is seen and left for the next reader, byte for byte', async () => {
  for (const type of [
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded;charset=UTF-8',
    'application/x-www-form-urlencoded; charset="utf-8"',
  ]) {
    const answer = await send(form, { 'content-type': type });
    expect(answer).toEqual({ peeked: { grant_type: 'client_credentials', scope: 'tasks:read' }, body: form });
  }
});

const token = '/oauth/token';
test.each<[string, string | Buffer, Record<string, string>, string]>([
  ['JSON', '{"grant_type":"client_credentials"}', { 'content-type': 'application/json' }, token],
  [
    'another charset',
    form,
    { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' },
    token,
  ],
  [
    'a query beside the body',
    form,
    { 'content-type': 'application/x-www-form-urlencoded' },
    '/oauth/token?x=1',
  ],
  ['an empty body', '', { 'content-type': 'application/x-www-form-urlencoded' }, token],
  [
    'a byte-order mark',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(form)]),
    { 'content-type': 'application/x-www-form-urlencoded' },
    token,
  ],
])('%s is left to the full read, untouched', async (_name, body, headers, path) => {
  const answer = await send(body, headers, path);
  expect(answer.peeked).toBeNull();
  expect(answer.body).toBe(Buffer.from(body).toString('utf8'));
});

test('a body still arriving is left to the full read', async () => {
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) },
  });
  req.write(form.slice(0, 10));
  // The handler peeks while the rest has not been sent.
  await new Promise((resolve) => setTimeout(resolve, 50));
  req.end(form.slice(10));
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  const answer = JSON.parse(await readAll(response)) as { peeked: unknown; body: string };
  expect(answer).toEqual({ peeked: null, body: form });
});
