/** The bench's scenarios and durations come from the environment, the command line overriding it. */
import { benchConfig, SCENARIO_NAMES } from '../../bench/lib/config.js';

test('without settings every scenario runs with the documented durations', () => {
  expect(benchConfig({}, [])).toEqual({
    connections: 50,
    runs: 10,
    seconds: 2,
    warmup: 5,
    soakSeconds: 120,
    limitSeconds: 1200,
    only: undefined,
  });
});

test('scenario names and flags on the command line override BENCH_ONLY and the BENCH_ variables', () => {
  const cfg = benchConfig({ BENCH_ONLY: 'token,api', BENCH_RUNS: '3', BENCH_WARMUP: '2' }, [
    'refresh',
    'token',
    '--runs',
    '1',
    '--soak-seconds',
    '30',
  ]);
  expect([...cfg.only!]).toEqual(['refresh', 'token']);
  expect([cfg.runs, cfg.warmup, cfg.soakSeconds]).toEqual([1, 2, 30]);
  expect([...benchConfig({ BENCH_ONLY: 'token,api' }, []).only!]).toEqual(['token', 'api']);
});

test('an unknown scenario, a bad number or an unknown flag stops the run before it starts', () => {
  expect(() => benchConfig({}, ['tokens'])).toThrow(
    `unknown scenario "tokens"; known: ${SCENARIO_NAMES.join(', ')}`,
  );
  expect(() => benchConfig({ BENCH_SECONDS: 'two' }, [])).toThrow(/BENCH_SECONDS must be a positive number/);
  expect(() => benchConfig({}, ['--runs', '0'])).toThrow(/--runs .* must be a positive number/);
  expect(() => benchConfig({}, ['--bogus', '1'])).toThrow(/bogus/);
});
