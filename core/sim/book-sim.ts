/**
 * Book-mode simulator: our quotes rest in a simulated L3 book among background orders, with real queue
 * positions, latency and toxic flow.
 *
 * Background flow (a zero-intelligence model in the spirit of Smith, Farmer et al. 2003 and Cont,
 * Stoikov & Talreja 2010, anchored to a latent reference price):
 * - limit orders arrive on each side at rate λ_L (per second); a bid is placed d ticks below
 *   ⌈ref⌉ and an ask d ticks above ⌊ref⌋ (ref in ticks), d ≥ 1 geometric with mean `depthMeanTicks`,
 *   capped at `maxDepthTicks`; sizes are log-normal lots (≥ 1). When the reference price has moved, a
 *   new order can cross stale orders on the other side and trade with them: that is how stale quotes
 *   (ours included) get picked off.
 *   With `anchor: mid` the orders are placed the same way around the book's mid just before the order
 *   (the reference price when the book is one-sided) instead of the reference price: the convention of
 *   the calibrated distance laws, which are measured from the mid. The mid then moves by the order flow
 *   alone, tied to the reference price only through the informed traders.
 *   With `placementWeights`, d is drawn from that empirical law instead (P(d) ∝ weight of d): the
 *   arrival histogram by distance that core/calibration/flow-rates.ts measures.
 * - every resting background order is cancelled at rate θ (`cancelRate`, per order per second); with
 *   `cancelRates`, at rate θ(d) that depends on its distance d from the mid at that moment (d = ⌈m − p⌉
 *   for a bid, ⌈p − m⌉ for an ask, m the book mid in ticks, or the reference price when the book is
 *   one-sided; d < 1 counts as 1, beyond the table as its last entry: flow-rates.ts's convention). Drawn
 *   exactly by thinning (Lewis & Shedler 1979): cancel candidates arrive at θ_max per order, a uniformly
 *   chosen order is cancelled with probability θ(d)/θ_max, otherwise nothing happens;
 * - market orders arrive on each side at rate μ with log-normal sizes. A share π (`toxicShare`, the
 *   informed share) of them is informed, in the sense of Glosten & Milgrom (1985) and Kyle (1985): the
 *   informed trader knows the reference (fundamental) price h seconds ahead (h = `informedHorizon`,
 *   rounded to K = max(1, round(h / priceDt)) price steps) and trades towards it: at time t it buys if
 *   ref(t + K·priceDt) > the book mid at t (the current reference price when the book is one-sided),
 *   sells if below, and picks a side at random on a tie. The other 1 − π pick a side at random (noise
 *   traders). Assumption: information is the future of the simulated reference path itself (no noise on
 *   the signal, no strategic order splitting); the side draw of every market order uses the same number
 *   of flow-stream draws whatever π is, so only the informed orders' sides change with π.
 *   The reference path is generated K steps ahead into a ring buffer (same price stream, same draws in
 *   the same order, so the path is the one the old one-step-ahead generator produced); a permanent
 *   impact of our market orders shifts every buffered value by the same amount (exact for `abm`; for
 *   `gbm` the buffered increments were drawn at the unshifted level, a negligible difference).
 * Events are drawn by the Gillespie method: after every event the total rate is recomputed and the
 * next arrival is exponential with that rate (exact for Markov arrival rates that depend on the state).
 * The reference price follows a PriceProcess stepped every `priceDt` seconds.
 *
 * The agent (our quoter) decides every `decisionInterval`: the venue state is snapshotted at the
 * decision time and delivered after a market-data latency; quotes that change are cancelled (arriving
 * after the cancel latency) and re-entered (arriving after the order-entry latency); unchanged quotes
 * keep their queue position. Orders are post-only by default (a quote that would cross on arrival is
 * rejected; so is a quote too far from the book for its price ladder, as a venue's price band would
 * reject it). Our own market orders walk the book (temporary impact) and may move the reference price
 * by the impact model's permanent part.
 *
 * Determinism: background flow, price and latency use separate streams seeded by (seed, path); the
 * event order on equal times is fixed (agent events, then price updates, then samples, then background).
 *
 * Stresses (`stress`, core/stress): a schedule looked up at every reference-price step — σ and the
 * flash-crash displacement at the time of the step being generated (K steps ahead, so informed traders
 * see a crash coming), the arrival-rate multiplier, informed share and extra spread at the current time
 * (a change of the rate redraws the next background wait; while a spread blow-out lasts, the
 * background orders inside the widened band are cancelled at every step) — and at the send time of
 * every latency draw and the time of every fill (fees). Without stresses none of this runs and every
 * path is unchanged.
 */
import { OrderBook, createDepthBuffers, type DepthBuffers } from '../book/order-book';
import { BUY, SELL, type Side } from '../domain/side';
import { Rng, deriveSeed } from '../rng/rng';
import type { MarketObservation, QuoteDecision } from '../strategy/quoter';
import { assertFiniteState, type StopPoller } from './guards';
import { feeModel, type FeeModel, type FeeSpec } from './models/fee';
import { makeImpactModel, type ImpactModel, type ImpactSpec } from './models/impact';
import { sampledLatencyModel, type LatencyModel, type LatencySpec } from './models/latency';
import { PriceProcess, type PriceProcessSpec } from './models/price';
import {
  FACTOR_COUNT,
  F_RATE,
  F_SIGMA,
  F_SPREAD,
  StressSchedule,
  stressedFee,
  stressedLatency,
} from '../stress/schedule';
import type { StressSpec } from '../stress/stress';
import { FillLog, allocSeries, reuseOrAllocSeries, type PathResult, type PathSeries } from './path-result';
import type { MarketSimulator } from './simulator';

export interface BackgroundFlowSpec {
  /** Limit order arrivals per second per side. */
  limitRate: number;
  /** Mean placement distance in ticks (geometric on 1, 2, …). */
  depthMeanTicks: number;
  maxDepthTicks: number;
  /**
   * Optional empirical placement law: relative weights of distances 1, 2, … ticks (entry i is d = i + 1),
   * replacing the geometric law; distances beyond `maxDepthTicks` are not drawn.
   */
  placementWeights?: number[] | undefined;
  /**
   * Optional cancel rates by distance from the mid, θ(d) per order per second for d = 1, 2, … ticks (the
   * last entry for every larger distance), replacing the single `cancelRate`.
   */
  cancelRates?: number[] | undefined;
  /**
   * What limit orders are placed around: the latent reference price (default) or the book's mid just
   * before the order (the reference price when the book is one-sided).
   */
  anchor?: 'reference' | 'mid' | undefined;
  /**
   * The background flow's clock: 'calendar' (default), or 'volatility' — business time in the sense of
   * Clark (1973): every background rate is multiplied by (σ_t/σ)², σ_t the reference process's current
   * volatility (GARCH or regime) and σ its unconditional `sigma`, so that the flow — and with it the
   * variance of a mid that moves by the flow — clusters as the fitted volatility does.
   */
  clock?: 'calendar' | 'volatility' | undefined;
  /**
   * Optional intraday activity profile: every background rate is multiplied by multipliers[⌊t / bucket⌋]
   * (session time t; the first entry during the warm-up, the last beyond the table), on top of the clock.
   */
  activityProfile?: { bucketSeconds: number; multipliers: number[] } | undefined;
  /** Log-normal limit sizes in lots: exp(μ + σZ), rounded, at least 1. */
  limitSizeMu: number;
  limitSizeSigma: number;
  /** Cancellation rate per resting background order per second. */
  cancelRate: number;
  /** Market order arrivals per second per side. */
  marketRate: number;
  marketSizeMu: number;
  marketSizeSigma: number;
  /** Share of market orders that are informed (trade towards the reference price `informedHorizon` ahead). */
  toxicShare: number;
  /** Seconds ahead the informed traders see the reference price (rounded to whole price steps, ≥ 1). */
  informedHorizon: number;
}

export interface BookScenario {
  mode: 'book';
  /** Session length in seconds. */
  horizon: number;
  /** Seconds of background flow before t = 0, so the book starts in its stationary state. */
  warmup: number;
  tickSize: number;
  lotSize: number;
  s0: number;
  price: PriceProcessSpec;
  /** Reference price update interval (seconds). */
  priceDt: number;
  flow: BackgroundFlowSpec;
  latency: { entry: LatencySpec; cancel: LatencySpec; marketData: LatencySpec };
  decisionInterval: number;
  /** Reject our limit orders that would cross on arrival. */
  postOnly: boolean;
  fees: FeeSpec;
  impact: ImpactSpec;
  inventoryLimitLots: number;
  initialInventoryLots: number;
  /** Seconds between recorded samples. */
  sampleInterval: number;
  /** Levels of depth in the observation. */
  depthLevels: number;
  /** Stress scenarios laid over the session (core/stress); none: the unstressed market. */
  stress?: StressSpec[] | undefined;
}

const STREAM_FLOW = 11;
const STREAM_PRICE = 12;
const STREAM_LATENCY = 13;

const OWNER_BG = 0;
const OWNER_US = 1;
/** Our order ids live far above background ids so the two never collide. */
const OUR_ID_BASE = 2 ** 48;

// Agent event types (in the small heap).
const EV_DECISION = 1;
const EV_DELIVERY = 2;
const EV_ORDER = 3;
const EV_CANCEL = 4;
const EV_MARKET = 5;

/** Results of BookSimulator.advance. */
export const ADVANCE_DELIVERY = 0;
export const ADVANCE_LIMIT = 1;
export const ADVANCE_END = 2;

/** Snapshots in flight between decision and delivery. */
const SNAP_RING = 32;

/**
 * Our quotes must be at a positive price within this many ticks, and within 50%, of the reference price
 * (a price band): a quarter of the order book's default ladder reach (maxLadderWidth / 2 = 262,144
 * ticks), so that our orders and the background flow around the price always fit in one ladder.
 */
export const QUOTE_BAND_TICKS = 65_536;

export class BookSimulator implements MarketSimulator {
  readonly book: OrderBook;
  private readonly price: PriceProcess;
  private readonly impact: ImpactModel;
  private readonly flowRng = new Rng(0);
  private readonly priceRng = new Rng(0);
  private readonly latRng = new Rng(0);
  /** Latency and fee models (core/sim/models), the interfaces the replay uses too. */
  private readonly latency: LatencyModel;
  private readonly fee: FeeModel;
  private readonly bars: number;
  /** The stress schedule (null without stresses), its factors now and at the generated price step. */
  private readonly stress: StressSchedule | null;
  private readonly flowF = new Float64Array(FACTOR_COUNT);
  private readonly priceF = new Float64Array(FACTOR_COUNT);
  /** Stressed flow: arrival-rate multiplier, informed share, extra ticks on new bids/asks. */
  private rateMul = 1;
  private toxicShare = 0;
  private spreadBid = 0;
  private spreadAsk = 0;
  /** Flash-crash displacement currently in the generated reference path. */
  private crashD = 0;

  // Event heap (agent events) — struct of arrays.
  private hTime = new Float64Array(64);
  private hSeq = new Float64Array(64);
  private hType = new Uint8Array(64);
  private hA = new Float64Array(64);
  private hB = new Float64Array(64);
  private hC = new Float64Array(64);
  private hSize = 0;
  private seq = 0;

  // Background orders alive (may contain ids already filled; they are dropped lazily).
  private bgIds = new Float64Array(1024);
  private bgCount = 0;
  /** Cumulative placement law (placementWeights normalized), or null for the geometric law. */
  private readonly placeCum: Float64Array | null;
  /** θ(d) for d = 1 … length (cancelRates), or null for one θ; cancelMax = the per-order candidate rate. */
  private readonly cancelByDist: Float64Array | null;
  private readonly cancelMax: number;
  private nextBgId = 1;
  private nextOurId = OUR_ID_BASE;

  // Snapshots (decision → delivery).
  private readonly snapT = new Float64Array(SNAP_RING);
  private readonly snapMid = new Float64Array(SNAP_RING);
  private readonly snapBid = new Float64Array(SNAP_RING);
  private readonly snapAsk = new Float64Array(SNAP_RING);
  private readonly snapQ = new Float64Array(SNAP_RING);
  private readonly snapCash = new Float64Array(SNAP_RING);
  private readonly snapDepth: DepthBuffers[] = [];
  private snapNext = 0;
  private readonly obsDepth: DepthBuffers & { levels: number };

  // State.
  private seed = 0;
  private pathIndex = 0;
  private t = 0;
  private ref = 0;
  /** Reference prices 1…K price steps ahead: ring buffer, aheadHead = one step ahead. */
  private readonly ahead: Float64Array;
  /** σ of the step that produced each buffered reference price (for the volatility clock). */
  private readonly aheadSigma: Float64Array;
  /** Multiplier of every background rate: (σ_t/σ)² under the volatility clock, else 1. */
  private activity = 1;
  private aheadHead = 0;
  /** The reference price K steps ahead (the newest buffered value): what informed traders see. */
  private farRef = 0;
  private nextPriceT = 0;
  private nextBgT = 0;
  private nextSampleT = 0;
  private sample = 0;
  private q = 0;
  private cash = 0;
  private initialValue = 0;
  private lastMid = 0;
  private series: PathSeries;
  private fills = new FillLog(256);
  /** A finished path handed back by recycle(): its arrays serve the next path. */
  private spare: PathResult | undefined;
  private quotesPosted = 0;
  private finished = true;
  private stop: StopPoller | null = null;
  /** Events processed in this path (background + price + agent), for benchmarks. */
  events = 0;
  /** Post-only rejections of our orders. */
  rejected = 0;
  /**
   * Lots of our resting orders filled in this path by background limit orders that crossed them
   * (stale-quote pick-offs after a reference move), and by background market orders (noise or informed).
   */
  pickedOffLots = 0;
  marketHitLots = 0;
  /**
   * Background arrivals in this path: limit orders, market orders, informed market orders, and market
   * orders whose side agrees with the informed direction (sign of ref(t + h) − mid; ties not counted).
   * With informed share π, agreeing / (market orders off ties) ≈ (1 + π)/2.
   */
  bgLimitOrders = 0;
  bgMarketOrders = 0;
  bgInformedOrders = 0;
  bgAgreeOrders = 0;
  bgDirectedOrders = 0;
  /** Kind of the background event being processed: 0 none, 1 limit order, 2 market order. */
  private bgKind = 0;
  /** Called after every background-flow event (live views count book updates with it). */
  onBookEvent: (() => void) | null = null;
  /**
   * Called for every execution in the book: time, price (decimal), size (lots), aggressor side, and
   * whether one of our orders took part.
   */
  onTrade: ((t: number, price: number, size: number, aggressor: Side, ours: boolean) => void) | null = null;

  // Our working orders, one per side: the id the agent last sent (pending or live), price, size.
  private readonly ourId = new Float64Array(2);
  private readonly ourPrice = new Float64Array(2);
  private readonly ourSize = new Float64Array(2);
  /** Our orders resting in the book right now (any side, including superseded ones not yet cancelled). */
  private ourLive = 0;

  constructor(readonly sc: BookScenario) {
    validateBookScenario(sc);
    this.book = new OrderBook({ capacity: 4096 });
    this.price = new PriceProcess(sc.price);
    const w = sc.flow.placementWeights;
    if (w && w.length > 0) {
      const n = Math.min(w.length, sc.flow.maxDepthTicks);
      const cum = new Float64Array(n);
      let acc = 0;
      for (let i = 0; i < n; i++) cum[i] = acc += w[i] ?? 0;
      for (let i = 0; i < n; i++) cum[i] = (cum[i] ?? 0) / acc;
      this.placeCum = cum;
    } else this.placeCum = null;
    const th = sc.flow.cancelRates;
    if (th && th.length > 0) {
      this.cancelByDist = Float64Array.from(th);
      this.cancelMax = Math.max(...th);
    } else {
      this.cancelByDist = null;
      this.cancelMax = sc.flow.cancelRate;
    }
    this.impact = makeImpactModel(sc.impact);
    this.stress = StressSchedule.of(sc.stress);
    const latency = sampledLatencyModel(sc.latency, this.latRng);
    this.latency = this.stress ? stressedLatency(latency, this.stress) : latency;
    this.fee = this.stress ? stressedFee(feeModel(sc.fees), this.stress) : feeModel(sc.fees);
    this.bars = Math.max(1, Math.ceil(sc.horizon / sc.sampleInterval));
    this.ahead = new Float64Array(Math.max(1, Math.round(sc.flow.informedHorizon / sc.priceDt)));
    this.aheadSigma = new Float64Array(this.ahead.length);
    this.series = allocSeries(0); // each path allocates its own in reset()
    for (let i = 0; i < SNAP_RING; i++) this.snapDepth.push(createDepthBuffers(sc.depthLevels));
    this.obsDepth = { ...createDepthBuffers(sc.depthLevels), levels: sc.depthLevels };
    this.book.onFill = (makerId, makerOwner, takerId, takerOwner, makerSide, priceTicks, qty) => {
      if (makerOwner === OWNER_US) {
        if (this.bgKind === 1) this.pickedOffLots += qty;
        else if (this.bgKind === 2) this.marketHitLots += qty;
        this.ourFill(makerSide, priceTicks, qty, true, makerId);
      }
      if (takerOwner === OWNER_US)
        this.ourFill(makerSide === BUY ? SELL : BUY, priceTicks, qty, false, takerId);
      const hook = this.onTrade;
      if (hook !== null) {
        const ours = makerOwner === OWNER_US || takerOwner === OWNER_US;
        hook(this.t, priceTicks * this.sc.tickSize, qty, makerSide === BUY ? SELL : BUY, ours);
      }
    };
  }

  reset(seed: number, pathIndex: number): void {
    const sc = this.sc;
    this.seed = seed;
    this.pathIndex = pathIndex;
    this.flowRng.reseed(deriveSeed(seed, pathIndex, STREAM_FLOW));
    this.priceRng.reseed(deriveSeed(seed, pathIndex, STREAM_PRICE));
    this.latRng.reseed(deriveSeed(seed, pathIndex, STREAM_LATENCY));
    this.price.reset();
    this.book.clear();
    this.hSize = 0;
    this.seq = 0;
    this.bgCount = 0;
    this.nextBgId = 1;
    this.nextOurId = OUR_ID_BASE;
    this.snapNext = 0;
    const spare = this.spare;
    this.spare = undefined;
    this.series = reuseOrAllocSeries(this.bars, spare?.series);
    if (spare) {
      this.fills = spare.fills;
      this.fills.clear();
    } else this.fills = new FillLog(256);
    this.quotesPosted = 0;
    this.events = 0;
    this.rejected = 0;
    this.pickedOffLots = 0;
    this.marketHitLots = 0;
    this.bgLimitOrders = this.bgMarketOrders = this.bgInformedOrders = 0;
    this.bgAgreeOrders = this.bgDirectedOrders = 0;
    this.stress?.reset();
    this.rateMul = 1;
    this.toxicShare = sc.flow.toxicShare;
    this.spreadBid = this.spreadAsk = 0;
    this.crashD = 0;
    this.ourId.fill(0);
    this.ourPrice.fill(Number.NaN);
    this.ourSize.fill(0);
    this.ourLive = 0;
    this.q = sc.initialInventoryLots;
    this.cash = 0;
    this.sample = 0;
    this.finished = false;

    // Warm up the background book before t = 0 (nothing of ours is in it yet).
    this.t = -sc.warmup;
    this.ref = sc.s0;
    let r = this.ref;
    for (let j = 0; j < this.ahead.length; j++) {
      this.aheadSigma[j] = this.price.currentSigma();
      r =
        this.stress === null
          ? this.price.step(r, sc.priceDt, this.priceRng)
          : this.stressedStep(r, -sc.warmup + j * sc.priceDt);
      this.ahead[j] = r;
    }
    this.activity = 1;
    this.aheadHead = 0;
    this.farRef = r;
    this.nextPriceT = this.t + sc.priceDt;
    this.nextBgT = this.t + this.drawBgWait();
    this.nextSampleT = Number.POSITIVE_INFINITY;
    this.runBackgroundUntil(0);
    this.t = 0;
    this.lastMid = this.markPrice();
    this.initialValue = this.q * sc.lotSize * this.valueMark();
    this.nextSampleT = 0;
    this.push(0, EV_DECISION, 0, 0, 0);
  }

  observe(obs: MarketObservation): boolean {
    return this.advance(obs, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY) === ADVANCE_DELIVERY;
  }

  /**
   * Process events in time order until the next market-data delivery (fills `obs`, returns
   * ADVANCE_DELIVERY), until the next event would lie beyond `tLimit` or `maxEvents` events were
   * processed (returns ADVANCE_LIMIT; the clock stays at the last processed event), or until the session
   * ends (returns ADVANCE_END). `observe` is advance(obs, ∞, ∞); a live replay uses the limits to pace
   * the simulation against the wall clock and to step one event at a time.
   */
  advance(obs: MarketObservation, tLimit: number, maxEvents: number): number {
    if (this.finished) return ADVANCE_END;
    const horizon = this.sc.horizon;
    let processed = 0;
    for (;;) {
      const tAgent = this.hSize > 0 ? (this.hTime[0] ?? Infinity) : Infinity;
      const tNext = Math.min(tAgent, this.nextPriceT, this.nextSampleT, this.nextBgT);
      if (tNext > horizon) {
        this.t = horizon;
        this.finish();
        return ADVANCE_END;
      }
      if (tNext > tLimit || processed >= maxEvents) return ADVANCE_LIMIT;
      this.stop?.tick();
      this.t = tNext;
      this.events++;
      processed++;
      if (tAgent === tNext) {
        const type = this.hType[0] ?? 0;
        const a = this.hA[0] ?? 0;
        const b = this.hB[0] ?? 0;
        const c = this.hC[0] ?? 0;
        this.pop();
        if (type === EV_DELIVERY) {
          this.fillObservation(obs, a);
          return ADVANCE_DELIVERY;
        }
        this.agentEvent(type, a, b, c);
      } else if (this.nextPriceT === tNext) {
        this.priceUpdate();
      } else if (this.nextSampleT === tNext) {
        this.record();
      } else {
        this.backgroundEvent();
        this.onBookEvent?.();
      }
    }
  }

  /** Current simulation time (seconds). */
  now(): number {
    return this.t;
  }

  /** Whether the session has ended. */
  isFinished(): boolean {
    return this.finished;
  }

  /**
   * Our live orders as the venue sees them, written into `out` (cleared first): side, price (decimal),
   * remaining size and queue position (lots ahead at the level).
   */
  ourOrders(out: { side: Side; price: number; size: number; queueAhead: number }[]): void {
    out.length = 0;
    for (const side of [BUY, SELL] as const) {
      const id = this.ourId[side] ?? 0;
      if (id === 0 || !this.book.has(id)) continue;
      out.push({
        side,
        price: this.book.orderPrice(id) * this.sc.tickSize,
        size: this.book.orderQty(id),
        queueAhead: this.book.queueAhead(id),
      });
    }
  }

  /** Inventory (lots), cash and mark-to-market PnL right now. */
  account(): { inventory: number; cash: number; pnl: number } {
    const mid = this.valueMark();
    return {
      inventory: this.q,
      cash: this.cash,
      pnl: this.cash + this.q * this.sc.lotSize * mid - this.initialValue,
    };
  }

  act(dec: QuoteDecision): void {
    const sc = this.sc;
    const tick = sc.tickSize;
    const limit = sc.inventoryLimitLots;
    // Desired quotes in ticks (bids rounded down, asks up); vetoed when they could breach the limit.
    let bidTicks =
      dec.bidSize > 0 && dec.bidPrice === dec.bidPrice ? Math.floor(dec.bidPrice / tick + 1e-9) : NaN;
    let askTicks =
      dec.askSize > 0 && dec.askPrice === dec.askPrice ? Math.ceil(dec.askPrice / tick - 1e-9) : NaN;
    const bidSize = Math.max(0, Math.round(dec.bidSize));
    const askSize = Math.max(0, Math.round(dec.askSize));
    if (this.q + bidSize > limit || bidSize === 0) bidTicks = NaN;
    if (this.q - askSize < -limit || askSize === 0) askTicks = NaN;
    this.requote(BUY, bidTicks, bidSize);
    this.requote(SELL, askTicks, askSize);
    const m = Math.round(dec.marketOrderLots);
    if (m !== 0) {
      const arrive = this.t + this.latency.entry(this.t);
      this.push(arrive, EV_MARKET, m, 0, 0);
    }
  }

  ownFills(): FillLog {
    return this.fills;
  }

  setStopPoller(stop: StopPoller | null): void {
    this.stop = stop;
  }

  pathProgress(): number {
    return this.finished ? 1 : Math.min(1, Math.max(0, this.t / this.sc.horizon));
  }

  recycle(path: PathResult): void {
    this.spare = path;
  }

  result(): PathResult {
    if (!this.finished) throw new Error('BookSimulator.result() called before the path finished');
    return {
      pathIndex: this.pathIndex,
      seed: this.seed,
      series: this.series,
      fills: this.fills,
      quotesPosted: this.quotesPosted,
      lotSize: this.sc.lotSize,
    };
  }

  /** Current reference (latent) price. */
  referencePrice(): number {
    return this.ref;
  }

  // ---------------------------------------------------------------------------------------------
  // Agent side

  private requote(side: Side, priceTicks: number, size: number): void {
    const curId = this.ourId[side] ?? 0;
    const curPrice = this.ourPrice[side] ?? NaN;
    const curSize = this.ourSize[side] ?? 0;
    const want = priceTicks === priceTicks;
    if (curId !== 0 && want && curPrice === priceTicks && curSize === size) return; // keep queue position
    if (curId !== 0) {
      this.push(this.t + this.latency.cancel(this.t), EV_CANCEL, curId, 0, 0);
      this.ourId[side] = 0;
      this.ourPrice[side] = NaN;
      this.ourSize[side] = 0;
    }
    if (!want) return;
    const id = this.nextOurId++;
    this.ourId[side] = id;
    this.ourPrice[side] = priceTicks;
    this.ourSize[side] = size;
    this.quotesPosted++;
    this.push(this.t + this.latency.entry(this.t), EV_ORDER, id, priceTicks, size * 2 + side);
  }

  private agentEvent(type: number, a: number, b: number, c: number): void {
    const book = this.book;
    switch (type) {
      case EV_DECISION: {
        this.snapshot();
        this.push(this.t + this.sc.decisionInterval, EV_DECISION, 0, 0, 0);
        return;
      }
      case EV_ORDER: {
        const side = (c & 1) as Side;
        const size = (c - side) / 2;
        // A quote outside the price band (QUOTE_BAND_TICKS; an absurd quote from a mis-set parameter) is
        // rejected as a venue's band would reject it, instead of failing the run or resting at a
        // negative price: the book's ladder must keep room for the background flow around the price.
        const refTicks = this.ref / this.sc.tickSize;
        const outOfBand =
          b <= 0 || Math.abs(b - refTicks) > Math.min(QUOTE_BAND_TICKS, 0.5 * refTicks) || !book.fits(b);
        if (outOfBand || this.sc.postOnly) {
          const crosses = outOfBand || (side === BUY ? b >= book.bestAsk() : b <= book.bestBid());
          if (crosses) {
            this.rejected++;
            if (this.ourId[side] === a) {
              this.ourId[side] = 0;
              this.ourPrice[side] = NaN;
              this.ourSize[side] = 0;
            }
            return;
          }
        }
        this.lastMid = this.markPrice();
        if (book.addLimit(a, side, b, size, OWNER_US) > 0) this.ourLive++;
        this.nextBgT = this.t + this.drawBgWait(); // a crossing order may have consumed background orders
        return;
      }
      case EV_CANCEL: {
        if (book.cancel(a)) this.ourLive--;
        return;
      }
      case EV_MARKET: {
        const n = Math.abs(a);
        const side: Side = a > 0 ? BUY : SELL;
        const allowed =
          a > 0
            ? Math.min(n, this.sc.inventoryLimitLots - this.q)
            : Math.min(n, this.sc.inventoryLimitLots + this.q);
        if (allowed <= 0) return;
        this.lastMid = this.markPrice();
        const filled = book.market(side, allowed, this.nextOurId++, OWNER_US);
        const dir = a > 0 ? 1 : -1;
        const shift = dir * this.impact.permanent(filled);
        this.ref += shift;
        for (let j = 0; j < this.ahead.length; j++) this.ahead[j] = (this.ahead[j] ?? 0) + shift;
        this.farRef += shift;
        this.nextBgT = this.t + this.drawBgWait(); // the background order count changed
        return;
      }
    }
  }

  private ourFill(side: Side, priceTicks: number, qty: number, maker: boolean, orderId: number): void {
    const sc = this.sc;
    const px = priceTicks * sc.tickSize;
    const notional = px * qty * sc.lotSize;
    const fee = maker ? this.fee.maker(notional, qty, this.t) : this.fee.taker(notional, qty, this.t);
    if (side === BUY) {
      this.q += qty;
      this.cash -= notional + fee;
    } else {
      this.q -= qty;
      this.cash += notional - fee;
    }
    this.fills.push(this.t, side, px, qty, fee, this.lastMid);
    if (maker && !this.book.has(orderId)) this.ourLive--;
    if (this.ourId[side] === orderId) {
      const left = (this.ourSize[side] ?? 0) - qty;
      if (left <= 0) {
        this.ourId[side] = 0;
        this.ourPrice[side] = NaN;
        this.ourSize[side] = 0;
      } else {
        this.ourSize[side] = left;
      }
    }
  }

  private snapshot(): void {
    const i = this.snapNext;
    this.snapNext = (i + 1) % SNAP_RING;
    const book = this.book;
    const tick = this.sc.tickSize;
    this.snapT[i] = this.t;
    this.snapMid[i] = this.valueMark(); // the quoter's mid leaves its own lone best quote out (valueMark)
    const bb = book.bestBid();
    const ba = book.bestAsk();
    this.snapBid[i] = bb === bb ? bb * tick : NaN;
    this.snapAsk[i] = ba === ba ? ba * tick : NaN;
    this.snapQ[i] = this.q;
    this.snapCash[i] = this.cash;
    const d = this.snapDepth[i];
    if (d) {
      book.depth(this.sc.depthLevels, d);
      for (let l = 0; l < this.sc.depthLevels; l++) {
        d.bidPrices[l] = (d.bidPrices[l] ?? NaN) * tick;
        d.askPrices[l] = (d.askPrices[l] ?? NaN) * tick;
      }
    }
    this.push(this.t + this.latency.marketData(this.t), EV_DELIVERY, i, 0, 0);
  }

  private fillObservation(obs: MarketObservation, snap: number): void {
    const i = snap | 0;
    obs.t = this.t;
    obs.horizon = this.sc.horizon;
    obs.mid = this.snapMid[i] ?? NaN;
    obs.bestBid = this.snapBid[i] ?? NaN;
    obs.bestAsk = this.snapAsk[i] ?? NaN;
    obs.tickSize = this.sc.tickSize;
    obs.inventory = this.snapQ[i] ?? 0;
    obs.cash = this.snapCash[i] ?? 0;
    const src = this.snapDepth[i];
    if (src) {
      this.obsDepth.bidPrices.set(src.bidPrices);
      this.obsDepth.bidSizes.set(src.bidSizes);
      this.obsDepth.askPrices.set(src.askPrices);
      this.obsDepth.askSizes.set(src.askSizes);
    }
    obs.depth = this.obsDepth;
    // Execution reports reach us with the market data: the log as of delivery.
    obs.fills = this.fills;
  }

  // ---------------------------------------------------------------------------------------------
  // Market side

  private priceUpdate(): void {
    const h = this.aheadHead;
    this.ref = this.ahead[h] ?? this.ref;
    const stepSigma = this.aheadSigma[h] ?? 0;
    this.aheadSigma[h] = this.price.currentSigma();
    this.farRef =
      this.stress === null
        ? this.price.step(this.farRef, this.sc.priceDt, this.priceRng)
        : this.stressedStep(this.farRef, this.t + (this.ahead.length - 1) * this.sc.priceDt);
    this.ahead[h] = this.farRef;
    this.aheadHead = h + 1 === this.ahead.length ? 0 : h + 1;
    this.nextPriceT += this.sc.priceDt;
    const f = this.sc.flow;
    if (f.clock === 'volatility' || f.activityProfile) {
      let a = 1;
      if (f.clock === 'volatility') {
        const base = this.sc.price.sigma;
        if (base > 0) a = (stepSigma / base) ** 2;
      }
      const prof = f.activityProfile;
      if (prof) {
        const m = prof.multipliers;
        const b = this.t <= 0 ? 0 : Math.min(m.length - 1, Math.floor(this.t / prof.bucketSeconds));
        a *= m[b] ?? 1;
      }
      if (a !== this.activity) {
        // Exponential waits are memoryless: at a change of the rate, the next event is redrawn.
        this.activity = a;
        this.nextBgT = this.t + this.drawBgWait();
      }
    }
    if (this.stress !== null) this.stressFlow(this.stress);
  }

  /**
   * One reference step under stress, from session time tGen: σ × the stress multiplier, then the
   * change of the flash-crash displacement over the step (D at the step's end, S_onset the undisplaced
   * price) added to it.
   */
  private stressedStep(r: number, tGen: number): number {
    const st = this.stress as StressSchedule;
    const dt = this.sc.priceDt;
    const f = st.factorsAt(tGen, this.priceF);
    const next = this.price.step(r, dt, this.priceRng, f[F_SIGMA] ?? 1);
    const d = st.displacement(tGen + dt, r - this.crashD);
    const out = next + (d - this.crashD);
    this.crashD = d;
    return out;
  }

  /** The flow factors at the current time: informed share, extra spread (pulling quotes), rates. */
  private stressFlow(st: StressSchedule): void {
    const f = st.factorsAt(this.t, this.flowF);
    this.toxicShare = StressSchedule.informedShare(f, this.sc.flow.toxicShare);
    const extra = f[F_SPREAD] ?? 0;
    const bidOff = Math.ceil(extra / 2);
    const askOff = Math.floor(extra / 2);
    this.spreadBid = bidOff;
    this.spreadAsk = askOff;
    const pulled = extra > 0 && this.pullInsideBand() > 0;
    const rate = f[F_RATE] ?? 1;
    if (rate !== this.rateMul || pulled) {
      // Exponential waits are memoryless: at a change of the rate (or the order count), redraw.
      this.rateMul = rate;
      this.nextBgT = this.t + this.drawBgWait();
    }
  }

  /**
   * Spread blow-out, at every reference step while it lasts: cancel the background orders closer to the
   * anchor than the widened placement allows (bids above ⌈a⌉ − 1 − bidOff, asks below ⌊a⌋ + 1 + askOff,
   * a the anchor in ticks): the liquidity providers keep away from the moving price. Returns how many.
   */
  private pullInsideBand(): number {
    const book = this.book;
    const a = (this.sc.flow.anchor === 'mid' ? this.markPrice() : this.ref) / this.sc.tickSize;
    const bidMax = Math.ceil(a) - 1 - this.spreadBid;
    const askMin = Math.floor(a) + 1 + this.spreadAsk;
    let n = 0;
    for (let j = 0; j < this.bgCount; j++) {
      const id = this.bgIds[j] ?? 0;
      if (!book.has(id)) continue;
      const p = book.orderPrice(id);
      if (book.orderSide(id) === BUY ? p > bidMax : p < askMin) {
        book.cancel(id);
        n++;
      }
    }
    return n;
  }

  private runBackgroundUntil(tEnd: number): void {
    for (;;) {
      const tNext = Math.min(this.nextPriceT, this.nextBgT);
      if (tNext >= tEnd) return;
      this.stop?.tick();
      this.t = tNext;
      if (this.nextPriceT === tNext) this.priceUpdate();
      else this.backgroundEvent();
    }
  }

  private drawBgWait(): number {
    const f = this.sc.flow;
    const live = this.book.orderCount() - this.ourLive;
    const r = this.rateMul;
    const total = (2 * f.limitRate * r + 2 * f.marketRate * r + this.cancelMax * live) * this.activity;
    return total > 0 ? this.flowRng.exponential(total) : Number.POSITIVE_INFINITY;
  }

  private backgroundEvent(): void {
    const f = this.sc.flow;
    const rng = this.flowRng;
    const book = this.book;
    const live = book.orderCount() - this.ourLive;
    const r = this.rateMul;
    const rLimit = 2 * f.limitRate * r;
    const rMarket = 2 * f.marketRate * r;
    const total = rLimit + rMarket + this.cancelMax * live;
    const u = rng.next() * total;
    this.lastMid = this.markPrice();
    if (u < rLimit) {
      this.bgLimitOrders++;
      const side: Side = u < f.limitRate * r ? BUY : SELL;
      const refTicks = (f.anchor === 'mid' ? this.lastMid : this.ref) / this.sc.tickSize;
      const d =
        this.placeCum !== null
          ? drawIndex(this.placeCum, rng.next()) + 1
          : Math.min(f.maxDepthTicks, rng.geometric(1 / f.depthMeanTicks));
      const price =
        side === BUY ? Math.ceil(refTicks) - d - this.spreadBid : Math.floor(refTicks) + d + this.spreadAsk;
      const size = Math.max(1, Math.round(rng.logNormal(f.limitSizeMu, f.limitSizeSigma)));
      const id = this.nextBgId++;
      this.bgKind = 1;
      if (book.addLimit(id, side, price, size, OWNER_BG) > 0) this.pushBg(id);
      this.bgKind = 0;
    } else if (u < rLimit + rMarket) {
      // Informed (share π): towards the reference price K steps ahead, compared with the book mid now.
      let side: Side = u - rLimit < f.marketRate * r ? BUY : SELL;
      const mid = this.lastMid; // markPrice() at this event: the book mid, or ref if one-sided
      this.bgMarketOrders++;
      if (rng.next() < this.toxicShare) {
        this.bgInformedOrders++;
        if (this.farRef > mid) side = BUY;
        else if (this.farRef < mid) side = SELL;
      }
      if (this.farRef !== mid) {
        this.bgDirectedOrders++;
        if ((side === BUY) === this.farRef > mid) this.bgAgreeOrders++;
      }
      const size = Math.max(1, Math.round(rng.logNormal(f.marketSizeMu, f.marketSizeSigma)));
      this.bgKind = 2;
      // Market-order protection (a venue's collar): a market order executes no further than
      // maxDepthTicks (the deepest placement of the flow) from the mid at its arrival, the rest is
      // dropped. Without it, a large order on a thin side walked through empty levels to any price.
      const m = mid / this.sc.tickSize;
      const limit = side === BUY ? Math.floor(m) + f.maxDepthTicks : Math.ceil(m) - f.maxDepthTicks;
      book.addIoc(this.nextBgId++, side, limit, size, OWNER_BG);
      this.bgKind = 0;
    } else {
      this.cancelBackground();
    }
    this.nextBgT = this.t + this.drawBgWait();
  }

  private pushBg(id: number): void {
    if (this.bgCount === this.bgIds.length) {
      const n = new Float64Array(this.bgIds.length * 2);
      n.set(this.bgIds);
      this.bgIds = n;
    }
    this.bgIds[this.bgCount++] = id;
  }

  /**
   * A cancel candidate: a uniformly chosen live background order (ids already filled are dropped and
   * another is chosen). With one θ it is cancelled; with θ(d) (`cancelRates`) it is cancelled with
   * probability θ(d)/θ_max (thinning), d its distance from the mid now — one more draw, only then.
   */
  private cancelBackground(): void {
    const rng = this.flowRng;
    const book = this.book;
    const theta = this.cancelByDist;
    while (this.bgCount > 0) {
      const j = rng.int(this.bgCount);
      const id = this.bgIds[j] ?? 0;
      if (!book.has(id)) {
        this.bgIds[j] = this.bgIds[--this.bgCount] ?? 0;
        continue;
      }
      if (theta !== null) {
        const m = this.lastMid / this.sc.tickSize;
        const p = book.orderPrice(id);
        const raw = book.orderSide(id) === BUY ? Math.ceil(m - p) : Math.ceil(p - m);
        const n = theta.length;
        const d = raw < 1 ? 1 : raw > n ? n : raw;
        if (!(rng.next() * this.cancelMax < (theta[d - 1] ?? 0))) return;
      }
      this.bgIds[j] = this.bgIds[--this.bgCount] ?? 0;
      book.cancel(id);
      return;
    }
  }

  /** The public book mid (our quotes included), or the reference price when a side is empty. */
  private markPrice(): number {
    const m = this.book.mid();
    return m === m ? m * this.sc.tickSize : this.ref;
  }

  /**
   * The mark of our inventory (PnL, the recorded mid): the mid of the others' best quotes — our own
   * order left out when it is alone at the best level — else the reference price when a side has no
   * one else. A mark our own quote could set would let a quoter value its inventory at a price it
   * posts itself: alone on an emptied side of a thin book, a far quote moved the public mid and with it
   * the PnL. The flow and the quoters' observations keep the public mid (markPrice).
   */
  private valueMark(): number {
    const b = this.othersBest(BUY);
    const a = this.othersBest(SELL);
    return b === b && a === a && a > b ? ((a + b) / 2) * this.sc.tickSize : this.ref;
  }

  /** Best price of a side without our own order when it is the only order at that level. */
  private othersBest(side: Side): number {
    const book = this.book;
    const best = side === BUY ? book.bestBid() : book.bestAsk();
    const id = this.ourId[side] ?? 0;
    if (best !== best || id === 0 || !book.has(id) || book.orderPrice(id) !== best) return best;
    return book.levelOrderCount(side, best) > 1 ? best : book.nextLevelPrice(side, best);
  }

  private record(): void {
    if (this.sample > this.bars) {
      this.nextSampleT = Number.POSITIVE_INFINITY;
      return;
    }
    const j = this.sample++;
    const s = this.series;
    const mid = this.valueMark();
    const tick = this.sc.tickSize;
    s.t[j] = this.t;
    s.mid[j] = mid;
    s.bid[j] = this.ourId[BUY] !== 0 ? (this.ourPrice[BUY] ?? NaN) * tick : NaN;
    s.ask[j] = this.ourId[SELL] !== 0 ? (this.ourPrice[SELL] ?? NaN) * tick : NaN;
    s.inventory[j] = this.q;
    s.cash[j] = this.cash;
    const pnl = this.cash + this.q * this.sc.lotSize * mid - this.initialValue;
    s.pnl[j] = pnl;
    assertFiniteState(mid, this.cash, this.q, pnl, this.pathIndex, this.events, this.t);
    this.nextSampleT =
      this.sample < this.bars ? this.sample * this.sc.sampleInterval : Number.POSITIVE_INFINITY;
  }

  private finish(): void {
    this.sample = this.bars;
    this.nextSampleT = 0;
    this.record();
    this.finished = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Binary heap on (time, seq)

  private push(time: number, type: number, a: number, b: number, c: number): void {
    if (this.hSize === this.hTime.length) this.growHeap();
    let i = this.hSize++;
    const seq = this.seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.hTime[p] ?? 0;
      if (pt < time || (pt === time && (this.hSeq[p] ?? 0) < seq)) break;
      this.move(p, i);
      i = p;
    }
    this.hTime[i] = time;
    this.hSeq[i] = seq;
    this.hType[i] = type;
    this.hA[i] = a;
    this.hB[i] = b;
    this.hC[i] = c;
  }

  private pop(): void {
    const n = --this.hSize;
    if (n === 0) return;
    const time = this.hTime[n] ?? 0;
    const seq = this.hSeq[n] ?? 0;
    const type = this.hType[n] ?? 0;
    const a = this.hA[n] ?? 0;
    const b = this.hB[n] ?? 0;
    const c = this.hC[n] ?? 0;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && this.less(r, l)) m = r;
      const mt = this.hTime[m] ?? 0;
      if (time < mt || (time === mt && seq < (this.hSeq[m] ?? 0))) break;
      this.move(m, i);
      i = m;
    }
    this.hTime[i] = time;
    this.hSeq[i] = seq;
    this.hType[i] = type;
    this.hA[i] = a;
    this.hB[i] = b;
    this.hC[i] = c;
  }

  private less(i: number, j: number): boolean {
    const ti = this.hTime[i] ?? 0;
    const tj = this.hTime[j] ?? 0;
    return ti < tj || (ti === tj && (this.hSeq[i] ?? 0) < (this.hSeq[j] ?? 0));
  }

  private move(from: number, to: number): void {
    this.hTime[to] = this.hTime[from] ?? 0;
    this.hSeq[to] = this.hSeq[from] ?? 0;
    this.hType[to] = this.hType[from] ?? 0;
    this.hA[to] = this.hA[from] ?? 0;
    this.hB[to] = this.hB[from] ?? 0;
    this.hC[to] = this.hC[from] ?? 0;
  }

  private growHeap(): void {
    const n = this.hTime.length * 2;
    const g = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.hTime = g(this.hTime, (k) => new Float64Array(k));
    this.hSeq = g(this.hSeq, (k) => new Float64Array(k));
    this.hType = g(this.hType, (k) => new Uint8Array(k));
    this.hA = g(this.hA, (k) => new Float64Array(k));
    this.hB = g(this.hB, (k) => new Float64Array(k));
    this.hC = g(this.hC, (k) => new Float64Array(k));
  }
}

/** The first index i with u < cum[i] (cum ascending, ending at 1). */
function drawIndex(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < (cum[mid] ?? 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function validateBookScenario(sc: BookScenario): void {
  const bad = (what: string): never => {
    throw new RangeError(`book scenario: ${what}`);
  };
  if (!(sc.horizon > 0)) bad('horizon must be > 0');
  if (!(sc.tickSize > 0)) bad('tickSize must be > 0 in book mode');
  if (!(sc.priceDt > 0)) bad('priceDt must be > 0');
  if (!(sc.decisionInterval > 0)) bad('decisionInterval must be > 0');
  if (!(sc.sampleInterval > 0)) bad('sampleInterval must be > 0');
  if (!(sc.flow.depthMeanTicks >= 1)) bad('flow.depthMeanTicks must be ≥ 1');
  if (!(sc.flow.maxDepthTicks >= 1)) bad('flow.maxDepthTicks must be ≥ 1');
  if (sc.flow.toxicShare < 0 || sc.flow.toxicShare > 1) bad('flow.toxicShare must lie in [0, 1]');
  const w = sc.flow.placementWeights;
  if (w && w.length > 0) {
    if (!w.every((x) => x >= 0 && Number.isFinite(x))) bad('flow.placementWeights must be finite and ≥ 0');
    let sum = 0;
    for (let i = 0; i < Math.min(w.length, sc.flow.maxDepthTicks); i++) sum += w[i] ?? 0;
    if (!(sum > 0)) bad('flow.placementWeights must have a positive weight within maxDepthTicks');
  }
  const th = sc.flow.cancelRates;
  if (th && !th.every((x) => x >= 0 && Number.isFinite(x))) bad('flow.cancelRates must be finite and ≥ 0');
  if (!(sc.flow.informedHorizon >= 0 && sc.flow.informedHorizon <= sc.warmup + sc.horizon))
    bad('flow.informedHorizon must lie in [0, warmup + horizon]');
  const maxDt = new PriceProcess(sc.price).maxDt();
  if (sc.priceDt > maxDt)
    bad(`priceDt ${sc.priceDt} is too long for the regime switching rates (max ${maxDt})`);
}
