/**
 * The market a live order-book session (./replay-session.ts) plays: one small interface with two
 * implementations, so one session class paces, batches, steps and seeks both.
 * - SimulatedMarket: the book-mode simulator (core/sim/book-sim.ts); a step is one simulator event.
 * - DatasetMarket: a recorded dataset replayed as the market (core/replay/replay-market.ts); a step is
 *   one recorded event (our quoter's decisions before it are answered on the way). Trades are the
 *   recorded trade prints and executions; our own fills are reported as separate trades marked `ours`
 *   (the recorded market does not react to us, so our fill is not one of its trades). The ladder is
 *   the recorded book with our resting orders added at their prices, as a venue would show them (a
 *   level of ours alone, e.g. inside the spread, is a level of its own).
 *
 * Conventions: time in session seconds (0 at the start, `horizon` at the end); ladder prices in ticks
 * and sizes in lots (OrderBook.depth's); other prices decimal. `advance` returns the ADVANCE_* codes
 * of BookSimulator.advance and never processes more than `maxEvents` counted events.
 */
import type { AppliedEvent } from '../api/contract';
import type { DepthBuffers } from '../book/order-book';
import { EVENT_KIND } from '../data/catalog';
import { BUY, SELL, type Side } from '../domain/side';
import type { ReplayMarket } from '../replay/replay-market';
import {
  ADVANCE_DELIVERY,
  ADVANCE_END,
  ADVANCE_LIMIT,
  BookSimulator,
  type BookScenario,
} from '../sim/book-sim';
import type { MarketObservation, QuoteDecision } from '../strategy/quoter';

export interface OurOrderState {
  side: Side;
  /** Decimal price. */
  price: number;
  /** Remaining lots. */
  size: number;
  /** Lots ahead of it at its level. */
  queueAhead: number;
}

export interface MarketListener {
  /** After every event that may change the book. */
  onBookEvent(): void;
  /** Every trade: time, decimal price, lots, aggressor side, whether one of our orders took part. */
  onTrade(t: number, price: number, size: number, aggressor: Side, ours: boolean): void;
}

export interface SessionMarket {
  readonly source: 'simulated' | 'dataset';
  readonly tickSize: number;
  readonly horizon: number;
  /** Counted events so far in this path (a step is one). */
  readonly events: number;
  now(): number;
  advance(obs: MarketObservation, tLimit: number, maxEvents: number): number;
  act(dec: QuoteDecision): void;
  /** Top `levels` levels per side: prices in ticks (NaN past the last), sizes in lots. */
  depth(levels: number, out: DepthBuffers): void;
  ourOrders(out: OurOrderState[]): void;
  account(): { inventory: number; cash: number; pnl: number };
  /** The price a step reports when nothing visible on the ladder changed (the latent price, the mid). */
  referencePrice(): number;
  /** Decimal mid for the chart (the reference price when a side is empty). */
  mid(): number;
  /** Start the path again from time 0 (the start of a seek). */
  restart(seed: number): void;
  /** A recorded source: the events applied so far (from the first of the data) and their number. */
  position(): { event: number; events: number } | null;
  /**
   * What the last recorded event was, when the source knows it exactly (an L3 message); null: let the
   * session tell it from the ladder's change.
   */
  lastRecordedEvent(): AppliedEvent | null;
  listen(l: MarketListener | null): void;
}

export class SimulatedMarket implements SessionMarket {
  readonly source = 'simulated';
  readonly sim: BookSimulator;

  constructor(readonly scenario: BookScenario) {
    this.sim = new BookSimulator(scenario);
  }

  get tickSize(): number {
    return this.scenario.tickSize;
  }
  get horizon(): number {
    return this.scenario.horizon;
  }
  get events(): number {
    return this.sim.events;
  }
  now(): number {
    return this.sim.now();
  }
  advance(obs: MarketObservation, tLimit: number, maxEvents: number): number {
    return this.sim.advance(obs, tLimit, maxEvents);
  }
  act(dec: QuoteDecision): void {
    this.sim.act(dec);
  }
  depth(levels: number, out: DepthBuffers): void {
    this.sim.book.depth(levels, out);
  }
  ourOrders(out: OurOrderState[]): void {
    this.sim.ourOrders(out);
  }
  account(): { inventory: number; cash: number; pnl: number } {
    return this.sim.account();
  }
  referencePrice(): number {
    return this.sim.referencePrice();
  }
  mid(): number {
    const m = this.sim.book.mid();
    return m === m ? m * this.scenario.tickSize : this.sim.referencePrice();
  }
  restart(seed: number): void {
    this.sim.reset(seed, 0);
  }
  position(): null {
    return null;
  }
  lastRecordedEvent(): null {
    return null;
  }
  listen(l: MarketListener | null): void {
    this.sim.onBookEvent = l ? () => l.onBookEvent() : null;
    this.sim.onTrade = l ? (t, p, s, a, o) => l.onTrade(t, p, s, a, o) : null;
  }
}

export class DatasetMarket implements SessionMarket {
  readonly source = 'dataset';
  private count = 0;
  /** Our fills already reported as trades. */
  private fillsSeen = 0;
  private listener: MarketListener | null = null;
  private readonly buf: DepthBuffers;
  private readonly touchBuf = new Float64Array(4);
  private readonly oursBuf: OurOrderState[] = [];

  /** `market` must be reset (a fresh ReplayMarket, or restart()) before the first advance. */
  constructor(
    readonly market: ReplayMarket,
    private readonly maxLevels: number,
  ) {
    this.buf = {
      bidPrices: new Float64Array(maxLevels),
      bidSizes: new Float64Array(maxLevels),
      askPrices: new Float64Array(maxLevels),
      askSizes: new Float64Array(maxLevels),
    };
  }

  get tickSize(): number {
    return this.market.tick;
  }
  get horizon(): number {
    return this.market.horizon;
  }
  get events(): number {
    return this.count;
  }
  now(): number {
    return this.market.sessionTime;
  }

  advance(obs: MarketObservation, tLimit: number, maxEvents: number): number {
    let processed = 0;
    for (;;) {
      if (processed >= maxEvents) return ADVANCE_LIMIT;
      const r = this.market.advanceEvent(obs, tLimit);
      this.reportFills();
      if (r === 'event') {
        processed++;
        this.count++;
        this.recorded(this.market.eventIndex - 1);
      } else if (r === 'decision') return ADVANCE_DELIVERY;
      else if (r === 'limit') return ADVANCE_LIMIT;
      else return ADVANCE_END;
    }
  }

  act(dec: QuoteDecision): void {
    this.market.act(dec);
  }

  depth(levels: number, out: DepthBuffers): void {
    const n = Math.min(levels, this.maxLevels);
    const b = this.buf;
    this.market.ladder(n, b);
    const tick = this.market.tick;
    for (let l = 0; l < levels; l++) {
      const inRange = l < n;
      out.bidPrices[l] = inRange ? Math.round(b.bidPrices[l]! / tick) : Number.NaN;
      out.bidSizes[l] = inRange ? b.bidSizes[l]! : 0;
      out.askPrices[l] = inRange ? Math.round(b.askPrices[l]! / tick) : Number.NaN;
      out.askSizes[l] = inRange ? b.askSizes[l]! : 0;
    }
    this.market.ourOrders(this.oursBuf);
    for (const o of this.oursBuf) this.addOurs(levels, out, o);
  }

  /** Our order into the ladder: onto its level, or a new level at its place (within `levels`). */
  private addOurs(levels: number, out: DepthBuffers, o: OurOrderState): void {
    const bid = o.side === BUY;
    const prices = bid ? out.bidPrices : out.askPrices;
    const sizes = bid ? out.bidSizes : out.askSizes;
    const p = Math.round(o.price / this.market.tick);
    let k = 0;
    for (; k < levels; k++) {
      const q = prices[k]!;
      if (!(q === q) || (bid ? q <= p : q >= p)) break;
    }
    if (k >= levels) return; // deeper than the ladder shows
    if (prices[k] === p) {
      sizes[k]! += o.size;
      return;
    }
    for (let j = levels - 1; j > k; j--) {
      prices[j] = prices[j - 1]!;
      sizes[j] = sizes[j - 1]!;
    }
    prices[k] = p;
    sizes[k] = o.size;
  }

  ourOrders(out: OurOrderState[]): void {
    this.market.ourOrders(out);
  }
  account(): { inventory: number; cash: number; pnl: number } {
    return this.market.account();
  }
  referencePrice(): number {
    return this.mid();
  }
  mid(): number {
    const touch = this.market.touch(this.touchBuf);
    const bid = touch[0]!;
    const ask = touch[2]!;
    return bid === bid && ask === ask ? (bid + ask) / 2 : bid === bid ? bid : ask;
  }
  restart(seed: number): void {
    this.market.restart(seed);
    this.count = 0;
    this.fillsSeen = 0;
  }
  position(): { event: number; events: number } {
    return { event: this.market.eventIndex, events: this.market.tape.count };
  }

  lastRecordedEvent(): AppliedEvent | null {
    const i = this.market.eventIndex - 1;
    const tape = this.market.tape;
    if (i < 0 || this.count === 0) return null;
    const kind = tape.kind[i]!;
    const bidSide = tape.side[i]! === 1;
    const at = { price: tape.price[i]!, size: tape.size[i]! / this.market.sc.lotSize, ours: false };
    switch (kind) {
      case EVENT_KIND.add:
        return { kind: 'add', side: bidSide ? 'bid' : 'ask', ...at };
      case EVENT_KIND.partialCancel:
      case EVENT_KIND.delete:
        return { kind: 'cancel', side: bidSide ? 'bid' : 'ask', ...at };
      case EVENT_KIND.execute:
      case EVENT_KIND.hiddenExecute:
        return { kind: 'trade', side: bidSide ? 'bid' : 'ask', ...at }; // the resting side was hit
      case EVENT_KIND.trade:
        return { kind: 'trade', side: bidSide ? 'ask' : 'bid', ...at }; // a buyer lifts the ask
      default:
        return null; // L2 level sets (absolute sizes): the ladder's change tells add from cancel
    }
  }
  listen(l: MarketListener | null): void {
    this.listener = l;
  }

  /** A recorded event was applied: count it as a book update, report it when it is a trade. */
  private recorded(i: number): void {
    const l = this.listener;
    if (!l) return;
    l.onBookEvent();
    const tape = this.market.tape;
    const kind = tape.kind[i]!;
    const side = tape.side[i]! === 1 ? BUY : SELL;
    let aggressor: Side;
    if (kind === EVENT_KIND.trade) aggressor = side;
    else if (kind === EVENT_KIND.execute || kind === EVENT_KIND.hiddenExecute)
      aggressor = side === BUY ? SELL : BUY; // an execution's side is the resting order's
    else return;
    l.onTrade(this.now(), tape.price[i]!, tape.size[i]! / this.market.sc.lotSize, aggressor, false);
  }

  /** Our fills since the last report, each as a trade of ours (the aggressor is the other side). */
  private reportFills(): void {
    const f = this.market.ownFills();
    const l = this.listener;
    for (; this.fillsSeen < f.count; this.fillsSeen++) {
      const k = this.fillsSeen;
      if (!l) continue;
      const ourSide = f.side[k] === BUY ? BUY : SELL;
      l.onTrade(f.t[k]!, f.price[k]!, f.size[k]!, ourSide === BUY ? SELL : BUY, true);
    }
  }
}
