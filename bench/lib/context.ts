/**
 * What every scenario shares in one bench run: the configuration, the log, a working directory
 * with one set of signing keys, the server processes (started on first use, stopped at the
 * end), Redis when its binary is there, and the user tokens seeded into each kit process.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecrets } from '../../lib/keys/generate.js';
import type { BenchConfig } from './config.js';
import { freePort, startServer, type Server } from './proc.js';
import { redisServerAvailable, startRedis, type RedisProcess } from './redis.js';
import { seedGrants, type UserTokens } from './seed.js';

export type Store = 'memory' | 'redis';
/**
 * How the kit's process serves the machine endpoints: `default` through the example app's
 * whole Express stack (`app`), `fast` before it (`kit.fastPath(app)`, FAST_PATH=1).
 */
export type KitPath = 'fast' | 'default';

export interface BenchContext {
  readonly cfg: BenchConfig;
  log(message: string): void;
  /** Environment of every kit process: the shared keys, relaxed rate limits, quiet logs. */
  readonly kitEnv: Readonly<Record<string, string>>;
  /** Starts a server process (stopped at the end of the run, or by `stop()`). */
  start(name: string, file: string, env?: Record<string, string>, waitFor?: string[]): Promise<Server>;
  /** Why the Redis rows are missing, when they are (no redis-server binary). */
  readonly redisPending: string | undefined;
  /** The run's redis-server, started on first use; undefined when pending. */
  redis(): Promise<RedisProcess | undefined>;
  /** REDIS_URL and a key prefix for a server process (empty without Redis). */
  redisEnv(prefix: string): Promise<Record<string, string>>;
  /**
   * The example app's process for a store and a path, shared by the scenarios that measure it
   * (started on first use; undefined for Redis when pending). The memory fast-path one also
   * serves the standalone API (`extraPorts.STANDALONE`): a memory store lives in one process.
   */
  kit(store: Store, path: KitPath): Promise<Server | undefined>;
  /** `count` code-flow grants seeded into a kit process once (and reused after). */
  tokens(server: Server): Promise<UserTokens[]>;
  /** Stops the shared kit processes (a scenario that needs the cores to itself). */
  stopKits(): Promise<void>;
  /** Stops everything the run started. */
  close(): Promise<void>;
}

export async function createContext(cfg: BenchConfig, started = Date.now()): Promise<BenchContext> {
  const log = (message: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
  const work = mkdtempSync(join(tmpdir(), 'oauth-kit-bench-'));
  const logDir = join(work, 'logs');
  mkdirSync(logDir);
  const devSecretsFile = join(work, 'dev-secrets.json');
  // Written once so every kit process (and every cluster worker) signs with the same keys.
  writeFileSync(devSecretsFile, JSON.stringify(await generateSecrets('ES256')), { mode: 0o600 });
  const kitEnv = {
    DEV_SECRETS_FILE: devSecretsFile,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    // The example app's benchmarking switch: every limit raised 1000-fold, the limiter still consulted.
    RATE_LIMITS: 'relaxed',
    // Security events still happen; only warnings and worse are written (not a line per token).
    LOG_LEVEL: 'warn',
  };
  const redisPending = (await redisServerAvailable()) ? undefined : 'no redis-server binary on PATH';
  if (redisPending) log(`Redis scenarios pending: ${redisPending}`);

  const servers = new Set<Server>();
  const start: BenchContext['start'] = async (name, file, env = {}, waitFor) => {
    const server = await startServer({
      name,
      file,
      env,
      port: await freePort(),
      logDir,
      ...(waitFor ? { waitFor } : {}),
    });
    log(`${name} ready on ${server.url} (pid ${server.pid})`);
    servers.add(server);
    const stop = server.stop.bind(server);
    return {
      ...server,
      async stop() {
        servers.delete(server);
        await stop();
      },
    };
  };

  let redis: Promise<RedisProcess | undefined> | undefined;
  const startedRedis = () => (redis ??= redisPending ? Promise.resolve(undefined) : startRedis());
  const redisEnv = async (prefix: string): Promise<Record<string, string>> => {
    const r = await startedRedis();
    return r ? { REDIS_URL: r.url, REDIS_PREFIX: prefix } : {};
  };

  const kits = new Map<string, Promise<Server | undefined>>();
  const startKit = async (store: Store, path: KitPath): Promise<Server | undefined> => {
    const env: Record<string, string> = { ...kitEnv, ...(path === 'fast' ? { FAST_PATH: '1' } : {}) };
    if (store === 'redis') {
      if (redisPending) return undefined;
      // One key prefix per process: their grants and counters stay apart, as two products' would.
      Object.assign(env, await redisEnv(`bench:kit-${path}:`));
    }
    const standalone = store === 'memory' && path === 'fast';
    if (standalone) env.STANDALONE_PORT = String(await freePort());
    return start(
      `kit (${store === 'redis' ? 'Redis' : 'memory'}, ${path} path)`,
      'bench/servers/kit.ts',
      env,
      standalone ? ['STANDALONE'] : undefined,
    );
  };
  const seeded = new Map<Server, Promise<UserTokens[]>>();

  return {
    cfg,
    log,
    kitEnv,
    start,
    redisPending,
    redis: startedRedis,
    redisEnv,
    kit(store, path) {
      const key = `${store}/${path}`;
      let kit = kits.get(key);
      if (!kit) kits.set(key, (kit = startKit(store, path)));
      return kit;
    },
    tokens(server) {
      let tokens = seeded.get(server);
      if (!tokens) seeded.set(server, (tokens = seedGrants(server.url, cfg.connections)));
      return tokens;
    },
    async stopKits() {
      const running = await Promise.all(kits.values());
      kits.clear();
      await Promise.all(running.map((kit) => kit?.stop()));
    },
    async close() {
      await Promise.all([...servers].map((server) => server.stop()));
      (await redis)?.stop();
    },
  };
}
