/**
 * The bench's own redis-server, on a free loopback port with no persistence. It never uses the
 * Redis on 6379, which is not ours.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, track } from './proc.js';

export interface RedisProcess {
  url: string;
  pid: number;
  stop(): void;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oauth-kit-bench-redis-'));
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  track(child);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // not up yet: connect() rejects, and the loop tries again
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
      }
    } catch {
      client.disconnect();
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Is a redis-server binary on PATH? */
export async function redisServerAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
