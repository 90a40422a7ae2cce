/**
 * A paper-trading (or live) session: any Quoter (core/strategy/quoter.ts), unchanged, against one
 * Venue (core/venues/venue.ts), through the order manager (./oms.ts), the risk controls (./risk.ts)
 * and the journal (./journal.ts).
 *
 * The loop. On every venue timer (feed time, every `decisionIntervalMs`) the session builds a
 * MarketObservation from the venue's last book, its own position and cash and its FillLog, calls
 * quote(), and diffs the decision against the working orders: per side (bid first, then ask), an
 * order at the wanted tick price with the wanted remaining size is kept; otherwise it is cancelled
 * and a new one placed (cancel + place: the replay's replace, see core/venues/paper-venue.ts); a
 * market order goes last. Every place passes the risk controls first (cancels never do: they reduce
 * risk). Prices are rounded as the replay rounds them (bids down, asks up, to the tick), sizes are
 * lots × lotSize venue units. Fills are journaled by the OMS before the session, the quoter (through
 * the FillLog) or the UI see them.
 *
 * Deterministic given the feed: decisions run on feed time; the wall clock enters only through the
 * stale-data guard (and the kill switch's measured time, which decides nothing).
 *
 * Quoting stops (working orders cancelled, nothing new placed) while the book is not synced (a
 * sequence gap until the resync snapshot), while disconnected, after the PnL stop, and after the
 * kill switch. On every (re)connect the OMS reconciles open orders and position with the venue.
 */
import { BUY, SELL } from '../domain/side';
import { FillLog } from '../domain/fill-log';
import { emptyDecision, emptyObservation, type DepthView, type Quoter } from '../strategy/quoter';
import {
  emptyBookView,
  type BookView,
  type ConnectionStatus,
  type OrderSide,
  type Venue,
  type VenueFill,
} from '../venues/venue';
import { OrderManager, type ManagedOrder, type OmsReport, type ReconcileReport } from './oms';
import { RiskEngine, type RiskBlock, type RiskContext, type RiskLimits, type RiskUsage } from './risk';
import type { Journal } from './journal';

export interface SessionOptions {
  sessionId: string;
  venue: Venue;
  quoter: Quoter;
  journal: Journal;
  limits: RiskLimits;
  /** Venue units per quoter lot. */
  lotSize: number;
  decisionIntervalMs: number;
  depthLevels: number;
  postOnly: boolean;
  /** Session length for the quoter's horizon (seconds; Infinity: none), read at every decision. */
  horizonSeconds: number | (() => number);
  onReport?: (r: OmsReport) => void;
  onFill?: (f: VenueFill) => void;
  onOrder?: (o: ManagedOrder) => void;
  onConnection?: (status: ConnectionStatus, attempt: number, reason: string) => void;
  /** Wall clock (ms) for the stale-data guard and the kill timer (tests inject one). */
  wallClock?: () => number;
}

export interface KillResult {
  /** Wall time from the call to no open order (and flat, when asked), ms. */
  elapsedMs: number;
  /** Requests of the cancel round (1 with a venue cancelAll). */
  cancelRequests: number;
  openAfter: number;
  flattenedLots: number;
  positionAfter: number;
}

export interface SessionCounters {
  decisions: number;
  skippedDecisions: number;
  placed: number;
  cancelled: number;
  riskBlocks: number;
  reconciliations: number;
  discrepancies: number;
}

export class PaperSession {
  readonly oms: OrderManager;
  readonly risk: RiskEngine;
  readonly fills = new FillLog(256);
  readonly counters: SessionCounters = {
    decisions: 0,
    skippedDecisions: 0,
    placed: 0,
    cancelled: 0,
    riskBlocks: 0,
    reconciliations: 0,
    discrepancies: 0,
  };
  /** The session's own copy of the last book (the venue reuses its object). */
  readonly book: BookView;
  private readonly obs = emptyObservation();
  private readonly dec = emptyDecision();
  private readonly depth: DepthView;
  private readonly ctx: RiskContext;
  private startMs = Number.NaN;
  private lastMid = Number.NaN;
  private connection: ConnectionStatus = 'connecting';
  private killed = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private connectedOnce = false;
  private readonly wall: () => number;
  readonly reconcileReports: ReconcileReport[] = [];
  lastBlock: RiskBlock = '';

  constructor(readonly o: SessionOptions) {
    this.wall = o.wallClock ?? Date.now;
    this.risk = new RiskEngine(o.limits);
    this.oms = new OrderManager({
      venue: o.venue,
      sessionId: o.sessionId,
      journal: o.journal,
      lotSize: o.lotSize,
      onReport: (r) => o.onReport?.(r),
      onFill: (f) => this.onOwnFill(f),
      onOrder: (m) => o.onOrder?.(m),
    });
    const L = o.depthLevels;
    this.book = emptyBookView(L);
    this.depth = {
      levels: L,
      bidPrices: new Float64Array(L),
      bidSizes: new Float64Array(L),
      askPrices: new Float64Array(L),
      askSizes: new Float64Array(L),
    };
    this.ctx = {
      position: 0,
      lotSize: o.lotSize,
      mid: Number.NaN,
      feedMs: 0,
      wallMs: 0,
      bookLocalMs: 0,
      bookSynced: false,
      pnl: 0,
    };
  }

  get connectionStatus(): ConnectionStatus {
    return this.connection;
  }

  get isKilled(): boolean {
    return this.killed;
  }

  /** Mid used for marks (the last two-sided mid). */
  get mid(): number {
    return this.lastMid;
  }

  /** Mark-to-market PnL (quote currency): cash + position · lotSize · mid. */
  pnl(): number {
    const m = this.lastMid;
    return this.oms.cash + (m === m ? this.oms.position * this.o.lotSize * m : 0);
  }

  /** Journaled fills of a recovered session are replayed into the FillLog and the account. */
  restoreFromJournal(): { orders: number; fills: number } {
    const j = this.o.journal;
    const orders = j.orders();
    const fills = j.fills();
    this.oms.restore(orders, fills, j.maxCounter(this.oms.prefix));
    for (const f of fills) this.pushFillLog(f);
    return { orders: orders.length, fills: fills.length };
  }

  /** Subscribe, connect, reconcile; decisions start on the venue's timer. */
  async start(signal: AbortSignal): Promise<void> {
    const v = this.o.venue;
    this.unsubscribe = v.subscribe({
      onBook: (b) => this.onBook(b),
      onOrder: (u) => {
        this.oms.applyUpdate(u);
      },
      onFill: (f) => {
        this.oms.applyFill(f);
      },
      onConnection: (e) => {
        this.connection = e.status;
        this.o.onConnection?.(e.status, e.attempt, e.reason);
        if (e.status === 'connected' && this.connectedOnce) void this.reconcile();
        if (e.status === 'connected' && !this.connectedOnce) {
          this.connectedOnce = true;
          this.startMs = v.now();
        }
      },
      onTimer: (t) => this.onTimer(t),
    });
    v.setTimer(this.o.decisionIntervalMs);
    await v.connect(signal);
    if (!(this.startMs === this.startMs)) this.startMs = v.now();
    await this.reconcile();
  }

  /** Reconcile orders and position with the venue (on connect and every reconnect). */
  async reconcile(): Promise<ReconcileReport> {
    const r = await this.oms.reconcile();
    this.counters.reconciliations++;
    this.counters.discrepancies += r.discrepancies.length;
    this.reconcileReports.push(r);
    if (this.reconcileReports.length > 100) this.reconcileReports.shift();
    return r;
  }

  private onBook(b: BookView): void {
    const d = this.book;
    d.bidPrices.set(b.bidPrices.subarray(0, d.levels));
    d.bidSizes.set(b.bidSizes.subarray(0, d.levels));
    d.askPrices.set(b.askPrices.subarray(0, d.levels));
    d.askSizes.set(b.askSizes.subarray(0, d.levels));
    d.seq = b.seq;
    d.exchangeTimeMs = b.exchangeTimeMs;
    d.localTimeMs = b.localTimeMs;
    d.resync = b.resync;
    d.synced = b.synced;
    const bb = d.bidPrices[0]!;
    const ba = d.askPrices[0]!;
    if (bb === bb && ba === ba) this.lastMid = (bb + ba) / 2;
  }

  private onOwnFill(f: VenueFill): void {
    this.pushFillLog(f);
    this.o.onFill?.(f);
  }

  private pushFillLog(f: VenueFill): void {
    const t = this.startMs === this.startMs ? (f.exchangeTimeMs - this.startMs) / 1000 : 0;
    const lots = f.amount / this.o.lotSize;
    this.fills.push(t, f.side === 'buy' ? BUY : SELL, f.price, lots, f.fee, this.lastMid);
  }

  private fillContext(feedMs: number): RiskContext {
    const c = this.ctx;
    c.position = this.oms.position;
    c.mid = this.lastMid;
    c.feedMs = feedMs;
    c.wallMs = this.wall();
    c.bookLocalMs = this.book.localTimeMs;
    c.bookSynced = this.book.synced && this.connection === 'connected';
    c.pnl = this.pnl();
    return c;
  }

  /** One decision (the venue's timer). */
  private async onTimer(feedMs: number): Promise<void> {
    if (this.killed || this.stopped) return;
    const ctx = this.fillContext(feedMs);
    const gate = this.risk.dataGate(ctx);
    if (gate !== '') {
      this.lastBlock = gate;
      this.counters.skippedDecisions++;
      this.counters.riskBlocks++;
      await this.cancelWorking();
      return;
    }
    // The data are good again: a halt for stale or unsynced data is over.
    if (this.lastBlock === 'stale' || this.lastBlock === 'unsynced') this.lastBlock = '';
    this.counters.decisions++;
    const obs = this.buildObservation(feedMs);
    const dec = this.dec;
    this.o.quoter.quote(obs, dec);
    const tick = this.o.venue.market.tickSize;
    // Bid first, then ask, then a market order: the replay's order of requests.
    await this.route('buy', dec.bidPrice, dec.bidSize, tick, ctx);
    await this.route('sell', dec.askPrice, dec.askSize, tick, ctx);
    let m = dec.marketOrderLots;
    if (m !== 0 && m === m) {
      m = this.risk.clipMarket(this.oms.position, m);
      if (m !== 0) {
        const sign = m > 0 ? 1 : -1;
        const block = this.risk.check(ctx, sign, Math.abs(m), Number.NaN, true);
        if (block === '' && !this.killed) await this.submitMarket(m);
        else this.noteBlock(block);
      }
    }
  }

  /** A market order of `lots` (signed: > 0 buys). */
  private async submitMarket(lots: number): Promise<void> {
    this.counters.placed++;
    await this.oms.submit({
      side: lots > 0 ? 'buy' : 'sell',
      type: 'market',
      price: Number.NaN,
      amount: Math.abs(lots) * this.o.lotSize,
      postOnly: false,
    });
  }

  private noteBlock(b: RiskBlock): void {
    this.lastBlock = b;
    this.counters.riskBlocks++;
  }

  private buildObservation(feedMs: number): typeof this.obs {
    const obs = this.obs;
    const b = this.book;
    obs.t = (feedMs - this.startMs) / 1000;
    const h = this.o.horizonSeconds;
    obs.horizon = typeof h === 'number' ? h : h();
    obs.mid = this.lastMid;
    obs.bestBid = b.bidPrices[0]!;
    obs.bestAsk = b.askPrices[0]!;
    obs.tickSize = this.o.venue.market.tickSize;
    obs.inventory = this.oms.position;
    obs.cash = this.oms.cash;
    const d = this.depth;
    const lot = this.o.lotSize;
    for (let l = 0; l < d.levels; l++) {
      d.bidPrices[l] = b.bidPrices[l]!;
      d.bidSizes[l] = b.bidSizes[l]! / lot;
      d.askPrices[l] = b.askPrices[l]!;
      d.askSizes[l] = b.askSizes[l]! / lot;
    }
    obs.depth = d;
    obs.fills = this.fills;
    return obs;
  }

  /** Keep, cancel, or replace the working order of one side. */
  private async route(
    side: OrderSide,
    price: number,
    lots: number,
    tick: number,
    ctx: RiskContext,
  ): Promise<void> {
    const want = lots > 0 && price === price;
    const ticks = want
      ? side === 'buy'
        ? Math.floor(price / tick + 1e-9)
        : Math.ceil(price / tick - 1e-9)
      : 0;
    const px = ticks * tick;
    const cur = this.oms.working(side);
    if (want && cur !== null) {
      const curTicks = Math.round(cur.price / tick);
      if (curTicks === ticks && Math.abs(cur.remaining / this.o.lotSize - lots) < 1e-9) return; // keep its place
    }
    if (!want && cur === null) return;
    if (want) {
      const block = this.risk.check(ctx, side === 'buy' ? 1 : -1, lots, px);
      if (block !== '') {
        this.noteBlock(block);
        // An order we may not send now: the old quote goes too, unless only the rate limit refused
        // (then the old one stays until a token frees up).
        if (cur !== null && block !== 'rate') await this.cancelOne(cur);
        return;
      }
    }
    if (cur !== null) await this.cancelOne(cur);
    // The kill switch may have come while the cancel was out: no new order after it.
    if (want && !this.killed) {
      this.counters.placed++;
      await this.oms.submit({
        side,
        type: 'limit',
        price: px,
        amount: lots * this.o.lotSize,
        postOnly: this.o.postOnly,
      });
    }
  }

  private async cancelOne(m: ManagedOrder): Promise<void> {
    this.counters.cancelled++;
    try {
      await this.oms.cancel(m.clientOrderId);
    } catch (e) {
      this.o.onReport?.({
        kind: 'discrepancy',
        message: `cancel ${m.clientOrderId} failed: ${(e as Error).message}`,
      });
    }
  }

  private async cancelWorking(): Promise<void> {
    for (const side of ['buy', 'sell'] as const) {
      const cur = this.oms.working(side);
      if (cur !== null) await this.cancelOne(cur);
    }
  }

  /**
   * The kill switch: quoting stops, every open order is cancelled in ONE round of requests (the
   * venue's cancelAll, else all cancels in parallel), and with `flatten` the position is closed by
   * a market order. Resolves when no order is open (and the position is flat, when asked) or after
   * `timeoutMs` (a hang guard; the result says what is left).
   */
  async kill(opts: { flatten: boolean; timeoutMs?: number }): Promise<KillResult> {
    const t0 = this.wall();
    this.killed = true;
    this.oms.halt();
    const requests = await this.oms.cancelAll();
    let flattened = 0;
    const deadline = t0 + (opts.timeoutMs ?? 5000);
    await this.waitFor(() => this.oms.openOrders().length === 0, deadline);
    if (opts.flatten) {
      const pos = this.oms.position;
      if (Math.abs(pos) > 1e-12) {
        flattened = -pos;
        await this.submitMarket(-pos);
        await this.waitFor(() => this.oms.openOrders().length === 0, deadline);
      }
    }
    return {
      elapsedMs: this.wall() - t0,
      cancelRequests: requests,
      openAfter: this.oms.openOrders().length,
      flattenedLots: flattened,
      positionAfter: this.oms.position,
    };
  }

  private async waitFor(cond: () => boolean, deadlineWallMs: number): Promise<void> {
    while (!cond() && this.wall() < deadlineWallMs) await new Promise((r) => setTimeout(r, 2));
  }

  /** Stop: no more decisions, cancel everything (one round), close the venue. */
  async stop(): Promise<KillResult> {
    this.stopped = true;
    const r = await this.kill({ flatten: false });
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.o.venue.close();
    return r;
  }

  riskUsage(): RiskUsage {
    return this.risk.usage(this.fillContext(this.o.venue.now()));
  }
}
