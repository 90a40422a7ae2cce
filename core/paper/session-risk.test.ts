// The risk controls inside a running session (paper venue on a synthetic tape): each one stops what it
// should, and the same session without it does trade — so every assertion here can fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import type { VenueFill } from '../venues/venue';
import { Journal } from './journal';
import { resolveLimits, type RiskLimitsInput } from './risk';
import { PaperSession } from './session';
import { syntheticPaperVenue, syntheticTape } from './synthetic-tape.fixture';

const dir = mkdtempSync(join(tmpdir(), 'qb-session-risk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tape = syntheticTape({ seed: 4, seconds: 120 });
let n = 0;

async function run(
  limits: RiskLimitsInput,
  opts: { wallAheadMs?: number | (() => number); halfSpread?: number } = {},
): Promise<{ s: PaperSession; maxAbsPosition: number; fills: VenueFill[] }> {
  const venue = syntheticPaperVenue(tape, Number.POSITIVE_INFINITY);
  const fills: VenueFill[] = [];
  let maxAbs = 0;
  const aheadOpt = opts.wallAheadMs ?? 0;
  const ahead = typeof aheadOpt === 'number' ? (): number => aheadOpt : aheadOpt;
  const s: PaperSession = new PaperSession({
    sessionId: `risk${++n}`,
    venue,
    quoter: new FixedSpreadQuoter({ halfSpread: opts.halfSpread ?? 0.1, skewPerLot: 0, orderSizeLots: 1 }),
    journal: new Journal(join(dir, `risk${n}.sqlite`)),
    limits: resolveLimits(limits),
    lotSize: 1,
    decisionIntervalMs: 500,
    depthLevels: 5,
    postOnly: true,
    horizonSeconds: Number.POSITIVE_INFINITY,
    // The stale-data guard's wall clock, `ahead` ms after every book's receive time.
    wallClock: () => Date.now() + ahead(),
    onFill: (f) => {
      fills.push(f);
      maxAbs = Math.max(maxAbs, Math.abs(s.oms.position));
    },
  });
  await s.start(new AbortController().signal);
  await venue.finished();
  await s.stop();
  return { s, maxAbsPosition: maxAbs, fills };
}

describe('risk controls in a session', () => {
  it('without limits the quoter trades and its inventory wanders past 2 lots', async () => {
    const r = await run({});
    expect(r.fills.length).toBeGreaterThan(20);
    expect(r.maxAbsPosition).toBeGreaterThan(2);
  });

  it('max inventory 2: |position| never exceeds 2 lots', async () => {
    const r = await run({ maxInventory: 2 });
    expect(r.fills.length).toBeGreaterThan(10);
    expect(r.maxAbsPosition).toBeLessThanOrEqual(2);
    expect(r.s.risk.blocked.inventory).toBeGreaterThan(0);
  });

  it('stale data that turns fresh again: quoting resumes and the halt is no longer reported', async () => {
    let calls = 0;
    // Stale for the first 50 wall-clock reads, fresh afterwards.
    const r = await run({ staleMs: 5_000 }, { wallAheadMs: () => (++calls <= 50 ? 10_000 : 0) });
    expect(r.s.counters.skippedDecisions).toBeGreaterThan(0);
    expect(r.s.counters.placed).toBeGreaterThan(0);
    expect(r.s.lastBlock).not.toBe('stale');
  });

  it('stale data: a book received 10 s ago by the wall clock is never quoted on', async () => {
    const fresh = await run({ staleMs: 60_000 }, { wallAheadMs: 10_000 });
    expect(fresh.fills.length).toBeGreaterThan(0);
    const stale = await run({ staleMs: 5_000 }, { wallAheadMs: 10_000 });
    expect(stale.s.counters.placed).toBe(0);
    expect(stale.fills).toEqual([]);
    expect(stale.s.counters.skippedDecisions).toBeGreaterThan(100);
  });

  it('price band: quotes 30 bps from the mid pass a 50 bps band and not a 20 bps one', async () => {
    expect((await run({ bandBps: 50 }, { halfSpread: 0.3 })).s.counters.placed).toBeGreaterThan(0);
    const r = await run({ bandBps: 20 }, { halfSpread: 0.3 });
    expect(r.s.counters.placed).toBe(0);
    expect(r.s.risk.blocked.band).toBeGreaterThan(0);
  });

  it('order rate: at most 1 order per second of feed time', async () => {
    const free = await run({});
    const r = await run({ maxOrderRate: 1 });
    expect(free.s.counters.placed).toBeGreaterThan(130); // > 1 per second over 120 s
    expect(r.s.counters.placed).toBeLessThanOrEqual(121);
    expect(r.s.risk.blocked.rate).toBeGreaterThan(0);
  });

  it('PnL stop: the session halts (nothing open at the end, fewer orders than without the stop)', async () => {
    const r = await run({ pnlStop: 0.05 });
    expect(r.s.risk.isHalted).toBe(true);
    const free = await run({});
    expect(r.s.counters.placed).toBeLessThan(free.s.counters.placed);
    expect(r.s.oms.openOrders()).toEqual([]);
  });
});
