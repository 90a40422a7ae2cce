/**
 * The Binance connector (./binance.ts) through ccxt against the fault-injecting fake USD-M exchange
 * (./fake-binance.fixture.ts) on 127.0.0.1. No timing assertions: every wait polls for a condition
 * with a generous hang guard; backoffs are short and seeded.
 */
import { inspect } from 'node:util';
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { rewriteApiUrls } from '../data/ccxt-venue';
import { openBinanceVenue, type BinanceVenue, type BinanceVenueOptions } from './binance';
import {
  DEFAULT_RATE_LIMITS,
  px,
  qty,
  startFakeBinance,
  type FakeBinance,
  type FakeBinanceOptions,
} from './fake-binance.fixture';
import type { ConnectionEvent, OrderUpdate, VenueFill } from './venue';

const API_KEY = 'qbTESTkeyAAAA1111sentinel';
const SECRET = 'qbTESTsecretZZZZ9999sentinel';
const SYMBOL = 'BTC/USDT:USDT';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fake(o: Partial<FakeBinanceOptions> = {}): Promise<FakeBinance> {
  const f = await startFakeBinance({ apiKey: API_KEY, secret: SECRET, ...o });
  cleanups.push(() => f.close());
  return f;
}

interface Recorded {
  notes: string[];
  fills: VenueFill[];
  orders: OrderUpdate[];
  connections: ConnectionEvent[];
  books: number;
}

async function open(
  f: FakeBinance,
  o: Partial<BinanceVenueOptions> = {},
): Promise<{ v: BinanceVenue; rec: Recorded }> {
  const rec: Recorded = { notes: [], fills: [], orders: [], connections: [], books: 0 };
  const v = await openBinanceVenue({
    market: 'usdm-demo',
    symbol: SYMBOL,
    credentials: { apiKey: API_KEY, secret: SECRET },
    url: f.url,
    seed: 7,
    timeoutMs: 2000,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    onNote: (m) => rec.notes.push(m),
    ...o,
  });
  cleanups.push(() => v.close());
  v.subscribe({
    onFill: (x) => rec.fills.push({ ...x }),
    onOrder: (x) => rec.orders.push({ ...x }),
    onConnection: (x) => rec.connections.push({ ...x }),
    onBook: () => rec.books++,
  });
  return { v, rec };
}

async function connected(
  f: FakeBinance,
  o: Partial<BinanceVenueOptions> = {},
): Promise<{ v: BinanceVenue; rec: Recorded }> {
  const r = await open(f, o);
  const ctl = new AbortController();
  await r.v.connect(ctl.signal);
  return r;
}

/** Poll `cond` every 10 ms; fail with `what` after the hang guard. */
async function until(cond: () => boolean | Promise<boolean>, what: string, guardMs = 30_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The connector's book as Binance strings, for comparison with the fake's. */
function venueBook(v: BinanceVenue, levels: number): { bids: [string, string][]; asks: [string, string][] } {
  let book: { bids: [string, string][]; asks: [string, string][] } = { bids: [], asks: [] };
  const off = v.subscribe({
    onBook: (b) => {
      const side = (p: Float64Array, s: Float64Array): [string, string][] => {
        const out: [string, string][] = [];
        for (let i = 0; i < Math.min(levels, b.levels); i++)
          if (!Number.isNaN(p[i]!)) out.push([p[i]!.toFixed(1), s[i]!.toFixed(3)]);
        return out;
      };
      book = { bids: side(b.bidPrices, b.bidSizes), asks: side(b.askPrices, b.askSizes) };
    },
  });
  return new Proxy(book, {
    get: (_, k: 'bids' | 'asks' | 'off') => (k === 'off' ? off : book[k]),
  });
}

const top = (f: FakeBinance, n: number): { bids: [string, string][]; asks: [string, string][] } => {
  const b = f.book();
  return { bids: b.bids.slice(0, n), asks: b.asks.slice(0, n) };
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Best bid/ask of the fake now, in ticks of 0.1. */
const bestTicks = (f: FakeBinance): { bid: number; ask: number } => ({
  bid: Math.round(Number(f.book().bids[0]![0]) * 10),
  ask: Math.round(Number(f.book().asks[0]![0]) * 10),
});

describe('Binance connector (USD-M demo through ccxt) against the fake exchange', () => {
  it('reads the market, the capabilities and the ORDERS limits from exchangeInfo at start-up', async () => {
    const f = await fake();
    const { v } = await open(f);
    expect(v.market).toEqual({
      symbol: SYMBOL,
      venueSymbol: 'BTCUSDT',
      tickSize: 0.1,
      amountStep: 0.001,
      minAmount: 0.001,
      minNotional: 100,
      contractSize: 1,
    });
    // 1200 per minute = 20/s is tighter than 300 per 10 s = 30/s
    expect(v.rateLimit.ordersPerSecond).toBe(20);
    expect(v.rateLimit.ordersPer10s).toBe(300);
    expect(v.capabilities).toMatchObject({
      amend: true,
      amendKeepsPriority: false,
      cancelAll: true,
      postOnly: true,
      positions: true,
    });
    expect(f.requests).toContain('GET /fapi/v1/exchangeInfo');
    expect(f.requests).toContain('GET /fapi/v1/time');
    expect(DEFAULT_RATE_LIMITS.length).toBe(3);
  });

  it('a wrong secret fails the signature check at the fake (kind auth), and places nothing', async () => {
    const f = await fake();
    const { v } = await open(f, { credentials: { apiKey: API_KEY, secret: 'not-the-secret' } });
    const { bid } = bestTicks(f);
    await expect(
      v.place({
        clientOrderId: 'qb-bad-1',
        side: 'buy',
        type: 'limit',
        price: Number(px(bid - 5)),
        amount: 0.01,
        postOnly: true,
      }),
    ).rejects.toMatchObject({ kind: 'auth' });
    expect(f.badSignatures()).toBeGreaterThan(0);
    expect(f.created('qb-bad-1')).toBe(0);
  });

  it('the book equals the fake book after updates, after each of three sequence gaps and after a dropped connection', async () => {
    const f = await fake();
    const { v } = await connected(f);
    const mine = venueBook(v, 20);
    f.stepBook(5);
    await until(() => same(top(f, 20), { bids: mine.bids, asks: mine.asks }), 'the book after 5 updates');
    for (let k = 1; k <= 3; k++) {
      f.gapNext();
      f.stepBook(1); // applied at the fake, never sent
      f.stepBook(2); // the client sees pu ≠ its last u
      await until(() => v.stats.resyncs >= k, `gap ${k} detected`);
      await until(() => same(top(f, 20), { bids: mine.bids, asks: mine.asks }), `the book after gap ${k}`);
    }
    const before = f.connections().public;
    f.dropPublic();
    await until(() => f.connections().public > before, 'the public stream reconnected');
    f.stepBook(3);
    await until(() => same(top(f, 20), { bids: mine.bids, asks: mine.asks }), 'the book after the reconnect');
    expect(v.stats.resyncs).toBeGreaterThanOrEqual(3);
    expect(v.stats.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('no order is duplicated under a lost ack, a delayed ack, a 5xx after the order was placed, a 502 before, and 429s', async () => {
    const f = await fake();
    const { v, rec } = await open(f, { timeoutMs: 1000 });
    const { bid } = bestTicks(f);
    const place = (cid: string, k: number): Promise<OrderUpdate> =>
      v.place({
        clientOrderId: cid,
        side: 'buy',
        type: 'limit',
        price: Number(px(bid - 10 - k)),
        amount: 0.01,
        postOnly: true,
      });

    f.faults.lostAcks = 1;
    const a = await place('qb-lost', 0);
    expect(a).toMatchObject({ clientOrderId: 'qb-lost', status: 'open', amount: 0.01 });

    f.faults.delayedAcks = 1;
    f.faults.delayAckMs = 4000; // beyond the 1 s client timeout
    const b = await place('qb-delayed', 1);
    expect(b.status).toBe('open');

    f.faults.http.push({
      method: 'POST',
      path: '/fapi/v1/order',
      status: 503,
      code: -1007,
      afterApply: true,
      count: 1,
    });
    const c = await place('qb-503-after', 2);
    expect(c.status).toBe('open');

    f.faults.http.push({ method: 'POST', path: '/fapi/v1/order', status: 502, count: 2 });
    const d = await place('qb-502-before', 3);
    expect(d.status).toBe('open');

    f.faults.http.push({
      method: 'POST',
      path: '/fapi/v1/order',
      status: 429,
      code: -1003,
      retryAfterS: 1,
      count: 2,
    });
    const e = await place('qb-429', 4);
    expect(e.status).toBe('open');

    for (const cid of ['qb-lost', 'qb-delayed', 'qb-503-after', 'qb-502-before', 'qb-429'])
      expect(f.created(cid), cid).toBe(1);
    // the venue saw one request per order: an uncertain answer is followed by a lookup, not by a
    // resend (the 502 and 429 answers came before the venue, so those were resent)
    for (const cid of ['qb-lost', 'qb-delayed', 'qb-503-after', 'qb-502-before', 'qb-429'])
      expect(f.posts(cid), cid).toBe(1);

    // the hard case: the order fills at once and its ack is lost; its id is free again at the
    // venue, so a blind resend would place a second order
    f.faults.lostAcks = 1;
    const { ask } = bestTicks(f);
    const g = await v.place({
      clientOrderId: 'qb-filled-lost',
      side: 'buy',
      type: 'limit',
      price: Number(px(ask)),
      amount: 0.001,
      postOnly: false,
    });
    expect(g).toMatchObject({ status: 'filled', filled: 0.001 });
    expect(f.created('qb-filled-lost')).toBe(1);
    expect(f.posts('qb-filled-lost')).toBe(1);
    expect(f.duplicates()).toEqual([]);
    expect(f.openOrders().length).toBe(5);
    expect(v.stats.recoveredAcks).toBeGreaterThanOrEqual(4);
    expect(v.stats.rateLimited).toBeGreaterThanOrEqual(2);
    expect(rec.notes.some((n) => /answer was lost/.test(n))).toBe(true);
  });

  it('keeps the ORDERS limit read from exchangeInfo: a burst of 12 orders against 5 per second gets no 429', async () => {
    const f = await fake({
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 1, limit: 5 },
      ],
    });
    const { v } = await open(f);
    expect(v.rateLimit.ordersPerSecond).toBe(5);
    const { ask } = bestTicks(f);
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        v.place({
          clientOrderId: `qb-burst-${i}`,
          side: 'sell',
          type: 'limit',
          price: Number(px(ask + 20 + i)),
          amount: 0.005,
          postOnly: true,
        }),
      ),
    );
    expect(all.every((o) => o.status === 'open')).toBe(true);
    expect(f.rejected429()).toBe(0);
    expect(v.stats.orderBudgetWaitMs).toBeGreaterThan(0); // the budget did hold orders back
    expect(f.duplicates()).toEqual([]);
  });

  it('the fake enforces its ORDERS limit (so the test above can fail): plain ccxt without a budget gets 429 -1015', async () => {
    const f = await fake({
      rateLimits: [{ rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 3 }],
    });
    const ex = new ccxt.binanceusdm({
      apiKey: API_KEY,
      secret: SECRET,
      options: { fetchMarkets: { types: ['linear'] } },
    });
    ex.enableDemoTrading(true);
    ex.urls.api = rewriteApiUrls(ex.urls.api, new URL(f.url)) as typeof ex.urls.api;
    cleanups.push(() => ex.close());
    await ex.loadMarkets();
    const { ask } = bestTicks(f);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        ex.createOrder(SYMBOL, 'limit', 'sell', 0.005, Number(px(ask + 30 + i)), {
          timeInForce: 'GTX',
          newClientOrderId: `qb-raw-${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    expect(f.rejected429()).toBeGreaterThan(0);
  });

  it('final position equals the exchange after partial fills, duplicated and reordered user data and a dropped user stream', async () => {
    const f = await fake();
    const { v, rec } = await connected(f);
    const { bid, ask } = bestTicks(f);
    await v.place({
      clientOrderId: 'qb-b1',
      side: 'buy',
      type: 'limit',
      price: Number(px(bid)),
      amount: 0.05,
      postOnly: true,
    });
    await v.place({
      clientOrderId: 'qb-s1',
      side: 'sell',
      type: 'limit',
      price: Number(px(ask)),
      amount: 0.03,
      postOnly: true,
    });
    f.faults.duplicateUserEvents = true;
    f.faults.reorderUserEvents = true;
    const depthAtBid = Math.round(Number(f.book().bids[0]![1]) * 1000);
    f.takerSweep('SELL', depthAtBid - 50 + 7); // through the queue ahead, a partial fill of ours
    f.takerSweep('SELL', 11); // another partial fill
    f.takerSweep('BUY', Math.round(Number(f.book().asks[0]![1]) * 1000) - 30 + 13);
    await until(() => rec.fills.length >= 2, 'fills under duplicated and reordered messages');
    // the user stream drops; fills happen while it is down
    const privBefore = f.connections().private;
    f.dropPrivate();
    f.takerSweep('SELL', 9);
    f.takerSweep('BUY', 4);
    await until(() => f.connections().private > privBefore, 'the user stream reconnected');
    await until(
      () => rec.connections.some((c) => c.status === 'connected' && c.reason === 'user'),
      'connected (user)',
    );
    f.faults.duplicateUserEvents = false;
    f.faults.reorderUserEvents = false;
    f.flushUserEvents();
    f.takerSweep('SELL', 5);
    const exchangeLots = (): number => f.positionLots();
    const ours = (): number =>
      Math.round(rec.fills.reduce((s, x) => s + (x.side === 'buy' ? 1 : -1) * x.amount * 1000, 0));
    await until(
      () => ours() === exchangeLots(),
      `our fills (${ours()}) = the exchange position (${exchangeLots()})`,
    );
    const p = await v.fetchPosition();
    expect(Math.round(p.amount * 1000)).toBe(exchangeLots());
    expect(exchangeLots()).not.toBe(0);
    // every fill once: trade ids unique
    expect(new Set(rec.fills.map((x) => x.tradeId)).size).toBe(rec.fills.length);
    expect(v.stats.staleUserEvents).toBeGreaterThan(0); // duplicates and stale states were seen and dropped
    expect(v.stats.recoveredFills).toBeGreaterThan(0); // the fills missed while disconnected came over REST
    // order states only went forward
    const b1 = rec.orders.filter((o) => o.clientOrderId === 'qb-b1').map((o) => o.filled);
    expect(b1).toEqual([...b1].sort((x, y) => x - y));
    expect(f.order('qb-b1')!.filledLots).toBe(Math.round(b1[b1.length - 1]! * 1000));
  });

  it('cancelAll leaves no open order (one DELETE allOpenOrders); the time is reported', async () => {
    const f = await fake();
    const { v } = await open(f);
    const { bid, ask } = bestTicks(f);
    for (let i = 0; i < 6; i++) {
      await v.place({
        clientOrderId: `qb-k-b${i}`,
        side: 'buy',
        type: 'limit',
        price: Number(px(bid - 2 - i)),
        amount: 0.002,
        postOnly: true,
      });
      await v.place({
        clientOrderId: `qb-k-a${i}`,
        side: 'sell',
        type: 'limit',
        price: Number(px(ask + 2 + i)),
        amount: 0.002,
        postOnly: true,
      });
    }
    expect(f.openOrders().length).toBe(12);
    const t0 = performance.now();
    await v.cancelAll();
    const ms = performance.now() - t0;
    expect(f.openOrders()).toEqual([]);
    expect(await v.fetchOpenOrders()).toEqual([]);
    expect(f.requests.filter((r) => r === 'DELETE /fapi/v1/allOpenOrders').length).toBe(1);
    console.log(`cancelAll of 12 orders: ${ms.toFixed(1)} ms`);
  });

  it('recovers from clock skew (-1021) by reloading the time difference, ahead and behind', async () => {
    const f = await fake();
    const { v } = await open(f);
    const { bid } = bestTicks(f);
    f.faults.clockSkewMs = 30_000;
    const a = await v.place({
      clientOrderId: 'qb-skew-1',
      side: 'buy',
      type: 'limit',
      price: Number(px(bid - 3)),
      amount: 0.01,
      postOnly: true,
    });
    expect(a.status).toBe('open');
    expect(f.timestampRejects()).toBeGreaterThan(0);
    f.faults.clockSkewMs = -30_000;
    expect((await v.fetchOpenOrders()).length).toBe(1);
    expect(v.stats.clockResyncs).toBeGreaterThanOrEqual(2);
    expect(Math.abs(v.now() - (Date.now() - 30_000))).toBeLessThan(5_000);
    expect(f.created('qb-skew-1')).toBe(1);
  });

  it('post-only that would take is rejected (-5022, kind rejected); amend re-queues at the new price; cancel by our id', async () => {
    const f = await fake();
    const { v } = await open(f);
    const { bid, ask } = bestTicks(f);
    await expect(
      v.place({
        clientOrderId: 'qb-cross',
        side: 'buy',
        type: 'limit',
        price: Number(px(ask)),
        amount: 0.01,
        postOnly: true,
      }),
    ).rejects.toMatchObject({ kind: 'rejected' });
    expect(f.created('qb-cross')).toBe(0);
    await v.place({
      clientOrderId: 'qb-am',
      side: 'buy',
      type: 'limit',
      price: Number(px(bid)),
      amount: 0.01,
      postOnly: true,
    });
    const queued = f.order('qb-am')!.queueAhead;
    expect(queued).toBeGreaterThan(0);
    const am = await v.amend('qb-am', { price: Number(px(bid - 1)), amount: 0.02 });
    expect(am).toMatchObject({
      clientOrderId: 'qb-am',
      price: Number(px(bid - 1)),
      amount: 0.02,
      status: 'open',
    });
    expect(f.order('qb-am')).toMatchObject({ priceTicks: bid - 1, origLots: 20 });
    expect(f.created('qb-am')).toBe(1);
    await v.cancel('qb-am');
    expect(f.order('qb-am')!.status).toBe('CANCELED');
    await expect(v.cancel('qb-am')).rejects.toMatchObject({ kind: 'not-found' });
    expect(await v.fetchOrder('qb-nope')).toBeNull();
    expect(qty(20)).toBe('0.020');
  });

  it('never shows the API key or secret: notes, errors, JSON and inspect of the venue', async () => {
    const f = await fake();
    const { v, rec } = await connected(f, { timeoutMs: 1000 });
    const { bid } = bestTicks(f);
    f.faults.lostAcks = 1;
    f.faults.http.push({ method: 'GET', path: '/fapi/v1/openOrders', status: 500, code: -1000, count: 1 });
    f.faults.clockSkewMs = 20_000;
    await v.place({
      clientOrderId: 'qb-sec',
      side: 'buy',
      type: 'limit',
      price: Number(px(bid - 4)),
      amount: 0.01,
      postOnly: true,
    });
    await v.fetchOpenOrders();
    f.dropPrivate();
    await until(() => v.stats.reconnects > 0, 'a reconnect note');
    const errors: string[] = [];
    await v.cancel('qb-unknown').catch((e: unknown) => errors.push(String(e), inspect(e)));
    const bad = await open(f, { credentials: { apiKey: 'wrong', secret: SECRET } });
    await bad.v.fetchOpenOrders().catch((e: unknown) => errors.push(String(e), inspect(e)));
    const text = [...rec.notes, ...errors, JSON.stringify(v), inspect(v, { depth: 6 }), String(v)].join('\n');
    expect(rec.notes.length).toBeGreaterThan(2);
    expect(errors.length).toBe(4);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
  });
});
