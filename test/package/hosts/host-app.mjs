// A host project's server, as a user would write it against the installed package. Prints
// {"token":200,"api":200} when a client registered in code gets a token and calls a protected route.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import express from 'express';
import session from 'express-session';
import { mountOAuth, oauthErrorHandler, requireScope } from 'express-oauth-kit';

const app = express();
app.use(session({ secret: 'host-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }));
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const issuer = `http://localhost:${server.address().port}`;
const kit = await mountOAuth(app, {
  issuer,
  logger: false,
  devSecretsFile: 'dev/secrets.json',
  scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
  accounts: { authenticate: async () => undefined, find: async (id) => ({ id }) },
  clients: [
    { clientId: 'host_client', clientSecret: 'host-client-secret-0123', redirectUris: [`${issuer}/cb`] },
  ],
});
app.get('/v1/tasks', requireScope('tasks:read'), (req, res) => res.json({ sub: req.auth.sub }));
app.use(oauthErrorHandler());

const tokenResponse = await fetch(`${issuer}/oauth/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('host_client:host-client-secret-0123').toString('base64')}`,
  },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'tasks:read' }),
});
const { access_token } = await tokenResponse.json();
const api = await fetch(`${issuer}/v1/tasks`, { headers: { authorization: `Bearer ${access_token}` } });
const expressVersion = JSON.parse(readFileSync('node_modules/express/package.json', 'utf8')).version;
console.log(JSON.stringify({ token: tokenResponse.status, api: api.status, express: expressVersion }));
await kit.close();
server.closeAllConnections();
server.close();
