/**
 * A paper session (core/paper/session.ts: OMS, risk, journal) with a classical quoter (fixed spread
 * at the touch) on the Binance USD-M demo connector (./binance.ts) against the fake exchange
 * (./fake-binance.fixture.ts), driven step by step through faults: sequence gaps, lost acks, a 503
 * after the order was placed, 429s, duplicated and reordered user data, dropped user and public
 * streams, clock skew, while takers sweep through our quotes (partial fills); then the kill switch
 * with flattening. Used by ./binance-session.test.ts (its counters) and scripts/paper-faults-study.ts
 * (its figures). Every wait polls a condition with a hang guard.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../paper/journal';
import { resolveLimits } from '../paper/risk';
import { PaperSession, type KillResult } from '../paper/session';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { openBinanceVenue, type BinanceVenueStats } from './binance';
import { startFakeBinance } from './fake-binance.fixture';

export const SESSION_API_KEY = 'qbSESSIONkey0001';
export const SESSION_SECRET = 'qbSESSIONsecret0001';

export interface SessionFaultFigures {
  steps: number;
  decisions: number;
  placed: number;
  reconciliations: number;
  venue: BinanceVenueStats;
  /** Client ids created more than once at the exchange (must be empty). */
  duplicates: string[];
  venueOrderPosts: number;
  /** The session's position (lots) when it matched the exchange, and the exchange's. */
  sessionLots: number;
  exchangeLots: number;
  kill: KillResult;
  openAtExchangeAfterKill: number;
  exchangeLotsAfterKill: number;
  notes: string[];
}

async function until(cond: () => boolean, what: string, guardMs = 30_000): Promise<void> {
  const end = Date.now() + guardMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runSessionFaultScenario(
  opts: { seed?: number; steps?: number } = {},
): Promise<SessionFaultFigures> {
  const seed = opts.seed ?? 5;
  const steps = opts.steps ?? 36;
  const dir = mkdtempSync(join(tmpdir(), 'qb-binance-session-'));
  const f = await startFakeBinance({ apiKey: SESSION_API_KEY, secret: SESSION_SECRET, seed, levels: 25 });
  const notes: string[] = [];
  let journal: Journal | null = null;
  const v = await openBinanceVenue({
    market: 'usdm-demo',
    symbol: 'BTCUSDT',
    credentials: { apiKey: SESSION_API_KEY, secret: SESSION_SECRET },
    url: f.url,
    seed,
    timeoutMs: 1000,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    onNote: (m) => notes.push(m),
  });
  try {
    journal = new Journal(join(dir, 'session.sqlite'));
    const s = new PaperSession({
      sessionId: `fault-e2e-${seed}`,
      venue: v,
      // quotes at the touch (the spread is 2 ticks of 0.1): our orders join the best levels
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
    for (let i = 0; i < steps; i++) {
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
    f.faults.duplicateUserEvents = false;
    f.faults.reorderUserEvents = false;
    f.flushUserEvents();
    // the session's own account of its fills reaches the exchange's position
    await until(
      () => Math.round(s.oms.position) === f.positionLots(),
      `session position ${s.oms.position} = exchange ${f.positionLots()} lots`,
    );
    const sessionLots = Math.round(s.oms.position);
    const exchangeLots = f.positionLots();
    // The kill comes whenever the session happens to be: a place still in flight when cancelAll goes
    // out lands after it and is cancelled once acknowledged (OrderManager.halt).
    await decide(3);
    const kill = await s.kill({ flatten: true, timeoutMs: 20_000 });
    await until(
      () => f.openOrders().length === 0 && f.positionLots() === 0,
      'nothing open and flat at the exchange',
    ).catch(() => undefined);
    return {
      steps,
      decisions: s.counters.decisions,
      placed: s.counters.placed,
      reconciliations: s.counters.reconciliations,
      venue: { ...v.stats },
      duplicates: f.duplicates(),
      venueOrderPosts: f.orderPosts(),
      sessionLots,
      exchangeLots,
      kill,
      openAtExchangeAfterKill: f.openOrders().length,
      exchangeLotsAfterKill: f.positionLots(),
      notes,
    };
  } finally {
    await v.close();
    await f.close();
    journal?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
