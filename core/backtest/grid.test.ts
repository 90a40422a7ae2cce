import { describe, expect, it } from 'vitest';
import { backtestConfigSchema } from './config';
import { describeRuns } from './grid';
import { expandGrid } from '../strategy/specs';

const cfg = (strategies: unknown[]) =>
  backtestConfigSchema.parse({
    seed: 1,
    paths: 1,
    scenario: {
      mode: 'intensity',
      horizon: 1,
      dt: 0.005,
      s0: 100,
      price: { model: 'abm', sigma: 2 },
      intensity: { A: 140, k: 1.5 },
    },
    strategies,
  });

describe('describeRuns (grid expansion served to the app)', () => {
  it('labels every run in the runner order, defaults included', () => {
    const c = cfg([
      { type: 'fixed-spread', halfSpread: [0.01, 0.02] },
      { type: 'avellaneda-stoikov', gamma: 0.1, k: [1, 2], name: 'as' },
    ]);
    const { count, runs } = describeRuns(c.strategies);
    expect(count).toBe(4);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(runs[0]!.label).toBe('fixed-spread · halfSpread 0.01 · skewPerLot 0 · orderSizeLots 1');
    expect(runs[3]!.label).toMatch(/^as · gamma 0.1 · k 2/);
    // Same order as the runner's expansion.
    const runner = c.strategies.flatMap((s) => expandGrid(s));
    expect(runs.map((r) => r.type)).toEqual(runner.map((r) => r.type));
  });

  it('counts a huge grid without expanding it', () => {
    const big = Array.from({ length: 1000 }, (_, i) => 0.001 * (i + 1));
    const c = cfg([{ type: 'fixed-spread', halfSpread: big, skewPerLot: big }]);
    const { count, runs } = describeRuns(c.strategies);
    expect(count).toBe(1_000_000);
    expect(runs).toEqual([]);
  });
});
