/**
 * The served discovery metadata promises nothing the kit does not do: every member it
 * advertises has a check here that uses it — each endpoint called at its advertised URL, each
 * mode, method, grant type, scope and algorithm exercised. A member with no check fails the
 * test, so a new capability is advertised only together with its proof.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import * as oauth from 'oauth4webapi';
import { SCOPES, TEST_CLIENT, TEST_PUBLIC_CLIENT } from '../../example-app/app.js';
import { BrowserAgent } from '../helpers/browser-agent.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { walkAuthorization } from '../helpers/oauth-client.js';

type Metadata = Record<string, unknown>;

let server: RunningExample;
let redirectUri: string;
let metadata: Metadata;

beforeAll(async () => {
  server = await startExampleApp();
  redirectUri = `http://localhost:${server.port}/callback`;
  metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Metadata;
});
afterAll(async () => {
  await server.close();
});

const url = (member: string) => metadata[member] as string;
const list = (member: string) => metadata[member] as string[];
const basicAuth = `Basic ${Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64')}`;

/** Client authentication as each advertised method sends it. */
function authenticated(method: string, params: Record<string, string>) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(params);
  if (method === 'client_secret_basic') headers.authorization = basicAuth;
  else if (method === 'client_secret_post') {
    body.set('client_id', TEST_CLIENT.clientId);
    body.set('client_secret', TEST_CLIENT.clientSecret);
  } else if (method === 'none') body.set('client_id', TEST_PUBLIC_CLIENT.clientId);
  else throw new Error(`no way to send client authentication method ${method}`);
  return { headers, body };
}

async function postForm(endpoint: string, method: string, params: Record<string, string>) {
  const response = await fetch(endpoint, { method: 'POST', ...authenticated(method, params) });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** A code flow at the advertised endpoints; the client authenticates with `method`. */
async function codeFlow(scope: string, method = 'client_secret_basic', extra: Record<string, string> = {}) {
  const clientId = method === 'none' ? TEST_PUBLIC_CLIENT.clientId : TEST_CLIENT.clientId;
  const verifier = oauth.generateRandomCodeVerifier();
  const authorization = new URL(url('authorization_endpoint'));
  authorization.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state: 'st',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const callback = await walkAuthorization(new BrowserAgent(server.issuer), authorization.href);
  const tokens = await postForm(url('token_endpoint'), method, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return { callback, tokens: tokens.json as Record<string, string> };
}

/** A code flow whose token request carries a DPoP proof (the token endpoint binds the token). */
async function codeFlowWithDpop(dpop: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const authorization = new URL(url('authorization_endpoint'));
  authorization.search = new URLSearchParams({
    client_id: TEST_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid tasks:read',
    state: 'st',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const callback = await walkAuthorization(new BrowserAgent(server.issuer), authorization.href);
  const { headers, body } = authenticated('client_secret_basic', {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  const response = await fetch(url('token_endpoint'), {
    method: 'POST',
    headers: { ...headers, dpop },
    body,
  });
  expect(response.status).toBe(200);
  return { callback, tokens: (await response.json()) as Record<string, string> };
}

/** One check per metadata member; each must use what the member promises. */
const CHECKS: Record<string, () => Promise<void>> = {
  async issuer() {
    expect(metadata.issuer).toBe(server.issuer);
    const { callback } = await codeFlow('tasks:read');
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
  },
  async authorization_response_iss_parameter_supported() {
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    const { callback } = await codeFlow('tasks:read');
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
  },
  async authorization_endpoint() {
    const { tokens } = await codeFlow('tasks:read');
    expect(tokens.access_token).toEqual(expect.any(String));
  },
  async token_endpoint() {
    const answer = await postForm(url('token_endpoint'), 'client_secret_basic', {
      grant_type: 'client_credentials',
      scope: 'tasks:read',
    });
    expect(answer.status).toBe(200);
  },
  async dpop_signing_alg_values_supported() {
    // Each advertised proof algorithm: a key-bound token at the token endpoint, then accepted
    // with its proof by requireScope, token info and userinfo (RFC 9449 §5, §7.1).
    for (const alg of list('dpop_signing_alg_values_supported')) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const proof = (htm: string, htu: string, token?: string) =>
        new SignJWT({
          htm,
          htu,
          iat: Math.floor(Date.now() / 1000),
          jti: randomUUID(),
          ...(token ? { ath: createHash('sha256').update(token).digest('base64url') } : {}),
        })
          .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
          .sign(privateKey);
      const { tokens } = await codeFlowWithDpop(await proof('POST', url('token_endpoint')));
      expect([alg, tokens.token_type]).toEqual([alg, 'DPoP']);
      expect(decodeJwt(tokens.access_token!).cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk) });
      for (const target of [
        `${server.issuer}/v1/tasks`,
        `${server.issuer}/v1/oauth/token/info`,
        url('userinfo_endpoint'),
      ]) {
        const response = await fetch(target, {
          headers: {
            authorization: `DPoP ${tokens.access_token}`,
            dpop: await proof('GET', target, tokens.access_token),
          },
        });
        expect([alg, target, response.status]).toEqual([alg, target, 200]);
      }
    }
  },
  async jwks_uri() {
    const { tokens } = await codeFlow('tasks:read');
    const keys = createRemoteJWKSet(new URL(url('jwks_uri')));
    const { payload } = await jwtVerify(tokens.access_token!, keys, { issuer: server.issuer });
    expect(payload.sub).toBe('user_123');
  },
  async userinfo_endpoint() {
    const { tokens } = await codeFlow('openid profile');
    const response = await fetch(url('userinfo_endpoint'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'user_123', name: 'Demo User' });
  },
  async revocation_endpoint() {
    const { tokens } = await codeFlow('tasks:read');
    const revoked = await postForm(url('revocation_endpoint'), 'client_secret_basic', {
      token: tokens.refresh_token!,
    });
    expect(revoked).toEqual({ status: 200, json: {} });
    const reuse = await postForm(url('token_endpoint'), 'client_secret_basic', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
    });
    expect(reuse.json.error).toBe('invalid_grant');
  },
  async introspection_endpoint() {
    const { tokens } = await codeFlow('tasks:read');
    const answer = await postForm(url('introspection_endpoint'), 'client_secret_basic', {
      token: tokens.refresh_token!,
    });
    expect(answer.json).toMatchObject({ active: true, client_id: TEST_CLIENT.clientId });
  },
  async pushed_authorization_request_endpoint() {
    const pushed = await postForm(url('pushed_authorization_request_endpoint'), 'client_secret_basic', {
      client_id: TEST_CLIENT.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tasks:read',
    });
    expect(pushed.status).toBe(201);
    const authorization = new URL(url('authorization_endpoint'));
    authorization.search = new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      request_uri: pushed.json.request_uri as string,
    }).toString();
    const callback = await walkAuthorization(new BrowserAgent(server.issuer), authorization.href);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  },
  async end_session_endpoint() {
    const response = await fetch(url('end_session_endpoint'));
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<form/);
  },
  async registration_endpoint() {
    const response = await fetch(url('registration_endpoint'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Metadata check',
        redirect_uris: ['http://localhost:1234/cb'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as Metadata).client_id).toEqual(expect.any(String));
  },
  async service_documentation() {
    const response = await fetch(url('service_documentation'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('tasks:read');
  },
  async response_types_supported() {
    for (const type of list('response_types_supported')) {
      expect(type).toBe('code');
      const { tokens } = await codeFlow('tasks:read', 'client_secret_basic', { response_type: type });
      expect(tokens.access_token).toEqual(expect.any(String));
    }
  },
  async response_modes_supported() {
    for (const mode of list('response_modes_supported')) {
      // Each advertised mode delivers the response the way it says.
      expect(mode).toBe('query');
      const { callback } = await codeFlow('tasks:read', 'client_secret_basic', { response_mode: mode });
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    }
  },
  async code_challenge_methods_supported() {
    expect(list('code_challenge_methods_supported')).toEqual(['S256']);
    await codeFlow('tasks:read', 'none'); // S256 is what codeFlow sends
  },
  async grant_types_supported() {
    for (const grant of list('grant_types_supported')) {
      if (grant === 'authorization_code') {
        await codeFlow('tasks:read');
      } else if (grant === 'refresh_token') {
        const { tokens } = await codeFlow('tasks:read');
        const refreshed = await postForm(url('token_endpoint'), 'client_secret_basic', {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        });
        expect(refreshed.status).toBe(200);
      } else if (grant === 'client_credentials') {
        await CHECKS.token_endpoint!();
      } else {
        throw new Error(`grant type ${grant} is advertised but has no check`);
      }
    }
  },
  async token_endpoint_auth_methods_supported() {
    for (const method of list('token_endpoint_auth_methods_supported')) {
      const { tokens } = await codeFlow('tasks:read', method);
      expect(tokens.access_token).toEqual(expect.any(String));
    }
  },
  async revocation_endpoint_auth_methods_supported() {
    for (const method of list('revocation_endpoint_auth_methods_supported')) {
      const { tokens } = await codeFlow('tasks:read', method);
      const revoked = await postForm(url('revocation_endpoint'), method, { token: tokens.refresh_token! });
      expect([method, revoked.status]).toEqual([method, 200]);
      const reuse = await postForm(url('token_endpoint'), method, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
      });
      expect([method, reuse.json.error]).toEqual([method, 'invalid_grant']);
    }
  },
  async introspection_endpoint_auth_methods_supported() {
    for (const method of list('introspection_endpoint_auth_methods_supported')) {
      const { tokens } = await codeFlow('tasks:read', method);
      const answer = await postForm(url('introspection_endpoint'), method, { token: tokens.refresh_token! });
      expect([method, answer.json.active]).toEqual([method, true]);
    }
  },
  async id_token_signing_alg_values_supported() {
    const { tokens } = await codeFlow('openid');
    const { alg } = decodeProtectedHeader(tokens.id_token!);
    expect(list('id_token_signing_alg_values_supported')).toEqual([alg]);
    const keys = createRemoteJWKSet(new URL(url('jwks_uri')));
    await jwtVerify(tokens.id_token!, keys, { issuer: server.issuer, audience: TEST_CLIENT.clientId });
  },
  async subject_types_supported() {
    expect(list('subject_types_supported')).toEqual(['public']);
    const { tokens } = await codeFlow('openid');
    // public: the same sub for every client, in the ID token and the access token.
    expect(decodeJwt(tokens.id_token!).sub).toBe('user_123');
    expect(decodeJwt(tokens.access_token!).sub).toBe('user_123');
  },
  async scopes_supported() {
    const oidc = new Set(['openid', 'profile', 'email', 'offline_access']);
    const restricted = new Set(SCOPES.filter((s) => s.restricted).map((s) => s.name));
    for (const scope of list('scopes_supported')) {
      if (oidc.has(scope)) {
        const { tokens } = await codeFlow(`openid ${scope}`, 'none');
        expect([scope, tokens.scope!.split(' ')]).toEqual([scope, expect.arrayContaining([scope])]);
      } else if (restricted.has(scope)) {
        // Granted only once an administrator approved it (test/integration/registry.test.ts);
        // unapproved, it is refused, not silently dropped.
        const refused = await postForm(url('token_endpoint'), 'client_secret_basic', {
          grant_type: 'client_credentials',
          scope,
        });
        expect([scope, refused.json.error]).toEqual([scope, 'invalid_scope']);
      } else {
        const granted = await postForm(url('token_endpoint'), 'client_secret_basic', {
          grant_type: 'client_credentials',
          scope,
        });
        expect([scope, granted.json.scope]).toEqual([scope, scope]);
      }
    }
  },
  async claims_supported() {
    const { tokens } = await codeFlow('openid profile email');
    const info = (await (
      await fetch(url('userinfo_endpoint'), { headers: { authorization: `Bearer ${tokens.access_token}` } })
    ).json()) as Metadata;
    const supported = new Set(list('claims_supported'));
    for (const claim of Object.keys(info)) expect([claim, supported.has(claim)]).toEqual([claim, true]);
    for (const claim of Object.keys(decodeJwt(tokens.id_token!))) {
      if (['aud', 'exp', 'iat', 'at_hash', 'nonce'].includes(claim)) continue;
      expect([claim, supported.has(claim)]).toEqual([claim, true]);
    }
  },
  async claim_types_supported() {
    // Normal claims: plain JSON at userinfo, no aggregated or distributed ones.
    expect(list('claim_types_supported')).toEqual(['normal']);
    await CHECKS.userinfo_endpoint!();
  },
  async client_id_metadata_document_supported() {
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    // A client known only by the URL of its metadata document completes a code flow.
    const callbackUri = `http://127.0.0.1:${server.port}/callback`;
    const documents = createServer((req, res) => {
      const clientId = `http://127.0.0.1:${(documents.address() as AddressInfo).port}${req.url}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          client_id: clientId,
          client_name: 'Metadata document client',
          redirect_uris: [callbackUri],
          token_endpoint_auth_method: 'none',
        }),
      );
    }).listen(0, '127.0.0.1');
    try {
      await once(documents, 'listening');
      const clientId = `http://127.0.0.1:${(documents.address() as AddressInfo).port}/client.json`;
      const verifier = oauth.generateRandomCodeVerifier();
      const authorization = new URL(url('authorization_endpoint'));
      authorization.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: callbackUri,
        response_type: 'code',
        scope: 'tasks:read',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();
      const callback = await walkAuthorization(new BrowserAgent(server.issuer), authorization.href);
      const tokens = await fetch(url('token_endpoint'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code: callback.searchParams.get('code')!,
          redirect_uri: callbackUri,
          code_verifier: verifier,
        }),
      });
      expect(tokens.status).toBe(200);
    } finally {
      documents.closeAllConnections();
      documents.close();
    }
  },
  // Promises of absence: the request parameters these name are refused, as stated.
  async claims_parameter_supported() {
    expect(metadata.claims_parameter_supported).toBe(false);
  },
  async request_uri_parameter_supported() {
    expect(metadata.request_uri_parameter_supported).toBe(false);
    const authorization = new URL(url('authorization_endpoint'));
    authorization.search = new URLSearchParams({
      client_id: TEST_CLIENT.clientId,
      request_uri: 'https://attacker.example/request.jwt',
    }).toString();
    const response = await new BrowserAgent(server.issuer).request(authorization.href);
    expect(response.status).toBeGreaterThanOrEqual(300);
    const location = response.headers.get('location');
    if (location) expect(new URL(location).searchParams.get('code')).toBeNull();
  },
};

test('both discovery documents serve the same metadata', async () => {
  const oauthMetadata = await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json();
  expect(oauthMetadata).toEqual(metadata);
});

test('every advertised member has a check (nothing is promised untested)', () => {
  const unchecked = Object.keys(metadata).filter((member) => !(member in CHECKS));
  expect(unchecked).toEqual([]);
});

test.each(Object.keys(CHECKS))('%s: what it advertises works', async (member) => {
  if (!(member in metadata)) return; // not advertised: nothing promised
  await CHECKS[member]!();
});
