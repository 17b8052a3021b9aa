/** Scenario 4, token info (`/v1/oauth/token/info`, a kit route in the app's stack) on each store. */
import type { BenchContext } from '../lib/context.js';
import { apiTarget, measure } from '../lib/measure.js';
import type { Scenario } from './scenario.js';

const SCENARIO = '4 token info';

export const info: Scenario = {
  name: 'info',
  async run(ctx: BenchContext) {
    const targets = [];
    for (const [store, name] of [
      ['memory', 'kit, memory store'],
      ['redis', 'kit, Redis store'],
    ] as const) {
      const server = await ctx.kit(store, 'fast');
      if (!server) continue;
      const tokens = await ctx.tokens(server);
      const on = { scenario: SCENARIO, name, server, process: server.name };
      targets.push(apiTarget(ctx, on, server.url, '/v1/oauth/token/info', tokens));
    }
    return { rows: await measure(ctx, targets) };
  },
};
