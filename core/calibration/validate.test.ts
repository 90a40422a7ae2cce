import { describe, expect, it } from 'vitest';
import { bookScenarioSchema } from '../sim/scenario';
import { blockCount, compare, simulateTape, tapeStats, type Tape } from './validate';

// Hand-built tape, tick 1, 20 s (2 blocks of 10 s): bid 99 / ask 100 on [0, 10), bid 99 / ask 102 on
// [10, 20] → mid 99.5 then 100.5. Market orders: a buy at 9.5 (passive seller: mid +1 within 1 s → −1
// tick) and a sell at 15 (passive buyer: mid flat → 0). Our fills: a buy at 9.8 (+1 tick after 1 s).
const TAPE: Tape = {
  start: 0,
  end: 20,
  tick: 1,
  top: { t: [0, 10], bid: [99, 99], ask: [100, 102] },
  market: { t: [9.5, 15], side: [1, -1] },
  prints: [9.5, 9.5, 15],
  ours: { t: [9.8], side: [1] },
};

describe('tapeStats on a hand-built tape', () => {
  const s = tapeStats([TAPE]);
  it('spread shares and mean spread, by time, with batch-means SEs over 2 blocks', () => {
    expect(blockCount(20)).toBe(2);
    expect(s.spreadShare.one.value).toBeCloseTo(0.5, 12);
    expect(s.spreadShare.two.value).toBe(0);
    expect(s.spreadShare.threePlus.value).toBeCloseTo(0.5, 12);
    expect(s.meanSpreadTicks.value).toBeCloseTo(2, 12);
    // block values 1 and 0: sd 0.7071, SE = 0.7071/√2 = 0.5
    expect(s.spreadShare.one.se).toBeCloseTo(0.5, 12);
  });
  it('rates, volatility on 1-s and 10-s grids', () => {
    expect(s.marketOrdersPerSecond.value).toBeCloseTo(0.1, 12);
    expect(s.printsPerSecond.value).toBeCloseTo(0.15, 12);
    // one 1-tick move in 20 one-second returns; in 2 ten-second returns
    expect(s.sigma1s.value).toBeCloseTo(Math.sqrt(1 / 20), 12);
    expect(s.sigma10s.value).toBeCloseTo(Math.sqrt(1 / 2 / 10), 12);
  });
  it('mark-outs of the passive side and of our fills', () => {
    expect(s.markout[0]!.value).toBeCloseTo(-0.5, 12); // (−1 + 0)/2
    expect(s.markout[1]!.value).toBeCloseTo(-0.5, 12);
    expect(Number.isNaN(s.markout[2]!.value)).toBe(true); // 30 s lies beyond the tape
    expect(s.oursMarkout![0]!.value).toBeCloseTo(1, 12);
    expect(s.oursFills).toBe(1);
  });
  it('the verdict uses both standard errors', () => {
    const rows = compare(s, s);
    expect(rows.find((r) => r.statistic === 'spread share 1 tick')!.agrees).toBe(true);
    const shifted = { ...s, meanSpreadTicks: { value: 10, se: 0.1 } };
    const r = compare(s, shifted).find((x) => x.statistic === 'mean spread (ticks)')!;
    expect(r.agrees).toBe(false);
    expect(r.z).toBeCloseTo(8 / Math.sqrt(s.meanSpreadTicks.se ** 2 + 0.01), 9);
  });
});

describe('simulateTape', () => {
  const sc = bookScenarioSchema.parse({
    mode: 'book',
    horizon: 120,
    warmup: 30,
    tickSize: 0.01,
    s0: 100,
    price: { model: 'abm', sigma: 0.01 },
    flow: { limitRate: 5, depthMeanTicks: 2, cancelRate: 0.2, marketRate: 1 },
  });
  it('is deterministic for a seed, and the passive quoter trades', () => {
    const a = simulateTape(sc, 3, 0);
    const b = simulateTape(sc, 3, 0);
    expect(Array.from(a.market.t)).toEqual(Array.from(b.market.t));
    expect(Array.from(a.top.bid)).toEqual(Array.from(b.top.bid));
    expect(a.ours!.t.length).toBeGreaterThan(0);
    expect(a.market.t.length).toBeGreaterThan(50);
    const s = tapeStats([a, b]);
    expect(s.spreadShare.one.value + s.spreadShare.two.value + s.spreadShare.threePlus.value).toBeCloseTo(
      1,
      9,
    );
  });
});
