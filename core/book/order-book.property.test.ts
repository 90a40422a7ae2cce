/**
 * Property tests: random operation sequences against a slow, obviously-correct reference model
 * (plain arrays, a full sort by price-time priority for every match). After every operation the whole
 * book state (every order's quantity, price, side, owner and queue position; every level; best
 * prices; counts), the fill sequence, integrity, not-crossed and quantity conservation are compared.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import type { Side } from '../domain/side';
import { NO_ORDER_ID, OrderBook, createDepthBuffers } from './order-book';

// ---------------------------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------------------------

interface RefOrder {
  id: number;
  side: Side;
  price: number;
  qty: number;
  owner: number;
  seq: number;
}

type Fill = [
  maker: number,
  makerOwner: number,
  taker: number,
  takerOwner: number,
  side: Side,
  px: number,
  q: number,
];

class RefBook {
  orders: RefOrder[] = [];
  fills: Fill[] = [];
  private seq = 0;

  find(id: number): RefOrder | undefined {
    return this.orders.find((o) => o.id === id);
  }

  /** Opposite-side orders in priority order (best price, then earliest). */
  private queue(makerSide: Side): RefOrder[] {
    return this.orders
      .filter((o) => o.side === makerSide)
      .sort((a, b) => (makerSide === SELL ? a.price - b.price : b.price - a.price) || a.seq - b.seq);
  }

  /** Match a taker; returns the unfilled remainder. */
  match(side: Side, limit: number, qty: number, takerId: number, takerOwner: number): number {
    let rem = qty;
    const makerSide: Side = side === BUY ? SELL : BUY;
    for (const m of this.queue(makerSide)) {
      if (rem === 0) break;
      if (side === BUY ? m.price > limit : m.price < limit) break;
      const q = Math.min(rem, m.qty);
      m.qty -= q;
      rem -= q;
      this.fills.push([m.id, m.owner, takerId, takerOwner, makerSide, m.price, q]);
    }
    this.orders = this.orders.filter((o) => o.qty > 0);
    return rem;
  }

  add(id: number, side: Side, price: number, qty: number, owner: number): number {
    const rem = this.match(side, price, qty, id, owner);
    if (rem > 0) this.orders.push({ id, side, price, qty: rem, owner, seq: this.seq++ });
    return rem;
  }

  remove(id: number): void {
    this.orders = this.orders.filter((o) => o.id !== id);
  }

  modify(id: number, price: number, qty: number): boolean {
    const o = this.find(id);
    if (!o) return false;
    if (price === o.price && qty <= o.qty) {
      o.qty = qty;
      return true;
    }
    this.remove(id);
    this.add(id, o.side, price, qty, o.owner);
    return true;
  }

  queueAhead(id: number): number {
    const o = this.find(id)!;
    return this.orders
      .filter((x) => x.side === o.side && x.price === o.price && x.seq < o.seq)
      .reduce((s, x) => s + x.qty, 0);
  }

  /** [price, size] per level, best first. */
  levels(side: Side): Array<[number, number]> {
    const m = new Map<number, number>();
    for (const o of this.orders) if (o.side === side) m.set(o.price, (m.get(o.price) ?? 0) + o.qty);
    return [...m.entries()].sort((a, b) => (side === BUY ? b[0] - a[0] : a[0] - b[0]));
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Deepest queue position seen (to check that the generators build real queues). */
let maxQueueAhead = 0;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

type Op =
  | { t: 'add'; side: Side; price: number; qty: number; owner: number }
  | { t: 'ioc'; side: Side; price: number; qty: number }
  | { t: 'market'; side: Side; qty: number }
  | { t: 'cancel'; pick: number }
  | { t: 'reduce'; pick: number; by: number }
  | { t: 'modify'; pick: number; price: number; qty: number }
  | { t: 'execute'; pick: number; qty: number }
  | { t: 'dup'; pick: number };

/**
 * Prices are drawn per side around `center`: a buy at center − off, a sell at center + off with off in
 * [−cross, spread], so most orders rest (deep queues, long FIFOs) and some cross by a few ticks.
 */
function opArb(center: number, spread: number, cross: number): fc.Arbitrary<Op> {
  const side = fc.constantFrom<Side>(BUY, SELL);
  const off = fc.integer({ min: -cross, max: spread });
  const sidePrice = fc
    .tuple(side, off)
    .map(([s, o]) => ({ side: s, price: s === BUY ? center - o : center + o }));
  const anyPrice = fc.integer({ min: center - spread, max: center + spread });
  const qty = fc.integer({ min: 1, max: 12 });
  const pick = fc.nat({ max: 1000 });
  const tag = <T extends Op['t']>(t: T) => fc.constant(t);
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .record({ sp: sidePrice, qty, owner: fc.nat({ max: 2 }) })
        .map(({ sp, qty: q, owner }): Op => ({ t: 'add', side: sp.side, price: sp.price, qty: q, owner })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ sp: sidePrice, qty })
        .map(({ sp, qty: q }): Op => ({ t: 'ioc', side: sp.side, price: sp.price, qty: q })),
    },
    { weight: 1, arbitrary: fc.record({ t: tag('market'), side, qty: fc.integer({ min: 1, max: 30 }) }) },
    { weight: 2, arbitrary: fc.record({ t: tag('cancel'), pick }) },
    { weight: 2, arbitrary: fc.record({ t: tag('reduce'), pick, by: qty }) },
    { weight: 3, arbitrary: fc.record({ t: tag('modify'), pick, price: anyPrice, qty }) },
    { weight: 1, arbitrary: fc.record({ t: tag('execute'), pick, qty }) },
    { weight: 1, arbitrary: fc.record({ t: tag('dup'), pick }) },
  );
}

/** Run ops on both books, comparing everything after every op. */
function runAgainstReference(ops: Op[], book: OrderBook): void {
  const ref = new RefBook();
  const fills: Fill[] = [];
  book.onFill = (maker, makerOwner, taker, takerOwner, side, px, q) => {
    fills.push([maker, makerOwner, taker, takerOwner, side, px, q]);
  };
  const depth = createDepthBuffers(64);
  let nextId = 1;
  // quantity accounting: inflow = resting + 2·matched + executed + cancelled
  let inflow = 0;
  let matched = 0;
  let executed = 0;
  let cancelled = 0;
  const pickId = (pick: number): number => {
    // 1 in 8 picks an id that is not live (cancelled, filled or never used)
    if (pick % 8 === 7 || ref.orders.length === 0) return (pick % 5) + nextId;
    return ref.orders[pick % ref.orders.length]!.id;
  };

  for (const op of ops) {
    const fillsBefore = fills.length;
    switch (op.t) {
      case 'add': {
        const id = nextId++;
        const got = book.addLimit(id, op.side, op.price, op.qty, op.owner);
        expect(got).toBe(ref.add(id, op.side, op.price, op.qty, op.owner));
        inflow += op.qty;
        break;
      }
      case 'ioc': {
        const id = nextId++;
        const got = book.addIoc(id, op.side, op.price, op.qty, 1);
        const rem = ref.match(op.side, op.price, op.qty, id, 1);
        expect(got).toBe(op.qty - rem);
        inflow += op.qty;
        cancelled += rem;
        break;
      }
      case 'market': {
        const got = book.market(op.side, op.qty);
        const rem = ref.match(op.side, op.side === BUY ? Infinity : -Infinity, op.qty, NO_ORDER_ID, 0);
        expect(got).toBe(op.qty - rem);
        inflow += op.qty;
        cancelled += rem;
        break;
      }
      case 'cancel': {
        const id = pickId(op.pick);
        const o = ref.find(id);
        expect(book.cancel(id)).toBe(o !== undefined);
        if (o) {
          cancelled += o.qty;
          ref.remove(id);
        }
        break;
      }
      case 'reduce': {
        const id = pickId(op.pick);
        const o = ref.find(id);
        if (!o) {
          expect(() => book.reduce(id, op.by)).toThrow(RangeError);
          break;
        }
        const by = Math.min(op.by, o.qty);
        cancelled += by;
        o.qty -= by;
        if (o.qty === 0) ref.remove(id);
        expect(book.reduce(id, op.by)).toBe(o.qty);
        break;
      }
      case 'modify': {
        const id = pickId(op.pick);
        const o = ref.find(id);
        if (o) {
          if (op.price === o.price && op.qty <= o.qty) cancelled += o.qty - op.qty;
          else {
            cancelled += o.qty;
            inflow += op.qty;
          }
        }
        expect(book.modify(id, op.price, op.qty)).toBe(ref.modify(id, op.price, op.qty));
        break;
      }
      case 'execute': {
        const id = pickId(op.pick);
        const o = ref.find(id);
        if (!o) {
          expect(() => book.execute(id, op.qty)).toThrow(RangeError);
          break;
        }
        const q = Math.min(op.qty, o.qty);
        o.qty -= q;
        ref.fills.push([o.id, o.owner, NO_ORDER_ID, 0, o.side, o.price, q]);
        if (o.qty === 0) ref.remove(id);
        executed += q;
        expect(book.execute(id, op.qty)).toBe(q);
        break;
      }
      case 'dup': {
        if (ref.orders.length === 0) break;
        const o = ref.orders[op.pick % ref.orders.length]!;
        expect(() => book.addLimit(o.id, o.side, o.price, 1)).toThrow(/duplicate order id/);
        break;
      }
    }
    // fills of matching consume maker and taker quantity; an execute only the maker's
    if (op.t !== 'execute') for (let k = fillsBefore; k < fills.length; k++) matched += fills[k]![6];

    // --- full state comparison (expect() only on a difference, to keep the runs fast) ---
    if (!sameJson(fills, ref.fills)) expect(fills).toEqual(ref.fills);
    book.checkIntegrity();
    const bookOrders = ref.orders.map((o) => [
      o.id,
      book.orderQty(o.id),
      book.orderPrice(o.id),
      book.orderSide(o.id),
      book.orderOwner(o.id),
      book.queueAhead(o.id),
    ]);
    const refOrders = ref.orders.map((o) => [o.id, o.qty, o.price, o.side, o.owner, ref.queueAhead(o.id)]);
    if (!sameJson(bookOrders, refOrders)) expect(bookOrders).toEqual(refOrders);
    const bids = ref.levels(BUY);
    const asks = ref.levels(SELL);
    const nLevels = book.depth(64, depth);
    const bookLevels = {
      orders: book.orderCount(),
      counts: [book.levelCount(BUY), book.levelCount(SELL)],
      best: [book.bestBid(), book.bestAsk()],
      depth: nLevels,
      bids: Array.from({ length: Math.min(64, bids.length) }, (_, k) => [
        depth.bidPrices[k]!,
        depth.bidSizes[k]!,
      ]),
      asks: Array.from({ length: Math.min(64, asks.length) }, (_, k) => [
        depth.askPrices[k]!,
        depth.askSizes[k]!,
      ]),
    };
    const refLevels = {
      orders: ref.orders.length,
      counts: [bids.length, asks.length],
      best: [bids[0]?.[0] ?? NaN, asks[0]?.[0] ?? NaN],
      depth: Math.min(64, Math.max(bids.length, asks.length)),
      bids: bids.slice(0, 64),
      asks: asks.slice(0, 64),
    };
    if (!sameJson(bookLevels, refLevels)) expect(bookLevels).toEqual(refLevels);
    // never crossed or locked
    if (bids.length > 0 && asks.length > 0 && !(book.bestBid() < book.bestAsk())) {
      expect.fail(`crossed: bid ${book.bestBid()} ask ${book.bestAsk()}`);
    }
    // conservation of quantity
    const resting = ref.orders.reduce((s, o) => s + o.qty, 0);
    if (inflow !== resting + 2 * matched + executed + cancelled) {
      expect(inflow).toBe(resting + 2 * matched + executed + cancelled);
    }
    maxQueueAhead = Math.max(maxQueueAhead, ...refOrders.map((r) => r[5]!));
  }
}

describe('OrderBook against a reference model', () => {
  it('matches the reference after every op (few price levels: long FIFO queues)', () => {
    maxQueueAhead = 0;
    fc.assert(
      fc.property(fc.array(opArb(100, 3, 1), { minLength: 1, maxLength: 250, size: 'max' }), (ops) => {
        runAgainstReference(ops, new OrderBook({ ladderWidth: 64 }));
      }),
      { numRuns: 300 },
    );
    // the generator really builds queues (so FIFO and queueAhead are exercised)
    expect(maxQueueAhead).toBeGreaterThan(50);
  });

  it('matches the reference with a tiny pool and ladder (growth and re-centering on every run)', () => {
    fc.assert(
      fc.property(fc.array(opArb(0, 150, 20), { minLength: 1, maxLength: 150, size: 'max' }), (ops) => {
        runAgainstReference(ops, new OrderBook({ capacity: 1, ladderWidth: 32 }));
      }),
      { numRuns: 200 },
    );
  });

  it('matches the reference on long sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb(100, 8, 2), { minLength: 400, maxLength: 600, size: 'max' }), (ops) => {
        runAgainstReference(ops, new OrderBook({ capacity: 4, ladderWidth: 64 }));
      }),
      { numRuns: 10 },
    );
  });
});
