import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { ljungBox, moments } from './diagnostics';

describe('residual diagnostics', () => {
  it('moments: hand values', () => {
    const m = moments([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.variance).toBe(1.25);
    expect(m.skewness).toBeCloseTo(0, 15);
    expect(m.excessKurtosis).toBeCloseTo(2.5625 / 1.5625 - 3, 14);
    expect(() => moments([1])).toThrow(RangeError);
  });

  it('Ljung–Box equals an independent numpy/scipy computation', () => {
    // numpy: n(n+2) Σ ρ_k²/(n−k) with deviations from the mean; scipy.stats.chi2.sf(Q, df)
    const x = [1, 3, 2, 5, 4, 6, 5, 8, 7, 9, 6, 4];
    const lb = ljungBox(x, 3);
    expect(lb.q).toBeCloseTo(7.00710749534891, 12);
    expect(lb.pValue).toBeCloseTo(0.0716715771487047, 10);
    const lb1 = ljungBox(x, 3, 1);
    expect(lb1.df).toBe(2);
    expect(lb1.pValue).toBeCloseTo(0.030090259998755038, 10);
  });

  it('does not reject i.i.d. noise and rejects an AR(1) at once', () => {
    const rng = new Rng(11);
    const noise = Array.from({ length: 5000 }, () => rng.normal());
    expect(ljungBox(noise, 10).pValue).toBeGreaterThan(0.01);
    const ar: number[] = [0];
    for (let t = 1; t < 5000; t++) ar.push(0.5 * ar[t - 1]! + rng.normal());
    expect(ljungBox(ar, 10).pValue).toBeLessThan(1e-12);
    expect(ljungBox([2, 2, 2, 2], 2)).toMatchObject({ q: 0, pValue: 1 });
    expect(() => ljungBox([1, 2, 3], 3)).toThrow(/lags/);
    expect(() => ljungBox([1, 2, 3, 4], 2, 2)).toThrow(/fittedDf/);
  });
});
