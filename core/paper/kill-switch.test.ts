// The kill switch: every open order cancelled in ONE round of requests (the venue's cancelAll, else
// all cancels in parallel), nothing open afterwards, the position flattened when asked. No wall-clock
// assertion: the structural bound (one round, all in parallel) is what guarantees the 1 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import type { Quoter } from '../strategy/quoter';
import type { Venue } from '../venues/venue';
import { Journal } from './journal';
import { resolveLimits } from './risk';
import { ScriptedVenue } from './scripted-venue.fixture';
import { PaperSession } from './session';
import { syntheticPaperVenue, syntheticTape } from './synthetic-tape.fixture';

const dir = mkdtempSync(join(tmpdir(), 'qb-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const idle: Quoter = {
  name: 'idle',
  params: {},
  reset: () => undefined,
  quote: () => undefined,
};

function session(venue: Venue, name: string, quoter: Quoter = idle): PaperSession {
  return new PaperSession({
    sessionId: name,
    venue,
    quoter,
    journal: new Journal(join(dir, `${name}.sqlite`)),
    limits: resolveLimits({}),
    lotSize: 1,
    decisionIntervalMs: 500,
    depthLevels: 5,
    postOnly: true,
    horizonSeconds: Number.POSITIVE_INFINITY,
  });
}

async function withOpenOrders(venue: ScriptedVenue, s: PaperSession, n: number): Promise<void> {
  await s.start(new AbortController().signal);
  for (let i = 0; i < n; i++)
    await s.oms.submit({
      side: i % 2 ? 'sell' : 'buy',
      type: 'limit',
      price: 100 + i,
      amount: 1,
      postOnly: true,
    });
  expect(venue.openCount()).toBe(n);
  venue.log.length = 0;
}

describe('kill switch', () => {
  it('without a venue cancelAll: every cancel in one parallel round, none open afterwards', async () => {
    const venue = new ScriptedVenue();
    const s = session(venue, 'kill1');
    await withOpenOrders(venue, s, 6);
    const r = await s.kill({ flatten: false });
    const cancels = venue.log.filter((l) => l.what === 'cancel');
    expect(cancels).toHaveLength(6);
    // One round: each cancel started while the earlier ones were still in flight.
    expect(new Set(cancels.map((c) => c.round)).size).toBe(1);
    expect(cancels.map((c) => c.inFlight)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r).toMatchObject({ cancelRequests: 6, openAfter: 0 });
    expect(venue.openCount()).toBe(0);
    expect(s.oms.openOrders()).toEqual([]);
  });

  it('with a venue cancelAll: one request', async () => {
    const venue = new ScriptedVenue();
    venue.capabilities = { ...venue.capabilities, cancelAll: true };
    const s = session(venue, 'kill2');
    await withOpenOrders(venue, s, 4);
    const r = await s.kill({ flatten: false });
    expect(venue.log.map((l) => l.what)).toEqual(['cancelAll']);
    expect(r).toMatchObject({ cancelRequests: 1, openAfter: 0 });
    expect(venue.openCount()).toBe(0);
  });

  // A place still in flight when the kill comes reaches the venue after the cancel-all (or after a
  // cancel that found nothing): it must still end cancelled, not stay open at the venue.
  for (const cancelAll of [true, false])
    it(`a place in flight during the kill is cancelled once acknowledged (venue cancelAll: ${cancelAll})`, async () => {
      const venue = new ScriptedVenue();
      venue.capabilities = { ...venue.capabilities, cancelAll };
      const s = session(venue, `kill-inflight-${cancelAll}`);
      await withOpenOrders(venue, s, 2);
      venue.latencyMs = 60; // the place is slow…
      const placing = s.oms.submit({ side: 'buy', type: 'limit', price: 99, amount: 1, postOnly: true });
      venue.latencyMs = 1; // …the kill's requests are fast, so they reach the venue first
      const r = await s.kill({ flatten: false, timeoutMs: 10_000 });
      await placing;
      expect(venue.log.map((l) => l.what)).toContain('place');
      expect(r.openAfter).toBe(0);
      expect(venue.openCount()).toBe(0);
      expect(s.oms.openOrders()).toEqual([]);
      // no new order goes out after the kill
      expect(venue.log.filter((l) => l.what === 'place')).toHaveLength(1);
    });

  it('on the paper venue mid-session: no open order, position flattened, quoting stopped', async () => {
    const tape = syntheticTape({ seed: 3, seconds: 600 });
    // 600 s of tape in ≈ 3 s of wall time: still running when the kill comes
    const venue = syntheticPaperVenue(tape, 200);
    const s = session(
      venue,
      'kill3',
      new FixedSpreadQuoter({ halfSpread: 0.05, skewPerLot: 0, orderSizeLots: 1 }),
    );
    await s.start(new AbortController().signal);
    // Hang guard only: wait for a non-zero position with orders working.
    for (let i = 0; i < 2000 && !(s.oms.position !== 0 && s.oms.openOrders().length > 0); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(s.oms.position).not.toBe(0);
    const r = await s.kill({ flatten: true, timeoutMs: 30_000 });
    expect(r.cancelRequests).toBe(1); // the paper venue has cancelAll
    expect(r.openAfter).toBe(0);
    expect(venue.openOrderCount()).toBe(0);
    expect(r.positionAfter).toBe(0);
    expect((await venue.fetchPosition()).amount).toBe(0);
    const placed = s.counters.placed;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.counters.placed).toBe(placed); // no quoting after the kill
    await s.stop();
  });
});
