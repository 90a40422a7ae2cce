/**
 * The action maps of env.ts (mapAction) by hand: 'mid-offset' as before, the tick maps (rounding to
 * whole ticks, joining and improving on the touch, the no-crossing clamp at the mid, a one-sided book,
 * the intensity model without a book), the size dimensions, and the env's reward modes end to end
 * (the sparse mode's episode return is the episode PnL).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { IntensitySimulator, as2008Scenario } from '../sim/intensity-sim';
import {
  actionSpaceOf,
  actionToLots,
  actionToTicks,
  emptyMappedQuotes,
  mapAction,
  MarketMakingEnv,
  resolveEnvOptions,
  type ActionMap,
  type QuoteReference,
  type QuotingEnvOptions,
} from './env';
import type { RewardConfig } from './reward';

const base: QuotingEnvOptions = { orderSizeLots: 1, maxOffset: 1, inventoryScale: 5 };
const mapOf = (o: Partial<QuotingEnvOptions>): ActionMap =>
  resolveEnvOptions({ ...base, ...o }, 'test').action;

/** A book with best bid 99.98 and best ask 100.03 (a five-tick spread, mid 100.005), tick 0.01. */
const wide: QuoteReference = { mid: 100.005, bestBid: 99.98, bestAsk: 100.03, tickSize: 0.01 };
/** A one-tick spread: 99.99 / 100.00, mid 99.995. */
const tight: QuoteReference = { mid: 99.995, bestBid: 99.99, bestAsk: 100, tickSize: 0.01 };

function quotes(m: ActionMap, a: number[], ref: QuoteReference, size = 1) {
  return mapAction(m, a, 0, ref, size, emptyMappedQuotes());
}
/** Prices in whole ticks (the maps compute ticks × tick; the simulators round back with 1e-9). */
const ticks = (p: number): number => Math.round(p / 0.01);

describe('action maps', () => {
  it("'mid-offset' is today's map: bid = mid − δ, ask = mid + δ, δ clipped to the box", () => {
    const m = mapOf({ minOffset: 0, maxOffset: 0.03, actionScale: 'unit' });
    expect(m.kind).toBe('mid-offset');
    const q = quotes(m, [-1, 0.5], wide);
    // a = −1 → δ = 0; a = 0.5 → δ = 0 + 0.75·0.03 = 0.0225
    expect(q.bidPrice).toBe(100.005);
    expect(q.askPrice).toBe(100.005 + 0.75 * 0.03);
    expect(q.deltaBid).toBe(0);
    expect(q.deltaAsk).toBe(0.75 * 0.03);
    expect([q.bidSize, q.askSize]).toEqual([1, 1]);
  });

  it('rounds to whole ticks half up and clips to [minTicks, maxTicks]', () => {
    const m = mapOf({ actionMap: 'ticks-from-touch', minTicks: -2, maxTicks: 6, actionScale: 'unit' });
    // unit: x = −2 + (a + 1)/2 · 8
    expect(actionToTicks(m, -1)).toBe(-2);
    expect(actionToTicks(m, -0.5)).toBe(0); // x = 0
    expect(actionToTicks(m, -0.4)).toBe(0); // x = 0.4
    expect(actionToTicks(m, -0.375)).toBe(1); // x = 0.5 → half up
    expect(actionToTicks(m, 1)).toBe(6);
    expect(actionToTicks(m, 7)).toBe(6); // clipped before scaling
    const p = mapOf({ actionMap: 'ticks-from-touch', minTicks: -2, maxTicks: 6 }); // price scale: ticks
    expect(actionToTicks(p, 2.49)).toBe(2);
    expect(actionToTicks(p, -9)).toBe(-2);
    expect(Array.from(actionSpaceOf(p).low)).toEqual([-2, -2]);
    expect(Array.from(actionSpaceOf(p).high)).toEqual([6, 6]);
  });

  it("'ticks-from-touch': 0 joins the touch, n > 0 steps behind it, n < 0 improves but stops before the mid", () => {
    const m = mapOf({ actionMap: 'ticks-from-touch', minTicks: -5, maxTicks: 5 });
    // Join: 99.98 / 100.03.
    let q = quotes(m, [0, 0], wide);
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9998, 10003]);
    expect(q.deltaBid).toBeCloseTo(0.025, 12);
    // Two ticks behind: 99.96 / 100.05.
    q = quotes(m, [2, 2], wide);
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9996, 10005]);
    // Improve by one: 99.99 / 100.02 (inside the spread).
    q = quotes(m, [-1, -1], wide);
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9999, 10002]);
    // Improve by five: the mid is 100.005, so the bid stops at 100.00 and the ask at 100.01.
    q = quotes(m, [-5, -5], wide);
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([10000, 10001]);
    expect(q.deltaBid).toBeGreaterThan(0);
    expect(q.deltaAsk).toBeGreaterThan(0);
    // A one-tick spread leaves no room: improving is joining.
    q = quotes(m, [-3, -3], tight);
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9999, 10000]);
    // A two-tick spread (mid on a tick, 100.00): the bid may not sit on the mid either.
    q = quotes(m, [-1, -1], { mid: 100, bestBid: 99.99, bestAsk: 100.01, tickSize: 0.01 });
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9999, 10001]);
  });

  it('never crosses: over random books and actions the bid stays below the mid and the ask above', () => {
    const m = mapOf({ actionMap: 'ticks-from-touch', minTicks: -20, maxTicks: 3 });
    const rng = new Rng(4);
    let clamped = 0;
    for (let k = 0; k < 2000; k++) {
      const bb = 9000 + rng.int(100);
      const ba = bb + 1 + rng.int(8);
      const ref = { mid: ((bb + ba) / 2) * 0.01, bestBid: bb * 0.01, bestAsk: ba * 0.01, tickSize: 0.01 };
      const q = quotes(m, [-20 + 23 * rng.next(), -20 + 23 * rng.next()], ref);
      const b = ticks(q.bidPrice);
      const a = ticks(q.askPrice);
      expect(b * 0.01).toBeLessThan(ref.mid);
      expect(a * 0.01).toBeGreaterThan(ref.mid);
      expect(b).toBeLessThan(ba);
      expect(a).toBeGreaterThan(bb);
      if (b === Math.ceil((bb + ba) / 2) - 1 && b > bb) clamped++;
    }
    expect(clamped).toBeGreaterThan(100); // the clamp at the mid was exercised
  });

  it('a side with no touch (one-sided book, or no book at all) measures from the nearest tick on its side of the mid', () => {
    const m = mapOf({ actionMap: 'ticks-from-touch', minTicks: -2, maxTicks: 4 });
    // No asks: the mid is the simulator's mark, 100.005 here; the bid still joins its touch.
    let q = quotes(m, [0, 1], { mid: 100.005, bestBid: 99.98, bestAsk: NaN, tickSize: 0.01 });
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9998, 10002]); // ask: 100.01 + 1 tick
    // No bids, mid exactly on a tick (100.00): below = 99.99, the bid two behind it.
    q = quotes(m, [2, 0], { mid: 100, bestBid: NaN, bestAsk: 100.02, tickSize: 0.01 });
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9997, 10002]);
    // A NaN mid and no book: no quotes.
    q = quotes(m, [0, 0], { mid: NaN, bestBid: NaN, bestAsk: NaN, tickSize: 0.01 });
    expect(q.bidPrice).toBeNaN();
    expect(q.askPrice).toBeNaN();
  });

  it("'ticks-from-mid': n ticks beyond the nearest tick strictly on the own side of the mid", () => {
    const m = mapOf({ actionMap: 'ticks-from-mid', minTicks: 0, maxTicks: 10 });
    let q = quotes(m, [0, 3], wide); // mid 100.005: nearest 100.00 / 100.01
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([10000, 10004]);
    q = quotes(m, [0, 0], tight); // one-tick spread: n = 0 is the touch
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9999, 10000]);
    q = quotes(m, [1, 1], { mid: 100, bestBid: NaN, bestAsk: NaN, tickSize: 0.01 }); // mid on a tick
    expect([ticks(q.bidPrice), ticks(q.askPrice)]).toEqual([9998, 10002]);
    expect(() => quotes(m, [0, 0], { ...tight, tickSize: 0 })).toThrow(/tick size/);
  });

  it('refuses bad tick bounds and sizes, naming them', () => {
    expect(() => mapOf({ actionMap: 'ticks-from-touch' })).toThrow(/maxTicks/);
    expect(() => mapOf({ actionMap: 'ticks-from-mid', minTicks: -1, maxTicks: 3 })).toThrow(/minTicks ≥ 0/);
    expect(() => mapOf({ actionMap: 'ticks-from-touch', minTicks: 0.5, maxTicks: 3 })).toThrow(/whole/);
    expect(() => mapOf({ sizeAction: { minLots: 0, maxLots: 3 } })).toThrow(/sizeAction/);
    expect(() => mapOf({ sizeAction: { minLots: 3, maxLots: 3 } })).toThrow(/sizeAction/);
    expect(() => mapOf({ actionMap: 'ticks-from-nowhere' as 'ticks-from-mid' })).toThrow(/actionMap/);
  });

  it('maps the size dimensions to whole lots per side, half up, clipped', () => {
    const m = mapOf({ actionScale: 'unit', sizeAction: { minLots: 1, maxLots: 5 } });
    const z = m.size!;
    // x = 1 + (a + 1)/2 · 4
    expect(actionToLots(z, true, -1)).toBe(1);
    expect(actionToLots(z, true, -0.75)).toBe(2); // x = 1.5 → 2
    expect(actionToLots(z, true, 0)).toBe(3);
    expect(actionToLots(z, true, 0.2)).toBe(3); // x = 3.4
    expect(actionToLots(z, true, 3)).toBe(5);
    expect(actionToLots(z, false, 4.4)).toBe(4); // price scale: lots
    expect(actionToLots(z, false, -2)).toBe(1);
    const q = quotes(m, [0, 0, -1, 1], tight, 7);
    expect([q.bidSize, q.askSize]).toEqual([1, 5]); // orderSizeLots (7) is replaced
    expect(Array.from(actionSpaceOf(m).low)).toEqual([-1, -1, -1, -1]);
    const p = mapOf({ sizeAction: { minLots: 2, maxLots: 9 } });
    expect(Array.from(actionSpaceOf(p).low)).toEqual([0, 0, 2, 2]);
    expect(Array.from(actionSpaceOf(p).high)).toEqual([1, 1, 9, 9]);
  });

  it('MarketMakingEnv with a size action takes 4-entry actions and quotes those sizes', () => {
    const sc = as2008Scenario({ dt: 0.02, intensity: { A: 1e6, k: 1.5 } }); // every quote fills
    const e = new MarketMakingEnv({
      ...base,
      maxOffset: 2,
      actionScale: 'unit',
      sizeAction: { minLots: 1, maxLots: 5 },
      sim: new IntensitySimulator(sc),
    });
    e.reset(1);
    expect(() => e.step([0, 0])).toThrow(/4 entries/);
    const r = e.step([0, 0, 1, -1]); // buy 5, sell 1
    expect([r.info.bought, r.info.sold, r.info.inventory]).toEqual([5, 1, 4]);
  });
});

describe('reward modes in MarketMakingEnv', () => {
  function episode(reward: Partial<RewardConfig>, extra: Partial<QuotingEnvOptions> = {}) {
    const e = new MarketMakingEnv({
      ...base,
      maxOffset: 2,
      actionScale: 'unit',
      reward,
      ...extra,
      sim: new IntensitySimulator(as2008Scenario({ dt: 0.02 })),
    });
    const rng = new Rng(8);
    e.reset(3, 0);
    const rs: number[] = [];
    for (;;) {
      const r = e.step([2 * rng.next() - 1, 2 * rng.next() - 1]);
      rs.push(r.reward);
      if (r.terminated || r.truncated) return { rs, pnl: r.info.pnl, steps: rs.length };
    }
  }

  it("'final-pnl': zero until the last step, whose reward is the episode's mark-to-market PnL", () => {
    const d = episode({});
    const f = episode({ mode: 'final-pnl' });
    expect(f.steps).toBe(50);
    expect(f.rs.slice(0, -1).every((r) => r === 0)).toBe(true);
    expect(f.rs.at(-1)).toBe(f.pnl);
    expect(f.pnl).toBe(d.pnl); // the same path and actions
    expect(Math.abs(f.pnl)).toBeGreaterThan(0);
    expect(d.rs.reduce((a, b) => a + b, 0)).toBeCloseTo(d.pnl, 9); // ΔPnL telescopes to the same
    // Truncated after 20 steps: the PnL so far is paid on the truncating step.
    const t = episode({ mode: 'final-pnl' }, { maxEpisodeSteps: 20 });
    expect(t.steps).toBe(20);
    expect(t.rs.reduce((a, b) => a + b, 0)).toBe(t.pnl);
  });

  it("'time-weighted' weighs each ΔPnL by 1 + κ·(1 − time left), 'inventory-penalized' subtracts the penalty", () => {
    const d = episode({});
    const w = episode({ mode: 'time-weighted', timeWeight: 2 });
    // step t (1-based) of 50 leaves τ = 1 − t/50; weight 1 + 2·t/50
    for (const t of [1, 10, 50]) expect(w.rs[t - 1]).toBeCloseTo(d.rs[t - 1]! * (1 + (2 * t) / 50), 9);
    const p = episode({ mode: 'inventory-penalized', inventory: 0.1 });
    const lower = p.rs.filter((r, j) => r < d.rs[j]!).length;
    expect(lower).toBeGreaterThan(0);
    expect(p.rs.every((r, j) => r <= d.rs[j]!)).toBe(true);
  });
});
