import express from 'express';
import { createExampleApp, SCOPES, TEST_CLIENT } from '../../example-app/app.js';
import { mountOAuth } from '../../lib/index.js';
import { listen } from '../servers/listen.js';
const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const mode = process.env.MODE!;
if (mode === 'example') {
  const { app } = await createExampleApp({ port, issuer, devSecretsFile: process.env.DEV_SECRETS_FILE! });
  await listen(app, port);
} else if (mode === 'callback') {
  const { kit } = await createExampleApp({ port, issuer, devSecretsFile: process.env.DEV_SECRETS_FILE! });
  await listen(kit.provider.callback(), port);
} else if (mode === 'mount') {
  const app = express();
  await mountOAuth(app, {
    issuer,
    scopes: SCOPES,
    devSecretsFile: process.env.DEV_SECRETS_FILE!,
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    clients: [{ ...TEST_CLIENT, redirectUris: [`${issuer}/callback`], testMode: true }],
  });
  await listen(app, port);
}
