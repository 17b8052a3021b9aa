/**
 * Measuring a group of servers: a warm-up per target, then `runs` rounds, each visiting every
 * target once in a balanced order (rounds.ts), so the machine's drift spreads over all of them.
 */
import type { BenchContext } from './context.js';
import { bearerGet, formPost, runLoad, type LoadOptions, type LoadResult } from './load.js';
import { peakRss, type Server } from './proc.js';
import { BASIC, CC_FORM } from './refresh-chains.js';
import { summarize, type Row } from './report.js';
import { roundOrder } from './rounds.js';
import type { UserTokens } from './seed.js';

export interface Target {
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

export async function measure(ctx: BenchContext, targets: Target[]): Promise<Row[]> {
  const { cfg, log } = ctx;
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

/** client_credentials at the token endpoint, the same request on every connection. */
export function clientCredentials(
  ctx: BenchContext,
  scenario: string,
  name: string,
  server: Server,
  process: string,
): Target {
  return {
    scenario,
    name,
    server,
    process,
    load: (seconds) => ({
      url: server.url,
      connections: ctx.cfg.connections,
      seconds,
      pid: server.pid,
      request: formPost('/oauth/token', CC_FORM, BASIC),
    }),
  };
}

/** GET with one user token per connection (tokens carry `gid`: revocation checking is on). */
export function apiTarget(
  ctx: BenchContext,
  target: { scenario: string; name: string; server: Server; process: string; note?: string },
  url: string,
  path: string,
  tokens: UserTokens[],
): Target {
  return {
    ...target,
    load: (seconds) => ({
      url,
      connections: ctx.cfg.connections,
      seconds,
      pid: target.server.pid,
      perConnection: (i) => [bearerGet(path, tokens[i % tokens.length]!.accessToken)],
    }),
  };
}
