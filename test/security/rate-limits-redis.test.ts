/**
 * Rate limits on Redis: two app processes (here two servers) share one budget. The test starts
 * its own redis-server on a free port and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp } from '../helpers/example-server.js';
import { tokenRequest } from '../helpers/oauth-client.js';

let redisServer: ChildProcess;
let redis: Redis;

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  // ioredis queues the ping and retries until the server is up.
  redis = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => (n < 60 ? 50 : null) });
  await redis.ping();
});

afterAll(async () => {
  redis.disconnect();
  redisServer.kill();
  await once(redisServer, 'exit');
});

test('two processes on one Redis share one budget per client', async () => {
  const rateLimits = {
    store: { redis, keyPrefix: `test:${Date.now()}` },
    token: { perClient: { points: 3, durationSeconds: 60 } },
  };
  const a = await startExampleApp({ security: { rateLimits } });
  const b = await startExampleApp({ security: { rateLimits } });
  try {
    const issue = (issuer: string) =>
      tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'tasks:read' }, TEST_CLIENT);
    const statuses = [];
    for (const server of [a, b, a, b]) statuses.push((await issue(server.issuer)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await redis.keys(`${rateLimits.store.keyPrefix}:token.perClient*`)).toHaveLength(1);
  } finally {
    await a.close();
    await b.close();
  }
});
