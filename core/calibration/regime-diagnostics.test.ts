import { describe, expect, it } from 'vitest';
import {
  classificationMeasure,
  normalQuantile,
  regimeDiagnostics,
  regimeResiduals,
} from './regime-diagnostics';

// scripts/reference/regime_pit_reference.py (numpy + scipy), printed values held as constants.
const R = [0.3, -1.2, 2.5, 0.1, -0.4, 3.1, -2.2, 0.05];
const PARAMS = {
  means: [0, 0.2],
  sigmas: [0.5, 2],
  transition: [
    [0.9, 0.1],
    [0.3, 0.7],
  ],
};
const Z_REF = [
  0.451803880826, -1.703003714607, 1.731403021497, 0.024628072224, -0.622057646958, 2.215701286682,
  -1.401379049474, -0.022479556974,
];

describe('regime diagnostics', () => {
  it('one-step-ahead PIT residuals match the scipy reference', () => {
    const z = regimeResiduals(R, PARAMS);
    Z_REF.forEach((x, t) => expect(z[t]).toBeCloseTo(x, 9));
  });

  it('with identical states the residuals are (r − μ)/σ', () => {
    const z = regimeResiduals(R, { means: [0.1, 0.1], sigmas: [2, 2], transition: PARAMS.transition });
    R.forEach((r, t) => expect(z[t]).toBeCloseTo((r - 0.1) / 2, 9));
  });

  it('classification measure: 0 when certain, 100 when uninformative, scipy value in between', () => {
    expect(classificationMeasure([1, 0, 0, 1], 2)).toBe(0);
    expect(classificationMeasure([0.5, 0.5, 0.5, 0.5], 2)).toBeCloseTo(100, 12);
    expect(classificationMeasure([1 / 3, 1 / 3, 1 / 3], 3)).toBeCloseTo(100, 12);
    expect(classificationMeasure([0.9, 0.1, 0.5, 0.5, 0.3, 0.7, 1, 0], 2)).toBeCloseTo(55, 12);
  });

  it('durations 1/(1 − p_jj) in observations and seconds', () => {
    const d = regimeDiagnostics(
      R.concat(R, R, R, R, R),
      { ...PARAMS, smoothed: new Float64Array(96).fill(0.5) },
      {
        intervalSeconds: 10,
      },
    );
    expect(d.expectedDurations[0]).toBeCloseTo(10, 12);
    expect(d.expectedDurations[1]).toBeCloseTo(1 / 0.3, 12);
    expect(d.expectedDurationsSeconds![1]).toBeCloseTo(100 / 3, 10);
    expect(d.classificationMeasure).toBeCloseTo(100, 12);
    expect(d.ljungBox.lags).toBe(9);
  });

  it('normal quantile inverts the CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0)).toBe(-8.3);
  });
});

describe('regime standard errors', () => {
  it('match the well-separated-states approximation σ_j/√(n π_j) for the means', async () => {
    const { Rng } = await import('../rng/rng');
    const { fitRegimes } = await import('./regimes');
    const { regimeStdErrors } = await import('./regime-diagnostics');
    const rng = new Rng(11);
    const n = 4000;
    const r = new Float64Array(n);
    let s = 0;
    for (let t = 0; t < n; t++) {
      if (rng.next() < (s === 0 ? 0.02 : 0.05)) s = 1 - s;
      r[t] = (s === 0 ? 1 : 4) * rng.normal();
    }
    const fit = fitRegimes(r, 2);
    const se = regimeStdErrors(r, fit)!;
    expect(se.names).toEqual(['mu0', 'mu1', 'sigma0', 'sigma1', 'p01', 'p10']);
    const pi0 = fit.stationary[0]!;
    expect(se.stdErrors[0]! / (fit.sigmas[0]! / Math.sqrt(n * pi0))).toBeGreaterThan(0.9);
    expect(se.stdErrors[0]! / (fit.sigmas[0]! / Math.sqrt(n * pi0))).toBeLessThan(1.2);
    // σ of a normal sample: σ/√(2 n π)
    expect(se.stdErrors[3]! / (fit.sigmas[1]! / Math.sqrt(2 * n * (1 - pi0)))).toBeGreaterThan(0.9);
    expect(se.stdErrors[3]! / (fit.sigmas[1]! / Math.sqrt(2 * n * (1 - pi0)))).toBeLessThan(1.3);
    // the interval covers the truth of this draw's generator
    expect(se.ci95[4]![0]).toBeLessThan(0.02);
    expect(se.ci95[4]![1]).toBeGreaterThan(0.02);
    // a σ on its floor has no standard error
    const floored = regimeStdErrors(r, { ...fit, sigmaFloor: fit.sigmas[0]! });
    expect(Number.isNaN(floored!.stdErrors[0]!)).toBe(true);
  }, 60_000);
});
