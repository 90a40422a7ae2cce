import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { Rng } from '../rng/rng';
import { allocSeries, FillLog, type PathResult } from '../sim/path-result';
import {
  attributeBars,
  histogram,
  inventoryRisk,
  rollingSessionSharpe,
  rollingSessionSharpeNaive,
  varianceContributions,
  type BarAttribution,
} from './risk';

/** A path from its columns; cash is whatever makes pnl = cash + q·L·m − (cash0 + q0·L·m0). */
function handPath(
  t: number[],
  mid: number[],
  inv: number[],
  pnl: number[],
  fills: FillLog,
  lotSize = 1,
): PathResult {
  const s = allocSeries(t.length - 1);
  s.t.set(t);
  s.mid.set(mid);
  s.inventory.set(inv);
  s.pnl.set(pnl);
  s.bid.fill(Number.NaN);
  s.ask.fill(Number.NaN);
  return { pathIndex: 0, seed: 1, series: s, fills, quotesPosted: 0, lotSize };
}

describe('attributeBars', () => {
  it('hand values: carry, spread net of fees, adverse selection, zero residual', () => {
    // t = 0, 1, 2; mid 100 → 101 → 99; we buy 1 lot at 99.5 at t = 0.5 (mid then 100, fee 0.01).
    // cash after = −99.5 − 0.01 = −99.51; pnl_1 = −99.51 + 1·101 = 1.49; pnl_2 = −99.51 + 99 = −0.51.
    const f = new FillLog(2);
    f.push(0.5, BUY, 99.5, 1, 0.01, 100);
    const a = attributeBars(handPath([0, 1, 2], [100, 101, 99], [0, 1, 1], [0, 1.49, -0.51], f));
    // bar 1: carry 0·(101 − 100) = 0; spread 1·(100 − 99.5) − 0.01 = 0.49; adverse 1·(101 − 100) = 1
    expect(a.carry[0]).toBe(0);
    expect(a.spread[0]).toBeCloseTo(0.49, 12);
    expect(a.adverse[0]).toBe(1);
    expect(a.residual[0]).toBeCloseTo(0, 12);
    // bar 2: carry 1·(99 − 101) = −2, nothing else; Δpnl = −2
    expect(a.carry[1]).toBe(-2);
    expect(a.spread[1]).toBe(0);
    expect(a.adverse[1]).toBe(0);
    expect(a.pnl[1]).toBeCloseTo(-2, 12);
    expect(a.residual[1]).toBeCloseTo(0, 12);
  });

  it('a fill stamped at a sample time belongs to the next bar (sampled before it), except at the end', () => {
    // sell 2 lots of size 0.5 at t = 1 (exactly a sample) at 101.2, mid then 101; and one at t = 2 (the end).
    const f = new FillLog(2);
    f.push(1, SELL, 101.2, 2, 0, 101);
    f.push(2, SELL, 99.1, 1, 0, 99);
    const p = handPath([0, 1, 2], [100, 101, 99], [0, 0, -3], [0, 0, 0], f, 0.5);
    const a = attributeBars(p);
    expect(a.spread[0]).toBe(0);
    // bar 2: −2·0.5·(101 − 101.2) = 0.2 and −1·0.5·(99 − 99.1) = 0.05
    expect(a.spread[1]).toBeCloseTo(0.25, 12);
    // adverse: −2·0.5·(99 − 101) = 2, and 0 for the fill at the end
    expect(a.adverse[1]).toBeCloseTo(2, 12);
  });
});

describe('varianceContributions', () => {
  it('hand values: Euler shares Cov(X_k, Y)/Var(Y) summing to 1', () => {
    // X1 = [1, 2, 3], X2 = [1, 0, 1], Y = [2, 2, 4]: Var Y = ((2/3)²·2 + (4/3)²)/2 = 4/3,
    // Cov(X1, Y) = (−1·−2/3 + 0 + 1·4/3)/2 = 1 → 0.75; Cov(X2, Y) = (−2/9 + 4/9 + 4/9)/2 = 1/3 → 0.25.
    const z = new Float64Array(3);
    const part: BarAttribution = {
      pnl: Float64Array.of(2, 2, 4),
      carry: Float64Array.of(1, 2, 3),
      spread: Float64Array.of(1, 0, 1),
      adverse: z,
      residual: z,
    };
    const d = varianceContributions([part]);
    expect(d.bars).toBe(3);
    expect(d.pnlVariance).toBeCloseTo(4 / 3, 12);
    const c = Object.fromEntries(d.terms.map((t) => [t.term, t.contribution]));
    expect(c.carry).toBeCloseTo(0.75, 12);
    expect(c.spread).toBeCloseTo(0.25, 12);
    expect(c.adverse).toBe(0);
    expect(d.terms.find((t) => t.term === 'carry')?.std).toBeCloseTo(1, 12); // sd of 1, 2, 3
  });

  it('no variance → all shares 0', () => {
    const k = Float64Array.of(1, 1);
    const d = varianceContributions([{ pnl: k, carry: k, spread: k, adverse: k, residual: k }]);
    expect(d.terms.every((t) => t.contribution === 0)).toBe(true);
  });
});

describe('rollingSessionSharpe', () => {
  it('hand values: one path, window 2, scaled by √bars', () => {
    // pnl 0, 1, 3, 2, 4 → Δ = 1, 2, −1, 2; √4 = 2.
    // i = 2: {1, 2}: 1.5 / 0.70711 · 2 = 4.24264; i = 3: {2, −1}: 0.5 / 2.12132 · 2 = 0.47140; i = 4: the same.
    const p = handPath([0, 1, 2, 3, 4], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 3, 2, 4], new FillLog(1));
    const r = rollingSessionSharpe([p], 2);
    expect(r.map((x) => x.t)).toEqual([2, 3, 4]);
    expect(r[0]?.value).toBeCloseTo(4.242640687, 8);
    expect(r[1]?.value).toBeCloseTo(0.471404521, 8);
    expect(r[2]?.value).toBeCloseTo(0.471404521, 8);
  });

  it('equals the window-by-window recomputation with sharpeRatio over several paths', () => {
    const rng = new Rng(11);
    const paths: PathResult[] = [];
    for (let k = 0; k < 3; k++) {
      const n = 300;
      const pnl = [1e6]; // a large level: the prefix sums must not lose the variance to cancellation
      for (let i = 1; i <= n; i++) pnl.push(pnl[i - 1]! + 0.01 + rng.normal() * 0.5);
      const t = pnl.map((_, i) => i * 0.1);
      paths.push(
        handPath(
          t,
          t.map(() => 1),
          t.map(() => 0),
          pnl,
          new FillLog(1),
        ),
      );
    }
    const fast = rollingSessionSharpe(paths, 25);
    const slow = rollingSessionSharpeNaive(paths, 25);
    expect(fast).toHaveLength(300 - 25 + 1);
    let spread = 0;
    fast.forEach((p, i) => {
      expect(p.t).toBe(slow[i]?.t);
      expect(p.value).toBeCloseTo(slow[i]!.value, 6);
      spread = Math.max(spread, Math.abs(p.value));
    });
    expect(spread).toBeGreaterThan(0.5); // it measured something
  });

  it('a window of equal increments has Sharpe 0, like sharpeRatio', () => {
    const p = handPath([0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], [0, 1, 2, 3], new FillLog(1));
    expect(rollingSessionSharpe([p], 2).map((x) => x.value)).toEqual([0, 0]);
  });
});

describe('inventoryRisk', () => {
  it('hand values: VaR/ES of the carry and the exposure', () => {
    // carry per bar = q_{i−1}·L·Δm with L = 2: q = 1, −1, 2, 0; Δm = −1, −1, 0.5, … → −2, 2, 2 (3 bars)
    const p = handPath([0, 1, 2, 3], [10, 9, 8, 8.5], [1, -1, 2, 0], [0, 0, 0, 0], new FillLog(1), 2);
    const parts = [attributeBars(p)];
    expect(Array.from(parts[0]!.carry)).toEqual([-2, 2, 2]);
    const r = inventoryRisk([p], parts);
    // 3 samples: the 5 % quantile is the smallest, −2 → VaR = ES = 2
    expect(r.carry95).toEqual({ var: 2, es: 2 });
    // |q·L·m| = 20, 18, 32, 0 → mean 17.5, 99th percentile 32
    expect(r.meanAbsExposure).toBe(17.5);
    expect(r.p99AbsExposure).toBe(32);
  });
});

describe('histogram', () => {
  it('⌈√n⌉ equal bins over [min, max], the maximum in the last bin', () => {
    // n = 9 → 3 bins of width 3 over [0, 9]
    const h = histogram([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(h.edges).toEqual([0, 3, 6, 9]);
    expect(h.counts).toEqual([3, 3, 3]);
    expect(histogram([5, 5])).toEqual({ edges: [4.5, 5.5], counts: [2] });
    expect(histogram([])).toEqual({ edges: [], counts: [] });
  });
});
