/**
 * Scenario 2, refresh_token with rotation on every use, one chain per connection, on each store
 * and on both paths of the token endpoint (default: through the example app's Express stack;
 * fast: `kit.fastPath(app)`).
 */
import type { BenchContext, KitPath, Store } from '../lib/context.js';
import { measure, type Target } from '../lib/measure.js';
import type { Server } from '../lib/proc.js';
import { refreshRequest, toChain, type Chain } from '../lib/refresh-chains.js';
import { seedGrants } from '../lib/seed.js';
import type { Scenario } from './scenario.js';

const SCENARIO = '2 refresh_token (rotation)';

function refreshTarget(ctx: BenchContext, name: string, server: Server, chains: Chain[]): Target {
  return {
    scenario: SCENARIO,
    name,
    server,
    process: server.name,
    load: (seconds) => ({
      url: server.url,
      connections: ctx.cfg.connections,
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

export const refresh: Scenario = {
  name: 'refresh',
  async run(ctx: BenchContext) {
    const targets: Target[] = [];
    for (const store of ['memory', 'redis'] as Store[]) {
      for (const path of ['fast', 'default'] as KitPath[]) {
        const server = await ctx.kit(store, path);
        if (!server) continue;
        const chains = (await seedGrants(server.url, ctx.cfg.connections)).map(toChain);
        targets.push(
          refreshTarget(
            ctx,
            `kit, ${store === 'redis' ? 'Redis' : 'memory'} store, ${path} path`,
            server,
            chains,
          ),
        );
      }
    }
    return { rows: await measure(ctx, targets) };
  },
};
