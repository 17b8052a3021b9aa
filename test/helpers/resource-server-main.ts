/**
 * A standalone resource server process for cross-process tests (started by
 * startResourceServerProcess): ISSUER, REDIS_URL and PORT come from the environment.
 */
import express from 'express';
import { Redis } from 'ioredis';
import { createRedisStore, mountResourceServer, oauthErrorHandler, requireScope } from '../../lib/index.js';
import { FAST_RETRY } from './redis-server.js';

const redis = new Redis(process.env.REDIS_URL!, { retryStrategy: FAST_RETRY, maxRetriesPerRequest: 1 });
const store = createRedisStore({ client: redis });
const app = express();
const rs = await mountResourceServer(app, { issuer: process.env.ISSUER!, store });
app.get('/ready', (_req, res) => void res.send('ok'));
app.get('/reports', requireScope('tasks:read'), (req, res) => {
  res.json({ sub: req.auth!.sub, client_id: req.auth!.clientId });
});
app.use(oauthErrorHandler());
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  rs.close();
  server.close();
  server.closeAllConnections();
  void store.close().finally(() => redis.disconnect());
});
