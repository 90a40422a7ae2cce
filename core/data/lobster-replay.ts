/**
 * Replay LOBSTER messages into the L3 order book and verify the book against LOBSTER's orderbook file.
 *
 * Replay (LobsterReplayer)
 * - Seed: orderbook row i is the book AFTER message i, so the book is seeded from row 0 and replay
 *   starts at message 1. Each visible level of row 0 becomes one synthetic order (ids
 *   SYNTHETIC_ID_BASE + k, owner 0) standing for all the orders resting there before the file starts.
 * - Messages: 1 new limit → addLimit; 2 partial cancel → reduce; 3 delete → cancel; 4 visible
 *   execution → execute the named order (Direction is the side of the resting order; onFill fires);
 *   5 hidden execution → no book change; 6 cross trade, 7 halt → counted only. A type 2–4 message for
 *   an id the book does not know is applied to the synthetic order at its price and side when one is
 *   live, else counted as `unknownId` and skipped.
 * - Stale liquidity (message-only inferences, each counted): a type-1 order is by definition resting
 *   and non-marketable, so our opposite levels at or through its price are stale and are removed
 *   (`crossingAdds`); a visible or hidden execution at price p means no visible order on its side was
 *   better than p, so better levels are removed; with a 1-level file every message is at the best price
 *   of its side (`visibleLevels` = 1), so better levels are removed. No orderbook-file data enters
 *   the replayed book except the row-0 seed.
 *
 * Why the replayed book cannot match the file everywhere (measured, not assumed)
 * LOBSTER keeps only the messages that touch the top N levels of the true book (checked on all four
 * samples: every type 1–4 message is inside the visible window before or after it). So:
 *   (a) levels beyond the seed snapshot were never seen: when the book thins they come into view with
 *       quantity we never saw (book short);
 *   (b) a price that drops out of the window (the market moves away) loses its events from then on —
 *       orders there are cancelled or added unseen; when the price comes back our level is short or
 *       holds stale orders (book excess). Later messages about the unseen orders are `unknownId`.
 * Two ways to use it: verifyLobsterReplay replays the messages alone and explains every difference;
 * replayLobsterReconciled keeps the book in sync with the file (LobsterReplayer.reconcile after every
 * message: what the messages cannot tell is taken from the file, known orders keep exact FIFO queues,
 * and every repair is counted), so its book equals the orderbook file on every row of every sample.
 *
 * Verification therefore classifies every price as clean or dirty (DirtyTracker): a price becomes
 * dirty at a row where it is outside the visible window (or beyond the seed), and clean again at a
 * row where it is inside the window and both the file and the book show it empty. The tests assert
 * that every differing (row, side, price) is dirty, that every clean file level matches exactly, that
 * every row whose best prices (file and book) are clean matches at level 1, and that the per-message
 * level change at the message's own price equals the file's change except for exactly the messages
 * about unknowable orders — plus the exact counts below.
 *
 * Measured (rows compared = rows − 1; "clean L1 rows" = rows whose four best prices are clean):
 *   sample           rows   L1 match   all-N match  clean L1 rows (all match)  unknown id  synthetic  stale lvls
 *   AAPL L10          998     954          112            926                       4          6          0
 *   AMZN L10        15999   12525          202          12284                     172         13         69
 *   MSFT L5         19999   11697           33          10424                     293         13         30
 *   AMZN L1 rounded 57514   17169        17169          11015                    7466          1       4537
 * Unexplained differences: 0 in every file; differences at clean prices: 0 of 10171 / 176289 / 93793
 * / 57776 clean file levels. Per-message level deltas: 933/937, 15549/15721, 19511/19809,
 * 47603/55070 consistent; every inconsistent one is an unknown-id message, a synthetic order asked for
 * more than it holds (MSFT: 5) or a delete whose size differs from what we hold (AMZN L1: 1), all at
 * dirty prices. The all-N match rate is low because the deepest visible levels are almost always a
 * price that has been out of view (case a/b); MSFT is tick-constrained with very deep queues far from
 * the touch, so level 2+ are mostly unseen depth. The L1 file is the extreme case: every time the best
 * level empties, the next one comes from the unseen region.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sides from '../domain/side';
import type { Side } from '../domain/side';
import { NO_ORDER_ID, createDepthBuffers } from '../book/order-book';
import type { OrderBook } from '../book/order-book';
import type { LobsterMessages, LobsterOrderbook } from './lobster';
import { LOBSTER_CENT } from './lobster';

// Module-local copies of the side constants: some transpilers (tsx/esbuild's CJS output, the vitest
// module runner) turn imported bindings into getter calls, which costs on every hot-path comparison.
const BUY = sides.BUY;
const SELL = sides.SELL;

/**
 * Synthetic orders (one per visible level of the seed snapshot) get ids SYNTHETIC_ID_BASE + k, k ≥ 0:
 * far below any LOBSTER id (≥ 0) and below NO_ORDER_ID (−1).
 */
export const SYNTHETIC_ID_BASE = -(2 ** 52);

export interface LobsterSample {
  name: string;
  dir: string;
  levels: number;
  rows: number;
  messageFile: string;
  orderbookFile: string;
}

/** The four LOBSTER samples in ../shared/data/lobster (see its README for provenance). */
export const LOBSTER_SAMPLES: readonly LobsterSample[] = [
  {
    name: 'AAPL_L10',
    dir: 'AAPL_2012-06-21_L10',
    levels: 10,
    rows: 999,
    messageFile: 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv',
    orderbookFile: 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv',
  },
  {
    name: 'AMZN_L10',
    dir: 'AMZN_2012-06-21_L10',
    levels: 10,
    rows: 16000,
    messageFile: 'AMZN_2012-06-21_34200000_57600000_message_10.first16000.csv',
    orderbookFile: 'AMZN_2012-06-21_34200000_57600000_orderbook_10.first16000.csv',
  },
  {
    name: 'MSFT_L5',
    dir: 'MSFT_2012-06-21_L5',
    levels: 5,
    rows: 20000,
    messageFile: 'MSFT_2012-06-21_34200000_57600000_message_5.first20000.csv',
    orderbookFile: 'MSFT_2012-06-21_34200000_57600000_orderbook_5.first20000.csv',
  },
  {
    name: 'AMZN_L1_rounded',
    dir: 'AMZN_2012-06-21_L1_rounded',
    levels: 1,
    rows: 57515,
    messageFile: 'AMZN_2012-06-21_34200000_57600000_message_1.rounded_header.csv',
    orderbookFile: 'AMZN_2012-06-21_34200000_57600000_orderbook_1.rounded_header.csv',
  },
];

/** /work/shared/data/lobster, found from this file (core/book/) → ../../../shared/data/lobster. */
export const DEFAULT_LOBSTER_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/data/lobster',
);

export function lobsterSamplePaths(
  sample: LobsterSample,
  dataDir = DEFAULT_LOBSTER_DIR,
): { messagePath: string; orderbookPath: string } {
  return {
    messagePath: path.join(dataDir, sample.dir, sample.messageFile),
    orderbookPath: path.join(dataDir, sample.dir, sample.orderbookFile),
  };
}

export interface ReplayCounters {
  /** Messages applied (all types). */
  messages: number;
  adds: number;
  partialCancels: number;
  deletes: number;
  visibleExecutions: number;
  hiddenExecutions: number;
  crossTrades: number;
  halts: number;
  /**
   * Type-1 orders that would have crossed the replayed book; the crossed (stale) levels are removed
   * first, so the order rests in full as the exchange says it did.
   */
  crossingAdds: number;
  /**
   * Levels removed as stale, and their total size: levels a type-1 order would cross, same-side levels
   * better than a visible or hidden execution, and (1-level files) same-side levels better than any message.
   */
  stalePurgedLevels: number;
  stalePurgedQty: number;
  /** Type-1 ids already resting in the book (skipped). */
  duplicateAdds: number;
  /** Types 2–4 whose id is unknown and that were applied to the synthetic order at their price and side. */
  syntheticApplied: number;
  /** Types 2–4 whose id is unknown and with no live synthetic order at their price and side (skipped). */
  unknownId: number;
  /** Types 2–4 on a known or synthetic order whose size exceeds the resting size (clamped). */
  oversized: number;
  /** Type 3 on a known order whose size differs from the resting size (the order is deleted anyway). */
  deleteSizeMismatch: number;
  /** Types 2–4 on a known id whose price or side differs from the resting order's (applied anyway). */
  priceOrSideMismatch: number;
  /** Messages with size 0 for types 1–4 (skipped). */
  zeroSize: number;
}

/**
 * What LobsterReplayer.reconcile changed to make the visible window equal to the orderbook file: the
 * information the messages cannot carry (orders placed before the file or outside the visible window,
 * and unseen cancels there).
 */
export interface RepairCounters {
  /** Rows at which anything was repaired. */
  rows: number;
  /** Quantity added as synthetic orders at the back of a level (the book had less than the file). */
  qtyAdded: number;
  /** Synthetic orders created for that. */
  ordersAdded: number;
  /** Quantity removed where the book had more than the file: from synthetic orders first, … */
  qtyRemovedSynthetic: number;
  /** … then from known orders, back of the queue first (their exact L3 history ends there). */
  qtyRemovedKnown: number;
  /** Levels removed entirely (in the window, or past the last level of a side the file shows short). */
  levelsRemoved: number;
}

function zeroRepairs(): RepairCounters {
  return {
    rows: 0,
    qtyAdded: 0,
    ordersAdded: 0,
    qtyRemovedSynthetic: 0,
    qtyRemovedKnown: 0,
    levelsRemoved: 0,
  };
}

function zeroCounters(): ReplayCounters {
  return {
    messages: 0,
    adds: 0,
    partialCancels: 0,
    deletes: 0,
    visibleExecutions: 0,
    hiddenExecutions: 0,
    crossTrades: 0,
    halts: 0,
    crossingAdds: 0,
    stalePurgedLevels: 0,
    stalePurgedQty: 0,
    duplicateAdds: 0,
    syntheticApplied: 0,
    unknownId: 0,
    oversized: 0,
    deleteSizeMismatch: 0,
    priceOrSideMismatch: 0,
    zeroSize: 0,
  };
}

export interface LobsterReplayOptions {
  /** Tick size in LOBSTER price units (USD × 10000). Default 100 (one cent). */
  tickSize?: number;
  /**
   * Depth N of the LOBSTER file the messages come from (LOBSTER keeps only messages that touch the
   * top N levels). With N = 1 every message is at the best price of its side, so better levels in our
   * book are stale and are removed. Default: unknown (no such inference).
   */
  visibleLevels?: number;
}

/** Applies LOBSTER messages to an OrderBook. No allocation per message. */
export class LobsterReplayer {
  readonly tickSize: number;
  readonly visibleLevels: number;
  counters: ReplayCounters = zeroCounters();
  repairs: RepairCounters = zeroRepairs();
  private nextSyntheticId = SYNTHETIC_ID_BASE;
  /** (price·2 + side) → synthetic id, for the seed snapshot's levels. */
  private readonly synthetic = new Map<number, number>();

  constructor(
    readonly book: OrderBook,
    options?: LobsterReplayOptions,
  ) {
    this.tickSize = options?.tickSize ?? LOBSTER_CENT;
    this.visibleLevels = options?.visibleLevels ?? 0;
  }

  /** LOBSTER price → ticks (throws a RangeError if not a multiple of the tick size). */
  ticks(price: number): number {
    const t = price / this.tickSize;
    if (!Number.isInteger(t)) {
      throw new RangeError(`LOBSTER price ${price} is not a multiple of the tick size ${this.tickSize}`);
    }
    return t;
  }

  /**
   * Clear the book and the counters, then put each visible level of orderbook row `row` in as one
   * synthetic order (owner 0). Replay then continues with message row + 1.
   */
  seedFromRow(ob: LobsterOrderbook, row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= ob.rows) {
      throw new RangeError(`seedFromRow: row ${row} outside [0, ${ob.rows})`);
    }
    this.book.clear();
    this.synthetic.clear();
    this.counters = zeroCounters();
    this.repairs = zeroRepairs();
    this.nextSyntheticId = SYNTHETIC_ID_BASE;
    const w = 4 * ob.levels;
    for (let l = 0; l < ob.levels; l++) {
      const o = row * w + 4 * l;
      const askSize = ob.data[o + 1]!;
      const bidSize = ob.data[o + 3]!;
      if (askSize > 0) this.seedLevel(SELL, this.ticks(ob.data[o]!), askSize, this.nextSyntheticId++);
      if (bidSize > 0) this.seedLevel(BUY, this.ticks(ob.data[o + 2]!), bidSize, this.nextSyntheticId++);
    }
  }

  /**
   * Make the book's visible window equal orderbook row `row`, taking from the file what the messages
   * cannot tell, and count every change (this.repairs). Per side, with the file's levels p₁ … pₙ
   * (n ≤ N non-empty levels, best first):
   * - a book level better than p₁, or strictly between two file levels, does not exist: removed;
   * - at each pₖ, a shortfall is added as a new synthetic order at the back of the queue (it was placed
   *   while we could not see it, so it is behind every order we know), an excess is removed from the
   *   level's synthetic orders first and then from known orders, back of the queue first;
   * - if n < N the side has exactly n levels: everything beyond pₙ is removed. If n = N, levels beyond
   *   p_N are outside the window and kept (unknowable).
   * Orders whose whole history the messages carry are never moved, so their FIFO positions stay exact
   * as long as no excess at their level has to be taken from them (counted as qtyRemovedKnown).
   */
  reconcile(ob: LobsterOrderbook, row: number): void {
    const before =
      this.repairs.qtyAdded +
      this.repairs.qtyRemovedSynthetic +
      this.repairs.qtyRemovedKnown +
      this.repairs.levelsRemoved;
    const w = 4 * ob.levels;
    const r = row * w;
    // First remove, on both sides, book levels better than the file's best: adding the file's levels
    // must never cross stale liquidity on the other side (addLimit would trade against it).
    for (let s = 0; s < 2; s++) {
      const side = s as Side;
      const priceCol = side === SELL ? 0 : 2;
      const empty = !(ob.data[r + priceCol + 1]! > 0);
      const best = empty ? Number.NaN : this.ticks(ob.data[r + priceCol]!);
      for (let p = this.bestOf(side); !Number.isNaN(p); p = this.bestOf(side)) {
        if (!(empty || (side === BUY ? p > best : p < best))) break;
        this.removeLevel(side, p);
      }
    }
    for (let s = 0; s < 2; s++) {
      const side = s as Side;
      const priceCol = side === SELL ? 0 : 2;
      let n = 0;
      for (let l = 0; l < ob.levels; l++) if (ob.data[r + 4 * l + priceCol + 1]! > 0) n = l + 1;
      // Walk the book's levels from the best, against the file's.
      let k = 0; // next file level
      let p = this.bestOf(side);
      while (!Number.isNaN(p)) {
        if (k >= n) {
          if (n < ob.levels) {
            const next = this.book.nextLevelPrice(side, p);
            this.removeLevel(side, p);
            p = next;
            continue;
          }
          break; // beyond the window: unknowable
        }
        const fp = this.ticks(ob.data[r + 4 * k + priceCol]!);
        const fq = ob.data[r + 4 * k + priceCol + 1]!;
        const better = side === BUY ? p > fp : p < fp;
        if (better) {
          const next = this.book.nextLevelPrice(side, p);
          this.removeLevel(side, p);
          p = next;
          continue;
        }
        if (p === fp) {
          this.setLevel(side, fp, fq);
          k++;
          p = this.book.nextLevelPrice(side, p);
          continue;
        }
        // the book has no level at fp (p is worse): create it, and look at p again
        this.setLevel(side, fp, fq);
        k++;
      }
      for (; k < n; k++) {
        this.setLevel(side, this.ticks(ob.data[r + 4 * k + priceCol]!), ob.data[r + 4 * k + priceCol + 1]!);
      }
    }
    const after =
      this.repairs.qtyAdded +
      this.repairs.qtyRemovedSynthetic +
      this.repairs.qtyRemovedKnown +
      this.repairs.levelsRemoved;
    if (after !== before) this.repairs.rows++;
  }

  private bestOf(side: Side): number {
    return side === BUY ? this.book.bestBid() : this.book.bestAsk();
  }

  private removeLevel(side: Side, p: number): void {
    this.book.cancelLevel(side, p);
    this.repairs.levelsRemoved++;
  }

  /** Bring the level at (side, p) to exactly `qty`. */
  private setLevel(side: Side, p: number, qty: number): void {
    const book = this.book;
    let have = book.levelQty(side, p);
    if (have < qty) {
      const id = this.nextSyntheticId++;
      book.addLimit(id, side, p, qty - have, 0);
      this.synthetic.set(p * 2 + side, id);
      this.repairs.qtyAdded += qty - have;
      this.repairs.ordersAdded++;
      return;
    }
    // Excess: synthetic orders first (the mapped one, then any other at the back), then known orders.
    const mapped = this.syntheticAt(side, p);
    if (have > qty && !Number.isNaN(mapped)) {
      const cut = Math.min(have - qty, book.orderQty(mapped));
      book.reduce(mapped, cut);
      this.repairs.qtyRemovedSynthetic += cut;
      have -= cut;
    }
    while (have > qty) {
      const id = book.lastOrderAt(side, p);
      const cut = Math.min(have - qty, book.orderQty(id));
      book.reduce(id, cut);
      if (id < NO_ORDER_ID) this.repairs.qtyRemovedSynthetic += cut;
      else this.repairs.qtyRemovedKnown += cut;
      have -= cut;
    }
  }

  private seedLevel(side: Side, ticks: number, size: number, id: number): void {
    this.book.addLimit(id, side, ticks, size, 0);
    this.synthetic.set(ticks * 2 + side, id);
  }

  /** The live synthetic order at (side, price), or NaN. */
  syntheticAt(side: Side, priceTicks: number): number {
    const id = this.synthetic.get(priceTicks * 2 + side);
    return id !== undefined && this.book.has(id) ? id : NaN;
  }

  /** Apply messages [from, to). */
  applyRange(m: LobsterMessages, from: number, to: number): void {
    for (let i = from; i < to; i++) this.apply(m, i);
  }

  /** Apply message i. */
  apply(m: LobsterMessages, i: number): void {
    const c = this.counters;
    c.messages++;
    const type = m.type[i]!;
    if (type < 1 || type > 7) throw new RangeError(`LOBSTER message ${i}: unknown type ${type}`);
    if (type === 7) {
      c.halts++;
      return;
    }
    if (type === 6) {
      c.crossTrades++;
      return;
    }
    const side: Side = m.direction[i]! === 1 ? BUY : SELL;
    if (type === 5) {
      // a hidden order at this price traded: no visible order on its side was better at that moment
      c.hiddenExecutions++;
      this.purgeBetter(side, m.price[i]! / this.tickSize); // may be sub-penny (midpoint): not rounded
      return;
    }
    const size = m.size[i]!;
    if (size <= 0) {
      c.zeroSize++;
      return;
    }
    const book = this.book;
    const id = m.orderId[i]!;
    const ticks = this.ticks(m.price[i]!);
    // an execution hits the best visible order; with a 1-level file every message is at the best
    if (type === 4 || this.visibleLevels === 1) this.purgeBetter(side, ticks);
    if (type === 1) {
      c.adds++;
      if (book.has(id)) {
        c.duplicateAdds++;
        return;
      }
      if (side === BUY ? book.bestAsk() <= ticks : book.bestBid() >= ticks) {
        // An add message is a resting, non-marketable order: whatever our book holds on the other side
        // at or through its price is stale (cancelled while outside the visible window). Remove it.
        c.crossingAdds++;
        this.purgeThrough(side === BUY ? SELL : BUY, ticks);
      }
      book.addLimit(id, side, ticks, size, 0);
      return;
    }
    if (type === 2) c.partialCancels++;
    else if (type === 3) c.deletes++;
    else c.visibleExecutions++;
    let target = id;
    if (book.has(id)) {
      if (book.orderPrice(id) !== ticks || book.orderSide(id) !== side) c.priceOrSideMismatch++;
    } else {
      target = this.syntheticAt(side, ticks);
      if (Number.isNaN(target)) {
        c.unknownId++;
        return;
      }
      c.syntheticApplied++;
    }
    const q = book.orderQty(target);
    if (size > q) c.oversized++;
    if (type === 4) {
      book.execute(target, size);
    } else if (type === 3 && target === id) {
      if (size !== q) c.deleteSizeMismatch++;
      book.cancel(id);
    } else {
      book.reduce(target, size);
    }
  }

  /** Remove `side` levels strictly better than `price` (stale: the message proves none exist). */
  private purgeBetter(side: Side, price: number): void {
    const book = this.book;
    for (;;) {
      const best = side === BUY ? book.bestBid() : book.bestAsk();
      if (!(side === BUY ? best > price : best < price)) return;
      this.counters.stalePurgedQty += book.cancelLevel(side, best);
      this.counters.stalePurgedLevels++;
    }
  }

  /** Remove `side` levels at or better than `price`. */
  private purgeThrough(side: Side, price: number): void {
    const book = this.book;
    for (;;) {
      const best = side === BUY ? book.bestBid() : book.bestAsk();
      if (!(side === BUY ? best >= price : best <= price)) return;
      this.counters.stalePurgedQty += book.cancelLevel(side, best);
      this.counters.stalePurgedLevels++;
    }
  }
}

export interface LobsterVerifyReport {
  name: string;
  levels: number;
  /** Orderbook rows compared (rows 1 … n−1; row 0 seeds the book). */
  rows: number;
  /** Rows where the best bid and best ask (price and size) match the file. */
  level1Matches: number;
  /** Rows where all `levels` levels on both sides (price and size) match the file. */
  allLevelMatches: number;
  /** levelMatches[k]: rows where level k + 1 matches on both sides. */
  levelMatches: number[];
  /**
   * Rows where the file's and the book's best bid and best ask are all clean prices, and how many of
   * them match at level 1 (all of them, unless there is a bug).
   */
  level1CleanRows: number;
  level1CleanMatches: number;
  /** Non-empty file levels (row × side × level) at clean prices, and how many the book matches exactly. */
  cleanCells: number;
  cleanCellMatches: number;
  /** Rows with any difference in the top `levels` levels. */
  mismatchRows: number;
  /** Mismatch rows where every differing price is dirty (see DirtyTracker). */
  explainedMismatchRows: number;
  /** Mismatch rows with a difference at a clean price (always visible so far): a replay or book bug. */
  unexplainedMismatchRows: number;
  /** Differing (row, side, price) cells where the book has less / more than the file (all of them dirty if no bug). */
  cellsBookShort: number;
  cellsBookExcess: number;
  /**
   * Per-message check independent of hidden depth: for every type 1–4 message whose price is inside the
   * visible window both before and after, the change of the level at that price and side in the book
   * must equal the change between the two orderbook rows.
   */
  deltaChecked: number;
  deltaConsistent: number;
  /** Inconsistent deltas at dirty prices (an order we could not know about) and at clean prices (a bug). */
  deltaInconsistentDirty: number;
  deltaInconsistentClean: number;
  counters: ReplayCounters;
  firstMismatch: string | null;
  firstUnexplained: string | null;
  firstDeltaInconsistentClean: string | null;
}

/**
 * Seed from orderbook row 0, replay messages 1 … n−1 and compare the book after each message with the
 * corresponding orderbook row (positionally for the match counts; price by price for the
 * explanation of each mismatch).
 */
export function verifyLobsterReplay(
  book: OrderBook,
  messages: LobsterMessages,
  orderbook: LobsterOrderbook,
  options?: LobsterReplayOptions & { name?: string },
): LobsterVerifyReport {
  if (orderbook.rows !== messages.count) {
    throw new Error(`verifyLobsterReplay: ${orderbook.rows} orderbook rows vs ${messages.count} messages`);
  }
  const rp = new LobsterReplayer(book, { visibleLevels: orderbook.levels, ...options });
  const L = orderbook.levels;
  const buf = createDepthBuffers(L);
  const report: LobsterVerifyReport = {
    name: options?.name ?? '',
    levels: L,
    rows: 0,
    level1Matches: 0,
    allLevelMatches: 0,
    levelMatches: new Array<number>(L).fill(0),
    level1CleanRows: 0,
    level1CleanMatches: 0,
    cleanCells: 0,
    cleanCellMatches: 0,
    mismatchRows: 0,
    explainedMismatchRows: 0,
    unexplainedMismatchRows: 0,
    cellsBookShort: 0,
    cellsBookExcess: 0,
    deltaChecked: 0,
    deltaConsistent: 0,
    deltaInconsistentDirty: 0,
    deltaInconsistentClean: 0,
    counters: rp.counters,
    firstMismatch: null,
    firstUnexplained: null,
    firstDeltaInconsistentClean: null,
  };
  if (messages.count === 0) return report;
  rp.seedFromRow(orderbook, 0);
  const rows = new RowReader(orderbook, rp);
  const dirty = new DirtyTracker(messages, orderbook, rp);
  const isDirty = (side: Side, p: number): boolean => dirty.isDirty(side, p);
  dirty.update(0, book);
  for (let i = 1; i < messages.count; i++) {
    // --- per-message delta check (before/after at the message's own price) ---
    const mSide: Side = messages.direction[i] === 1 ? BUY : SELL;
    const mTicks = messages.price[i]! / rp.tickSize;
    const deltaCheck = checksDelta(messages, i, rows, i, mSide, mTicks);
    const before = deltaCheck ? book.levelQty(mSide, mTicks) : 0;

    rp.apply(messages, i);
    report.rows++;

    if (deltaCheck) {
      report.deltaChecked++;
      const bookDelta = book.levelQty(mSide, mTicks) - before;
      const fileDelta = rows.qtyAt(i, mSide, mTicks) - rows.qtyAt(i - 1, mSide, mTicks);
      if (bookDelta === fileDelta) report.deltaConsistent++;
      else if (isDirty(mSide, mTicks)) report.deltaInconsistentDirty++;
      else {
        report.deltaInconsistentClean++;
        report.firstDeltaInconsistentClean ??= `row ${i} (${describeMessage(messages, i)}): book level changed by ${bookDelta}, file by ${fileDelta}`;
      }
    }

    // --- positional comparison of the top L levels ---
    book.depth(L, buf);
    const r = rows.offset(i);
    const data = orderbook.data;
    let allMatch = true;
    for (let l = 0; l < L; l++) {
      const o = r + 4 * l;
      const ok =
        sameLevel(data[o]!, data[o + 1]!, buf.askPrices[l]!, buf.askSizes[l]!, rp) &&
        sameLevel(data[o + 2]!, data[o + 3]!, buf.bidPrices[l]!, buf.bidSizes[l]!, rp);
      if (ok) report.levelMatches[l]!++;
      else allMatch = false;
      if (l === 0 && data[o + 1]! > 0 && data[o + 3]! > 0 && buf.askSizes[0]! > 0 && buf.bidSizes[0]! > 0) {
        if (
          !isDirty(SELL, rp.ticks(data[o]!)) &&
          !isDirty(BUY, rp.ticks(data[o + 2]!)) &&
          !isDirty(SELL, buf.askPrices[0]!) &&
          !isDirty(BUY, buf.bidPrices[0]!)
        ) {
          report.level1CleanRows++;
          if (ok) report.level1CleanMatches++;
        }
      }
    }
    for (let s = 0; s < 2; s++) {
      const side = s as Side;
      for (let l = 0; l < L; l++) {
        const fq = rows.levelQty(i, side, l);
        if (fq === 0) continue;
        const p = rows.levelPrice(i, side, l);
        if (isDirty(side, p)) continue;
        report.cleanCells++;
        if (book.levelQty(side, p) === fq) report.cleanCellMatches++;
      }
    }
    if (allMatch) {
      report.allLevelMatches++;
    } else {
      report.mismatchRows++;
      // --- explanation, price by price within the visible window ---
      let first: string | null = null;
      let unexplained: string | null = null;
      for (let s = 0; s < 2; s++) {
        const side = s as Side;
        const edge = rows.windowEdge(i, side);
        const note = (p: number, bookQty: number, fileQty: number): void => {
          const dirty = isDirty(side, p);
          if (bookQty < fileQty) report.cellsBookShort++;
          else report.cellsBookExcess++;
          if (first !== null && (dirty || unexplained !== null)) return;
          const text = `${side === BUY ? 'bid' : 'ask'} ${p}: book ${bookQty}, file ${fileQty}${dirty ? ' (dirty)' : ''}`;
          first ??= text;
          if (!dirty) unexplained ??= text;
        };
        for (let l = 0; l < L; l++) {
          const fq = rows.levelQty(i, side, l);
          if (fq === 0) continue;
          const p = rows.levelPrice(i, side, l);
          const bq = book.levelQty(side, p);
          if (bq !== fq) note(p, bq, fq);
        }
        for (let p = book.nextLevelPrice(side, NaN); !Number.isNaN(p); p = book.nextLevelPrice(side, p)) {
          if (side === BUY ? p < edge : p > edge) break;
          if (rows.qtyAt(i, side, p) === 0) note(p, book.levelQty(side, p), 0);
        }
      }
      if (unexplained === null) report.explainedMismatchRows++;
      else {
        report.unexplainedMismatchRows++;
        report.firstUnexplained ??= `row ${i} (${describeMessage(messages, i)}): ${unexplained}`;
      }
      report.firstMismatch ??= `row ${i} (${describeMessage(messages, i)}): ${first ?? 'positional difference'}`;
    }
    dirty.update(i, book);
  }
  report.level1Matches = report.levelMatches[0] ?? report.rows;
  report.counters = rp.counters;
  return report;
}

/** Read access to orderbook rows in ticks. */
class RowReader {
  private readonly w: number;
  readonly levels: number;
  constructor(
    private readonly ob: LobsterOrderbook,
    private readonly rp: LobsterReplayer,
  ) {
    this.w = 4 * ob.levels;
    this.levels = ob.levels;
  }

  offset(row: number): number {
    return row * this.w;
  }

  levelQty(row: number, side: Side, l: number): number {
    return this.ob.data[row * this.w + 4 * l + (side === BUY ? 3 : 1)]!;
  }

  levelPrice(row: number, side: Side, l: number): number {
    return this.rp.ticks(this.ob.data[row * this.w + 4 * l + (side === BUY ? 2 : 0)]!);
  }

  /** Size shown at (side, price) in the row; 0 if that price is not shown. */
  qtyAt(row: number, side: Side, p: number): number {
    for (let l = 0; l < this.ob.levels; l++) {
      const q = this.levelQty(row, side, l);
      if (q > 0 && this.levelPrice(row, side, l) === p) return q;
    }
    return 0;
  }

  /** The worst visible price when the side shows all N levels; else −∞ (bids) / +∞ (asks): all visible. */
  windowEdge(row: number, side: Side): number {
    const last = this.ob.levels - 1;
    if (this.levelQty(row, side, last) === 0) return side === BUY ? -Infinity : Infinity;
    return this.levelPrice(row, side, last);
  }

  inWindow(row: number, side: Side, p: number): boolean {
    const edge = this.windowEdge(row, side);
    return side === BUY ? p >= edge : p <= edge;
  }
}

/**
 * Whether message i's effect can be checked against the file: a type 1–4 message at a tick price that
 * lies inside the visible window both before (row r − 1 of `rows`) and after (row r, the book after
 * message i) it.
 */
function checksDelta(
  messages: LobsterMessages,
  i: number,
  rows: RowReader,
  r: number,
  side: Side,
  ticks: number,
): boolean {
  const type = messages.type[i]!;
  return (
    type >= 1 &&
    type <= 4 &&
    Number.isInteger(ticks) &&
    rows.inWindow(r - 1, side, ticks) &&
    rows.inWindow(r, side, ticks)
  );
}

function sameLevel(
  filePrice: number,
  fileSize: number,
  bookPrice: number,
  bookSize: number,
  rp: LobsterReplayer,
): boolean {
  if (fileSize === 0) return Number.isNaN(bookPrice);
  return rp.ticks(filePrice) === bookPrice && fileSize === bookSize;
}

function describeMessage(m: LobsterMessages, i: number): string {
  return (
    `message type ${m.type[i]} id ${m.orderId[i]} size ${m.size[i]} price ${m.price[i]} ` +
    `direction ${m.direction[i]} at t=${m.time[i]}`
  );
}

/**
 * Which prices the message file can be trusted for. LOBSTER keeps only the messages that touch the top
 * N levels, so a price beyond the N-th level of a row (or beyond the seed snapshot) may have events we
 * never see: it becomes dirty at that row. A dirty price becomes clean again at a row where it is
 * inside the visible window and both the file and the book show it empty: from then on its state is
 * exactly known again. Dirty(p) ⇔ lastOut[p] > cleanedAt[p]. Dense arrays over the price range of
 * the data; O(price range) per row (verification only).
 */
class DirtyTracker {
  private readonly lo: number;
  private readonly n: number;
  private readonly lastOut: [Int32Array, Int32Array];
  private readonly cleanedAt: [Int32Array, Int32Array];
  private readonly fileQty: [Float64Array, Float64Array];
  private readonly rows: RowReader;

  constructor(m: LobsterMessages, ob: LobsterOrderbook, rp: LobsterReplayer) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < m.count; i++) {
      if (m.type[i]! > 4) continue;
      const t = m.price[i]! / rp.tickSize;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    for (let k = 0; k < ob.data.length; k += 2) {
      if (ob.data[k + 1]! === 0) continue; // empty level (sentinel price)
      const t = ob.data[k]! / rp.tickSize;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (lo > hi) lo = hi = 0;
    this.lo = Math.floor(lo);
    this.n = Math.ceil(hi) - this.lo + 1;
    this.lastOut = [new Int32Array(this.n).fill(-1), new Int32Array(this.n).fill(-1)];
    this.cleanedAt = [new Int32Array(this.n).fill(-1), new Int32Array(this.n).fill(-1)];
    this.fileQty = [new Float64Array(this.n), new Float64Array(this.n)];
    this.rows = new RowReader(ob, rp);
  }

  isDirty(side: Side, p: number): boolean {
    const k = p - this.lo;
    if (k < 0 || k >= this.n) return true;
    return this.lastOut[side][k]! > this.cleanedAt[side][k]!;
  }

  /** Account for orderbook row `row` and the book state after message `row`. */
  update(row: number, book: OrderBook): void {
    const L = this.rows.levels;
    for (let s = 0; s < 2; s++) {
      const side = s as Side;
      const lastOut = this.lastOut[side];
      const cleanedAt = this.cleanedAt[side];
      const fq = this.fileQty[side];
      for (let l = 0; l < L; l++) {
        const q = this.rows.levelQty(row, side, l);
        if (q > 0) fq[this.rows.levelPrice(row, side, l) - this.lo] = q;
      }
      const edge = this.rows.windowEdge(row, side);
      for (let k = 0; k < this.n; k++) {
        const p = this.lo + k;
        const inView = side === BUY ? p >= edge : p <= edge;
        if (!inView) lastOut[k] = row;
        else if (lastOut[k]! > cleanedAt[k]! && fq[k] === 0 && book.levelQty(side, p) === 0)
          cleanedAt[k] = row;
      }
      for (let l = 0; l < L; l++) {
        if (this.rows.levelQty(row, side, l) > 0) fq[this.rows.levelPrice(row, side, l) - this.lo] = 0;
      }
    }
  }
}

export interface LobsterReconciledReport {
  name: string;
  levels: number;
  /** Orderbook rows compared after reconciling (rows 1 … n−1). */
  rows: number;
  /** Rows whose top `levels` levels on both sides equal the file after reconciling (all, unless a bug). */
  matchingRows: number;
  /**
   * Rows the messages alone already got right in the visible window (no repair was needed at that
   * row): the share the order book carries by itself once it is kept in sync.
   */
  rowsWithoutRepair: number;
  /**
   * Per-message check on the synchronized book: for every type 1–4 message inside the visible window,
   * the change at its price and side equals the file's change (inconsistent ones are messages about
   * orders we could not know: unknown ids).
   */
  deltaChecked: number;
  deltaConsistent: number;
  counters: ReplayCounters;
  repairs: RepairCounters;
  firstMismatch: string | null;
}

/**
 * Replay with the orderbook file as the source of what messages cannot say: seed from row 0, then for
 * each message i apply it and reconcile the visible window with row i (LobsterReplayer.reconcile).
 * The book then equals LOBSTER's orderbook file on every row, known orders keep exact FIFO positions,
 * and the repairs say how much of the book came from the file rather than from the messages.
 * The whole file at once: LobsterReconciledReplay fed one piece.
 */
export function replayLobsterReconciled(
  book: OrderBook,
  messages: LobsterMessages,
  orderbook: LobsterOrderbook,
  options?: LobsterReplayOptions & { name?: string; onRow?: (row: number) => void },
): LobsterReconciledReport {
  if (orderbook.rows !== messages.count) {
    throw new Error(
      `replayLobsterReconciled: ${orderbook.rows} orderbook rows vs ${messages.count} messages`,
    );
  }
  const replay = new LobsterReconciledReplay(book, orderbook.levels, options);
  replay.feed(messages, orderbook, options?.onRow);
  return replay.report;
}

/**
 * replayLobsterReconciled over a message file and its orderbook file read in pieces of the same rows
 * (lockstep): `feed` takes the next rows of both, and the book, the counters and the report carry on
 * across pieces exactly as over the whole file. The last orderbook row of a piece is kept (copied), so
 * the per-message check of a piece's first message sees the row before it. Memory: the book, one
 * piece (the caller's) and one copy of it with that row in front.
 */
export class LobsterReconciledReplay {
  readonly report: LobsterReconciledReport;
  private readonly rp: LobsterReplayer;
  private readonly buf: ReturnType<typeof createDepthBuffers>;
  private readonly width: number;
  /** Rows fed so far (the file row of the next piece's first row). */
  private fed = 0;
  /** The previous piece's last orderbook row, then the current piece's rows (reused). */
  private joined = new Float64Array(0);

  constructor(
    book: OrderBook,
    readonly levels: number,
    options?: LobsterReplayOptions & { name?: string },
  ) {
    this.rp = new LobsterReplayer(book, { visibleLevels: levels, ...options });
    this.buf = createDepthBuffers(levels);
    this.width = 4 * levels;
    this.report = {
      name: options?.name ?? '',
      levels,
      rows: 0,
      matchingRows: 0,
      rowsWithoutRepair: 0,
      deltaChecked: 0,
      deltaConsistent: 0,
      counters: this.rp.counters,
      repairs: this.rp.repairs,
      firstMismatch: null,
    };
  }

  /** Rows fed so far. */
  get rows(): number {
    return this.fed;
  }

  /**
   * The next `messages.count` rows of both files (file rows rows … rows + count − 1). The file's row 0
   * seeds the book; every later row is replayed, reconciled and compared. `onRow(row, j)` follows each
   * replayed row: `row` in the file, `j` in this piece.
   */
  feed(
    messages: LobsterMessages,
    orderbook: LobsterOrderbook,
    onRow?: (row: number, j: number) => void,
  ): void {
    const n = messages.count;
    if (orderbook.rows !== n)
      throw new Error(`LobsterReconciledReplay: ${orderbook.rows} orderbook rows vs ${n} messages`);
    if (n === 0) return;
    if (orderbook.levels !== this.levels)
      throw new Error(`LobsterReconciledReplay: ${orderbook.levels} levels, expected ${this.levels}`);
    const { rp, report, buf, width: w } = this;
    const book = rp.book;
    const L = this.levels;
    const base = this.fed;
    // `ob` row r holds file row base + j with r = j + shift; in a later piece row 0 is the row before
    let ob = orderbook;
    let shift = 0;
    let from = 0;
    if (base === 0) {
      rp.seedFromRow(orderbook, 0);
      from = 1;
    } else {
      if (this.joined.length < (n + 1) * w) {
        const grown = new Float64Array((n + 1) * w);
        grown.set(this.joined.subarray(0, w)); // the row before
        this.joined = grown;
      }
      this.joined.set(orderbook.data.subarray(0, n * w), w);
      ob = { rows: n + 1, levels: L, data: this.joined.subarray(0, (n + 1) * w) };
      shift = 1;
    }
    const rows = new RowReader(ob, rp);
    const data = ob.data;
    for (let j = from; j < n; j++) {
      const r = j + shift;
      const mSide: Side = messages.direction[j] === 1 ? BUY : SELL;
      const mTicks = messages.price[j]! / rp.tickSize;
      const deltaCheck = checksDelta(messages, j, rows, r, mSide, mTicks);
      const before = deltaCheck ? book.levelQty(mSide, mTicks) : 0;
      rp.apply(messages, j);
      if (deltaCheck) {
        report.deltaChecked++;
        const fileDelta = rows.qtyAt(r, mSide, mTicks) - rows.qtyAt(r - 1, mSide, mTicks);
        if (book.levelQty(mSide, mTicks) - before === fileDelta) report.deltaConsistent++;
      }
      const repairedRows = rp.repairs.rows;
      rp.reconcile(ob, r);
      if (rp.repairs.rows === repairedRows) report.rowsWithoutRepair++;
      report.rows++;
      book.depth(L, buf);
      const o0 = rows.offset(r);
      let ok = true;
      for (let l = 0; l < L && ok; l++) {
        const o = o0 + 4 * l;
        ok =
          sameLevel(data[o]!, data[o + 1]!, buf.askPrices[l]!, buf.askSizes[l]!, rp) &&
          sameLevel(data[o + 2]!, data[o + 3]!, buf.bidPrices[l]!, buf.bidSizes[l]!, rp);
      }
      if (ok) report.matchingRows++;
      else report.firstMismatch ??= `row ${base + j} (${describeMessage(messages, j)})`;
      onRow?.(base + j, j);
    }
    // keep the piece's last row in front of the next piece's rows
    if (this.joined.length < w) this.joined = new Float64Array(w);
    this.joined.set(orderbook.data.subarray((n - 1) * w, n * w), 0);
    this.fed += n;
    report.counters = rp.counters;
    report.repairs = rp.repairs;
  }
}
