/**
 * L3 limit order book: every resting order is individually identified, queued by price-time priority.
 *
 * What it models
 * - One instrument, prices in integer ticks (32-bit signed), sizes in integer lots (safe integers),
 *   external order ids any safe integer (negative ids are allowed; replay uses them for synthetic orders).
 * - Limit orders (crossing part executes immediately, remainder rests), immediate-or-cancel orders,
 *   market orders, full and partial cancels, modify, and exchange-reported executions of a named
 *   resting order (`execute`, for replaying an exchange's execution messages).
 * - Every maker execution is reported synchronously through `onFill`, one call per maker order
 *   touched, in execution order. The book is consistent when the listener runs (the maker has already
 *   been reduced or removed, an emptied level has already been removed and the best price moved), but
 *   the taker's remainder has not rested yet. Listeners must not mutate the book from inside the call
 *   (an exception thrown by a listener propagates; the taker's unfilled remainder is then dropped).
 *
 * Price-time priority invariant
 * - Each (side, price) level is a doubly linked FIFO queue of orders in arrival order; matching always
 *   takes the best opposite level and, within it, the head of the queue first.
 * - After every public operation the book is not crossed and not locked: bestBid < bestAsk whenever
 *   both sides are non-empty (an incoming order at or through the opposite best always trades first).
 * - `checkIntegrity()` re-derives every invariant from scratch (not crossed, level totals = sum of
 *   their orders, FIFO links consistent, id map consistent, best prices correct, level counts).
 *
 * Modify semantics (what most exchanges do)
 * - Same price and size down (or unchanged): the order keeps its queue position.
 * - Price change or size up: the order loses priority, as if cancelled and re-entered with the same id,
 *   side and owner; if the new price crosses, it first trades as a taker, exactly like a new limit order.
 *
 * Data structures (no allocation on the hot paths add/cancel/reduce/execute/match: no closures,
 * objects or arrays; only V8's own boxing of ids outside the 31-bit Smi range when they cross a
 * non-inlined call, ~16 bytes per call, which no JS data structure can avoid)
 * - Orders live in a struct-of-arrays pool (id, qty, price, side, owner, prev, next) with a free list;
 *   the pool doubles when full (amortized, not per operation).
 * - External id → pool slot through `IdIndex`, an open-addressing hash table in typed arrays (no
 *   allocation per operation, unlike a Map with non-Smi keys).
 * - Price levels live in a dense ladder: arrays indexed by (price − base) per side holding the FIFO
 *   head/tail, total size and order count, plus a bitset of non-empty levels per side. The best bid and
 *   best ask are tracked; when the best level empties the next one is found by scanning the bitset
 *   32 levels per step (`Math.clz32`). When a price falls outside the window the ladder is re-centered
 *   (and doubled if the live prices need it); this copies the arrays and is rare.
 *
 * Errors and costs
 * - Bad input throws a RangeError before anything changes: non-integer or non-positive sizes,
 *   non-integer prices, non-safe-integer ids, duplicate live ids, bad sides/owners. `cancel` and
 *   `modify` return false for an unknown id; `reduce`, `execute`, the order accessors and
 *   `queueAhead` throw (check `has` first). Fills without a taker order id (market orders, `execute`
 *   by default) report takerOrderId NO_ORDER_ID (−1).
 * - add/IOC/market: O(1) + O(makers touched) + bitset scans when levels empty; cancel/reduce/execute:
 *   O(1) (+ a bitset scan if the best level empties); modify: like cancel + add; depth(k): O(k) scans;
 *   queueAhead: O(orders ahead); checkIntegrity: O(ladder width + orders).
 *
 * Known limitations
 * - No self-trade prevention: an owner's order can trade against the same owner's resting order;
 *   the fill is reported like any other (the listener sees makerOwner === takerOwner).
 * - No hidden/iceberg quantity, no minimum quantity, no order types beyond limit/IOC/market.
 * - The dense ladder needs all live prices within `maxLadderWidth / 2` ticks of each other (default
 *   2^20 ladder slots, ≈ 40 bytes per slot); an order further away throws a RangeError before the book
 *   is changed.
 * - `queueAhead` walks the queue from the order towards the head: O(number of orders ahead).
 * - Prices must be 32-bit signed integers.
 */
import * as sides from '../domain/side';
import type { Side } from '../domain/side';

// Module-local copies of the side constants: some transpilers (tsx/esbuild's CJS output, the vitest
// module runner) turn imported bindings into getter calls, which costs on every hot-path comparison.
const BUY = sides.BUY;
const SELL = sides.SELL;

export type FillListener = (
  makerOrderId: number,
  makerOwner: number,
  takerOrderId: number,
  takerOwner: number,
  makerSide: Side,
  priceTicks: number,
  qtyLots: number,
) => void;

/** Output buffers for `OrderBook.depth`. */
export interface DepthBuffers {
  bidPrices: Float64Array;
  bidSizes: Float64Array;
  askPrices: Float64Array;
  askSizes: Float64Array;
}

export function createDepthBuffers(levels: number): DepthBuffers {
  return {
    bidPrices: new Float64Array(levels),
    bidSizes: new Float64Array(levels),
    askPrices: new Float64Array(levels),
    askSizes: new Float64Array(levels),
  };
}

export interface OrderBookOptions {
  /** Initial order-pool capacity (the pool grows by doubling). Default 1024. */
  capacity?: number;
  /** Initial ladder width in ticks (rounded up to a multiple of 32). Default 4096. */
  ladderWidth?: number;
  /** Largest ladder width the book may grow to. Default 2^20. */
  maxLadderWidth?: number;
}

/** Taker id reported for fills whose taker has no order id (market orders, executions by default). */
export const NO_ORDER_ID = -1;

const NONE = -1;
const DEFAULT_CAPACITY = 1024;
const DEFAULT_LADDER_WIDTH = 4096;
const DEFAULT_MAX_LADDER_WIDTH = 1 << 20;

export class OrderBook {
  /** Called synchronously for every maker execution (one call per maker order touched). */
  onFill: FillListener | null = null;

  // ---- order pool (struct of arrays) ----
  private cap: number;
  private oId: Float64Array;
  private oQty: Float64Array;
  private oPrice: Int32Array;
  private oSide: Uint8Array;
  private oOwner: Int32Array;
  private oPrev: Int32Array;
  private oNext: Int32Array;
  /** Head of the free list (linked through oNext). */
  private freeHead = NONE;
  /** Slots [0, used) have been handed out at least once; slots ≥ used were never used. */
  private used = 0;
  private live = 0;
  private readonly ids: IdIndex;

  // ---- price ladder ----
  /** Price (ticks) of ladder index 0. */
  private base = 0;
  /** Ladder width per side (a multiple of 32). */
  private width: number;
  /** Bitset words per side (width / 32). */
  private words: number;
  private readonly maxWidth: number;
  /** Level arrays: bids at [0, width), asks at [width, 2·width). */
  private lvHead: Int32Array;
  private lvTail: Int32Array;
  private lvQty: Float64Array;
  private lvCount: Int32Array;
  /** Non-empty-level bitset: bid words at [0, words), ask words at [words, 2·words). */
  private bits: Int32Array;
  /** Ladder index of the best bid / best ask, NONE when that side is empty. */
  private bidIdx = NONE;
  private askIdx = NONE;
  private bidLevels = 0;
  private askLevels = 0;

  constructor(options?: OrderBookOptions) {
    const capacity = options?.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`OrderBook: capacity must be a positive integer, got ${capacity}`);
    }
    const maxWidth = roundUp32(options?.maxLadderWidth ?? DEFAULT_MAX_LADDER_WIDTH);
    const width = roundUp32(options?.ladderWidth ?? DEFAULT_LADDER_WIDTH);
    if (!(width >= 32) || !(maxWidth >= width) || maxWidth > 1 << 28) {
      throw new RangeError(
        `OrderBook: need 32 ≤ ladderWidth ≤ maxLadderWidth ≤ 2^28, got ${width} and ${maxWidth}`,
      );
    }
    this.cap = capacity;
    this.ids = new IdIndex(capacity);
    this.oId = new Float64Array(capacity);
    this.oQty = new Float64Array(capacity);
    this.oPrice = new Int32Array(capacity);
    this.oSide = new Uint8Array(capacity);
    this.oOwner = new Int32Array(capacity);
    this.oPrev = new Int32Array(capacity);
    this.oNext = new Int32Array(capacity);
    this.maxWidth = maxWidth;
    this.width = width;
    this.words = width >>> 5;
    this.lvHead = new Int32Array(2 * width).fill(NONE);
    this.lvTail = new Int32Array(2 * width).fill(NONE);
    this.lvQty = new Float64Array(2 * width);
    this.lvCount = new Int32Array(2 * width);
    this.bits = new Int32Array(2 * this.words);
  }

  // =====================================================================================
  // Order entry
  // =====================================================================================

  /**
   * Limit order: the crossing part executes immediately against the opposite side (resting orders are
   * the makers), the remainder rests at the back of its level. Returns the resting quantity (0 if fully
   * filled). `owner` defaults to 0 (background flow).
   */
  addLimit(orderId: number, side: Side, priceTicks: number, qtyLots: number, owner = 0): number {
    this.checkNew('addLimit', orderId, side, priceTicks, qtyLots, owner);
    const off = priceTicks - this.base;
    if (off < 0 || off >= this.width) this.fitPrice(priceTicks);
    let rem = qtyLots;
    if (this.crosses(side, priceTicks)) rem = this.match(side, priceTicks, rem, orderId, owner);
    if (rem > 0) this.rest(orderId, side, priceTicks, rem, owner);
    return rem;
  }

  /** Immediate-or-cancel limit order: returns the filled quantity; the remainder is discarded. */
  addIoc(orderId: number, side: Side, priceTicks: number, qtyLots: number, owner = 0): number {
    this.checkNew('addIoc', orderId, side, priceTicks, qtyLots, owner);
    if (!this.crosses(side, priceTicks)) return 0;
    return qtyLots - this.match(side, priceTicks, qtyLots, orderId, owner);
  }

  /** Market order of the taker `side`: walks the opposite side; returns the filled quantity (0 if empty). */
  market(side: Side, qtyLots: number, takerOrderId = NO_ORDER_ID, takerOwner = 0): number {
    if (side !== BUY && side !== SELL) throw new RangeError(`market: side must be 0 or 1, got ${side}`);
    checkQty('market', qtyLots);
    checkId('market', takerOrderId);
    checkOwner('market', takerOwner);
    const limit = side === BUY ? Infinity : -Infinity;
    return qtyLots - this.match(side, limit, qtyLots, takerOrderId, takerOwner);
  }

  /** Full cancel; false if the id is not resting in the book. */
  cancel(orderId: number): boolean {
    const o = this.ids.get(orderId);
    if (o === NONE) return false;
    this.removeOrder(o);
    return true;
  }

  /**
   * Partial cancel by `byLots`, keeping queue priority; removes the order when it reaches 0.
   * Returns the remaining quantity. Throws a RangeError for an unknown id.
   */
  reduce(orderId: number, byLots: number): number {
    checkQty('reduce', byLots);
    const o = this.slotOf('reduce', orderId);
    const q = this.oQty[o]!;
    if (byLots >= q) {
      this.removeOrder(o);
      return 0;
    }
    this.oQty[o] = q - byLots;
    const li = this.levelIndexOf(o);
    this.lvQty[li] = this.lvQty[li]! - byLots;
    return q - byLots;
  }

  /**
   * Change price and/or size. Same price and size down (or equal) keeps priority; a price change or a
   * size up loses priority (back of the queue); a new price that crosses trades like a new limit order
   * (this order is the taker). Returns false if the id is unknown.
   */
  modify(orderId: number, newPriceTicks: number, newQtyLots: number): boolean {
    checkPrice('modify', newPriceTicks);
    checkQty('modify', newQtyLots);
    const o = this.ids.get(orderId);
    if (o === NONE) return false;
    const q = this.oQty[o]!;
    const price = this.oPrice[o]!;
    if (newPriceTicks === price && newQtyLots <= q) {
      if (newQtyLots < q) {
        this.oQty[o] = newQtyLots;
        const li = this.levelIndexOf(o);
        this.lvQty[li] = this.lvQty[li]! - (q - newQtyLots);
      }
      return true;
    }
    const off = newPriceTicks - this.base;
    if (off < 0 || off >= this.width) this.fitPrice(newPriceTicks); // may throw: nothing changed yet
    const side = this.oSide[o] as Side;
    const owner = this.oOwner[o]!;
    this.unlink(o);
    let rem = newQtyLots;
    if (this.crosses(side, newPriceTicks)) rem = this.match(side, newPriceTicks, rem, orderId, owner);
    if (rem > 0) {
      this.link(o, side, newPriceTicks, rem);
    } else {
      this.ids.delete(orderId);
      this.freeSlot(o);
      this.live--;
    }
    return true;
  }

  /**
   * Execute a specific resting order (replay of an exchange's execution message): executes
   * min(qtyLots, resting quantity), calls `onFill` with the order as maker, and returns the executed
   * quantity. Throws a RangeError for an unknown id.
   */
  execute(orderId: number, qtyLots: number, takerOrderId = NO_ORDER_ID, takerOwner = 0): number {
    checkQty('execute', qtyLots);
    checkId('execute', takerOrderId);
    checkOwner('execute', takerOwner);
    const o = this.slotOf('execute', orderId);
    const q = this.oQty[o]!;
    const side = this.oSide[o] as Side;
    const price = this.oPrice[o]!;
    const owner = this.oOwner[o]!;
    let fill = qtyLots;
    if (qtyLots >= q) {
      fill = q;
      this.removeOrder(o);
    } else {
      this.oQty[o] = q - qtyLots;
      const li = this.levelIndexOf(o);
      this.lvQty[li] = this.lvQty[li]! - qtyLots;
    }
    const cb = this.onFill;
    if (cb !== null) cb(orderId, owner, takerOrderId, takerOwner, side, price, fill);
    return fill;
  }

  /**
   * Cancel every order resting at (side, price) (no fills reported). Returns the quantity removed
   * (0 for an empty level). Cost O(orders at the level).
   */
  cancelLevel(side: Side, priceTicks: number): number {
    checkPrice('cancelLevel', priceTicks);
    const idx = priceTicks - this.base;
    if (idx < 0 || idx >= this.width) return 0;
    const li = side === BUY ? idx : idx + this.width;
    let o = this.lvHead[li]!;
    if (o === NONE) return 0;
    const removed = this.lvQty[li]!;
    while (o !== NONE) {
      const next = this.oNext[o]!;
      this.ids.delete(this.oId[o]!);
      this.freeSlot(o);
      this.live--;
      o = next;
    }
    this.lvHead[li] = NONE;
    this.lvTail[li] = NONE;
    this.lvQty[li] = 0;
    this.lvCount[li] = 0;
    this.levelEmptied(side, idx);
    return removed;
  }

  /** Remove everything (keeps the allocated capacity and the ladder window). */
  clear(): void {
    this.ids.clear();
    this.freeHead = NONE;
    this.used = 0;
    this.live = 0;
    this.lvHead.fill(NONE);
    this.lvTail.fill(NONE);
    this.lvQty.fill(0);
    this.lvCount.fill(0);
    this.bits.fill(0);
    this.bidIdx = NONE;
    this.askIdx = NONE;
    this.bidLevels = 0;
    this.askLevels = 0;
  }

  // =====================================================================================
  // Queries
  // =====================================================================================

  has(orderId: number): boolean {
    return this.ids.get(orderId) !== NONE;
  }

  /** Resting quantity of an order. Throws a RangeError for an unknown id (use `has` first). */
  orderQty(orderId: number): number {
    return this.oQty[this.slotOf('orderQty', orderId)]!;
  }

  orderPrice(orderId: number): number {
    return this.oPrice[this.slotOf('orderPrice', orderId)]!;
  }

  orderSide(orderId: number): Side {
    return this.oSide[this.slotOf('orderSide', orderId)] as Side;
  }

  orderOwner(orderId: number): number {
    return this.oOwner[this.slotOf('orderOwner', orderId)]!;
  }

  /**
   * Total quantity ahead of this order at its level (its queue position in lots).
   * Cost: O(number of orders ahead of it), a walk along the FIFO links.
   */
  queueAhead(orderId: number): number {
    const o = this.slotOf('queueAhead', orderId);
    const prev = this.oPrev;
    const qty = this.oQty;
    let sum = 0;
    let p = prev[o]!;
    while (p !== NONE) {
      sum += qty[p]!;
      p = prev[p]!;
    }
    return sum;
  }

  /** Best bid in ticks; NaN when there are no bids. */
  bestBid(): number {
    return this.bidIdx === NONE ? NaN : this.base + this.bidIdx;
  }

  /** Best ask in ticks; NaN when there are no asks. */
  bestAsk(): number {
    return this.askIdx === NONE ? NaN : this.base + this.askIdx;
  }

  bestBidQty(): number {
    return this.bidIdx === NONE ? 0 : this.lvQty[this.bidIdx]!;
  }

  bestAskQty(): number {
    return this.askIdx === NONE ? 0 : this.lvQty[this.askIdx + this.width]!;
  }

  /** (bestBid + bestAsk) / 2 in ticks; NaN if a side is empty. */
  mid(): number {
    if (this.bidIdx === NONE || this.askIdx === NONE) return NaN;
    return this.base + (this.bidIdx + this.askIdx) / 2;
  }

  /** Size-weighted mid (bestBid·askQty + bestAsk·bidQty) / (bidQty + askQty); NaN if a side is empty. */
  microprice(): number {
    if (this.bidIdx === NONE || this.askIdx === NONE) return NaN;
    const bq = this.lvQty[this.bidIdx]!;
    const aq = this.lvQty[this.askIdx + this.width]!;
    const bid = this.base + this.bidIdx;
    const ask = this.base + this.askIdx;
    return (bid * aq + ask * bq) / (bq + aq);
  }

  /** bestAsk − bestBid in ticks; NaN if a side is empty. */
  spread(): number {
    if (this.bidIdx === NONE || this.askIdx === NONE) return NaN;
    return this.askIdx - this.bidIdx;
  }

  /** Total resting quantity at (side, price); 0 for an empty level. */
  levelQty(side: Side, priceTicks: number): number {
    checkPrice('levelQty', priceTicks);
    const off = priceTicks - this.base;
    if (off < 0 || off >= this.width) return 0;
    return this.lvQty[side === BUY ? off : off + this.width]!;
  }

  /** Id of the order at the back of the queue at (side, price); NaN for an empty level. */
  lastOrderAt(side: Side, priceTicks: number): number {
    checkPrice('lastOrderAt', priceTicks);
    const off = priceTicks - this.base;
    if (off < 0 || off >= this.width) return NaN;
    const o = this.lvTail[side === BUY ? off : off + this.width]!;
    return o === NONE ? NaN : this.oId[o]!;
  }

  /** Number of orders resting at (side, price). */
  levelOrderCount(side: Side, priceTicks: number): number {
    checkPrice('levelOrderCount', priceTicks);
    const off = priceTicks - this.base;
    if (off < 0 || off >= this.width) return 0;
    return this.lvCount[side === BUY ? off : off + this.width]!;
  }

  /**
   * Top `levels` levels per side, best first, into `out` (each array needs length ≥ levels). Missing
   * levels are written as NaN price and 0 size. Returns the number of levels written per side (the
   * larger of the two).
   */
  depth(levels: number, out: DepthBuffers): number {
    if (
      !Number.isSafeInteger(levels) ||
      levels < 0 ||
      out.bidPrices.length < levels ||
      out.bidSizes.length < levels ||
      out.askPrices.length < levels ||
      out.askSizes.length < levels
    ) {
      throw new RangeError(`depth: levels must be an integer in [0, buffer length], got ${levels}`);
    }
    const base = this.base;
    const lvQty = this.lvQty;
    const w = this.width;
    let nb = 0;
    let idx = this.bidIdx;
    while (nb < levels && idx !== NONE) {
      out.bidPrices[nb] = base + idx;
      out.bidSizes[nb] = lvQty[idx]!;
      nb++;
      idx = this.bidAtOrBelow(idx - 1);
    }
    for (let k = nb; k < levels; k++) {
      out.bidPrices[k] = NaN;
      out.bidSizes[k] = 0;
    }
    let na = 0;
    idx = this.askIdx;
    while (na < levels && idx !== NONE) {
      out.askPrices[na] = base + idx;
      out.askSizes[na] = lvQty[idx + w]!;
      na++;
      idx = this.askAtOrAbove(idx + 1);
    }
    for (let k = na; k < levels; k++) {
      out.askPrices[k] = NaN;
      out.askSizes[k] = 0;
    }
    return nb > na ? nb : na;
  }

  /**
   * The next non-empty level on `side` strictly worse than `priceTicks` (lower for bids, higher for
   * asks); NaN if there is none. Pass NaN to get the best level. Cost: a bitset scan (32 levels/step).
   */
  nextLevelPrice(side: Side, priceTicks: number): number {
    if (Number.isNaN(priceTicks)) return side === BUY ? this.bestBid() : this.bestAsk();
    checkPrice('nextLevelPrice', priceTicks);
    const off = priceTicks - this.base;
    let idx: number;
    if (side === BUY) {
      if (off <= 0) return NaN;
      idx = this.bidAtOrBelow(Math.min(off, this.width) - 1);
    } else {
      if (off >= this.width - 1) return NaN;
      idx = this.askAtOrAbove(Math.max(off, -1) + 1);
    }
    return idx === NONE ? NaN : this.base + idx;
  }

  /** Number of non-empty price levels on a side. */
  levelCount(side: Side): number {
    return side === BUY ? this.bidLevels : this.askLevels;
  }

  /** Number of resting orders (both sides). */
  orderCount(): number {
    return this.live;
  }

  /**
   * Re-derive every invariant from scratch; throws an Error naming the first violated one.
   * Cost O(ladder width + orders): for tests and debugging, not for hot paths.
   */
  checkIntegrity(): void {
    const w = this.width;
    let seen = 0;
    let highestBid = NONE;
    let lowestAsk = NONE;
    for (let s = 0; s < 2; s++) {
      let levels = 0;
      for (let idx = 0; idx < w; idx++) {
        const li = s === BUY ? idx : idx + w;
        const head = this.lvHead[li]!;
        const bit = (this.bits[s * this.words + (idx >>> 5)]! >>> (idx & 31)) & 1;
        if (head === NONE) {
          if (this.lvTail[li] !== NONE || this.lvQty[li] !== 0 || this.lvCount[li] !== 0 || bit !== 0) {
            fail('empty level has a tail, quantity, count or bitset bit', s, this.base + idx);
          }
          continue;
        }
        if (bit !== 1) fail('bitset bit missing for a non-empty level', s, this.base + idx);
        levels++;
        if (s === BUY) highestBid = idx;
        else if (lowestAsk === NONE) lowestAsk = idx;
        let sum = 0;
        let n = 0;
        let prev = NONE;
        let o = head;
        while (o !== NONE) {
          if (o < 0 || o >= this.used) fail('FIFO link points outside the pool', s, this.base + idx);
          if (this.oPrev[o] !== prev)
            fail('FIFO links inconsistent (prev ≠ predecessor)', s, this.base + idx);
          if (this.oSide[o] !== s) fail('order on the wrong side of the ladder', s, this.base + idx);
          if (this.oPrice[o] !== this.base + idx) fail('order at the wrong price level', s, this.base + idx);
          const q = this.oQty[o]!;
          if (!Number.isSafeInteger(q) || q <= 0)
            fail('order quantity not a positive integer', s, this.base + idx);
          if (this.ids.get(this.oId[o]!) !== o)
            fail('id map does not point to the resting order', s, this.base + idx);
          sum += q;
          n++;
          if (n > this.live) fail('FIFO cycle (more orders in a level than live orders)', s, this.base + idx);
          prev = o;
          o = this.oNext[o]!;
        }
        if (this.lvTail[li] !== prev)
          fail('level tail is not the last order of the FIFO', s, this.base + idx);
        if (sum !== this.lvQty[li]) fail('level total ≠ sum of its orders', s, this.base + idx);
        if (n !== this.lvCount[li]) fail('level order count ≠ number of its orders', s, this.base + idx);
        seen += n;
      }
      if (levels !== (s === BUY ? this.bidLevels : this.askLevels)) {
        throw new Error(`OrderBook integrity: level count wrong on side ${s}`);
      }
    }
    if (seen !== this.live) throw new Error('OrderBook integrity: live order count ≠ orders in levels');
    this.ids.checkIntegrity();
    if (this.ids.size !== this.live) throw new Error('OrderBook integrity: id map size ≠ live order count');
    if (highestBid !== this.bidIdx)
      throw new Error('OrderBook integrity: best bid is not the highest bid level');
    if (lowestAsk !== this.askIdx)
      throw new Error('OrderBook integrity: best ask is not the lowest ask level');
    if (highestBid !== NONE && lowestAsk !== NONE && highestBid >= lowestAsk) {
      throw new Error(
        `OrderBook integrity: book crossed or locked (bid ${this.base + highestBid} ≥ ask ${this.base + lowestAsk})`,
      );
    }
    let free = 0;
    for (let f = this.freeHead; f !== NONE; f = this.oNext[f]!) {
      if (++free > this.used) throw new Error('OrderBook integrity: free list has a cycle');
    }
    if (free + this.live !== this.used) throw new Error('OrderBook integrity: free list + live ≠ used slots');
  }

  // =====================================================================================
  // Internals
  // =====================================================================================

  private checkNew(op: string, orderId: number, side: Side, price: number, qty: number, owner: number): void {
    checkId(op, orderId);
    if (side !== BUY && side !== SELL) throw new RangeError(`${op}: side must be 0 or 1, got ${side}`);
    checkPrice(op, price);
    checkQty(op, qty);
    checkOwner(op, owner);
    if (this.ids.get(orderId) !== NONE) throw new RangeError(`${op}: duplicate order id ${orderId}`);
  }

  private slotOf(op: string, orderId: number): number {
    const o = this.ids.get(orderId);
    if (o === NONE) throw new RangeError(`${op}: unknown order id ${orderId}`);
    return o;
  }

  private levelIndexOf(o: number): number {
    const off = this.oPrice[o]! - this.base;
    return this.oSide[o] === BUY ? off : off + this.width;
  }

  /** True if an order of `side` at `price` would trade against the opposite best. */
  private crosses(side: Side, price: number): boolean {
    if (side === BUY) return this.askIdx !== NONE && this.base + this.askIdx <= price;
    return this.bidIdx !== NONE && this.base + this.bidIdx >= price;
  }

  /**
   * Match a taker against the opposite side up to `limit` (inclusive). Returns the unfilled remainder.
   */
  private match(takerSide: Side, limit: number, qty: number, takerId: number, takerOwner: number): number {
    const makerSide: Side = takerSide === BUY ? SELL : BUY;
    const cb = this.onFill;
    const head = this.lvHead;
    const lvQty = this.lvQty;
    const lvCount = this.lvCount;
    const oQty = this.oQty;
    const oNext = this.oNext;
    const oPrev = this.oPrev;
    const oId = this.oId;
    const oOwner = this.oOwner;
    let rem = qty;
    while (rem > 0) {
      const idx = makerSide === SELL ? this.askIdx : this.bidIdx;
      if (idx === NONE) break;
      const price = this.base + idx;
      if (takerSide === BUY ? price > limit : price < limit) break;
      const li = makerSide === SELL ? idx + this.width : idx;
      let o = head[li]!;
      while (o !== NONE && rem > 0) {
        const q = oQty[o]!;
        const makerId = oId[o]!;
        const makerOwner = oOwner[o]!;
        if (q <= rem) {
          // the maker is filled completely: pop it from the head of the queue
          rem -= q;
          const next = oNext[o]!;
          head[li] = next;
          lvQty[li] = lvQty[li]! - q;
          lvCount[li] = lvCount[li]! - 1;
          this.ids.delete(makerId);
          this.freeSlot(o);
          this.live--;
          if (next === NONE) {
            this.lvTail[li] = NONE;
            this.levelEmptied(makerSide, idx);
          } else {
            oPrev[next] = NONE;
          }
          if (cb !== null) cb(makerId, makerOwner, takerId, takerOwner, makerSide, price, q);
          o = next;
        } else {
          oQty[o] = q - rem;
          lvQty[li] = lvQty[li]! - rem;
          const fill = rem;
          rem = 0;
          if (cb !== null) cb(makerId, makerOwner, takerId, takerOwner, makerSide, price, fill);
        }
      }
    }
    return rem;
  }

  /** Allocate a slot for a new resting order and append it to its level. Price must be in the window. */
  private rest(orderId: number, side: Side, price: number, qty: number, owner: number): void {
    let o = this.freeHead;
    if (o !== NONE) {
      this.freeHead = this.oNext[o]!;
    } else {
      if (this.used === this.cap) this.growPool();
      o = this.used++;
    }
    this.oId[o] = orderId;
    this.oOwner[o] = owner;
    this.ids.set(orderId, o);
    this.live++;
    this.link(o, side, price, qty);
  }

  /** Append slot `o` (id/owner already set) at the back of (side, price) with `qty`. */
  private link(o: number, side: Side, price: number, qty: number): void {
    const idx = price - this.base;
    const li = side === BUY ? idx : idx + this.width;
    this.oQty[o] = qty;
    this.oPrice[o] = price;
    this.oSide[o] = side;
    this.oNext[o] = NONE;
    const tail = this.lvTail[li]!;
    this.oPrev[o] = tail;
    this.lvTail[li] = o;
    this.lvQty[li] = this.lvQty[li]! + qty;
    this.lvCount[li] = this.lvCount[li]! + 1;
    if (tail !== NONE) {
      this.oNext[tail] = o;
      return;
    }
    // the level was empty
    this.lvHead[li] = o;
    const wi = (side === BUY ? 0 : this.words) + (idx >>> 5);
    this.bits[wi] = this.bits[wi]! | (1 << (idx & 31));
    if (side === BUY) {
      this.bidLevels++;
      if (this.bidIdx === NONE || idx > this.bidIdx) this.bidIdx = idx;
    } else {
      this.askLevels++;
      if (this.askIdx === NONE || idx < this.askIdx) this.askIdx = idx;
    }
  }

  /** Unlink slot `o` from its level (keeps the slot and the id map entry). */
  private unlink(o: number): void {
    const side = this.oSide[o] as Side;
    const idx = this.oPrice[o]! - this.base;
    const li = side === BUY ? idx : idx + this.width;
    const p = this.oPrev[o]!;
    const n = this.oNext[o]!;
    if (p !== NONE) this.oNext[p] = n;
    else this.lvHead[li] = n;
    if (n !== NONE) this.oPrev[n] = p;
    else this.lvTail[li] = p;
    this.lvQty[li] = this.lvQty[li]! - this.oQty[o]!;
    this.lvCount[li] = this.lvCount[li]! - 1;
    if (this.lvHead[li] === NONE) this.levelEmptied(side, idx);
  }

  private removeOrder(o: number): void {
    this.unlink(o);
    this.ids.delete(this.oId[o]!);
    this.freeSlot(o);
    this.live--;
  }

  private freeSlot(o: number): void {
    this.oQty[o] = 0;
    this.oNext[o] = this.freeHead;
    this.freeHead = o;
  }

  /** Bookkeeping when (side, idx) has just become empty: bitset, level count, best price. */
  private levelEmptied(side: Side, idx: number): void {
    const wi = (side === BUY ? 0 : this.words) + (idx >>> 5);
    this.bits[wi] = this.bits[wi]! & ~(1 << (idx & 31));
    if (side === BUY) {
      this.bidLevels--;
      if (idx === this.bidIdx) this.bidIdx = this.bidAtOrBelow(idx - 1);
    } else {
      this.askLevels--;
      if (idx === this.askIdx) this.askIdx = this.askAtOrAbove(idx + 1);
    }
  }

  /** Highest non-empty bid index ≤ i, or NONE. */
  private bidAtOrBelow(i: number): number {
    if (i < 0) return NONE;
    const bits = this.bits;
    let w = i >>> 5;
    const b = i & 31;
    let word = bits[w]! & (b === 31 ? -1 : (1 << (b + 1)) - 1);
    for (;;) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word);
      if (--w < 0) return NONE;
      word = bits[w]!;
    }
  }

  /** Lowest non-empty ask index ≥ i, or NONE. */
  private askAtOrAbove(i: number): number {
    if (i >= this.width) return NONE;
    const bits = this.bits;
    const words = this.words;
    let w = i >>> 5;
    let word = bits[words + w]! & (-1 << (i & 31));
    for (;;) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
      if (++w >= words) return NONE;
      word = bits[words + w]!;
    }
  }

  private growPool(): void {
    const cap = this.cap * 2;
    this.oId = growF64(this.oId, cap);
    this.oQty = growF64(this.oQty, cap);
    this.oPrice = growI32(this.oPrice, cap);
    this.oOwner = growI32(this.oOwner, cap);
    this.oPrev = growI32(this.oPrev, cap);
    this.oNext = growI32(this.oNext, cap);
    const side = new Uint8Array(cap);
    side.set(this.oSide);
    this.oSide = side;
    this.cap = cap;
  }

  /**
   * Whether a limit order at `priceTicks` can rest in this book: false when the live prices plus this
   * one would span more than maxLadderWidth / 2 ticks (addLimit and modify would throw). Allocates
   * nothing; a simulator checks it to reject an absurd quote (a venue's price band) instead of failing.
   */
  fits(priceTicks: number): boolean {
    const off = priceTicks - this.base;
    if (off >= 0 && off < this.width) return true;
    if (this.bidIdx === NONE && this.askIdx === NONE) return true;
    const lo = Math.min(priceTicks, this.base + this.lowestLiveIndex());
    const hi = Math.max(priceTicks, this.base + this.highestLiveIndex());
    return 2 * (hi - lo + 1) <= this.maxWidth;
  }

  /**
   * Make `price` addressable: re-center the ladder on the live prices plus `price`, doubling the width
   * as needed. Throws (before changing anything) if the span would exceed maxLadderWidth / 2.
   */
  private fitPrice(price: number): void {
    if (this.bidIdx === NONE && this.askIdx === NONE) {
      // empty book: every level array is already clean, just move the window
      this.base = price - (this.width >>> 1);
      return;
    }
    const loIdx = this.lowestLiveIndex();
    const hiIdx = this.highestLiveIndex();
    const lo = Math.min(price, this.base + loIdx);
    const hi = Math.max(price, this.base + hiIdx);
    const span = hi - lo + 1;
    let width = this.width;
    while (width < 2 * span && width < this.maxWidth) width *= 2;
    if (width < 2 * span) {
      throw new RangeError(
        `OrderBook: price ${price} is too far from the live book (span ${span} ticks; ` +
          `the ladder is limited to ${this.maxWidth / 2} ticks, option maxLadderWidth)`,
      );
    }
    const newBase = Math.floor((lo + hi) / 2) - width / 2;
    const shift = this.base - newBase; // new index = old index + shift
    const head = new Int32Array(2 * width).fill(NONE);
    const tail = new Int32Array(2 * width).fill(NONE);
    const qty = new Float64Array(2 * width);
    const count = new Int32Array(2 * width);
    const words = width >>> 5;
    const bits = new Int32Array(2 * words);
    for (let s = 0; s < 2; s++) {
      const from = s === BUY ? 0 : this.width;
      const to = s === BUY ? 0 : width;
      head.set(this.lvHead.subarray(from + loIdx, from + hiIdx + 1), to + loIdx + shift);
      tail.set(this.lvTail.subarray(from + loIdx, from + hiIdx + 1), to + loIdx + shift);
      qty.set(this.lvQty.subarray(from + loIdx, from + hiIdx + 1), to + loIdx + shift);
      count.set(this.lvCount.subarray(from + loIdx, from + hiIdx + 1), to + loIdx + shift);
      for (let i = loIdx + shift; i <= hiIdx + shift; i++) {
        if (head[to + i] !== NONE)
          bits[s * words + (i >>> 5)] = bits[s * words + (i >>> 5)]! | (1 << (i & 31));
      }
    }
    this.lvHead = head;
    this.lvTail = tail;
    this.lvQty = qty;
    this.lvCount = count;
    this.bits = bits;
    this.width = width;
    this.words = words;
    this.base = newBase;
    if (this.bidIdx !== NONE) this.bidIdx += shift;
    if (this.askIdx !== NONE) this.askIdx += shift;
  }

  private lowestLiveIndex(): number {
    let best = NONE;
    for (let s = 0; s < 2; s++) {
      for (let w = 0; w < this.words; w++) {
        const word = this.bits[s * this.words + w]!;
        if (word !== 0) {
          const i = (w << 5) + 31 - Math.clz32(word & -word);
          if (best === NONE || i < best) best = i;
          break;
        }
      }
    }
    return best;
  }

  private highestLiveIndex(): number {
    let best = NONE;
    for (let s = 0; s < 2; s++) {
      for (let w = this.words - 1; w >= 0; w--) {
        const word = this.bits[s * this.words + w]!;
        if (word !== 0) {
          const i = (w << 5) + 31 - Math.clz32(word);
          if (i > best) best = i;
          break;
        }
      }
    }
    return best;
  }
}

/**
 * External order id (any safe integer) → pool slot: open addressing with linear probing over typed
 * arrays, power-of-two capacity kept at most half full, deletion by backward shift (no tombstones).
 * Unlike a Map it never allocates per operation (a Map boxes non-Smi keys such as ids ≥ 2^31 or
 * negative ids) and returns −1 instead of undefined.
 */
export class IdIndex {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < 2 * capacity) cap *= 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(NONE);
    this.mask = cap - 1;
  }

  /** The value for `key`, or −1. */
  get(key: number): number {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hashId(key) & mask;
    for (;;) {
      const v = vals[i]!;
      if (v === NONE || keys[i] === key) return v;
      i = (i + 1) & mask;
    }
  }

  /** Insert or overwrite; `val` must be ≥ 0. */
  set(key: number, val: number): void {
    if (2 * (this.size + 1) > this.vals.length) this.grow();
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hashId(key) & mask;
    for (;;) {
      const v = vals[i]!;
      if (v === NONE) {
        keys[i] = key;
        vals[i] = val;
        this.size++;
        return;
      }
      if (keys[i] === key) {
        vals[i] = val;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Remove `key`; returns false if it was absent. */
  delete(key: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hashId(key) & mask;
    for (;;) {
      const v = vals[i]!;
      if (v === NONE) return false;
      if (keys[i] === key) break;
      i = (i + 1) & mask;
    }
    // backward-shift deletion: move later members of the probe run into the hole when allowed
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (vals[j] === NONE) break;
      const home = hashId(keys[j]!) & mask;
      // the entry at j may move to the hole i unless its home lies cyclically in (i, j]
      const movable = i <= j ? home <= i || home > j : home <= i && home > j;
      if (movable) {
        keys[i] = keys[j]!;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    vals[i] = NONE;
    this.size--;
    return true;
  }

  clear(): void {
    this.vals.fill(NONE);
    this.size = 0;
  }

  /** Every entry is reachable from its home slot without crossing an empty slot; size is right. */
  checkIntegrity(): void {
    const mask = this.mask;
    let n = 0;
    for (let j = 0; j <= mask; j++) {
      if (this.vals[j] === NONE) continue;
      n++;
      for (let i = hashId(this.keys[j]!) & mask; i !== j; i = (i + 1) & mask) {
        if (this.vals[i] === NONE) throw new Error('OrderBook integrity: id index probe run broken');
      }
    }
    if (n !== this.size) throw new Error('OrderBook integrity: id index size wrong');
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldVals.length * 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(NONE);
    this.mask = cap - 1;
    this.size = 0;
    for (let j = 0; j < oldVals.length; j++) {
      if (oldVals[j] !== NONE) this.set(oldKeys[j]!, oldVals[j]!);
    }
  }
}

/** 32-bit hash of a safe-integer id: both 32-bit halves, murmur3-style finalizer. */
function hashId(id: number): number {
  const lo = id | 0;
  const hi = ((id - (id >>> 0)) * 2.3283064365386963e-10) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function fail(what: string, side: number, price: number): never {
  throw new Error(`OrderBook integrity: ${what} (side ${side === BUY ? 'bid' : 'ask'}, price ${price})`);
}

function roundUp32(n: number): number {
  return Math.ceil(n / 32) * 32;
}

function checkId(op: string, id: number): void {
  if (!Number.isSafeInteger(id)) throw new RangeError(`${op}: order id must be a safe integer, got ${id}`);
}

function checkPrice(op: string, price: number): void {
  if ((price | 0) !== price) {
    throw new RangeError(`${op}: price must be an integer number of ticks (32-bit), got ${price}`);
  }
}

function checkQty(op: string, qty: number): void {
  if (!Number.isSafeInteger(qty) || qty <= 0) {
    throw new RangeError(`${op}: quantity must be a positive integer number of lots, got ${qty}`);
  }
}

function checkOwner(op: string, owner: number): void {
  if ((owner | 0) !== owner) throw new RangeError(`${op}: owner must be a 32-bit integer, got ${owner}`);
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
