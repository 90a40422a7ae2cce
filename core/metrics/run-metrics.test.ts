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
    const m = computeRunMetrics([pathA(), pathB()], { sessionsPerYear: 4, markoutHorizon: 1 });
    expect(m.paths).toBe(2);
    // final PnL 2, 1 → mean 1.5, sample std √((0.25 + 0.25)/1) = √0.5
    expect(m.pnlMean).toBe(1.5);
    expect(m.pnlStd).toBeCloseTo(Math.SQRT1_2, 14);
    // final inventory 1, 0
    expect(m.finalInventoryMean).toBe(0.5);
    expect(m.finalInventoryStd).toBeCloseTo(Math.SQRT1_2, 14);
    // spreads with both sides: A 2, 2, 3 (sample 2 has no bid), B 4, 4, 4, 4 → 23/7
    expect(m.avgSpread).toBeCloseTo(23 / 7, 14);
    // sessions: final PnL 2, 1 → session Sharpe = 1.5/√0.5 = 3/√2; annualised with √4 = 2 → 6/√2
    expect(m.sessionSharpe).toBeCloseTo(3 / Math.SQRT2, 14);
    expect(m.sharpe).toBeCloseTo(6 / Math.SQRT2, 14);
    // independent: the same ratio from the reported mean and std across paths
    expect(m.sessionSharpe).toBeCloseTo(m.pnlMean / m.pnlStd, 14);
    // no session lost money: downside deviation 0 → Sortino 0 ("undefined means 0")
    expect(m.sessionSortino).toBe(0);
    expect(m.sortino).toBe(0);
    // per bar (not annualised): increments A: 1, −2, 3; B: 0, 2, −1 → pooled mean 3/6 = 0.5;
    // deviations 0.5, −2.5, 2.5, −0.5, 1.5, −1.5 → Σ² = 17.5, /5 = 3.5 → 0.5/√3.5
    expect(m.perBarSharpe).toBeCloseTo(0.5 / Math.sqrt(3.5), 14);
    // non-zero increments 1, −2, 3, 2, −1: 3 of 5 positive
    expect(m.winRate).toBeCloseTo(0.6, 15);
    // n = 6: ⌈6·0.05⌉ = ⌈6·0.01⌉ = 1 → Q = −2 (the worst bar) for both levels
    expect(m.var95).toBe(2);
    expect(m.es95).toBe(2);
    expect(m.var99).toBe(2);
    expect(m.es99).toBe(2);
    // drawdowns: A [0,1,−1,2] → 2, B [0,0,2,1] → 1 → mean 1.5, worst 2
    expect(m.maxDrawdown).toBe(1.5);
    expect(m.maxDrawdownWorst).toBe(2);
    // durations: A peak 1 at t=1, regained at t=3 → 2; B peak 2 at t=2, under water to t=3 → 1 → 1.5
    expect(m.maxDrawdownDuration).toBe(1.5);
    // Calmar = annualised mean session PnL / mean drawdown = 1.5 · 4 / 1.5
    expect(m.calmar).toBeCloseTo(4, 14);
    // fills 5 of 14 quotes
    expect(m.fills).toBe(5);
    expect(m.fillsPerPath).toBe(2.5);
    expect(m.fillRate).toBeCloseTo(5 / 14, 15);
    // effective (vs the mid at the fill): A 100, 100, 100 bps; B 200, 200 → 700/5 = 140
    expect(m.effectiveSpreadBps).toBeCloseTo(140, 10);
    // realized (vs the mid h = 1 later): A buy@0.5 → mid(1)=100 → 100; buy@1.5 → mid(2)=102 → 300;
    // sell@2.5 → final 98 → 300; B: 200, 200 → 1100/5 = 220
    expect(m.realizedSpreadBps).toBeCloseTo(220, 10);
    // adverse selection = 140 − 220 = −80 (the mid moved our way after the fills)
    expect(m.adverseSelectionBps).toBeCloseTo(-80, 10);
    // |inventory|: A 0+1+2+1 = 4, B 1 → 5/8
    expect(m.meanAbsInventory).toBe(0.625);
    // turnover: A 99 + 99 + 101 = 299; B (102 + 98)·2 = 400 → mean 349.5
    expect(m.turnover).toBeCloseTo(349.5, 12);
    for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), k).toBe(true);
  });

  it('no paths: every metric is 0', () => {
    const m = computeRunMetrics([], { sessionsPerYear: 252, markoutHorizon: 1 });
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
    const m = computeRunMetrics([p], { sessionsPerYear: 252, markoutHorizon: 1 });
    for (const [k, v] of Object.entries(m)) expect(Number.isNaN(v), k).toBe(false);
    expect(m.pnlMean).toBe(3);
    expect(m.pnlStd).toBe(0);
    expect(m.sessionSharpe).toBe(0); // one session: no sample std
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
    expect(m.perBarSharpe).toBe(0); // constant PnL: every increment 0
    expect(m.calmar).toBe(0);
    expect(m.maxDrawdownWorst).toBe(0);
    expect(m.var95).toBe(0); // +0, not −0
    expect(m.avgSpread).toBe(0);
    expect(m.fillRate).toBe(0);
    expect(m.paths).toBe(1);
  });

  it('session ratios over paths: one path, equal PnLs, all sessions losing', () => {
    const withFinal = (pathIndex: number, final: number, trough: number): PathResult => {
      const s = allocSeries(2);
      s.t.set([0, 1, 2]);
      s.mid.fill(100);
      s.bid.fill(NaN_);
      s.ask.fill(NaN_);
      s.pnl.set([0, trough, final]);
      return { pathIndex, seed: pathIndex, series: s, fills: new FillLog(), quotesPosted: 0, lotSize: 1 };
    };
    const opts = { sessionsPerYear: 252, markoutHorizon: 1 };
    // one path ending at +5: no sample std → session Sharpe 0, whatever the PnL
    expect(computeRunMetrics([withFinal(0, 5, -1)], opts).sessionSharpe).toBe(0);
    // two paths with the same final PnL 3 (different troughs): std 0 → 0
    const same = computeRunMetrics([withFinal(0, 3, -1), withFinal(1, 3, 1)], opts);
    expect(same.sessionSharpe).toBe(0);
    expect(same.sharpe).toBe(0);
    // all losing: finals −1, −3 → mean −2, std √2 → −√2; DD = √((1 + 9)/2) = √5 → Sortino −2/√5;
    // annualised by √252
    const neg = computeRunMetrics([withFinal(0, -1, -2), withFinal(1, -3, -4)], opts);
    expect(neg.sessionSharpe).toBeCloseTo(-Math.SQRT2, 14);
    expect(neg.sharpe).toBeCloseTo(-Math.SQRT2 * Math.sqrt(252), 12);
    expect(neg.sessionSortino).toBeCloseTo(-2 / Math.sqrt(5), 14);
    expect(neg.sortino).toBeCloseTo((-2 / Math.sqrt(5)) * Math.sqrt(252), 12);
    // drawdowns: [0, −2, −1] → 2, [0, −4, −3] → 4: mean 3, worst 4; Calmar = −2·252/3
    expect(neg.maxDrawdown).toBe(3);
    expect(neg.maxDrawdownWorst).toBe(4);
    expect(neg.calmar).toBeCloseTo((-2 * 252) / 3, 12);
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
    const m = computeRunMetrics([p], { sessionsPerYear: 1, markoutHorizon: 0 });
    expect(m.pnlMean).toBe(5);
    expect(m.meanAbsInventory).toBe(2);
    expect(m.sharpe).toBe(0);
    expect(m.var99).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => computeRunMetrics([], { sessionsPerYear: 0, markoutHorizon: 1 })).toThrow(/sessionsPerYear/);
    expect(() => computeRunMetrics([], { sessionsPerYear: 1, markoutHorizon: -1 })).toThrow(/markoutHorizon/);
  });
});
