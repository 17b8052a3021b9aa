/**
 * Scenario 6, scale-out: node:cluster workers sharing one port and the Redis store, one process
 * of each size, both up at once (an idle server costs nothing) so their runs interleave like
 * every other pair's. On the fast path, the token endpoint's throughput setting.
 */
import type { BenchContext } from '../lib/context.js';
import { clientCredentials, measure } from '../lib/measure.js';
import { ratio } from '../lib/report.js';
import type { Scenario } from './scenario.js';

const rowName = (workers: number) =>
  `client_credentials, fast path, ${workers} worker${workers > 1 ? 's' : ''}`;

export const scale: Scenario = {
  name: 'scale',
  async run(ctx: BenchContext) {
    if (ctx.redisPending)
      return {
        ratios: [
          ratio([], 'scale-out: 2 workers vs 1 (Redis)', rowName(2), rowName(1), 1.0, ctx.redisPending),
        ],
      };
    // The workers get the cores to themselves.
    await ctx.stopKits();
    const sizes = [1, 2];
    const kits = await Promise.all(
      sizes.map(async (workers) =>
        ctx.start(`kit (Redis, ${workers} workers)`, 'bench/servers/kit.ts', {
          ...ctx.kitEnv,
          FAST_PATH: '1',
          ...(await ctx.redisEnv(`bench:scale${workers}:`)),
          WORKERS: String(workers),
        }),
      ),
    );
    const rows = await measure(
      ctx,
      sizes.map((workers, i) =>
        clientCredentials(ctx, '6 scale-out', rowName(workers), kits[i]!, `kit ×${workers}`),
      ),
    );
    await Promise.all(kits.map((kit) => kit.stop()));
    return { rows, ratios: [ratio(rows, 'scale-out: 2 workers vs 1 (Redis)', rowName(2), rowName(1), 1.0)] };
  },
};
