/**
 * Intensity mode: each stress kind moves the quantity it claims by the configured amount, measured
 * on a stressed path against itself outside the window and against the unstressed path of the same
 * seed (same draws: the price and fill streams are consumed identically).
 */
import { describe, expect, it } from 'vitest';
import { IntensitySimulator } from '../sim/intensity-sim';
import { runPath } from '../sim/simulator';
import type { Quoter } from '../strategy/quoter';
import {
  diffStd,
  idleQuoter,
  intensityScenario,
  logCountRatioTolerance,
  logStdRatioTolerance,
  midQuoter,
  runIntensity,
  stresses,
  takerQuoter,
} from './stress.fixture';

// 40 000 steps of dt = 0.01 (sampleEvery 1: series.mid[i] is the mid at t = i·dt).
const long = intensityScenario({ horizon: 400, dt: 0.01 });
const idx = (t: number): number => Math.round(t / long.dt);

describe('intensity mode stresses', () => {
  it('volatility-spike: realized σ inside the window is magnitude × σ outside it', () => {
    const m = 3;
    const sc = {
      ...long,
      stress: stresses([{ kind: 'volatility-spike', onset: 100, duration: 100, magnitude: m }]),
    };
    const stressed = runIntensity(sc, idleQuoter, 11).series.mid;
    const base = runIntensity(long, idleQuoter, 11).series.mid;
    const inside = diffStd(stressed, idx(100) + 1, idx(200) + 1);
    const before = diffStd(stressed, 1, idx(100) + 1);
    const after = diffStd(stressed, idx(200) + 1, idx(400) + 1);
    const outN = before.n + after.n;
    const outside = Math.sqrt((before.std ** 2 * before.n + after.std ** 2 * after.n) / outN);
    const ratio = inside.std / outside;
    // Sample-size tolerance on log(σ̂_in/σ̂_out): 4·√(1/2n_in + 1/2n_out) = 4·√(1/20000 + 1/60000) ≈ 0.033.
    expect(Math.abs(Math.log(ratio / m))).toBeLessThan(logStdRatioTolerance(inside.n, outN));
    expect(ratio).toBeGreaterThan(2.9);
    expect(ratio).toBeLessThan(3.1);
    // Same seed: every increment inside is exactly m × the base increment, outside it is the same.
    for (const i of [idx(100) + 1, idx(150), idx(200)]) {
      const d = (stressed[i] ?? 0) - (stressed[i - 1] ?? 0);
      const b = (base[i] ?? 0) - (base[i - 1] ?? 0);
      expect(d).toBeCloseTo(m * b, 9);
    }
    const i = idx(300);
    expect((stressed[i] ?? 0) - (stressed[i - 1] ?? 0)).toBeCloseTo((base[i] ?? 0) - (base[i - 1] ?? 0), 9);
  });

  it('liquidity-drought: fills of quotes at the mid arrive at magnitude × A inside the window', () => {
    const m = 0.25;
    // A = 20: fill probability A·dt = 0.2 per side and step at δ = 0 (not saturated).
    const sc = {
      ...long,
      intensity: { A: 20, k: 1.5 },
      stress: stresses([{ kind: 'liquidity-drought', onset: 100, duration: 200, magnitude: m }]),
    };
    const p = runIntensity(sc, midQuoter(0), 5);
    let nIn = 0;
    let nOut = 0;
    for (let j = 0; j < p.fills.count; j++) {
      const t = p.fills.t[j] ?? 0;
      if (t >= 100 - 1e-9 && t < 300 - 1e-9) nIn++;
      else nOut++;
    }
    // Rates per unit time in and out (200 time units each); expected 2·A·m = 10 and 2·A = 40.
    const ratio = nIn / 200 / (nOut / 200);
    expect(Math.abs(Math.log(ratio / m))).toBeLessThan(logCountRatioTolerance(nIn, nOut));
    expect(nIn / 200).toBeGreaterThan(9);
    expect(nIn / 200).toBeLessThan(11);
  });

  it('regime-shift: σ and A change permanently from onset on', () => {
    const sc = {
      ...long,
      intensity: { A: 20, k: 1.5 },
      stress: stresses([{ kind: 'regime-shift', onset: 200, magnitude: 0.5, rates: 2 }]),
    };
    const p = runIntensity(sc, midQuoter(0), 8);
    const before = diffStd(p.series.mid, 1, idx(200) + 1);
    const after = diffStd(p.series.mid, idx(200) + 1, idx(400) + 1);
    expect(Math.abs(Math.log(after.std / before.std / 0.5))).toBeLessThan(
      logStdRatioTolerance(before.n, after.n),
    );
    let n1 = 0;
    let n2 = 0;
    for (let j = 0; j < p.fills.count; j++) {
      if ((p.fills.t[j] ?? 0) < 200 - 1e-9) n1++;
      else n2++;
    }
    // A·dt: 0.2 before, 0.4 after (still < 1).
    expect(Math.abs(Math.log(n2 / n1 / 2))).toBeLessThan(logCountRatioTolerance(n1, n2));
  });

  it('flash-crash: the mid jumps by magnitude × S_onset and recovers with the half-life', () => {
    const sc = {
      ...long,
      horizon: 100,
      stress: stresses([{ kind: 'flash-crash', onset: 30, duration: 5, magnitude: -0.05, halfLife: 10 }]),
    };
    const base = runIntensity({ ...long, horizon: 100 }, idleQuoter, 3).series.mid;
    const crash = runIntensity(sc, idleQuoter, 3).series.mid;
    const sOnset = base[idx(30) - 1] ?? 0; // the undisplaced mid at the start of the step reaching 30
    const gap = (t: number): number => (crash[idx(t)] ?? 0) - (base[idx(t)] ?? 0);
    expect(gap(29.99)).toBe(0);
    expect(gap(30)).toBeCloseTo(-0.05 * sOnset, 9); // the jump
    expect(gap(35)).toBeCloseTo(-0.05 * sOnset, 9); // held for `duration`
    expect(gap(45)).toBeCloseTo(-0.025 * sOnset, 9); // one half-life later: half recovered
    expect(gap(65)).toBeCloseTo(-0.05 * sOnset * 2 ** -3, 9);
  });

  it('spread-blowout: our market orders pay magnitude·tick/2 more half spread inside the window', () => {
    const tick = 0.01;
    const sc = {
      ...long,
      horizon: 10,
      tickSize: tick,
      takerHalfSpread: 0.02,
      stress: stresses([{ kind: 'spread-blowout', onset: 4, duration: 2, magnitude: 6 }]),
    };
    const p = runPath(new IntensitySimulator(sc), takerQuoter(), 1, 0);
    let checked = 0;
    for (let j = 0; j < p.fills.count; j++) {
      const t = p.fills.t[j] ?? 0;
      const paid = Math.abs((p.fills.price[j] ?? 0) - (p.fills.midAtFill[j] ?? 0));
      const inside = t >= 4 - 1e-9 && t < 6 - 1e-9;
      expect(paid).toBeCloseTo(inside ? 0.02 + (6 * tick) / 2 : 0.02, 9);
      if (inside) checked++;
    }
    expect(checked).toBe(200);
  });

  it('latency-shock: decisions inside the window reach the venue magnitude later, in order', () => {
    // The quoter bids its own decision time (no ticks), so the live bid at step i says which decision
    // is live: lag = t_i − bid_i. Base entry latency 0.01 = 1 step; +0.05 in [1, 2) → 6 steps.
    const clock: Quoter = {
      name: 'clock',
      params: {},
      reset() {},
      quote(obs, out) {
        out.bidPrice = obs.t;
        out.askPrice = obs.t + 1e6;
        out.bidSize = 1;
        out.askSize = 1;
      },
    };
    const sc = {
      ...long,
      horizon: 4,
      entryLatency: 0.01,
      intensity: { A: 0, k: 1.5 }, // no fills: the bid is never consumed
      stress: stresses([{ kind: 'latency-shock', onset: 1, duration: 1, magnitude: 0.05 }]),
    };
    const p = runIntensity(sc, clock, 1);
    const lagAt = (t: number): number => {
      const i = idx(t);
      return (p.series.t[i] ?? 0) - (p.series.bid[i] ?? 0);
    };
    expect(lagAt(0.5)).toBeCloseTo(0.01, 9);
    expect(lagAt(1.5)).toBeCloseTo(0.06, 9);
    expect(lagAt(1.99)).toBeCloseTo(0.06, 9);
    expect(lagAt(3)).toBeCloseTo(0.01, 9);
    // Mean lag of the decisions made inside the window (those live at 1.06 … 2.04): exactly +0.05.
    let sum = 0;
    let n = 0;
    for (let i = idx(1.06); i <= idx(2.04); i++) {
      sum += (p.series.t[i] ?? 0) - (p.series.bid[i] ?? 0);
      n++;
    }
    expect(sum / n).toBeCloseTo(0.06, 9);
    // When the shock ends the queue drains at once: at 2.05 the newest decision (2.04) is live.
    expect(lagAt(2.05)).toBeCloseTo(0.01, 9);
    // Market orders: none lost or doubled by the re-ordering (one per decision, alternating).
    const taker = runPath(
      new IntensitySimulator({ ...sc, intensity: { A: 0, k: 1.5 } }),
      takerQuoter(),
      1,
      0,
    );
    expect(taker.fills.count).toBe(idx(4) - 1);
  });

  it('fee-change: maker and taker rates move by the configured bps inside the window only', () => {
    const sc = {
      ...long,
      horizon: 20,
      fees: { makerBps: -1, takerBps: 3, perLot: 0 },
      stress: stresses([{ kind: 'fee-change', onset: 5, duration: 10, magnitude: 2.5 }]),
    };
    const p = runPath(new IntensitySimulator(sc), takerQuoter(), 1, 0);
    const q = runPath(new IntensitySimulator({ ...sc, stress: undefined }), midQuoter(0.1), 1, 0);
    const pm = runPath(new IntensitySimulator(sc), midQuoter(0.1), 1, 0);
    let seen = 0;
    for (let j = 0; j < p.fills.count; j++) {
      const t = p.fills.t[j] ?? 0;
      const bps = ((p.fills.fee[j] ?? 0) / ((p.fills.price[j] ?? 0) * (p.fills.size[j] ?? 0))) * 1e4;
      expect(bps).toBeCloseTo(t >= 5 - 1e-9 && t < 15 - 1e-9 ? 5.5 : 3, 9);
      seen++;
    }
    expect(seen).toBe(2000);
    // Maker fills: the same fills as without the stress (fees do not change fills), rate −1 → +1.5.
    expect(pm.fills.count).toBe(q.fills.count);
    for (let j = 0; j < pm.fills.count; j++) {
      const t = pm.fills.t[j] ?? 0;
      const notional = (pm.fills.price[j] ?? 0) * (pm.fills.size[j] ?? 0);
      const diff = (((pm.fills.fee[j] ?? 0) - (q.fills.fee[j] ?? 0)) / notional) * 1e4;
      expect(diff).toBeCloseTo(t >= 5 - 1e-9 && t < 15 - 1e-9 ? 2.5 : 0, 9);
    }
  });

  it('a stressed path allocates no typed arrays per step', () => {
    // 2·10^6 steps under every intensity-mode kind at once (windows cover most of the session), one
    // sample per 10^4 steps, quotes too far to fill: 8 bytes per step would be 16 MB.
    const sc = {
      ...long,
      horizon: 2e6,
      dt: 1,
      sampleEvery: 10_000,
      tickSize: 0.01,
      intensity: { A: 1, k: 1.5 },
      price: { model: 'abm' as const, sigma: 0.01, drift: 0, increments: 'gaussian' as const },
      stress: stresses([
        { kind: 'volatility-spike', onset: 1e5, duration: 1e6, magnitude: 2 },
        { kind: 'liquidity-drought', onset: 2e5, duration: 1e6, magnitude: 0.5 },
        { kind: 'latency-shock', onset: 3e5, duration: 1e6, magnitude: 3 },
        { kind: 'regime-shift', onset: 4e5, magnitude: 1.5 },
        { kind: 'flash-crash', onset: 5e5, magnitude: -0.01, halfLife: 1e4 },
        { kind: 'spread-blowout', onset: 6e5, duration: 1e6, magnitude: 4 },
        { kind: 'fee-change', onset: 7e5, magnitude: 1 },
      ]),
    };
    const far: Quoter = {
      name: 'far',
      params: {},
      reset() {},
      quote(obs, out) {
        out.bidPrice = obs.mid - 20;
        out.askPrice = obs.mid + 20;
        out.bidSize = 1;
        out.askSize = 1;
      },
    };
    const before = process.memoryUsage().arrayBuffers;
    const r = runIntensity(sc, far, 1);
    expect(r.series.bars).toBe(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 << 20);
  });
});
