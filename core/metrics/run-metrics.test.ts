import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { FillLog, allocSeries, type PathResult } from '../sim/path-result';
import { computeRunMetrics } from './run-metrics';

const NaN_ = Number.NaN;

/** Two hand-built paths (the arithmetic for every metric is in the test below). */
function pathA(): PathResult {
  const s = allocSeries(3);
  s.t.set([0, 1, 2, 3]);
  s.mid.set([100, 100, 102, 98]);
  s.bid.set([99, 99, NaN_, 99]);
  s.ask.set([101, 101, 101, 102]);
  s.inventory.set([0, 1, 2, 1]);
  s.pnl.set([0, 1, -1, 2]);
  const f = new FillLog();
  f.push(0.5, BUY, 99, 1, 0, 100);
  f.push(1.5, BUY, 99, 1, 0, 100);
  f.push(2.5, SELL, 101, 1, 0, 100);
  return { pathIndex: 0, seed: 1, series: s, fills: f, quotesPosted: 6, lotSize: 1 };
}

function pathB(): PathResult {
  const s = allocSeries(3);
  s.t.set([0, 1, 2, 3]);
  s.mid.set([100, 100, 100, 100]);
  s.bid.set([98, 98, 98, 98]);
  s.ask.set([102, 102, 102, 102]);
  s.inventory.set([0, 0, -1, 0]);
  s.pnl.set([0, 0, 2, 1]);
  const f = new FillLog();
  f.push(1.5, SELL, 102, 1, 0, 100);
  f.push(2.5, BUY, 98, 1, 0, 100);
  return { pathIndex: 1, seed: 2, series: s, fills: f, quotesPosted: 8, lotSize: 2 };
}

describe('computeRunMetrics', () => {
  it('hand values on two paths', () => {
    const m = computeRunMetrics([pathA(), pathB()], { periodsPerYear: 4, markoutHorizon: 1 });
    expect(m.paths).toBe(2);
    // final PnL 2, 1 → mean 1.5, sample std √((0.25 + 0.25)/1) = √0.5
    expect(m.pnlMean).toBe(1.5);
    expect(m.pnlStd).toBeCloseTo(Math.SQRT1_2, 14);
    // final inventory 1, 0
    expect(m.finalInventoryMean).toBe(0.5);
    expect(m.finalInventoryStd).toBeCloseTo(Math.SQRT1_2, 14);
    // spreads with both sides: A 2, 2, 3 (sample 2 has no bid), B 4, 4, 4, 4 → 23/7
    expect(m.avgSpread).toBeCloseTo(23 / 7, 14);
    // increments A: 1, −2, 3; B: 0, 2, −1 → pooled mean 3/6 = 0.5;
    // deviations 0.5, −2.5, 2.5, −0.5, 1.5, −1.5 → Σ² = 17.5, /5 = 3.5 → Sharpe = 0.5/√3.5 · √4
    expect(m.sharpe).toBeCloseTo((0.5 / Math.sqrt(3.5)) * 2, 14);
    // downside: (4 + 1)/6 → Sortino = 0.5/√(5/6) · 2
    expect(m.sortino).toBeCloseTo((0.5 / Math.sqrt(5 / 6)) * 2, 14);
    // non-zero increments 1, −2, 3, 2, −1: 3 of 5 positive
    expect(m.winRate).toBeCloseTo(0.6, 15);
    // n = 6: ⌈6·0.05⌉ = ⌈6·0.01⌉ = 1 → Q = −2 (the worst bar) for both levels
    expect(m.var95).toBe(2);
    expect(m.es95).toBe(2);
    expect(m.var99).toBe(2);
    expect(m.es99).toBe(2);
    // drawdowns: A [0,1,−1,2] → 2, B [0,0,2,1] → 1 → mean 1.5
    expect(m.maxDrawdown).toBe(1.5);
    // durations: A peak 1 at t=1, regained at t=3 → 2; B peak 2 at t=2, under water to t=3 → 1 → 1.5
    expect(m.maxDrawdownDuration).toBe(1.5);
    // Calmar = 0.5 · 4 / 1.5
    expect(m.calmar).toBeCloseTo(4 / 3, 14);
    // fills 5 of 14 quotes
    expect(m.fills).toBe(5);
    expect(m.fillsPerPath).toBe(2.5);
    expect(m.fillRate).toBeCloseTo(5 / 14, 15);
    // realized: A 100, 100, 100 bps; B 200, 200 → 700/5 = 140
    expect(m.realizedSpreadBps).toBeCloseTo(140, 10);
    // markout h = 1: A buy@0.5 → mid(1)=100 → 100; buy@1.5 → mid(2)=102 → 300; sell@2.5 → final 98 → 300;
    // B: 200, 200 → 1100/5 = 220
    expect(m.realizedSpreadMarkoutBps).toBeCloseTo(220, 10);
    // |inventory|: A 0+1+2+1 = 4, B 1 → 5/8
    expect(m.meanAbsInventory).toBe(0.625);
    // turnover: A 99 + 99 + 101 = 299; B (102 + 98)·2 = 400 → mean 349.5
    expect(m.turnover).toBeCloseTo(349.5, 12);
    for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), k).toBe(true);
  });

  it('no paths: every metric is 0', () => {
    const m = computeRunMetrics([], { periodsPerYear: 252, markoutHorizon: 1 });
    for (const [k, v] of Object.entries(m)) expect(v, k).toBe(0);
  });

  it('single path with a constant PnL and no fills: finite zeros, no NaN', () => {
    const s = allocSeries(4);
    s.t.set([0, 1, 2, 3, 4]);
    s.mid.fill(10);
    s.bid.fill(NaN_);
    s.ask.fill(NaN_);
    s.pnl.fill(3);
    const p: PathResult = {
      pathIndex: 0,
      seed: 0,
      series: s,
      fills: new FillLog(),
      quotesPosted: 0,
      lotSize: 1,
    };
    const m = computeRunMetrics([p], { periodsPerYear: 252, markoutHorizon: 1 });
    for (const [k, v] of Object.entries(m)) expect(Number.isNaN(v), k).toBe(false);
    expect(m.pnlMean).toBe(3);
    expect(m.pnlStd).toBe(0);
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
    expect(m.calmar).toBe(0);
    expect(m.var95).toBe(0); // +0, not −0
    expect(m.avgSpread).toBe(0);
    expect(m.fillRate).toBe(0);
    expect(m.paths).toBe(1);
  });

  it('a path with zero bars contributes its sample but no increments', () => {
    const s = allocSeries(0);
    s.pnl[0] = 5;
    s.inventory[0] = -2;
    const p: PathResult = {
      pathIndex: 0,
      seed: 0,
      series: s,
      fills: new FillLog(),
      quotesPosted: 0,
      lotSize: 1,
    };
    const m = computeRunMetrics([p], { periodsPerYear: 1, markoutHorizon: 0 });
    expect(m.pnlMean).toBe(5);
    expect(m.meanAbsInventory).toBe(2);
    expect(m.sharpe).toBe(0);
    expect(m.var99).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => computeRunMetrics([], { periodsPerYear: 0, markoutHorizon: 1 })).toThrow(/periodsPerYear/);
    expect(() => computeRunMetrics([], { periodsPerYear: 1, markoutHorizon: -1 })).toThrow(/markoutHorizon/);
  });
});
