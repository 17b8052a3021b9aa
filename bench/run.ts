/**
 * `npm run bench`: oauth-kit beside its peers, every server in its own process on loopback.
 *
 * Each scenario groups the servers it compares; after a warm-up per server, the runs of a
 * group are interleaved in rounds, in a balanced order (see rounds.ts), so drift from the
 * machine's other load spreads over all of them. A ratio is the median, over rounds, of the
 * ratio within a round: the host's speed drifts over tens of seconds, which then cancels out.
 * Many short rounds sample that drift better than a few long ones. Only 2xx responses count
 * as throughput; every other status is counted and shown.
 *
 * Env knobs: BENCH_CONNECTIONS (50), BENCH_RUNS (10), BENCH_SECONDS (2 per run), BENCH_WARMUP (5),
 * BENCH_SOAK_SECONDS (120: RSS is compared between minute 1 and minute 2), BENCH_ONLY (comma
 * list of: algorithms,token,refresh,api,info,soak,scale), BENCH_LIMIT_SECONDS (hard stop, 1200).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { TEST_CLIENT } from '../example-app/app.js';
import { generateSecrets } from '../lib/config/secrets.js';
import { measureAlgorithms, type AlgorithmResult } from './lib/algorithms.js';
import { bearerGet, formPost, runLoad, type LoadOptions, type LoadResult, type Request } from './lib/load.js';
import { currentRss, freePort, killAll, peakRss, ROOT, startServer, type Server } from './lib/proc.js';
import { redisServerAvailable, startRedis, type RedisProcess } from './lib/redis.js';
import {
  algorithmsTable,
  median,
  perRoundRatios,
  pooled,
  quantile,
  ratio,
  ratiosTable,
  rowsTable,
  summarize,
  type Ratio,
  type Row,
} from './lib/report.js';
import { roundOrder } from './lib/rounds.js';
import { seedGrants, type UserTokens } from './lib/seed.js';

const env = process.env;
const cfg = {
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  runs: Number(env.BENCH_RUNS ?? 10),
  seconds: Number(env.BENCH_SECONDS ?? 2),
  warmup: Number(env.BENCH_WARMUP ?? 5),
  soakSeconds: Number(env.BENCH_SOAK_SECONDS ?? 120),
  limitSeconds: Number(env.BENCH_LIMIT_SECONDS ?? 1200),
  only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : undefined,
};
const wanted = (part: string) => !cfg.only || cfg.only.has(part);
const BASIC: [string, string] = [TEST_CLIENT.clientId, TEST_CLIENT.clientSecret];
const CC_FORM = { grant_type: 'client_credentials', scope: 'tasks:read projects:read' };
const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);

// ── Bounded in time, and nothing left running ────────────────────────────────
const watchdog = setTimeout(() => {
  log(`hard limit of ${cfg.limitSeconds}s reached: stopping`);
  killAll();
  process.exit(2);
}, cfg.limitSeconds * 1000);
watchdog.unref();
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

// ── Servers ──────────────────────────────────────────────────────────────────
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

async function start(name: string, file: string, extraEnv: Record<string, string> = {}, waitFor?: string[]) {
  const server = await startServer({
    name,
    file,
    env: { ...extraEnv },
    port: await freePort(),
    logDir,
    ...(waitFor ? { waitFor } : {}),
  });
  log(`${name} ready on ${server.url} (pid ${server.pid})`);
  return server;
}

const TOKEN_SCENARIO = '1 client_credentials';
const KIT_ROW = 'kit, memory store, fast path';
const KIT_MINIMAL_ROW = 'kit in an empty Express app, memory store, fast path';
const BARE_ROW = 'bare oidc-provider (ES256 JWT, memory)';
/**
 * A second, identical bare oidc-provider process: its ratio to the first is what two equal
 * servers measure in this run, i.e. how far any other ratio can move by chance.
 */
const NOISE_FLOOR_ROW = 'bare oidc-provider, a second identical process (noise floor)';
const secondProcess = (row: string) => `${row}, a second process`;
/**
 * The token goals compare two processes of each side, pooled round by round (see `pooled`):
 * two processes of the same code differ by chance about as much as the goals' margins.
 */
const POOLED = {
  kit: `${KIT_ROW}, both processes`,
  kitMinimal: `${KIT_MINIMAL_ROW}, both processes`,
  bare: 'bare oidc-provider, both processes',
};

// ── Measuring ────────────────────────────────────────────────────────────────
interface Target {
  scenario: string;
  name: string;
  server: Server;
  /** Label of the process in the table (several targets can share one). */
  process: string;
  load(seconds: number): LoadOptions;
  /** Runs after every run, e.g. to re-seed refresh-token chains a cut-off run left broken. */
  afterRun?(): Promise<void>;
  note?: string;
}

async function measure(targets: Target[]): Promise<Row[]> {
  for (const t of targets) {
    await runLoad(t.load(cfg.warmup));
    await t.afterRun?.();
  }
  const runs = new Map<Target, LoadResult[]>(targets.map((t) => [t, []]));
  for (let i = 0; i < cfg.runs; i += 1) {
    for (const t of roundOrder(targets, i)) {
      const result = await runLoad(t.load(cfg.seconds));
      runs.get(t)!.push(result);
      const bad = result.non2xx + result.errors + result.timeouts;
      log(
        `${t.scenario} ${t.name} run ${i + 1}/${cfg.runs}: ${Math.round(result.rps)} req/s${bad ? `, ${bad} not 2xx` : ''}`,
      );
      await t.afterRun?.();
    }
  }
  return targets.map((t) =>
    summarize(t.scenario, t.name, t.process, runs.get(t)!, peakRss(t.server.pid), t.note),
  );
}

const clientCredentials = (scenario: string, name: string, server: Server, process: string): Target => ({
  scenario,
  name,
  server,
  process,
  load: (seconds) => ({
    url: server.url,
    connections: cfg.connections,
    seconds,
    pid: server.pid,
    request: formPost('/oauth/token', CC_FORM, BASIC),
  }),
});

/** GET with one user token per connection (tokens carry `gid`: revocation checking is on). */
function apiTarget(
  name: string,
  server: Server,
  process: string,
  url: string,
  path: string,
  tokens: UserTokens[],
  scenario = '3 protected GET',
  note?: string,
): Target {
  return {
    scenario,
    name,
    server,
    process,
    ...(note ? { note } : {}),
    load: (seconds) => ({
      url,
      connections: cfg.connections,
      seconds,
      pid: server.pid,
      perConnection: (i) => [bearerGet(path, tokens[i % tokens.length]!.accessToken)],
    }),
  };
}

/** One refresh-token chain per connection: each response's refresh_token feeds the next request. */
interface Chain {
  refreshToken: string;
  accessToken: string;
  inflight: boolean;
  broken: boolean;
}

function refreshRequest(chain: Chain, onStatus?: (status: number) => void): Request {
  return {
    ...formPost('/oauth/token', { grant_type: 'refresh_token', refresh_token: '' }, BASIC),
    setupRequest: (req: Request) => {
      chain.inflight = true;
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: chain.refreshToken });
      return { ...req, body: body.toString() };
    },
    onResponse: (status: number, body: string) => {
      chain.inflight = false;
      onStatus?.(status);
      if (status === 200) {
        const json = JSON.parse(body) as { refresh_token: string; access_token: string };
        chain.refreshToken = json.refresh_token;
        chain.accessToken = json.access_token;
      } else chain.broken = true;
    },
  };
}

const toChain = (t: UserTokens): Chain => ({
  refreshToken: t.refreshToken,
  accessToken: t.accessToken,
  inflight: false,
  broken: false,
});

function refreshTarget(name: string, server: Server, process: string, chains: Chain[]): Target {
  return {
    scenario: '2 refresh_token (rotation)',
    name,
    server,
    process,
    load: (seconds) => ({
      url: server.url,
      connections: cfg.connections,
      seconds,
      pid: server.pid,
      perConnection: (i) => [refreshRequest(chains[i]!)],
    }),
    async afterRun() {
      // A run ends with requests in flight: their refresh tokens were consumed but the new ones
      // never arrived. Presenting them again would be a replay (the grant is revoked), so those
      // chains start over from a new grant. Failed chains are replaced too (and were counted).
      const lost = chains.filter((c) => c.inflight || c.broken);
      const fresh = await seedGrants(server.url, lost.length);
      lost.forEach((c, i) => Object.assign(c, toChain(fresh[i]!)));
    },
  };
}

// ── Soak ─────────────────────────────────────────────────────────────────────
interface SoakResult {
  store: string;
  seconds: number;
  rps: number;
  requests: number;
  rssMB: Array<{ t: number; kit: number; redis?: number }>;
  rssMinute1MB: number;
  rssEndMB: number;
  growth: number;
  unexpected: number;
  unexpectedByOp: Record<string, Record<string, number>>;
  revocations: number;
  revocationsEnforced: number;
  autocannonNon2xx: number;
  errors: number;
}

async function soak(kit: Server, store: string, redis: RedisProcess | undefined): Promise<SoakResult> {
  const connections = Math.min(cfg.connections, 20);
  const revocable = Math.ceil(cfg.soakSeconds * 1.1);
  log(`soak: seeding ${connections} refresh chains and ${revocable} grants to revoke`);
  const chains = (await seedGrants(kit.url, connections)).map(toChain);
  const pool = await seedGrants(kit.url, revocable);
  const revoked: Array<{ accessToken: string; at: number }> = [];
  let lastRevoke = 0;
  let revocations = 0;
  let enforced = 0;
  const unexpectedByOp: Record<string, Record<string, number>> = {};
  const count = (op: string, status: number, expected: number) => {
    if (status === expected) return;
    const byStatus = (unexpectedByOp[op] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const check =
    (op: string, expected = 200) =>
    (status: number) =>
      count(op, status, expected);
  const cycle = (i: number): Request[] => {
    const chain = chains[i]!;
    const call = (op: string, path: string): Request => ({
      method: 'GET',
      path,
      setupRequest: (req: Request) => ({ ...req, headers: { authorization: `Bearer ${chain.accessToken}` } }),
      onResponse: check(op),
    });
    return [
      { ...formPost('/oauth/token', CC_FORM, BASIC), onResponse: check('issue') },
      refreshRequest(chain, check('refresh')),
      call('call', '/v1/tasks'),
      call('info', '/v1/oauth/token/info'),
      call('call', '/v1/projects'),
      {
        // About two revocations a second across all connections; otherwise another API call.
        setupRequest: (req: Request) => {
          const now = Date.now();
          const victim = now - lastRevoke >= 500 ? pool.pop() : undefined;
          if (!victim)
            return {
              ...req,
              method: 'GET',
              path: '/v1/tasks',
              headers: { authorization: `Bearer ${chain.accessToken}` },
            };
          lastRevoke = now;
          revocations += 1;
          revoked.push({ accessToken: victim.accessToken, at: now });
          return {
            ...req,
            ...formPost(
              '/oauth/revoke',
              { token: victim.refreshToken, token_type_hint: 'refresh_token' },
              BASIC,
            ),
          };
        },
        onResponse: check('revoke'),
      },
      checkRevokedOrCall(chain),
    ];
  };
  /** Once a revocation is over a second old, its access token must be refused (401); else a normal call. */
  const checkRevokedOrCall = (chain: Chain): Request => {
    let sentRevoked = false;
    return {
      setupRequest: (req: Request) => {
        const due = revoked.length && Date.now() - revoked[0]!.at > 1000 ? revoked.shift() : undefined;
        sentRevoked = due !== undefined;
        const token = due ? due.accessToken : chain.accessToken;
        return { ...req, method: 'GET', path: '/v1/tasks', headers: { authorization: `Bearer ${token}` } };
      },
      onResponse: (status: number) => {
        if (!sentRevoked) count('call', status, 200);
        else if (status === 401) enforced += 1;
        else count('revoked-token call', status, 401);
      },
    };
  };

  const samples: SoakResult['rssMB'] = [];
  const t0 = Date.now();
  const sample = () =>
    samples.push({
      t: Math.round((Date.now() - t0) / 1000),
      kit: currentRss(kit.pid) / 2 ** 20,
      ...(redis ? { redis: currentRss(redis.pid) / 2 ** 20 } : {}),
    });
  sample();
  const sampler = setInterval(sample, 5000);
  log(`soak: ${cfg.soakSeconds}s of mixed traffic on the ${store} store`);
  const result = await runLoad({
    url: kit.url,
    connections,
    seconds: cfg.soakSeconds,
    pid: kit.pid,
    perConnection: cycle,
  });
  clearInterval(sampler);
  sample();
  const minute1 = samples.reduce((best, s) =>
    Math.abs(s.t - cfg.soakSeconds / 2) < Math.abs(best.t - cfg.soakSeconds / 2) ? s : best,
  );
  const end = samples[samples.length - 1]!;
  const unexpected = Object.values(unexpectedByOp).reduce(
    (n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0),
    0,
  );
  return {
    store,
    seconds: result.seconds,
    rps: (result.ok + result.non2xx) / result.seconds,
    requests: result.ok + result.non2xx,
    rssMB: samples,
    rssMinute1MB: minute1.kit,
    rssEndMB: end.kit,
    growth: end.kit / minute1.kit - 1,
    unexpected: unexpected + result.errors + result.timeouts,
    unexpectedByOp,
    revocations,
    revocationsEnforced: enforced,
    autocannonNon2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

// ── The run ──────────────────────────────────────────────────────────────────
log(
  `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(
      ' ',
    )}; ${cfg.connections} connections, ${cfg.runs} runs × ${cfg.seconds}s after ${cfg.warmup}s warm-up`,
);

let algorithms: AlgorithmResult[] = [];
if (wanted('algorithms')) {
  log('algorithms: sign/verify per second, one thread');
  algorithms = await measureAlgorithms();
}

const redisPending = !(await redisServerAvailable()) ? 'no redis-server binary on PATH' : undefined;
if (redisPending) log(`Redis scenarios pending: ${redisPending}`);

const rows: Row[] = [];
const needsKit = ['token', 'refresh', 'api', 'info', 'soak'].some(wanted);
const redis =
  !redisPending && ['token', 'refresh', 'api', 'soak', 'scale'].some(wanted) ? await startRedis() : undefined;
const redisEnv = (prefix: string): Record<string, string> =>
  redis ? { REDIS_URL: redis.url, REDIS_PREFIX: prefix } : {};

// The kit's processes serve the fast path (kit.fastPath(app)); one token-scenario process the
// default path through the example app's whole Express stack.
const kitMem = needsKit
  ? await start(
      'kit (memory)',
      'bench/servers/kit.ts',
      { ...kitEnv, FAST_PATH: '1', STANDALONE_PORT: String(await freePort()) },
      ['STANDALONE'],
    )
  : undefined;
const kitRedis =
  redis && ['token', 'refresh', 'api', 'soak'].some(wanted)
    ? await start('kit (Redis)', 'bench/servers/kit.ts', {
        ...kitEnv,
        FAST_PATH: '1',
        ...redisEnv('bench:kit:'),
      })
    : undefined;

if (wanted('token') && kitMem) {
  const [kitMemAgain, kitInStack, kitMinimal, kitMinimalAgain, bare, bareAgain, bareExpress, peer] =
    await Promise.all([
      // The same entry and settings as kitMem (its standalone API too), so the two are twins.
      start(
        'kit (memory), again',
        'bench/servers/kit.ts',
        { ...kitEnv, FAST_PATH: '1', STANDALONE_PORT: String(await freePort()) },
        ['STANDALONE'],
      ),
      start('kit (memory, default path)', 'bench/servers/kit.ts', kitEnv),
      start('kit in an empty Express app', 'bench/servers/kit-minimal.ts', { ...kitEnv, FAST_PATH: '1' }),
      start('kit in an empty Express app, again', 'bench/servers/kit-minimal.ts', {
        ...kitEnv,
        FAST_PATH: '1',
      }),
      start('bare oidc-provider', 'bench/servers/bare-provider.ts'),
      start('bare oidc-provider, again', 'bench/servers/bare-provider.ts'),
      start('bare oidc-provider in Express', 'bench/servers/bare-provider.ts', { WRAP: 'express' }),
      start('@node-oauth/oauth2-server', 'bench/servers/oauth2-server.ts'),
    ]);
  rows.push(
    ...(await measure([
      clientCredentials(TOKEN_SCENARIO, KIT_ROW, kitMem, 'kit (memory)'),
      clientCredentials(TOKEN_SCENARIO, secondProcess(KIT_ROW), kitMemAgain, 'kit (memory), again'),
      ...(kitRedis ? [clientCredentials(TOKEN_SCENARIO, 'kit, Redis store', kitRedis, 'kit (Redis)')] : []),
      clientCredentials(
        TOKEN_SCENARIO,
        'kit, memory store, default path (through helmet, express-session and Express)',
        kitInStack,
        'kit (default path)',
      ),
      clientCredentials(TOKEN_SCENARIO, KIT_MINIMAL_ROW, kitMinimal, 'kit (empty Express)'),
      clientCredentials(
        TOKEN_SCENARIO,
        secondProcess(KIT_MINIMAL_ROW),
        kitMinimalAgain,
        'kit (empty Express), again',
      ),
      clientCredentials(TOKEN_SCENARIO, BARE_ROW, bare, 'bare oidc-provider'),
      clientCredentials(TOKEN_SCENARIO, NOISE_FLOOR_ROW, bareAgain, 'bare oidc-provider, again'),
      clientCredentials(
        TOKEN_SCENARIO,
        'bare oidc-provider inside an empty Express app',
        bareExpress,
        'bare oidc-provider in Express',
      ),
      clientCredentials(TOKEN_SCENARIO, '@node-oauth/oauth2-server (opaque, memory)', peer, 'oauth2-server'),
    ])),
  );
  await Promise.all([
    kitMemAgain.stop(),
    kitInStack.stop(),
    kitMinimal.stop(),
    kitMinimalAgain.stop(),
    bare.stop(),
    bareAgain.stop(),
    bareExpress.stop(),
    peer.stop(),
  ]);
}

// Seeded after the token scenario, so the kit's processes arrive at it with the same history as
// bare oidc-provider's (client credentials only): 50 code flows first made the same kit
// process ~7 % slower on that scenario (V8 had seen more shapes), which is not what it compares.
const memTokens = kitMem && ['api', 'info'].some(wanted) ? await seedGrants(kitMem.url, cfg.connections) : [];
const redisTokens =
  kitRedis && ['api', 'info'].some(wanted) ? await seedGrants(kitRedis.url, cfg.connections) : [];

if (wanted('api') && kitMem) {
  const [apiOpen, apiJwt] = await Promise.all([
    start('API, unprotected', 'bench/servers/resource-api.ts', { ISSUER: kitMem.url, PROTECT: 'none' }),
    start('API, express-oauth2-jwt-bearer', 'bench/servers/resource-api.ts', {
      ISSUER: kitMem.url,
      PROTECT: 'jwt-bearer',
    }),
  ]);
  const apiStandaloneRedis = kitRedis
    ? await start('API, requireScope standalone (Redis)', 'bench/servers/resource-api.ts', {
        ISSUER: kitRedis.url,
        PROTECT: 'standalone',
        ...redisEnv('bench:kit:'),
      })
    : undefined;
  const standaloneUrl = `http://127.0.0.1:${kitMem.extraPorts.STANDALONE}`;
  rows.push(
    ...(await measure([
      apiTarget(
        'example app: route unprotected',
        kitMem,
        'kit (memory)',
        kitMem.url,
        '/bench/tasks-open',
        memTokens,
      ),
      apiTarget(
        'example app: requireScope in-process',
        kitMem,
        'kit (memory)',
        kitMem.url,
        '/bench/tasks',
        memTokens,
      ),
      apiTarget(
        'example app: express-oauth2-jwt-bearer',
        kitMem,
        'kit (memory)',
        kitMem.url,
        '/bench/tasks-jwt-bearer',
        memTokens,
      ),
      apiTarget('API app: route unprotected', apiOpen, 'API (none)', apiOpen.url, '/v1/tasks', memTokens),
      apiTarget(
        'API app: express-oauth2-jwt-bearer',
        apiJwt,
        'API (jwt-bearer)',
        apiJwt.url,
        '/v1/tasks',
        memTokens,
      ),
      apiTarget(
        'API app: requireScope standalone, memory store',
        kitMem,
        'kit (memory)',
        standaloneUrl,
        '/v1/tasks',
        memTokens,
        undefined,
        "served from the kit's process: a memory store can't be shared across processes",
      ),
      ...(apiStandaloneRedis
        ? [
            apiTarget(
              'API app: requireScope standalone, Redis store',
              apiStandaloneRedis,
              'API (standalone)',
              apiStandaloneRedis.url,
              '/v1/tasks',
              redisTokens,
            ),
          ]
        : []),
    ])),
  );
  await Promise.all([apiOpen.stop(), apiJwt.stop(), apiStandaloneRedis?.stop()]);
}

if (wanted('info') && kitMem) {
  rows.push(
    ...(await measure([
      apiTarget(
        'kit, memory store',
        kitMem,
        'kit (memory)',
        kitMem.url,
        '/v1/oauth/token/info',
        memTokens,
        '4 token info',
      ),
      ...(kitRedis
        ? [
            apiTarget(
              'kit, Redis store',
              kitRedis,
              'kit (Redis)',
              kitRedis.url,
              '/v1/oauth/token/info',
              redisTokens,
              '4 token info',
            ),
          ]
        : []),
    ])),
  );
}

if (wanted('refresh') && kitMem) {
  const targets = [
    refreshTarget(
      'kit, memory store',
      kitMem,
      'kit (memory)',
      (await seedGrants(kitMem.url, cfg.connections)).map(toChain),
    ),
  ];
  if (kitRedis) {
    targets.push(
      refreshTarget(
        'kit, Redis store',
        kitRedis,
        'kit (Redis)',
        (await seedGrants(kitRedis.url, cfg.connections)).map(toChain),
      ),
    );
  }
  rows.push(...(await measure(targets)));
}

let soakResult: SoakResult | undefined;
if (wanted('soak')) {
  // Against Redis when it is there (the production store); until then, memory.
  const target = kitRedis ?? kitMem;
  if (target) soakResult = await soak(target, kitRedis ? 'Redis' : 'memory', redis);
}
await Promise.all([kitMem?.stop(), kitRedis?.stop()]);

if (wanted('scale') && redis) {
  // node:cluster workers sharing one port and the Redis store: one process of each size, both
  // up at once (an idle server costs nothing) so their runs interleave like every other pair's.
  const sizes = [1, 2];
  const kits = await Promise.all(
    sizes.map((workers) =>
      start(`kit (Redis, ${workers} workers)`, 'bench/servers/kit.ts', {
        ...kitEnv,
        ...redisEnv(`bench:scale${workers}:`),
        WORKERS: String(workers),
      }),
    ),
  );
  rows.push(
    ...(await measure(
      sizes.map((workers, i) =>
        clientCredentials(
          '6 scale-out',
          `client_credentials, ${workers} worker${workers > 1 ? 's' : ''}`,
          kits[i]!,
          `kit ×${workers}`,
        ),
      ),
    )),
  );
  await Promise.all(kits.map((kit) => kit.stop()));
}
redis?.stop();

// ── Ratios (the median of per-round ratios, this run) ────────────────────────
const redisNote = redisPending ? `Redis: ${redisPending}` : undefined;
const poolOf = (name: string, members: string[]) => {
  const found = rows.filter((r) => r.scenario === TOKEN_SCENARIO && members.includes(r.name));
  return found.length === members.length ? pooled(name, found) : undefined;
};
const pooledRows = [
  poolOf(POOLED.kit, [KIT_ROW, secondProcess(KIT_ROW)]),
  poolOf(POOLED.kitMinimal, [KIT_MINIMAL_ROW, secondProcess(KIT_MINIMAL_ROW)]),
  poolOf(POOLED.bare, [BARE_ROW, NOISE_FLOOR_ROW]),
].filter((r): r is Row => r !== undefined);
const withPooled = [...rows, ...pooledRows];
const ratios: Ratio[] = [
  ratio(
    withPooled,
    'client_credentials: kit (memory) vs bare oidc-provider, two processes each',
    POOLED.kit,
    POOLED.bare,
    1.0,
  ),
  ratio(
    withPooled,
    'client_credentials (what the kit adds): kit alone in an empty Express app vs bare oidc-provider, two processes each',
    POOLED.kitMinimal,
    POOLED.bare,
    1.0,
  ),
  ratio(
    withPooled,
    'client_credentials: kit Redis vs kit memory (two processes)',
    'kit, Redis store',
    POOLED.kit,
    0.85,
    redisNote,
  ),
  ratio(
    withPooled,
    'client_credentials (stretch): kit (memory, two processes) vs @node-oauth/oauth2-server',
    POOLED.kit,
    '@node-oauth/oauth2-server (opaque, memory)',
    1.0,
  ),
  ratio(
    rows,
    'requireScope in-process vs the same route unprotected',
    'example app: requireScope in-process',
    'example app: route unprotected',
    0.9,
  ),
  ratio(
    rows,
    'requireScope in-process vs express-oauth2-jwt-bearer (same app)',
    'example app: requireScope in-process',
    'example app: express-oauth2-jwt-bearer',
    1.2,
  ),
  ratio(
    rows,
    'requireScope standalone (memory, kit process) vs express-oauth2-jwt-bearer (API app)',
    'API app: requireScope standalone, memory store',
    'API app: express-oauth2-jwt-bearer',
    1.1,
  ),
  ratio(
    rows,
    'requireScope standalone (Redis, own process) vs express-oauth2-jwt-bearer (API app)',
    'API app: requireScope standalone, Redis store',
    'API app: express-oauth2-jwt-bearer',
    1.1,
    redisNote,
  ),
  ratio(
    rows,
    'scale-out: 2 workers vs 1 (Redis)',
    'client_credentials, 2 workers',
    'client_credentials, 1 worker',
    1.0,
    redisNote,
  ),
];
// Lines whose rows were never measured (BENCH_ONLY) are left out, except pending Redis ones.
const shownRatios = ratios.filter((r) => r.ratio !== undefined || r.pending !== 'not measured');

// ── Report ───────────────────────────────────────────────────────────────────
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverageAtEnd: loadavg(),
};
const lines: string[] = [
  `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, Node ${machine.node}; ` +
    `autocannon ${cfg.connections} connections, ${cfg.runs} interleaved runs × ${cfg.seconds}s after ${cfg.warmup}s warm-up.`,
  '',
  rowsTable(rows, cfg.runs),
  '',
  ratiosTable(shownRatios),
];
const noiseFloor = perRoundRatios(rows, NOISE_FLOOR_ROW, BARE_ROW);
if (noiseFloor.length) {
  lines.push(
    '',
    `Noise floor: two identical bare oidc-provider processes measured ${noiseFloor
      .map((r) => `${r.toFixed(2)}×`)
      .join(
        ', ',
      )} round by round (median ${median(noiseFloor).toFixed(2)}×, middle half ${quantile(noiseFloor, 0.25).toFixed(2)}–${quantile(noiseFloor, 0.75).toFixed(2)}×); a goal ratio that close to its target is within this run's noise.`,
  );
}
if (soakResult) {
  const s = soakResult;
  lines.push(
    '',
    `| soak (${s.store} store, ${Math.round(s.seconds)} s mixed: issue, refresh, call, token info, revoke) | value |`,
    '|---|---:|',
    `| requests/s (all) | ${Math.round(s.rps)} |`,
    `| kit RSS at minute 1 → end | ${s.rssMinute1MB.toFixed(0)} MB → ${s.rssEndMB.toFixed(0)} MB (${(s.growth * 100).toFixed(1)} %, goal < 10 %) |`,
    `| unexpected responses / errors | ${s.unexpected}${s.unexpected ? ` ${JSON.stringify(s.unexpectedByOp)}` : ''} |`,
    `| grants revoked / their tokens refused a second later | ${s.revocations} / ${s.revocationsEnforced} |`,
  );
  if (s.store === 'memory') {
    lines.push(
      '',
      'The memory store keeps every rotated refresh token (marked consumed) until it would expire, so reuse',
      "can be detected: its RSS grows with the refresh rate by design. The RSS goal is the Redis store's.",
    );
  }
}
if (algorithms.length) lines.push('', algorithmsTable(algorithms));
if (redisPending) lines.push('', `Redis rows pending: ${redisPending}.`);
const report = lines.join('\n');
process.stdout.write(`\n${report}\n`);

const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify(
  {
    date: new Date().toISOString(),
    machine,
    config: cfg,
    rows,
    ratios,
    pooled: pooledRows,
    noiseFloor,
    soak: soakResult,
    algorithms,
    redisPending,
    report,
  },
  (key, value: unknown) => (key === 'only' && value instanceof Set ? [...value] : value),
  2,
);
writeFileSync(join(resultsDir, `bench-${stamp}.json`), json);
writeFileSync(join(resultsDir, 'latest.json'), json);
log(
  `done in ${Math.round((Date.now() - started) / 1000)}s; JSON in bench/results/bench-${stamp}.json; server logs in ${logDir}`,
);
process.exit(0);
