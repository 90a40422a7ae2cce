/**
 * End to end: a paper session (core/paper/session.ts: OMS, risk, journal) with a classical quoter
 * (fixed spread at the touch) on the Binance USD-M demo connector (./binance.ts) against the fake
 * exchange (./fake-binance.fixture.ts) through faults: sequence gaps, lost acks, a 503 after the
 * order was placed, 429s, duplicated and reordered user data, dropped user and public streams, clock
 * skew; takers sweep through our quotes (partial fills). Then the kill switch with flattening.
 * Asserts: no client order id created twice at the exchange, the session's position equals the
 * exchange's, nothing open after the kill and the position flat. No timing assertions: the session
 * is driven step by step and every wait polls a condition with a hang guard.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../paper/journal';
import { resolveLimits } from '../paper/risk';
import { PaperSession } from '../paper/session';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { openBinanceVenue } from './binance';
import { startFakeBinance, type FakeBinance } from './fake-binance.fixture';

const API_KEY = 'qbSESSIONkey0001';
const SECRET = 'qbSESSIONsecret0001';
const dir = mkdtempSync(join(tmpdir(), 'qb-binance-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, guardMs = 30_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('paper session on the Binance USD-M connector against the fault-injecting fake', () => {
  it('through faults: no duplicate order, session position = exchange position, kill leaves nothing open and flat', async () => {
    const f: FakeBinance = await startFakeBinance({ apiKey: API_KEY, secret: SECRET, seed: 5, levels: 25 });
    cleanups.push(() => f.close());
    const notes: string[] = [];
    const v = await openBinanceVenue({
      market: 'usdm-demo',
      symbol: 'BTCUSDT',
      credentials: { apiKey: API_KEY, secret: SECRET },
      url: f.url,
      seed: 5,
      timeoutMs: 1000,
      backoffBaseMs: 20,
      backoffCapMs: 200,
      onNote: (m) => notes.push(m),
    });
    cleanups.push(() => v.close());
    const journal = new Journal(join(dir, 'session.sqlite'));
    const s = new PaperSession({
      sessionId: 'fault-e2e',
      venue: v,
      // quotes at the touch (spread is 2 ticks of 0.1): our orders join the best levels
      quoter: new FixedSpreadQuoter({
        halfSpread: 0.1,
        skewPerLot: 0,
        orderSizeLots: 3,
        maxInventoryLots: 40,
      }),
      journal,
      limits: resolveLimits({}),
      lotSize: 0.001,
      decisionIntervalMs: 30,
      depthLevels: 5,
      postOnly: true,
      horizonSeconds: Number.POSITIVE_INFINITY,
    });
    await s.start(new AbortController().signal);
    const decide = async (n: number): Promise<void> => {
      const d = s.counters.decisions;
      await until(() => s.counters.decisions >= d + n, `${n} more decisions`);
    };
    await decide(2);
    await until(() => s.oms.openOrders().length === 2, 'two quotes working');

    const sweep = (side: 'BUY' | 'SELL', extraLots: number): void => {
      const lv = side === 'SELL' ? f.book().bids[0]! : f.book().asks[0]!;
      f.takerSweep(side, Math.round(Number(lv[1]) * 1000) - 3 + extraLots);
    };
    for (let i = 0; i < 36; i++) {
      if (i % 9 === 4) f.gapNext();
      if (i === 6) f.faults.lostAcks = 2;
      if (i === 10)
        f.faults.http.push({
          method: 'POST',
          path: '/fapi/v1/order',
          status: 503,
          code: -1007,
          afterApply: true,
          count: 1,
        });
      if (i === 12)
        f.faults.http.push({
          method: 'POST',
          path: '/fapi/v1/order',
          status: 429,
          code: -1003,
          retryAfterS: 1,
          count: 2,
        });
      if (i === 14) {
        f.faults.duplicateUserEvents = true;
        f.faults.reorderUserEvents = true;
      }
      if (i === 18) f.dropPrivate();
      if (i === 24) f.dropPublic();
      if (i === 28) f.faults.clockSkewMs = 25_000;
      if (i === 30) {
        f.faults.duplicateUserEvents = false;
        f.faults.reorderUserEvents = false;
        f.flushUserEvents();
      }
      f.stepBook(1);
      if (i % 3 === 1) sweep('SELL', 1 + (i % 2));
      if (i % 3 === 2) sweep('BUY', 1 + (i % 2));
      await decide(2);
    }
    // the session's own account of its fills reaches the exchange's position
    await until(
      () => Math.round(s.oms.position) === f.positionLots(),
      `session position ${s.oms.position} = exchange ${f.positionLots()} lots`,
    );
    expect(f.duplicates()).toEqual([]);
    expect(f.positionLots()).not.toBe(0);
    expect(s.counters.placed).toBeGreaterThan(10);
    expect(s.counters.reconciliations).toBeGreaterThanOrEqual(2); // start + reconnects
    expect(v.stats.resyncs).toBeGreaterThanOrEqual(3);
    expect(v.stats.reconnects).toBeGreaterThanOrEqual(2);
    expect(v.stats.recoveredAcks).toBeGreaterThanOrEqual(1);
    expect(v.stats.staleUserEvents).toBeGreaterThan(0);
    expect(v.stats.clockResyncs).toBeGreaterThanOrEqual(1);

    // the kill is called while no place is in flight: a place still in flight when cancelAll goes
    // out lands after it and stays open (a race of the session's kill, reported separately)
    for (
      let placed = -1;
      placed !== s.counters.placed || s.oms.openOrders().some((o) => o.status === 'pending');
    ) {
      placed = s.counters.placed;
      await decide(3);
    }
    const k = await s.kill({ flatten: true, timeoutMs: 20_000 });
    expect(k.openAfter).toBe(0);
    expect(k.cancelRequests).toBe(1); // one DELETE allOpenOrders
    await until(
      () => f.openOrders().length === 0 && f.positionLots() === 0,
      'nothing open and flat at the exchange',
    );
    expect(f.duplicates()).toEqual([]);
    console.log(
      `session through faults: ${s.counters.placed} placed, ${v.stats.placeRequests} order requests, ${v.stats.resyncs} resyncs, ${v.stats.reconnects} reconnects, kill ${k.elapsedMs.toFixed(0)} ms (flattened ${k.flattenedLots} lots)`,
    );
    const js = JSON.stringify(notes);
    expect(js).not.toContain(API_KEY);
    expect(js).not.toContain(SECRET);
  });
});
