/**
 * One run of the Binance connector (./binance.ts) through every fault of the fake USD-M exchange
 * (./fake-binance.fixture.ts), counted: the figures of docs/results.md ("Paper trading against a
 * fault-injecting exchange") and a test (./fake-binance-faults.test.ts) that checks them.
 *
 * Phases, each on the same connection:
 *  1. book: `gaps` sequence gaps and one dropped public connection; after each, the connector's book
 *     must equal the fake's (top 20 levels) — `bookMismatches` counts the ones that never did;
 *  2. orders: `orders` post-only placements, the k-th under fault k mod 6 (none, lost ack, delayed
 *     ack beyond the client timeout, 503 after the order was placed, 502 before, 429 with
 *     Retry-After), with the server clock 30 s ahead for the second half;
 *  3. fills: takers sweep through our resting orders (partial fills) with every user-data message
 *     duplicated and pairs reordered, the user stream dropped once mid-way;
 *  4. kill: cancelAll, timed until the venue reports no open order.
 * Deterministic given the seed, except the wall-clock times reported (kill ms, run ms).
 */
import { openBinanceVenue } from './binance';
import { px, startFakeBinance, type FakeBinance } from './fake-binance.fixture';
import type { VenueFill } from './venue';

export interface FaultFigures {
  gaps: number;
  resyncs: number;
  reconnects: number;
  bookChecks: number;
  bookMismatches: number;
  ordersPlaced: number;
  /** Order requests the connector sent (resends after a refused request included). */
  orderRequests: number;
  /** Order POSTs that reached the venue. */
  venueOrderPosts: number;
  /** Client ids the venue created more than once (must be 0). */
  duplicates: number;
  recoveredAcks: number;
  rateLimited: number;
  clockResyncs: number;
  fills: number;
  recoveredFills: number;
  staleUserEvents: number;
  /** Our position from our fills, and the exchange's (base units). */
  positionFromFills: number;
  positionAtExchange: number;
  openBeforeKill: number;
  openAfterKill: number;
  killMs: number;
  runMs: number;
}

const until = async (
  cond: () => boolean | Promise<boolean>,
  what: string,
  guardMs = 60_000,
): Promise<boolean> => {
  const end = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
};

export async function runFaultScenario(
  opts: { seed?: number; gaps?: number; orders?: number; onStep?: (what: string) => void } = {},
): Promise<FaultFigures> {
  const step = opts.onStep ?? ((): void => undefined);
  const t0 = performance.now();
  const apiKey = 'fault-run-key';
  const secret = 'fault-run-secret';
  const gaps = opts.gaps ?? 5;
  const nOrders = opts.orders ?? 24;
  const f: FakeBinance = await startFakeBinance({ apiKey, secret, seed: opts.seed ?? 11, levels: 30 });
  const v = await openBinanceVenue({
    market: 'usdm-demo',
    symbol: 'BTC/USDT:USDT',
    credentials: { apiKey, secret },
    url: f.url,
    seed: opts.seed ?? 11,
    timeoutMs: 1000,
    backoffBaseMs: 20,
    backoffCapMs: 200,
  });
  const fills: VenueFill[] = [];
  let bids: string[][] = [];
  let asks: string[][] = [];
  v.subscribe({
    onFill: (x) => fills.push({ ...x }),
    onBook: (b) => {
      if (!b.synced) return;
      const side = (p: Float64Array, s: Float64Array): string[][] => {
        const out: string[][] = [];
        for (let i = 0; i < b.levels; i++)
          if (!Number.isNaN(p[i]!)) out.push([p[i]!.toFixed(1), s[i]!.toFixed(3)]);
        return out;
      };
      bids = side(b.bidPrices, b.bidSizes);
      asks = side(b.askPrices, b.askSizes);
    },
  });
  try {
    await v.connect(new AbortController().signal);
    let bookChecks = 0;
    let bookMismatches = 0;
    const bookMatches = async (): Promise<void> => {
      bookChecks++;
      const same = (): boolean => {
        const b = f.book();
        return JSON.stringify([b.bids.slice(0, 20), b.asks.slice(0, 20)]) === JSON.stringify([bids, asks]);
      };
      await until(same, 'the book to match', 20_000).catch(() => bookMismatches++);
    };

    // 1. book
    f.stepBook(5);
    await bookMatches();
    for (let k = 1; k <= gaps; k++) {
      step(`gap ${k}`);
      f.gapNext();
      f.stepBook(3);
      await until(() => v.stats.resyncs >= k, `gap ${k}`);
      await bookMatches();
    }
    const pub = f.connections().public;
    f.dropPublic();
    await until(() => f.connections().public > pub, 'the public stream back');
    f.stepBook(3);
    await bookMatches();

    // 2. orders under faults
    const best = (): { bid: number; ask: number } => ({
      bid: Math.round(Number(f.book().bids[0]![0]) * 10),
      ask: Math.round(Number(f.book().asks[0]![0]) * 10),
    });
    const cids: string[] = [];
    for (let k = 0; k < nOrders; k++) {
      if (k === Math.floor(nOrders / 2)) f.faults.clockSkewMs = 30_000;
      const fault = k % 6;
      if (fault === 1) f.faults.lostAcks = 1;
      if (fault === 2) {
        f.faults.delayedAcks = 1;
        f.faults.delayAckMs = 1500; // beyond the 1 s client timeout
      }
      if (fault === 3)
        f.faults.http.push({
          method: 'POST',
          path: '/fapi/v1/order',
          status: 503,
          code: -1007,
          afterApply: true,
          count: 1,
        });
      if (fault === 4) f.faults.http.push({ method: 'POST', path: '/fapi/v1/order', status: 502, count: 1 });
      if (fault === 5)
        f.faults.http.push({
          method: 'POST',
          path: '/fapi/v1/order',
          status: 429,
          code: -1003,
          retryAfterS: 1,
          count: 1,
        });
      const { bid, ask } = best();
      const buy = k % 2 === 0;
      const level = Math.floor(k / 2) % 3; // three levels each side, from the touch
      const cid = `qb-fault-${k}`;
      step(`order ${k} (fault ${fault})`);
      cids.push(cid);
      await v.place({
        clientOrderId: cid,
        side: buy ? 'buy' : 'sell',
        type: 'limit',
        price: Number(px(buy ? bid - level : ask + level)),
        amount: 0.004 + 0.001 * (k % 3),
        postOnly: true,
      });
    }
    f.faults.clockSkewMs = 0;

    step('fills');
    // 3. fills under duplicated / reordered user data and a dropped user stream
    f.faults.duplicateUserEvents = true;
    f.faults.reorderUserEvents = true;
    const sweep = (side: 'BUY' | 'SELL', extra: number): void => {
      const lv = side === 'SELL' ? f.book().bids[0]! : f.book().asks[0]!;
      f.takerSweep(side, Math.round(Number(lv[1]) * 1000) - 3 + extra);
    };
    sweep('SELL', 0);
    sweep('BUY', 0);
    await until(() => fills.length > 0, 'the first fills');
    const priv = f.connections().private;
    f.dropPrivate();
    sweep('SELL', 5);
    sweep('BUY', 2);
    await until(() => f.connections().private > priv, 'the user stream back');
    sweep('SELL', 1);
    f.faults.duplicateUserEvents = false;
    f.faults.reorderUserEvents = false;
    f.flushUserEvents();
    const fromFills = (): number =>
      Math.round(fills.reduce((s, x) => s + (x.side === 'buy' ? 1 : -1) * x.amount * 1000, 0));
    await until(
      () => fromFills() === f.positionLots(),
      'our fills to equal the exchange position',
      30_000,
    ).catch(() => false);
    const positionAtExchange = (await v.fetchPosition()).amount;

    step('kill');
    // 4. kill
    const openBeforeKill = f.openOrders().length;
    const k0 = performance.now();
    await v.cancelAll();
    await until(async () => (await v.fetchOpenOrders()).length === 0, 'no open order');
    const killMs = performance.now() - k0;

    return {
      gaps,
      resyncs: v.stats.resyncs,
      reconnects: v.stats.reconnects,
      bookChecks,
      bookMismatches,
      ordersPlaced: cids.length,
      orderRequests: v.stats.placeRequests,
      venueOrderPosts: f.orderPosts(),
      duplicates: f.duplicates().length,
      recoveredAcks: v.stats.recoveredAcks,
      rateLimited: v.stats.rateLimited,
      clockResyncs: v.stats.clockResyncs,
      fills: fills.length,
      recoveredFills: v.stats.recoveredFills,
      staleUserEvents: v.stats.staleUserEvents,
      positionFromFills: fromFills() / 1000,
      positionAtExchange,
      openBeforeKill,
      openAfterKill: f.openOrders().length,
      killMs,
      runMs: performance.now() - t0,
    };
  } finally {
    await v.close();
    await f.close();
  }
}
