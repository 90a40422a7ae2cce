import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import type { Side } from '../domain/side';
import { IdIndex, NO_ORDER_ID, OrderBook, createDepthBuffers } from './order-book';
import { generateBookOps, replayBookOps } from '../data/book-bench';

interface Fill {
  maker: number;
  makerOwner: number;
  taker: number;
  takerOwner: number;
  makerSide: Side;
  price: number;
  qty: number;
}

function recording(book: OrderBook): Fill[] {
  const fills: Fill[] = [];
  book.onFill = (maker, makerOwner, taker, takerOwner, makerSide, price, qty) => {
    fills.push({ maker, makerOwner, taker, takerOwner, makerSide, price, qty });
  };
  return fills;
}

function f(maker: number, taker: number, makerSide: Side, price: number, qty: number, owners = [0, 0]): Fill {
  return { maker, makerOwner: owners[0]!, taker, takerOwner: owners[1]!, makerSide, price, qty };
}

describe('OrderBook: empty book', () => {
  it('reports NaN prices, zero sizes and fills nothing', () => {
    const book = new OrderBook();
    expect(book.bestBid()).toBeNaN();
    expect(book.bestAsk()).toBeNaN();
    expect(book.bestBidQty()).toBe(0);
    expect(book.bestAskQty()).toBe(0);
    expect(book.mid()).toBeNaN();
    expect(book.microprice()).toBeNaN();
    expect(book.spread()).toBeNaN();
    expect(book.market(BUY, 10)).toBe(0);
    expect(book.market(SELL, 10)).toBe(0);
    expect(book.addIoc(1, BUY, 100, 5)).toBe(0);
    expect(book.orderCount()).toBe(0);
    expect(book.levelCount(BUY)).toBe(0);
    const out = createDepthBuffers(3);
    expect(book.depth(3, out)).toBe(0);
    expect([...out.bidPrices].every(Number.isNaN)).toBe(true);
    expect([...out.askSizes]).toEqual([0, 0, 0]);
    book.checkIntegrity();
  });

  it('a one-sided book has NaN mid, microprice and spread', () => {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 5);
    expect(book.bestBid()).toBe(100);
    expect(book.mid()).toBeNaN();
    expect(book.microprice()).toBeNaN();
    expect(book.spread()).toBeNaN();
  });
});

describe('OrderBook: resting orders and queries', () => {
  it('rests non-crossing orders and answers per-order and per-level queries', () => {
    const book = new OrderBook();
    expect(book.addLimit(1, BUY, 99, 10)).toBe(10);
    expect(book.addLimit(2, BUY, 100, 5, 1)).toBe(5);
    expect(book.addLimit(3, SELL, 102, 7)).toBe(7);
    expect(book.addLimit(4, SELL, 102, 3)).toBe(3);
    expect(book.bestBid()).toBe(100);
    expect(book.bestAsk()).toBe(102);
    expect(book.bestBidQty()).toBe(5);
    expect(book.bestAskQty()).toBe(10);
    expect(book.levelQty(SELL, 102)).toBe(10);
    expect(book.levelQty(BUY, 101)).toBe(0);
    expect(book.levelQty(BUY, 1_000_000)).toBe(0);
    expect(book.levelOrderCount(SELL, 102)).toBe(2);
    expect(book.levelCount(BUY)).toBe(2);
    expect(book.levelCount(SELL)).toBe(1);
    expect(book.orderCount()).toBe(4);
    expect(book.has(2)).toBe(true);
    expect(book.has(5)).toBe(false);
    expect(book.orderQty(2)).toBe(5);
    expect(book.orderPrice(2)).toBe(100);
    expect(book.orderSide(2)).toBe(BUY);
    expect(book.orderOwner(2)).toBe(1);
    expect(book.orderOwner(1)).toBe(0);
    expect(book.queueAhead(4)).toBe(7);
    expect(book.queueAhead(3)).toBe(0);
    book.checkIntegrity();
  });

  it('computes mid, microprice and spread by hand', () => {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 30);
    book.addLimit(2, SELL, 102, 10);
    expect(book.mid()).toBe(101);
    expect(book.spread()).toBe(2);
    // (100·10 + 102·30) / 40 = 4060 / 40: the larger bid queue pulls the microprice towards the ask
    expect(book.microprice()).toBe(101.5);
    book.addLimit(3, SELL, 102, 30);
    // (100·40 + 102·30) / 70 = 7060 / 70
    expect(book.microprice()).toBeCloseTo(7060 / 70, 12);
    book.addLimit(4, BUY, 101, 1);
    expect(book.mid()).toBe(101.5);
    expect(book.spread()).toBe(1);
  });

  it('depth fills best-first with NaN/0 for missing levels and returns the larger side count', () => {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 1);
    book.addLimit(2, BUY, 98, 2);
    book.addLimit(3, BUY, 95, 3);
    book.addLimit(4, SELL, 101, 4);
    const out = createDepthBuffers(4);
    expect(book.depth(4, out)).toBe(3);
    expect([...out.bidPrices.subarray(0, 3)]).toEqual([100, 98, 95]);
    expect(out.bidPrices[3]).toBeNaN();
    expect([...out.bidSizes]).toEqual([1, 2, 3, 0]);
    expect(out.askPrices[0]).toBe(101);
    expect(out.askPrices[1]).toBeNaN();
    expect([...out.askSizes]).toEqual([4, 0, 0, 0]);
    expect(book.depth(2, out)).toBe(2);
    expect(() => book.depth(5, out)).toThrow(RangeError);
  });

  it('nextLevelPrice walks the non-empty levels from best to worst', () => {
    const book = new OrderBook();
    for (const [id, p] of [
      [1, 100],
      [2, 97],
      [3, 60],
    ] as const) {
      book.addLimit(id, BUY, p, 1);
    }
    book.addLimit(4, SELL, 105, 1);
    book.addLimit(5, SELL, 140, 1);
    const walk = (side: Side): number[] => {
      const xs: number[] = [];
      for (let p = book.nextLevelPrice(side, NaN); !Number.isNaN(p); p = book.nextLevelPrice(side, p))
        xs.push(p);
      return xs;
    };
    expect(walk(BUY)).toEqual([100, 97, 60]);
    expect(walk(SELL)).toEqual([105, 140]);
    expect(book.nextLevelPrice(BUY, 99)).toBe(97);
    expect(book.nextLevelPrice(SELL, 106)).toBe(140);
    expect(book.nextLevelPrice(BUY, -1_000_000)).toBeNaN();
    expect(book.nextLevelPrice(BUY, 1_000_000)).toBe(100);
  });
});

describe('OrderBook: matching', () => {
  it('partially fills a resting order (the resting order is the maker)', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 101, 10, 0);
    expect(book.addLimit(2, BUY, 101, 4, 1)).toBe(0);
    expect(fills).toEqual([f(1, 2, SELL, 101, 4, [0, 1])]);
    expect(book.orderQty(1)).toBe(6);
    expect(book.has(2)).toBe(false);
    expect(book.bestAsk()).toBe(101);
    expect(book.bestAskQty()).toBe(6);
    book.checkIntegrity();
  });

  it('rests the remainder of a taker larger than the opposite side', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 101, 10);
    expect(book.addLimit(2, BUY, 102, 15)).toBe(5);
    expect(fills).toEqual([f(1, 2, SELL, 101, 10)]);
    expect(book.bestAsk()).toBeNaN();
    expect(book.bestBid()).toBe(102);
    expect(book.orderQty(2)).toBe(5);
    book.checkIntegrity();
  });

  it('walks several levels in price-time order and stops at the limit', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 100, 5);
    book.addLimit(2, SELL, 101, 4);
    book.addLimit(3, SELL, 100, 3); // same price as 1, later: behind it
    book.addLimit(4, SELL, 103, 10);
    expect(book.addLimit(9, BUY, 102, 15)).toBe(3);
    expect(fills).toEqual([f(1, 9, SELL, 100, 5), f(3, 9, SELL, 100, 3), f(2, 9, SELL, 101, 4)]);
    expect(book.bestBid()).toBe(102);
    expect(book.bestAsk()).toBe(103);
    expect(book.levelCount(SELL)).toBe(1);
    book.checkIntegrity();
  });

  it('sell takers walk the bids downwards', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, BUY, 100, 2);
    book.addLimit(2, BUY, 99, 2);
    book.addLimit(3, BUY, 97, 2);
    expect(book.addLimit(4, SELL, 98, 5)).toBe(1);
    expect(fills).toEqual([f(1, 4, BUY, 100, 2), f(2, 4, BUY, 99, 2)]);
    expect(book.bestAsk()).toBe(98);
    expect(book.bestBid()).toBe(97);
  });

  it('market orders walk without a limit, report fills and discard the remainder', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 100, 5);
    book.addLimit(2, SELL, 150, 5);
    expect(book.market(BUY, 7, 77, 1)).toBe(7);
    expect(fills).toEqual([f(1, 77, SELL, 100, 5, [0, 1]), f(2, 77, SELL, 150, 2, [0, 1])]);
    expect(book.market(BUY, 10)).toBe(3);
    expect(fills[2]).toEqual(f(2, NO_ORDER_ID, SELL, 150, 3));
    expect(book.orderCount()).toBe(0);
    expect(book.market(BUY, 10)).toBe(0);
    book.checkIntegrity();
  });

  it('IOC fills what crosses and never rests', () => {
    const book = new OrderBook();
    book.addLimit(1, SELL, 100, 5);
    book.addLimit(2, SELL, 101, 5);
    expect(book.addIoc(3, BUY, 100, 8)).toBe(5);
    expect(book.has(3)).toBe(false);
    expect(book.bestBid()).toBeNaN();
    expect(book.addIoc(4, BUY, 99, 8)).toBe(0);
    expect(book.bestAsk()).toBe(101);
    expect(() => book.addIoc(2, BUY, 101, 1)).toThrow(/duplicate order id 2/);
  });

  it('FIFO within a level: the earliest order fills first', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(10, BUY, 100, 1);
    book.addLimit(11, BUY, 100, 2);
    book.addLimit(12, BUY, 100, 3);
    book.market(SELL, 4);
    expect(fills.map((x) => [x.maker, x.qty])).toEqual([
      [10, 1],
      [11, 2],
      [12, 1],
    ]);
    expect(book.orderQty(12)).toBe(2);
    expect(book.queueAhead(12)).toBe(0);
  });

  it('does not prevent self-trades (documented): same-owner orders trade and are reported', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 100, 5, 1);
    expect(book.addLimit(2, BUY, 100, 5, 1)).toBe(0);
    expect(fills).toEqual([f(1, 2, SELL, 100, 5, [1, 1])]);
  });

  it('the book is consistent when the fill listener runs (emptied level already removed)', () => {
    const book = new OrderBook();
    book.addLimit(1, SELL, 100, 5);
    book.addLimit(2, SELL, 101, 5);
    const seen: number[] = [];
    book.onFill = () => {
      seen.push(book.bestAsk(), book.levelCount(SELL));
    };
    book.market(BUY, 6);
    expect(seen).toEqual([101, 1, 101, 1]);
  });
});

describe('OrderBook: cancel, reduce, execute and queue position', () => {
  it('tracks the queue position as orders ahead are cancelled, reduced and executed', () => {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 5);
    book.addLimit(2, BUY, 100, 3);
    book.addLimit(3, BUY, 100, 7);
    book.addLimit(4, BUY, 100, 2);
    book.addLimit(5, BUY, 99, 50); // another level does not count
    expect(book.queueAhead(4)).toBe(15);
    expect(book.cancel(2)).toBe(true);
    expect(book.queueAhead(4)).toBe(12);
    expect(book.reduce(1, 2)).toBe(3);
    expect(book.queueAhead(4)).toBe(10);
    expect(book.execute(3, 4)).toBe(4);
    expect(book.queueAhead(4)).toBe(6);
    expect(book.market(SELL, 3)).toBe(3); // order 1 (3 lots) is gone
    expect(book.has(1)).toBe(false);
    expect(book.queueAhead(4)).toBe(3);
    expect(book.queueAhead(3)).toBe(0);
    expect(book.levelQty(BUY, 100)).toBe(5);
    book.checkIntegrity();
  });

  it('cancel returns false for unknown ids; cancelling the last order removes the level', () => {
    const book = new OrderBook();
    book.addLimit(1, SELL, 105, 5);
    book.addLimit(2, SELL, 103, 5);
    expect(book.cancel(42)).toBe(false);
    expect(book.cancel(2)).toBe(true);
    expect(book.cancel(2)).toBe(false);
    expect(book.bestAsk()).toBe(105);
    expect(book.levelCount(SELL)).toBe(1);
    book.checkIntegrity();
  });

  it('reduce keeps priority, removes at zero, and rejects unknown ids and bad sizes', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, BUY, 100, 5);
    book.addLimit(2, BUY, 100, 5);
    expect(book.reduce(1, 4)).toBe(1);
    book.market(SELL, 1);
    expect(fills[0]!.maker).toBe(1); // still first in the queue
    expect(book.reduce(2, 9)).toBe(0);
    expect(book.has(2)).toBe(false);
    expect(book.orderCount()).toBe(0);
    expect(() => book.reduce(2, 1)).toThrow(/unknown order id 2/);
    book.addLimit(3, BUY, 100, 5);
    expect(() => book.reduce(3, 0)).toThrow(RangeError);
    expect(() => book.reduce(3, 1.5)).toThrow(RangeError);
    expect(book.orderQty(3)).toBe(5);
  });

  it('execute hits a named order anywhere in the queue, reports it, and clamps to its size', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 100, 5);
    book.addLimit(2, SELL, 100, 5, 1);
    expect(book.execute(2, 3, 99, 0)).toBe(3);
    expect(fills).toEqual([f(2, 99, SELL, 100, 3, [1, 0])]);
    expect(book.execute(2, 10)).toBe(2);
    expect(fills[1]).toEqual(f(2, NO_ORDER_ID, SELL, 100, 2, [1, 0]));
    expect(book.has(2)).toBe(false);
    expect(book.orderQty(1)).toBe(5);
    expect(() => book.execute(2, 1)).toThrow(/unknown order id/);
    book.checkIntegrity();
  });

  it('cancelLevel removes a whole level without fills', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, BUY, 100, 5);
    book.addLimit(2, BUY, 100, 6);
    book.addLimit(3, BUY, 99, 7);
    expect(book.cancelLevel(BUY, 100)).toBe(11);
    expect(book.cancelLevel(BUY, 100)).toBe(0);
    expect(book.has(1) || book.has(2)).toBe(false);
    expect(book.bestBid()).toBe(99);
    expect(fills).toEqual([]);
    book.checkIntegrity();
  });
});

describe('OrderBook: modify', () => {
  function threeAt100(): { book: OrderBook; fills: Fill[] } {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, BUY, 100, 5);
    book.addLimit(2, BUY, 100, 5);
    book.addLimit(3, BUY, 100, 5);
    return { book, fills };
  }

  it('size down at the same price keeps priority', () => {
    const { book, fills } = threeAt100();
    expect(book.modify(1, 100, 2)).toBe(true);
    expect(book.orderQty(1)).toBe(2);
    expect(book.queueAhead(2)).toBe(2);
    expect(book.levelQty(BUY, 100)).toBe(12);
    book.market(SELL, 3);
    expect(fills.map((x) => [x.maker, x.qty])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('an unchanged modify keeps priority', () => {
    const { book } = threeAt100();
    expect(book.modify(1, 100, 5)).toBe(true);
    expect(book.queueAhead(1)).toBe(0);
  });

  it('size up at the same price loses priority (back of the queue)', () => {
    const { book } = threeAt100();
    expect(book.modify(1, 100, 6)).toBe(true);
    expect(book.queueAhead(1)).toBe(10);
    expect(book.queueAhead(2)).toBe(0);
    expect(book.levelQty(BUY, 100)).toBe(16);
    book.checkIntegrity();
  });

  it('a price change loses priority, even when moving back to the original price', () => {
    const { book } = threeAt100();
    expect(book.modify(1, 99, 5)).toBe(true);
    expect(book.bestBidQty()).toBe(10);
    expect(book.levelQty(BUY, 99)).toBe(5);
    expect(book.modify(1, 100, 5)).toBe(true);
    expect(book.queueAhead(1)).toBe(10);
    book.checkIntegrity();
  });

  it('a crossing new price trades as a taker, then rests the remainder', () => {
    const book = new OrderBook();
    const fills = recording(book);
    book.addLimit(1, SELL, 102, 3, 0);
    book.addLimit(2, SELL, 103, 3, 0);
    book.addLimit(7, BUY, 100, 5, 1);
    expect(book.modify(7, 102, 5)).toBe(true);
    expect(fills).toEqual([f(1, 7, SELL, 102, 3, [0, 1])]);
    expect(book.orderQty(7)).toBe(2);
    expect(book.orderPrice(7)).toBe(102);
    expect(book.orderOwner(7)).toBe(1);
    expect(book.bestBid()).toBe(102);
    expect(book.bestAsk()).toBe(103);
    expect(book.modify(7, 104, 3)).toBe(true); // fully filled by the modify: the order is gone
    expect(fills.at(-1)).toEqual(f(2, 7, SELL, 103, 3, [0, 1]));
    expect(book.has(7)).toBe(false);
    expect(book.orderCount()).toBe(0);
    book.checkIntegrity();
  });

  it('returns false for unknown ids and rejects bad prices and sizes without changing the order', () => {
    const { book } = threeAt100();
    expect(book.modify(9, 100, 1)).toBe(false);
    expect(() => book.modify(1, 100.5, 1)).toThrow(RangeError);
    expect(() => book.modify(1, 100, 0)).toThrow(RangeError);
    expect(book.orderQty(1)).toBe(5);
    expect(book.queueAhead(1)).toBe(0);
  });
});

describe('OrderBook: validation', () => {
  it('throws RangeError on bad input and leaves the book unchanged', () => {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 5);
    const bad: Array<() => unknown> = [
      () => book.addLimit(2, BUY, 100, 0),
      () => book.addLimit(2, BUY, 100, -3),
      () => book.addLimit(2, BUY, 100, 1.5),
      () => book.addLimit(2, BUY, 100, NaN),
      () => book.addLimit(2, BUY, 100.5, 1),
      () => book.addLimit(2, BUY, NaN, 1),
      () => book.addLimit(2, BUY, 2 ** 31, 1),
      () => book.addLimit(2, BUY, Infinity, 1),
      () => book.addLimit(1, SELL, 101, 1), // duplicate id
      () => book.addLimit(1.5, SELL, 101, 1),
      () => book.addLimit(2 ** 53, SELL, 101, 1),
      () => book.addLimit(2, 2 as Side, 101, 1),
      () => book.addLimit(2, SELL, 101, 1, 0.5),
      () => book.market(BUY, 0),
      () => book.market(3 as Side, 1),
      () => book.addIoc(2, BUY, 100, 0),
      () => book.levelQty(BUY, 0.5),
      () => book.orderQty(2),
      () => book.queueAhead(2),
      () => book.orderSide(2),
    ];
    for (const call of bad) expect(call).toThrow(RangeError);
    expect(() => book.addLimit(1, SELL, 101, 1)).toThrow(/duplicate order id 1/);
    expect(book.orderCount()).toBe(1);
    expect(book.bestAsk()).toBeNaN();
    expect(book.orderQty(1)).toBe(5);
    book.checkIntegrity();
  });

  it('accepts negative prices and ids, and large safe-integer ids', () => {
    const book = new OrderBook();
    book.addLimit(-5, BUY, -10, 1);
    book.addLimit(2 ** 53 - 1, SELL, -8, 1);
    expect(book.bestBid()).toBe(-10);
    expect(book.bestAsk()).toBe(-8);
    expect(book.orderQty(2 ** 53 - 1)).toBe(1);
    book.checkIntegrity();
  });

  it('rejects bad constructor options', () => {
    expect(() => new OrderBook({ capacity: 0 })).toThrow(RangeError);
    expect(() => new OrderBook({ ladderWidth: 64, maxLadderWidth: 32 })).toThrow(RangeError);
  });
});

describe('OrderBook: growth and re-centering', () => {
  it('grows the pool and re-centers/doubles the ladder as prices spread out', () => {
    const book = new OrderBook({ capacity: 2, ladderWidth: 32 });
    let id = 1;
    for (let i = 0; i < 300; i++) book.addLimit(id++, BUY, 1000 - 7 * i, 1 + (i % 3));
    for (let i = 0; i < 300; i++) book.addLimit(id++, SELL, 1001 + 11 * i, 2);
    book.checkIntegrity();
    expect(book.orderCount()).toBe(600);
    expect(book.bestBid()).toBe(1000);
    expect(book.bestAsk()).toBe(1001);
    expect(book.levelCount(BUY)).toBe(300);
    expect(book.levelQty(BUY, 1000 - 7 * 299)).toBe(1 + (299 % 3));
    expect(book.nextLevelPrice(SELL, 1001 + 11 * 298)).toBe(1001 + 11 * 299);
    // the whole book sweeps through correctly after the moves
    expect(book.market(SELL, 10_000)).toBe(600);
    expect(book.market(BUY, 10_000)).toBe(600);
    book.checkIntegrity();
  });

  it('moves the window of an empty book freely, and follows a trending market', () => {
    const book = new OrderBook({ ladderWidth: 64 });
    book.addLimit(1, BUY, 5_000_000, 1);
    book.cancel(1);
    book.addLimit(2, BUY, -5_000_000, 1);
    expect(book.bestBid()).toBe(-5_000_000);
    book.cancel(2);
    for (let i = 0; i < 2000; i++) {
      book.addLimit(10 + i, SELL, 100 + i, 1);
      if (i >= 5) book.cancel(10 + i - 5);
    }
    expect(book.levelCount(SELL)).toBe(5);
    expect(book.bestAsk()).toBe(2095);
    book.checkIntegrity();
  });

  it('refuses a price too far from the live book without changing anything', () => {
    const book = new OrderBook({ ladderWidth: 64, maxLadderWidth: 256 });
    book.addLimit(1, BUY, 100, 1);
    book.addLimit(2, SELL, 120, 1);
    expect(book.fits(100 + 200)).toBe(false);
    expect(book.fits(-200)).toBe(false);
    expect(book.fits(110)).toBe(true);
    expect(() => book.addLimit(3, SELL, 100 + 200, 1)).toThrow(/too far/);
    expect(() => book.modify(1, -200, 1)).toThrow(/too far/);
    expect(book.orderCount()).toBe(2);
    expect(book.orderPrice(1)).toBe(100);
    book.addLimit(4, SELL, 100 + 120, 1); // within reach
    book.checkIntegrity();
  });

  it('fits() answers exactly what addLimit would do, at the edge of the ladder', () => {
    for (const price of [226, 227, 228, 229, -27, -28, -29]) {
      const book = new OrderBook({ ladderWidth: 64, maxLadderWidth: 256 });
      book.addLimit(1, BUY, 100, 1);
      book.addLimit(2, SELL, 120, 1);
      const fits = book.fits(price);
      let threw = false;
      try {
        book.addLimit(3, price > 100 ? SELL : BUY, price, 1);
      } catch {
        threw = true;
      }
      expect({ price, fits }).toEqual({ price, fits: !threw });
    }
    const book = new OrderBook({ ladderWidth: 64, maxLadderWidth: 256 });
    book.addLimit(1, BUY, 100, 1);
    expect(book.fits(227)).toBe(true); // span 128 ticks = maxLadderWidth / 2
    expect(book.fits(228)).toBe(false);
  });

  it('clear() empties the book and it is reusable', () => {
    const book = new OrderBook({ capacity: 2 });
    for (let i = 0; i < 10; i++)
      book.addLimit(i, i % 2 === 0 ? BUY : SELL, i % 2 === 0 ? 90 + i : 110 + i, 1);
    book.clear();
    expect(book.orderCount()).toBe(0);
    expect(book.bestBid()).toBeNaN();
    expect(book.has(0)).toBe(false);
    book.checkIntegrity();
    book.addLimit(0, BUY, 50, 1);
    expect(book.bestBid()).toBe(50);
    book.checkIntegrity();
  });
});

describe('OrderBook: a realistic seeded stream (the benchmark mix)', () => {
  it('is deterministic and keeps every invariant', () => {
    const a = generateBookOps(30_000, 7);
    const b = generateBookOps(30_000, 7);
    expect(Buffer.from(a.price.buffer).equals(Buffer.from(b.price.buffer))).toBe(true);
    expect(Buffer.from(a.id.buffer).equals(Buffer.from(b.id.buffer))).toBe(true);
    const book = new OrderBook({ capacity: 16, ladderWidth: 64 });
    let fills = 0;
    book.onFill = () => {
      fills++;
    };
    for (let start = 0; start < a.n; start += 3000) {
      replayBookOps(book, {
        n: Math.min(3000, a.n - start),
        op: a.op.subarray(start),
        side: a.side.subarray(start),
        price: a.price.subarray(start),
        qty: a.qty.subarray(start),
        id: a.id.subarray(start),
      });
      book.checkIntegrity();
    }
    expect(fills).toBeGreaterThan(1000);
    expect(book.orderCount()).toBeGreaterThan(100);
    // the same stream into a default book ends in the same state
    const other = new OrderBook();
    replayBookOps(other, a);
    const x = createDepthBuffers(20);
    const y = createDepthBuffers(20);
    book.depth(20, x);
    other.depth(20, y);
    expect(x).toEqual(y);
  });
});

describe('OrderBook: checkIntegrity names the violated invariant', () => {
  type Internals = { lvQty: Float64Array; oPrev: Int32Array; bidIdx: number; base: number };
  function corrupted(mutate: (x: Internals, book: OrderBook) => void): () => void {
    const book = new OrderBook();
    book.addLimit(1, BUY, 100, 5);
    book.addLimit(2, BUY, 100, 5);
    book.addLimit(3, BUY, 99, 5);
    book.addLimit(4, SELL, 101, 5);
    book.checkIntegrity();
    mutate(book as unknown as Internals, book);
    return () => book.checkIntegrity();
  }

  it('level totals', () => {
    expect(
      corrupted((x) => {
        x.lvQty[100 - x.base] = 11;
      }),
    ).toThrow(/level total ≠ sum of its orders/);
  });

  it('FIFO links', () => {
    expect(
      corrupted((x) => {
        x.oPrev[1] = -1;
      }),
    ).toThrow(/FIFO links inconsistent/);
  });

  it('best prices', () => {
    expect(
      corrupted((x) => {
        x.bidIdx -= 1;
      }),
    ).toThrow(/best bid/);
  });
});

describe('IdIndex', () => {
  it('agrees with a Map under random inserts, deletes and lookups (small, huge and negative keys)', () => {
    const idx = new IdIndex(4);
    const ref = new Map<number, number>();
    let s = 12345;
    const rnd = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      return (s >>> 8) / 16777216;
    };
    const keyOf = (u: number): number => {
      const k = Math.floor(u * 200);
      return k % 3 === 0 ? k : k % 3 === 1 ? 2 ** 40 + k * 4294967296 : -(2 ** 52) + k;
    };
    for (let step = 0; step < 20_000; step++) {
      const key = keyOf(rnd());
      const r = rnd();
      if (r < 0.45) {
        idx.set(key, step);
        ref.set(key, step);
      } else if (r < 0.8) {
        expect(idx.delete(key)).toBe(ref.delete(key));
      } else {
        expect(idx.get(key)).toBe(ref.get(key) ?? -1);
      }
      expect(idx.size).toBe(ref.size);
    }
    idx.checkIntegrity();
    for (const [k, v] of ref) expect(idx.get(k)).toBe(v);
    idx.clear();
    expect(idx.size).toBe(0);
    expect(idx.get(keyOf(0.5))).toBe(-1);
  });
});
