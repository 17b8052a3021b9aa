/** Medians, ratios and the printed tables of a bench run. */
import type { AlgorithmResult } from './algorithms.js';
import type { LoadResult } from './load.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) of the values, interpolating between the two nearest. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.ceil(at)]! - sorted[low]!) * (at - low);
}

export interface Row {
  scenario: string;
  name: string;
  /** Which process served it (several rows can share one). */
  process: string;
  runs: LoadResult[];
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number | undefined;
  peakRssMB: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  note?: string;
}

export function summarize(
  scenario: string,
  name: string,
  process: string,
  runs: LoadResult[],
  peakRssBytes: number,
  note?: string,
): Row {
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, n] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  const cpu = runs.map((r) => r.cpuMsPerRequest).filter((c): c is number => c !== undefined);
  return {
    scenario,
    name,
    process,
    runs,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuMsPerRequest: cpu.length ? median(cpu) : undefined,
    peakRssMB: peakRssBytes / 2 ** 20,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    statusCodes,
    ...(note ? { note } : {}),
  };
}

/**
 * Identical servers measured as one: round by round, the geometric mean of their req/s and
 * CPU per request. Two processes of the same code differ by chance (where the scheduler put
 * them, what their JIT settled on) as much as the host drifts; a floor pooled from both
 * leans less on one process's luck. Undefined unless every row has the same rounds.
 */
export function pooled(name: string, rows: Row[]): Row | undefined {
  const first = rows[0];
  if (!first || rows.some((r) => r.runs.length !== first.runs.length)) return undefined;
  const mean = (values: (number | undefined)[]): number | undefined => {
    let logSum = 0;
    for (const v of values) {
      if (v === undefined || v <= 0) return undefined;
      logSum += Math.log(v);
    }
    return Math.exp(logSum / values.length);
  };
  const runs: LoadResult[] = first.runs.map((run, i) => ({
    ...run,
    rps: mean(rows.map((r) => r.runs[i]!.rps)) ?? 0,
    cpuMsPerRequest: mean(rows.map((r) => r.runs[i]!.cpuMsPerRequest)),
  }));
  return summarize(first.scenario, name, rows.map((r) => r.process).join(' + '), runs, 0);
}

export interface Ratio {
  goal: string;
  numerator: string;
  denominator: string;
  /** req/s, numerator over denominator: the median of the per-round ratios (see roundRatios). */
  ratio: number | undefined;
  /**
   * The same comparison by server CPU per request (denominator's / numerator's): less
   * sensitive to the machine's other load than req/s, shown beside it for that reason.
   */
  cpuRatio?: number;
  /**
   * The middle half of the per-round req/s ratios (first to third quartile): how far this
   * run's rounds disagree. A target inside it is not decided by this run.
   */
  spread?: [number, number];
  target: number;
  met: boolean | undefined;
  pending?: string;
}

/**
 * `value(a) / value(b)` round by round: rows compared by a goal are measured together, so run i
 * of both came from the same interleaved round, and drift in the machine's speed between rounds
 * cancels out of each ratio. Undefined
 * unless both rows have a value for every round, the denominator's non-zero.
 */
function roundRatios(a: Row, b: Row, value: (run: LoadResult) => number | undefined): number[] | undefined {
  if (a.runs.length !== b.runs.length || a.runs.length === 0) return undefined;
  const ratios: number[] = [];
  for (const [i, run] of a.runs.entries()) {
    const x = value(run);
    const y = value(b.runs[i]!);
    if (x === undefined || !y) return undefined;
    ratios.push(x / y);
  }
  return ratios;
}

const rps = (run: LoadResult) => run.rps;
const cpu = (run: LoadResult) => run.cpuMsPerRequest;

/** The named rows' req/s ratios round by round (empty when either row was not measured). */
export function perRoundRatios(rows: Row[], numerator: string, denominator: string): number[] {
  const a = rows.find((r) => r.name === numerator);
  const b = rows.find((r) => r.name === denominator);
  return (a && b && roundRatios(a, b, rps)) || [];
}

export function ratio(
  rows: Row[],
  goal: string,
  numerator: string,
  denominator: string,
  target: number,
  pending?: string,
): Ratio {
  const a = rows.find((r) => r.name === numerator);
  const b = rows.find((r) => r.name === denominator);
  if (!a || !b) {
    return {
      goal,
      numerator,
      denominator,
      ratio: undefined,
      target,
      met: undefined,
      pending: pending ?? 'not measured',
    };
  }
  if (b.rps === 0) {
    return {
      goal,
      numerator,
      denominator,
      ratio: undefined,
      target,
      met: false,
      pending: `${denominator}: no 2xx`,
    };
  }
  // Medians of the per-round ratios; ratios of the medians if the rows were not measured in rounds.
  const byRound = roundRatios(a, b, rps);
  const value = byRound ? median(byRound) : a.rps / b.rps;
  const cpuByRound = roundRatios(b, a, cpu); // less CPU per request is better: denominator's over numerator's
  const cpuRatio = cpuByRound
    ? median(cpuByRound)
    : a.cpuMsPerRequest && b.cpuMsPerRequest
      ? b.cpuMsPerRequest / a.cpuMsPerRequest
      : undefined;
  return {
    goal,
    numerator,
    denominator,
    ratio: value,
    ...(cpuRatio !== undefined ? { cpuRatio } : {}),
    ...(byRound && byRound.length > 1
      ? { spread: [quantile(byRound, 0.25), quantile(byRound, 0.75)] as [number, number] }
      : {}),
    target,
    met: value >= target,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number | undefined, digits = 2) => (n === undefined ? '–' : n.toFixed(digits));

export function rowsTable(rows: Row[], runsPerRow: number): string {
  const lines = [
    `| scenario | server | req/s (2xx, median of ${runsPerRow}) | p50 ms | p99 ms | server CPU ms/req | peak RSS MB | non-2xx | errors |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.name}${r.note ? ` (${r.note})` : ''} | ${int(r.rps)} | ${r.p50} | ${r.p99} | ${fixed(r.cpuMsPerRequest)} | ${int(r.peakRssMB)} | ${r.non2xx} | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}

export function ratiosTable(ratios: Ratio[]): string {
  const lines = [
    '| goal | ratio (req/s, median of rounds) | middle half of rounds | target | met | ratio by CPU ms/req |',
    '|---|---:|---:|---:|---|---:|',
  ];
  for (const r of ratios) {
    const met =
      r.met === undefined ? `pending: ${r.pending}` : r.met ? 'yes' : r.pending ? `no (${r.pending})` : 'no';
    lines.push(
      `| ${r.goal} | ${r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}×`} | ${r.spread ? `${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)}×` : '–'} | ≥ ${r.target.toFixed(2)}× | ${met} | ${r.cpuRatio === undefined ? '–' : `${r.cpuRatio.toFixed(2)}×`} |`,
    );
  }
  return lines.join('\n');
}

export function algorithmsTable(results: AlgorithmResult[]): string {
  const lines = [
    '| alg | node:crypto sign/s | node:crypto verify/s | jose JWT sign/s | jose JWT verify/s | token bytes |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const a of results) {
    lines.push(
      `| ${a.alg} | ${int(a.cryptoSignPerSecond)} | ${int(a.cryptoVerifyPerSecond)} | ${int(a.joseSignPerSecond)} | ${int(a.joseVerifyPerSecond)} | ${a.tokenBytes} |`,
    );
  }
  return lines.join('\n');
}
