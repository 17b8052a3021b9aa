/** `npm start`: runs the example product. Reads its settings from the environment. */
import { createExampleApp } from './app.js';
import { securityFromEnv } from './security-env.js';

const port = Number(process.env.PORT ?? 3000);
const { app } = await createExampleApp({
  port,
  ...(process.env.ISSUER ? { issuer: process.env.ISSUER } : {}),
  production: process.env.NODE_ENV === 'production',
  ...(process.env.SESSION_SECRET ? { sessionSecret: process.env.SESSION_SECRET } : {}),
  trustProxy: process.env.TRUST_PROXY === '1',
  security: await securityFromEnv(process.env),
});

app.listen(port, () => {
  console.log(`TaskFlow example app with oauth-kit: http://localhost:${port}`);
  console.log('Demo user: demo@example.com / demo-password (development only)');
});
