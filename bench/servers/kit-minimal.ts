/**
 * Entry: the kit mounted in an otherwise empty Express app (no helmet, no session, no host
 * routes), beside bare oidc-provider: the difference between the two is what the kit itself
 * adds to the token endpoint (catalog checks, rate limits, events). Env: PORT,
 * DEV_SECRETS_FILE, RATE_LIMITS, LOG_LEVEL, FAST_PATH=1 (serve `kit.fastPath(app)`).
 */
import express from 'express';
import { SCOPES, TEST_CLIENT } from '../../example-app/app.js';
import { mountOAuth } from '../../lib/index.js';
import { securityFromEnv } from '../../example-app/security-env.js';
import { listen } from './listen.js';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const app = express();
app.disable('x-powered-by');
const kit = await mountOAuth(app, {
  issuer,
  scopes: SCOPES,
  ...(process.env.DEV_SECRETS_FILE ? { devSecretsFile: process.env.DEV_SECRETS_FILE } : {}),
  // Token requests never reach these: client_credentials has no user.
  accounts: { authenticate: async () => undefined, find: async () => undefined },
  clients: [{ ...TEST_CLIENT, redirectUris: [`${issuer}/callback`], testMode: true }],
  // The same RATE_LIMITS=relaxed and LOG_LEVEL handling as the example app: limits stay in the path.
  ...(await securityFromEnv(process.env)),
});
await listen(process.env.FAST_PATH === '1' ? kit.fastPath(app) : app, port);
