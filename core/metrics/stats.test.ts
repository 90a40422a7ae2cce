import { describe, expect, it } from 'vitest';
import {
  downsideDeviation,
  empiricalQuantileSorted,
  historicalVarEs,
  mean,
  sampleStd,
  sharpeRatio,
  sortinoRatio,
  winRate,
} from './stats';

describe('mean / sampleStd / downsideDeviation', () => {
  it('hand values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5); // 10 / 4
    // [2,4,4,4,5,5,7,9]: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, /(8−1) = 32/7
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
    // min(x,0)² = 0, 4, 0, 16 → √(20/4) = √5
    expect(downsideDeviation([1, -2, 3, -4])).toBeCloseTo(Math.sqrt(5), 14);
    expect(downsideDeviation(new Float64Array([1, 2]))).toBe(0);
  });

  it('edge cases: empty → 0, single → std 0', () => {
    expect(mean([])).toBe(0);
    expect(sampleStd([])).toBe(0);
    expect(sampleStd([3])).toBe(0);
    expect(downsideDeviation([])).toBe(0);
  });
});

describe('sharpeRatio / sortinoRatio / winRate (not annualised)', () => {
  it('hand values', () => {
    // [1, 2, −1, 2]: mean 1; deviations 0, 1, −2, 1 → Σ² = 6, /3 = 2 → std √2 → Sharpe = 1/√2
    expect(sharpeRatio([1, 2, -1, 2])).toBeCloseTo(Math.SQRT1_2, 14);
    // downside deviation = √((−1)²/4) = 0.5 → Sortino = 1/0.5 = 2
    expect(sortinoRatio([1, 2, -1, 2])).toBeCloseTo(2, 14);
    // all negative [−1, −3]: mean −2, std √2 → −√2; DD = √((1 + 9)/2) = √5 → −2/√5
    expect(sharpeRatio([-1, -3])).toBeCloseTo(-Math.SQRT2, 14);
    expect(sortinoRatio([-1, -3])).toBeCloseTo(-2 / Math.sqrt(5), 14);
    // non-zero: 1, −2, 3 → 2 positive of 3
    expect(winRate([1, 0, -2, 3, 0])).toBeCloseTo(2 / 3, 15);
  });

  it('returns 0 where undefined: empty, single, constant (std is rounding noise), no losses', () => {
    expect(sharpeRatio([])).toBe(0);
    expect(sharpeRatio([0.3])).toBe(0);
    // ten 0.1s: the computed mean is not exactly 0.1, so the computed std is ~1e−17, not 0
    expect(sharpeRatio(new Array(10).fill(0.1))).toBe(0);
    expect(sharpeRatio([0, 0, 0])).toBe(0);
    expect(sortinoRatio([])).toBe(0);
    expect(sortinoRatio([1, 2, 0])).toBe(0);
    expect(winRate([])).toBe(0);
    expect(winRate([0, 0])).toBe(0);
  });
});

describe('empirical quantile and historical VaR / ES', () => {
  it('uses x_(⌈n·p⌉), no interpolation', () => {
    const s = [-5, -3, -1, 0, 2, 4, 6, 8, 10, 12];
    expect(empiricalQuantileSorted(s, 0.05)).toBe(-5); // ⌈0.5⌉ = 1
    expect(empiricalQuantileSorted(s, 0.2)).toBe(-3); // ⌈2⌉ = 2
    expect(empiricalQuantileSorted(s, 0.25)).toBe(-1); // ⌈2.5⌉ = 3
    expect(empiricalQuantileSorted(s, 0)).toBe(-5);
    expect(empiricalQuantileSorted(s, 1)).toBe(12);
    expect(empiricalQuantileSorted([], 0.5)).toBeNaN();
  });

  it('hand values on −50..49 (shuffled input)', () => {
    // x = −50..49 (n = 100). 95%: 100·0.05 = 5 → Q = x_(5) = −46 → VaR = 46,
    // ES = −mean(−50, −49, −48, −47, −46) = 48. 99%: ⌈1⌉ → Q = −50, VaR = ES = 50.
    const x = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) - 50); // a permutation of −50..49
    expect(new Set(x).size).toBe(100);
    expect(historicalVarEs(x, 0.95)).toEqual({ var: 46, es: 48 });
    expect(historicalVarEs(x, 0.99)).toEqual({ var: 50, es: 50 });
  });

  it('includes ties at the quantile in ES; reports gains as negative VaR; empty → 0', () => {
    // p = 0.2, n = 5 → x_(1) = −1; the three −1s are all ≤ Q → ES = 1
    expect(historicalVarEs([2, -1, 3, -1, -1], 0.8)).toEqual({ var: 1, es: 1 });
    // n = 4, p = 0.5 → x_(2) = −2 → VaR 2; ES = −(−6 − 2)/2 = 4
    expect(historicalVarEs([5, -2, -6, 1], 0.5)).toEqual({ var: 2, es: 4 });
    expect(historicalVarEs([1, 2, 3], 0.95)).toEqual({ var: -1, es: -1 });
    expect(historicalVarEs([], 0.95)).toEqual({ var: 0, es: 0 });
    expect(() => historicalVarEs([1], 1)).toThrow(/level/);
  });

  it('does not modify its input', () => {
    const x = new Float64Array([3, -1, 2]);
    historicalVarEs(x, 0.9);
    expect(Array.from(x)).toEqual([3, -1, 2]);
  });
});

describe('selection-based VaR/ES', () => {
  it('equals the sort-based definition on random samples with ties', async () => {
    const { Rng } = await import('../rng/rng');
    const { historicalVarEs, historicalVarEsSelect, kthSmallestInPlace } = await import('./stats');
    const rng = new Rng(3);
    for (const n of [1, 2, 7, 20, 101, 5000]) {
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = Math.round(rng.normal() * 4) / 2;
      for (const level of [0.9, 0.95, 0.99]) {
        expect(historicalVarEsSelect(x, level, new Float64Array(n))).toEqual(historicalVarEs(x, level));
      }
      const sorted = Float64Array.from(x).sort();
      for (const k of [0, n >> 1, n - 1])
        expect(kthSmallestInPlace(Float64Array.from(x), k) === sorted[k]).toBe(true);
    }
  });
});
