import { describe, expect, it } from 'vitest';
import { evaluationSeed, loadTrainConfig, trainingSeed } from '../train/config';
import {
  BASELINE_FAMILIES,
  BASELINE_NAMES,
  FAMILY_PARAMS,
  fromUnit,
  searchBoxes,
  tuneBaselines,
  tunedQuoters,
  untunedQuoters,
  type TuneOptions,
} from './tune-baselines';

// The Avellaneda–Stoikov (2008) model with reward ΔPnL: a symmetric quoter at distance δ earns on
// average 2·A·δ·e^{−kδ} per unit time (the mid is a martingale, so inventory adds no drift), which is
// largest at δ* = 1/k = 0.667. The tuned static quoter must find it without being told.
const cfg = loadTrainConfig('resources/configs/sac-as.yaml');
const k = 1.5;
const metrics = { sessionsPerYear: 252, markoutHorizon: 0.05 };
// A small γ grid and refinement budget keep the test quick; the search is the same.
const base: TuneOptions = { cfg, paths: 6, gammas: [0.01, 0.1, 1], refineBudget: 8, metrics };

describe('tuneBaselines', () => {
  const t = tuneBaselines(base);

  it('tunes on training paths, deterministically', () => {
    expect(t.seed).toBe(trainingSeed(cfg));
    expect(t.seed).not.toBe(evaluationSeed(cfg));
    expect(t.firstPath).toBe(0);
    expect(tuneBaselines(base)).toEqual(t);
  });

  it('finds the analytic optimum 1/k of a static quoter in the AS model', () => {
    const h = t.best.static.params.halfSpread!;
    expect(Math.abs(h - 1 / k)).toBeLessThan(0.2);
    // and the fixed spread with the optimal skew does at least as well as without skew
    expect(t.best.fixed.reward).toBeGreaterThanOrEqual(t.best.static.reward);
  });

  it('refines every grid optimum and never returns a point outside its box', () => {
    for (const f of BASELINE_FAMILIES) {
      const b = t.best[f];
      expect(b.name).toBe(BASELINE_NAMES[f]);
      expect(b.family).toBe(f);
      const own = t.candidates.filter((c) => c.family === f);
      for (const c of own.filter((x) => x.stage === 'grid'))
        expect(b.reward).toBeGreaterThanOrEqual(c.reward);
      for (const key of FAMILY_PARAMS[f]) {
        const box = t.boxes[key]!;
        expect(b.params[key]).toBeGreaterThanOrEqual(box.lo);
        expect(b.params[key]).toBeLessThanOrEqual(box.hi);
      }
    }
    // the refinement ran and found something the grid did not, for at least one family
    expect(t.candidates.some((c) => c.stage === 'refine')).toBe(true);
    expect(BASELINE_FAMILIES.some((f) => t.best[f].stage === 'refine')).toBe(true);
    expect(t.best.random.params).toEqual({});
  });

  it('chooses the best baseline by mean reward on the tuning paths', () => {
    const rewards = BASELINE_FAMILIES.map((f) => t.best[f].reward);
    expect(t.bestBaseline).toBe(BASELINE_NAMES[BASELINE_FAMILIES[rewards.indexOf(Math.max(...rewards))]!]);
    // quoting at random within [0, 3] is worse than the tuned static quoter
    expect(t.best.random.reward).toBeLessThan(t.best.static.reward);
    expect(tunedQuoters(cfg, t).map((q) => q.name)).toEqual(BASELINE_FAMILIES.map((f) => BASELINE_NAMES[f]));
  });

  it('flags an optimum on the edge of its box', () => {
    expect(t.best.static.edges).toEqual([]);
    // with reward ΔPnL the AS optimum is the limit γ → 0: the search must end at the lower edge
    expect(t.best.as.edges).toContainEqual({ param: 'gamma', bound: 'lower', value: 0.01 });
    const narrow = tuneBaselines({ ...base, paths: 10, boxes: { halfSpread: [0.01, 0.1] }, refineBudget: 4 });
    expect(narrow.best.static.params.halfSpread).toBe(0.1);
    expect(narrow.best.static.edges).toEqual([{ param: 'halfSpread', bound: 'upper', value: 0.1 }]);
  });

  it('validates its options', () => {
    expect(() => tuneBaselines({ ...base, paths: 0 })).toThrow(/paths/);
    expect(() => tuneBaselines({ ...base, gammas: [0.1, -1] })).toThrow(/gammas/);
    expect(() => tuneBaselines({ ...base, boxes: { k: [0, 2] } })).toThrow(/box of k/);
    expect(() => tuneBaselines({ ...base, boxes: { A: [5, 1] } })).toThrow(/box of A/);
    expect(() => tuneBaselines({ ...base, refineBudget: -1 })).toThrow(/refineBudget/);
  });
});

describe('search boxes and untuned baselines', () => {
  it('spans the config values by two decades each way, log for γ, A, k and linear for the spreads', () => {
    const b = searchBoxes(cfg);
    expect(b.gamma).toMatchObject({ lo: 0.001, hi: 1000, scale: 'log' });
    expect(b.gamma.grid).toHaveLength(13);
    expect(b.A).toMatchObject({ lo: 1.4, hi: 14000, scale: 'log' });
    expect(b.k.lo).toBeCloseTo(0.015, 12);
    expect(b.k.hi).toBeCloseTo(150, 12);
    expect(fromUnit(b.k, 0.5)).toBeCloseTo(1.5, 12);
    expect(b.halfSpread).toMatchObject({ lo: 0, hi: 3, scale: 'linear' });
    expect(fromUnit(b.halfSpread, 0.25)).toBeCloseTo(0.75, 12);
    expect(b.skewPerLot).toMatchObject({ lo: 0, hi: 3 });
    expect(b.skewPerLot.grid).toHaveLength(6);
  });

  it('builds every baseline with the config parameters when not tuning', () => {
    const qs = untunedQuoters(cfg);
    expect(qs.map((q) => q.name)).toEqual(['AS', 'GLFT', 'fixed-spread', 'static', 'random']);
    expect(qs[0]!.params).toMatchObject({ gamma: 0.01, k: 1.5 });
    expect(qs[1]!.params).toMatchObject({ gamma: 0.01, A: 140, k: 1.5 });
    expect(qs[3]!.params).toMatchObject({ halfSpread: 1.5, skewPerLot: 0 });
  });
});
