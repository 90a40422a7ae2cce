/**
 * Book-mode observation features: the map from a MarketObservation with a depth view (BookSimulator,
 * replay, live) to the flat vector an RL market maker sees.
 *
 * Models cited:
 * - Order-flow imbalance (OFI): R. Cont, A. Kukanov & S. Stoikov (2014), "The price impact of order
 *   book events", Journal of Financial Econometrics 12(1), 47–88. With best bid P^B, best ask P^A and
 *   their sizes q^B, q^A at consecutive observations n−1, n:
 *     e_n = 1{P^B_n ≥ P^B_{n−1}}·q^B_n − 1{P^B_n ≤ P^B_{n−1}}·q^B_{n−1}
 *         − 1{P^A_n ≤ P^A_{n−1}}·q^A_n + 1{P^A_n ≥ P^A_{n−1}}·q^A_{n−1}
 *   (> 0: net buying pressure). The paper sums e over every book event in an interval; here the
 *   interval is one observation step and e is computed from the two snapshots that bound it (the
 *   events in between are not visible to an agent that sees snapshots), so it nets out intra-step
 *   churn. Assumption: a side that is empty (or has no size) in either snapshot contributes 0.
 * - Microprice: S. Stoikov (2018), "The micro-price: a high-frequency estimator of future prices",
 *   Quantitative Finance 18(12), 1959–1966. We use its first-order form, the size-weighted mid
 *     microprice = (P^B·q^A + P^A·q^B) / (q^B + q^A),
 *   whose offset from the mid is (spread/2)·(q^B − q^A)/(q^B + q^A). (Stoikov's full micro-price is
 *   the limit of a Markov-chain adjustment calibrated on data; the weighted mid is its first term.)
 * - Realized volatility: exponentially weighted second moment of mid log-returns (RiskMetrics-style,
 *   zero-mean returns), one EWMA per horizon h with span convention α = 2/(h+1) (the same mean age as
 *   an h-point rolling window), divided by an EWMA of the elapsed time with the same weights so that
 *   irregular observation spacing (random market-data latency) is accounted for:
 *     σ_h = 10⁴ · √( EWMA_h(r²) / EWMA_h(Δt) )     [basis points per √(time unit)]
 *   With identical weights the start-up bias of both EWMAs cancels, so no bias correction is needed.
 *
 * Layout (N = `levels`, H = `volHorizons`), `names[i]` / `units[i]` describe entry i:
 *   [0, N)        bidSize{l}    share of total visible size (both sides, N levels each) ∈ [0, 1]
 *   [N, 2N)       askSize{l}    idem
 *   [2N, 3N)      bidDist{l}    (mid − bid price of level l) in ticks, ≥ 0
 *   [3N, 4N)      askDist{l}    (ask price of level l − mid) in ticks, ≥ 0
 *   4N            spread        (best ask − best bid) in ticks, ≥ 0
 *   4N+1          microOffset   microprice − mid, ticks, |·| ≤ spread/2
 *   4N+2          ofi           OFI over the last step, lots
 *   4N+3 …        rv{h}         realized volatility at horizon h observations, bp/√(time unit)
 *   4N+3+H        inventory     q / ctx.inventoryScale (as the default builder)
 *   4N+4+H        timeLeft      fraction of the episode left ∈ [0, 1] (as the default builder)
 *   4N+5+H        fillsStep     signed lots we filled since the previous observation (buy +, sell −)
 *   4N+6+H        fillsEwma     EWMA (span `fillsEwmaSpan` observations) of fillsStep, lots
 * The mid is the touch mid (best bid + best ask)/2 when both sides are present, else `obs.mid`.
 * Prices within 1e-6 tick of the grid are snapped to it, so distances are exact half-integers.
 *
 * Missing data (empty side, a level beyond the visible book, no depth view as in the env's final
 * state): the size share is 0; the distance of a missing level continues one tick per level beyond
 * the last visible one (the nearest place the next order could be), or is l + ½ ticks when the whole
 * side is missing; the spread keeps its last valid value (0 before any); the microprice offset is 0;
 * OFI sides that are missing contribute 0; a volatility update is skipped when the mid is missing
 * (the next return spans the gap, and so does its Δt). A crossed book (bad replay data only) gives
 * distances and a spread clamped to 0.
 *
 * Statefulness. The ObservationBuilder contract (../observation.ts) describes a pure function of
 * (obs, ctx); OFI, realized volatility and the fill features need the previous observation, so this
 * builder is stateful: `build` consumes one observation and must be called exactly once per
 * observation, in time order. `reset()` starts a new episode (MarketMakingEnv.reset and PolicyQuoter.reset
 * call it). As a safety net for callers that do not, the builder also detects a new episode by itself, when any of these
 * happens: time goes backwards, `ctx.tEnd` / `ctx.horizon` change, or the fills log (the source's, else
 * `obs.fills`) is a
 * different FillLog object (simulators allocate a new log per path) or a shorter one (cleared).
 * Use one instance per environment: a vector of envs needs a vector of builders.
 *
 * Cost: O(N + H) per call, no allocation; everything is written straight into `out`.
 */
import { BUY } from '../../domain/side';
import type { FillLog } from '../../domain/fill-log';
import type { MarketObservation } from '../../strategy/quoter';
import {
  inventoryFeature,
  timeLeftFeature,
  type ObservationBuilder,
  type ObservationContext,
} from '../observation';

/** An ObservationBuilder that keeps per-episode state; `reset()` must be called between episodes. */
export interface StatefulObservationBuilder extends ObservationBuilder {
  reset(): void;
}

export function isStatefulBuilder(b: ObservationBuilder): b is StatefulObservationBuilder {
  return typeof (b as Partial<StatefulObservationBuilder>).reset === 'function';
}

export interface BookFeatureOptions {
  /** Depth levels per side in the tensor (integer in [1, 50]; default 5). */
  levels?: number;
  /** Realized-volatility horizons in observations (each ≥ 1, distinct; default [5, 20, 100]). */
  volHorizons?: readonly number[];
  /** Span of the fills EWMA in observations (≥ 1; default 20). */
  fillsEwmaSpan?: number;
  /** Price of one tick; default: `obs.tickSize` (required when observations have tickSize 0). */
  tickSize?: number;
  /**
   * Source of our fills log for an environment that owns its simulator (e.g. `() => sim.ownFills()`);
   * without it the builder reads `obs.fills`, as a quoter does (the fill features are 0 when null).
   */
  fills?: () => FillLog;
}

export const DEFAULT_BOOK_LEVELS = 5;
export const DEFAULT_VOL_HORIZONS: readonly number[] = [5, 20, 100];
export const DEFAULT_FILLS_EWMA_SPAN = 20;

/** Snap a price to the tick grid when it lies within 1e-6 tick of it; return it in ticks. */
function toTicks(price: number, tick: number): number {
  const x = price / tick;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : x;
}

const INF = Number.POSITIVE_INFINITY;

export class BookFeatureBuilder implements StatefulObservationBuilder {
  readonly names: readonly string[];
  /** Unit of each entry, parallel to `names`. */
  readonly units: readonly string[];
  readonly low: readonly number[];
  readonly high: readonly number[];
  readonly levels: number;
  readonly volHorizons: readonly number[];
  readonly fillsEwmaSpan: number;
  /** Offsets of each block within the vector (relative to the builder's `offset`). */
  readonly layout: {
    readonly bidSize: number;
    readonly askSize: number;
    readonly bidDist: number;
    readonly askDist: number;
    readonly spread: number;
    readonly microOffset: number;
    readonly ofi: number;
    readonly rv: number;
    readonly inventory: number;
    readonly timeLeft: number;
    readonly fillsStep: number;
    readonly fillsEwma: number;
  };

  private readonly tickOverride: number;
  private readonly fillsSource: (() => FillLog) | null;
  private readonly volAlpha: Float64Array;
  private readonly volR2: Float64Array;
  private readonly volDt: Float64Array;
  private readonly fillsAlpha: number;

  // Episode state.
  private started = false;
  private lastT = Number.NaN;
  private lastTEnd = Number.NaN;
  private lastHorizon = Number.NaN;
  private prevBidT = Number.NaN;
  private prevBidSz = Number.NaN;
  private prevAskT = Number.NaN;
  private prevAskSz = Number.NaN;
  private lastMid = Number.NaN;
  private lastMidT = Number.NaN;
  private lastSpread = 0;
  private fillsEwmaValue = 0;
  private log: FillLog | null = null;
  private fillsRead = 0;

  constructor(options: BookFeatureOptions = {}) {
    const levels = options.levels ?? DEFAULT_BOOK_LEVELS;
    if (!(Number.isInteger(levels) && levels >= 1 && levels <= 50))
      throw new RangeError(`BookFeatureBuilder: levels must be an integer in [1, 50] (got ${levels})`);
    const hs = options.volHorizons ?? DEFAULT_VOL_HORIZONS;
    if (hs.length === 0) throw new RangeError('BookFeatureBuilder: volHorizons must not be empty');
    for (const h of hs)
      if (!(Number.isFinite(h) && h >= 1))
        throw new RangeError(`BookFeatureBuilder: each vol horizon must be a finite number ≥ 1 (got ${h})`);
    if (new Set(hs).size !== hs.length)
      throw new RangeError(`BookFeatureBuilder: vol horizons must be distinct (got [${hs.join(', ')}])`);
    const span = options.fillsEwmaSpan ?? DEFAULT_FILLS_EWMA_SPAN;
    if (!(Number.isFinite(span) && span >= 1))
      throw new RangeError(`BookFeatureBuilder: fillsEwmaSpan must be a finite number ≥ 1 (got ${span})`);
    const tick = options.tickSize;
    if (tick !== undefined && !(Number.isFinite(tick) && tick > 0))
      throw new RangeError(`BookFeatureBuilder: tickSize must be a finite number > 0 (got ${tick})`);

    this.levels = levels;
    this.volHorizons = [...hs];
    this.fillsEwmaSpan = span;
    this.tickOverride = tick ?? 0;
    this.fillsSource = options.fills ?? null;
    this.volAlpha = Float64Array.from(hs, (h) => 2 / (h + 1));
    this.volR2 = new Float64Array(hs.length);
    this.volDt = new Float64Array(hs.length);
    this.fillsAlpha = 2 / (span + 1);

    const N = levels;
    const H = hs.length;
    const names: string[] = [];
    const units: string[] = [];
    const low: number[] = [];
    const high: number[] = [];
    const add = (name: string, unit: string, lo: number, hi: number): void => {
      names.push(name);
      units.push(unit);
      low.push(lo);
      high.push(hi);
    };
    for (let l = 0; l < N; l++) add(`bidSize${l}`, 'share of visible size', 0, 1);
    for (let l = 0; l < N; l++) add(`askSize${l}`, 'share of visible size', 0, 1);
    for (let l = 0; l < N; l++) add(`bidDist${l}`, 'ticks from mid', 0, INF);
    for (let l = 0; l < N; l++) add(`askDist${l}`, 'ticks from mid', 0, INF);
    add('spread', 'ticks', 0, INF);
    add('microOffset', 'ticks', -INF, INF);
    add('ofi', 'lots', -INF, INF);
    for (const h of hs) add(`rv${h}`, 'bp/√time unit', 0, INF);
    add('inventory', 'inventoryScale lots', -INF, INF);
    add('timeLeft', 'fraction of episode', 0, 1);
    add('fillsStep', 'signed lots', -INF, INF);
    add('fillsEwma', 'signed lots', -INF, INF);
    this.names = names;
    this.units = units;
    this.low = low;
    this.high = high;
    this.layout = {
      bidSize: 0,
      askSize: N,
      bidDist: 2 * N,
      askDist: 3 * N,
      spread: 4 * N,
      microOffset: 4 * N + 1,
      ofi: 4 * N + 2,
      rv: 4 * N + 3,
      inventory: 4 * N + 3 + H,
      timeLeft: 4 * N + 4 + H,
      fillsStep: 4 * N + 5 + H,
      fillsEwma: 4 * N + 6 + H,
    };
  }

  /** Number of entries the builder writes. */
  get dim(): number {
    return this.names.length;
  }

  /** Index of a named entry (throws on an unknown name). */
  indexOf(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new RangeError(`BookFeatureBuilder: no feature named '${name}'`);
    return i;
  }

  /**
   * Forget the episode: the next `build` is the first observation of a new episode. Fills already in
   * the source's current log are treated as read (a new log, as after `sim.reset`, is read from 0).
   */
  reset(): void {
    this.clearState();
    const log = this.fillsSource?.() ?? null;
    this.log = log;
    this.fillsRead = log?.count ?? 0;
  }

  build(obs: MarketObservation, ctx: ObservationContext, out: Float64Array, offset: number): void {
    if (!(offset >= 0 && offset + this.names.length <= out.length))
      throw new RangeError(
        `BookFeatureBuilder.build: ${this.names.length} entries at offset ${offset} do not fit an array of ${out.length}`,
      );
    // Episode boundary detection (see the header).
    const log: FillLog | null = this.fillsSource !== null ? this.fillsSource() : obs.fills;
    if (log !== null) {
      if (this.log !== null && (log !== this.log || log.count < this.fillsRead)) {
        this.clearState();
        this.fillsRead = 0;
      }
      if (this.log !== log) {
        this.log = log;
        this.fillsRead = 0;
      }
    }
    if (
      this.started &&
      (obs.t < this.lastT || !Object.is(ctx.tEnd, this.lastTEnd) || !Object.is(ctx.horizon, this.lastHorizon))
    )
      this.clearState();

    const tick = this.tickOverride > 0 ? this.tickOverride : obs.tickSize;
    if (!(tick > 0))
      throw new RangeError(
        `BookFeatureBuilder: observation has tickSize ${obs.tickSize}; pass the tickSize option for continuous prices`,
      );
    const N = this.levels;
    const L = this.layout;
    const o = offset;

    // --- Touch and depth ---------------------------------------------------------------------------
    const d = obs.depth;
    let nb = 0;
    let na = 0;
    let bidP = obs.bestBid;
    let askP = obs.bestAsk;
    let bidSz = Number.NaN;
    let askSz = Number.NaN;
    if (d !== undefined) {
      const avail = Math.min(
        N,
        d.levels,
        d.bidPrices.length,
        d.bidSizes.length,
        d.askPrices.length,
        d.askSizes.length,
      );
      while (nb < avail && Number.isFinite(d.bidPrices[nb]) && (d.bidSizes[nb] ?? 0) > 0) nb++;
      while (na < avail && Number.isFinite(d.askPrices[na]) && (d.askSizes[na] ?? 0) > 0) na++;
      bidP = nb > 0 ? (d.bidPrices[0] ?? Number.NaN) : Number.NaN;
      askP = na > 0 ? (d.askPrices[0] ?? Number.NaN) : Number.NaN;
      bidSz = nb > 0 ? (d.bidSizes[0] ?? Number.NaN) : Number.NaN;
      askSz = na > 0 ? (d.askSizes[0] ?? Number.NaN) : Number.NaN;
    }
    const bidT = Number.isFinite(bidP) ? toTicks(bidP, tick) : Number.NaN;
    const askT = Number.isFinite(askP) ? toTicks(askP, tick) : Number.NaN;
    const twoSided = bidT === bidT && askT === askT;
    const midPrice = twoSided ? (bidP + askP) / 2 : obs.mid;
    const midT = twoSided ? (bidT + askT) / 2 : Number.isFinite(obs.mid) ? obs.mid / tick : Number.NaN;

    let total = 0;
    for (let l = 0; l < nb; l++) total += d!.bidSizes[l] ?? 0;
    for (let l = 0; l < na; l++) total += d!.askSizes[l] ?? 0;
    const hasMid = midT === midT;
    let lastB = 0;
    let lastA = 0;
    for (let l = 0; l < N; l++) {
      if (l < nb) {
        out[o + L.bidSize + l] = (d!.bidSizes[l] ?? 0) / total; // l < nb ⇒ total > 0
        if (hasMid) {
          const x = midT - toTicks(d!.bidPrices[l] ?? Number.NaN, tick);
          lastB = x > 0 ? x : 0;
        } else lastB = l + 0.5;
      } else {
        out[o + L.bidSize + l] = 0;
        lastB = nb === 0 ? l + 0.5 : lastB + 1;
      }
      out[o + L.bidDist + l] = lastB;
      if (l < na) {
        out[o + L.askSize + l] = (d!.askSizes[l] ?? 0) / total;
        if (hasMid) {
          const x = toTicks(d!.askPrices[l] ?? Number.NaN, tick) - midT;
          lastA = x > 0 ? x : 0;
        } else lastA = l + 0.5;
      } else {
        out[o + L.askSize + l] = 0;
        lastA = na === 0 ? l + 0.5 : lastA + 1;
      }
      out[o + L.askDist + l] = lastA;
    }

    // --- Spread and microprice ---------------------------------------------------------------------
    if (twoSided) {
      const s = askT - bidT;
      this.lastSpread = s > 0 ? s : 0;
    }
    out[o + L.spread] = this.lastSpread;
    const sizes = bidSz > 0 && askSz > 0;
    out[o + L.microOffset] =
      twoSided && sizes ? ((askT - bidT > 0 ? askT - bidT : 0) / 2) * ((bidSz - askSz) / (bidSz + askSz)) : 0;

    // --- Order-flow imbalance (Cont, Kukanov & Stoikov 2014) ---------------------------------------
    let ofi = 0;
    const pb = this.prevBidT;
    const pbs = this.prevBidSz;
    if (bidT === bidT && bidSz > 0 && pb === pb && pbs > 0) {
      if (bidT >= pb) ofi += bidSz;
      if (bidT <= pb) ofi -= pbs;
    }
    const pa = this.prevAskT;
    const pas = this.prevAskSz;
    if (askT === askT && askSz > 0 && pa === pa && pas > 0) {
      if (askT <= pa) ofi -= askSz;
      if (askT >= pa) ofi += pas;
    }
    out[o + L.ofi] = ofi;
    this.prevBidT = bidT;
    this.prevBidSz = bidSz;
    this.prevAskT = askT;
    this.prevAskSz = askSz;

    // --- Realized volatility -----------------------------------------------------------------------
    const H = this.volAlpha.length;
    if (midPrice > 0 && Number.isFinite(midPrice)) {
      const m0 = this.lastMid;
      if (m0 > 0) {
        const r = Math.log(midPrice / m0);
        const dt = obs.t - this.lastMidT;
        const r2 = r * r;
        for (let k = 0; k < H; k++) {
          const a = this.volAlpha[k]!;
          this.volR2[k] = this.volR2[k]! + a * (r2 - this.volR2[k]!);
          this.volDt[k] = this.volDt[k]! + a * (dt - this.volDt[k]!);
        }
      }
      this.lastMid = midPrice;
      this.lastMidT = obs.t;
    }
    for (let k = 0; k < H; k++) {
      const v = this.volDt[k]!;
      out[o + L.rv + k] = v > 0 ? 1e4 * Math.sqrt(this.volR2[k]! / v) : 0;
    }

    // --- Agent state -------------------------------------------------------------------------------
    out[o + L.inventory] = inventoryFeature(obs.inventory, ctx.inventoryScale);
    out[o + L.timeLeft] = timeLeftFeature(obs.t, ctx.tEnd, ctx.horizon);

    // --- Recent fills ------------------------------------------------------------------------------
    let signed = 0;
    if (log !== null) {
      const n = log.count;
      for (let j = this.fillsRead; j < n; j++) {
        const s = log.size[j] ?? 0;
        signed += log.side[j] === BUY ? s : -s;
      }
      this.fillsRead = n;
    }
    this.fillsEwmaValue += this.fillsAlpha * (signed - this.fillsEwmaValue);
    out[o + L.fillsStep] = signed;
    out[o + L.fillsEwma] = this.fillsEwmaValue;

    this.started = true;
    this.lastT = obs.t;
    this.lastTEnd = ctx.tEnd;
    this.lastHorizon = ctx.horizon;
  }

  private clearState(): void {
    this.started = false;
    this.lastT = Number.NaN;
    this.lastTEnd = Number.NaN;
    this.lastHorizon = Number.NaN;
    this.prevBidT = Number.NaN;
    this.prevBidSz = Number.NaN;
    this.prevAskT = Number.NaN;
    this.prevAskSz = Number.NaN;
    this.lastMid = Number.NaN;
    this.lastMidT = Number.NaN;
    this.lastSpread = 0;
    this.fillsEwmaValue = 0;
    this.volR2.fill(0);
    this.volDt.fill(0);
  }
}
