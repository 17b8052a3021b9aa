/**
 * Client ID Metadata Documents: an MCP SDK agent known only by the URL of its document, and
 * hostile documents (wrong client_id, unlisted redirect URI, too big, slow, redirecting, invalid
 * JSON, a secret, a private address in production), each ending at a 4xx page or an RFC-shaped
 * 4xx JSON error — never at consent, a redirect to the client, or a 5xx.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { mountOAuth } from '../../lib/index.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { connectAgent } from '../helpers/mcp-agent.js';

let server: RunningExample;
let documents: Server;
let docs: string;
let redirectUri: string;
let fetches = 0;

function documentServer(): Server {
  return createServer((req, res) => {
    fetches += 1;
    const self = `${docs}${req.url}`;
    const good = {
      client_id: self,
      client_name: 'Doc Agent',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
    };
    const send = (body: unknown, headers: Record<string, string> = {}) =>
      res
        .writeHead(200, { 'content-type': 'application/json', ...headers })
        .end(typeof body === 'string' ? body : JSON.stringify(body));
    switch (req.url) {
      case '/client.json':
        return send(good, { 'cache-control': 'max-age=60' });
      case '/uncached.json':
        return send(good, { 'cache-control': 'no-store' });
      case '/wrong-id.json':
        return send({ ...good, client_id: `${docs}/client.json` });
      case '/big.json':
        return send({ ...good, padding: 'x'.repeat(20_000) });
      case '/invalid.json':
        return send('{"client_id":');
      case '/secret.json':
        return send({ ...good, client_secret: 'shh-this-is-not-allowed' });
      case '/no-redirects.json':
        return send({ ...good, redirect_uris: [] });
      case '/redirect.json':
        return res.writeHead(302, { location: '/client.json' }).end();
      case '/slow.json':
        return; // never answers
      default:
        return res.writeHead(404).end();
    }
  });
}

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://127.0.0.1:${server.port}/callback`;
  documents = documentServer().listen(0, '127.0.0.1');
  await once(documents, 'listening');
  docs = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
});
afterAll(async () => {
  documents.closeAllConnections();
  documents.close();
  await server.close();
});

async function authorizeAs(clientId: string, base = server.issuer, redirect = redirectUri) {
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'tasks:read',
    code_challenge: oauth.calculatePKCECodeChallenge
      ? await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier())
      : '',
    code_challenge_method: 'S256',
  });
  const response = await fetch(`${base}/oauth/authorize?${params}`, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

test('the metadata says metadata documents are supported', async () => {
  const as = (await (
    await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
  ).json()) as Record<string, unknown>;
  expect(as.client_id_metadata_document_supported).toBe(true);
});

test('an MCP SDK agent known by its document URL connects, sees consent with its name and host, and gets a token', async () => {
  const clientId = `${docs}/client.json`;
  const agent = await connectAgent(server.issuer, `${server.issuer}/mcp`, redirectUri, { clientId });
  try {
    const steps = agent.provider.steps.map((s) => s.step);
    expect(steps).not.toContain('registered');
    expect(steps).toContain('consent page');
    const consent = agent.provider.consentPages[0]!;
    expect(consent).toContain('Doc Agent');
    expect(consent).toContain('127.0.0.1');
    expect(consent).toContain('Self-registered');
    expect(consent).toContain(`published by <strong>${new URL(docs).host}</strong>`);
    expect(decodeJwt(agent.provider.tokens()!.access_token)).toMatchObject({
      aud: `${server.issuer}/mcp`,
      client_id: clientId,
      sub: 'user_123',
    });
    const { content } = (await agent.client.callTool({ name: 'list_tasks', arguments: {} })) as {
      content: Array<{ text: string }>;
    };
    expect(content[0]!.text).toContain('Write the quarterly report');
    // Administrators find it on their list once a user approved it.
    expect(await server.kit.selfRegisteredClients.get(clientId)).toMatchObject({
      name: 'Doc Agent',
      kind: 'metadata-document',
      redirectHosts: [new URL(redirectUri).host],
      blocked: false,
    });
  } finally {
    await agent.close();
  }
});

test('a document is cached as its Cache-Control allows, and refetched when it says no-store', async () => {
  await authorizeAs(`${docs}/client.json`);
  const before = fetches;
  await authorizeAs(`${docs}/client.json`);
  expect(fetches).toBe(before); // max-age=60
  await authorizeAs(`${docs}/uncached.json`);
  await authorizeAs(`${docs}/uncached.json`);
  expect(fetches).toBe(before + 2); // no-store
});

test.each([
  ['whose client_id is not its URL', '/wrong-id.json'],
  ['that is too big', '/big.json'],
  ['that is not JSON', '/invalid.json'],
  ['that carries a client secret', '/secret.json'],
  ['that lists no redirect URI', '/no-redirects.json'],
  ['that redirects', '/redirect.json'],
  ['that is not there', '/missing.json'],
])('a document %s ends at a 4xx page, never consent or a redirect', async (_name, path) => {
  const { status, location, html } = await authorizeAs(`${docs}${path}`);
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(location).toBeNull();
  expect(html).not.toContain('name="decision"');
});

test('a document that never answers ends at a 4xx page within the time limit', async () => {
  const started = Date.now();
  const { status, location } = await authorizeAs(`${docs}/slow.json`);
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(location).toBeNull();
  expect(Date.now() - started).toBeLessThan(4500);
});

test('a redirect_uri the document does not list ends at a 4xx page, not at the redirect', async () => {
  const { status, location, html } = await authorizeAs(
    `${docs}/client.json`,
    server.issuer,
    'http://127.0.0.1:1/evil',
  );
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(location).toBeNull();
  expect(html).not.toContain('name="decision"');
});

test('at the token endpoint a hostile document is an RFC-shaped 4xx, never a 5xx', async () => {
  for (const path of ['/wrong-id.json', '/invalid.json', '/big.json']) {
    const response = await fetch(`${server.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'x'.repeat(43),
        client_id: `${docs}${path}`,
        code_verifier: 'y'.repeat(43),
        redirect_uri: redirectUri,
      }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(((await response.json()) as { error: string }).error).toMatch(/^invalid_/);
  }
});

describe('in production', () => {
  test('no plain http, and no private or loopback address — checked on the resolved address too', async () => {
    const app = express();
    const http = createServer(app).listen(0, '127.0.0.1');
    await once(http, 'listening');
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const kit = await mountOAuth(app, {
      issuer,
      production: true,
      dangerouslyAllowHttpLocalhost: true,
      secrets: server.kit.options.secrets,
      scopes: [{ name: 'tasks:read', description: 'Read tasks' }],
      accounts: { authenticate: async () => undefined, find: async () => undefined },
      logger: false,
      clientMetadataDocuments: true,
    });
    try {
      const port = (documents.address() as AddressInfo).port;
      const before = fetches;
      for (const clientId of [
        `${docs}/client.json`, // http
        `https://127.0.0.1:${port}/client.json`, // a loopback address
        `https://localhost:${port}/client.json`, // a name that resolves to one
        `https://[::1]:${port}/client.json`,
        `https://169.254.169.254/latest/meta-data.json`, // link-local (cloud metadata)
      ]) {
        const { status, location, html } = await authorizeAs(clientId, issuer, redirectUri);
        expect([clientId, status]).toEqual([clientId, expect.any(Number)]);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(location).toBeNull();
        expect(html).not.toContain('name="decision"');
      }
      expect(fetches).toBe(before); // nothing reached the document server
    } finally {
      await kit.close();
      http.close();
    }
  });
});
