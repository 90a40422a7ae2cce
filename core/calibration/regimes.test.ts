/**
 * Markov-switching normal model: the Hamilton-filter likelihood and the Kim-smoothed probabilities
 * against brute-force enumeration of every state path, against an independent Python value, the fit
 * against scipy's optimum on a fixed fixture, parameter and state recovery on seeded simulations,
 * scale invariance, label stability and input errors.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import {
  fitRegimes,
  regimesLogLikelihood,
  regimesSmoothedProbabilities,
  stationaryDistribution,
  type RegimeParams,
} from './regimes';
import { readReturnsCsv } from './returns-csv';

const FIXTURE = fileURLToPath(new URL('./fixtures/regimes-2000.csv', import.meta.url));
const fixture = readReturnsCsv(FIXTURE).returns;

/**
 * Printed by `python3 scripts/reference/calibration_reference.py --only regimes` (numpy + scipy: a
 * log-space forward recursion with log-sum-exp per step, π from numpy's eigenvectors of Pᵀ, direct
 * BFGS from six starts + Nelder–Mead polish, no EM). The fixture was simulated by the same script
 * (numpy seed 20261206) with means (5e-4, −1e-3), sigmas (0.005, 0.02), P = [[0.97, 0.03], [0.06, 0.94]].
 * Two runs of the script on different likelihood code agreed to 1e-10 in log L and 1e-7 in P: the
 * reference's own precision, below the tolerances here.
 */
const SCIPY = {
  means: [0.0005224005234829289, -0.0017405005250565526],
  sigmas: [0.004901152067274052, 0.019378076765446076],
  transition: [
    [0.9754865857518944, 0.024513414248105627],
    [0.05275790378555587, 0.9472420962144441],
  ],
  logLikelihood: 6762.994101836443,
  logLikelihoodAtTruth: 6760.863484902123,
};
const TRUTH: RegimeParams = {
  means: [5e-4, -1e-3],
  sigmas: [0.005, 0.02],
  transition: [
    [0.97, 0.03],
    [0.06, 0.94],
  ],
};

const normalPdf = (x: number, m: number, s: number): number =>
  Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));

/** Every one of the K^n state paths: the likelihood and Pr(s_t = j | r) by summation. */
function bruteForce(r: number[], p: RegimeParams): { ll: number; smoothed: number[][] } {
  const K = p.means.length;
  const n = r.length;
  // π by power iteration (not the module's linear solve): π ← πP until it stops moving.
  let pi = new Array<number>(K).fill(1 / K);
  for (let it = 0; it < 10_000; it++)
    pi = pi.map((_, k) => pi.reduce((s, pj, j) => s + pj * p.transition[j]![k]!, 0));
  const marg = r.map(() => new Array<number>(K).fill(0));
  let total = 0;
  const path = new Array<number>(n).fill(0);
  for (let code = 0; code < K ** n; code++) {
    let c = code;
    for (let t = 0; t < n; t++) {
      path[t] = c % K;
      c = Math.floor(c / K);
    }
    let w = pi[path[0]!]!;
    for (let t = 0; t < n; t++) {
      const s = path[t]!;
      w *= normalPdf(r[t]!, p.means[s]!, p.sigmas[s]!);
      if (t + 1 < n) w *= p.transition[s]![path[t + 1]!]!;
    }
    total += w;
    for (let t = 0; t < n; t++) marg[t]![path[t]!]! += w;
  }
  return { ll: Math.log(total), smoothed: marg.map((row) => row.map((v) => v / total)) };
}

function simulate(seed: number, n: number, p: RegimeParams): { r: Float64Array; states: Uint8Array } {
  const rng = new Rng(seed);
  const K = p.means.length;
  const pi = stationaryDistribution(p.transition.flat(), K);
  const draw = (probs: ArrayLike<number>): number => {
    let u = rng.next();
    for (let j = 0; j < K - 1; j++) {
      u -= probs[j]!;
      if (u < 0) return j;
    }
    return K - 1;
  };
  const r = new Float64Array(n);
  const states = new Uint8Array(n);
  let s = draw(pi);
  for (let t = 0; t < n; t++) {
    states[t] = s;
    r[t] = p.means[s]! + p.sigmas[s]! * rng.normal();
    s = draw(p.transition[s]!);
  }
  return { r, states };
}

describe('the Hamilton filter and the Kim smoother', () => {
  it('equal brute-force enumeration of all state paths (K = 2 and 3)', () => {
    const cases: [number[], RegimeParams][] = [
      [
        [0.3, -1.2, 2.5, 0.1, -0.4, 3.1, -2.2, 0.05, 0.7],
        {
          means: [0.1, -0.2],
          sigmas: [0.5, 2],
          transition: [
            [0.9, 0.1],
            [0.3, 0.7],
          ],
        },
      ],
      [
        [0.3, -1.2, 2.5, 0.1, -0.4, 3.1, -2.2],
        {
          means: [0, 1, -1],
          sigmas: [0.4, 1, 2.5],
          transition: [
            [0.8, 0.15, 0.05],
            [0.1, 0.6, 0.3],
            [0.2, 0.2, 0.6],
          ],
        },
      ],
    ];
    for (const [r, p] of cases) {
      const K = p.means.length;
      const ref = bruteForce(r, p);
      expect(Math.abs(regimesLogLikelihood(r, p) - ref.ll)).toBeLessThan(1e-12);
      const sm = regimesSmoothedProbabilities(r, p);
      for (let t = 0; t < r.length; t++)
        for (let j = 0; j < K; j++)
          expect(Math.abs(sm[t * K + j]! - ref.smoothed[t]![j]!)).toBeLessThan(1e-12);
    }
  });

  it('equals the independent Python log-space filter at the true parameters of the fixture', () => {
    expect(Math.abs(regimesLogLikelihood(fixture, TRUTH) - SCIPY.logLikelihoodAtTruth)).toBeLessThan(1e-8);
  });

  it('does not underflow: a 40σ outlier and 200,000 observations give a finite log-likelihood', () => {
    const p: RegimeParams = {
      means: [0, 0],
      sigmas: [1, 3],
      transition: [
        [0.99, 0.01],
        [0.02, 0.98],
      ],
    };
    const { r } = simulate(5, 200_000, p);
    r[1000] = 120;
    const ll = regimesLogLikelihood(r, p);
    expect(Number.isFinite(ll)).toBe(true);
    // A direct product of densities would underflow long before: exp(ll) is 0 in doubles.
    expect(Math.exp(ll)).toBe(0);
  });

  it('the stationary distribution solves πP = π (and falls back on a reducible chain)', () => {
    // Two states: π = (p10, p01) / (p01 + p10) = (0.3, 0.1) / 0.4 = (0.75, 0.25).
    const pi = stationaryDistribution([0.9, 0.1, 0.3, 0.7], 2);
    expect(pi[0]).toBeCloseTo(0.75, 14);
    expect(pi[1]).toBeCloseTo(0.25, 14);
    const id = stationaryDistribution([1, 0, 0, 1], 2);
    expect(id[0]! + id[1]!).toBeCloseTo(1, 14);
  });
});

describe('fitRegimes', () => {
  const fit = fitRegimes(fixture, 2);

  it('finds the same optimum as scipy on the fixture (independent reference)', () => {
    expect(fit.logLikelihood).toBeGreaterThan(SCIPY.logLikelihood - 1e-7);
    expect(Math.abs(fit.logLikelihood - SCIPY.logLikelihood)).toBeLessThan(1e-6);
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(fit.means[j]! - SCIPY.means[j]!)).toBeLessThan(1e-7);
      expect(Math.abs(fit.sigmas[j]! / SCIPY.sigmas[j]! - 1)).toBeLessThan(1e-5);
      for (let k = 0; k < 2; k++)
        expect(Math.abs(fit.transition[j]![k]! - SCIPY.transition[j]![k]!)).toBeLessThan(1e-5);
    }
    expect(fit.n).toBe(2000);
    expect(fit.converged).toBe(true);
    expect(fit.warnings).toEqual([]);
    // k = K(K + 1) = 6 parameters.
    expect(fit.aic).toBeCloseTo(12 - 2 * fit.logLikelihood, 9);
    expect(fit.bic).toBeCloseTo(6 * Math.log(2000) - 2 * fit.logLikelihood, 9);
  });

  it('smoothed probabilities: n × K, rows sum to 1, equal to a fresh smoother at the estimates', () => {
    expect(fit.smoothed.length).toBe(2000 * 2);
    for (let t = 0; t < 2000; t++) expect(fit.smoothed[2 * t]! + fit.smoothed[2 * t + 1]!).toBeCloseTo(1, 12);
    const again = regimesSmoothedProbabilities(fixture, fit);
    for (let i = 0; i < again.length; i++) expect(Math.abs(again[i]! - fit.smoothed[i]!)).toBeLessThan(1e-9);
  });

  it('recovers two well-separated regimes from 3000 seeded observations, and the state path', () => {
    const truth: RegimeParams = {
      means: [0.01, -0.02],
      sigmas: [0.5, 2],
      transition: [
        [0.98, 0.02],
        [0.05, 0.95],
      ],
    };
    const { r, states } = simulate(7, 3000, truth);
    const f = fitRegimes(r, 2);
    // Tolerances ≈ 4 standard errors: about 3000·(5/7) calm and 3000·(2/7) wild observations, so
    // SE(σ_0) ≈ 0.5/√(2·2140) ≈ 0.008, SE(σ_1) ≈ 2/√(2·860) ≈ 0.05, SE(μ_1) ≈ 2/√860 ≈ 0.07;
    // SE(P_01) ≈ √(0.02·0.98/2140) ≈ 0.003, SE(P_10) ≈ √(0.05·0.95/860) ≈ 0.0075.
    expect(Math.abs(f.sigmas[0]! - 0.5)).toBeLessThan(0.035);
    expect(Math.abs(f.sigmas[1]! - 2)).toBeLessThan(0.2);
    expect(Math.abs(f.means[0]! - 0.01)).toBeLessThan(0.05);
    expect(Math.abs(f.means[1]! + 0.02)).toBeLessThan(0.28);
    expect(Math.abs(f.transition[0]![1]! - 0.02)).toBeLessThan(0.012);
    expect(Math.abs(f.transition[1]![0]! - 0.05)).toBeLessThan(0.03);
    // The smoothed probabilities classify the true states.
    let right = 0;
    for (let t = 0; t < 3000; t++) if ((f.smoothed[2 * t + 1]! > 0.5 ? 1 : 0) === states[t]) right++;
    expect(right / 3000).toBeGreaterThan(0.95);
    // The data really switched: both states were visited for long stretches.
    const wild = states.reduce((a, s) => a + s, 0);
    expect(wild).toBeGreaterThan(500);
    expect(wild).toBeLessThan(1500);
  });

  it('labels states by ascending σ whatever start wins; a different seed gives the same fit', () => {
    expect(fit.sigmas[0]!).toBeLessThan(fit.sigmas[1]!);
    const other = fitRegimes(fixture, 2, { seed: 99 });
    expect(Math.abs(other.logLikelihood - fit.logLikelihood)).toBeLessThan(1e-6);
    expect(Math.abs(other.sigmas[0]! / fit.sigmas[0]! - 1)).toBeLessThan(1e-5);
    expect(Math.abs(other.transition[1]![0]! - fit.transition[1]![0]!)).toBeLessThan(1e-5);
  });

  it('is scale-invariant: r·1e-5 maps means and sigmas, keeps P, shifts log L by −n ln c', () => {
    const c = 1e-5;
    const g = fitRegimes(
      fixture.map((x) => x * c),
      2,
    );
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(g.means[j]! / c - fit.means[j]!)).toBeLessThan(1e-7);
      expect(Math.abs(g.sigmas[j]! / c / fit.sigmas[j]! - 1)).toBeLessThan(1e-5);
      expect(Math.abs(g.transition[j]![1 - j]! - fit.transition[j]![1 - j]!)).toBeLessThan(1e-5);
    }
    expect(Math.abs(g.logLikelihood - (fit.logLikelihood - 2000 * Math.log(c)))).toBeLessThan(1e-6);
  });

  it('keeps σ on its floor when repeated zero returns would make the likelihood unbounded', () => {
    // Tick-like returns: 60% exactly zero, the rest multiples of 1e-4.
    const rng = new Rng(5);
    const tick = Float64Array.from({ length: 3000 }, () =>
      rng.next() < 0.6 ? 0 : Math.round(rng.normal() * 3) * 1e-4,
    );
    const f = fitRegimes(tick, 2);
    expect(f.sigmas[0]).toBe(f.sigmaFloor);
    expect(Math.abs(f.means[0]!)).toBeLessThan(1e-10);
    expect(Number.isFinite(f.logLikelihood)).toBe(true);
    expect(f.converged).toBe(true);
    expect(f.warnings).toEqual(['state 0: σ is on its floor (0.01 × the sample standard deviation)']);
  });

  it('rejects K < 2, n < 10·K, a non-finite value naming its row, and n·K over the memory bound', () => {
    expect(() => fitRegimes(fixture, 1)).toThrow(/number of states must be an integer from 2 to 8, got 1/);
    expect(() => fitRegimes(fixture.subarray(0, 29), 3)).toThrow(/needs at least 30 returns, got 29/);
    const bad = fixture.slice(0, 100);
    bad[41] = Infinity;
    expect(() => fitRegimes(bad, 2)).toThrow(/return at row 42 is not finite \(Infinity\)/);
    // Memory bound: n·K ≤ 2·10⁷.
    const huge = Float64Array.from({ length: 2_500_001 }, (_, i) => (i % 7) - 3);
    expect(() => fitRegimes(huge, 8)).toThrow(/2500001 returns × 8 states exceeds the limit of 20000000/);
  });
});
