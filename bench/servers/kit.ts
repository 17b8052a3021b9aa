/**
 * Entry: the example app (TaskFlow with oauth-kit) as the bench runs it.
 *
 * Env: PORT; ISSUER (default http://127.0.0.1:PORT); DEV_SECRETS_FILE and SESSION_SECRET (the
 * runner writes them once so every worker signs with the same keys); REDIS_URL (Redis store,
 * else memory); WORKERS (node:cluster workers sharing the port; needs REDIS_URL);
 * STANDALONE_PORT (memory store only: also serve scenario 3's standalone API from this process,
 * the only place that can share a memory store); FAST_PATH=1 (serve `kit.fastPath(app)`: the
 * machine endpoints answered before Express; else everything goes through the app's stack).
 * RATE_LIMITS=relaxed is set by the runner and read by the example app.
 *
 * Beside the example app's own routes it adds, at one position in the stack, the same route
 * three ways — unprotected, requireScope, express-oauth2-jwt-bearer — so their ratios measure
 * the protection and nothing else.
 */
import cluster from 'node:cluster';
import { createExampleApp } from '../../example-app/app.js';
import { securityFromEnv } from '../../example-app/security-env.js';
import { oauthErrorHandler, requireScope } from '../../lib/index.js';
import { storeFromEnv } from '../lib/store.js';
import { buildResourceApi } from './api-app.js';
import { listen } from './listen.js';
import { jwtBearerRoute, peerErrorHandler, tasksHandler } from './routes.js';

const port = Number(process.env.PORT);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;
const workers = Number(process.env.WORKERS ?? 1);

async function serve(): Promise<void> {
  const store = storeFromEnv();
  const { app, kit } = await createExampleApp({
    port,
    issuer,
    ...(process.env.DEV_SECRETS_FILE ? { devSecretsFile: process.env.DEV_SECRETS_FILE } : {}),
    ...(process.env.SESSION_SECRET ? { sessionSecret: process.env.SESSION_SECRET } : {}),
    ...(store ? { store } : {}),
    // RATE_LIMITS=relaxed (the limiter stays in the path) and LOG_LEVEL, as `npm start` reads them.
    security: await securityFromEnv(process.env),
  });
  app.get('/bench/tasks-open', tasksHandler);
  app.get('/bench/tasks', requireScope('tasks:read'), tasksHandler);
  app.get('/bench/tasks-jwt-bearer', ...jwtBearerRoute(issuer));
  app.use(oauthErrorHandler(), peerErrorHandler);
  // FAST_PATH=1: the host's choice to answer the machine endpoints before its Express stack.
  await listen(process.env.FAST_PATH === '1' ? kit.fastPath(app) : app, port);

  const standalonePort = Number(process.env.STANDALONE_PORT ?? 0);
  if (standalonePort) {
    const api = await buildResourceApi('standalone', { issuer, store: kit.options.store });
    await listen(api, standalonePort, 'READY-STANDALONE');
  }
}

if (workers > 1 && cluster.isPrimary) {
  if (!process.env.REDIS_URL) throw new Error('WORKERS > 1 needs REDIS_URL: a memory store is per process');
  // Workers' output goes to stderr: only the primary's READY line means "all listening".
  cluster.setupPrimary({ silent: true });
  let ready = 0;
  for (let i = 0; i < workers; i += 1) {
    const worker = cluster.fork();
    worker.process.stdout?.pipe(process.stderr);
    worker.process.stderr?.pipe(process.stderr);
    worker.on('listening', () => {
      ready += 1;
      if (ready === workers) process.stdout.write(`READY ${port}\n`);
    });
  }
  cluster.on('exit', (_worker, code) => {
    if (code !== 0) process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      process.exit(0);
    });
  }
} else {
  await serve();
}
