/**
 * The whole fault run (./fake-binance-faults.ts) once: every counter that must be exact is checked;
 * the times it reports are not (the machine may be busy).
 */
import { describe, expect, it } from 'vitest';
import { runFaultScenario } from './fake-binance-faults';

describe('the Binance connector through every fault of the fake exchange, in one run', () => {
  it('no duplicate order, the book matches after every gap, our fills equal the exchange position, nothing open after the kill', async () => {
    const r = await runFaultScenario({ seed: 11, gaps: 3, orders: 12 });
    expect(r.duplicates).toBe(0);
    expect(r.venueOrderPosts).toBe(r.ordersPlaced); // every order reached the venue exactly once
    expect(r.resyncs).toBeGreaterThanOrEqual(r.gaps);
    expect(r.bookMismatches).toBe(0);
    expect(r.bookChecks).toBe(r.gaps + 2);
    expect(r.recoveredAcks).toBeGreaterThanOrEqual(4); // lost, delayed, 503-after, ×2 rounds (some)
    expect(r.rateLimited).toBeGreaterThanOrEqual(1);
    expect(r.clockResyncs).toBeGreaterThanOrEqual(1);
    expect(r.reconnects).toBeGreaterThanOrEqual(2); // public and user streams
    expect(r.fills).toBeGreaterThan(0);
    expect(r.recoveredFills).toBeGreaterThan(0);
    expect(r.staleUserEvents).toBeGreaterThan(0);
    expect(r.positionFromFills).toBe(r.positionAtExchange);
    expect(r.positionAtExchange).not.toBe(0);
    expect(r.openBeforeKill).toBeGreaterThan(0);
    expect(r.openAfterKill).toBe(0);
  });
});
