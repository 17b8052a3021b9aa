/**
 * Entry: @node-oauth/oauth2-server (a peer users pick instead), client_credentials on Express
 * with an in-memory model: opaque tokens kept in a Map (it has no signed tokens; it must store
 * them to validate them later). Same client, scopes and lifetime as the kit. Env: PORT.
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import OAuth2Server, {
  Request,
  Response,
  type ClientCredentialsModel,
  type Token,
} from '@node-oauth/oauth2-server';
import { SCOPES, TEST_CLIENT } from '../../example-app/app.js';
import { listen } from './listen.js';

const port = Number(process.env.PORT);
const allowed = new Set(SCOPES.filter((s) => !s.restricted).map((s) => s.name));
const client = { id: TEST_CLIENT.clientId, grants: ['client_credentials'] };
const secret = Buffer.from(TEST_CLIENT.clientSecret);
const tokens = new Map<string, Token>();

const model: ClientCredentialsModel = {
  async getClient(clientId, clientSecret) {
    // Constant-time, as oidc-provider compares client secrets.
    const given = Buffer.from(clientSecret ?? '');
    const ok = clientId === client.id && given.length === secret.length && timingSafeEqual(given, secret);
    return ok ? client : false;
  },
  async getUserFromClient() {
    return { id: client.id };
  },
  async validateScope(_user, _client, scope) {
    return scope && scope.every((s) => allowed.has(s)) ? scope : false;
  },
  async saveToken(token, savedClient, user) {
    const saved = { ...token, client: savedClient, user };
    tokens.set(token.accessToken, saved);
    return saved;
  },
  async getAccessToken(accessToken) {
    return tokens.get(accessToken) ?? false;
  },
};

const oauth = new OAuth2Server({ model, accessTokenLifetime: 3600 });
const app = express();
app.disable('x-powered-by');
app.post('/oauth/token', express.urlencoded({ extended: false }), async (req, res) => {
  const response = new Response(res);
  try {
    await oauth.token(new Request(req), response);
  } catch {
    // The library has already put the error's status and body on `response`.
  }
  res
    .status(response.status ?? 500)
    .set(response.headers ?? {})
    .json(response.body);
});
await listen(app, port);
