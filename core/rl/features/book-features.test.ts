import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/load-config';
import { BUY, SELL } from '../../domain/side';
import { Rng } from '../../rng/rng';
import { backtestConfigSchema } from '../../backtest/config';
import { BookSimulator, type BookScenario } from '../../sim/book-sim';
import { FillLog } from '../../sim/path-result';
import { toBookScenario } from '../../sim/scenario';
import { clearDecision } from '../../sim/simulator';
import { FixedSpreadQuoter } from '../../strategy/fixed-spread';
import {
  emptyDecision,
  emptyObservation,
  type DepthView,
  type MarketObservation,
} from '../../strategy/quoter';
import { MarketMakingEnv } from '../env';
import type { ObservationContext } from '../observation';
import { BookFeatureBuilder, isStatefulBuilder } from './book-features';

const TICK = 0.01;

function depthView(bids: [number, number][], asks: [number, number][], levels = 5): DepthView {
  const d: DepthView = {
    levels,
    bidPrices: new Float64Array(levels).fill(Number.NaN),
    bidSizes: new Float64Array(levels),
    askPrices: new Float64Array(levels).fill(Number.NaN),
    askSizes: new Float64Array(levels),
  };
  bids.forEach(([p, s], i) => {
    d.bidPrices[i] = p;
    d.bidSizes[i] = s;
  });
  asks.forEach(([p, s], i) => {
    d.askPrices[i] = p;
    d.askSizes[i] = s;
  });
  return d;
}

function observation(
  t: number,
  bids: [number, number][],
  asks: [number, number][],
  over = {},
): MarketObservation {
  const bb = bids[0]?.[0] ?? Number.NaN;
  const ba = asks[0]?.[0] ?? Number.NaN;
  return {
    ...emptyObservation(),
    t,
    horizon: 100,
    mid: (bb + ba) / 2,
    bestBid: bb,
    bestAsk: ba,
    tickSize: TICK,
    depth: depthView(bids, asks),
    ...over,
  };
}

const ctx: ObservationContext = { inventoryScale: 10, horizon: 100, tEnd: 100 };

function build(b: BookFeatureBuilder, obs: MarketObservation, c = ctx): Float64Array {
  const out = new Float64Array(b.dim);
  b.build(obs, c, out, 0);
  return out;
}

const at = (b: BookFeatureBuilder, x: Float64Array, name: string): number => x[b.indexOf(name)]!;

function bookDefault(horizon: number): BookScenario {
  const path = fileURLToPath(new URL('../../../resources/configs/book-default.yaml', import.meta.url));
  const cfg = loadConfigFile(path, backtestConfigSchema);
  if (cfg.scenario.mode !== 'book') throw new Error('book-default.yaml is not a book scenario');
  return toBookScenario({ ...cfg.scenario, horizon });
}

describe('BookFeatureBuilder', () => {
  it('declares a documented layout: names, units and bounds of equal length', () => {
    const b = new BookFeatureBuilder({ levels: 3, volHorizons: [5, 20, 100] });
    expect(b.dim).toBe(4 * 3 + 3 + 3 + 4);
    expect(b.names.slice(0, 3)).toEqual(['bidSize0', 'bidSize1', 'bidSize2']);
    expect(b.names.slice(12)).toEqual([
      'spread',
      'microOffset',
      'ofi',
      'rv5',
      'rv20',
      'rv100',
      'inventory',
      'timeLeft',
      'fillsStep',
      'fillsEwma',
    ]);
    expect(b.units.length).toBe(b.dim);
    expect(b.low.length).toBe(b.dim);
    expect(b.high.length).toBe(b.dim);
    expect(new Set(b.names).size).toBe(b.dim);
    expect(b.layout.fillsEwma).toBe(b.dim - 1);
    expect(isStatefulBuilder(b)).toBe(true);
    expect(() => new BookFeatureBuilder({ levels: 0 })).toThrow(/levels/);
    expect(() => new BookFeatureBuilder({ volHorizons: [5, 5] })).toThrow(/distinct/);
    expect(() => new BookFeatureBuilder({ tickSize: 0 })).toThrow(/tickSize/);
  });

  it('builds the depth tensor of a hand-built DepthView (shares of visible size, distances in ticks)', () => {
    const b = new BookFeatureBuilder({ levels: 4 });
    // Bids 100.00×2, 99.99×3, 99.97×5 (3 levels); asks 100.03×4, 100.04×6 (2 levels). Total = 20.
    // Touch mid = (100.00 + 100.03)/2 = 100.015 → 10001.5 ticks.
    const obs = observation(
      0,
      [
        [100.0, 2],
        [99.99, 3],
        [99.97, 5],
      ],
      [
        [100.03, 4],
        [100.04, 6],
      ],
    );
    const x = build(b, obs);
    const L = b.layout;
    expect(Array.from(x.subarray(L.bidSize, L.bidSize + 4))).toEqual([0.1, 0.15, 0.25, 0]);
    expect(Array.from(x.subarray(L.askSize, L.askSize + 4))).toEqual([0.2, 0.3, 0, 0]);
    // Distances: visible levels exact; missing ones continue one tick per level.
    expect(Array.from(x.subarray(L.bidDist, L.bidDist + 4))).toEqual([1.5, 2.5, 4.5, 5.5]);
    expect(Array.from(x.subarray(L.askDist, L.askDist + 4))).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(at(b, x, 'spread')).toBe(3);
    let share = 0;
    for (let l = 0; l < 4; l++) share += x[L.bidSize + l]! + x[L.askSize + l]!;
    expect(share).toBeCloseTo(1, 12);
    // Inventory and time left as the default builder: q/scale and (tEnd − t)/horizon.
    const b5 = new BookFeatureBuilder();
    const y = build(b5, { ...obs, t: 25, inventory: -4 });
    expect(at(b5, y, 'inventory')).toBe(-0.4);
    expect(at(b5, y, 'timeLeft')).toBe(0.75);
  });

  it('computes the microprice offset by hand (Stoikov 2018, size-weighted mid)', () => {
    const b = new BookFeatureBuilder();
    // bid 100.00 × 3, ask 100.02 × 1: microprice = (100.00·1 + 100.02·3)/4 = 400.06/4 = 100.015,
    // mid = 100.01 → offset 0.005 = 0.5 tick = (spread/2)·(3 − 1)/(3 + 1) = 1·0.5.
    const x = build(b, observation(0, [[100.0, 3]], [[100.02, 1]]));
    expect(at(b, x, 'microOffset')).toBe(0.5);
    expect(at(b, x, 'spread')).toBe(2);
    // Mirror: more size on the ask pushes the microprice below the mid.
    const y = build(new BookFeatureBuilder(), observation(0, [[100.0, 1]], [[100.02, 3]]));
    expect(at(b, y, 'microOffset')).toBe(-0.5);
  });

  it('computes OFI over a 3-step sequence of best quotes by hand (Cont, Kukanov & Stoikov 2014)', () => {
    const b = new BookFeatureBuilder();
    // e_n = 1{Pb_n ≥ Pb_{n−1}}·qb_n − 1{Pb_n ≤ Pb_{n−1}}·qb_{n−1} − 1{Pa_n ≤ Pa_{n−1}}·qa_n + 1{Pa_n ≥ Pa_{n−1}}·qa_{n−1}
    // step 0: bid 100.00×5, ask 100.02×7 → no previous observation: OFI = 0
    // step 1: bid 100.00×8, ask 100.02×4 (prices unchanged): bid 8 − 5 = +3, ask −4 + 7 = +3 → OFI = +6
    // step 2: bid 99.99×9 (down), ask 100.01×3 (down): bid 0 − 8 = −8, ask −3 + 0 = −3 → OFI = −11
    // step 3: bid 100.00×4 (up), ask 100.02×6 (up):     bid +4 − 0 = +4, ask −0 + 3 = +3 → OFI = +7
    const steps: [number, number, number, number][] = [
      [100.0, 5, 100.02, 7],
      [100.0, 8, 100.02, 4],
      [99.99, 9, 100.01, 3],
      [100.0, 4, 100.02, 6],
    ];
    const got = steps.map(([bp, bs, ap, as], i) =>
      at(b, build(b, observation(i, [[bp, bs]], [[ap, as]])), 'ofi'),
    );
    expect(got).toEqual([0, 6, -11, 7]);
  });

  it('realized volatility converges to the known σ of a synthetic mid series, short horizons faster', () => {
    const b = new BookFeatureBuilder({ volHorizons: [5, 20, 100] });
    const rng = new Rng(3);
    const dt = 0.5; // seconds between observations
    const sigma = 2e-4; // per-√s log-return volatility = 2 bp/√s
    let logMid = Math.log(100);
    const out = new Float64Array(b.dim);
    const k100 = b.indexOf('rv100');
    const k5 = b.indexOf('rv5');
    let sum = 0;
    let n = 0;
    const c = { inventoryScale: 1, horizon: Number.POSITIVE_INFINITY, tEnd: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 20_000; i++) {
      const mid = Math.exp(logMid);
      b.build({ ...emptyObservation(), t: i * dt, mid, tickSize: TICK, depth: undefined }, c, out, 0);
      if (i >= 500) {
        sum += out[k100]! ** 2;
        n++;
      }
      logMid += sigma * Math.sqrt(dt) * rng.normal();
    }
    // Time average of the EWMA variance estimate → σ² (in bp²/s): 4, within 3 %.
    expect(sum / n / 4).toBeGreaterThan(0.97);
    expect(sum / n / 4).toBeLessThan(1.03);
    expect(Math.abs(out[k100]! - 2)).toBeLessThan(0.6);
    // A volatility jump ×3: after 15 steps rv5 has adapted much more than rv100.
    for (let i = 20_000; i < 20_015; i++) {
      b.build({ ...emptyObservation(), t: i * dt, mid: Math.exp(logMid), tickSize: TICK }, c, out, 0);
      logMid += 3 * sigma * Math.sqrt(dt) * rng.normal();
    }
    expect(out[k5]!).toBeGreaterThan(out[k100]!);
  });

  it('counts signed fills since the previous observation from the fills source, with an EWMA', () => {
    let log = new FillLog(4);
    const b = new BookFeatureBuilder({ fills: () => log, fillsEwmaSpan: 3 }); // α = 2/(3+1) = 0.5
    const obs = (t: number) => observation(t, [[100.0, 1]], [[100.01, 1]]);
    log.push(0, BUY, 100, 2, 0, 100);
    let x = build(b, obs(0)); // the first observation counts what is already in a new log
    expect([at(b, x, 'fillsStep'), at(b, x, 'fillsEwma')]).toEqual([2, 1]);
    log.push(0.5, SELL, 100.01, 3, 0, 100);
    log.push(0.7, BUY, 100, 1, 0, 100);
    x = build(b, obs(1)); // −3 + 1 = −2; EWMA 1 + 0.5·(−2 − 1) = −0.5
    expect([at(b, x, 'fillsStep'), at(b, x, 'fillsEwma')]).toEqual([-2, -0.5]);
    x = build(b, obs(2)); // nothing new; EWMA −0.25
    expect([at(b, x, 'fillsStep'), at(b, x, 'fillsEwma')]).toEqual([0, -0.25]);
    // A new log (a new path) is a new episode: state cleared, the log read from 0.
    log = new FillLog(4);
    log.push(0, SELL, 100, 1, 0, 100);
    x = build(b, obs(3));
    expect([at(b, x, 'fillsStep'), at(b, x, 'fillsEwma'), at(b, x, 'ofi')]).toEqual([-1, -0.5, 0]);
    // Without a source the fill features are 0.
    const nb = new BookFeatureBuilder();
    expect(at(nb, build(nb, obs(0)), 'fillsStep')).toBe(0);
  });

  it('resets: explicitly, and by itself when time goes backwards or the episode context changes', () => {
    const seq = [observation(0, [[100.0, 5]], [[100.02, 7]]), observation(1, [[100.0, 8]], [[100.02, 4]])];
    const f = new BookFeatureBuilder();
    const fresh = seq.map((o) => Array.from(build(f, o)));
    const b = new BookFeatureBuilder();
    seq.forEach((o) => build(b, o));
    build(b, observation(2, [[99.0, 1]], [[99.5, 1]]));
    // Time backwards → new episode: identical to a fresh builder.
    expect(seq.map((o) => Array.from(build(b, o)))).toEqual(fresh);
    // Explicit reset.
    b.reset();
    expect(seq.map((o) => Array.from(build(b, o)))).toEqual(fresh);
    // A changed episode end (ctx.tEnd) at a later time also starts a new episode.
    const c2 = { ...ctx, tEnd: 200, horizon: 200 };
    const x = build(b, { ...seq[1]!, t: 5 }, c2);
    expect(at(b, x, 'ofi')).toBe(0);
  });

  it('writes at an offset and nothing outside its slice; handles a missing depth view and empty sides', () => {
    const b = new BookFeatureBuilder({ levels: 2 });
    const out = new Float64Array(b.dim + 4).fill(-7);
    b.build(observation(0, [[100.0, 3]], [[100.02, 1]]), ctx, out, 2);
    expect([out[0], out[1], out[b.dim + 2], out[b.dim + 3]]).toEqual([-7, -7, -7, -7]);
    expect(out[2 + b.indexOf('microOffset')]).toBe(0.5);
    // No depth (the env's final state): shares 0, spread carried, all finite.
    const y = build(b, { ...emptyObservation(), t: 1, mid: 100.01, tickSize: TICK });
    expect(y.every(Number.isFinite)).toBe(true);
    expect(at(b, y, 'spread')).toBe(2);
    expect(Array.from(y.subarray(b.layout.bidDist, b.layout.bidDist + 2))).toEqual([0.5, 1.5]);
    // One-sided book: the mid falls back to obs.mid.
    const z = build(b, observation(2, [], [[100.02, 4]], { mid: 100.0 }));
    expect(z.every(Number.isFinite)).toBe(true);
    expect(at(b, z, 'askSize0')).toBe(1);
    expect(at(b, z, 'askDist0')).toBeCloseTo(2, 9);
    expect(at(b, z, 'bidSize0')).toBe(0);
    expect(() => build(new BookFeatureBuilder(), { ...emptyObservation(), mid: 1 })).toThrow(/tickSize/);
    expect(() => b.build(observation(3, [], []), ctx, new Float64Array(b.dim), 1)).toThrow(/do not fit/);
  });

  it('yields finite features of the declared length along a BookSimulator path (book-default, 60 s)', () => {
    const sc = bookDefault(60);
    const sim = new BookSimulator(sc);
    const b = new BookFeatureBuilder({ levels: sc.depthLevels, fills: () => sim.ownFills() });
    const quoter = new FixedSpreadQuoter({ halfSpread: 0.005, skewPerLot: 0.001, orderSizeLots: 1 });
    const obs = emptyObservation();
    const dec = emptyDecision();
    const c: ObservationContext = { inventoryScale: 10, horizon: sc.horizon, tEnd: sc.horizon };
    const out = new Float64Array(b.dim);
    sim.reset(7, 0);
    quoter.reset();
    b.reset();
    let steps = 0;
    let fillSum = 0;
    let anyOfi = false;
    let anyRv = false;
    while (sim.observe(obs)) {
      b.build(obs, c, out, 0);
      steps++;
      expect(out.length).toBe(b.names.length);
      for (let i = 0; i < b.dim; i++) {
        const v = out[i]!;
        if (!Number.isFinite(v) || v < b.low[i]! || v > b.high[i]!)
          throw new Error(`step ${steps}: ${b.names[i]} = ${v} outside [${b.low[i]}, ${b.high[i]}]`);
      }
      fillSum += at(b, out, 'fillsStep');
      if (at(b, out, 'ofi') !== 0) anyOfi = true;
      if (at(b, out, 'rv20') > 0) anyRv = true;
      clearDecision(dec);
      quoter.quote(obs, dec);
      sim.act(dec);
    }
    expect(steps).toBeGreaterThanOrEqual(100); // 60 s / 0.5 s decisions
    expect(anyOfi && anyRv).toBe(true);
    // Every fill up to the last delivery was counted once, with its sign.
    const log = sim.ownFills();
    let signed = 0;
    for (let j = 0; j < log.count; j++)
      if ((log.t[j] ?? 0) <= obs.t) signed += (log.side[j] === BUY ? 1 : -1) * log.size[j]!;
    expect(fillSum).toBe(signed);
  });

  it('plugs into MarketMakingEnv over a BookSimulator and restarts cleanly on env.reset', () => {
    const sc = bookDefault(20);
    const sim = new BookSimulator(sc);
    const make = () => new BookFeatureBuilder({ fills: () => sim.ownFills() });
    const b = make();
    const env = new MarketMakingEnv({
      sim,
      lotSize: sc.lotSize,
      orderSizeLots: 1,
      maxOffset: 0.05,
      inventoryScale: 10,
      observation: b,
    });
    expect(env.observationSpace.shape).toEqual([b.dim]);
    const episode = (): number[][] => {
      const xs = [Array.from(env.reset(3, 0))];
      for (let i = 0; i < 10; i++) xs.push(Array.from(env.step([0.01, 0.01]).observation));
      return xs;
    };
    const first = episode();
    for (let i = 0; i < 5; i++) env.step([0.01, 0.01]);
    const second = episode(); // same path again: the builder must have forgotten the first run
    expect(second).toEqual(first);
    expect(first.every((x) => x.every(Number.isFinite))).toBe(true);
  });
});
