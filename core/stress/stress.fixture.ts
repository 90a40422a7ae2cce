/**
 * Test support for the stress tests: scenarios, probes that drive a simulator and sample what the
 * stresses claim to move, a digest of a path (for the "unstressed paths are unchanged" golden), and
 * the sample-size tolerances the tests derive.
 */
import { ADVANCE_DELIVERY, ADVANCE_END, BookSimulator, type BookScenario } from '../sim/book-sim';
import { IntensitySimulator, as2008Scenario, type IntensityScenario } from '../sim/intensity-sim';
import type { PathResult } from '../sim/path-result';
import { bookScenarioSchema, toBookScenario } from '../sim/scenario';
import { runPath, clearDecision } from '../sim/simulator';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { emptyDecision, emptyObservation, type Quoter } from '../strategy/quoter';
import type { StressInput } from './stress';
import { stressListSchema } from './stress';

export function stresses(list: StressInput[]): ReturnType<typeof stressListSchema.parse> {
  return stressListSchema.parse(list);
}

/** A book scenario from config-file keys (parsed, defaults filled in). */
export function bookScenario(over: Record<string, unknown> = {}): BookScenario {
  return toBookScenario(
    bookScenarioSchema.parse({
      mode: 'book',
      horizon: 300,
      warmup: 20,
      tickSize: 0.01,
      s0: 100,
      price: { model: 'abm', sigma: 0.012 },
      ...over,
    }),
  );
}

export function intensityScenario(over: Partial<IntensityScenario> = {}): IntensityScenario {
  return as2008Scenario({ price: { model: 'abm', sigma: 2, drift: 0, increments: 'gaussian' }, ...over });
}

/** Quotes nothing. */
export const idleQuoter: Quoter = { name: 'idle', params: {}, reset() {}, quote() {} };

/** Quotes both sides at the mid ± halfSpread, one lot (fills at distance halfSpread). */
export function midQuoter(halfSpread: number): Quoter {
  return {
    name: 'mid',
    params: {},
    reset() {},
    quote(obs, out) {
      out.bidPrice = obs.mid - halfSpread;
      out.askPrice = obs.mid + halfSpread;
      out.bidSize = 1;
      out.askSize = 1;
    },
  };
}

/** Sends a one-lot market order at every decision, alternating buy and sell. */
export function takerQuoter(): Quoter {
  let n = 0;
  return {
    name: 'taker',
    params: {},
    reset() {
      n = 0;
    },
    quote(_obs, out) {
      out.marketOrderLots = n++ % 2 === 0 ? 1 : -1;
    },
  };
}

export const joinTouch = (): FixedSpreadQuoter =>
  new FixedSpreadQuoter({ halfSpread: 0.005, skewPerLot: 0.002, orderSizeLots: 1 });

/**
 * Drive a book simulator with a quoter and call `probe(t, sim)` at t = start, start + every, … up to the
 * horizon (the state after every event at or before t), and `onDelivery(t)` at each market-data delivery.
 */
export function probeBook(
  sim: BookSimulator,
  quoter: Quoter,
  seed: number,
  path: number,
  every: number,
  probe: (t: number, sim: BookSimulator) => void,
  onDelivery?: (t: number) => void,
  start = every,
): PathResult {
  const obs = emptyObservation();
  const dec = emptyDecision();
  sim.reset(seed, path);
  quoter.reset({ seed, pathIndex: path });
  let k = 0;
  let next = start;
  for (;;) {
    const r = sim.advance(obs, next, Number.POSITIVE_INFINITY);
    if (r === ADVANCE_END) {
      // The last probe at the horizon itself (the state at the end of the session).
      if (next <= sim.sc.horizon + 1e-9) probe(next, sim);
      break;
    }
    if (r === ADVANCE_DELIVERY) {
      onDelivery?.(obs.t);
      clearDecision(dec);
      quoter.quote(obs, dec);
      sim.act(dec);
      continue;
    }
    probe(next, sim);
    next = start + ++k * every; // no accumulated rounding
  }
  return sim.result();
}

export function runIntensity(sc: IntensityScenario, quoter: Quoter, seed: number, path = 0): PathResult {
  return runPath(new IntensitySimulator(sc), quoter, seed, path);
}

/** Sample standard deviation of the successive differences of xs[i] for i in [from, to). */
export function diffStd(xs: ArrayLike<number>, from: number, to: number): { std: number; n: number } {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let i = Math.max(1, from); i < to; i++) {
    const d = (xs[i] ?? 0) - (xs[i - 1] ?? 0);
    s += d;
    s2 += d * d;
    n++;
  }
  const mean = s / n;
  return { std: Math.sqrt((s2 - n * mean * mean) / (n - 1)), n };
}

/**
 * Tolerance on log(σ̂₁/σ̂₂) for two sample standard deviations of n₁ and n₂ Gaussian increments:
 * z·√(1/(2n₁) + 1/(2n₂)) (the delta-method standard error of log σ̂ is 1/√(2n)).
 */
export function logStdRatioTolerance(n1: number, n2: number, z = 4): number {
  return z * Math.sqrt(1 / (2 * n1) + 1 / (2 * n2));
}

/** Tolerance on log(N₁/N₂) for two Poisson (or rare binomial) counts: z·√(1/N₁ + 1/N₂). */
export function logCountRatioTolerance(n1: number, n2: number, z = 4): number {
  return z * Math.sqrt(1 / n1 + 1 / n2);
}

/** FNV-1a over the bytes of every series array and the fills of a path: its fingerprint. */
export function digestPath(p: PathResult): string {
  let h = 0x811c9dc5;
  const eat = (a: Float64Array | Uint8Array, n: number): void => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i] ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  const s = p.series;
  for (const a of [s.t, s.mid, s.bid, s.ask, s.inventory, s.cash, s.pnl]) eat(a, s.bars + 1);
  const f = p.fills;
  eat(f.t, f.count);
  eat(f.side, f.count);
  eat(f.price, f.count);
  eat(f.size, f.count);
  eat(f.fee, f.count);
  eat(f.midAtFill, f.count);
  return `${h.toString(16).padStart(8, '0')}:${s.bars}:${f.count}`;
}

/**
 * The scenarios of the "unstressed paths are unchanged" golden: a book with every flow option that a
 * stress touches (informed flow, lognormal latencies, fees, GARCH, jumps) and an intensity market with
 * fees, ticks, a taker spread and latency.
 */
export function goldenBook(): BookScenario {
  return bookScenario({
    horizon: 120,
    price: { model: 'abm', sigma: 0.015, garch: { alpha: 0.1, beta: 0.8, interval: 5 } },
    flow: { toxicShare: 0.3, informedHorizon: 1, cancelRate: 0.2 },
    latency: {
      entry: { model: 'lognormal', median: 0.005, sigma: 0.5 },
      cancel: { model: 'uniform', min: 0.001, max: 0.01 },
      marketData: { model: 'constant', value: 0.002 },
    },
    fees: { makerBps: -0.2, takerBps: 2.5 },
  });
}

export function goldenIntensity(): IntensityScenario {
  return as2008Scenario({
    tickSize: 0.01,
    fees: { makerBps: -1, takerBps: 3, perLot: 0.001 },
    takerHalfSpread: 0.02,
    entryLatency: 0.01,
    price: {
      model: 'abm',
      sigma: 2,
      drift: 0,
      increments: 'gaussian',
      jumps: { rate: 5, mean: 0, std: 0.3 },
    },
  });
}

/** Quotes around the mid and takes one lot every 7th decision (exercises maker and taker paths). */
export function mixedQuoter(halfSpread: number): Quoter {
  let n = 0;
  return {
    name: 'mixed',
    params: {},
    reset() {
      n = 0;
    },
    quote(obs, out) {
      out.bidPrice = obs.mid - halfSpread;
      out.askPrice = obs.mid + halfSpread;
      out.bidSize = 1;
      out.askSize = 1;
      n++;
      if (n % 7 === 0) out.marketOrderLots = n % 14 === 0 ? 1 : -1;
    },
  };
}

/** The fingerprints of the golden scenarios (paths 0–2, seed 7). */
export function goldenDigests(
  book: BookScenario = goldenBook(),
  intensity: IntensityScenario = goldenIntensity(),
): { book: string[]; intensity: string[] } {
  const out = { book: [] as string[], intensity: [] as string[] };
  for (let p = 0; p < 3; p++) {
    out.book.push(digestPath(runPath(new BookSimulator(book), mixedQuoter(0.01), 7, p)));
    out.intensity.push(digestPath(runIntensity(intensity, mixedQuoter(0.5), 7, p)));
  }
  return out;
}
