import { describe, expect, it } from 'vitest';
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import {
  as2008Scenario,
  IntensitySimulator,
  runIntensityPath,
  type IntensityScenario,
} from './intensity-sim';
import { BUY } from '../domain/side';
import { NonFiniteError, RunAbortedError, StopPoller } from './guards';
import { runPath } from './simulator';

/** Quotes a constant distance from the mid; records what it saw. */
class ConstantQuoter implements Quoter {
  readonly name = 'constant';
  readonly params = {};
  seen: number[] = [];
  constructor(
    private readonly delta: number,
    private readonly market = 0,
  ) {}
  reset(): void {
    this.seen = [];
  }
  quote(obs: MarketObservation, out: QuoteDecision): void {
    this.seen.push(obs.mid);
    out.bidPrice = obs.mid - this.delta;
    out.askPrice = obs.mid + this.delta;
    out.bidSize = 1;
    out.askSize = 1;
    out.marketOrderLots = this.market;
  }
}

function scenario(over: Partial<IntensityScenario> = {}): IntensityScenario {
  return as2008Scenario(over);
}

describe('intensity simulator (AS 2008 section 4 dynamics)', () => {
  it('is bit-for-bit deterministic for a seed and path', () => {
    const a = runIntensityPath(scenario(), new ConstantQuoter(0.7), 7, 3);
    const b = runIntensityPath(scenario(), new ConstantQuoter(0.7), 7, 3);
    const c = runIntensityPath(scenario(), new ConstantQuoter(0.7), 7, 4);
    expect(Array.from(a.series.pnl)).toEqual(Array.from(b.series.pnl));
    expect(a.fills.count).toBe(b.fills.count);
    expect(Array.from(a.series.mid)).not.toEqual(Array.from(c.series.mid));
  });

  it('uses common random numbers: the mid path does not depend on the strategy', () => {
    const a = runIntensityPath(scenario(), new ConstantQuoter(0.3), 11, 0);
    const b = runIntensityPath(scenario(), new ConstantQuoter(2.0), 11, 0);
    expect(Array.from(a.series.mid)).toEqual(Array.from(b.series.mid));
  });

  it('moves the mid by exactly ±σ√dt with binomial increments', () => {
    const r = runIntensityPath(scenario(), new ConstantQuoter(1), 1, 0);
    const step = 2 * Math.sqrt(0.005);
    for (let i = 1; i <= r.series.bars; i++) {
      const d = Math.abs((r.series.mid[i] ?? 0) - (r.series.mid[i - 1] ?? 0));
      expect(d).toBeCloseTo(step, 12);
    }
  });

  it('fills each side at the rate A·exp(−kδ)·dt (1000 paths, 4-sigma band)', () => {
    const delta = 0.8;
    const sc = scenario();
    const p = 140 * Math.exp(-1.5 * delta) * 0.005;
    let fills = 0;
    const paths = 1000;
    for (let i = 0; i < paths; i++)
      fills += runIntensityPath(sc, new ConstantQuoter(delta), 3, i).fills.count;
    const n = paths * 200 * 2;
    const expected = n * p;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(fills - expected)).toBeLessThan(4 * sd);
  });

  it('with A = 0 nothing fills and PnL stays 0', () => {
    const r = runIntensityPath(scenario({ intensity: { A: 0, k: 1.5 } }), new ConstantQuoter(0.5), 1, 0);
    expect(r.fills.count).toBe(0);
    expect(Array.from(r.series.pnl).every((x) => x === 0)).toBe(true);
    expect(r.quotesPosted).toBe(400);
  });

  it('keeps the accounts: cash is minus the signed notional of the fills less fees, PnL marks to the mid', () => {
    const sc = scenario({ fees: { makerBps: 2, takerBps: 5, perLot: 0.01 } });
    const r = runIntensityPath(sc, new ConstantQuoter(0.4), 5, 2);
    let cash = 0;
    let q = 0;
    for (let i = 0; i < r.fills.count; i++) {
      const sign = r.fills.side[i] === BUY ? 1 : -1;
      const px = r.fills.price[i] ?? 0;
      const size = r.fills.size[i] ?? 0;
      const fee = r.fills.fee[i] ?? 0;
      expect(fee).toBeCloseTo((px * size * 2) / 1e4 + 0.01 * size, 12);
      cash -= sign * px * size + fee;
      q += sign * size;
    }
    const last = r.series.bars;
    expect(r.series.cash[last]).toBeCloseTo(cash, 9);
    expect(r.series.inventory[last]).toBe(q);
    expect(r.series.pnl[last]).toBeCloseTo(cash + q * (r.series.mid[last] ?? 0), 9);
  });

  it('rounds quotes to the tick: bids down, asks up', () => {
    const r = runIntensityPath(scenario({ tickSize: 0.25 }), new ConstantQuoter(0.3), 1, 0);
    for (let i = 0; i < r.series.bars; i++) {
      const b = r.series.bid[i] ?? 0;
      const a = r.series.ask[i] ?? 0;
      expect(Math.abs(b / 0.25 - Math.round(b / 0.25))).toBeLessThan(1e-9);
      expect(Math.abs(a / 0.25 - Math.round(a / 0.25))).toBeLessThan(1e-9);
      expect(b).toBeLessThanOrEqual((r.series.mid[i] ?? 0) - 0.3 + 1e-9);
      expect(a).toBeGreaterThanOrEqual((r.series.mid[i] ?? 0) + 0.3 - 1e-9);
    }
  });

  it('applies order-entry latency: the live quote was computed from the mid L steps earlier', () => {
    const lagSteps = 3;
    const r = runIntensityPath(scenario({ entryLatency: lagSteps * 0.005 }), new ConstantQuoter(1), 9, 0);
    for (let i = 0; i < lagSteps; i++) expect(Number.isNaN(r.series.bid[i])).toBe(true);
    for (let i = lagSteps; i < r.series.bars; i++) {
      expect(r.series.bid[i]).toBeCloseTo((r.series.mid[i - lagSteps] ?? 0) - 1, 12);
    }
  });

  it('respects the inventory limit', () => {
    const r = runIntensityPath(scenario({ inventoryLimitLots: 2 }), new ConstantQuoter(0.05), 2, 0);
    for (let i = 0; i <= r.series.bars; i++)
      expect(Math.abs(r.series.inventory[i] ?? 0)).toBeLessThanOrEqual(2);
    expect(r.fills.count).toBeGreaterThan(10);
  });

  it('executes market orders at mid ± (half spread + temporary impact) and applies permanent impact', () => {
    const sc = scenario({
      intensity: { A: 0, k: 1.5 },
      takerHalfSpread: 0.05,
      impact: { model: 'linear', eta: 0.01, kappa: 0.02 },
      horizon: 0.005,
      price: { model: 'abm', sigma: 0, drift: 0, increments: 'gaussian' },
    });
    const r = runIntensityPath(sc, new ConstantQuoter(1, 3), 1, 0);
    expect(r.fills.count).toBe(1);
    expect(r.fills.price[0]).toBeCloseTo(100 + 0.05 + 0.03, 12);
    expect(r.series.mid[1]).toBeCloseTo(100 + 0.06, 12);
    expect(r.series.inventory[1]).toBe(3);
  });
});

/** Quotes ±delta around the mid without allocating anything per step. */
const farQuoter = (delta: number): Quoter => ({
  name: 'far',
  params: {},
  reset(): void {},
  quote(obs: MarketObservation, out: QuoteDecision): void {
    out.bidPrice = obs.mid - delta;
    out.askPrice = obs.mid + delta;
    out.bidSize = 1;
    out.askSize = 1;
  },
});

describe('intensity simulator: bounded jobs (issue 9)', () => {
  it('allocates its sampled series (steps / sampleEvery + 1) per path and nothing per step', () => {
    // 10^7 steps, one sample per 10^4 steps: 1001 samples. Quotes 20 away from the mid (λ·dt ≈ 1e-11)
    // do not fill, so everything the path keeps is its series and an empty fills log.
    const sc = scenario({ horizon: 1e7, dt: 1, sampleEvery: 10_000, intensity: { A: 1, k: 1.5 } });
    const before = process.memoryUsage().arrayBuffers;
    const sim = new IntensitySimulator(sc);
    // Nothing is allocated for the series until a path starts (not even for 10^6 bars: 56 MB).
    void new IntensitySimulator(scenario({ horizon: 1e6, dt: 1 }));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(sim.size()).toEqual({ steps: 1e7, bars: 1000 });
    const r = runPath(sim, farQuoter(20), 1, 0);
    const grown = process.memoryUsage().arrayBuffers - before;
    const s = r.series;
    expect(s.bars).toBe(1000);
    for (const a of [s.t, s.mid, s.bid, s.ask, s.inventory, s.cash, s.pnl]) expect(a.length).toBe(1001);
    expect(s.t[1000]).toBe(1e7);
    expect(r.fills.count).toBe(0);
    expect(r.fills.t.length).toBe(64);
    // 8 bytes per step would be 80 MB; what the path keeps is 7 · 1001 · 8 B + 64 · 41 B ≈ 59 KB.
    expect(grown).toBeLessThan(8 << 20);
  });

  it('a stop poller changes no number; a stop request ends the path inside it with an AbortError', () => {
    const sc = scenario({ sampleEvery: 3 });
    const plain = runIntensityPath(sc, new ConstantQuoter(0.7), 7, 3);
    const sim = new IntensitySimulator(sc);
    const never = new StopPoller(() => false, 16);
    sim.setStopPoller(never);
    const polled = runPath(sim, new ConstantQuoter(0.7), 7, 3);
    expect(Array.from(polled.series.pnl)).toEqual(Array.from(plain.series.pnl));
    expect(Array.from(polled.fills.price.subarray(0, polled.fills.count))).toEqual(
      Array.from(plain.fills.price.subarray(0, plain.fills.count)),
    );
    expect(never.polls).toBe(Math.floor(200 / 16));

    let asked = 0;
    sim.setStopPoller(new StopPoller(() => ++asked === 2, 16));
    const q = new ConstantQuoter(0.7);
    expect(() => runPath(sim, q, 7, 3)).toThrow(RunAbortedError);
    expect(q.seen).toHaveLength(31); // stopped at the 32nd step, the second poll
    expect(sim.pathProgress()).toBeCloseTo(31 / 200, 12);
  });

  it('stops with a NonFiniteError naming the quantity, path, step and time when the state overflows', () => {
    const sc = scenario({ price: { model: 'abm', sigma: 1e308, drift: 0, increments: 'binomial' } });
    let err: unknown;
    try {
      runIntensityPath(sc, new ConstantQuoter(0.7), 7, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    const nf = err as NonFiniteError;
    expect(nf.pathIndex).toBe(2);
    expect(['mid', 'cash', 'pnl']).toContain(nf.quantity);
    expect(nf.step).toBeGreaterThan(0);
    expect(nf.t).toBeCloseTo(nf.step * 0.005, 12);
    expect(nf.message).toContain(`on path 2 at step ${nf.step}`);
  });
});
