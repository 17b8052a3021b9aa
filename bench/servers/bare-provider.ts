/**
 * Entry: bare oidc-provider, the floor the kit adds cost to. Same token settings as the kit:
 * client_credentials, resource indicators, JWT access tokens signed ES256 for `${issuer}/api`,
 * oidc-provider's own in-memory adapter, no Express around it (WRAP=express: inside an empty
 * Express app). Env: PORT, WRAP.
 */
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { SCOPES, TEST_CLIENT } from '../../example-app/app.js';
import { listen } from './listen.js';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const audience = `${issuer}/api`;
const scopes = SCOPES.filter((s) => !s.restricted).map((s) => s.name);

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'bench' };

const configuration: Configuration = {
  clients: [
    {
      client_id: TEST_CLIENT.clientId,
      client_secret: TEST_CLIENT.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // The only key is ES256 (oidc-provider's default would need an RS256 key).
      id_token_signed_response_alg: 'ES256',
      scope: scopes.join(' '),
    },
  ],
  jwks: { keys: [signingKey as NonNullable<Configuration['jwks']>['keys'][number]] },
  scopes: ['openid', 'offline_access', ...scopes],
  routes: { token: '/oauth/token' },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _resource, client) => ({
        scope: client.scope ?? '',
        audience,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
};

const provider = new Provider(issuer, configuration);
if (process.env.WRAP === 'express') {
  // The same provider as one middleware of an otherwise empty Express app: what hosting any
  // Koa-based provider inside Express costs, before anything the kit adds.
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  const callback = provider.callback();
  app.use((req, res) => callback(req, res));
  await listen(app, port);
} else await listen(provider.callback(), port);
