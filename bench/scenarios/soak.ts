/**
 * Scenario 5, soak: mixed traffic on one kit process for BENCH_SOAK_SECONDS (issue, refresh,
 * API calls, token info, about two revocations a second, and a check that each revoked grant's
 * access token is refused a second later), sampling RSS every 5 s. On the Redis store when it
 * is there (the production store), else memory; on the default path, what a host gets unless
 * it chooses the fast path.
 */
import type { BenchContext } from '../lib/context.js';
import { formPost, runLoad, type Request } from '../lib/load.js';
import { currentRss, type Server } from '../lib/proc.js';
import type { RedisProcess } from '../lib/redis.js';
import { BASIC, CC_FORM, refreshRequest, toChain, type Chain } from '../lib/refresh-chains.js';
import { seedGrants } from '../lib/seed.js';
import type { Scenario } from './scenario.js';

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

async function runSoak(
  ctx: BenchContext,
  kit: Server,
  store: string,
  redis: RedisProcess | undefined,
): Promise<SoakResult> {
  const { cfg, log } = ctx;
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

function soakTable(s: SoakResult): string[] {
  const lines = [
    `| soak (${s.store} store, default path, ${Math.round(s.seconds)} s mixed: issue, refresh, call, token info, revoke) | value |`,
    '|---|---:|',
    `| requests/s (all) | ${Math.round(s.rps)} |`,
    `| kit RSS at minute 1 → end | ${s.rssMinute1MB.toFixed(0)} MB → ${s.rssEndMB.toFixed(0)} MB (${(s.growth * 100).toFixed(1)} %, goal < 10 %) |`,
    `| unexpected responses / errors | ${s.unexpected}${s.unexpected ? ` ${JSON.stringify(s.unexpectedByOp)}` : ''} |`,
    `| grants revoked / their tokens refused a second later | ${s.revocations} / ${s.revocationsEnforced} |`,
  ];
  if (s.store === 'memory') {
    lines.push(
      '',
      'The memory store keeps every rotated refresh token (marked consumed) until it would expire, so reuse',
      "can be detected: its RSS grows with the refresh rate by design. The RSS goal is the Redis store's.",
    );
  }
  return lines;
}

export const soak: Scenario = {
  name: 'soak',
  async run(ctx: BenchContext) {
    const redisKit = await ctx.kit('redis', 'default');
    const kit = redisKit ?? (await ctx.kit('memory', 'default'))!;
    const result = await runSoak(
      ctx,
      kit,
      redisKit ? 'Redis' : 'memory',
      redisKit ? await ctx.redis() : undefined,
    );
    return { notes: soakTable(result), json: { soak: result } };
  },
};
