import { describe, expect, it } from 'vitest';
import { EVENT_KIND as K } from '../data/catalog';
import { distanceTicks, fitLogNormal, flowRates, type FlowEvents } from './flow-rates';

/** Rows [t, kind, id, side, price, size] with a constant mid. */
function events(rows: number[][], mid: number, bid = Number.NaN, ask = Number.NaN): FlowEvents {
  return {
    t: rows.map((r) => r[0]!),
    kind: rows.map((r) => r[1]!),
    orderId: rows.map((r) => r[2]!),
    side: rows.map((r) => r[3]!),
    price: rows.map((r) => r[4]!),
    size: rows.map((r) => r[5]!),
    midBefore: rows.map(() => mid),
    bidBefore: rows.map(() => bid),
    askBefore: rows.map(() => ask),
  };
}

// Hand-built L3 day (tick 1, mid 100.5 throughout):
//  t=0 add 1 buy 100×10 (d 1) · t=0 add 2 sell 103×20 (d 3) · t=2 add 3 buy 98×5 (d 3)
//  t=4 delete 1 (cancel at d 1) · t=5 execute 2 ×5 + hidden sell ×3 (one buy market order, 8)
//  t=8 delete 3 (cancel at d 3) · t=9 execute 2 ×2 (market order 2) · t=10 delete 9 (unseen)
//  · t=10 partial cancel 2 ×5
// Resting orders: [0,2] #1 d1, #2 d3 · [2,4] #1, #2, #3 · [4,8] #2, #3 · [8,10] #2
// → order-seconds d1 = 4, d3 = 2 + 4 + 8 + 2 = 16.
const L3 = [
  [0, K.add, 1, 1, 100, 10],
  [0, K.add, 2, -1, 103, 20],
  [2, K.add, 3, 1, 98, 5],
  [4, K.delete, 1, 1, 100, 10],
  [5, K.execute, 2, -1, 103, 5],
  [5, K.hiddenExecute, 0, -1, 103, 3],
  [8, K.delete, 3, 1, 98, 5],
  [9, K.execute, 2, -1, 103, 2],
  [10, K.delete, 9, 1, 97, 1],
  [10, K.partialCancel, 2, -1, 103, 5],
];

describe('flowRates on hand-built L3 events', () => {
  const r = flowRates(events(L3, 100.5), { tick: 1, lot: 1, maxTicks: 5 });
  it('arrivals by distance, λ_L per side and the mean distance', () => {
    expect(r.level).toBe('L3');
    expect(r.bins.map((b) => b.arrivals)).toEqual([1, 0, 2, 0, 0]);
    expect(r.bins[2]!.arrivalRate).toBeCloseTo(2 / 20, 12);
    expect(r.limitRate).toBeCloseTo(3 / 20, 12);
    expect(r.depthMeanTicks).toBeCloseTo(7 / 3, 12);
  });
  it('cancels per order-second by distance and pooled', () => {
    expect(r.bins[0]!.exposure).toBeCloseTo(4, 12);
    expect(r.bins[2]!.exposure).toBeCloseTo(16, 12);
    expect(r.bins[0]!.cancelRate).toBeCloseTo(0.25, 12);
    expect(r.bins[2]!.cancelRate).toBeCloseTo(1 / 16, 12);
    expect(r.cancelRate).toBeCloseTo(2 / 20, 12);
    const f = Math.exp(1.959963984540054);
    expect(r.bins[0]!.cancelRateCi[0]).toBeCloseTo(0.25 / f, 9);
    expect(r.bins[0]!.cancelRateCi[1]).toBeCloseTo(0.25 * f, 9);
    expect(r.unseenCancels).toBe(1);
    expect(r.partialCancels).toBe(1);
  });
  it('market orders grouped by time and aggressor; log-normal sizes', () => {
    expect(r.marketOrders).toBe(2);
    expect(r.marketRate).toBeCloseTo(2 / 20, 12);
    expect(r.marketSize!.mu).toBeCloseTo(Math.log(4), 12);
    expect(r.marketSize!.sigma).toBeCloseTo(Math.log(2), 12);
    expect(r.limitSize!.mu).toBeCloseTo(Math.log(10), 12);
    expect(r.limitSize!.sigma).toBeCloseTo(Math.log(2) * Math.sqrt(2 / 3), 12);
  });
  it('level-1 data: exposure and cancels only at the best price', () => {
    const b = flowRates(events(L3, 100.5, 100, 103), { tick: 1, lot: 1, maxTicks: 5, atBestOnly: true });
    expect(b.bins[0]!.exposure).toBeCloseTo(4, 12); // #1 at the best bid for [0, 4]
    expect(b.bins[2]!.exposure).toBeCloseTo(10, 12); // #2 at the best ask for [0, 10]; #3 never at the best
    expect(b.bins[0]!.cancels).toBe(1);
    expect(b.bins[2]!.cancels).toBe(0);
  });
});

describe('flowRates on hand-built L2 events', () => {
  // tick 1, mid 100.5: snapshot bid 100×10, ask 101×10; t=1 bid → 15 (+5 arrival) · t=2 buy trade 4 at 101
  // · t=3 ask → 3 (−7, 4 explained: 3 cancelled) · t=4 bid → 0 (15 cancelled) · t=6 ask → 5 (+2 arrival)
  // volume-seconds at d 1: 20·1 + 25·1 + 25·1 + 18·1 + 3·2 = 94
  const rows = [
    [0, K.snapshotLevel, 0, 1, 100, 10],
    [0, K.snapshotLevel, 0, -1, 101, 10],
    [1, K.levelSet, 0, 1, 100, 15],
    [2, K.trade, 0, 1, 101, 4],
    [3, K.levelSet, 0, -1, 101, 3],
    [4, K.levelSet, 0, 1, 100, 0],
    [6, K.levelSet, 0, -1, 101, 5],
  ];
  const r = flowRates(events(rows, 100.5), { tick: 1, lot: 1, maxTicks: 3 });
  it('arrivals are increases, cancels the decreases trades do not explain, per volume-second', () => {
    expect(r.level).toBe('L2');
    expect(r.bins[0]!.arrivals).toBe(2);
    expect(r.limitRate).toBeCloseTo(2 / 12, 12);
    expect(r.bins[0]!.cancels).toBeCloseTo(18, 12);
    expect(r.bins[0]!.exposure).toBeCloseTo(94, 12);
    expect(r.cancelRate).toBeCloseTo(18 / 94, 12);
    const f = Math.exp(1.959963984540054 / Math.sqrt(2));
    expect(r.cancelRateCi[1]).toBeCloseTo((18 / 94) * f, 9);
    expect(r.marketOrders).toBe(1);
    expect(r.limitSize!.mu).toBeCloseTo((Math.log(5) + Math.log(2)) / 2, 12);
  });
});

describe('helpers', () => {
  it('distance in ticks follows the simulator (⌈mid − bid⌉, ⌈ask − mid⌉)', () => {
    expect(distanceTicks(1, 100, 100.5)).toBe(1);
    expect(distanceTicks(1, 100, 101)).toBe(1);
    expect(distanceTicks(1, 99, 101)).toBe(2);
    expect(distanceTicks(-1, 101, 100.5)).toBe(1);
    expect(distanceTicks(-1, 104, 101)).toBe(3);
    expect(distanceTicks(1, 101, 100.5)).toBe(0);
  });
  it('log-normal fit needs two sizes', () => {
    expect(fitLogNormal([5])).toBeNull();
    const f = fitLogNormal([1, Math.E ** 2])!;
    expect(f.mu).toBeCloseTo(1, 12);
    expect(f.sigma).toBeCloseTo(1, 12);
    expect(f.ciMu[0]).toBeCloseTo(1 - 1.959963984540054 / Math.sqrt(2), 9);
  });
});
