import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng/rng';
import { PriceProcess } from './price';

describe('PriceProcess', () => {
  it('GBM has E[s_T] = s0·e^{μT} and log-variance σ²T', () => {
    const p = new PriceProcess({ model: 'gbm', sigma: 0.3, drift: 0.1, increments: 'gaussian' });
    const rng = new Rng(1);
    const n = 20_000;
    let sum = 0;
    let sumLog = 0;
    let sumLog2 = 0;
    for (let i = 0; i < n; i++) {
      let s = 100;
      for (let j = 0; j < 10; j++) s = p.step(s, 0.1, rng);
      sum += s;
      const l = Math.log(s / 100);
      sumLog += l;
      sumLog2 += l * l;
    }
    expect(sum / n).toBeCloseTo(100 * Math.exp(0.1), 0);
    const m = sumLog / n;
    expect(sumLog2 / n - m * m).toBeCloseTo(0.09, 2);
    expect(m).toBeCloseTo(0.1 - 0.045, 2);
  });

  it('regime switching spends the stationary share of time in each regime and uses its sigma', () => {
    // Two states, rates 0→1 = 1, 1→0 = 3: stationary π = (3/4, 1/4).
    const p = new PriceProcess({
      model: 'abm',
      sigma: 1,
      drift: 0,
      increments: 'gaussian',
      regimes: {
        sigmas: [0.5, 2],
        transitionRates: [
          [0, 1],
          [3, 0],
        ],
        initial: 0,
      },
    });
    const rng = new Rng(3);
    let inHigh = 0;
    let s = 0;
    const sq = [0, 0];
    const cnt = [0, 0];
    const steps = 400_000;
    for (let i = 0; i < steps; i++) {
      const r = p.currentRegime();
      const next = p.step(s, 0.01, rng);
      sq[r] = (sq[r] ?? 0) + (next - s) ** 2;
      cnt[r] = (cnt[r] ?? 0) + 1;
      s = next;
      if (p.currentRegime() === 1) inHigh++;
    }
    expect(inHigh / steps).toBeCloseTo(0.25, 1);
    expect(Math.sqrt((sq[0] ?? 0) / (cnt[0] ?? 1) / 0.01)).toBeCloseTo(0.5, 1);
    expect(Math.sqrt((sq[1] ?? 0) / (cnt[1] ?? 1) / 0.01)).toBeCloseTo(2, 1);
    expect(p.maxDt()).toBeCloseTo(1 / 3, 12);
  });

  it('jumps arrive at rate λ with the configured mean size', () => {
    const p = new PriceProcess({
      model: 'abm',
      sigma: 0,
      drift: 0,
      increments: 'gaussian',
      jumps: { rate: 5, mean: 1, std: 0 },
    });
    const rng = new Rng(4);
    let s = 0;
    const steps = 100_000;
    for (let i = 0; i < steps; i++) s = p.step(s, 0.001, rng);
    // 100 time units × 5 jumps of size 1 ⇒ ≈ 500 (Poisson sd ≈ 22).
    expect(Math.abs(s - 500)).toBeLessThan(90);
  });

  it('binomial ABM steps are exactly ±σ√dt', () => {
    const p = new PriceProcess({ model: 'abm', sigma: 2, drift: 0, increments: 'binomial' });
    const rng = new Rng(5);
    let up = 0;
    for (let i = 0; i < 10_000; i++) {
      const d = p.step(100, 0.005, rng) - 100;
      expect(Math.abs(d)).toBeCloseTo(2 * Math.sqrt(0.005), 12);
      if (d > 0) up++;
    }
    expect(up / 10_000).toBeCloseTo(0.5, 1);
  });

  it('GARCH(1,1): the interval variance follows h = ω + α ε² + β h with ω = σ²·Δ(1 − α − β)', () => {
    const sigma = 0.5;
    const g = { alpha: 0.1, beta: 0.8, interval: 2 };
    const p = new PriceProcess({ model: 'abm', sigma, drift: 0, increments: 'gaussian', garch: g });
    const rng = new Rng(3);
    let h = sigma * sigma * g.interval; // h_1: the unconditional variance
    expect(p.currentSigma()).toBeCloseTo(sigma, 12);
    let s = 10;
    for (let n = 0; n < 50; n++) {
      // two steps of 1 make one interval; the variance changes only at its end
      const mid = p.step(s, 1, rng);
      expect(p.currentSigma()).toBeCloseTo(Math.sqrt(h / g.interval), 12);
      const end = p.step(mid, 1, rng);
      const eps = end - s;
      h = sigma * sigma * g.interval * (1 - g.alpha - g.beta) + g.alpha * eps * eps + g.beta * h;
      expect(p.currentSigma()).toBeCloseTo(Math.sqrt(h / g.interval), 12);
      s = end;
    }
    p.reset();
    expect(p.currentSigma()).toBeCloseTo(sigma, 12);
  });

  it('GARCH(1,1): unconditional variance σ²Δ and the autocorrelation of r² of the theory', () => {
    // Gaussian GARCH(1,1) (Bollerslev 1986; finite kurtosis as 3α² + 2αβ + β² < 1):
    // ρ₁ = α(1 − αβ − β²)/(1 − 2αβ − β²), ρ_k = ρ₁(α + β)^(k−1).
    const sigma = 0.2;
    const g = { alpha: 0.1, beta: 0.8, interval: 1 };
    const p = new PriceProcess({ model: 'abm', sigma, drift: 0, increments: 'gaussian', garch: g });
    const rng = new Rng(11);
    const n = 200_000;
    const r2 = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      let x = s;
      for (let j = 0; j < 4; j++) x = p.step(x, 0.25, rng);
      r2[i] = (x - s) ** 2;
      s = x;
    }
    let m = 0;
    for (const v of r2) m += v;
    m /= n;
    expect(m / (sigma * sigma)).toBeGreaterThan(0.95);
    expect(m / (sigma * sigma)).toBeLessThan(1.05);
    const acf = (lag: number): number => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < n; i++) {
        const d = (r2[i] ?? 0) - m;
        den += d * d;
        if (i + lag < n) num += d * ((r2[i + lag] ?? 0) - m);
      }
      return num / den;
    };
    const { alpha: a, beta: b } = g;
    const rho1 = (a * (1 - a * b - b * b)) / (1 - 2 * a * b - b * b);
    expect(rho1).toBeCloseTo(0.14, 10);
    expect(Math.abs(acf(1) - rho1)).toBeLessThan(0.03);
    expect(Math.abs(acf(3) - rho1 * (a + b) ** 2)).toBeLessThan(0.03);
    // and without GARCH the same draws give no clustering
    const q = new PriceProcess({ model: 'abm', sigma, drift: 0, increments: 'gaussian' });
    const rng2 = new Rng(11);
    let prev = 0;
    let sum = 0;
    let sumSq = 0;
    let cross = 0;
    let last = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = q.step(prev, 1, rng2);
      const v = (x - prev) ** 2;
      sum += v;
      sumSq += v * v;
      cross += v * last;
      last = v;
      prev = x;
    }
    const mean = sum / 50_000;
    const rho = (cross / 49_999 - mean * mean) / (sumSq / 50_000 - mean * mean);
    expect(Math.abs(rho)).toBeLessThan(0.03);
  });

  it('GARCH: refuses a non-stationary or combined specification', () => {
    const base = { model: 'abm' as const, sigma: 1, drift: 0, increments: 'gaussian' as const };
    expect(() => new PriceProcess({ ...base, garch: { alpha: 0.3, beta: 0.7, interval: 1 } })).toThrow(
      /α \+ β < 1/,
    );
    expect(() => new PriceProcess({ ...base, garch: { alpha: 0.1, beta: 0.5, interval: 0 } })).toThrow(
      /interval/,
    );
    expect(
      () =>
        new PriceProcess({
          ...base,
          garch: { alpha: 0.1, beta: 0.5, interval: 1 },
          regimes: {
            sigmas: [1, 2],
            transitionRates: [
              [0, 1],
              [1, 0],
            ],
            initial: 0,
          },
        }),
    ).toThrow(/cannot be combined/);
  });
});
