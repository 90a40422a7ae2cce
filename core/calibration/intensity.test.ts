import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { fitIntensity, twoSidedZ, type IntensityBin } from './intensity';
import { nelderMead } from './nelder-mead';

/** Poisson counts with μ_j = T·A·e^(−kδ_j) on a grid of distances. */
function simulate(rng: Rng, A: number, k: number, deltas: number[], exposure: number): IntensityBin[] {
  return deltas.map((delta) => ({
    delta,
    exposure,
    count: rng.poisson(exposure * A * Math.exp(-k * delta)),
  }));
}

const DELTAS = Array.from({ length: 15 }, (_, i) => 0.1 + 0.2 * i);

describe('fitIntensity: Poisson MLE of λ(δ) = A·e^(−kδ) with exposure', () => {
  it('fits two bins exactly (closed form) with zero deviance', () => {
    const bins = [
      { delta: 0.5, exposure: 10, count: 300 },
      { delta: 1.5, exposure: 20, count: 150 },
    ];
    const f = fitIntensity(bins);
    // rates 30 and 7.5: k = ln(30/7.5)/(1.5 − 0.5) = ln 4, A = 30·e^(0.5k) = 60
    expect(f.k).toBeCloseTo(Math.log(4), 10);
    expect(f.A).toBeCloseTo(60, 8);
    expect(f.deviance).toBeCloseTo(0, 8);
    expect(f.degreesOfFreedom).toBe(0);
    expect(f.converged).toBe(true);
    for (const b of f.bins) expect(b.fittedRate).toBeCloseTo(b.empiricalRate, 8);
  });

  it('agrees with a direct maximization of the same likelihood by Nelder–Mead', () => {
    const bins = simulate(new Rng(3), 140, 1.5, DELTAS, 0.2);
    const f = fitIntensity(bins);
    const negLl = (x: Float64Array): number => {
      let s = 0;
      for (const b of bins) {
        const mu = b.exposure * x[0]! * Math.exp(-x[1]! * b.delta);
        s -= (b.count > 0 ? b.count * Math.log(mu) : 0) - mu;
      }
      return s;
    };
    const nm = nelderMead(negLl, [100, 1], { fTol: 1e-13, xTol: 1e-11 });
    expect(f.A).toBeCloseTo(nm.x[0]!, 4);
    expect(f.k).toBeCloseTo(nm.x[1]!, 6);
  });

  it('recovers A and k, and its 95% intervals cover the truth about 95% of the time', () => {
    const rng = new Rng(2008);
    const A = 140;
    const k = 1.5;
    let coverK = 0;
    let coverA = 0;
    const n = 300;
    for (let r = 0; r < n; r++) {
      const f = fitIntensity(simulate(rng, A, k, DELTAS, 0.05));
      if (f.ciK[0] <= k && k <= f.ciK[1]) coverK++;
      if (f.ciA[0] <= A && A <= f.ciA[1]) coverA++;
      if (r === 0) {
        expect(Math.abs(Math.log(f.A / A))).toBeLessThan(3 * f.seLogA);
        expect(Math.abs(f.k - k)).toBeLessThan(3 * f.seK);
        expect(f.degreesOfFreedom).toBe(13);
      }
    }
    // binomial(300, 0.95): sd 3.8 → 0.95 ± 3 sd is [0.912, 0.988]
    expect(coverK / n).toBeGreaterThan(0.91);
    expect(coverK / n).toBeLessThan(0.99);
    expect(coverA / n).toBeGreaterThan(0.91);
    expect(coverA / n).toBeLessThan(0.99);
  });

  it('keeps a zero-count bin, and rejects what cannot identify A and k', () => {
    const f = fitIntensity([
      { delta: 0, exposure: 1, count: 20 },
      { delta: 1, exposure: 1, count: 5 },
      { delta: 5, exposure: 1, count: 0 },
    ]);
    expect(f.converged).toBe(true);
    expect(f.bins[2]!.fittedRate).toBeGreaterThan(0);
    expect(() => fitIntensity([{ delta: 1, exposure: 1, count: 3 }])).toThrow(/two distinct distances/);
    expect(() =>
      fitIntensity([
        { delta: 1, exposure: 1, count: 0 },
        { delta: 2, exposure: 1, count: 0 },
      ]),
    ).toThrow(/no fills/);
    expect(() =>
      fitIntensity([
        { delta: 1, exposure: 0, count: 3 },
        { delta: 2, exposure: 1, count: 1 },
      ]),
    ).toThrow(/bin 0: exposure/);
    expect(() =>
      fitIntensity([
        { delta: 1, exposure: 1, count: 1.5 },
        { delta: 2, exposure: 1, count: 1 },
      ]),
    ).toThrow(/bin 0: count/);
  });

  it('uses the exact normal quantile for its intervals', () => {
    expect(twoSidedZ(0.95)).toBeCloseTo(1.959963984540054, 9);
    expect(twoSidedZ(0.99)).toBeCloseTo(2.5758293035489004, 9);
  });
});
