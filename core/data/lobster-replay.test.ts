import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUY, SELL } from '../domain/side';
import { loadLobster, parseLobsterMessages, parseLobsterOrderbook } from './lobster';
import { OrderBook } from '../book/order-book';
import {
  LOBSTER_SAMPLES,
  LobsterReplayer,
  SYNTHETIC_ID_BASE,
  lobsterSamplePaths,
  replayLobsterReconciled,
  verifyLobsterReplay,
} from './lobster-replay';
import type { LobsterVerifyReport } from './lobster-replay';

/** ../shared/data/lobster beside the repository (this file is core/data/lobster-replay.test.ts). */
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/lobster');

describe('LobsterReplayer: message semantics on a hand-built book', () => {
  // Seed row: asks 101.00×50, 102.00×40; bids 100.00×30, 99.00×20 (2 levels, USD×10000 prices).
  const seed = parseLobsterOrderbook('1010000,50,1000000,30,1020000,40,990000,20');

  function seeded(visibleLevels?: number): { rp: LobsterReplayer; book: OrderBook } {
    const book = new OrderBook();
    const rp = new LobsterReplayer(book, visibleLevels === undefined ? {} : { visibleLevels });
    rp.seedFromRow(seed, 0);
    return { rp, book };
  }

  it('seeds one synthetic order per visible level with reserved negative ids and owner 0', () => {
    const { rp, book } = seeded();
    expect(book.orderCount()).toBe(4);
    expect([book.bestBid(), book.bestBidQty(), book.bestAsk(), book.bestAskQty()]).toEqual([
      10000, 30, 10100, 50,
    ]);
    const id = rp.syntheticAt(BUY, 9900);
    expect(id).toBeLessThanOrEqual(SYNTHETIC_ID_BASE + 3);
    expect(id).toBeGreaterThanOrEqual(SYNTHETIC_ID_BASE);
    expect(book.orderOwner(id)).toBe(0);
    expect(rp.syntheticAt(BUY, 9950)).toBeNaN();
  });

  it('applies adds, partial cancels, deletes and executions to known and pre-existing orders', () => {
    const { rp, book } = seeded();
    const ask102 = rp.syntheticAt(SELL, 10200);
    const fills: number[][] = [];
    book.onFill = (maker, _mo, taker, _to, side, px, q) => fills.push([maker, taker, side, px, q]);
    const m = parseLobsterMessages(
      [
        '1.0,1,1,1,1000000,1', // row 0: not replayed
        '1.1,1,10,5,1000000,1', // add bid 100.00 × 5 behind the synthetic 30
        '1.2,3,5,10,1000000,1', // delete of an order from before the file: reduces the synthetic
        '1.3,4,10,5,1000000,1', // execution of our order 10
        '1.4,2,6,5,995000,1', // partial cancel, unknown id, no synthetic at 99.50: unknown
        '1.5,2,7,15,1010000,-1', // partial cancel of a pre-existing ask: synthetic 50 → 35
        '1.6,5,0,100,1005000,-1', // hidden execution inside the spread: counted only
        '1.7,7,0,0,-1,-1', // halt: ignored
        '1.8,4,8,40,1020000,-1', // execution of a pre-existing ask at 102 (better ask 101 is stale)
      ].join('\n'),
    );
    rp.applyRange(m, 1, m.count);
    const c = rp.counters;
    expect(c).toMatchObject({
      messages: 8,
      adds: 1,
      deletes: 1,
      visibleExecutions: 2,
      partialCancels: 2,
      hiddenExecutions: 1,
      halts: 1,
      syntheticApplied: 3,
      unknownId: 1,
      stalePurgedLevels: 1,
      stalePurgedQty: 35,
    });
    expect(book.levelQty(BUY, 10000)).toBe(20);
    expect(book.has(10)).toBe(false);
    expect(fills[0]).toEqual([10, -1, BUY, 10000, 5]);
    expect(fills[1]).toEqual([ask102, -1, SELL, 10200, 40]);
    expect(fills).toHaveLength(2);
    expect(book.bestAsk()).toBeNaN(); // 101 purged as stale, 102 executed away
    book.checkIntegrity();
  });

  it('removes stale liquidity that a new (non-marketable) order would cross, and counts it', () => {
    const { rp, book } = seeded();
    const m = parseLobsterMessages('1,1,1,1,1000000,1\n2,1,11,7,1000000,-1');
    rp.apply(m, 1);
    expect(rp.counters.crossingAdds).toBe(1);
    expect(rp.counters.stalePurgedQty).toBe(30);
    expect(book.bestAsk()).toBe(10000);
    expect(book.bestAskQty()).toBe(7);
    expect(book.bestBid()).toBe(9900);
  });

  it('with a 1-level file, treats every message as at the best and drops better (stale) levels', () => {
    const { rp, book } = seeded(1);
    const m = parseLobsterMessages('1,1,1,1,1000000,1\n2,1,12,3,990000,1');
    rp.apply(m, 1);
    expect(book.bestBid()).toBe(9900);
    expect(book.levelQty(BUY, 9900)).toBe(23);
    expect(rp.counters.stalePurgedLevels).toBe(1);
  });

  it('rejects prices that are not a multiple of the tick', () => {
    const { rp } = seeded();
    expect(() => rp.apply(parseLobsterMessages('1,1,1,1,1000050,1'), 0)).toThrow(
      /not a multiple of the tick/,
    );
  });

  it('verifies a small consistent file pair exactly', () => {
    const messages = parseLobsterMessages(
      [
        '1,1,1,10,1000000,1',
        '2,1,2,5,1010000,-1',
        '3,1,3,4,1000000,1',
        '4,4,1,10,1000000,1',
        '5,3,2,5,1010000,-1',
      ].join('\n'),
    );
    const E = 9999999999;
    const orderbook = parseLobsterOrderbook(
      [
        `${E},0,1000000,10`,
        `1010000,5,1000000,10`,
        `1010000,5,1000000,14`,
        `1010000,5,1000000,4`,
        `${E},0,1000000,4`,
      ].join('\n'),
    );
    const r = verifyLobsterReplay(new OrderBook(), messages, orderbook);
    expect(r).toMatchObject({
      rows: 4,
      level1Matches: 4,
      allLevelMatches: 4,
      deltaChecked: 4,
      deltaConsistent: 4,
    });
  });
});

/** Exact, measured behaviour per sample (see the header of lobster-replay.ts for the explanation). */
const EXPECTED: Record<
  string,
  Pick<
    LobsterVerifyReport,
    'rows' | 'level1Matches' | 'allLevelMatches' | 'level1CleanRows' | 'cleanCells'
  > & {
    unknownId: number;
    syntheticApplied: number;
    crossingAdds: number;
    stalePurgedLevels: number;
  }
> = {
  AAPL_L10: {
    rows: 998,
    level1Matches: 954,
    allLevelMatches: 112,
    level1CleanRows: 926,
    cleanCells: 10171,
    unknownId: 4,
    syntheticApplied: 6,
    crossingAdds: 0,
    stalePurgedLevels: 0,
  },
  AMZN_L10: {
    rows: 15999,
    level1Matches: 12525,
    allLevelMatches: 202,
    level1CleanRows: 12284,
    cleanCells: 176289,
    unknownId: 172,
    syntheticApplied: 13,
    crossingAdds: 4,
    stalePurgedLevels: 69,
  },
  MSFT_L5: {
    rows: 19999,
    level1Matches: 11697,
    allLevelMatches: 33,
    level1CleanRows: 10424,
    cleanCells: 93793,
    unknownId: 293,
    syntheticApplied: 13,
    crossingAdds: 28,
    stalePurgedLevels: 30,
  },
  AMZN_L1_rounded: {
    rows: 57514,
    level1Matches: 17169,
    allLevelMatches: 17169,
    level1CleanRows: 11015,
    cleanCells: 57776,
    unknownId: 7466,
    syntheticApplied: 1,
    crossingAdds: 36,
    stalePurgedLevels: 4537,
  },
};

describe('LOBSTER replay against the real orderbook files', () => {
  it('finds the data folder beside the repository', () => {
    expect(existsSync(DATA), `LOBSTER samples expected at ${DATA}`).toBe(true);
  });

  for (const sample of LOBSTER_SAMPLES) {
    it(`${sample.name}: every difference is explained by unseen depth, clean prices match exactly`, () => {
      const p = lobsterSamplePaths(sample, DATA);
      const d = loadLobster(p.messagePath, p.orderbookPath);
      const book = new OrderBook();
      const r = verifyLobsterReplay(book, d.messages, d.orderbook!, { name: sample.name });
      book.checkIntegrity();
      const c = r.counters;

      // 1. No difference at a price whose history the message file fully covers.
      expect(r.firstUnexplained).toBeNull();
      expect(r.unexplainedMismatchRows).toBe(0);
      expect(r.explainedMismatchRows).toBe(r.mismatchRows);
      expect(r.cleanCellMatches).toBe(r.cleanCells);
      expect(r.level1CleanMatches).toBe(r.level1CleanRows);

      // 2. Every message inside the window changes its level exactly as the file does, except the
      //    messages about orders we could not know (unknown id / more than the synthetic holds), which
      //    are all at dirty prices.
      expect(r.deltaChecked).toBe(d.messages.count - 1 - c.hiddenExecutions);
      expect(r.deltaInconsistentClean).toBe(0);
      expect(r.deltaInconsistentDirty).toBe(c.unknownId + c.oversized + c.deleteSizeMismatch);
      expect(r.deltaConsistent + r.deltaInconsistentDirty).toBe(r.deltaChecked);

      // 3. Known orders are always consistent with the file's messages.
      expect(c.priceOrSideMismatch).toBe(0);
      expect(c.duplicateAdds).toBe(0);
      expect(c.zeroSize).toBe(0);

      // 4. The exact measured numbers (changing them must be deliberate).
      const e = EXPECTED[sample.name]!;
      expect({
        rows: r.rows,
        level1Matches: r.level1Matches,
        allLevelMatches: r.allLevelMatches,
        level1CleanRows: r.level1CleanRows,
        cleanCells: r.cleanCells,
        unknownId: c.unknownId,
        syntheticApplied: c.syntheticApplied,
        crossingAdds: c.crossingAdds,
        stalePurgedLevels: c.stalePurgedLevels,
      }).toEqual(e);
    });
  }

  it('would catch a wrong book: an execute that leaves one lot behind is flagged at clean prices', () => {
    class OffByOneBook extends OrderBook {
      override execute(orderId: number, qtyLots: number, takerOrderId?: number, takerOwner?: number): number {
        return super.execute(orderId, qtyLots > 1 ? qtyLots - 1 : qtyLots, takerOrderId, takerOwner);
      }
    }
    const sample = LOBSTER_SAMPLES.find((s) => s.name === 'AAPL_L10')!;
    const p = lobsterSamplePaths(sample, DATA);
    const d = loadLobster(p.messagePath, p.orderbookPath);
    const r = verifyLobsterReplay(new OffByOneBook(), d.messages, d.orderbook!);
    expect(r.unexplainedMismatchRows).toBeGreaterThan(0);
    expect(r.deltaInconsistentClean).toBeGreaterThan(0);
    expect(r.cleanCellMatches).toBeLessThan(r.cleanCells);
  });

  it('would catch a wrong book: orders resting one tick off their price are flagged', () => {
    class WrongPriceBook extends OrderBook {
      override addLimit(orderId: number, side: 0 | 1, price: number, qty: number, owner?: number): number {
        // every 50th order lands one tick away from its price
        const off = orderId > 0 && orderId % 50 === 0 ? (side === BUY ? -1 : 1) : 0;
        return super.addLimit(orderId, side, price + off, qty, owner);
      }
    }
    const sample = LOBSTER_SAMPLES.find((s) => s.name === 'MSFT_L5')!;
    const p = lobsterSamplePaths(sample, DATA);
    const d = loadLobster(p.messagePath, p.orderbookPath);
    const r = verifyLobsterReplay(new WrongPriceBook(), d.messages, d.orderbook!);
    expect(r.unexplainedMismatchRows).toBeGreaterThan(0);
  });
});

describe('LobsterReplayer.reconcile: the visible window from the orderbook file', () => {
  // Seed: asks 101.00×50, 102.00×40; bids 100.00×30, 99.00×20 (2 levels).
  const seedRow = '1010000,50,1000000,30,1020000,40,990000,20';

  function setup(): { rp: LobsterReplayer; book: OrderBook } {
    const book = new OrderBook();
    const rp = new LobsterReplayer(book, { visibleLevels: 2 });
    rp.seedFromRow(parseLobsterOrderbook(seedRow), 0);
    return { rp, book };
  }

  it('adds a shortfall behind the known orders, so their queue positions stay exact', () => {
    const { rp, book } = setup();
    const m = parseLobsterMessages(['1.0,1,1,1,1000000,1', '1.1,1,77,10,1000000,1'].join('\n'));
    rp.apply(m, 1); // our known order 77: 10 behind the synthetic 30 at 100.00
    // the file says 100.00 holds 55: 15 more arrived unseen
    rp.reconcile(parseLobsterOrderbook(`${seedRow}\n1010000,50,1000000,55,1020000,40,990000,20`), 1);
    expect(book.levelQty(BUY, 10000)).toBe(55);
    expect(book.queueAhead(77)).toBe(30); // still right behind the pre-existing 30
    expect(book.lastOrderAt(BUY, 10000)).toBeLessThan(SYNTHETIC_ID_BASE + 100); // the new synthetic is last
    expect(rp.repairs).toMatchObject({ rows: 1, qtyAdded: 15, ordersAdded: 1, qtyRemovedKnown: 0 });
  });

  it('takes an excess from synthetic orders first, then from known orders at the back', () => {
    const { rp, book } = setup();
    const m = parseLobsterMessages(['1.0,1,1,1,1000000,1', '1.1,1,77,10,1000000,1'].join('\n'));
    rp.apply(m, 1); // 100.00: synthetic 30 + known 10
    rp.reconcile(parseLobsterOrderbook(`${seedRow}\n1010000,50,1000000,5,1020000,40,990000,20`), 1);
    expect(book.levelQty(BUY, 10000)).toBe(5);
    expect(book.has(77)).toBe(true);
    expect(book.orderQty(77)).toBe(5);
    expect(rp.repairs).toMatchObject({ qtyRemovedSynthetic: 30, qtyRemovedKnown: 5 });
  });

  it('removes stale levels better than the file, never crossing, and a side the file shows short', () => {
    const { rp, book } = setup();
    // The file's next row: asks 100.50×7 and 101.00×50 (two levels: the window is full, so our 102.00
    // lies beyond it and stays); one bid level, 99.00×20 (100.00 is gone, and since fewer than two
    // levels are shown, nothing exists below 99.00 either).
    const row1 = '1005000,7,990000,20,1010000,50,-9999999999,0';
    rp.reconcile(parseLobsterOrderbook(`${seedRow}\n${row1}`), 1);
    expect([book.bestAsk(), book.bestAskQty(), book.bestBid(), book.bestBidQty()]).toEqual([
      10050, 7, 9900, 20,
    ]);
    expect(book.levelCount(BUY)).toBe(1);
    expect(book.levelQty(SELL, 10200)).toBe(40); // beyond a full 2-level window: unknowable, kept
    expect(rp.repairs.levelsRemoved).toBe(1); // the bid at 100.00
    expect(rp.repairs.qtyAdded).toBe(7);
    book.checkIntegrity();
  });
});

describe('LOBSTER replay kept in sync with the orderbook file', () => {
  // Measured 2026-12-06 on the four samples (issue 11 §2): the book equals the file on every row.
  const expected: Record<
    string,
    { noRepair: number; delta: [number, number]; qtyAdded: number; qtyRemovedKnown: number }
  > = {
    AAPL_L10: { noRepair: 984, delta: [937, 937], qtyAdded: 5321, qtyRemovedKnown: 100 },
    AMZN_L10: { noRepair: 15501, delta: [15676, 15721], qtyAdded: 50773, qtyRemovedKnown: 5328 },
    MSFT_L5: { noRepair: 19370, delta: [19299, 19809], qtyAdded: 154001, qtyRemovedKnown: 131618 },
    AMZN_L1_rounded: { noRepair: 47806, delta: [51770, 55070], qtyAdded: 484999, qtyRemovedKnown: 341309 },
  };
  for (const sample of LOBSTER_SAMPLES) {
    it(`${sample.name}: the book equals LOBSTER's orderbook file on every row, repairs counted`, () => {
      const p = lobsterSamplePaths(sample, DATA);
      const d = loadLobster(p.messagePath, p.orderbookPath);
      const book = new OrderBook();
      const r = replayLobsterReconciled(book, d.messages, d.orderbook!, { name: sample.name });
      book.checkIntegrity();
      expect(r.firstMismatch).toBeNull();
      expect(r.rows).toBe(d.messages.count - 1);
      expect(r.matchingRows).toBe(r.rows);
      const e = expected[sample.name]!;
      expect(r.rowsWithoutRepair).toBe(e.noRepair);
      expect(r.rows - r.rowsWithoutRepair).toBe(r.repairs.rows);
      expect([r.deltaConsistent, r.deltaChecked]).toEqual(e.delta);
      expect(r.repairs.qtyAdded).toBe(e.qtyAdded);
      expect(r.repairs.qtyRemovedKnown).toBe(e.qtyRemovedKnown);
    });
  }
});
