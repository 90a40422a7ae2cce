import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { FillLog, allocSeries, type PathResult } from '../sim/path-result';
import { indexAtOrBefore, midAtOrBefore, pathTurnover, effectiveSpreadBps, realizedSpreadBps } from './fills';

function path(): PathResult {
  const series = allocSeries(3);
  series.t.set([0, 1, 2, 3]);
  series.mid.set([100, 101, 99, 100]);
  const fills = new FillLog(1); // capacity 1: exercises growth
  fills.push(0.5, BUY, 99.9, 2, 0, 100);
  fills.push(1.2, SELL, 101.2, 1, 0, 101);
  return { pathIndex: 0, seed: 1, series, fills, quotesPosted: 10, lotSize: 0.5 };
}

describe('indexAtOrBefore / midAtOrBefore', () => {
  it('finds the last sample at or before a time', () => {
    const t = [0, 1, 2, 3];
    expect(indexAtOrBefore(t, 1.5)).toBe(1);
    expect(indexAtOrBefore(t, 2)).toBe(2);
    expect(indexAtOrBefore(t, -1)).toBe(0); // before the first sample: the first
    expect(indexAtOrBefore(t, 10)).toBe(3); // beyond the end: the last
    expect(indexAtOrBefore([0, 1, 1, 2], 1)).toBe(2); // ties: the last
    expect(indexAtOrBefore([], 1)).toBe(-1);
    expect(midAtOrBefore(path().series, 2.7)).toBe(99);
  });
});

describe('effective spread, realized spread (mark-out) and adverse selection', () => {
  it('hand values', () => {
    // buy 2 @ 99.9, mid 100:  +1·(100 − 99.9)/100·1e4 = 10 bps
    // sell 1 @ 101.2, mid 101: −1·(101 − 101.2)/101·1e4 = 2000/101 = 19.80198 bps
    // size-weighted: (2·10 + 2000/101)/3
    expect(effectiveSpreadBps([path()])).toBeCloseTo((20 + 2000 / 101) / 3, 10);
    // realized (mark-out) h = 1: buy at 0.5 → mid at t=1 (101): (101 − 99.9)/100·1e4 = 110 bps
    //               sell at 1.2 → mid at t=2 (99): −(99 − 101.2)/101·1e4 = 22000/101 bps
    expect(realizedSpreadBps([path()], 1)).toBeCloseTo((2 * 110 + 22000 / 101) / 3, 10);
    // h = 0 uses the series mid at the fill time (t=0 → 100, t=1 → 101): equals the effective spread here
    expect(realizedSpreadBps([path()], 0)).toBeCloseTo(effectiveSpreadBps([path()]), 10);
    // beyond the end: the final mid (100): buy (100 − 99.9)/100 → 10; sell −(100 − 101.2)/101 → 12000/101
    expect(realizedSpreadBps([path()], 50)).toBeCloseTo((20 + 12000 / 101) / 3, 10);
    // adverse selection = effective − realized at h = 1: buy 10 − 110 = −100 bps (the mid rose: a gain),
    // sell 2000/101 − 22000/101 = −20000/101 bps → (2·(−100) − 20000/101)/3
    const as = effectiveSpreadBps([path()]) - realizedSpreadBps([path()], 1);
    expect(as).toBeCloseTo((-200 - 20000 / 101) / 3, 10);
  });

  it('pools paths by size and is 0 without fills; skips fills without a valid mid', () => {
    const empty = path();
    empty.fills.clear();
    expect(effectiveSpreadBps([empty])).toBe(0);
    expect(realizedSpreadBps([], 1)).toBe(0);
    const p = path();
    p.fills.push(2.5, BUY, 50, 100, 0, Number.NaN);
    expect(effectiveSpreadBps([p])).toBeCloseTo(effectiveSpreadBps([path()]), 12);
    expect(effectiveSpreadBps([path(), path()])).toBeCloseTo(effectiveSpreadBps([path()]), 12);
  });

  it('turnover: Σ|price·size·lotSize|', () => {
    // (99.9·2 + 101.2·1)·0.5 = (199.8 + 101.2)/2 = 150.5
    expect(pathTurnover(path())).toBeCloseTo(150.5, 12);
  });
});
