/**
 * The Binance connector on the spot testnet (sandbox mode through ccxt) against the fake exchange in
 * spot mode: REST /api/v3 (LIMIT_MAKER post-only, cancel-replace amend, DELETE openOrders), the spot
 * depth stream (U/u continuity, no pu) and the user data through the WebSocket API
 * (userDataStream.subscribe.signature, executionReport events). No timing assertions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openBinanceVenue, type BinanceVenue } from './binance';
import { px, startFakeBinance, type FakeBinance } from './fake-binance.fixture';
import type { ConnectionEvent, VenueFill } from './venue';

const API_KEY = 'qbSPOTkey0001sentinel';
const SECRET = 'qbSPOTsecret0001sentinel';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, guardMs = 30_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(): Promise<{
  f: FakeBinance;
  v: BinanceVenue;
  fills: VenueFill[];
  conns: ConnectionEvent[];
}> {
  const f = await startFakeBinance({
    kind: 'spot',
    apiKey: API_KEY,
    secret: SECRET,
    seed: 3,
    baseBalance: 1,
  });
  cleanups.push(() => f.close());
  const v = await openBinanceVenue({
    market: 'spot-testnet',
    symbol: 'BTC/USDT',
    credentials: { apiKey: API_KEY, secret: SECRET },
    url: f.url,
    seed: 3,
    timeoutMs: 1000,
    backoffBaseMs: 20,
    backoffCapMs: 200,
  });
  cleanups.push(() => v.close());
  const fills: VenueFill[] = [];
  const conns: ConnectionEvent[] = [];
  v.subscribe({ onFill: (x) => fills.push({ ...x }), onConnection: (c) => conns.push({ ...c }) });
  return { f, v, fills, conns };
}

const best = (f: FakeBinance): { bid: number; ask: number } => ({
  bid: Math.round(Number(f.book().bids[0]![0]) * 10),
  ask: Math.round(Number(f.book().asks[0]![0]) * 10),
});

describe('Binance connector on the spot testnet against the fake (spot mode)', () => {
  it('market, limits and capabilities from the spot exchangeInfo', async () => {
    const { v } = await setup();
    expect(v.id).toBe('binance-spot-testnet');
    expect(v.market).toMatchObject({
      symbol: 'BTC/USDT',
      venueSymbol: 'BTCUSDT',
      tickSize: 0.1,
      amountStep: 0.001,
      minNotional: 5,
    });
    expect(v.rateLimit.ordersPer10s).toBe(100);
    expect(v.capabilities).toMatchObject({
      amend: true,
      amendKeepsPriority: false,
      amendDecreaseKeepsPriority: true,
      positions: false,
      postOnly: true,
    });
  });

  it('book sync with gaps, LIMIT_MAKER, lost ack without a duplicate, fills over the WebSocket API, a dropped user stream, cancel-replace, cancelAll', async () => {
    const { f, v, fills, conns } = await setup();
    await v.connect(new AbortController().signal);
    let bids: string[][] = [];
    v.subscribe({
      onBook: (b) => {
        if (!b.synced) return;
        const out: string[][] = [];
        for (let i = 0; i < b.levels; i++)
          if (!Number.isNaN(b.bidPrices[i]!))
            out.push([b.bidPrices[i]!.toFixed(1), b.bidSizes[i]!.toFixed(3)]);
        bids = out;
      },
    });
    f.gapNext();
    f.stepBook(4);
    await until(() => v.stats.resyncs >= 1, 'a resync after the gap');
    await until(
      () => JSON.stringify(f.book().bids.slice(0, 20)) === JSON.stringify(bids),
      'the bids equal after the gap',
    );

    const { bid, ask } = best(f);
    // post-only that would take: LIMIT_MAKER refused (-2010)
    await expect(
      v.place({
        clientOrderId: 'qs-cross',
        side: 'buy',
        type: 'limit',
        price: Number(px(ask)),
        amount: 0.01,
        postOnly: true,
      }),
    ).rejects.toMatchObject({ kind: 'rejected' });
    f.faults.lostAcks = 1;
    const b1 = await v.place({
      clientOrderId: 'qs-b1',
      side: 'buy',
      type: 'limit',
      price: Number(px(bid)),
      amount: 0.02,
      postOnly: true,
    });
    expect(b1).toMatchObject({ status: 'open', amount: 0.02 });
    expect(f.created('qs-b1')).toBe(1);
    expect(f.posts('qs-b1')).toBe(1);
    await v.place({
      clientOrderId: 'qs-s1',
      side: 'sell',
      type: 'limit',
      price: Number(px(ask)),
      amount: 0.01,
      postOnly: true,
    });

    const depth = (side: 'bids' | 'asks'): number => Math.round(Number(f.book()[side][0]![1]) * 1000);
    f.takerSweep('SELL', depth('bids') - 20 + 5); // 5 lots of ours
    await until(() => fills.length >= 1, 'a fill over the WebSocket API');
    const priv = f.connections().private;
    f.dropPrivate();
    f.takerSweep('BUY', depth('asks') - 10 + 4); // 4 lots of ours while the user stream is down
    await until(() => f.connections().private > priv, 'the user stream back');
    await until(() => conns.some((c) => c.status === 'connected' && c.reason === 'user'), 'connected (user)');
    const net = (): number =>
      Math.round(fills.reduce((s, x) => s + (x.side === 'buy' ? 1 : -1) * x.amount * 1000, 0));
    await until(
      () => net() === f.positionLots(),
      `our fills (${net()}) = the base balance change (${f.positionLots()})`,
    );
    expect(f.positionLots()).toBe(1);
    expect(v.stats.recoveredFills).toBeGreaterThan(0);
    expect((await v.fetchPosition()).amount).toBeCloseTo(1.001, 9); // the base balance

    // amend: cancel-replace keeps our id, re-queues at the new price
    const am = await v.amend('qs-b1', { price: Number(px(bid - 2)), amount: 0.015 });
    expect(am).toMatchObject({
      clientOrderId: 'qs-b1',
      price: Number(px(bid - 2)),
      amount: 0.015,
      status: 'open',
    });
    expect(f.order('qs-b1')).toMatchObject({ priceTicks: bid - 2, origLots: 15, status: 'NEW' });
    expect(f.replaced()).toBe(1);
    expect(f.duplicates()).toEqual([]);

    // a lower amount at the same price: Order Amend Keep Priority, in place (same order id, same
    // place in the queue), not a cancel-replace
    const before = f.order('qs-b1')!;
    const [orderId, ahead] = [before.orderId, before.queueAhead];
    const kept = await v.amend('qs-b1', { amount: 0.01 });
    expect(kept).toMatchObject({
      clientOrderId: 'qs-b1',
      price: Number(px(bid - 2)),
      amount: 0.01,
      status: 'open',
    });
    expect(f.order('qs-b1')).toMatchObject({ orderId, queueAhead: ahead, origLots: 10, status: 'NEW' });
    expect(f.keepPriorityAmends()).toBe(1);
    expect(f.replaced()).toBe(1);

    await v.cancelAll();
    expect(f.openOrders()).toEqual([]);
    await v.cancelAll(); // nothing open: spot answers -2011, not an error for us
    expect(await v.fetchOpenOrders()).toEqual([]);
    expect(f.badSignatures()).toBe(0);
  });
});
