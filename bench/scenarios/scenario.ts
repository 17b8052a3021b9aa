/** What a scenario module is: a name, and a run that returns its rows, goals and notes. */
import type { ScenarioName } from '../lib/config.js';
import type { BenchContext } from '../lib/context.js';
import type { Ratio, Row } from '../lib/report.js';

export interface ScenarioResult {
  /** Measured rows, for the rows table (in the order measured). */
  rows?: Row[];
  /** Goals, computed from this scenario's own rows. */
  ratios?: Ratio[];
  /** Report lines after the goals table (a noise floor, the soak table, …). */
  notes?: string[];
  /** Kept in the JSON results beside rows and ratios. */
  json?: Record<string, unknown>;
}

export interface Scenario {
  name: ScenarioName;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
