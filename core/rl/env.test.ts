import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { Rng } from '../rng/rng';
import { IntensitySimulator, as2008Scenario, type IntensityScenario } from '../sim/intensity-sim';
import { FillLog, allocSeries, type PathResult } from '../sim/path-result';
import type { MarketSimulator } from '../sim/simulator';
import type { MarketObservation, QuoteDecision } from '../strategy/quoter';
import { MarketMakingEnv, actionToOffset, type MarketMakingEnvConfig } from './env';
import { contains, sample } from './spaces';

function scenario(over: Partial<IntensityScenario> = {}): IntensityScenario {
  return as2008Scenario(over);
}

function env(sc: IntensityScenario, over: Partial<MarketMakingEnvConfig> = {}): MarketMakingEnv {
  return new MarketMakingEnv({
    sim: new IntensitySimulator(sc),
    orderSizeLots: 1,
    maxOffset: 1000,
    inventoryScale: 10,
    ...over,
  });
}

/** A flat market (σ = 0) where a quote at δ = 1 always fills (A·e^{−k}·dt ≫ 1) and δ = 1000 never does. */
const certain = scenario({
  price: { model: 'abm', sigma: 0, drift: 0, increments: 'binomial' },
  intensity: { A: 1e6, k: 1.5 },
});

describe('MarketMakingEnv', () => {
  it('describes its spaces: observation [q/scale, time left], action offsets in price units by default', () => {
    const e = env(scenario(), { maxOffset: 3 });
    expect(e.observationSpace.shape).toEqual([2]);
    expect(Array.from(e.observationSpace.low)).toEqual([Number.NEGATIVE_INFINITY, 0]);
    expect(Array.from(e.observationSpace.high)).toEqual([Number.POSITIVE_INFINITY, 1]);
    expect(Array.from(e.actionSpace.low)).toEqual([0, 0]);
    expect(Array.from(e.actionSpace.high)).toEqual([3, 3]);
    const u = env(scenario(), { maxOffset: 3, minOffset: -1, actionScale: 'unit' });
    expect(Array.from(u.actionSpace.low)).toEqual([-1, -1]);
    expect(Array.from(u.actionSpace.high)).toEqual([1, 1]);
    expect(Array.from(e.reset(1, 0))).toEqual([0, 1]);
  });

  it('maps unit actions linearly onto [minOffset, maxOffset] and clips out-of-box actions', () => {
    const m = { unit: true, minOffset: -1, maxOffset: 3, range: 4 };
    expect(actionToOffset(m, -1)).toBe(-1);
    expect(actionToOffset(m, 0)).toBe(1);
    expect(actionToOffset(m, 1)).toBe(3);
    expect(actionToOffset(m, 7)).toBe(3);
    const p = { unit: false, minOffset: 0, maxOffset: 2, range: 2 };
    expect(actionToOffset(p, -0.5)).toBe(0);
    expect(actionToOffset(p, 1.25)).toBe(1.25);
    expect(actionToOffset(p, 9)).toBe(2);
  });

  it('computes the reward of a step by hand: both quotes fill', () => {
    const e = env(certain, { reward: { turnover: 0.5, inventory: 3 } });
    e.reset(1, 0);
    const r = e.step([1, 1]); // buy at 99, sell at 101; q back to 0
    expect(r.info).toEqual({ pnl: 2, inventory: 0, fills: 2, bought: 1, sold: 1, t: 0.005 });
    expect(r.reward).toBe(2 - 0.5 * 2);
    expect(r.terminated || r.truncated).toBe(false);
  });

  it('computes the reward of a step by hand: one side fills, inventory and crossing penalties', () => {
    const e = env(certain, { minOffset: -1, reward: { inventory: 0.25, crossing: 2 } });
    expect(Array.from(e.reset(1, 0))).toEqual([0, 1]);
    // Bid 0.5 above the mid (crosses by 0.5) fills at 100.5; the ask at 1000 never fills.
    const r = e.step([-0.5, 1000]);
    expect(r.info.inventory).toBe(1);
    expect(r.info.pnl).toBe(-0.5); // paid 100.5 for a lot marked at 100
    expect(r.reward).toBe(-0.5 - 0.25 * 1 - 2 * 0.5);
    expect(Array.from(r.observation)).toEqual([0.1, (1 - 0.005) / 1]);
    const r2 = e.step([1000, 1000]); // nothing fills: ΔPnL 0, q still 1
    expect(r2.reward).toBe(-0.25);
  });

  it('ends the episode after horizon/dt steps with the terminal inventory penalty, then refuses to step', () => {
    const e = env(certain, { reward: { terminalInventory: 0.5 } });
    expect(() => e.step([1, 1])).toThrow(/before reset/);
    e.reset(3, 0);
    let last = e.step([1, 1000]);
    let n = 1;
    while (!last.terminated) {
      last = e.step([1000, 1000]);
      n++;
    }
    expect(n).toBe(200);
    expect(last.truncated).toBe(false);
    expect(last.info.inventory).toBe(1);
    expect(last.info.t).toBe(200 * 0.005);
    expect(last.reward).toBe(0 - 0.5 * 1);
    expect(Array.from(last.observation)).toEqual([0.1, 0]);
    expect(() => e.step([1, 1])).toThrow(/after the episode ended.*reset/);
  });

  it('sums rewards to the episode PnL when there are no penalties', () => {
    const e = env(scenario(), { maxOffset: 3 });
    e.reset(11, 2);
    const rng = new Rng(1);
    let total = 0;
    let r;
    do {
      r = e.step(sample(e.actionSpace, rng));
      total += r.reward;
    } while (!r.terminated);
    expect(total).toBeCloseTo(r.info.pnl, 9);
  });

  it('walks through paths 0, 1, 2 … on reset(seed) and restarts at 0 for a new seed', () => {
    const e = env(scenario());
    e.reset(5);
    expect(e.pathIndex).toBe(0);
    e.reset(5);
    e.reset(5);
    expect(e.pathIndex).toBe(2);
    e.reset(6);
    expect(e.pathIndex).toBe(0);
    e.reset(6, 40);
    e.reset(6);
    expect(e.pathIndex).toBe(41);
    expect(() => e.reset(6, -1)).toThrow(/pathIndex/);
  });

  it('validates its configuration and actions, naming the field', () => {
    expect(() => env(scenario(), { orderSizeLots: 0 })).toThrow(/orderSizeLots/);
    expect(() => env(scenario(), { maxOffset: -1 })).toThrow(/maxOffset/);
    expect(() => env(scenario(), { inventoryScale: 0 })).toThrow(/inventoryScale/);
    expect(() => env(scenario(), { lotSize: 5 })).toThrow(/lotSize/);
    expect(() => env(scenario(), { reward: { crossing: -1 } })).toThrow(/reward\.crossing/);
    const e = env(scenario());
    e.reset(1);
    expect(() => e.step([1])).toThrow(/2 entries/);
    expect(() => e.step([1, Number.NaN])).toThrow(/finite/);
  });

  it('runs on the general simulator with features the vector env lacks (latency, ticks, regimes)', () => {
    const sc = scenario({
      entryLatency: 0.01,
      tickSize: 0.01,
      price: {
        model: 'abm',
        sigma: 2,
        drift: 0,
        increments: 'gaussian',
        regimes: {
          sigmas: [1, 3],
          transitionRates: [
            [0, 2],
            [2, 0],
          ],
          initial: 0,
        },
      },
    });
    const e = env(sc, { maxOffset: 3 });
    e.reset(1);
    const rng = new Rng(2);
    let r;
    let steps = 0;
    do {
      r = e.step(sample(e.actionSpace, rng));
      steps++;
    } while (!r.terminated);
    expect(steps).toBe(200);
    expect(Number.isFinite(r.info.pnl)).toBe(true);
  });

  it('reads per-step fills through ownFills() from any simulator', () => {
    /** A toy book-less simulator: every quote fills in full, mid fixed at 10, 3 steps. */
    class ToySim implements MarketSimulator {
      private log = new FillLog(4);
      private i = 0;
      private q = 0;
      private cash = 0;
      reset(): void {
        this.log = new FillLog(4);
        this.i = 0;
        this.q = 0;
        this.cash = 0;
      }
      observe(obs: MarketObservation): boolean {
        if (this.i >= 3) return false;
        Object.assign(obs, { t: this.i, horizon: 3, mid: 10, inventory: this.q, cash: this.cash });
        return true;
      }
      act(dec: QuoteDecision): void {
        this.log.push(this.i, BUY, dec.bidPrice, dec.bidSize, 0, 10);
        this.log.push(this.i, SELL, dec.askPrice, dec.askSize, 0, 10);
        this.cash += (dec.askPrice - dec.bidPrice) * dec.bidSize;
        this.i++;
      }
      result(): PathResult {
        const series = allocSeries(3);
        series.t[3] = 3;
        series.mid[3] = 10;
        series.cash[3] = this.cash;
        return { pathIndex: 0, seed: 0, series, fills: this.log, quotesPosted: 0, lotSize: 1 };
      }
      ownFills(): FillLog {
        return this.log;
      }
    }
    const e = new MarketMakingEnv({
      sim: new ToySim(),
      lotSize: 1,
      orderSizeLots: 2,
      maxOffset: 1,
      inventoryScale: 1,
    });
    expect(Array.from(e.reset(0))).toEqual([0, 1]);
    const r1 = e.step([0.5, 0.5]);
    expect(r1.info).toEqual({ pnl: 2, inventory: 0, fills: 2, bought: 2, sold: 2, t: 1 });
    expect(Array.from(r1.observation)).toEqual([0, 2 / 3]);
    e.step([0.5, 0.5]);
    const r3 = e.step([0.25, 0.25]);
    expect(r3.terminated).toBe(true);
    expect(r3.info.pnl).toBe(5);
    expect(Array.from(r3.observation)).toEqual([0, 0]);
  });

  it('runs a random agent for 10,000 steps: finite rewards, inventory = Σ fills, 200-step episodes, deterministic', () => {
    const run = () => {
      const e = env(scenario({ fees: { makerBps: 1, takerBps: 0, perLot: 0 }, inventoryLimitLots: 5 }), {
        maxOffset: 3,
        minOffset: -0.2,
        reward: { inventory: 0.01, crossing: 1, turnover: 0.01, terminalInventory: 0.1 },
      });
      const rng = new Rng(42);
      const action = new Float64Array(2);
      const rewards: number[] = [];
      const lengths: number[] = [];
      let bad = 0;
      let q = 0;
      let len = 0;
      e.reset(7);
      for (let c = 0; c < 10_000; c++) {
        sample(e.actionSpace, rng, action);
        if (!contains(e.actionSpace, action)) bad++;
        const r = e.step(action);
        rewards.push(r.reward);
        if (!Number.isFinite(r.reward) || r.truncated) bad++;
        q += r.info.bought - r.info.sold;
        if (r.info.inventory !== q || Math.abs(q) > 5) bad++;
        if (!contains(e.observationSpace, r.observation)) bad++;
        len++;
        if (r.terminated) {
          lengths.push(len);
          len = 0;
          q = 0;
          e.reset(7);
        }
      }
      expect(bad).toBe(0);
      return { rewards, lengths };
    };
    const a = run();
    expect(a.lengths).toEqual(new Array<number>(50).fill(200));
    expect(run().rewards).toEqual(a.rewards);
  });
});
