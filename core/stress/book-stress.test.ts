/**
 * Book mode: each stress kind moves the quantity it claims by the configured amount — the reference
 * price's and the book mid's realized volatility, background arrival counts and resting depth, the
 * market-data latency of our observations, the informed share of market orders (counted, and
 * estimated from the orders' sides against the future price), the flash-crash path, the book spread,
 * our fees — measured inside the window against outside it and against the unstressed path of the
 * same seed.
 */
import { describe, expect, it } from 'vitest';
import { BookSimulator, type BookScenario } from '../sim/book-sim';
import { runPath } from '../sim/simulator';
import type { StressInput } from './stress';
import {
  bookScenario,
  diffStd,
  idleQuoter,
  joinTouch,
  logCountRatioTolerance,
  logStdRatioTolerance,
  probeBook,
  stresses,
} from './stress.fixture';

const withStress = (sc: BookScenario, list: StressInput[]): BookScenario => ({
  ...sc,
  stress: stresses(list),
});

/**
 * Reference price of an idle path, index i ↔ t = i·priceDt (probed half a step later, so the price
 * update at i·priceDt has happened whatever the rounding of the simulator's accumulated clock). The
 * increment ref[i] − ref[i − 1] is the step generated for session time (i − 1)·priceDt: a stress window
 * [a, b) scales the increments a/dt + 1 … b/dt (the tests leave out the boundary increments).
 */
function refPath(sc: BookScenario, seed: number, path = 0): Float64Array {
  const n = Math.round(sc.horizon / sc.priceDt);
  const out = new Float64Array(n);
  let i = 0;
  const probe = (_t: number, sim: BookSimulator): void => {
    if (i < n) out[i++] = sim.referencePrice();
  };
  probeBook(new BookSimulator(sc), idleQuoter, seed, path, sc.priceDt, probe, undefined, sc.priceDt / 2);
  return out;
}

describe('book mode stresses', () => {
  it('volatility-spike: the reference σ is magnitude × base inside the window; the book mid follows', () => {
    const m = 3;
    const base = bookScenario({ horizon: 300, price: { model: 'abm', sigma: 0.03 } });
    const sc = withStress(base, [{ kind: 'volatility-spike', onset: 100, duration: 100, magnitude: m }]);
    const ref = refPath(sc, 21);
    const ref0 = refPath(base, 21);
    const inside = diffStd(ref, 1002, 2000);
    const b1 = diffStd(ref, 1, 1000);
    const b2 = diffStd(ref, 2002, 3000);
    const outside = Math.sqrt((b1.std ** 2 * b1.n + b2.std ** 2 * b2.n) / (b1.n + b2.n));
    expect(Math.abs(Math.log(inside.std / outside / m))).toBeLessThan(
      logStdRatioTolerance(inside.n, b1.n + b2.n),
    );
    // Same seed: the reference increments are exactly m × the base ones inside, equal outside.
    for (const i of [1002, 1500, 2000])
      expect((ref[i] ?? 0) - (ref[i - 1] ?? 0)).toBeCloseTo(m * ((ref0[i] ?? 0) - (ref0[i - 1] ?? 0)), 9);
    expect((ref[2500] ?? 0) - (ref[2499] ?? 0)).toBeCloseTo((ref0[2500] ?? 0) - (ref0[2499] ?? 0), 9);
    // The traded mid (2-s returns, 4 paths) moves with it; bid–ask bounce adds a little variance, so the
    // tolerance is the sample-size one plus 10 %.
    let sIn = 0;
    let nIn = 0;
    let sOut = 0;
    let nOut = 0;
    for (let path = 0; path < 4; path++) {
      const mids: number[] = [];
      probeBook(new BookSimulator(sc), idleQuoter, 21, path, 2, (_t, sim) =>
        mids.push(sim.book.mid() * 0.01),
      );
      for (let k = 1; k < mids.length; k++) {
        const d = (mids[k] ?? 0) - (mids[k - 1] ?? 0);
        const t = 2 * (k + 1);
        if (t > 100 && t <= 200) {
          sIn += d * d;
          nIn++;
        } else {
          sOut += d * d;
          nOut++;
        }
      }
    }
    const midRatio = Math.sqrt(sIn / nIn / (sOut / nOut));
    expect(Math.abs(Math.log(midRatio / m))).toBeLessThan(logStdRatioTolerance(nIn, nOut) + 0.1);
  });

  it('liquidity-drought: background arrivals and resting depth fall to magnitude × base', () => {
    const m = 0.25;
    const base = bookScenario({ horizon: 400, flow: { cancelRate: 0.5 } });
    const sc = withStress(base, [{ kind: 'liquidity-drought', onset: 100, duration: 200, magnitude: m }]);
    const counts = (s: BookScenario): { limit: number[]; market: number[]; depth: number[] } => {
      const limit: number[] = [];
      const market: number[] = [];
      const depth: number[] = [];
      // Counters at t = 0, 100, …, 400 (they include the warm-up: differences only).
      const count = (_t: number, sim: BookSimulator): void => {
        limit.push(sim.bgLimitOrders);
        market.push(sim.bgMarketOrders);
      };
      probeBook(new BookSimulator(s), idleQuoter, 4, 0, 100, count, undefined, 0);
      probeBook(new BookSimulator(s), idleQuoter, 4, 0, 1, (t, sim) => {
        // Resting orders, sampled every second from 20 s (10 cancel lifetimes) into the window.
        if (t >= 120 && t < 300) depth.push(sim.book.orderCount());
      });
      return { limit, market, depth };
    };
    const st = counts(sc);
    const b = counts(base);
    // Arrivals in [100, 300) against [0, 100) + [300, 400) of the same path (200 s each).
    const win = (xs: number[], a: number, b: number): number => (xs[b] ?? 0) - (xs[a] ?? 0);
    const limIn = win(st.limit, 1, 3);
    const limOut = win(st.limit, 0, 1) + win(st.limit, 3, 4);
    expect(Math.abs(Math.log(limIn / limOut / m))).toBeLessThan(logCountRatioTolerance(limIn, limOut));
    const mktIn = win(st.market, 1, 3);
    const mktOut = win(st.market, 0, 1) + win(st.market, 3, 4);
    expect(Math.abs(Math.log(mktIn / mktOut / m))).toBeLessThan(logCountRatioTolerance(mktIn, mktOut));
    // Depth: stationary resting count ∝ arrival rate / θ; 180 samples a second apart, correlation time
    // 1/θ = 2 s, so the means carry ~1.5 % and ~3 % noise: 12 % is well beyond chance.
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    const depthRatio = mean(st.depth) / mean(b.depth);
    expect(Math.abs(depthRatio / m - 1)).toBeLessThan(0.12);
  });

  it('latency-shock: observations arrive magnitude later (add) or magnitude × later (multiply)', () => {
    const base = bookScenario({
      horizon: 300,
      decisionInterval: 0.5,
      latency: { marketData: { model: 'lognormal', median: 0.01, sigma: 0.5 } },
    });
    const lags = (s: BookScenario): { inside: number[]; outside: number[] } => {
      const inside: number[] = [];
      const outside: number[] = [];
      probeBook(
        new BookSimulator(s),
        idleQuoter,
        9,
        0,
        1000,
        () => {},
        (t) => {
          const decided = Math.floor(t / 0.5 + 1e-9) * 0.5; // decisions at multiples of 0.5 s, lag < 0.5
          (decided >= 100 && decided < 200 ? inside : outside).push(t - decided);
        },
      );
      return { inside, outside };
    };
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    const add = lags(
      withStress(base, [{ kind: 'latency-shock', onset: 100, duration: 100, magnitude: 0.05 }]),
    );
    const none = lags(base);
    // Same latency stream: every delivery inside is exactly 0.05 later than without the shock.
    expect(add.inside.length).toBe(none.inside.length);
    expect(mean(add.inside) - mean(none.inside)).toBeCloseTo(0.05, 9);
    expect(mean(add.outside) - mean(none.outside)).toBeCloseTo(0, 12);
    // Multiply: within the path, mean lag inside / outside ≈ 4; lognormal(σ = 0.5) has CV 0.53, so the
    // log-ratio tolerance is 4·0.53·√(1/n_in + 1/n_out).
    const mul = lags(
      withStress(base, [{ kind: 'latency-shock', onset: 100, duration: 100, magnitude: 4, op: 'multiply' }]),
    );
    const tol = 4 * 0.53 * Math.sqrt(1 / mul.inside.length + 1 / mul.outside.length);
    expect(Math.abs(Math.log(mean(mul.inside) / mean(mul.outside) / 4))).toBeLessThan(tol);
    // Paths: a shock on entry only leaves market data alone.
    const entryOnly = lags(
      withStress(base, [
        { kind: 'latency-shock', onset: 100, duration: 100, magnitude: 0.05, paths: ['entry'] },
      ]),
    );
    expect(mean(entryOnly.inside)).toBeCloseTo(mean(none.inside), 12);
  });

  it('informed-flow-surge: the informed share of market orders is the configured one inside the window', () => {
    const base = bookScenario({ horizon: 400, flow: { marketRate: 5, toxicShare: 0.1 } });
    const sc = withStress(base, [{ kind: 'informed-flow-surge', onset: 100, duration: 200, magnitude: 0.6 }]);
    const at: { n: number; informed: number; agree: number; directed: number }[] = [];
    const count = (_t: number, sim: BookSimulator): void => {
      at.push({
        n: sim.bgMarketOrders,
        informed: sim.bgInformedOrders,
        agree: sim.bgAgreeOrders,
        directed: sim.bgDirectedOrders,
      });
    };
    probeBook(new BookSimulator(sc), idleQuoter, 13, 0, 100, count, undefined, 0); // t = 0, 100, …, 400
    const [a0, a1, a3, a4] = [at[0]!, at[1]!, at[3]!, at[4]!];
    const nIn = a3.n - a1.n;
    const share = (a3.informed - a1.informed) / nIn;
    const nOut = a1.n - a0.n + a4.n - a3.n;
    const shareOut = (a1.informed - a0.informed + a4.informed - a3.informed) / nOut;
    // Binomial: 4 standard errors.
    expect(Math.abs(share - 0.6)).toBeLessThan(4 * Math.sqrt((0.6 * 0.4) / nIn));
    expect(Math.abs(shareOut - 0.1)).toBeLessThan(4 * Math.sqrt((0.1 * 0.9) / nOut));
    // Independent of the labels: orders agree with the future price with probability (1 + π)/2, so
    // π̂ = 2·agree/directed − 1 (standard error ≤ 1/√directed).
    const dirIn = a3.directed - a1.directed;
    const piHat = (2 * (a3.agree - a1.agree)) / dirIn - 1;
    expect(Math.abs(piHat - 0.6)).toBeLessThan(4 / Math.sqrt(dirIn));
    const dirOut = a1.directed - a0.directed + a4.directed - a3.directed;
    const piOut = (2 * (a1.agree - a0.agree + a4.agree - a3.agree)) / dirOut - 1;
    expect(Math.abs(piOut - 0.1)).toBeLessThan(4 / Math.sqrt(dirOut));
  });

  it('regime-shift: σ and the arrival rates change for good at onset', () => {
    const base = bookScenario({ horizon: 300, price: { model: 'abm', sigma: 0.02 } });
    const sc = withStress(base, [{ kind: 'regime-shift', onset: 150, magnitude: 2, rates: 0.5 }]);
    const ref = refPath(sc, 17);
    const before = diffStd(ref, 1, 1500);
    const after = diffStd(ref, 1502, 3000);
    expect(Math.abs(Math.log(after.std / before.std / 2))).toBeLessThan(
      logStdRatioTolerance(before.n, after.n),
    );
    const lim: number[] = [];
    const count = (_t: number, sim: BookSimulator): void => void lim.push(sim.bgLimitOrders);
    probeBook(new BookSimulator(sc), idleQuoter, 17, 0, 150, count, undefined, 0); // t = 0, 150, 300
    const n1 = (lim[1] ?? 0) - (lim[0] ?? 0);
    const n2 = (lim[2] ?? 0) - (lim[1] ?? 0);
    expect(Math.abs(Math.log(n2 / n1 / 0.5))).toBeLessThan(logCountRatioTolerance(n1, n2));
  });

  it('flash-crash: the reference price jumps by magnitude × S_onset, recovers by the half-life, the book follows', () => {
    const base = bookScenario({ horizon: 120, flow: { informedHorizon: 0 } });
    const sc = withStress(base, [{ kind: 'flash-crash', onset: 40, magnitude: -0.01, halfLife: 20 }]);
    const ref = refPath(sc, 2);
    const ref0 = refPath(base, 2);
    const at = (xs: Float64Array, t: number): number => xs[Math.round(t / 0.1)] ?? 0;
    const gapRef = (t: number): number => at(ref, t) - at(ref0, t);
    expect(gapRef(39.8)).toBe(0);
    // D(t) = m·S_onset·2^(−(t − 40)/20); S_onset is the undisplaced price of the step reaching 40.
    const sOnset = gapRef(40.2) / (-0.01 * 2 ** (-0.2 / 20));
    expect(Math.abs(sOnset / at(ref0, 39.9) - 1)).toBeLessThan(1e-3); // one step of σ√dt from there
    expect(gapRef(60.2) / gapRef(40.2)).toBeCloseTo(0.5, 9); // one half-life: half recovered
    expect(gapRef(100.2) / gapRef(40.2)).toBeCloseTo(2 ** -3, 9);
    const s0 = sOnset;
    // The traded mid: within a few seconds the book has repriced around the crashed reference
    // (stale orders picked off, new ones placed around it): mid gap within 25 % of the jump.
    const mids = (s: BookScenario): number[] => {
      const out: number[] = [];
      probeBook(new BookSimulator(s), idleQuoter, 2, 0, 1, (_t, sim) => out.push(sim.book.mid() * 0.01));
      return out;
    };
    const m = mids(sc);
    const m0 = mids(base);
    const gap = (t: number): number => (m[t - 1] ?? 0) - (m0[t - 1] ?? 0);
    expect(Math.abs(gap(45) / (-0.01 * s0) - 1)).toBeLessThan(0.25);
    expect(Math.abs(gap(60) / (-0.005 * s0) - 1)).toBeLessThan(0.25);
  });

  it('spread-blowout: the book spread widens by magnitude ticks inside the window', () => {
    const extra = 6;
    const base = bookScenario({ horizon: 300 });
    const sc = withStress(base, [{ kind: 'spread-blowout', onset: 100, duration: 100, magnitude: extra }]);
    const spreads = (s: BookScenario, path: number): { inside: number[]; outside: number[] } => {
      const inside: number[] = [];
      const outside: number[] = [];
      probeBook(new BookSimulator(s), idleQuoter, 6, path, 0.5, (t, sim) => {
        const w = sim.book.spread();
        if (w === w) (t > 100 && t <= 200 ? inside : outside).push(w);
      });
      return { inside, outside };
    };
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    let widening = 0;
    let baseline = 0;
    for (let path = 0; path < 3; path++) {
      const st = spreads(sc, path);
      const b = spreads(base, path);
      widening += (mean(st.inside) - mean(b.inside)) / 3;
      baseline += (mean(st.outside) - mean(b.outside)) / 3;
    }
    // Market orders eat into the thinner touch, so the widening is at least `extra` and not much more.
    expect(widening).toBeGreaterThan(extra * 0.9);
    expect(widening).toBeLessThan(extra * 1.4);
    expect(Math.abs(baseline)).toBeLessThan(0.5);
  });

  it('fee-change: our fills inside the window pay the configured extra bps', () => {
    const base = bookScenario({ horizon: 200, fees: { makerBps: -0.5, takerBps: 2 } });
    const sc = withStress(base, [
      { kind: 'fee-change', onset: 50, duration: 100, magnitude: 1.5, side: 'maker' },
    ]);
    const p = runPath(new BookSimulator(sc), joinTouch(), 3, 0);
    let inside = 0;
    for (let j = 0; j < p.fills.count; j++) {
      const t = p.fills.t[j] ?? 0;
      const bps = ((p.fills.fee[j] ?? 0) / ((p.fills.price[j] ?? 0) * (p.fills.size[j] ?? 0))) * 1e4;
      const isIn = t >= 50 && t < 150;
      expect(bps).toBeCloseTo(isIn ? 1 : -0.5, 9);
      if (isIn) inside++;
    }
    expect(inside).toBeGreaterThan(10);
  });

  it('two stresses compose: a volatility spike inside a drought moves both quantities', () => {
    const base = bookScenario({ horizon: 300, price: { model: 'abm', sigma: 0.02 } });
    const sc = withStress(base, [
      { kind: 'liquidity-drought', onset: 100, duration: 100, magnitude: 0.5 },
      { kind: 'volatility-spike', onset: 100, duration: 100, magnitude: 2 },
      { kind: 'volatility-spike', onset: 150, duration: 50, magnitude: 1.5 },
    ]);
    const ref = refPath(sc, 31);
    const ref0 = refPath(base, 31);
    const inc = (xs: Float64Array, i: number): number => (xs[i] ?? 0) - (xs[i - 1] ?? 0);
    expect(inc(ref, 1200)).toBeCloseTo(2 * inc(ref0, 1200), 9);
    expect(inc(ref, 1700)).toBeCloseTo(3 * inc(ref0, 1700), 9); // 2 × 1.5
    expect(inc(ref, 2500)).toBeCloseTo(inc(ref0, 2500), 9);
    const lim: number[] = [];
    const count = (_t: number, sim: BookSimulator): void => void lim.push(sim.bgLimitOrders);
    probeBook(new BookSimulator(sc), idleQuoter, 31, 0, 100, count, undefined, 0); // t = 0, 100, 200, 300
    const nIn = (lim[2] ?? 0) - (lim[1] ?? 0);
    const nOut = (lim[1] ?? 0) - (lim[0] ?? 0) + (lim[3] ?? 0) - (lim[2] ?? 0);
    expect(Math.abs(Math.log(nIn / (nOut / 2) / 0.5))).toBeLessThan(logCountRatioTolerance(nIn, nOut));
  });
});
