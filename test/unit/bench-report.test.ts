/**
 * The bench's arithmetic: a goal's ratio is the median of per-round ratios, and its spread the
 * middle half of them, so a target that falls inside the spread is visibly undecided.
 */
import type { LoadResult } from '../../bench/lib/load.js';
import { pooled, quantile, ratio, summarize } from '../../bench/lib/report.js';

const run = (rps: number, cpuMsPerRequest: number): LoadResult => ({
  rps,
  p50: 1,
  p99: 2,
  ok: rps,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { '200': rps },
  seconds: 1,
  cpuMsPerRequest,
});

describe('bench report', () => {
  it('interpolates quantiles between the nearest values', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantile([7], 0.25)).toBe(7);
  });

  it('takes the median and the middle half of the per-round ratios, not a ratio of medians', () => {
    // Round by round the kit is 1.1×, 1.2×, 0.9×, 1.0× and 1.3× the floor; the host slowed down
    // in round 3 for both.
    const kit = summarize(
      's',
      'kit',
      'p',
      [1100, 1200, 450, 1000, 1300].map((r) => run(r, 1)),
      0,
    );
    const floor = summarize(
      's',
      'floor',
      'p',
      [1000, 1000, 500, 1000, 1000].map((r) => run(r, 2)),
      0,
    );
    const r = ratio([kit, floor], 'goal', 'kit', 'floor', 1);
    expect(r.ratio).toBeCloseTo(1.1);
    expect(r.spread![0]).toBeCloseTo(1.0);
    expect(r.spread![1]).toBeCloseTo(1.2);
    expect(r.cpuRatio).toBeCloseTo(2);
    expect(r.met).toBe(true);
  });

  it('reports a goal whose rows were not measured as pending, not as met', () => {
    const floor = summarize('s', 'floor', 'p', [run(1000, 1)], 0);
    expect(ratio([floor], 'goal', 'kit', 'floor', 1)).toMatchObject({ ratio: undefined, met: undefined });
  });

  it('pools identical servers round by round into one floor (geometric mean)', () => {
    const a = summarize('s', 'a', 'p1', [run(1000, 1), run(400, 2)], 0);
    const b = summarize('s', 'b', 'p2', [run(4000, 4), run(900, 2)], 0);
    const floor = pooled('floor', [a, b])!;
    expect(floor.runs[0]!.rps).toBeCloseTo(2000);
    expect(floor.runs[1]!.rps).toBeCloseTo(600);
    expect(floor.runs[0]!.cpuMsPerRequest).toBeCloseTo(2);
    expect(floor.process).toBe('p1 + p2');
    const uneven = summarize('s', 'c', 'p3', [run(1, 1)], 0);
    expect(pooled('floor', [a, uneven])).toBeUndefined();
  });
});
