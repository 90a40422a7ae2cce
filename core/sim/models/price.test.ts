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
});
