/**
 * GARCH(1,1): the likelihood against a naive re-computation and against an independent Python value,
 * parameter recovery on seeded simulations, the optimum against scipy's on a fixed fixture, scale
 * invariance (returns of 1e-7), and input errors.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { fitGarch, garchConditionalVariances, garchLogLikelihood, type GarchParams } from './garch';
import { CalibrationInputError } from './input';
import { readReturnsCsv } from './returns-csv';

const FIXTURE = fileURLToPath(new URL('./fixtures/garch-2000.csv', import.meta.url));
const fixture = readReturnsCsv(FIXTURE).returns;

/**
 * Printed by `python3 scripts/reference/calibration_reference.py --only garch` (numpy + scipy: its own
 * loop likelihood, SLSQP from a grid of starts on percentage returns + Nelder–Mead polish,
 * Richardson-extrapolated numerical Hessian). The fixture was simulated by the same script
 * (--write-fixtures, numpy seed 20261206) with μ = 2e-4, ω = 2e-6, α = 0.08, β = 0.9.
 */
const SCIPY = {
  mu: 8.222992556320519e-6,
  omega: 2.1750158625512097e-6,
  alpha: 0.0843368531997595,
  beta: 0.8898349279495419,
  logLikelihood: 6666.65093885414,
  stdErrors: {
    mu: 0.0001795318859557469,
    omega: 7.801628385578707e-7,
    alpha: 0.014349573110860676,
    beta: 0.020009765312722354,
  },
  logLikelihoodAtTruth: 6665.18672251867,
};
const TRUTH: GarchParams = { mu: 2e-4, omega: 2e-6, alpha: 0.08, beta: 0.9 };

/** The convention written out as literally as possible: arrays, no recursion variable reuse. */
function naiveLogLikelihood(r: ArrayLike<number>, p: GarchParams): number {
  const n = r.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += r[t]! / n;
  let s2 = 0;
  for (let t = 0; t < n; t++) s2 += (r[t]! - mean) ** 2 / n;
  const eps: number[] = [];
  const sig2: number[] = [s2];
  for (let t = 0; t < n; t++) eps.push(r[t]! - p.mu);
  for (let t = 1; t < n; t++) sig2.push(p.omega + p.alpha * eps[t - 1]! ** 2 + p.beta * sig2[t - 1]!);
  let ll = 0;
  for (let t = 0; t < n; t++) ll += -0.5 * Math.log(2 * Math.PI * sig2[t]!) - eps[t]! ** 2 / (2 * sig2[t]!);
  return ll;
}

function simulate(seed: number, n: number, p: GarchParams): Float64Array {
  const rng = new Rng(seed);
  const r = new Float64Array(n);
  let v = p.omega / (1 - p.alpha - p.beta);
  for (let t = 0; t < n; t++) {
    const e = Math.sqrt(v) * rng.normal();
    r[t] = p.mu + e;
    v = p.omega + p.alpha * e * e + p.beta * v;
  }
  return r;
}

describe('garchLogLikelihood', () => {
  it('equals a naive re-computation of the convention', () => {
    const r = simulate(3, 500, { mu: 0.1, omega: 0.2, alpha: 0.15, beta: 0.7 });
    for (const p of [
      { mu: 0.1, omega: 0.2, alpha: 0.15, beta: 0.7 },
      { mu: -0.3, omega: 1.5, alpha: 0, beta: 0 },
      { mu: 0, omega: 0.01, alpha: 0.5, beta: 0.49 },
    ]) {
      const a = garchLogLikelihood(r, p);
      expect(Math.abs(a - naiveLogLikelihood(r, p))).toBeLessThan(1e-9 * Math.abs(a));
    }
  });

  it('equals the Python value at the true parameters of the fixture', () => {
    const ll = garchLogLikelihood(fixture, TRUTH);
    expect(Math.abs(ll - SCIPY.logLikelihoodAtTruth)).toBeLessThan(1e-8);
    expect(Math.abs(ll - naiveLogLikelihood(fixture, TRUTH))).toBeLessThan(1e-8);
  });

  it('σ²_1 is the sample variance (divisor n) and σ²_2 follows the recursion', () => {
    // r = [1, 3]: mean 2, variance ((1−2)² + (3−2)²)/2 = 1; ε_1 = 1 − 0.5 = 0.5;
    // σ²_2 = 0.1 + 0.2·0.25 + 0.7·1 = 0.85.
    const v = garchConditionalVariances([1, 3], { mu: 0.5, omega: 0.1, alpha: 0.2, beta: 0.7 });
    expect(v[0]).toBe(1);
    expect(v[1]).toBeCloseTo(0.85, 15);
  });
});

describe('fitGarch', () => {
  const fit = fitGarch(fixture);

  it('finds the same optimum as scipy on the fixture (independent reference)', () => {
    // Our log-likelihood is at least scipy's (to rounding) and the estimates agree far inside their SEs.
    expect(fit.logLikelihood).toBeGreaterThan(SCIPY.logLikelihood - 1e-8);
    expect(Math.abs(fit.logLikelihood - SCIPY.logLikelihood)).toBeLessThan(1e-7);
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) {
      expect(Math.abs(fit[k] - SCIPY[k]), k).toBeLessThan(1e-3 * SCIPY.stdErrors[k]);
      expect(Math.abs(fit.stdErrors[k] / SCIPY.stdErrors[k] - 1), `se ${k}`).toBeLessThan(1e-3);
    }
    expect(fit.n).toBe(2000);
    expect(fit.aic).toBeCloseTo(8 - 2 * fit.logLikelihood, 9);
    expect(fit.bic).toBeCloseTo(4 * Math.log(2000) - 2 * fit.logLikelihood, 9);
    expect(fit.converged).toBe(true);
    expect(fit.startsAgreeing).toBeGreaterThan(1);
    expect(fit.warnings).toEqual([]);
  });

  it('recovers known parameters from 5000 seeded observations within 3 standard errors', () => {
    const truth = { mu: 0.05, omega: 0.05, alpha: 0.1, beta: 0.85 };
    const f = fitGarch(simulate(42, 5000, truth));
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) {
      expect(f.stdErrors[k], k).toBeGreaterThan(0);
      expect(Math.abs(f[k] - truth[k]) / f.stdErrors[k], k).toBeLessThan(3);
    }
    // The fit is informative: α and β are pinned to better than ±0.03.
    expect(f.stdErrors.alpha).toBeLessThan(0.03);
    expect(f.stdErrors.beta).toBeLessThan(0.03);
  });

  it('is scale-invariant: r·1e-5 gives the same α, β and the mapped μ, ω, log L and SEs', () => {
    const c = 1e-5;
    const g = fitGarch(fixture.map((x) => x * c));
    expect(Math.abs(g.alpha - fit.alpha)).toBeLessThan(1e-6);
    expect(Math.abs(g.beta - fit.beta)).toBeLessThan(1e-6);
    expect(Math.abs(g.mu / c - fit.mu)).toBeLessThan(1e-4 * fit.stdErrors.mu);
    expect(Math.abs(g.omega / (c * c) / fit.omega - 1)).toBeLessThan(1e-5);
    // log L(c·r) = log L(r) − n ln c.
    expect(Math.abs(g.logLikelihood - (fit.logLikelihood - 2000 * Math.log(c)))).toBeLessThan(1e-6);
    expect(Math.abs(g.stdErrors.mu / c / fit.stdErrors.mu - 1)).toBeLessThan(1e-3);
    expect(Math.abs(g.stdErrors.omega / (c * c) / fit.stdErrors.omega - 1)).toBeLessThan(1e-3);
    expect(Math.abs(g.stdErrors.alpha / fit.stdErrors.alpha - 1)).toBeLessThan(1e-3);
  });

  it('warns on a boundary optimum (tick-like returns, α → 0): the standard errors do not apply', () => {
    const rng = new Rng(5);
    const tick = Float64Array.from({ length: 1000 }, () =>
      rng.next() < 0.6 ? 0 : Math.round(rng.normal() * 3) * 1e-4,
    );
    const f = fitGarch(tick);
    expect(f.alpha).toBeLessThan(1e-8);
    expect(f.warnings.join('\n')).toMatch(/^alpha = .* is on the boundary 0: the standard errors assume/m);
  });

  it('rejects too few returns, a non-finite value (naming its row) and a constant series', () => {
    expect(() => fitGarch(fixture.subarray(0, 9))).toThrow(
      new CalibrationInputError('GARCH(1,1) needs at least 10 returns, got 9'),
    );
    const bad = fixture.slice(0, 50);
    bad[16] = NaN;
    expect(() => fitGarch(bad)).toThrow(/return at row 17 is not finite \(NaN\)/);
    expect(() => fitGarch(new Float64Array(20).fill(0.01))).toThrow(/zero variance/);
  });
});
