/**
 * End to end: a paper session with a classical quoter on the Binance USD-M connector against the
 * fault-injecting fake exchange (./fake-binance-session.fixture.ts drives it). Asserts: no client
 * order id created twice at the exchange, the session's position equals the exchange's, nothing open
 * after the kill and the position flat. No timing assertions.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_API_KEY, SESSION_SECRET, runSessionFaultScenario } from './fake-binance-session.fixture';

describe('paper session on the Binance USD-M connector against the fault-injecting fake', () => {
  it('through faults: no duplicate order, session position = exchange position, kill leaves nothing open and flat', async () => {
    const r = await runSessionFaultScenario({ seed: 5, steps: 36 });
    expect(r.duplicates).toEqual([]);
    expect(r.sessionLots).toBe(r.exchangeLots);
    expect(r.exchangeLots).not.toBe(0);
    expect(r.placed).toBeGreaterThan(10);
    expect(r.reconciliations).toBeGreaterThanOrEqual(2); // start + reconnects
    expect(r.venue.resyncs).toBeGreaterThanOrEqual(3);
    expect(r.venue.reconnects).toBeGreaterThanOrEqual(2);
    expect(r.venue.recoveredAcks).toBeGreaterThanOrEqual(1);
    expect(r.venue.staleUserEvents).toBeGreaterThan(0);
    expect(r.venue.clockResyncs).toBeGreaterThanOrEqual(1);
    expect(r.kill.openAfter).toBe(0);
    expect(r.kill.cancelRequests).toBe(1); // one DELETE allOpenOrders
    expect(r.openAtExchangeAfterKill).toBe(0);
    expect(r.exchangeLotsAfterKill).toBe(0);
    const notes = JSON.stringify(r.notes);
    expect(notes).not.toContain(SESSION_API_KEY);
    expect(notes).not.toContain(SESSION_SECRET);
  });
});
