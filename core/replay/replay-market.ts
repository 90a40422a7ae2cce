/**
 * Replay a recorded dataset as a market: any Quoter trades against the recorded book through the same
 * MarketSimulator loop as the simulators (observe → quote → act), with latency, fees and a queue model.
 * The recorded market does not react to us (the standard assumption of replay backtests: our orders are
 * small next to the book); what our own fills consumed is tracked so that we never trade twice with
 * the same liquidity.
 *
 * Book. A price-indexed L2 book over the tape's price range (dense Float64Arrays of level sizes, best
 * prices tracked): snapshot levels (a new snapshot clears the book) and level sets (absolute sizes) on
 * L2 sources; on L3 sources (LOBSTER) each add / cancel / execution changes its level, and after every
 * message the touch is repaired from the venue's recorded top of book when it differs (levels beyond
 * the touch may miss orders placed before the file started until they reach the touch; repairs are
 * counted in `stats.repairs`).
 *
 * Our orders. At most one resting order per side, at a tick price (bids rounded down, asks up), size in
 * lots (× `lotSize` venue units). A decision at local time D is made on the book as it was at
 * D − marketData(D); a changed quote is cancelled at D + cancel(D) and its replacement arrives at
 * max(D + entry(D), D + cancel(D)) (a replace: the old order can still fill until its cancel arrives);
 * an unchanged quote keeps its place. A quote that would cross on arrival is rejected when `postOnly`,
 * else it takes liquidity up to its price and rests with the rest. Market orders arrive at D + entry(D)
 * and walk the recorded book. Quotes that could push |inventory| beyond the limit are not sent.
 *
 * Fills of resting orders. A trade (an L2 trade print, or an L3 execution) whose price is better for us
 * than our order (a sell below our bid: the market traded through us) fills us first, up to its size;
 * a trade at our price consumes the queue ahead of us first (QueueModel.trade), and what is left fills
 * us. The volume of one trade fills our orders at most once. Queue position: L3 sources with the `fifo`
 * model are exact — orders added at our level after we joined are behind us (their ids are tracked),
 * cancels of any other order were ahead; L2 sources (and L3 sources with an L2 model: the "L2 view" used
 * by the L2-vs-L3 study) use the model's rules for level decreases, after subtracting the traded volume
 * already applied (a depth update that follows a trade print must not advance us twice).
 *
 * Liquidity we took. Our market orders (and crossing limit orders) take from the recorded levels; the
 * taken amount is remembered per level and not available again until the recorded level has shrunk by
 * as much (we assume what we took is what the next recorded decreases remove).
 *
 * Time: tape seconds (since the dataset's first event); the session runs from `from` to `to`; events
 * before `from` only build the book. Observations carry session time (t − from) and horizon (to − from).
 * Determinism: no randomness except a sampled latency model, seeded by (seed, pathIndex).
 *
 * Stresses (`stress`, core/stress): a replay accepts latency shocks (each latency draw adjusted by the
 * shock active at its send time) and fee changes (each fill's fee by the change active at the fill);
 * stress times are session time (tape seconds − session start). The recorded market itself is never
 * changed. Without stresses the latency and fee models are the plain ones.
 *
 * Paper trading (core/venues/paper-venue.ts) runs this same matching on a recorded or a live feed:
 * `hooks` report our orders' arrivals, rejections, cancels and fills as they happen (a null check per
 * call when unset), and an `openEnded` market plays a tape that grows while it runs (a live feed):
 * the session has no end until `endOpenTape()`, events are read up to the tape's current count
 * (`growTape()`), no horizon is reported (Infinity) and only the starting sample is recorded.
 */
import { BUY, SELL } from '../domain/side';
import { FillLog } from '../domain/fill-log';
import { Rng, deriveSeed } from '../rng/rng';
import { EVENT_KIND } from '../data/catalog';
import type { MarketObservation, QuoteDecision, DepthView } from '../strategy/quoter';
import { assertFiniteState, type StopPoller } from '../sim/guards';
import { feeModel, type FeeModel, type FeeSpec } from '../sim/models/fee';
import { sampledLatencyModel, type LatencyModel, type LatencySpec } from '../sim/models/latency';
import { makeQueueModel, type QueueModel, type QueueModelSpec } from '../sim/models/queue';
import { allocSeries, reuseOrAllocSeries, type PathResult, type PathSeries } from '../sim/path-result';
import type { MarketSimulator } from '../sim/simulator';
import { StressSchedule, stressedFee, stressedLatency } from '../stress/schedule';
import { stressIssues, type StressSpec } from '../stress/stress';
import { RecordedLatency } from './recorded-latency';
import { isBookKind, type ReplayTape } from './tape';

export type ReplayLatencySpec =
  | { model: 'sampled'; entry: LatencySpec; cancel: LatencySpec; marketData: LatencySpec }
  | { model: 'recorded'; floor: number; orderMultiplier: number };

export interface ReplayScenario {
  mode: 'replay';
  /** Session window in seconds from the dataset's first event; `to` Infinity = the end of the data. */
  from: number;
  to: number;
  decisionInterval: number;
  sampleInterval: number;
  depthLevels: number;
  /** Venue units (shares, coins) per lot. */
  lotSize: number;
  postOnly: boolean;
  fees: FeeSpec;
  latency: ReplayLatencySpec;
  queue: QueueModelSpec;
  inventoryLimitLots: number;
  initialInventoryLots: number;
  /** Latency shocks and fee changes laid over the session (core/stress); other kinds are refused. */
  stress?: StressSpec[] | undefined;
}

/** Counters of one replayed path (tests, reports). */
export interface ReplayStats {
  events: number;
  repairs: number;
  rejected: number;
  /** Volume (venue units) our resting orders got from trades through our price / at our price. */
  throughFills: number;
  queueFills: number;
  takerLots: number;
  /** Book events at prices outside the replay's price grid (ignored). */
  outsideGrid: number;
}

/** What happened to our order on one side (ReplayHooks.order). */
export const OUR_ORDER = {
  /** The placed order reached the matching engine (a replaced order was cancelled just before). */
  arrive: 0,
  /** Post-only and it would have crossed: refused. */
  reject: 1,
  /** It rests in the book (after any part it took on arrival). */
  rest: 2,
  /** It was filled completely on arrival (taking liquidity). */
  done: 3,
  /** Our cancel reached the engine, or a replace removed it, or the session ended. */
  cancel: 4,
  /** The resting order was filled completely. */
  filled: 5,
  /** Our market order reached the engine; its fills follow at once (what the book lacks is dropped). */
  market: 6,
} as const;

/**
 * Observers of our orders inside the matching (paper trading). `fill` passes the index of the new
 * entry of ownFills(); sides are BUY/SELL.
 */
export interface ReplayHooks {
  order(side: number, what: number): void;
  fill(side: number, fillIndex: number, maker: boolean): void;
}

const NONE = -1;
const STREAM_LATENCY = 21;
/** Book prices further than this share from the median book price are outside the grid. */
const GRID_WINDOW = 0.5;

/** Median price of the book events (snapshot levels, level sets, L3 orders) of a tape. */
function medianBookPrice(tape: ReplayTape): number {
  const xs = new Float64Array(tape.count);
  let n = 0;
  for (let k = 0; k < tape.count; k++) {
    const p = tape.price[k]!;
    if (p > 0 && isBookKind(tape.kind[k]!)) xs[n++] = p;
  }
  if (n === 0) return Number.NaN;
  const sorted = xs.subarray(0, n).sort();
  return sorted[n >> 1]!;
}

/** Largest price grid the dense book accepts (ticks). */
export const MAX_REPLAY_TICKS = 20_000_000;

interface OurOrder {
  live: boolean;
  idx: number;
  /** Remaining size, venue units. */
  rem: number;
  ahead: number;
  /** Traded volume at our level not yet matched by a depth decrease (L2 double-count guard). */
  cumTrade: number;
}

export class ReplayMarket implements MarketSimulator {
  readonly stats: ReplayStats = {
    events: 0,
    repairs: 0,
    rejected: 0,
    throughFills: 0,
    queueFills: 0,
    takerLots: 0,
    outsideGrid: 0,
  };
  readonly tick: number;
  readonly queue: QueueModel;
  private fee: FeeModel;
  private latency: LatencyModel;
  private readonly latRng = new Rng(0);
  private readonly exact: boolean;
  private readonly lo: number;
  private readonly size: number;
  private readonly bidQ: Float64Array;
  private readonly askQ: Float64Array;
  private readonly bidTaken: Float64Array;
  private readonly askTaken: Float64Array;
  private bestBid = NONE;
  private bestAsk = NONE;
  private readonly sessionStart: number;
  private sessionEnd: number;
  private startIdx: number;
  private endIdx: number;
  private readonly bars: number;
  private hooks: ReplayHooks | null = null;
  private readonly openEnded: boolean;
  private readonly depth: DepthView;

  // Path state.
  private i = 0;
  private now = 0;
  private lastSnapSeq = Number.NaN;
  private readonly ours: [OurOrder, OurOrder] = [
    { live: false, idx: 0, rem: 0, ahead: 0, cumTrade: 0 },
    { live: false, idx: 0, rem: 0, ahead: 0, cumTrade: 0 },
  ];
  /** Ids of orders added at our level after we joined (exact FIFO only), per side. */
  private readonly behind: [Set<number>, Set<number>] = [new Set(), new Set()];
  // Pending actions: cancel and place per side, and one market order.
  private readonly cancelAt = new Float64Array(2);
  private readonly placeAt = new Float64Array(2);
  private readonly placeIdx = new Float64Array(2);
  private readonly placeLots = new Float64Array(2);
  private marketAt = Number.POSITIVE_INFINITY;
  private marketLots = 0;
  private decisionT = 0;
  private nextDecision = 0;
  private inventory = 0;
  private cash = 0;
  private value0 = 0;
  private lastMid = Number.NaN;
  private sample = 0;
  private nextSampleT = 0;
  private finished = false;
  private series: PathSeries;
  private fills = new FillLog(256);
  private quotesPosted = 0;
  private seed = 0;
  private pathIndex = 0;
  private stop: StopPoller | null = null;
  private spare: PathResult | null = null;

  constructor(
    readonly tape: ReplayTape,
    readonly sc: ReplayScenario,
    opts: { openEnded?: boolean } = {},
  ) {
    this.openEnded = opts.openEnded === true;
    validateReplayScenario(sc, tape);
    this.tick = tape.tick;
    this.queue = makeQueueModel(sc.queue);
    if (this.queue.exact && !tape.l3)
      throw new RangeError(
        `queue model "fifo" needs L3 data (order ids); dataset ${tape.id} (${tape.format}) is L2: use risk-averse, prob-power or prob-log`,
      );
    this.exact = this.queue.exact && tape.l3;
    this.fee = feeModel(sc.fees);
    this.latency =
      sc.latency.model === 'recorded'
        ? new RecordedLatency(tape, { floor: sc.latency.floor, orderMultiplier: sc.latency.orderMultiplier })
        : sampledLatencyModel(sc.latency, this.latRng);
    // Price grid: the range the market actually trades in — every trade price and every book price
    // within ±GRID_WINDOW of the median book price — plus a margin. Far-away resting orders (a bid at
    // 1% of the price, an ask at 10×, common on crypto venues) would otherwise make the dense arrays
    // hundreds of MB; levels outside the grid are ignored (`stats.outsideGrid`): they are never the
    // touch while the market is inside, and the depth view shows levels near the touch.
    const med = medianBookPrice(tape);
    if (!(med > 0)) throw new RangeError(`dataset ${tape.id} has no prices to replay`);
    let min = med * (1 - GRID_WINDOW);
    let max = med * (1 + GRID_WINDOW);
    for (let k = 0; k < tape.count; k++) {
      if (tape.kind[k] !== EVENT_KIND.trade) continue;
      const p = tape.price[k]!;
      if (p > 0 && p < min) min = p;
      if (p > max) max = p;
    }
    const margin = 1000;
    this.lo = Math.max(0, Math.floor(min / this.tick) - margin);
    this.size = Math.ceil(max / this.tick) - this.lo + margin + 1;
    if (this.size > MAX_REPLAY_TICKS)
      throw new RangeError(
        `dataset ${tape.id}: prices span ${this.size} ticks of ${this.tick}, more than ${MAX_REPLAY_TICKS}: check the tick size (scenario.tickSize)`,
      );
    this.bidQ = new Float64Array(this.size);
    this.askQ = new Float64Array(this.size);
    this.bidTaken = new Float64Array(this.size);
    this.askTaken = new Float64Array(this.size);
    // Session.
    const first = tape.count > 0 ? tape.t[0]! : 0;
    const last = tape.count > 0 ? tape.t[tape.count - 1]! : 0;
    // The session starts at `from`, or later at the first event after which the book is two-sided
    // (a capture may begin with trades before its first depth snapshot).
    this.startIdx = lowerBound(tape.t, first + sc.from, tape.count);
    this.i = 0;
    while (this.i < this.startIdx) this.applyEvent(this.i++);
    while (this.i < tape.count && (this.bestBid === NONE || this.bestAsk === NONE)) this.applyEvent(this.i++);
    this.startIdx = this.i;
    this.sessionStart = Math.max(first + sc.from, this.i > 0 ? tape.t[this.i - 1]! : first);
    this.sessionEnd = Math.min(last, Number.isFinite(sc.to) ? first + sc.to : last);
    if (this.bestBid === NONE || this.bestAsk === NONE)
      throw new RangeError(`dataset ${tape.id}: the book is never two-sided after scenario.from`);
    if (this.openEnded) this.sessionEnd = Number.POSITIVE_INFINITY;
    if (!(this.sessionEnd > this.sessionStart))
      throw new RangeError(
        `scenario.from/to select no time of dataset ${tape.id} (it spans ${(last - first).toFixed(3)} s)`,
      );
    this.endIdx = this.openEnded ? tape.count : upperBound(tape.t, this.sessionEnd, tape.count);
    this.bars = this.openEnded
      ? 1
      : Math.max(1, Math.ceil((this.sessionEnd - this.sessionStart) / sc.sampleInterval));
    const stress = StressSchedule.of(sc.stress);
    if (stress) {
      this.latency = stressedLatency(this.latency, stress, this.sessionStart);
      this.fee = stressedFee(this.fee, stress, this.sessionStart);
    }
    this.series = allocSeries(0);
    const L = sc.depthLevels;
    this.depth = {
      levels: L,
      bidPrices: new Float64Array(L),
      bidSizes: new Float64Array(L),
      askPrices: new Float64Array(L),
      askSizes: new Float64Array(L),
    };
  }

  /** Session length (s). */
  get horizon(): number {
    return this.sessionEnd - this.sessionStart;
  }

  /** Observe our orders and fills as the matching handles them (paper trading); null: none. */
  setHooks(hooks: ReplayHooks | null): void {
    this.hooks = hooks;
  }

  /** An open-ended market: the tape grew (its count and arrays); read its new events too. */
  growTape(): void {
    if (this.openEnded && this.sessionEnd === Number.POSITIVE_INFINITY) this.endIdx = this.tape.count;
  }

  /** An open-ended market: the feed ended; the session ends at its last event (or now). */
  endOpenTape(): void {
    if (!this.openEnded) return;
    this.endIdx = this.tape.count;
    const last = this.tape.count > 0 ? this.tape.t[this.tape.count - 1]! : this.now;
    this.sessionEnd = last > this.now ? last : this.now;
  }

  setStopPoller(stop: StopPoller | null): void {
    this.stop = stop;
  }

  pathProgress(): number {
    const n = this.endIdx - this.startIdx;
    return n > 0 ? Math.min(1, Math.max(0, (this.i - this.startIdx) / n)) : 1;
  }

  recycle(path: PathResult): void {
    this.spare = path;
  }

  ownFills(): FillLog {
    return this.fills;
  }

  reset(seed: number, pathIndex: number): void {
    this.seed = seed;
    this.pathIndex = pathIndex;
    this.latRng.reseed(deriveSeed(seed, pathIndex, STREAM_LATENCY));
    this.bidQ.fill(0);
    this.askQ.fill(0);
    this.bidTaken.fill(0);
    this.askTaken.fill(0);
    this.bestBid = NONE;
    this.bestAsk = NONE;
    this.lastSnapSeq = Number.NaN;
    for (const o of this.ours) {
      o.live = false;
      o.rem = 0;
      o.ahead = 0;
      o.cumTrade = 0;
    }
    this.behind[0].clear();
    this.behind[1].clear();
    this.cancelAt.fill(Number.POSITIVE_INFINITY);
    this.placeAt.fill(Number.POSITIVE_INFINITY);
    this.marketAt = Number.POSITIVE_INFINITY;
    this.marketLots = 0;
    const s = this.stats;
    s.events = s.repairs = s.rejected = s.throughFills = s.queueFills = s.takerLots = s.outsideGrid = 0;
    const spare = this.spare;
    this.spare = null;
    this.series = reuseOrAllocSeries(this.bars, spare?.series);
    if (spare) {
      this.fills = spare.fills;
      this.fills.clear();
    } else this.fills = new FillLog(256);
    this.quotesPosted = 0;
    this.inventory = this.sc.initialInventoryLots;
    this.cash = 0;
    this.finished = false;
    // Build the book from everything before the session.
    this.i = 0;
    while (this.i < this.startIdx) this.applyEvent(this.i++);
    this.now = this.sessionStart;
    this.lastMid = this.midNow();
    if (!(this.lastMid === this.lastMid))
      throw new RangeError(`dataset ${this.tape.id}: no two-sided book at the session start (scenario.from)`);
    this.value0 = this.inventory * this.sc.lotSize * this.lastMid;
    this.sample = 0;
    this.recordSample(this.sessionStart);
    this.nextSampleT = this.sessionStart + this.sc.sampleInterval;
    this.nextDecision = this.sessionStart;
  }

  observe(obs: MarketObservation): boolean {
    if (this.finished) return false;
    const D = this.nextDecision;
    if (D >= this.sessionEnd) {
      this.finish();
      return false;
    }
    const seen = D - this.latency.marketData(D);
    this.runUntil(seen > this.now ? seen : this.now);
    this.decide(D, obs);
    return true;
  }

  /** Make decision D the current one and describe the market as we see it then (observe, advanceEvent). */
  private decide(D: number, obs: MarketObservation): void {
    this.decisionT = D;
    this.nextDecision = D + this.sc.decisionInterval;
    const mid = this.midNow();
    if (mid === mid) this.lastMid = mid;
    obs.t = D - this.sessionStart;
    obs.horizon = this.sessionEnd - this.sessionStart;
    obs.mid = this.lastMid;
    obs.bestBid = this.bestBid === NONE ? Number.NaN : (this.bestBid + this.lo) * this.tick;
    obs.bestAsk = this.bestAsk === NONE ? Number.NaN : (this.bestAsk + this.lo) * this.tick;
    obs.tickSize = this.tick;
    obs.inventory = this.inventory;
    obs.cash = this.cash;
    this.fillDepth();
    obs.depth = this.depth;
    obs.fills = this.fills;
  }

  act(dec: QuoteDecision): void {
    const D = this.decisionT;
    const limit = this.sc.inventoryLimitLots;
    const q = this.inventory;
    const wantBid = dec.bidSize > 0 && dec.bidPrice === dec.bidPrice && q + dec.bidSize <= limit;
    const wantAsk = dec.askSize > 0 && dec.askPrice === dec.askPrice && q - dec.askSize >= -limit;
    const bidIdx = wantBid ? Math.floor(dec.bidPrice / this.tick + 1e-9) - this.lo : NONE;
    const askIdx = wantAsk ? Math.ceil(dec.askPrice / this.tick - 1e-9) - this.lo : NONE;
    this.route(BUY, bidIdx, wantBid ? dec.bidSize : 0, D);
    this.route(SELL, askIdx, wantAsk ? dec.askSize : 0, D);
    let m = dec.marketOrderLots;
    if (m > 0 && q + m > limit) m = Math.max(0, limit - q);
    if (m < 0 && q + m < -limit) m = Math.min(0, -limit - q);
    if (m !== 0) {
      this.marketAt = D + this.latency.entry(D);
      this.marketLots = m;
    }
  }

  result(): PathResult {
    return {
      pathIndex: this.pathIndex,
      seed: this.seed,
      series: this.series,
      fills: this.fills,
      quotesPosted: this.quotesPosted,
      lotSize: this.sc.lotSize,
    };
  }

  // ——— inspection (tests, the order-book view on real data) ———

  /** Rewind to the first event with an empty book and nothing of ours (no session: see reset). */
  rewindBook(): void {
    this.clearBook();
    this.lastSnapSeq = Number.NaN;
    for (const o of this.ours) o.live = false;
    this.i = 0;
  }

  /** Apply the next recorded event to the book (no quoting); false at the end of the tape. */
  stepEvent(): boolean {
    if (this.i >= this.tape.count) return false;
    this.applyEvent(this.i++);
    return true;
  }

  /** Index of the next event stepEvent() would apply. */
  get eventIndex(): number {
    return this.i;
  }

  /** The touch now: [bid price, bid size, ask price, ask size] (NaN price and 0 size for an empty side). */
  touch(out: Float64Array): Float64Array {
    out[0] = this.bestBid === NONE ? Number.NaN : (this.bestBid + this.lo) * this.tick;
    out[1] = this.bestBid === NONE ? 0 : this.bidQ[this.bestBid]!;
    out[2] = this.bestAsk === NONE ? Number.NaN : (this.bestAsk + this.lo) * this.tick;
    out[3] = this.bestAsk === NONE ? 0 : this.askQ[this.bestAsk]!;
    return out;
  }

  // ——— live stepping: the order-book view on real data (core/services/session-market.ts) ———
  // Added for the live session; nothing above calls it. advanceEvent() runs the same path as the
  // observe()/act() loop of runPath (the same items in the same order, the market-data latency drawn
  // once per decision) but returns after every recorded event, so a paced replay can stop anywhere.
  // restart() is reset() for a session driven by advanceEvent().

  /** Tape time at which the pending decision sees the book (drawn once per decision); NaN: not drawn. */
  private seenAt = Number.NaN;

  /** Tape time (s) of the session start: observation time 0. */
  get sessionStartTime(): number {
    return this.sessionStart;
  }

  /** Seconds since the session start (the time observations carry). */
  get sessionTime(): number {
    return this.now - this.sessionStart;
  }

  /** Whether the path has ended. */
  get ended(): boolean {
    return this.finished;
  }

  /** Start the path again (seed, path 0), rebuilding the book: the start of a seek. */
  restart(seed: number): void {
    this.seenAt = Number.NaN;
    this.reset(seed, 0);
  }

  /**
   * Advance to the next recorded event and apply it ('event'); or to the next decision point, filling
   * `obs` as observe() does ('decision': answer it with act()); or stop before anything later than
   * `tLimit` session seconds ('limit'); or end the path ('end'). Samples and the arrival of our own
   * messages at the venue are processed on the way, not returned.
   */
  advanceEvent(
    obs: MarketObservation,
    tLimit = Number.POSITIVE_INFINITY,
  ): 'event' | 'decision' | 'limit' | 'end' {
    if (this.finished) return 'end';
    const limit = this.sessionStart + tLimit;
    const tt = this.tape.t;
    for (;;) {
      const D = this.nextDecision;
      const more = D < this.sessionEnd;
      if (more && this.seenAt !== this.seenAt) {
        const seen = D - this.latency.marketData(D);
        this.seenAt = seen > this.now ? seen : this.now;
      }
      const stopAt = more ? this.seenAt : this.sessionEnd;
      const te = this.i < this.endIdx ? tt[this.i]! : Number.POSITIVE_INFINITY;
      const ta = this.nextActionTime();
      const ts = this.sample < this.bars ? this.nextSampleT : Number.POSITIVE_INFINITY;
      const next = Math.min(te, ta, ts);
      if (next <= stopAt) {
        // Ties in runUntil's order: a sample, then our messages, then the recorded event.
        if (next > limit) return 'limit';
        this.now = next;
        if (ts === next) {
          this.recordSample(ts);
          this.nextSampleT = this.sessionStart + this.sample * this.sc.sampleInterval;
        } else if (ta === next) this.runAction(ta);
        else {
          this.applyEvent(this.i++);
          this.stop?.tick();
          return 'event';
        }
        continue;
      }
      if (stopAt > limit) return 'limit';
      if (!more) {
        this.finish();
        return 'end';
      }
      this.now = stopAt;
      this.seenAt = Number.NaN;
      this.decide(D, obs);
      return 'decision';
    }
  }

  /**
   * The top `levels` levels per side, best first: decimal prices and sizes in lots (NaN price, size 0
   * past the last level). Each array of `out` needs length ≥ levels. `perSize`: venue units per
   * reported size (default one lot; 1 reports venue units, as the paper venue does).
   */
  ladder(
    levels: number,
    out: { bidPrices: Float64Array; bidSizes: Float64Array; askPrices: Float64Array; askSizes: Float64Array },
    perSize: number = this.sc.lotSize,
  ): void {
    for (const side of [BUY, SELL]) {
      const bid = side === BUY;
      const prices = bid ? out.bidPrices : out.askPrices;
      const sizes = bid ? out.bidSizes : out.askSizes;
      const q = bid ? this.bidQ : this.askQ;
      let k = bid ? this.bestBid : this.bestAsk;
      for (let l = 0; l < levels; l++) {
        prices[l] = k === NONE ? Number.NaN : (k + this.lo) * this.tick;
        sizes[l] = k === NONE ? 0 : q[k]! / perSize;
        if (k !== NONE) k = bid ? this.nextBidBounded(k) : this.nextAskBounded(k);
      }
    }
  }

  /**
   * Our live orders into `out` (cleared first): side, decimal price, remaining size in lots and the
   * queue ahead of it at its level in lots (the queue model's estimate; exact under FIFO on L3 data).
   */
  ourOrders(
    out: { side: typeof BUY | typeof SELL; price: number; size: number; queueAhead: number }[],
  ): void {
    out.length = 0;
    for (const side of [BUY, SELL] as const) {
      const o = this.ours[side];
      if (!o.live) continue;
      const lot = this.sc.lotSize;
      out.push({ side, price: (o.idx + this.lo) * this.tick, size: o.rem / lot, queueAhead: o.ahead / lot });
    }
  }

  /** Inventory (lots), cash and mark-to-market PnL (at the last two-sided mid) right now. */
  account(): { inventory: number; cash: number; pnl: number } {
    const mid = this.midNow();
    const mark = mid === mid ? mid : this.lastMid;
    return {
      inventory: this.inventory,
      cash: this.cash,
      pnl: this.cash + this.inventory * this.sc.lotSize * mark - this.value0,
    };
  }

  // ——— decisions → pending actions ———

  private route(side: number, idx: number, lots: number, D: number): void {
    const o = this.ours[side]!;
    const pendingPlace = this.placeAt[side]! < Number.POSITIVE_INFINITY;
    // What the venue will hold once pending messages arrive.
    const targetIdx = pendingPlace ? this.placeIdx[side]! : o.live ? o.idx : NONE;
    const targetLots = pendingPlace ? this.placeLots[side]! : o.live ? o.rem / this.sc.lotSize : 0;
    const want = idx !== NONE && lots > 0;
    if (want && targetIdx === idx && Math.abs(targetLots - lots) < 1e-9) return; // keep the place
    if (!want && targetIdx === NONE) return;
    const tc = D + this.latency.cancel(D);
    if (o.live) this.cancelAt[side] = tc;
    if (want) {
      const te = D + this.latency.entry(D);
      this.placeAt[side] = te > tc || !o.live ? te : tc;
      this.placeIdx[side] = idx;
      this.placeLots[side] = lots;
      this.quotesPosted++;
    } else this.placeAt[side] = Number.POSITIVE_INFINITY;
  }

  // ——— the event loop ———

  /** Process events, pending actions and samples up to time T (inclusive), in time order. */
  private runUntil(T: number): void {
    const t = this.tape.t;
    for (;;) {
      const te = this.i < this.endIdx ? t[this.i]! : Number.POSITIVE_INFINITY;
      const ta = this.nextActionTime();
      const ts = this.nextSampleT;
      if (ts <= te && ts <= ta && ts <= T && this.sample < this.bars) {
        this.now = ts;
        this.recordSample(ts);
        this.nextSampleT = this.sessionStart + this.sample * this.sc.sampleInterval;
        continue;
      }
      if (ta <= te && ta <= T) {
        this.now = ta;
        this.runAction(ta);
        continue;
      }
      if (te <= T) {
        this.now = te;
        this.applyEvent(this.i++);
        this.stop?.tick();
        continue;
      }
      this.now = T;
      return;
    }
  }

  private nextActionTime(): number {
    let m = this.marketAt;
    for (let s = 0; s < 2; s++) {
      if (this.cancelAt[s]! < m) m = this.cancelAt[s]!;
      if (this.placeAt[s]! < m) m = this.placeAt[s]!;
    }
    return m;
  }

  private runAction(ta: number): void {
    for (let s = 0; s < 2; s++) {
      if (this.cancelAt[s] === ta) {
        this.cancelAt[s] = Number.POSITIVE_INFINITY;
        this.cancelOurs(s);
        return;
      }
    }
    for (let s = 0; s < 2; s++) {
      if (this.placeAt[s] === ta) {
        this.placeAt[s] = Number.POSITIVE_INFINITY;
        this.placeOurs(s, this.placeIdx[s]!, this.placeLots[s]!);
        return;
      }
    }
    if (this.marketAt === ta) {
      this.marketAt = Number.POSITIVE_INFINITY;
      const lots = this.marketLots;
      this.marketLots = 0;
      this.hooks?.order(lots > 0 ? BUY : SELL, OUR_ORDER.market);
      if (lots > 0) this.take(BUY, Number.POSITIVE_INFINITY, lots * this.sc.lotSize);
      else this.take(SELL, Number.NEGATIVE_INFINITY, -lots * this.sc.lotSize);
    }
  }

  private cancelOurs(side: number): void {
    const o = this.ours[side]!;
    if (o.live) this.hooks?.order(side, OUR_ORDER.cancel);
    o.live = false;
    o.rem = 0;
    this.behind[side]!.clear();
  }

  private placeOurs(side: number, idx: number, lots: number): void {
    const o = this.ours[side]!;
    if (o.live) this.cancelOurs(side); // a replace whose cancel was not separate
    this.hooks?.order(side, OUR_ORDER.arrive);
    let units = lots * this.sc.lotSize;
    const crosses =
      side === BUY
        ? this.bestAsk !== NONE && idx >= this.bestAsk
        : this.bestBid !== NONE && idx <= this.bestBid;
    if (crosses) {
      if (this.sc.postOnly) {
        this.stats.rejected++;
        this.hooks?.order(side, OUR_ORDER.reject);
        return;
      }
      units -= this.take(side, idx, units);
      if (units <= 1e-12) {
        this.hooks?.order(side, OUR_ORDER.done);
        return;
      }
    }
    if (idx < 0 || idx >= this.size) {
      // Far outside the recorded prices: it rests with nothing around it.
      o.ahead = 0;
    } else o.ahead = this.queue.join(side === BUY ? this.bidQ[idx]! : this.askQ[idx]!);
    o.live = true;
    o.idx = idx;
    o.rem = units;
    o.cumTrade = 0;
    this.behind[side]!.clear();
    this.hooks?.order(side, OUR_ORDER.rest);
  }

  /**
   * Take liquidity on the other side up to `limitIdx` (inclusive) for `units`; returns the units done.
   * Fills at each recorded level's price as a taker; remembers what was taken.
   */
  private take(side: number, limitIdx: number, units: number): number {
    let left = units;
    if (side === BUY) {
      let k = this.bestAsk;
      while (left > 1e-12 && k !== NONE && k < this.size && k <= limitIdx) {
        const avail = this.askQ[k]! - this.askTaken[k]!;
        if (avail > 1e-12) {
          const q = avail < left ? avail : left;
          this.askTaken[k]! += q;
          this.fill(BUY, (k + this.lo) * this.tick, q, false);
          left -= q;
        }
        k = this.nextAsk(k);
      }
    } else {
      let k = this.bestBid;
      while (left > 1e-12 && k !== NONE && k >= 0 && k >= limitIdx) {
        const avail = this.bidQ[k]! - this.bidTaken[k]!;
        if (avail > 1e-12) {
          const q = avail < left ? avail : left;
          this.bidTaken[k]! += q;
          this.fill(SELL, (k + this.lo) * this.tick, q, false);
          left -= q;
        }
        k = this.nextBid(k);
      }
    }
    this.stats.takerLots += (units - left) / this.sc.lotSize;
    return units - left;
  }

  private fill(side: number, price: number, units: number, maker: boolean): void {
    this.fillUnits(side, price, units, maker);
    this.hooks?.fill(side, this.fills.count - 1, maker);
  }

  private fillUnits(side: number, price: number, units: number, maker: boolean): void {
    const lots = units / this.sc.lotSize;
    const notional = price * units;
    const fee = maker ? this.fee.maker(notional, lots, this.now) : this.fee.taker(notional, lots, this.now);
    const sign = side === BUY ? 1 : -1;
    this.inventory += sign * lots;
    this.cash -= sign * notional + fee;
    const mid = this.midNow();
    this.fills.push(
      this.now - this.sessionStart,
      side === BUY ? BUY : SELL,
      price,
      lots,
      fee,
      mid === mid ? mid : this.lastMid,
    );
  }

  // ——— recorded events ———

  private applyEvent(i: number): void {
    const tp = this.tape;
    const k = tp.kind[i]!;
    this.stats.events++;
    const price = tp.price[i]!;
    const sz = tp.size[i]!;
    const side = tp.side[i]! === 1 ? BUY : SELL;
    switch (k) {
      case EVENT_KIND.snapshotLevel: {
        const seq = tp.seq[i]!;
        if (seq !== this.lastSnapSeq) {
          this.clearBook();
          this.lastSnapSeq = seq;
        }
        this.setLevel(side, this.idxOf(price), sz);
        return;
      }
      case EVENT_KIND.levelSet:
        this.lastSnapSeq = Number.NaN;
        this.setLevel(side, this.idxOf(price), sz);
        return;
      case EVENT_KIND.trade:
        // side = the aggressor: a buyer-initiated trade hits asks.
        this.onTrade(side === BUY ? SELL : BUY, this.idxOf(price), sz);
        return;
      case EVENT_KIND.add: {
        const idx = this.idxOf(price);
        const q = this.levelQty(side, idx);
        this.setLevelRaw(side, idx, q + sz);
        const o = this.ours[side]!;
        if (o.live && o.idx === idx && this.exact) this.behind[side]!.add(tp.orderId[i]!);
        break;
      }
      case EVENT_KIND.partialCancel:
      case EVENT_KIND.delete: {
        const idx = this.idxOf(price);
        const prev = this.levelQty(side, idx);
        const next = prev - sz > 0 ? prev - sz : 0;
        this.setLevelRaw(side, idx, next);
        const o = this.ours[side]!;
        if (o.live && o.idx === idx) {
          if (this.exact) {
            const id = tp.orderId[i]!;
            const b = this.behind[side]!;
            if (b.has(id)) {
              if (k === EVENT_KIND.delete) b.delete(id);
            } else o.ahead = Math.max(0, o.ahead - sz);
            if (o.ahead > next) o.ahead = next;
          } else o.ahead = this.queue.decrease(o.ahead, prev, next);
        }
        break;
      }
      case EVENT_KIND.execute:
      case EVENT_KIND.hiddenExecute: {
        const idx = this.idxOf(price);
        if (k === EVENT_KIND.execute) {
          const prev = this.levelQty(side, idx);
          this.setLevelRaw(side, idx, prev - sz > 0 ? prev - sz : 0);
        }
        const o = this.ours[side]!;
        if (this.exact && o.live && o.idx === idx && this.behind[side]!.has(tp.orderId[i]!)) o.ahead = 0;
        // The resting order's side is `side`: the aggressor is on the other side.
        this.onTrade(side, idx, sz, true);
        break;
      }
      default:
        return; // cross trades, halts: no book change
    }
    if (tp.top !== null) this.repairTouch(i);
  }

  /**
   * A trade of `qty` at level idx against resting orders of side `restSide`. `levelAlreadyDone`: the
   * level size change is part of the event (L3 executions), so no double-count guard is needed.
   */
  private onTrade(restSide: number, idx: number, qty: number, levelAlreadyDone = false): void {
    const o = this.ours[restSide]!;
    if (!o.live) return;
    const through = restSide === BUY ? idx < o.idx : idx > o.idx;
    if (through) {
      const q = qty < o.rem ? qty : o.rem;
      this.stats.throughFills += q;
      this.restingFill(restSide, o, q);
      return;
    }
    if (idx !== o.idx) return;
    o.ahead = this.queue.trade(o.ahead, qty);
    if (!levelAlreadyDone) o.cumTrade += qty;
    if (o.ahead < 0) {
      const reach = -o.ahead;
      o.ahead = 0;
      const q = reach < o.rem ? reach : o.rem;
      this.stats.queueFills += q;
      this.restingFill(restSide, o, q);
    }
  }

  private restingFill(side: number, o: OurOrder, units: number): void {
    if (units <= 0) return;
    this.fill(side, (o.idx + this.lo) * this.tick, units, true);
    o.rem -= units;
    if (o.rem <= 1e-12) {
      o.live = false;
      o.rem = 0;
      this.behind[side]!.clear();
      this.hooks?.order(side, OUR_ORDER.filled);
    }
  }

  /** An absolute level size from an L2 source: queue bookkeeping for our order there. */
  private setLevel(side: number, idx: number, next: number): void {
    const prev = this.levelQty(side, idx);
    this.setLevelRaw(side, idx, next);
    const o = this.ours[side]!;
    if (!o.live || o.idx !== idx) return;
    if (next < prev) {
      const chg = prev - next;
      const net = chg - o.cumTrade;
      o.cumTrade = o.cumTrade > chg ? o.cumTrade - chg : 0;
      o.ahead = net > 0 ? this.queue.decrease(o.ahead, next + net, next) : Math.min(o.ahead, next);
    } else if (o.ahead > next) o.ahead = next;
  }

  private repairTouch(i: number): void {
    const top = this.tape.top!;
    this.repairSide(BUY, top.bid[i]!, top.bidSize[i]!);
    this.repairSide(SELL, top.ask[i]!, top.askSize[i]!);
  }

  private repairSide(side: number, price: number, size: number): void {
    if (!(price === price)) {
      if ((side === BUY ? this.bestBid : this.bestAsk) !== NONE) {
        this.stats.repairs++;
        const q = side === BUY ? this.bidQ : this.askQ;
        q.fill(0);
        if (side === BUY) this.bestBid = NONE;
        else this.bestAsk = NONE;
      }
      return;
    }
    const r = this.idxOf(price);
    // Levels better than the recorded best do not exist.
    if (side === BUY) {
      while (this.bestBid !== NONE && this.bestBid > r) {
        this.stats.repairs++;
        this.setLevelRaw(BUY, this.bestBid, 0);
      }
    } else {
      while (this.bestAsk !== NONE && this.bestAsk < r) {
        this.stats.repairs++;
        this.setLevelRaw(SELL, this.bestAsk, 0);
      }
    }
    const have = this.levelQty(side, r);
    if (have !== size) {
      this.stats.repairs++;
      this.setLevelRaw(side, r, size);
      const o = this.ours[side]!;
      if (o.live && o.idx === r) {
        // Orders we never saw (placed before the file began) were there before us: ahead.
        if (size > have) o.ahead += size - have;
        if (o.ahead > size) o.ahead = size;
      }
    }
  }

  // ——— the dense book ———

  private idxOf(price: number): number {
    return Math.round(price / this.tick) - this.lo;
  }

  private levelQty(side: number, idx: number): number {
    if (idx < 0 || idx >= this.size) return 0;
    return side === BUY ? this.bidQ[idx]! : this.askQ[idx]!;
  }

  private setLevelRaw(side: number, idx: number, qty: number): void {
    if (idx < 0 || idx >= this.size) {
      this.stats.outsideGrid++;
      return;
    }
    const q = qty > 0 ? qty : 0;
    if (side === BUY) {
      const prev = this.bidQ[idx]!;
      this.bidQ[idx] = q;
      const taken = this.bidTaken[idx]!;
      if (taken > 0) this.bidTaken[idx] = q === 0 ? 0 : Math.max(0, taken - Math.max(0, prev - q));
      if (q > 0) {
        if (this.bestBid === NONE || idx > this.bestBid) this.bestBid = idx;
      } else if (idx === this.bestBid) this.bestBid = this.nextBid(idx);
    } else {
      const prev = this.askQ[idx]!;
      this.askQ[idx] = q;
      const taken = this.askTaken[idx]!;
      if (taken > 0) this.askTaken[idx] = q === 0 ? 0 : Math.max(0, taken - Math.max(0, prev - q));
      if (q > 0) {
        if (this.bestAsk === NONE || idx < this.bestAsk) this.bestAsk = idx;
      } else if (idx === this.bestAsk) this.bestAsk = this.nextAsk(idx);
    }
  }

  /** The next non-empty bid level below idx, or NONE. */
  private nextBid(idx: number): number {
    const q = this.bidQ;
    for (let k = idx - 1; k >= 0; k--) if (q[k]! > 0) return k;
    return NONE;
  }

  private nextAsk(idx: number): number {
    const q = this.askQ;
    for (let k = idx + 1; k < this.size; k++) if (q[k]! > 0) return k;
    return NONE;
  }

  private clearBook(): void {
    if (this.bestBid !== NONE || this.bestAsk !== NONE) {
      this.bidQ.fill(0);
      this.askQ.fill(0);
      this.bidTaken.fill(0);
      this.askTaken.fill(0);
    }
    this.bestBid = NONE;
    this.bestAsk = NONE;
  }

  private midNow(): number {
    if (this.bestBid === NONE || this.bestAsk === NONE) return Number.NaN;
    return ((this.bestBid + this.bestAsk) / 2 + this.lo) * this.tick;
  }

  private fillDepth(): void {
    const d = this.depth;
    let k = this.bestBid;
    for (let l = 0; l < d.levels; l++) {
      if (k !== NONE) {
        d.bidPrices[l] = (k + this.lo) * this.tick;
        d.bidSizes[l] = this.bidQ[k]! / this.sc.lotSize;
        k = this.nextBidBounded(k);
      } else {
        d.bidPrices[l] = Number.NaN;
        d.bidSizes[l] = 0;
      }
    }
    k = this.bestAsk;
    for (let l = 0; l < d.levels; l++) {
      if (k !== NONE) {
        d.askPrices[l] = (k + this.lo) * this.tick;
        d.askSizes[l] = this.askQ[k]! / this.sc.lotSize;
        k = this.nextAskBounded(k);
      } else {
        d.askPrices[l] = Number.NaN;
        d.askSizes[l] = 0;
      }
    }
  }

  /** nextBid with a bounded scan (depth views only look a few hundred ticks away). */
  private nextBidBounded(idx: number): number {
    const q = this.bidQ;
    const stop = Math.max(0, idx - 2000);
    for (let k = idx - 1; k >= stop; k--) if (q[k]! > 0) return k;
    return NONE;
  }

  private nextAskBounded(idx: number): number {
    const q = this.askQ;
    const stop = Math.min(this.size - 1, idx + 2000);
    for (let k = idx + 1; k <= stop; k++) if (q[k]! > 0) return k;
    return NONE;
  }

  // ——— samples and the end ———

  private recordSample(t: number): void {
    const s = this.series;
    const j = this.sample;
    const mid = this.midNow();
    if (mid === mid) this.lastMid = mid;
    const o0 = this.ours[BUY]!;
    const o1 = this.ours[SELL]!;
    s.t[j] = t - this.sessionStart;
    s.mid[j] = this.lastMid;
    s.bid[j] = o0.live ? (o0.idx + this.lo) * this.tick : Number.NaN;
    s.ask[j] = o1.live ? (o1.idx + this.lo) * this.tick : Number.NaN;
    s.inventory[j] = this.inventory;
    s.cash[j] = this.cash;
    const pnl = this.cash + this.inventory * this.sc.lotSize * this.lastMid - this.value0;
    s.pnl[j] = pnl;
    assertFiniteState(this.lastMid, this.cash, this.inventory, pnl, this.pathIndex, this.stats.events, t);
    this.sample = j + 1;
  }

  private finish(): void {
    this.runUntil(this.sessionEnd);
    while (this.sample <= this.bars) {
      const ts = Math.min(this.sessionStart + this.sample * this.sc.sampleInterval, this.sessionEnd);
      this.recordSample(ts);
    }
    this.cancelOurs(BUY);
    this.cancelOurs(SELL);
    this.finished = true;
  }
}

function lowerBound(a: Float64Array, x: number, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

export function validateReplayScenario(sc: ReplayScenario, tape: ReplayTape): void {
  const bad = (key: string, msg: string): never => {
    throw new RangeError(`scenario.${key}: ${msg}`);
  };
  if (!(sc.from >= 0)) bad('from', 'must be ≥ 0 seconds');
  if (!(sc.to > sc.from)) bad('to', 'must be > from');
  if (!(sc.decisionInterval > 0)) bad('decisionInterval', 'must be > 0');
  if (!(sc.sampleInterval > 0)) bad('sampleInterval', 'must be > 0');
  if (!(Number.isInteger(sc.depthLevels) && sc.depthLevels >= 1))
    bad('depthLevels', 'must be an integer ≥ 1');
  if (!(sc.lotSize > 0)) bad('lotSize', 'must be > 0');
  if (!(sc.inventoryLimitLots > 0)) bad('inventoryLimitLots', 'must be > 0');
  const issue = sc.stress ? stressIssues('replay', sc.stress, undefined)[0] : undefined;
  if (issue) bad(issue.path.join('.'), issue.message);
  if (tape.count === 0) throw new RangeError(`dataset ${tape.id} has no events`);
}
