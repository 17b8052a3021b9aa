/**
 * What a bench run measures and for how long: environment variables, overridden by the command
 * line (`npm run bench -- token refresh --runs 3 --seconds 1 --warmup 1`). Positional arguments
 * name the scenarios to run (the same as BENCH_ONLY); none means all of them.
 */
import { parseArgs } from 'node:util';

export const SCENARIO_NAMES = ['algorithms', 'token', 'api', 'info', 'refresh', 'soak', 'scale'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchConfig {
  /** autocannon connections (BENCH_CONNECTIONS, --connections): 50. */
  connections: number;
  /** Interleaved rounds per scenario (BENCH_RUNS, --runs): 10. */
  runs: number;
  /** Seconds per run (BENCH_SECONDS, --seconds): 2. */
  seconds: number;
  /** Warm-up seconds per server (BENCH_WARMUP, --warmup): 5. */
  warmup: number;
  /** Soak seconds; RSS is compared between its middle and its end (BENCH_SOAK_SECONDS, --soak-seconds): 120. */
  soakSeconds: number;
  /** Hard stop for the whole run (BENCH_LIMIT_SECONDS, --limit-seconds): 1200. */
  limitSeconds: number;
  /** The scenarios to run (BENCH_ONLY=token,api or positional names); undefined: all. */
  only: ReadonlySet<ScenarioName> | undefined;
}

const NUMBERS = {
  connections: ['BENCH_CONNECTIONS', 50],
  runs: ['BENCH_RUNS', 10],
  seconds: ['BENCH_SECONDS', 2],
  warmup: ['BENCH_WARMUP', 5],
  soakSeconds: ['BENCH_SOAK_SECONDS', 120],
  limitSeconds: ['BENCH_LIMIT_SECONDS', 1200],
} as const;
type NumberKey = keyof typeof NUMBERS;

const flag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`bench: ${name} must be a positive number, not "${value}"`);
  return n;
}

function scenarios(names: string[]): ReadonlySet<ScenarioName> | undefined {
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`bench: unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return new Set(names as ScenarioName[]);
}

export function benchConfig(env: NodeJS.ProcessEnv, argv: string[]): BenchConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: Object.fromEntries(
      (Object.keys(NUMBERS) as NumberKey[]).map((key) => [flag(key), { type: 'string' as const }]),
    ),
  });
  const numbers = Object.fromEntries(
    (Object.keys(NUMBERS) as NumberKey[]).map((key) => {
      const [variable, fallback] = NUMBERS[key];
      const given = (values as Record<string, string | undefined>)[flag(key)] ?? env[variable];
      return [key, given === undefined ? fallback : positive(`--${flag(key)} / ${variable}`, given)];
    }),
  ) as Record<NumberKey, number>;
  const named = positionals.length ? positionals : (env.BENCH_ONLY?.split(',').filter(Boolean) ?? []);
  return { ...numbers, only: scenarios(named) };
}
