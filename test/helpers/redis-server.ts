/**
 * Starts throwaway `redis-server` processes on free loopback ports for the tests, and stops
 * them after. It never connects to a Redis it did not start (in particular not to 6379).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { startAll, stopProcess } from './lifecycle.js';
import { REDIS_CLI, REDIS_SERVER, requireTool } from './system-tools.js';

const run = promisify(execFile);

/** Reconnects fast so the tests see recovery within the 2 s the kit promises. */
export const FAST_RETRY = (times: number) => Math.min(50 * times, 300);

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // Never hand out the shared default port, even if the OS offered it.
  return port === 6379 ? freePort() : port;
}

async function ping(port: number): Promise<boolean> {
  try {
    const { stdout } = await run(requireTool(REDIS_CLI), ['-h', '127.0.0.1', '-p', String(port), 'PING'], {
      timeout: 2000,
    });
    return stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

export interface RedisServerOptions {
  /** Keep an append-only file (fsync on every write) in the server's own directory. */
  aof?: boolean;
  /** Start in cluster mode (for `startRedisCluster`). */
  cluster?: boolean;
  /** Allow `DEBUG` commands (`DEBUG SLEEP`) from loopback clients. */
  debugCommands?: boolean;
}

export class RedisServer {
  private process: ChildProcess | undefined;
  readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'oauth-kit-redis-'));
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    // Fails in milliseconds with the install command, not after a hook timeout.
    requireTool(REDIS_SERVER);
    requireTool(REDIS_CLI);
    const server = new RedisServer(await freePort(), options);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** (Re)starts the process on the same port and directory (so an AOF is replayed). */
  async launch(): Promise<void> {
    if (this.process) return;
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.options.aof ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
    ];
    if (this.options.debugCommands) args.push('--enable-debug-command', 'local');
    if (this.options.cluster) {
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(this.dir, 'nodes.conf'));
      args.push('--cluster-node-timeout', '2000');
    }
    const child = spawn(requireTool(REDIS_SERVER), args, { stdio: 'ignore' });
    this.process = child;
    const gone = () => {
      if (this.process === child) this.process = undefined;
    };
    child.once('exit', gone);
    child.once('error', gone);
    for (let i = 0; i < 100; i += 1) {
      if (await ping(this.port)) return;
      if (!this.process) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Kills the process abruptly (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    const stopped = stopProcess(child, signal);
    child.kill('SIGCONT'); // a paused server must run to act on SIGTERM
    await stopped;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A client for this server that fails fast and reconnects fast. */
  client(options: RedisOptions = {}): Redis {
    return new Redis({
      host: '127.0.0.1',
      port: this.port,
      retryStrategy: FAST_RETRY,
      maxRetriesPerRequest: 1,
      ...options,
    });
  }
}

export interface RedisCluster {
  nodes: RedisServer[];
  client(options?: ClusterOptions): Cluster;
  dispose(): Promise<void>;
}

/** Three masters, no replicas, made with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const start = () => RedisServer.start({ cluster: true });
  const dispose = (node: RedisServer) => node.dispose();
  const nodes = await startAll([start(), start(), start()], [dispose, dispose, dispose]);
  try {
    await run(
      requireTool(REDIS_CLI),
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 20_000 },
    );
    // Wait until every node agrees the cluster is up.
    for (const node of nodes) {
      for (let i = 0; ; i += 1) {
        const { stdout } = await run(requireTool(REDIS_CLI), ['-p', String(node.port), 'CLUSTER', 'INFO'], {
          timeout: 2000,
        });
        if (stdout.includes('cluster_state:ok')) break;
        if (i > 100) throw new Error('cluster did not come up');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw error;
  }
  return {
    nodes,
    client: (options = {}) =>
      new Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        {
          clusterRetryStrategy: FAST_RETRY,
          redisOptions: { maxRetriesPerRequest: 1 },
          ...options,
        },
      ),
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}

export interface RedisSentinel {
  port: number;
  /** A client that finds the master through this Sentinel (ioredis' own options). */
  client(options?: RedisOptions): Redis;
  dispose(): Promise<void>;
}

/** One Sentinel watching `master` under the name `oauth-kit-test`. */
export async function startRedisSentinel(master: RedisServer): Promise<RedisSentinel> {
  const redisServer = requireTool(REDIS_SERVER);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oauth-kit-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  // Sentinel rewrites its own config file, so it gets a writable copy of its own.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      `dir ${dir}`,
      `sentinel monitor oauth-kit-test 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds oauth-kit-test 1000',
    ].join('\n'),
  );
  const child = spawn(redisServer, [config, '--sentinel'], { stdio: 'ignore' });
  child.once('error', () => undefined); // reported below as "did not start"
  const stop = () => stopProcess(child, 'SIGKILL');
  for (let i = 0; !(await ping(port)); i += 1) {
    if (i > 100) {
      await stop();
      throw new Error(`redis-sentinel on port ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    client: (options = {}) =>
      new Redis({
        sentinels: [{ host: '127.0.0.1', port }],
        name: 'oauth-kit-test',
        retryStrategy: FAST_RETRY,
        maxRetriesPerRequest: 1,
        ...options,
      }),
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
