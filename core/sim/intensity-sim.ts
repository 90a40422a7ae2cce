/**
 * Intensity-mode simulator: the market model of Avellaneda & Stoikov (2008), section 4, generalized.
 *
 * Time runs in steps of dt over [0, horizon]. On each step:
 *   1. the quoter sees (t, mid, inventory, cash) and writes quotes; with an order-entry latency of L
 *      steps, the quotes that are live on the venue are the ones decided L steps earlier (so they
 *      were computed from a stale mid);
 *   2. a market order in the live decision, if any, executes at mid ± (takerHalfSpread + temporary
 *      impact) and moves the mid by the permanent impact;
 *   3. each live quote is hit with probability min(1, λ(δ)·dt), λ(δ) = A·e^{−kδ}, δ the distance of the
 *      quote from the current mid (AS 2008 eq. 2.12 with the exponential intensity of section 3);
 *      a hit fills the quoted size; inventory limits veto a quote that could breach them;
 *   4. the mid moves by the price process (binomial ±σ√dt in the paper's experiment).
 * Profit is marked to market: PnL = cash + inventory·lotSize·mid − (initial value).
 *
 * Determinism and common random numbers: each path draws its mid moves and its fill uniforms from two
 * separate streams seeded by (seed, path), and always draws both fill uniforms, quoted or not. Two
 * strategies run on the same path index therefore face the same prices and the same order arrivals,
 * which makes paired comparisons between strategies sharp.
 *
 * Stresses (`stress`, core/stress), looked up once per step at t = i·dt: σ of the step × the stress
 * multiplier; A × the arrival-rate multiplier; the taker half spread + (extra ticks)·tickSize/2; maker
 * and taker rates + the fee change (bps); the flash-crash displacement D added to the mid path (the
 * change of D over the step is added to the step); a latency shock on the `entry` path changes the lag
 * of the decision made at step i to L_i = round(entry(t)/dt) steps, delivered in order (FIFO: decision
 * i reaches the venue at a_i = max(i + L_i, a_{i−1}), so when a shock ends the queued decisions arrive
 * together: their market orders all execute and the newest quotes are live). Same draws in the same
 * order as without stresses; without stresses none of this runs and every path is unchanged.
 */
import { BUY, SELL } from '../domain/side';
import { Rng, deriveSeed } from '../rng/rng';
import type { MarketObservation, QuoteDecision, Quoter } from '../strategy/quoter';
import { assertFiniteState, type StopPoller } from './guards';
import { makerFee, takerFee, type FeeSpec } from './models/fee';
import { makeImpactModel, type ImpactModel, type ImpactSpec } from './models/impact';
import { PriceProcess, type PriceProcessSpec } from './models/price';
import {
  FACTOR_COUNT,
  F_MAKER_BPS,
  F_RATE,
  F_SIGMA,
  F_SPREAD,
  F_TAKER_BPS,
  StressSchedule,
} from '../stress/schedule';
import type { StressSpec } from '../stress/stress';
import { FillLog, allocSeries, reuseOrAllocSeries, type PathResult, type PathSeries } from './path-result';
import { runPath, type MarketSimulator } from './simulator';

export interface IntensityScenario {
  mode: 'intensity';
  /** Session length in time units. */
  horizon: number;
  /** Step length in time units. */
  dt: number;
  /** Initial mid price. */
  s0: number;
  price: PriceProcessSpec;
  /** λ(δ) = A·e^{−kδ}: A in fills per time unit, k per price unit. */
  intensity: { A: number; k: number };
  /** 0 for continuous prices; otherwise bids are rounded down and asks up to the tick. */
  tickSize: number;
  lotSize: number;
  initialInventoryLots: number;
  fees: FeeSpec;
  impact: ImpactSpec;
  /** Half spread paid by our market orders before impact, in price units. */
  takerHalfSpread: number;
  /** Absolute inventory limit in lots (Infinity for none). */
  inventoryLimitLots: number;
  /** Order-entry latency in time units (rounded to whole steps). */
  entryLatency: number;
  /** Steps per recorded sample. */
  sampleEvery: number;
  /** Stress scenarios laid over the session (core/stress); none: the unstressed market. */
  stress?: StressSpec[] | undefined;
}

const STREAM_PRICE = 1;
const STREAM_FILLS = 2;

/**
 * The Avellaneda & Stoikov (2008) section 4 market (s0 = 100, σ = 2 with binomial steps, T = 1,
 * dt = 0.005, λ(δ) = 140·e^{−1.5δ}, no fees, ticks, limits or latency), with optional overrides: the
 * reference scenario for tests, benchmarks and environments.
 */
export function as2008Scenario(over: Partial<IntensityScenario> = {}): IntensityScenario {
  return {
    mode: 'intensity',
    horizon: 1,
    dt: 0.005,
    s0: 100,
    price: { model: 'abm', sigma: 2, drift: 0, increments: 'binomial' },
    intensity: { A: 140, k: 1.5 },
    tickSize: 0,
    lotSize: 1,
    initialInventoryLots: 0,
    fees: { makerBps: 0, takerBps: 0, perLot: 0 },
    impact: { model: 'none' },
    takerHalfSpread: 0,
    inventoryLimitLots: Number.POSITIVE_INFINITY,
    entryLatency: 0,
    sampleEvery: 1,
    ...over,
  };
}

/** Number of steps in a session. */
export function intensitySteps(sc: IntensityScenario): number {
  return Math.round(sc.horizon / sc.dt);
}

/**
 * Step-wise intensity simulator (one decision per step). Arrays are allocated per path for the
 * result (series of bars + 1 samples, bars = ⌈steps / sampleEvery⌉, and the fills log); stepping
 * allocates nothing. An attached StopPoller is ticked once per step; the state is checked for
 * non-finite numbers at every sample.
 */
export class IntensitySimulator implements MarketSimulator {
  private readonly steps: number;
  private readonly sampleEvery: number;
  private readonly bars: number;
  private readonly lag: number;
  private readonly ringLen: number;
  private readonly ringBid: Float64Array;
  private readonly ringAsk: Float64Array;
  private readonly ringBidSize: Float64Array;
  private readonly ringAskSize: Float64Array;
  private readonly ringMkt: Float64Array;
  private readonly price: PriceProcess;
  private readonly impact: ImpactModel;
  private readonly priceRng = new Rng(0);
  private readonly fillRng = new Rng(0);
  /** Stress schedule (null without stresses), its factors, the step's fees and the crash displacement. */
  private readonly stress: StressSchedule | null;
  private readonly factors = new Float64Array(FACTOR_COUNT);
  private readonly stepFees: FeeSpec = { makerBps: 0, takerBps: 0, perLot: 0 };
  private crashD = 0;
  /** Variable entry lag (a latency shock): arrival step of each ring slot, FIFO state, live quotes. */
  private readonly ringArrive: Float64Array | null;
  private lastArrive = 0;
  private nextDeliver = 0;
  private liveBid = Number.NaN;
  private liveAsk = Number.NaN;
  private liveBidSize = 0;
  private liveAskSize = 0;
  /** Market orders delivered at this step (variable lag: several can arrive together). */
  private readonly dueMkt: Float64Array;
  private dueCount = 0;

  private seed = 0;
  private pathIndex = 0;
  private series: PathSeries;
  private fills = new FillLog(64);
  /** A finished path handed back by recycle(): its arrays serve the next path. */
  private spare: PathResult | undefined;
  private i = 0;
  private s = 0;
  private q = 0;
  private cash = 0;
  private initialValue = 0;
  private quotesPosted = 0;
  private sample = 0;
  private finished = true;
  private stop: StopPoller | null = null;

  constructor(readonly sc: IntensityScenario) {
    this.steps = intensitySteps(sc);
    if (!(this.steps >= 1))
      throw new RangeError(`horizon/dt must give at least one step (got ${sc.horizon}/${sc.dt})`);
    this.sampleEvery = Math.max(1, Math.floor(sc.sampleEvery));
    this.bars = Math.ceil(this.steps / this.sampleEvery);
    this.lag = Math.max(0, Math.round(sc.entryLatency / sc.dt));
    this.stress = StressSchedule.of(sc.stress);
    const shocked = this.stress !== null && this.stress.has('latency-shock');
    // With a latency shock, the ring holds every decision not yet delivered: at most the largest lag + 1.
    this.ringLen = (shocked ? this.maxLag(this.stress as StressSchedule) : this.lag) + 1;
    this.ringArrive = shocked ? new Float64Array(this.ringLen) : null;
    this.dueMkt = new Float64Array(shocked ? this.ringLen : 0);
    this.ringBid = new Float64Array(this.ringLen);
    this.ringAsk = new Float64Array(this.ringLen);
    this.ringBidSize = new Float64Array(this.ringLen);
    this.ringAskSize = new Float64Array(this.ringLen);
    this.ringMkt = new Float64Array(this.ringLen);
    this.price = new PriceProcess(sc.price);
    this.impact = makeImpactModel(sc.impact);
    this.series = allocSeries(0); // each path allocates its own in reset()
  }

  reset(seed: number, pathIndex: number): void {
    this.seed = seed;
    this.pathIndex = pathIndex;
    this.priceRng.reseed(deriveSeed(seed, pathIndex, STREAM_PRICE));
    this.fillRng.reseed(deriveSeed(seed, pathIndex, STREAM_FILLS));
    this.price.reset();
    this.stress?.reset();
    this.crashD = 0;
    this.lastArrive = 0;
    this.nextDeliver = 0;
    this.liveBid = this.liveAsk = Number.NaN;
    this.liveBidSize = this.liveAskSize = 0;
    const spare = this.spare;
    this.spare = undefined;
    this.series = reuseOrAllocSeries(this.bars, spare?.series);
    if (spare) {
      this.fills = spare.fills;
      this.fills.clear();
    } else this.fills = new FillLog(64);
    this.i = 0;
    this.s = this.sc.s0;
    this.q = this.sc.initialInventoryLots;
    this.cash = 0;
    this.initialValue = this.q * this.sc.lotSize * this.s;
    this.quotesPosted = 0;
    this.sample = 0;
    this.finished = false;
    this.ringBid.fill(Number.NaN);
    this.ringAsk.fill(Number.NaN);
    this.ringBidSize.fill(0);
    this.ringAskSize.fill(0);
    this.ringMkt.fill(0);
  }

  observe(obs: MarketObservation): boolean {
    if (this.finished) return false;
    if (this.i >= this.steps) {
      this.finish();
      return false;
    }
    this.stop?.tick();
    obs.t = this.i * this.sc.dt;
    obs.horizon = this.sc.horizon;
    obs.mid = this.s;
    obs.bestBid = Number.NaN;
    obs.bestAsk = Number.NaN;
    obs.tickSize = this.sc.tickSize;
    obs.inventory = this.q;
    obs.cash = this.cash;
    obs.depth = undefined;
    obs.fills = this.fills;
    return true;
  }

  act(dec: QuoteDecision): void {
    const sc = this.sc;
    const i = this.i;
    const dt = sc.dt;
    const t = i * dt;
    const lot = sc.lotSize;
    const limit = sc.inventoryLimitLots;
    const lag = this.lag;
    let s = this.s;
    let q = this.q;
    let cash = this.cash;
    // Stresses at the start of the step (neutral values without a schedule).
    let fees = sc.fees;
    let takerHalfSpread = sc.takerHalfSpread;
    let rateMul = 1;
    let sigmaMul = 1;
    const st = this.stress;
    if (st !== null) {
      const f = st.factorsAt(t, this.factors);
      rateMul = f[F_RATE] ?? 1;
      sigmaMul = f[F_SIGMA] ?? 1;
      takerHalfSpread += ((f[F_SPREAD] ?? 0) * sc.tickSize) / 2;
      fees = this.stepFees;
      fees.makerBps = sc.fees.makerBps + (f[F_MAKER_BPS] ?? 0);
      fees.takerBps = sc.fees.takerBps + (f[F_TAKER_BPS] ?? 0);
      fees.perLot = sc.fees.perLot;
    }

    // Submit into the latency ring; take out what reaches the venue now.
    const slot = i % this.ringLen;
    const useSlot = (i + 1) % this.ringLen; // holds the decision made `lag` steps ago (this one when lag = 0)
    this.ringBid[slot] = roundBid(dec.bidPrice, sc.tickSize);
    this.ringAsk[slot] = roundAsk(dec.askPrice, sc.tickSize);
    this.ringBidSize[slot] = dec.bidSize;
    this.ringAskSize[slot] = dec.askSize;
    this.ringMkt[slot] = dec.marketOrderLots;
    const live = i >= lag;
    let bid = live ? (this.ringBid[useSlot] ?? Number.NaN) : Number.NaN;
    let ask = live ? (this.ringAsk[useSlot] ?? Number.NaN) : Number.NaN;
    let bidSize = live ? (this.ringBidSize[useSlot] ?? 0) : 0;
    let askSize = live ? (this.ringAskSize[useSlot] ?? 0) : 0;
    const mkt = live ? (this.ringMkt[useSlot] ?? 0) : 0;
    const arrive = this.ringArrive;
    if (arrive !== null) {
      // Variable lag: stamp this decision's arrival, then deliver every decision due by step i in order.
      const li = Math.max(0, Math.round((this.stress as StressSchedule).latency(0, t, sc.entryLatency) / dt));
      this.lastArrive = Math.max(i + li, this.lastArrive);
      arrive[slot] = this.lastArrive;
      this.dueCount = 0;
      while (this.nextDeliver <= i && (arrive[this.nextDeliver % this.ringLen] ?? Infinity) <= i) {
        const k = this.nextDeliver++ % this.ringLen;
        this.dueMkt[this.dueCount++] = this.ringMkt[k] ?? 0;
        this.liveBid = this.ringBid[k] ?? Number.NaN;
        this.liveAsk = this.ringAsk[k] ?? Number.NaN;
        this.liveBidSize = this.ringBidSize[k] ?? 0;
        this.liveAskSize = this.ringAskSize[k] ?? 0;
      }
      bid = this.liveBid;
      ask = this.liveAsk;
      bidSize = this.liveBidSize;
      askSize = this.liveAskSize;
    }

    if (i % this.sampleEvery === 0)
      this.record(t, bidSize > 0 ? bid : Number.NaN, askSize > 0 ? ask : Number.NaN);

    // Aggressive orders first (older than this step's passive fills): the one live decision's, or under
    // a latency shock every order delivered at this step, each executed on its own, oldest first.
    const nMkt = arrive === null ? 1 : this.dueCount;
    for (let m = 0; m < nMkt; m++) {
      const mk = arrive === null ? mkt : (this.dueMkt[m] ?? 0);
      if (mk === 0) continue;
      const n = Math.abs(mk);
      const allowed = mk > 0 ? Math.min(n, limit - q) : Math.min(n, limit + q);
      if (allowed > 0) {
        const dir = mk > 0 ? 1 : -1;
        const px = s + dir * (takerHalfSpread + this.impact.temporary(allowed));
        const fee = takerFee(fees, px * allowed * lot, allowed);
        q += dir * allowed;
        cash -= dir * px * allowed * lot + fee;
        this.fills.push(t, dir > 0 ? BUY : SELL, px, allowed, fee, s);
        s += dir * this.impact.permanent(allowed);
      }
    }

    // Passive fills: always draw both uniforms (common random numbers across strategies).
    const uBid = this.fillRng.next();
    const uAsk = this.fillRng.next();
    if (q + bidSize > limit) bidSize = 0;
    if (q - askSize < -limit) askSize = 0;
    const { k } = sc.intensity;
    const A = st === null ? sc.intensity.A : sc.intensity.A * rateMul;
    if (bidSize > 0 && bid === bid) {
      this.quotesPosted++;
      if (uBid < A * Math.exp(-k * (s - bid)) * dt) {
        const fee = makerFee(fees, bid * bidSize * lot, bidSize);
        q += bidSize;
        cash -= bid * bidSize * lot + fee;
        this.fills.push(t, BUY, bid, bidSize, fee, s);
      }
    }
    if (askSize > 0 && ask === ask) {
      this.quotesPosted++;
      if (uAsk < A * Math.exp(-k * (ask - s)) * dt) {
        const fee = makerFee(fees, ask * askSize * lot, askSize);
        q -= askSize;
        cash += ask * askSize * lot - fee;
        this.fills.push(t, SELL, ask, askSize, fee, s);
      }
    }

    if (st === null) this.s = this.price.step(s, dt, this.priceRng);
    else {
      const next = this.price.step(s, dt, this.priceRng, sigmaMul);
      const d = st.displacement(t + dt, s - this.crashD);
      this.s = next + (d - this.crashD);
      this.crashD = d;
    }
    this.q = q;
    this.cash = cash;
    this.i = i + 1;
  }

  ownFills(): FillLog {
    return this.fills;
  }

  /** Largest entry lag (steps) under the schedule: its factors are constant between onsets and ends. */
  private maxLag(st: StressSchedule): number {
    const dt = this.sc.dt;
    let m = this.lag;
    for (const s of st.stresses) {
      for (const t of [s.onset, s.onset + (s.duration ?? 0)]) {
        m = Math.max(m, Math.round(st.latency(0, t, this.sc.entryLatency) / dt));
      }
    }
    if (!Number.isFinite(m) || m > 1e7)
      throw new RangeError(`latency-shock: an entry lag of ${m} steps is too long (at most 1e7)`);
    return m;
  }

  setStopPoller(stop: StopPoller | null): void {
    this.stop = stop;
  }

  pathProgress(): number {
    return this.finished ? 1 : this.i / this.steps;
  }

  /** Number of steps in a path, and of bars (the series hold bars + 1 samples). */
  size(): { steps: number; bars: number } {
    return { steps: this.steps, bars: this.bars };
  }

  recycle(path: PathResult): void {
    this.spare = path;
  }

  result(): PathResult {
    if (!this.finished) throw new Error('IntensitySimulator.result() called before the path finished');
    return {
      pathIndex: this.pathIndex,
      seed: this.seed,
      series: this.series,
      fills: this.fills,
      quotesPosted: this.quotesPosted,
      lotSize: this.sc.lotSize,
    };
  }

  private record(t: number, bid: number, ask: number): void {
    const j = this.sample++;
    const series = this.series;
    series.t[j] = t;
    series.mid[j] = this.s;
    series.bid[j] = bid;
    series.ask[j] = ask;
    series.inventory[j] = this.q;
    series.cash[j] = this.cash;
    const pnl = this.cash + this.q * this.sc.lotSize * this.s - this.initialValue;
    series.pnl[j] = pnl;
    assertFiniteState(this.s, this.cash, this.q, pnl, this.pathIndex, this.i, t);
  }

  private finish(): void {
    this.sample = this.bars;
    this.record(this.steps * this.sc.dt, Number.NaN, Number.NaN);
    this.finished = true;
  }
}

/** Simulate one path of a quoter in intensity mode. */
export function runIntensityPath(
  sc: IntensityScenario,
  quoter: Quoter,
  seed: number,
  pathIndex: number,
): PathResult {
  return runPath(new IntensitySimulator(sc), quoter, seed, pathIndex);
}

function roundBid(p: number, tick: number): number {
  return tick > 0 && p === p ? Math.floor(p / tick + 1e-9) * tick : p;
}

function roundAsk(p: number, tick: number): number {
  return tick > 0 && p === p ? Math.ceil(p / tick - 1e-9) * tick : p;
}
