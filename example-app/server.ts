/** `npm start`: runs the example product. Reads its settings from the environment. */
import { Redis } from 'ioredis';
import { createRedisStore } from '../lib/index.js';
import { createExampleApp } from './app.js';
import { securityFromEnv } from './security-env.js';

const port = Number(process.env.PORT ?? 3000);
// REDIS_URL (e.g. redis://localhost:6379/0): keep all OAuth state in Redis, so several
// processes behave as one server. Reconnect within a second so an outage ends quickly.
function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    retryStrategy: (times) => Math.min(100 * times, 1000),
    maxRetriesPerRequest: 1,
  });
  // One line per outage (the kit answers 503 meanwhile), not one per reconnect attempt.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) console.warn(`Redis unavailable: ${error.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) console.warn('Redis is back');
    down = false;
  });
  return redis;
}
const redis = process.env.REDIS_URL ? connectRedis(process.env.REDIS_URL) : undefined;
const store = redis
  ? createRedisStore({
      client: redis,
      ...(process.env.REDIS_PREFIX ? { prefix: process.env.REDIS_PREFIX } : {}),
    })
  : undefined;
const security = await securityFromEnv(process.env);
// Alerts (refresh-token reuse, bursts of failed client authentications) go to the operator's log.
security.onAlert = (alert) => console.warn(`ALERT ${JSON.stringify(alert)}`);
// On Redis, every process shares the rate-limit counters too.
if (redis) security.rateLimits = { ...security.rateLimits, store: { redis } };
const { app } = await createExampleApp({
  port,
  ...(process.env.ISSUER ? { issuer: process.env.ISSUER } : {}),
  production: process.env.NODE_ENV === 'production',
  ...(process.env.SESSION_SECRET ? { sessionSecret: process.env.SESSION_SECRET } : {}),
  trustProxy: process.env.TRUST_PROXY === '1',
  ...(store ? { store } : {}),
  ...(process.env.DEV_SECRETS_FILE ? { devSecretsFile: process.env.DEV_SECRETS_FILE } : {}),
  security,
});

app.listen(port, () => {
  console.log(
    `TaskFlow example app with oauth-kit: http://localhost:${port} (${store ? 'Redis' : 'in-memory'} store)`,
  );
  console.log('Demo user: demo@example.com / demo-password (development only)');
});
