/**
 * Resource servers for tests that watch a token stop working: a standalone one in this process
 * (`mountResourceServer` on a real port, `GET /reports` needs tasks:read, the same route as
 * resource-server-main.ts in another process), the example app with such servers on either
 * store, and a poll of several servers until they agree.
 */
import express from 'express';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryStore,
  createRedisStore,
  mountResourceServer,
  oauthErrorHandler,
  requireScope,
  type OAuthStore,
} from '../../lib/index.js';
import { startExampleProcess, startResourceServerProcess } from './example-process.js';
import { startExampleApp } from './example-server.js';
import { FAST_RETRY, RedisServer } from './redis-server.js';

export interface InProcessResourceServer {
  /** Its origin, e.g. http://127.0.0.1:4312 */
  url: string;
  close(): Promise<void>;
}

export async function inProcessResourceServer(
  issuer: string,
  store: OAuthStore,
): Promise<InProcessResourceServer> {
  const app = express();
  const rs = await mountResourceServer(app, { issuer, store });
  app.get('/reports', requireScope('tasks:read'), (req, res) => {
    res.json({ sub: req.auth!.sub, client_id: req.auth!.clientId });
  });
  app.use(oauthErrorHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    rs.close();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      rs.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const statusOf = async (url: string, token: string) =>
  (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;

/**
 * Polls every URL with every token until all answer `status` (at most 3 s, else throws with what
 * they answered); returns the milliseconds it took.
 */
export async function allAnswer(urls: string[], tokens: string[], status: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const statuses = await Promise.all(urls.flatMap((url) => tokens.map((token) => statusOf(url, token))));
    if (statuses.every((s) => s === status)) return Date.now() - started;
    if (Date.now() - started > 3000) throw new Error(`still ${statuses.join(',')} after 3 s`);
  }
}

/** An authorization server (the example app) and the standalone resource servers beside it. */
export interface Topology {
  issuer: string;
  /** `GET /reports` of every standalone resource server. */
  standalone: string[];
  close(): Promise<void>;
}

/** Memory store: the example app and a standalone resource server in this process. */
export async function memoryTopology(): Promise<Topology> {
  const store = createMemoryStore();
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const server = await startExampleApp({ store });
    closers.push(() => server.close());
    const rs = await inProcessResourceServer(server.issuer, store);
    closers.push(() => rs.close());
    return { issuer: server.issuer, standalone: [`${rs.url}/reports`], close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Redis store (its own redis-server): the example app in its own process, a standalone resource
 * server in another process, and one in this process.
 */
export async function redisTopology(): Promise<Topology> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const redis = await RedisServer.start();
    closers.push(() => redis.dispose());
    const authorizationServer = await startExampleProcess({ REDIS_URL: redis.url });
    closers.push(() => authorizationServer.stop());
    const otherProcess = await startResourceServerProcess(authorizationServer.issuer, redis.url);
    closers.push(() => otherProcess.stop());
    const client = new Redis(redis.url, { retryStrategy: FAST_RETRY, maxRetriesPerRequest: 1 });
    closers.push(async () => client.disconnect());
    const store = createRedisStore({ client });
    closers.push(() => store.close());
    const rs = await inProcessResourceServer(authorizationServer.issuer, store);
    closers.push(() => rs.close());
    return {
      issuer: authorizationServer.issuer,
      standalone: [`${rs.url}/reports`, `${otherProcess.issuer}/reports`],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
