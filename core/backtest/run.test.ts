/**
 * The backtest runner's own contracts: a slice of the grid's runs (runIndices) gives the same numbers
 * as the whole backtest, which is what lets the CLI deal runs over several workers; and paths handed
 * back to a simulator for reuse (MarketSimulator.recycle) change nothing, in both simulation modes.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config';
import { runBacktest } from './run';
import { backtestConfigSchema } from './config';
import type { PathResult } from '../sim/path-result';

const intensityYaml = `name: slices
seed: 5
paths: 30
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: avellaneda-stoikov
    gamma: [0.05, 0.1, 0.5]
  - type: fixed-spread
    halfSpread: [0.5, 1]
`;

const bookYaml = `name: book-recycle
seed: 9
paths: 6
scenario:
  mode: book
  horizon: 20
  tickSize: 0.01
  s0: 100
  price: { model: abm, sigma: 0.02 }
  warmup: 5
strategies:
  - type: fixed-spread
    halfSpread: [0.01, 0.03]
`;

const cfgOf = (yaml: string) => parseConfigText(yaml, 'test.yaml', backtestConfigSchema);

describe('runBacktest', () => {
  it('computes any slice of the runs, in the order asked, with the numbers of the whole backtest', () => {
    const cfg = cfgOf(intensityYaml);
    const whole = runBacktest(cfg).runs;
    expect(whole).toHaveLength(5);
    const runsSeen: number[] = [];
    const slice = runBacktest(cfg, {
      runIndices: [4, 1, 2],
      onProgress: (p) => {
        runsSeen.push(p.run);
        expect(p.runs).toBe(5);
        expect(p.total).toBe(3 * 30);
      },
    }).runs;
    expect(slice).toEqual([whole[4], whole[1], whole[2]]);
    expect(new Set(runsSeen)).toEqual(new Set([4, 1, 2]));
    expect(() => runBacktest(cfg, { runIndices: [5] })).toThrow(/runIndices: 5 is not a run index/);
    expect(() => runBacktest(cfg, { runIndices: [1.5] })).toThrow(RangeError);
  });

  for (const [mode, yaml] of [
    ['intensity', intensityYaml],
    ['book', bookYaml],
  ] as const) {
    it(`${mode} mode: recycled paths give the same numbers as fresh ones, and kept paths are not reused`, () => {
      const cfg = cfgOf(yaml);
      // Keeping every path (onPath without keepPaths) disables recycling: the reference.
      const kept: PathResult[] = [];
      const fresh = runBacktest(cfg, { onPath: (_, p) => kept.push(p) }).runs;
      const recycled = runBacktest(cfg).runs;
      expect(recycled).toEqual(fresh);
      // Every kept path owns distinct arrays (nothing was handed back and overwritten).
      expect(new Set(kept.map((p) => p.series.pnl)).size).toBe(kept.length);
      expect(new Set(kept.map((p) => p.fills)).size).toBe(kept.length);

      // keepPaths: the first path of each run is the caller's and survives the later paths.
      const first: PathResult[] = [];
      runBacktest(cfg, { keepPaths: 1, onPath: (_, p) => first.push(p) });
      expect(first).toHaveLength(fresh.length);
      first.forEach((p, r) => {
        const ref = kept[r * cfg.paths];
        expect(p.pathIndex).toBe(0);
        expect(Array.from(p.series.pnl)).toEqual(Array.from(ref?.series.pnl ?? []));
        expect(p.fills.count).toBe(ref?.fills.count);
      });
    });
  }
});
