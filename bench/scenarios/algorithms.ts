/** Signing and verification per second for each algorithm, one thread (no server). */
import { measureAlgorithms } from '../lib/algorithms.js';
import type { BenchContext } from '../lib/context.js';
import { algorithmsTable } from '../lib/report.js';
import type { Scenario } from './scenario.js';

export const algorithms: Scenario = {
  name: 'algorithms',
  async run(ctx: BenchContext) {
    ctx.log('algorithms: sign/verify per second, one thread');
    const results = await measureAlgorithms();
    return { notes: [algorithmsTable(results)], json: { algorithms: results } };
  },
};
