/**
 * `npm run bench`: oauth-kit beside its peers, every server in its own process on loopback.
 * One module per scenario in `scenarios/`; this file runs the chosen ones in order and writes
 * the report (see bench/README.md for the method).
 *
 * Choose scenarios and durations on the command line or in the environment:
 * `npm run bench -- token --runs 2 --seconds 1 --warmup 1` (lib/config.ts lists every knob:
 * BENCH_ONLY, BENCH_RUNS, BENCH_SECONDS, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_SOAK_SECONDS,
 * BENCH_LIMIT_SECONDS).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchConfig, type ScenarioName } from './lib/config.js';
import { createContext } from './lib/context.js';
import { killAll, ROOT } from './lib/proc.js';
import { ratiosTable, rowsTable, type Ratio, type Row } from './lib/report.js';
import { algorithms } from './scenarios/algorithms.js';
import { api } from './scenarios/api.js';
import { info } from './scenarios/info.js';
import { refresh } from './scenarios/refresh.js';
import { scale } from './scenarios/scale.js';
import type { Scenario } from './scenarios/scenario.js';
import { soak } from './scenarios/soak.js';
import { token } from './scenarios/token.js';

/**
 * In this order: token first, so the kit's processes arrive at it with the history bare
 * oidc-provider's have (the other scenarios seed code flows into them); scale last, since it
 * stops the shared kit processes.
 */
const SCENARIOS: Record<ScenarioName, Scenario> = { algorithms, token, api, info, refresh, soak, scale };

const cfg = benchConfig(process.env, process.argv.slice(2));
const started = Date.now();
const ctx = await createContext(cfg, started);

// Bounded in time, and nothing left running.
const watchdog = setTimeout(() => {
  ctx.log(`hard limit of ${cfg.limitSeconds}s reached: stopping`);
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

ctx.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(
      ' ',
    )}; ${cfg.connections} connections, ${cfg.runs} runs × ${cfg.seconds}s after ${cfg.warmup}s warm-up`,
);
const rows: Row[] = [];
const ratios: Ratio[] = [];
const notes: string[] = [];
const json: Record<string, unknown> = {};
for (const scenario of Object.values(SCENARIOS)) {
  if (cfg.only && !cfg.only.has(scenario.name)) continue;
  const result = await scenario.run(ctx);
  rows.push(...(result.rows ?? []));
  ratios.push(...(result.ratios ?? []));
  if (result.notes?.length) notes.push('', ...result.notes);
  Object.assign(json, result.json);
}
await ctx.close();

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverageAtEnd: loadavg(),
};
// Goals whose rows were not measured in this run are left out, except pending Redis ones.
const shownRatios = ratios.filter((r) => r.ratio !== undefined || r.pending !== 'not measured');
const report = [
  `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, Node ${machine.node}; ` +
    `autocannon ${cfg.connections} connections, ${cfg.runs} interleaved runs × ${cfg.seconds}s after ${cfg.warmup}s warm-up.`,
  '',
  rowsTable(rows, cfg.runs),
  '',
  ratiosTable(shownRatios),
  ...notes,
  ...(ctx.redisPending ? ['', `Redis rows pending: ${ctx.redisPending}.`] : []),
].join('\n');
process.stdout.write(`\n${report}\n`);

const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const results = JSON.stringify(
  {
    date: new Date().toISOString(),
    machine,
    config: { ...cfg, only: cfg.only ? [...cfg.only] : undefined },
    rows,
    ratios,
    ...json,
    redisPending: ctx.redisPending,
    report,
  },
  undefined,
  2,
);
writeFileSync(join(resultsDir, `bench-${stamp}.json`), results);
writeFileSync(join(resultsDir, 'latest.json'), results);
ctx.log(`done in ${Math.round((Date.now() - started) / 1000)}s; JSON in bench/results/bench-${stamp}.json`);
process.exit(0);
