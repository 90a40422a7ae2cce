import { describe, expect, it } from 'vitest';
import { expandGrid, strategySpecSchema } from './specs';

describe('strategy specs', () => {
  it('expands list-valued parameters into the cartesian product in key order', () => {
    const spec = strategySpecSchema.parse({
      type: 'fixed-spread',
      halfSpread: [0.1, 0.2],
      skewPerLot: [0, 0.01, 0.02],
    });
    const grid = expandGrid(spec);
    expect(grid).toHaveLength(6);
    expect(grid.map((g) => [g.halfSpread, g.skewPerLot])).toEqual([
      [0.1, 0],
      [0.1, 0.01],
      [0.1, 0.02],
      [0.2, 0],
      [0.2, 0.01],
      [0.2, 0.02],
    ]);
    expect(grid.every((g) => g.type === 'fixed-spread' && g.orderSizeLots === 1)).toBe(true);
  });

  it('leaves a scalar spec as one run', () => {
    expect(expandGrid(strategySpecSchema.parse({ type: 'glft', gamma: 0.1 }))).toHaveLength(1);
  });
});
