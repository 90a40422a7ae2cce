/**
 * The paper venue: our orders matched locally against a recorded or a live feed, by the replay
 * backtester's own matching (core/replay/replay-market.ts: the same L2 book, queue model, latency
 * model and fee model, the same code), so a paper session and a replay of its recorded data give
 * the same fills, fill by fill (core/paper/paper-vs-replay.test.ts).
 *
 * How it drives the replay market. The feed is a ReplayTape: a catalog dataset played at a speed
 * factor (closed tape), or a live ccxt.pro feed appended to a growing tape (./live-feed.ts; the
 * market is open-ended). A pump loop calls ReplayMarket.advanceEvent up to the feed time allowed
 * (wall clock × speed for a recorded feed, the last received event for a live one). At each of the
 * market's decision points (every `decisionIntervalMs` of feed time, seeing the book as it was
 * `marketData` latency earlier) the venue publishes the book and fires the timer (onTimer) and
 * awaits it; the requests made in it (place, cancel) are collected and handed to the market in ONE
 * act() when the timer returns, so a cancel plus a place on a side is the replay's replace (one
 * cancel and one entry latency draw, bid before ask, a market order last): the same draws in the
 * same order as the backtest. Requests made between decisions (a kill switch) act at once, as of
 * the last decision time.
 *
 * Orders. One working limit order per side (the replay's model: capabilities.maxOrdersPerSide 1)
 * and one market order at a time; no amend (a replace is cancel + place). Post-only is the venue's
 * setting (`postOnly`), and an order asking otherwise is rejected. What happens to our orders comes
 * from the market's hooks (arrive / reject / rest / done / cancel / filled / market) and is
 * dispatched to listeners after each market step, never from inside the matching. Fills carry
 * trade ids "p<n>" (the index in the market's fill log), unique per session.
 *
 * Time: feed time in epoch milliseconds (the dataset's first exchange timestamp + tape seconds).
 */
import { BUY, SELL } from '../domain/side';
import type { FeeSpec } from '../sim/models/fee';
import type { QueueModelSpec } from '../sim/models/queue';
import {
  OUR_ORDER,
  ReplayMarket,
  type ReplayHooks,
  type ReplayLatencySpec,
  type ReplayScenario,
} from '../replay/replay-market';
import type { ReplayTape } from '../replay/tape';
import { emptyDecision, emptyObservation, type QuoteDecision } from '../strategy/quoter';
import {
  VenueError,
  emptyBookView,
  isTerminal,
  type AmendRequest,
  type Balance,
  type BookView,
  type ConnectionEvent,
  type OrderSide,
  type OrderUpdate,
  type PlaceRequest,
  type Position,
  type RateLimitInfo,
  type Venue,
  type VenueCapabilities,
  type VenueFill,
  type VenueListener,
  type VenueMarket,
} from './venue';

/** A feed the paper venue plays: a tape, closed (recorded) or growing (live). */
export interface PaperFeed {
  readonly tape: ReplayTape;
  /** True for a growing tape (a live feed): the market is open-ended. */
  readonly live: boolean;
  /** Epoch ms of tape time 0. */
  readonly originMs: number;
  /** Start receiving (live); resolves once the tape holds a two-sided book. */
  start(signal: AbortSignal): Promise<void>;
  /** Live: resolves when the tape has more than `count` events, the feed ended, or `signal` aborts. */
  waitForData(count: number, signal: AbortSignal): Promise<void>;
  /** Live: the feed has ended (closed or failed); no more events will come. */
  readonly ended: boolean;
  /** Live: count of resyncs so far (a resync is written to the tape as a new snapshot). */
  readonly resyncs: number;
  /** Connection changes of a live feed (the venue sets it). */
  onConnection?: ((e: ConnectionEvent) => void) | undefined;
  /** Live: false between a stream fault and the resync snapshot (undefined: always synced). */
  readonly synced?: boolean;
  close(): Promise<void>;
}

/** A recorded tape played at a speed factor (Infinity: as fast as the machine goes). */
export function tapeFeed(tape: ReplayTape, originMs: number): PaperFeed {
  return {
    tape,
    live: false,
    originMs,
    start: () => Promise.resolve(),
    waitForData: () => Promise.resolve(),
    ended: true,
    resyncs: 0,
    close: () => Promise.resolve(),
  };
}

export interface PaperVenueOptions {
  feed: PaperFeed;
  symbol: string;
  /** Venue units per quoter lot (the amount step). */
  lotSize: number;
  decisionIntervalMs: number;
  /** Book levels published per side. */
  depthLevels: number;
  postOnly: boolean;
  fees: FeeSpec;
  latency: ReplayLatencySpec;
  queue: QueueModelSpec;
  seed: number;
  /** Recorded feed: feed seconds per wall second (Infinity: no pacing). Ignored for a live feed. */
  speed: number;
  /** Recorded feed: session window in tape seconds (defaults: the whole tape). */
  from?: number | undefined;
  to?: number | undefined;
  /** Publish the book between decisions at most this often (wall ms; default 100). */
  bookEveryMs?: number | undefined;
}

interface PaperOrder {
  update: OrderUpdate;
  sideIdx: number;
  /** Notional of the fills so far (for avgPrice). */
  notional: number;
  /** Cancel requested (it may still fill until the cancel arrives). */
  cancelRequested: boolean;
}

/**
 * The pump gives the event loop back at least every YIELD_AFTER_MS of wall time (checked every 16 steps):
 * at full speed a session journals fills with an fsync each (≈ 2.7 ms), so a count of events alone
 * held the loop of the process that runs it for up to ~230 ms (scripts/paper-loop-lag.ts). Where the
 * yields fall changes no result: steps run in the same order whatever the wall clock says.
 */
const YIELD_AFTER_MS = 8;
const CAPABILITIES: VenueCapabilities = {
  amend: false,
  amendKeepsPriority: false,
  cancelAll: true,
  postOnly: true,
  positions: true,
  maxOrdersPerSide: 1,
};
const RATE_LIMIT: RateLimitInfo = {
  minIntervalMs: 0,
  ordersPerSecond: Number.POSITIVE_INFINITY,
  ordersPer10s: Number.POSITIVE_INFINITY,
};

const sideOf = (s: number): OrderSide => (s === BUY ? 'buy' : 'sell');

export class PaperVenue implements Venue {
  readonly id = 'paper';
  readonly market: VenueMarket;
  readonly capabilities = CAPABILITIES;
  readonly rateLimit = RATE_LIMIT;
  private mkt: ReplayMarket | null = null;
  private readonly listeners = new Set<VenueListener>();
  private timerMs: number;
  private readonly orders = new Map<string, PaperOrder>();
  /** Per side: the order at the matching engine, the one on its way there. */
  private readonly live: (PaperOrder | null)[] = [null, null];
  private readonly pending: (PaperOrder | null)[] = [null, null];
  private marketOrder: PaperOrder | null = null;
  private marketOrderArrived = false;
  private inTimer = false;
  /** Resolves the pump's idle wait (a request between decisions is acted on at once). */
  private wakePump: (() => void) | null = null;
  private venueIds = 0;
  private readonly queue: (() => void)[] = [];
  private readonly book: BookView;
  private readonly obs = emptyObservation();
  private readonly dec: QuoteDecision = emptyDecision();
  private pump: Promise<void> | null = null;
  private readonly stopCtl = new AbortController();
  private closed = false;
  private feedTimeMs = 0;
  private lastEventLocalMs = 0;
  private lastBookPublishMs = 0;
  private bookSeq = 0;
  private resyncsSeen = 0;
  private pumpError: Error | null = null;
  /** Tape seconds of the session start. */
  private startTape = 0;
  /** Who gets a taker fill: the limit order arriving, or the market order arriving. */
  private takerTarget: PaperOrder | null = null;
  private marketHit = false;

  constructor(private readonly opts: PaperVenueOptions) {
    if (!(opts.lotSize > 0)) throw new RangeError('paper venue: lotSize must be > 0');
    if (!(opts.decisionIntervalMs > 0)) throw new RangeError('paper venue: decisionIntervalMs must be > 0');
    if (!(opts.speed > 0)) throw new RangeError('paper venue: speed must be > 0 (Infinity: unpaced)');
    this.timerMs = opts.decisionIntervalMs;
    const tick = opts.feed.tape.tick;
    this.market = {
      symbol: opts.symbol,
      venueSymbol: opts.symbol.replace(/[/:]/g, ''),
      tickSize: tick,
      amountStep: opts.lotSize,
      minAmount: opts.lotSize,
      minNotional: 0,
      contractSize: 1,
    };
    this.book = emptyBookView(opts.depthLevels);
  }

  /** The replay scenario this venue runs (the paper-vs-replay comparison builds the same one). */
  scenario(): ReplayScenario {
    const o = this.opts;
    return {
      mode: 'replay',
      from: o.from ?? 0,
      to: o.to ?? Number.POSITIVE_INFINITY,
      decisionInterval: this.timerMs / 1000,
      sampleInterval: 3600,
      depthLevels: o.depthLevels,
      lotSize: o.lotSize,
      postOnly: o.postOnly,
      fees: o.fees,
      latency: o.latency,
      queue: o.queue,
      inventoryLimitLots: Number.POSITIVE_INFINITY,
      initialInventoryLots: 0,
    };
  }

  subscribe(listener: VenueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setTimer(intervalMs: number): void {
    if (this.mkt !== null) throw new Error('paper venue: setTimer must be called before connect');
    if (!(intervalMs > 0)) throw new RangeError('paper venue: the timer interval must be > 0 ms');
    this.timerMs = intervalMs;
  }

  now(): number {
    return this.feedTimeMs;
  }

  async connect(signal: AbortSignal): Promise<void> {
    if (this.mkt !== null) return;
    const onAbort = (): void => this.stopCtl.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.emitConnection('connecting', '');
    this.opts.feed.onConnection = (e) => {
      for (const l of this.listeners) l.onConnection?.(e);
    };
    await this.opts.feed.start(this.stopCtl.signal);
    const mkt = new ReplayMarket(this.opts.feed.tape, this.scenario(), { openEnded: this.opts.feed.live });
    mkt.restart(this.opts.seed);
    mkt.setHooks(this.hooks);
    this.mkt = mkt;
    this.startTape = mkt.sessionStartTime;
    // A live tape knows its tick once its first snapshot is in.
    this.market.tickSize = this.opts.feed.tape.tick;
    this.feedTimeMs = this.toMs(mkt.sessionTime);
    this.lastEventLocalMs = Date.now();
    this.publishBook(false);
    this.emitConnection('connected', '');
    // The first step after the caller's own continuation (it reconciles before the first decision).
    this.pump = new Promise<void>((res) => setImmediate(res))
      .then(() => this.run())
      .catch((e: unknown) => {
        this.pumpError = e instanceof Error ? e : new Error(String(e));
        this.emitConnection('disconnected', this.pumpError.message);
      });
  }

  /** Session length (s) of a recorded feed; Infinity for a live one or before connect. */
  horizonSeconds(): number {
    return this.mkt === null || this.opts.feed.live ? Number.POSITIVE_INFINITY : this.mkt.horizon;
  }

  /** Resolves when the feed has been played to its end (recorded) or the venue closed. */
  async finished(): Promise<void> {
    await this.pump;
    if (this.pumpError) throw this.pumpError;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCtl.abort();
    await this.pump;
    await this.opts.feed.close();
  }

  // ——— requests ———

  place(req: PlaceRequest): Promise<OrderUpdate> {
    const mkt = this.requireMarket();
    if (this.orders.has(req.clientOrderId))
      return Promise.reject(new VenueError('rejected', `duplicate clientOrderId ${req.clientOrderId}`));
    if (!(req.amount > 0) || !Number.isFinite(req.amount))
      return Promise.reject(new VenueError('rejected', `amount ${req.amount} must be a positive number`));
    const s = req.side === 'buy' ? BUY : SELL;
    if (req.type === 'limit') {
      if (!(req.price > 0))
        return Promise.reject(new VenueError('rejected', `price ${req.price} must be > 0`));
      if (req.postOnly !== this.opts.postOnly)
        return Promise.reject(
          new VenueError(
            'rejected',
            `this paper venue runs with postOnly ${this.opts.postOnly} for every order`,
          ),
        );
      const cur = this.working(s);
      if (cur !== null)
        return Promise.reject(
          new VenueError(
            'rejected',
            `one working order per side: ${cur.update.clientOrderId} is still working on the ${req.side} side`,
          ),
        );
    } else if (this.marketOrder !== null)
      return Promise.reject(new VenueError('rejected', 'a market order is already on its way'));
    const u: OrderUpdate = {
      clientOrderId: req.clientOrderId,
      venueOrderId: `p${++this.venueIds}`,
      status: 'pending',
      side: req.side,
      type: req.type,
      price: req.type === 'limit' ? req.price : Number.NaN,
      amount: req.amount,
      filled: 0,
      remaining: req.amount,
      avgPrice: Number.NaN,
      reason: '',
      exchangeTimeMs: this.feedTimeMs,
      localTimeMs: Date.now(),
    };
    const o: PaperOrder = { update: u, sideIdx: s, notional: 0, cancelRequested: false };
    this.orders.set(req.clientOrderId, o);
    if (req.type === 'limit') this.pending[s] = o;
    else this.marketOrder = o;
    this.requestAct(mkt);
    return Promise.resolve({ ...u });
  }

  cancel(clientOrderId: string): Promise<void> {
    const mkt = this.requireMarket();
    const o = this.orders.get(clientOrderId);
    if (o === undefined || isTerminal(o.update.status))
      return Promise.reject(new VenueError('not-found', `no open order ${clientOrderId}`));
    if (o.update.type === 'market')
      return Promise.reject(new VenueError('rejected', 'a market order cannot be cancelled'));
    this.cancelOrder(o);
    this.requestAct(mkt);
    return Promise.resolve();
  }

  cancelAll(): Promise<void> {
    const mkt = this.requireMarket();
    for (const s of [BUY, SELL]) {
      const p = this.pending[s];
      if (p) this.cancelOrder(p);
      const l = this.live[s];
      if (l && !l.cancelRequested) this.cancelOrder(l);
    }
    this.requestAct(mkt);
    return Promise.resolve();
  }

  amend(_clientOrderId: string, _req: AmendRequest): Promise<OrderUpdate> {
    return Promise.reject(new VenueError('unsupported', 'the paper venue has no amend: cancel and place'));
  }

  fetchOrder(clientOrderId: string): Promise<OrderUpdate | null> {
    const o = this.orders.get(clientOrderId);
    return Promise.resolve(o ? { ...o.update } : null);
  }

  fetchOpenOrders(): Promise<OrderUpdate[]> {
    const out: OrderUpdate[] = [];
    for (const o of this.orders.values()) if (!isTerminal(o.update.status)) out.push({ ...o.update });
    return Promise.resolve(out);
  }

  fetchPosition(): Promise<Position> {
    const mkt = this.requireMarket();
    const a = mkt.account();
    return Promise.resolve({ amount: a.inventory * this.opts.lotSize, entryPrice: Number.NaN });
  }

  fetchBalances(): Promise<Balance[]> {
    const mkt = this.requireMarket();
    const a = mkt.account();
    return Promise.resolve([{ currency: 'quote', free: a.cash, used: 0, total: a.cash }]);
  }

  /** Orders known to the venue (tests). */
  openOrderCount(): number {
    let n = 0;
    for (const o of this.orders.values()) if (!isTerminal(o.update.status)) n++;
    return n;
  }

  /** Queue ahead of our working order on a side (base units; NaN when none): the queue model's estimate. */
  queueAhead(side: OrderSide): number {
    const mkt = this.mkt;
    if (mkt === null) return Number.NaN;
    const out: { side: 0 | 1; price: number; size: number; queueAhead: number }[] = [];
    mkt.ourOrders(out);
    const s = side === 'buy' ? BUY : SELL;
    for (const r of out) if (r.side === s) return r.queueAhead * this.opts.lotSize;
    return Number.NaN;
  }

  // ——— internals ———

  private requireMarket(): ReplayMarket {
    if (this.mkt === null || this.closed) throw new VenueError('network', 'paper venue: not connected');
    return this.mkt;
  }

  /** The side's order that the next act() keeps (pending, else live without a cancel request). */
  private working(s: number): PaperOrder | null {
    const p = this.pending[s]!;
    if (p) return p;
    const l = this.live[s]!;
    return l && !l.cancelRequested ? l : null;
  }

  private cancelOrder(o: PaperOrder): void {
    const s = o.sideIdx;
    if (this.pending[s] === o) {
      // Never reached the engine: dropped with the next act (the market forgets its pending place).
      this.pending[s] = null;
      this.finish(o, 'cancelled', 'cancelled before it reached the venue');
    } else o.cancelRequested = true;
  }

  private requestAct(mkt: ReplayMarket): void {
    if (this.inTimer) return; // handed over with the decision's other requests
    this.act(mkt);
    this.flush();
    this.wakePump?.();
  }

  /** Hand the per-side targets to the market in one act (its route keeps an unchanged side). */
  private act(mkt: ReplayMarket): void {
    const d = this.dec;
    const lot = this.opts.lotSize;
    const b = this.working(BUY);
    const a = this.working(SELL);
    d.bidPrice = b ? b.update.price : Number.NaN;
    d.bidSize = b ? b.update.remaining / lot : 0;
    d.askPrice = a ? a.update.price : Number.NaN;
    d.askSize = a ? a.update.remaining / lot : 0;
    const m = this.marketOrder;
    d.marketOrderLots =
      m && !this.marketOrderArrived ? (m.update.side === 'buy' ? 1 : -1) * (m.update.amount / lot) : 0;
    if (m) this.marketOrderArrived = true; // handed over: it arrives after the entry latency
    mkt.act(d);
  }

  private readonly hooks: ReplayHooks = {
    order: (side, what) => {
      const ms = this.feedTimeMs;
      switch (what) {
        case OUR_ORDER.arrive: {
          const o = this.pending[side] ?? null;
          this.pending[side] = null;
          this.live[side] = o;
          this.takerTarget = o;
          return;
        }
        case OUR_ORDER.reject: {
          const o = this.live[side];
          this.live[side] = null;
          this.takerTarget = null;
          if (o) this.finish(o, 'rejected', 'post-only: it would have taken liquidity', ms);
          return;
        }
        case OUR_ORDER.rest: {
          const o = this.live[side];
          this.takerTarget = null;
          if (o) this.setStatus(o, o.update.filled > 0 ? 'partially-filled' : 'open', '', ms);
          return;
        }
        case OUR_ORDER.done:
        case OUR_ORDER.filled: {
          const o = this.live[side];
          this.live[side] = null;
          this.takerTarget = null;
          if (o) this.finish(o, 'filled', '', ms);
          return;
        }
        case OUR_ORDER.cancel: {
          const o = this.live[side];
          this.live[side] = null;
          if (o) this.finish(o, 'cancelled', o.cancelRequested ? '' : 'the session ended', ms);
          return;
        }
        case OUR_ORDER.market:
          // Its fills follow at once; it is finished after the step (endMarketOrder).
          this.marketHit = true;
          this.takerTarget = this.marketOrder;
          return;
      }
    },
    fill: (side, k, maker) => {
      const mkt = this.mkt!;
      const log = mkt.ownFills();
      const o = maker ? this.live[side]! : this.takerTarget;
      const lot = this.opts.lotSize;
      const amount = log.size[k]! * lot;
      const price = log.price[k]!;
      const ms = this.toMs(log.t[k]!);
      const f: VenueFill = {
        tradeId: `p${k + 1}`,
        clientOrderId: o ? o.update.clientOrderId : '',
        venueOrderId: o ? o.update.venueOrderId : '',
        side: sideOf(side),
        price,
        amount,
        fee: log.fee[k]!,
        liquidity: maker ? 'maker' : 'taker',
        exchangeTimeMs: ms,
        localTimeMs: Date.now(),
      };
      if (o) {
        const u = o.update;
        u.filled += amount;
        u.remaining = Math.max(0, u.amount - u.filled);
        o.notional += price * amount;
        u.avgPrice = o.notional / u.filled;
        u.exchangeTimeMs = ms;
      }
      this.queue.push(() => this.emitFill(f));
      if (o && o.update.type === 'limit' && maker && o.update.remaining > 0)
        this.setStatus(o, 'partially-filled', '', ms);
    },
  };

  /** After a step in which our market order reached the engine: it is done (IOC: the rest expires). */
  private endMarketOrder(): void {
    if (!this.marketHit) return;
    this.marketHit = false;
    this.takerTarget = null;
    const m = this.marketOrder;
    this.marketOrder = null;
    this.marketOrderArrived = false;
    if (m === null) return;
    if (m.update.remaining <= 1e-9 * m.update.amount) this.finish(m, 'filled', '');
    else this.finish(m, 'expired', 'the book had too little liquidity');
  }

  private setStatus(
    o: PaperOrder,
    status: OrderUpdate['status'],
    reason: string,
    ms = this.feedTimeMs,
  ): void {
    const u = o.update;
    if (u.status === status && status !== 'partially-filled') return;
    u.status = status;
    u.reason = reason;
    u.exchangeTimeMs = ms;
    u.localTimeMs = Date.now();
    const snap = { ...u };
    this.queue.push(() => this.emitOrder(snap));
  }

  private finish(o: PaperOrder, status: OrderUpdate['status'], reason: string, ms = this.feedTimeMs): void {
    if (isTerminal(o.update.status)) return;
    if (status !== 'filled') o.update.remaining = Math.max(0, o.update.amount - o.update.filled);
    this.setStatus(o, status, reason, ms);
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const q = this.queue.splice(0, this.queue.length);
      for (const f of q) f();
    }
  }

  private emitOrder(u: OrderUpdate): void {
    for (const l of this.listeners) l.onOrder?.(u);
  }

  private emitFill(f: VenueFill): void {
    for (const l of this.listeners) l.onFill?.(f);
  }

  private emitConnection(status: ConnectionEvent['status'], reason: string): void {
    const e: ConnectionEvent = { status, attempt: 0, reason, localTimeMs: Date.now() };
    for (const l of this.listeners) l.onConnection?.(e);
  }

  /** Epoch ms of a session time (seconds since the session start). */
  private toMs(sessionSeconds: number): number {
    return this.opts.feed.originMs + (this.startTape + sessionSeconds) * 1000;
  }

  private publishBook(resync: boolean): void {
    const mkt = this.mkt!;
    const b = this.book;
    mkt.ladder(b.levels, b, 1);
    b.seq = ++this.bookSeq;
    b.exchangeTimeMs = this.feedTimeMs;
    b.localTimeMs = this.lastEventLocalMs;
    b.resync = resync;
    b.synced =
      b.bidPrices[0] === b.bidPrices[0] &&
      b.askPrices[0] === b.askPrices[0] &&
      this.opts.feed.synced !== false;
    this.lastBookPublishMs = Date.now();
    for (const l of this.listeners) l.onBook?.(b);
  }

  private async run(): Promise<void> {
    const mkt = this.mkt!;
    const feed = this.opts.feed;
    const signal = this.stopCtl.signal;
    const speed = feed.live ? Number.POSITIVE_INFINITY : this.opts.speed;
    const wall0 = performance.now();
    const every = this.opts.bookEveryMs ?? 100;
    let steps = 0;
    let lastYield = performance.now();
    let seenCount = feed.tape.count;
    while (!signal.aborted) {
      if (feed.live && feed.tape.count !== seenCount) {
        seenCount = feed.tape.count;
        mkt.growTape();
      }
      let limit = Number.POSITIVE_INFINITY;
      if (Number.isFinite(speed)) limit = ((performance.now() - wall0) / 1000) * speed;
      if (feed.live) {
        const tp = feed.tape;
        const lastT = tp.count > 0 ? tp.t[tp.count - 1]! : 0;
        // Strictly before the last event's time: another event of the same timestamp may still be on
        // its way, and the replay of the recording applies all of them before a decision at that time.
        const cap = lastT - this.startTape - 1e-9;
        limit = cap < limit ? cap : limit;
        if (feed.ended) mkt.endOpenTape();
      }
      const r = mkt.advanceEvent(this.obs, feed.live && feed.ended ? Number.POSITIVE_INFINITY : limit);
      this.feedTimeMs = this.toMs(mkt.sessionTime);
      if (r === 'event') {
        this.lastEventLocalMs = Date.now();
        this.afterStep();
        if (feed.resyncs !== this.resyncsSeen) {
          this.resyncsSeen = feed.resyncs;
          this.publishBook(true);
        } else if (Date.now() - this.lastBookPublishMs >= every) this.publishBook(false);
        if ((++steps & 15) === 0 && performance.now() - lastYield >= YIELD_AFTER_MS) {
          await new Promise<void>((res) => setImmediate(res));
          lastYield = performance.now();
        }
        continue;
      }
      if (r === 'decision') {
        // The book as seen at the decision (market-data latency earlier), then the decision time.
        this.afterStep();
        this.publishBook(false);
        this.feedTimeMs = this.toMs(this.obs.t);
        this.inTimer = true;
        try {
          for (const l of this.listeners) {
            const p = l.onTimer?.(this.feedTimeMs);
            if (p) await p;
          }
        } finally {
          this.inTimer = false;
        }
        // The decision's requests, as one act: the replay's order of latency draws.
        this.act(mkt);
        this.flush();
        if ((++steps & 15) === 0 && performance.now() - lastYield >= YIELD_AFTER_MS) {
          await new Promise<void>((res) => setImmediate(res));
          lastYield = performance.now();
        }
        continue;
      }
      if (r === 'limit') {
        this.afterStep();
        await this.idle(
          feed.live ? feed.waitForData(feed.tape.count, signal) : null,
          Math.min(20, Math.max(1, every / 5)),
        );
        continue;
      }
      // 'end'
      this.afterStep();
      this.publishBook(false);
      this.emitConnection('closed', feed.live ? 'the live feed ended' : 'the recorded feed ended');
      return;
    }
  }

  /** Wait for `data` (a live feed), else `ms`; a request (wakePump) or close ends the wait early. */
  private idle(data: Promise<void> | null, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      let settled = false;
      const done = (): void => {
        if (settled) return; // a live feed's data promise may settle after a wake
        settled = true;
        if (timer !== null) clearTimeout(timer);
        if (this.wakePump === done) this.wakePump = null;
        this.stopCtl.signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakePump = done;
      this.stopCtl.signal.addEventListener('abort', done, { once: true });
      if (data !== null) void data.then(done);
      else timer = setTimeout(done, ms);
    });
  }

  private afterStep(): void {
    this.endMarketOrder();
    this.flush();
  }
}
