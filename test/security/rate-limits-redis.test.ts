/**
 * Rate limits on Redis: two app processes (here two servers) share one budget, and while Redis
 * is down or frozen each process goes on limiting on its own counters.
 */
import type { Redis } from 'ioredis';
import { TEST_CLIENT } from '../../example-app/app.js';
import { createRateLimiters } from '../../lib/rate-limits/rate-limits.js';
import { resolveRateLimits } from '../../lib/rate-limits/validate-rate-limits.js';
import { startExampleApp, type RunningExample } from '../helpers/example-server.js';
import { tokenRequest } from '../helpers/oauth-client.js';
import { RedisServer } from '../helpers/redis-server.js';

let redisServer: RedisServer;
let redis: Redis;

beforeAll(async () => {
  redisServer = await RedisServer.start();
  redis = redisServer.client();
  // Until the connection is ready each process limits on its own counters (by design): the
  // budget is shared from then on.
  await redis.ping();
});

afterAll(async () => {
  redis?.disconnect();
  await redisServer?.dispose();
});

const issue = async (server: RunningExample) =>
  (await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'tasks:read' }, TEST_CLIENT))
    .status;

async function twoServers(keyPrefix: string) {
  const rateLimits = {
    store: { redis, keyPrefix },
    token: { perClient: { points: 3, durationSeconds: 60 } },
  };
  return [
    await startExampleApp({ security: { rateLimits } }),
    await startExampleApp({ security: { rateLimits } }),
  ];
}

test('two processes on one Redis share one budget per client', async () => {
  const [a, b] = await twoServers('test:shared');
  try {
    const statuses = [];
    for (const server of [a!, b!, a!, b!]) statuses.push(await issue(server));
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await redis.keys('test:shared:token.perClient*')).toHaveLength(1);
  } finally {
    await a!.close();
    await b!.close();
  }
});

test('a pause of this process during a limiter call is not a stalled Redis: the shared budget still holds', async () => {
  const own = redisServer.client();
  await own.ping();
  const config = resolveRateLimits({
    store: { redis: own, keyPrefix: 'test:paused', commandTimeoutMs: 200 },
    token: { perClient: { points: 3, durationSeconds: 60 } },
  });
  const storeErrors: unknown[] = [];
  const [a, b] = [0, 1].map(() => createRateLimiters(config, (error) => storeErrors.push(error)));
  try {
    const verdicts = [];
    for (const limiters of [a!, b!, a!, b!]) {
      const pending = limiters.consume('token.perClient', TEST_CLIENT.clientId);
      // Busy past the bound while Redis answers, as in a long GC or on a starved CPU.
      const until = performance.now() + 500;
      while (performance.now() < until);
      verdicts.push(await pending);
    }
    // undefined = allowed; the fourth gets the seconds to wait from the shared counter.
    expect(verdicts).toEqual([undefined, undefined, undefined, expect.any(Number)]);
    expect(storeErrors).toEqual([]);
  } finally {
    own.disconnect();
  }
});

test('while Redis is down, each process keeps limiting on its own counters', async () => {
  const [a, b] = await twoServers('test:outage');
  try {
    await redisServer.kill();
    const statuses = [];
    for (const server of [a!, a!, a!, a!, b!]) statuses.push(await issue(server));
    expect(statuses).toEqual([200, 200, 200, 429, 200]);
  } finally {
    await a!.close();
    await b!.close();
    await redisServer.launch();
  }
});

test('while Redis is frozen, each request waits at most the bound once, and limiting goes on on this process', async () => {
  const rateLimits = {
    store: { redis, keyPrefix: 'test:frozen', commandTimeoutMs: 300 },
    token: { perClient: { points: 3, durationSeconds: 60 } },
  };
  const server = await startExampleApp({ security: { rateLimits } });
  // Connected (the test before restarted Redis), so a call reaches Redis and meets the freeze.
  for (let i = 0; i < 100 && redis.status !== 'ready'; i += 1) await new Promise((r) => setTimeout(r, 20));
  await redis.ping();
  redisServer.pause();
  try {
    const timed: Array<[number, number]> = [];
    for (let i = 0; i < 4; i += 1) {
      const started = performance.now();
      timed.push([await issue(server), performance.now() - started]);
    }
    expect(timed.map(([status]) => status)).toEqual([200, 200, 200, 429]);
    // The first request met the stall and waited one bound (plus slack for a busy machine); the
    // others went to this process's counters (test/integration/redis-faults.test.ts counts the
    // commands a stall lets through).
    expect(timed[0]![1]).toBeGreaterThanOrEqual(300);
    for (const [, ms] of timed) expect(ms).toBeLessThan(300 + 1500);
  } finally {
    redisServer.resume();
    await server.close();
  }
});
